//! `cargo +nightly fuzz run restore_snapshot`: see `fuzz/src/lib.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kith_fuzz::check(kith_fuzz::entry("restore_snapshot").expect("a listed target"), data);
});
