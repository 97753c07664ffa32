//! `cargo +nightly fuzz run apply_journal`: see `fuzz/src/lib.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kith_fuzz::check(kith_fuzz::entry("apply_journal").expect("a listed target"), data);
});
