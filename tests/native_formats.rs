//! Every source's fixtures against their expected stats, natively: `cargo test --test native_formats`.
//! The same cases run in Chromium (`tests/web_api.rs`).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{Engine, FixedZone};
use serde_json::Value;

fn now() -> i64 {
    1_795_521_600 // 2026-11-24T12:00:00Z, the "now" of every cases.json
}

fn cases(json: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(json).expect("cases.json parses");
    doc["cases"].as_array().expect("cases").clone()
}

#[test]
fn every_source_fixture_gives_its_expected_stats_or_error() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (source, json, _) in common::SOURCES {
        for case in cases(json) {
            let file = case["file"].as_str().expect("file");
            let name = case["fileName"].as_str().unwrap_or(file);
            let mut engine = Engine::new(&common::case_owner(&case));
            let before = engine.snapshot();
            let result = engine.import_bytes(
                name,
                common::source_bytes(source, file),
                Box::new(FixedZone(0)),
                common::options(),
            );
            checked += 1;
            match (result, case["error"].as_str()) {
                (Err(e), Some(expected)) => {
                    if e.name() != expected {
                        failures.push(format!("{source}/{file}: expected {expected}, got {} ({e})", e.name()));
                    }
                    if engine.snapshot() != before {
                        failures.push(format!("{source}/{file}: a failed import changed the engine"));
                    }
                    if e.to_string().contains(common::CANARY) {
                        failures.push(format!("{source}/{file}: the error quotes message text"));
                    }
                }
                (Err(e), None) => failures.push(format!("{source}/{file}: {} {e}", e.name())),
                (Ok(_), Some(expected)) => failures.push(format!("{source}/{file}: expected {expected}, imported")),
                (Ok(report), None) => {
                    let report = serde_json::to_value(&report).expect("report json");
                    let contacts = serde_json::to_value(engine.contacts(now())).expect("contacts json");
                    for m in common::mismatches(&case["report"], &report, "report")
                        .into_iter()
                        .chain(common::mismatches(&case["contacts"], &contacts, "contacts"))
                    {
                        failures.push(format!("{source}/{file}: {m}"));
                    }
                    let out = format!("{report} {contacts} {:?}", engine.snapshot());
                    if out.contains(common::CANARY)
                        || String::from_utf8_lossy(&engine.snapshot()).contains(common::CANARY)
                    {
                        failures.push(format!("{source}/{file}: a canary leaked into the output or the snapshot"));
                    }
                }
            }
        }
    }
    println!("{checked} cases checked");
    assert!(checked > 0);
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_fixture_plants_a_canary_and_the_embedding_is_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (source, _, files) in common::SOURCES {
        let on_disk: Vec<String> = std::fs::read_dir(root.join(source))
            .expect("folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "cases.json" && !n.ends_with(".py"))
            .collect();
        let embedded: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        for name in &on_disk {
            assert!(embedded.contains(&name.as_str()), "{source}/{name} is not embedded: run tests/fixtures/embed.py");
        }
        for (name, bytes) in *files {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                text.contains(common::CANARY)
                    || name.ends_with(".zip")
                    || name.starts_with("bad-")
                    || name.contains("profile")
                    || name.contains("connections"),
                "{source}/{name} plants no canary"
            );
        }
    }
}

/// Importing the same export again counts nothing twice: by message id where the source has
/// one (Telegram, mail), by covered minutes otherwise (Messenger, Instagram, LinkedIn).
#[test]
fn every_source_fixture_imported_twice_counts_each_message_once() {
    let mut failures = Vec::new();
    for (source, json, _) in common::SOURCES {
        for case in cases(json).into_iter().filter(|c| c["error"].is_null()) {
            let file = case["file"].as_str().expect("file");
            let name = case["fileName"].as_str().unwrap_or(file);
            let bytes = common::source_bytes(source, file);
            let mut engine = Engine::new(&common::case_owner(&case));
            let import = |engine: &mut Engine| {
                engine.import_bytes(name, bytes, Box::new(FixedZone(0)), common::options()).expect("imports")
            };
            let first = import(&mut engine);
            let once = engine.contacts(now());
            let second = import(&mut engine);
            if engine.contacts(now()) != once {
                failures.push(format!("{source}/{file}: contacts changed on re-import"));
            }
            if second.duplicates != first.messages + first.calls {
                failures.push(format!(
                    "{source}/{file}: {} duplicates of {} messages and calls",
                    second.duplicates,
                    first.messages + first.calls
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
