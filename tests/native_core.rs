//! Native tests of the core against the project's fixtures: `cargo test`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{Engine, FixedZone, ImportError};
use serde_json::Value;

use common::options;

fn now() -> i64 {
    1_795_521_600 // 2026-11-24T12:00:00Z, the "now" of cases.json
}

fn import(engine: &mut Engine, file_name: &str, bytes: &[u8]) -> Result<kith::ImportReport, ImportError> {
    engine.import_bytes(file_name, bytes, Box::new(FixedZone(0)), options())
}

fn cases() -> Vec<Value> {
    let doc: Value = serde_json::from_str(common::CASES_JSON).expect("cases.json parses");
    doc["cases"].as_array().expect("cases").clone()
}

fn owner_of(case: &Value) -> Vec<String> {
    case["options"]["owner"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[test]
fn every_fixture_gives_its_expected_stats() {
    let mut failures = Vec::new();
    for case in cases() {
        let file = case["file"].as_str().expect("file");
        let mut engine = Engine::new(&owner_of(&case));
        let report = import(&mut engine, case["fileName"].as_str().expect("fileName"), common::bytes_of(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = serde_json::to_value(&report).expect("report json");
        let contacts = serde_json::to_value(engine.contacts(now())).expect("contacts json");
        for m in common::mismatches(&case["report"], &report, "report").into_iter().chain(common::mismatches(
            &case["contacts"],
            &contacts,
            "contacts",
        )) {
            failures.push(format!("{file}: {m}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn canaries_appear_in_no_output_report_error_or_state() {
    let mut engine = Engine::new(&[]);
    let mut outputs = String::new();
    for (file, bytes) in common::FILES {
        assert!(
            String::from_utf8_lossy(bytes).contains(common::CANARY)
                || file.ends_with(".zip")
                || file.contains("notices"),
            "{file} has no canary"
        );
        match import(&mut engine, &format!("WhatsApp Chat with {file}"), bytes) {
            Ok(report) => outputs.push_str(&serde_json::to_string(&report).expect("json")),
            Err(e) => outputs.push_str(&e.to_string()),
        }
        // Errors too: the same bytes cut in half, and inside a broken archive.
        if let Err(e) = import(&mut engine, file, &bytes[..bytes.len() / 2]) {
            outputs.push_str(&e.to_string());
        }
    }
    outputs.push_str(&serde_json::to_string(&engine.contacts(now())).expect("json"));
    outputs.push_str(&format!("{engine:?}"));
    assert!(!outputs.is_empty());
    assert!(
        !outputs.contains(common::CANARY),
        "a canary leaked: {}",
        &outputs[outputs.find(common::CANARY).unwrap_or(0)..][..80]
    );
    // The check can fail: the engine's state does name people, which proves the dump is real.
    assert!(outputs.contains("Ann Lee"));
}

#[test]
fn reimporting_the_same_export_counts_each_message_once() {
    let bytes = common::bytes_of("android-24h-dmy.txt");
    let mut engine = Engine::new(&[]);
    import(&mut engine, "WhatsApp Chat with Ann Lee.txt", bytes).expect("first");
    let first = engine.contacts(now());
    let again = import(&mut engine, "WhatsApp Chat with Ann Lee.txt", bytes).expect("second");
    assert_eq!(again.duplicates, 5);
    assert_eq!(engine.contacts(now()), first);
    // The zip of the same chat is the same chat.
    import(&mut engine, "WhatsApp Chat with Ann Lee.zip", common::bytes_of("android-with-media-stored.zip"))
        .expect("zip");
    assert_eq!(engine.contacts(now()), first);
}

#[test]
fn a_later_overlapping_export_adds_only_what_is_new() {
    let early = "01/02/2023, 10:00 - Ann: a\n01/02/2023, 10:05 - Sam: b\n13/02/2023, 09:00 - Ann: c\n";
    // The later export repeats everything, plus one more message in the same last minute and two after it.
    let later = format!("{early}13/02/2023, 09:00 - Ann: c2\n14/02/2023, 08:00 - Sam: d\n15/02/2023, 08:00 - Ann: e\n");
    let mut engine = Engine::new(&[]);
    import(&mut engine, "WhatsApp Chat with Ann.txt", early.as_bytes()).expect("early");
    let report = import(&mut engine, "WhatsApp Chat with Ann.txt", later.as_bytes()).expect("later");
    assert_eq!(report.duplicates, 3);
    let ann = &engine.contacts(now())[0];
    assert_eq!((ann.received_count, ann.sent_count), (4, 2));
    // Importing the two in the other order ends in the same place.
    let mut reversed = Engine::new(&[]);
    import(&mut reversed, "WhatsApp Chat with Ann.txt", later.as_bytes()).expect("later first");
    import(&mut reversed, "WhatsApp Chat with Ann.txt", early.as_bytes()).expect("early second");
    assert_eq!(reversed.contacts(now())[0].received_count, 4);
    assert_eq!(reversed.contacts(now())[0].sent_count, 2);
}

#[test]
fn owner_is_the_author_common_to_all_chats_when_no_file_name_helps() {
    let a = "01/02/2023, 10:00 - Ann: a\n01/02/2023, 10:05 - Sam: b\n13/02/2023, 09:00 - Ann: c\n";
    let b = "01/02/2023, 11:00 - Bob: a\n01/02/2023, 11:05 - Sam: b\n";
    let mut engine = Engine::new(&[]);
    let first = import(&mut engine, "_chat.txt", a.as_bytes()).expect("a");
    assert_eq!(first.owner_source, None);
    assert!(first.warnings.iter().any(|w| w.contains("which writer is you")));
    assert_eq!(first.writers, vec!["Ann".to_string(), "Sam".to_string()], "the report lists whom to ask about");
    assert!(engine.contacts(now()).is_empty(), "an unresolved chat lists nobody rather than the user");
    let second = import(&mut engine, "_chat.txt", b.as_bytes()).expect("b");
    assert_eq!(second.owner_source.as_deref(), Some("commonAuthor"));
    assert_eq!(second.owner, vec!["Sam".to_string()]);
    let names: Vec<String> = engine.contacts(now()).into_iter().map(|c| c.name).collect();
    assert_eq!(names, vec!["Ann", "Bob"]);
}

#[test]
fn setting_the_owner_later_recomputes_directions() {
    let chat = "01/02/2023, 10:00 - Ann: a\n01/02/2023, 10:05 - Sam: b\n";
    let mut engine = Engine::new(&[]);
    import(&mut engine, "_chat.txt", chat.as_bytes()).expect("import");
    engine.set_owner(&["sam".into()]);
    let ann = &engine.contacts(now())[0];
    assert_eq!((ann.name.as_str(), ann.sent_count, ann.received_count), ("Ann", 1, 1));
}

#[test]
fn reply_times_waiting_and_cadence() {
    let chat = "01/02/2023, 10:00 - Ann: a\n01/02/2023, 10:10 - Sam: b\n08/02/2023, 10:00 - Ann: c\n08/02/2023, 10:30 - Sam: d\n15/02/2023, 09:00 - Ann: e\n15/02/2023, 09:02 - Ann: f\n";
    let mut engine = Engine::new(&[]);
    import(&mut engine, "WhatsApp Chat with Ann.txt", chat.as_bytes()).expect("import");
    let ann = &engine.contacts(now())[0];
    let mine = ann.my_reply_minutes.expect("my replies");
    assert!((9.0..=11.5).contains(&mine), "{mine}");
    // Ann answers after 7 days less 10 minutes (10070) and 7 days less 90 minutes (9990): the
    // median is 10030, and the histogram reads it within about 5%.
    let theirs = ann.their_reply_minutes.expect("their replies");
    assert!((theirs - 10_030.0).abs() <= 0.05 * 10_030.0, "{theirs}");
    assert_eq!(ann.waiting_on, Some(kith::WaitingOn::Me));
    assert_eq!(ann.cadence_days, Some(7.0));
    let overdue = ann.overdue_ratio.expect("overdue");
    assert!(overdue > 50.0, "{overdue}");
}

#[test]
fn bad_input_gives_named_errors_and_changes_nothing() {
    let mut engine = Engine::new(&[]);
    import(&mut engine, "WhatsApp Chat with Ann Lee.txt", common::bytes_of("android-24h-dmy.txt")).expect("good");
    let before = format!("{engine:?}");
    let mut random = vec![0u8; 4096];
    let mut x: u32 = 0x1234_5678;
    for b in &mut random {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = (x >> 24) as u8;
    }
    let zip = common::bytes_of("ios-seconds-dmy-crlf.zip");
    let mut no_chat = Vec::new();
    no_chat.extend_from_slice(b"PK\x05\x06");
    no_chat.extend_from_slice(&[0; 18]);
    let long_line = vec![b'x'; 10 * 1024 * 1024];
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0; 64]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", Vec::new(), "Empty"),
        ("blank.txt", b"\n\n  \n".to_vec(), "Empty"),
        ("random.txt", random, "UnknownFormat"),
        ("photo.txt", png, "UnknownFormat"),
        ("WhatsApp Chat - Ann.zip", zip[..zip.len() - 30].to_vec(), "CorruptArchive"),
        ("WhatsApp Chat - Ann.zip", zip[..zip.len() / 2].to_vec(), "CorruptArchive"),
        ("empty.zip", no_chat, "NoChatInArchive"),
        ("photos.zip", include_bytes!("fixtures/bad/unrelated-files.zip").to_vec(), "NoChatInArchive"),
        ("latin1.txt", b"\xff\xfe\xfa not utf8 at all\n\xe9t\xe9\n".to_vec(), "UnknownFormat"),
        ("one-line.txt", long_line, "UnknownFormat"),
    ];
    for (name, bytes, expected) in cases {
        let err = import(&mut engine, name, &bytes).expect_err(name);
        assert_eq!(err.name(), expected, "{name}: {err}");
        assert!(!err.to_string().is_empty());
        assert_eq!(format!("{engine:?}"), before, "{name} changed the engine");
    }
}

#[test]
fn invalid_utf8_inside_a_real_export_is_a_warning_not_a_failure() {
    let chat = b"01/02/2023, 10:00 - Ann: caf\xe9\n01/02/2023, 10:05 - S\xe9bastien: ok\n13/02/2023, 09:00 - Ann: c\n";
    let mut engine = Engine::new(&[]);
    let report = import(&mut engine, "WhatsApp Chat with Ann.txt", chat).expect("imports");
    assert_eq!(report.messages, 2, "the header with a bad author byte is read as far as it goes");
    assert!(report.warnings.iter().any(|w| w.contains("not UTF-8")), "{:?}", report.warnings);
}

#[test]
fn chunk_boundaries_do_not_change_results() {
    use kith::import::collect::Collector;
    use kith::import::event::{Format, FormatContext};
    use kith::import::whatsapp::export::WhatsAppFormat;
    let bytes = common::bytes_of("ios-notices-multilingual-calls.txt");
    let whole = {
        let mut e = Engine::new(&[]);
        import(&mut e, "WhatsApp Chat - Anna.txt", bytes).expect("whole");
        e.contacts(now())
    };
    for size in [1, 2, 3, 5, 7, 64] {
        let empty = Engine::new(&[]);
        let mut sink =
            Collector::new(Box::new(&empty), "whatsapp", kith::Source::WhatsApp, Vec::new(), Box::new(FixedZone(0)));
        let ctx = FormatContext {
            file_name: "WhatsApp Chat - Anna.txt".into(),
            zone: Box::new(FixedZone(0)),
            today: options().today,
            owner: Vec::new(),
        };
        let mut format = WhatsAppFormat::new(ctx, kith::DateOrder::DayMonth);
        format.begin_file("WhatsApp Chat - Anna.txt", &mut sink).expect("begin");
        for piece in bytes.chunks(size) {
            format.push(piece, &mut sink).expect("push");
        }
        format.end_file(&mut sink).expect("end");
        format.finish(&mut sink).expect("finish");
        let delta = sink.finish();
        let mut e = Engine::new(&[]);
        e.commit(delta);
        assert_eq!(e.contacts(now()), whole, "chunk size {size}");
    }
}

/// A 250-character chat title and a year-9999 message in a zone west of UTC (which lands in
/// UTC year 10000 and formats as `+10000-…`) once built sync records the server refused, and
/// sync stopped for good. Every record the engine builds must pass the server's validation.
#[test]
fn sync_records_from_hostile_chats_pass_the_servers_validation() {
    let long = "L".repeat(250);
    let chat = format!("31/12/9999, 23:00 - {long}: a\n31/12/9999, 23:10 - Sam: b\n");
    let mut engine = Engine::new(&["Sam".to_string()]);
    engine
        .import_bytes(
            &format!("WhatsApp Chat with {long}.txt"),
            chat.as_bytes(),
            Box::new(FixedZone(-5 * 3600)),
            options(),
        )
        .expect("import");
    let contacts = engine.contacts(now());
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].name.chars().count(), 250, "the core keeps the whole name");
    let (upserts, _) = engine.sync_changes(now());
    assert_eq!(upserts.len(), 1, "the contact is still synced");
    let record = &upserts[0];
    assert_eq!(record.validate(), Ok(()), "{record:?}");
    assert_eq!(record.name, "L".repeat(kith::sync::MAX_NAME_CHARS));
    assert_eq!(record.last_interaction_at, None, "year 10000 cannot be sent; it is sent as null");
    let batch = kith::sync::SyncBatch { batch_key: "batch-0001".into(), upserts, deletions: vec![] };
    assert_eq!(batch.validate(), Ok(()));
}
