//! `cargo +nightly fuzz run import_contacts`: vCard and Google Contacts CSV files (see
//! `fuzz/src/lib.rs` for what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kith_fuzz::check(kith_fuzz::entry("import_contacts").expect("a listed target"), data);
});
