//! Replays every input under `tests/fuzz-crashes/<target>/` through the fuzz targets' own
//! invariants (`fuzz/src/lib.rs`, included here by path) on the stable toolchain, so every
//! crash the fuzzer ever found stays a regression test. Each target's folder also holds one
//! ordinary small input (`seed-example-*`, not a crash), so the replay is seen to run.
//!
//! Run: `cargo test --test fuzz_regressions`
//!
//! The state-seed test also writes snapshot and journal seeds for the `restore_snapshot` and
//! `apply_journal` targets when `KITH_FUZZ_SEED_DIR` names a corpus folder (`fuzz/seed.sh`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/src/lib.rs"]
mod fuzz;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kith::{Engine, FixedZone, ImportOptions};

fn crashes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashes")
}

/// Files in `dir` that are inputs: hidden files (`.gitkeep`) are not.
fn inputs_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.expect("a readable folder entry").path())
            .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// `(target folder name, input file)` for every committed input, target folders in name order.
fn committed_inputs() -> Vec<(String, PathBuf)> {
    let mut folders: Vec<PathBuf> = match fs::read_dir(crashes_dir()) {
        Ok(entries) => entries.map(|e| e.expect("a readable folder entry").path()).filter(|p| p.is_dir()).collect(),
        Err(_) => Vec::new(),
    };
    folders.sort();
    let mut inputs = Vec::new();
    for folder in folders {
        let target = folder.file_name().expect("a folder name").to_string_lossy().into_owned();
        inputs.extend(inputs_in(&folder).into_iter().map(|file| (target.clone(), file)));
    }
    inputs
}

/// Runs `check` on `data`; a panic comes back as its message.
fn replay(entry: fuzz::Entry, data: &[u8]) -> Result<(), String> {
    caught(|| fuzz::check(entry, data))
}

fn caught(f: impl FnOnce()) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into())
    })
}

/// Whether `data` is read (imported, restored, applied) rather than refused.
fn succeeds(entry: fuzz::Entry, data: &[u8]) -> bool {
    let import = |name: &str, bytes: &[u8]| {
        Engine::new(&[]).import_bytes(name, bytes, Box::new(FixedZone(0)), ImportOptions::default()).is_ok()
    };
    match entry {
        fuzz::Entry::Import(name) => import(name, data),
        fuzz::Entry::ImportNamed => {
            let (name, bytes) = fuzz::split_name(data);
            import(&name, bytes)
        }
        fuzz::Entry::Restore => Engine::restore(data).is_ok(),
        fuzz::Entry::Journal => Engine::new(&[]).apply_journal(data).is_ok(),
    }
}

#[test]
fn every_committed_fuzz_input_keeps_the_invariants() {
    let inputs = committed_inputs();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (target, file) in &inputs {
        let entry = fuzz::entry(target)
            .unwrap_or_else(|| panic!("tests/fuzz-crashes/{target}/ names no fuzz target (see fuzz/src/lib.rs)"));
        let data = fs::read(file).expect("a readable input");
        if let Err(message) = replay(entry, &data) {
            failures.push(format!("{}: {message}", file.display()));
        }
        checked += 1;
    }
    assert_eq!(checked, inputs.len(), "every input found was replayed");
    assert!(failures.is_empty(), "{} of {checked} inputs break an invariant:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_replay_finds_an_example_for_every_target() {
    for (target, _) in fuzz::TARGETS {
        let files = inputs_in(&crashes_dir().join(target));
        assert!(
            files.iter().any(|f| f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-example"))),
            "tests/fuzz-crashes/{target}/ has no seed-example input, so its replay is not seen to run"
        );
    }
    // The examples are read, not refused, so the replay reaches the checks on a success too.
    for (target, file) in committed_inputs() {
        if file.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-example")) {
            let entry = fuzz::entry(&target).expect("a known target");
            let data = fs::read(&file).expect("a readable input");
            assert!(succeeds(entry, &data), "{} is refused; an example should be read", file.display());
        }
    }
    let replayed = committed_inputs();
    assert!(replayed.len() >= fuzz::TARGETS.len(), "the replay found only {} inputs", replayed.len());
    // A positive control: a panic inside a replay is reported with its message, not lost.
    assert_eq!(caught(|| panic!("control {}", 1)), Err("control 1".to_string()));
    assert_eq!(caught(|| panic!("control")), Err("control".to_string()));
}

/// Engines built from every fixture of a source (each import checked like a fuzz input), their
/// snapshots and journals: seeds for the state targets, and themselves checked as such.
#[test]
fn state_seeds_from_the_fixtures_keep_the_invariants() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut sources: Vec<PathBuf> = fs::read_dir(&fixtures)
        .expect("tests/fixtures")
        .map(|e| e.expect("a readable folder entry").path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "snapshots"))
        .collect();
    sources.sort();
    let mut seeds: Vec<(String, Vec<u8>, Vec<u8>)> = vec![("empty".into(), Engine::new(&[]).snapshot(), Vec::new())];
    let mut all = Engine::new(&[]);
    all.set_journaling(true);
    for source in &sources {
        let mut engine = Engine::new(&[]);
        engine.set_journaling(true);
        for file in inputs_in(source) {
            let name = file.file_name().expect("a file name").to_string_lossy().into_owned();
            if name == "cases.json" || name.ends_with(".py") {
                continue;
            }
            let data = fs::read(&file).expect("a readable fixture");
            fuzz::check_import(&mut engine, &name, &data);
            fuzz::check_import(&mut all, &name, &data);
        }
        let source = source.file_name().expect("a folder name").to_string_lossy().into_owned();
        seeds.push((source, engine.snapshot(), engine.take_journal()));
    }
    seeds.push(("all".into(), all.snapshot(), all.take_journal()));
    let out = std::env::var_os("KITH_FUZZ_SEED_DIR").map(PathBuf::from);
    for (name, snapshot, journal) in &seeds {
        fuzz::check(fuzz::Entry::Restore, snapshot);
        assert!(Engine::restore(snapshot).is_ok(), "the {name} snapshot restores");
        if !journal.is_empty() {
            fuzz::check(fuzz::Entry::Journal, journal);
            assert!(Engine::new(&[]).apply_journal(journal).is_ok(), "the {name} journal applies");
        }
        if let Some(out) = &out {
            for (target, bytes) in [("restore_snapshot", snapshot), ("apply_journal", journal)] {
                if !bytes.is_empty() {
                    fs::create_dir_all(out.join(target)).expect("a corpus folder");
                    fs::write(out.join(target).join(format!("fixtures-{name}")), bytes).expect("a seed written");
                }
            }
        }
    }
}
