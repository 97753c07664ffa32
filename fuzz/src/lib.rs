//! The invariants kith's fuzz targets check, whatever the input:
//! - nothing panics (overflow included: fuzz builds keep overflow checks on);
//! - an import or journal that fails leaves the engine as it was (its snapshot is unchanged);
//! - a result that succeeds serialises (the report and the contacts view, as JSON, which is
//!   what JS receives), and the engine it leaves snapshots, restores and snapshots again to the
//!   same bytes and the same contacts.
//!
//! Each fuzz target (`fuzz_targets/*.rs`) is one call of [`check`]. `tests/fuzz_regressions.rs`
//! includes this file by path and replays every input under `tests/fuzz-crashes/<target>/`
//! through the same function on the stable toolchain, so a crash once found stays a test.

use kith::{Engine, FixedZone, ImportOptions};

/// "Now" for the contacts view (2026-01-01T00:00:00Z), so every check is deterministic.
pub const NOW: i64 = 1_767_225_600;

/// A small chat imported into every engine that `restore` accepts: restored state must take
/// an import as well as it takes the contacts view.
const SMALL_CHAT: &[u8] = b"[3/18/22 14:56:00] Zoe: hi\n[3/18/22 15:00:00] Max: hey\n";

/// What a fuzz target drives.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    /// `Engine::import_bytes` under this file name, into an empty engine.
    Import(&'static str),
    /// `Engine::import_bytes`, the file name being the input up to its first `\n`.
    ImportNamed,
    /// `Engine::restore` (snapshot bytes).
    Restore,
    /// `Engine::new(&[]).apply_journal` (journal bytes).
    Journal,
}

/// Every fuzz target by name (its `fuzz_targets/<name>.rs`, `fuzz/corpus/<name>/` and
/// `tests/fuzz-crashes/<name>/`), with what it drives.
pub const TARGETS: &[(&str, Entry)] = &[
    ("import_whatsapp_txt", Entry::Import("WhatsApp Chat with Ann.txt")),
    ("import_zip", Entry::Import("x.zip")),
    ("import_telegram_json", Entry::Import("result.json")),
    ("import_meta_json", Entry::Import("message_1.json")),
    ("import_linkedin_csv", Entry::Import("messages.csv")),
    ("import_mbox", Entry::Import("x.mbox")),
    // vCard and Google Contacts CSV: detected by content, so one name serves both.
    ("import_contacts", Entry::Import("contacts.vcf")),
    ("import_any_name", Entry::ImportNamed),
    ("restore_snapshot", Entry::Restore),
    ("apply_journal", Entry::Journal),
];

/// The target named `name`.
pub fn entry(name: &str) -> Option<Entry> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
}

/// Runs one input through `entry` and panics if any invariant breaks.
pub fn check(entry: Entry, data: &[u8]) {
    match entry {
        Entry::Import(name) => check_import(&mut Engine::new(&[]), name, data),
        Entry::ImportNamed => {
            let (name, bytes) = split_name(data);
            check_import(&mut Engine::new(&[]), &name, bytes);
        }
        Entry::Restore => {
            if let Ok(mut engine) = Engine::restore(data) {
                check_engine(&engine);
                let _ = engine.sync_changes(NOW);
                check_import(&mut engine, "WhatsApp Chat with Ann.txt", SMALL_CHAT);
            }
        }
        Entry::Journal => {
            let mut engine = Engine::new(&[]);
            let before = engine.snapshot();
            match engine.apply_journal(data) {
                Err(err) => assert!(engine.snapshot() == before, "a journal that failed ({err}) changed the engine"),
                Ok(reports) => {
                    serde_json::to_string(&reports).expect("the journal's reports serialise");
                    check_engine(&engine);
                }
            }
        }
    }
}

/// An [`Entry::ImportNamed`] input as its file name (up to the first `\n`, lossy UTF-8) and
/// its bytes (the rest); an input without `\n` has an empty name.
pub fn split_name(data: &[u8]) -> (String, &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&data[..i]).into_owned(), &data[i + 1..]),
        None => (String::new(), data),
    }
}

/// Imports `bytes` as `name` into `engine` and checks the outcome.
pub fn check_import(engine: &mut Engine, name: &str, bytes: &[u8]) {
    let before = engine.snapshot();
    match engine.import_bytes(name, bytes, Box::new(FixedZone(0)), ImportOptions::default()) {
        Err(err) => assert!(engine.snapshot() == before, "a failed import ({err}) changed the engine"),
        Ok(report) => {
            serde_json::to_string(&report).expect("the import report serialises");
            check_engine(engine);
        }
    }
}

/// The contacts view serialises, and the engine survives snapshot → restore → snapshot.
pub fn check_engine(engine: &Engine) {
    let contacts = serde_json::to_string(&engine.contacts(NOW)).expect("the contacts serialise");
    let bytes = engine.snapshot();
    let restored = match Engine::restore(&bytes) {
        Ok(restored) => restored,
        Err(err) => panic!("the engine's own snapshot does not restore: {err}"),
    };
    assert!(restored.snapshot() == bytes, "snapshot → restore → snapshot changed the bytes");
    let again = serde_json::to_string(&restored.contacts(NOW)).expect("the restored contacts serialise");
    assert!(again == contacts, "a restored engine shows other contacts");
}
