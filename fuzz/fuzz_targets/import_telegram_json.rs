//! `cargo +nightly fuzz run import_telegram_json`: see `fuzz/src/lib.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kith_fuzz::check(kith_fuzz::entry("import_telegram_json").expect("a listed target"), data);
});
