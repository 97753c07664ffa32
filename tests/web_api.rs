//! The `Kith` JS API in headless Chromium:
//! `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome`
#![cfg(target_arch = "wasm32")]

mod common;

use js_sys::{Array, Object, Reflect, Uint8Array};
use kith::wasm::Kith;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NOW: &str = "2026-11-24T12:00:00Z";

fn options(owner: &[&str]) -> JsValue {
    let o = Object::new();
    let list = Array::new();
    for name in owner {
        list.push(&JsValue::from_str(name));
    }
    Reflect::set(&o, &"owner".into(), &list).expect("set");
    Reflect::set(&o, &"utcOffsetMinutes".into(), &0.into()).expect("set");
    Reflect::set(&o, &"now".into(), &NOW.into()).expect("set");
    o.into()
}

/// Bytes as `importFile` takes them from a page: a Uint8Array.
fn array(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn json(v: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(v.clone()).expect("plain data")
}

fn blob_of(bytes: &[u8]) -> web_sys::Blob {
    let parts = Array::new();
    parts.push(&Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).expect("blob")
}

fn error_name(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).unwrap_or_default()
}

fn error_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default()
}

fn cases() -> Vec<Value> {
    let doc: Value = serde_json::from_str(common::CASES_JSON).expect("cases");
    doc["cases"].as_array().expect("array").clone()
}

fn owner_of(case: &Value) -> Vec<&str> {
    case["options"]["owner"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn import_file_gives_every_fixtures_expected_stats() {
    let mut failures = Vec::new();
    for case in cases() {
        let file = case["file"].as_str().expect("file");
        let mut kith = Kith::new(options(&owner_of(&case))).expect("new");
        let report =
            kith.import_file(case["fileName"].as_str().expect("name"), array(common::bytes_of(file))).expect(file);
        let contacts = kith.contacts().expect("contacts");
        failures.extend(
            common::mismatches(&case["report"], &json(&report), "report").into_iter().map(|m| format!("{file}: {m}")),
        );
        failures.extend(
            common::mismatches(&case["contacts"], &json(&contacts), "contacts")
                .into_iter()
                .map(|m| format!("{file}: {m}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every other source's cases (Telegram, Messenger, Instagram, LinkedIn, mbox), through
/// `importFile` and through `importBlob`, with their exact stats or their named error.
#[wasm_bindgen_test]
async fn every_source_gives_its_expected_stats_through_both_import_paths() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (source, cases_json, _) in common::SOURCES {
        let doc: Value = serde_json::from_str(cases_json).expect("cases");
        for case in doc["cases"].as_array().expect("array") {
            let file = case["file"].as_str().expect("file");
            let name = case["fileName"].as_str().unwrap_or(file);
            let bytes = common::source_bytes(source, file);
            let owner = owner_of(case);
            let mut kith = Kith::new(options(&owner)).expect("new");
            let by_file = kith.import_file(name, array(bytes));
            let blob_kith = Kith::new(options(&owner)).expect("new");
            let blob_options = Object::new();
            Reflect::set(&blob_options, &"fileName".into(), &name.into()).expect("set");
            let by_blob = JsFuture::from(blob_kith.import_blob(blob_of(bytes), blob_options.into())).await;
            checked += 1;
            match (by_file, by_blob, case["error"].as_str()) {
                (Err(a), Err(b), Some(expected)) => {
                    for e in [a, b] {
                        if error_name(&e) != expected || error_message(&e).contains(common::CANARY) {
                            failures.push(format!("{source}/{file}: {} {}", error_name(&e), error_message(&e)));
                        }
                    }
                    if !kith.contacts().map(|c| Array::from(&c).length() == 0).unwrap_or(false) {
                        failures.push(format!("{source}/{file}: a failed import left contacts"));
                    }
                }
                (Ok(report), Ok(blob_report), None) => {
                    let contacts = json(&kith.contacts().expect("contacts"));
                    let report = json(&report);
                    for m in common::mismatches(&case["report"], &report, "report")
                        .into_iter()
                        .chain(common::mismatches(&case["contacts"], &contacts, "contacts"))
                    {
                        failures.push(format!("{source}/{file}: {m}"));
                    }
                    if json(&blob_report) != report || json(&blob_kith.contacts().expect("contacts")) != contacts {
                        failures.push(format!("{source}/{file}: importBlob and importFile disagree"));
                    }
                    if format!("{report} {contacts}").contains(common::CANARY)
                        || String::from_utf8_lossy(&kith.snapshot()).contains(common::CANARY)
                    {
                        failures.push(format!("{source}/{file}: a canary leaked"));
                    }
                }
                (a, b, expected) => failures.push(format!(
                    "{source}/{file}: expected {expected:?}, importFile {:?}, importBlob {:?}",
                    a.err().map(|e| error_name(&e)),
                    b.err().map(|e| error_name(&e))
                )),
            }
        }
    }
    assert!(checked > 20, "{checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
async fn import_blob_streams_text_and_zip_to_the_same_result() {
    for case in cases() {
        let file = case["file"].as_str().expect("file");
        let name = case["fileName"].as_str().expect("name");
        let mut sync = Kith::new(options(&owner_of(&case))).expect("new");
        sync.import_file(name, array(common::bytes_of(file))).expect("import_file");
        let streamed = Kith::new(options(&owner_of(&case))).expect("new");
        let progress = Array::new();
        let seen = progress.clone();
        let on_progress = Closure::<dyn FnMut(f64, f64)>::new(move |read: f64, total: f64| {
            seen.push(&Array::of2(&read.into(), &total.into()));
        });
        let opts = Object::new();
        Reflect::set(&opts, &"fileName".into(), &name.into()).expect("set");
        Reflect::set(&opts, &"onProgress".into(), on_progress.as_ref()).expect("set");
        let report =
            JsFuture::from(streamed.import_blob(blob_of(common::bytes_of(file)), opts.into())).await.expect(file);
        assert_eq!(json(&report)["messages"], case["report"]["messages"], "{file}");
        assert_eq!(json(&streamed.contacts().expect("c")), json(&sync.contacts().expect("c")), "{file}");
        assert!(progress.length() >= 1, "{file}: progress was reported");
        let last = Array::from(&progress.get(progress.length() - 1));
        assert_eq!(last.get(0), last.get(1), "{file}: progress ends at the total");
    }
}

#[wasm_bindgen_test]
fn errors_are_named_js_errors_and_leave_contacts_unchanged() {
    let mut kith = Kith::new(options(&[])).expect("new");
    kith.import_file("WhatsApp Chat with Ann Lee.txt", array(common::bytes_of("android-24h-dmy.txt"))).expect("good");
    let before = json(&kith.contacts().expect("c"));
    let zip = common::bytes_of("ios-seconds-dmy-crlf.zip");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let bad: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", Vec::new(), "Empty"),
        ("photo.txt", png, "UnknownFormat"),
        ("x.zip", zip[..zip.len() - 40].to_vec(), "CorruptArchive"),
        ("x.txt", vec![b'a'; 10 * 1024 * 1024], "UnknownFormat"),
    ];
    for (name, bytes, expected) in bad {
        let err = kith.import_file(name, array(&bytes)).expect_err(name);
        assert!(err.is_instance_of::<js_sys::Error>(), "{name}: a real Error");
        assert_eq!(error_name(&err), expected, "{name}: {}", error_message(&err));
        assert!(!error_message(&err).contains(common::CANARY));
        assert_eq!(json(&kith.contacts().expect("c")), before, "{name} changed the contacts");
    }
}

#[wasm_bindgen_test]
async fn aborted_and_concurrent_blob_imports_fail_cleanly() {
    let kith = Kith::new(options(&[])).expect("new");
    let controller = web_sys::AbortController::new().expect("controller");
    controller.abort();
    let opts = Object::new();
    Reflect::set(&opts, &"signal".into(), &controller.signal()).expect("set");
    Reflect::set(&opts, &"fileName".into(), &"WhatsApp Chat with Ann Lee.txt".into()).expect("set");
    let err = JsFuture::from(kith.import_blob(blob_of(common::bytes_of("android-24h-dmy.txt")), opts.into()))
        .await
        .expect_err("aborted");
    assert_eq!(error_name(&err), "Aborted");
    assert_eq!(json(&kith.contacts().expect("c")), Value::Array(vec![]));

    let first = kith.import_blob(blob_of(common::bytes_of("android-24h-dmy.txt")), JsValue::UNDEFINED);
    let second = kith.import_blob(blob_of(common::bytes_of("ios-time-first.txt")), JsValue::UNDEFINED);
    let err = JsFuture::from(second).await.expect_err("busy");
    assert_eq!(error_name(&err), "Busy");
    JsFuture::from(first).await.expect("first import finishes");
}

#[wasm_bindgen_test]
fn canaries_never_cross_the_boundary() {
    let mut kith = Kith::new(options(&[])).expect("new");
    let mut seen = String::new();
    for (file, bytes) in common::FILES {
        match kith.import_file(&format!("WhatsApp Chat with {file}"), array(bytes)) {
            Ok(report) => seen.push_str(&json(&report).to_string()),
            Err(e) => seen.push_str(&error_message(&e)),
        }
    }
    seen.push_str(&json(&kith.contacts().expect("c")).to_string());
    assert!(seen.contains("Ann Lee"), "the dump holds real output");
    assert!(!seen.contains(common::CANARY));
}

#[wasm_bindgen_test]
fn options_are_checked() {
    let bad = Object::new();
    Reflect::set(&bad, &"dateOrder".into(), &"ydm".into()).expect("set");
    let err = Kith::new(bad.into()).err().expect("rejected");
    assert_eq!(error_name(&err), "InvalidOptions");
    assert!(Kith::new(JsValue::UNDEFINED).is_ok());
}

#[wasm_bindgen_test]
fn set_owner_recomputes_directions() {
    let opts = options(&[]);
    // `01/02/2023` alone reads either way; the browser's locale would decide, so say it.
    Reflect::set(&opts, &"dateOrder".into(), &"dmy".into()).expect("set");
    let mut kith = Kith::new(opts).expect("new");
    let report = json(
        &kith
            .import_file("_chat.txt", array(b"01/02/2023, 10:00 - Ann: a\n01/02/2023, 10:05 - Sam: b\n"))
            .expect("import"),
    );
    assert_eq!(report["dateOrderSource"], "fallback");
    assert_eq!(report["dateOrder"], "dmy");
    assert_eq!(json(&kith.contacts().expect("c")), Value::Array(vec![]));
    kith.set_owner(vec!["Sam".into()]);
    let contacts = json(&kith.contacts().expect("c"));
    assert_eq!(contacts[0]["name"], "Ann");
    assert_eq!(contacts[0]["sentCount"], 1);
    assert_eq!(contacts[0]["lastReceivedAt"], "2023-02-01T10:00:00Z");
}
