//! Snapshots, journals, live capture and exclusions: `cargo test --test native_store_live`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{DateOrder, Engine, FixedZone, LiveEvent};

use common::options;

fn import(engine: &mut Engine, name: &str, bytes: &[u8]) -> kith::ImportReport {
    let opts = engine.import_options(options());
    engine.import_bytes(name, bytes, Box::new(FixedZone(0)), opts).expect(name)
}

/// The fixtures of the version 2 snapshot sample, imported into one engine.
fn all_fixtures() -> Engine {
    let mut engine = Engine::new(&["Sam".to_string()]);
    for (file, bytes) in &common::FILES[..common::V2_SAMPLE_FILES] {
        engine
            .import_bytes(&format!("WhatsApp Chat with {file}"), bytes, Box::new(FixedZone(0)), options())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    engine
}

fn event(chat: &str, id: &str, direction: &str, header: &str) -> LiveEvent {
    LiveEvent { chat: chat.into(), id: id.into(), direction: direction.into(), header: header.into() }
}

#[test]
fn snapshot_round_trips_and_holds_no_canary() {
    let engine = all_fixtures();
    let bytes = engine.snapshot();
    let restored = Engine::restore(&bytes).expect("restore");
    assert_eq!(restored.contacts(0), engine.contacts(0));
    assert_eq!(restored.snapshot(), bytes, "encoding is stable");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Ann Lee"), "names are stored as UTF-8, so a canary would show too");
    assert!(!text.contains(common::CANARY));
    println!("snapshot: {} bytes for {} contacts", bytes.len(), engine.contacts(0).len());
}

/// The state a version 2 kith (before handles) saved in `v2-all-whatsapp-fixtures.snap`: every
/// fixture, two live events, an exclusion and an acknowledged sync. Rebuilt here with today's code.
fn the_v2_sample_rebuilt() -> Engine {
    let mut engine = all_fixtures();
    engine.ingest(
        &[
            event("Ann Lee", "false_1@c.us_AA", "in", "[10:05, 13/03/2024] Ann Lee: "),
            event("Ann Lee", "true_1@c.us_BB", "out", "[10:07, 13/03/2024] Sam: "),
        ],
        Box::new(FixedZone(0)),
        DateOrder::DayMonth,
    );
    engine.set_exclusions(&["Nobody".to_string()]);
    engine
}

const V2_SAMPLE: &[u8] = include_bytes!("fixtures/snapshots/v2-all-whatsapp-fixtures.snap");

#[test]
fn a_version_2_snapshot_migrates_to_the_same_contacts_and_state() {
    assert_eq!(V2_SAMPLE[4], 2, "the sample is a version 2 snapshot");
    let migrated = Engine::restore(V2_SAMPLE).expect("v2 restores");
    let rebuilt = the_v2_sample_rebuilt();
    assert!(!migrated.contacts(0).is_empty());
    assert_eq!(migrated.contacts(0), rebuilt.contacts(0), "same contacts, same ids");
    assert_eq!(migrated.exclusions(), rebuilt.exclusions());
    // The acknowledged fingerprints survive: unchanged contacts are not sent again.
    assert!(migrated.sync_changes(0).0.len() < migrated.contacts(0).len());
    // Deduplication state migrates too: importing a fixture again adds nothing, and the live
    // rows are still known by id.
    let mut again = Engine::restore(V2_SAMPLE).expect("v2 restores");
    let report = again
        .import_bytes(
            "WhatsApp Chat with android-24h-dmy.txt",
            common::bytes_of("android-24h-dmy.txt"),
            Box::new(FixedZone(0)),
            options(),
        )
        .expect("re-import");
    assert_eq!(report.duplicates, report.messages + report.calls, "everything was counted before");
    let live = again.ingest(
        &[event("Ann Lee", "false_1@c.us_AA", "in", "[10:05, 13/03/2024] Ann Lee: ")],
        Box::new(FixedZone(0)),
        DateOrder::DayMonth,
    );
    assert_eq!(live.duplicates, 1);
    assert_eq!(again.contacts(0), migrated.contacts(0));
    // Saved again, it is a version 3 snapshot that restores to the same state.
    let v3 = migrated.snapshot();
    assert_eq!(v3[4], kith::store::SNAPSHOT_VERSION);
    assert_eq!(Engine::restore(&v3).expect("v3").contacts(0), rebuilt.contacts(0));
}

#[test]
fn a_version_1_snapshot_restores_with_an_empty_sync_state() {
    // A version 1 snapshot is the version 2 layout without the trailing sync state.
    let v2 = Engine::restore(V2_SAMPLE).expect("v2");
    let mut bytes = V2_SAMPLE.to_vec();
    let tail = sync_state_len(&bytes);
    assert!(tail > 1, "the sample has an acknowledged sync to drop");
    bytes.truncate(bytes.len() - tail);
    bytes[4] = 1;
    let migrated = Engine::restore(&bytes).expect("v1 restores");
    assert_eq!(migrated.contacts(0), v2.contacts(0));
    assert_eq!(migrated.sync_changes(0).0.len(), migrated.contacts(0).len(), "after migration everything syncs again");
}

/// Bytes of the trailing sync state of a version 2 snapshot: its count, then (id, fingerprint)
/// pairs, all at the end. Found by trying each cut: the one where the tail parses exactly.
fn sync_state_len(bytes: &[u8]) -> usize {
    for start in (5..bytes.len()).rev() {
        let mut v1 = bytes[..start].to_vec();
        v1[4] = 1;
        if Engine::restore(&v1).is_ok() {
            return bytes.len() - start;
        }
    }
    panic!("no sync state found");
}

#[test]
fn damaged_snapshots_are_refused_without_panicking() {
    let bytes = all_fixtures().snapshot();
    for cut in 0..bytes.len() {
        let err = Engine::restore(&bytes[..cut]).expect_err("truncated");
        assert_eq!(err.name(), "CorruptSnapshot", "cut at {cut}");
    }
    let mut newer = bytes.clone();
    newer[4] = 9;
    assert_eq!(Engine::restore(&newer).expect_err("newer").name(), "UnsupportedSnapshot");
    let mut flipped = bytes;
    for i in (5..flipped.len()).step_by(7) {
        flipped[i] ^= 0x5A;
        let _ = Engine::restore(&flipped); // any result but a panic
    }
}

#[test]
fn a_journal_applied_elsewhere_gives_the_same_contacts_as_importing_there() {
    let mut worker = Engine::new(&[]);
    import(&mut worker, "WhatsApp Chat with Ann Lee.txt", common::bytes_of("android-24h-dmy.txt"));
    // The page restores the worker's state, imports, and hands back only the deltas.
    let mut page = Engine::restore(&worker.snapshot()).expect("restore");
    page.set_journaling(true);
    import(&mut page, "WhatsApp Chat with Ann Lee.zip", common::bytes_of("android-with-media-stored.zip"));
    import(&mut page, "WhatsApp Chat - Ann.zip", common::bytes_of("ios-seconds-dmy-crlf.zip"));
    let journal = page.take_journal();
    assert!(!String::from_utf8_lossy(&journal).contains(common::CANARY));
    let reports = worker.apply_journal(&journal).expect("apply");
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].duplicates, 5, "the page deduplicated against the worker's state");
    assert_eq!(worker.contacts(0), page.contacts(0));
    assert!(page.take_journal().len() < 10, "taking empties the journal");
    assert_eq!(worker.apply_journal(b"KITJ\x03\x05").expect_err("short").name(), "CorruptSnapshot");
    assert_eq!(worker.apply_journal(b"KITJ\x02\x05").expect_err("an older layout").name(), "UnsupportedSnapshot");
}

#[test]
fn live_events_count_once_and_exports_do_not_count_them_again() {
    let mut engine = Engine::new(&[]);
    let batch = vec![
        event("Ann", "false_4477@c.us_A1", "in", "[10:00, 13/03/2024] Ann: "),
        event("Ann", "true_4477@c.us_A2", "out", "[10:05, 13/03/2024] Sam: "),
        event("Ann", "false_4477@c.us_A3", "in", "[10:05, 13/03/2024] Ann: "),
    ];
    let report = engine.ingest(&batch, Box::new(FixedZone(0)), DateOrder::MonthDay);
    assert_eq!((report.accepted, report.duplicates, report.rejected), (3, 0, 0));
    let again = engine.ingest(&batch, Box::new(FixedZone(0)), DateOrder::MonthDay);
    assert_eq!((again.accepted, again.duplicates), (0, 3));
    let ann = &engine.contacts(0)[0];
    assert_eq!((ann.name.as_str(), ann.received_count, ann.sent_count), ("Ann", 2, 1));
    assert_eq!(kith::time::iso(ann.last_received_at.expect("received")), "2024-03-13T10:05:00Z");
    // A later export of the same chat holds those three and one more.
    let export = "13/03/2024, 10:00 - Ann: a\n13/03/2024, 10:05 - Sam: b\n13/03/2024, 10:05 - Ann: c\n14/03/2024, 09:00 - Ann: d\n";
    let report = import(&mut engine, "WhatsApp Chat with Ann.txt", export.as_bytes());
    assert_eq!(report.duplicates, 3);
    let ann = &engine.contacts(0)[0];
    assert_eq!((ann.received_count, ann.sent_count), (3, 1));
    // And live rows inside an imported export's range are not counted again either.
    let old = engine.ingest(
        &[event("Ann", "false_4477@c.us_A9", "in", "[12:00, 13/03/2024] Ann: ")],
        Box::new(FixedZone(0)),
        DateOrder::MonthDay,
    );
    assert_eq!((old.accepted, old.duplicates), (0, 1));
    let restored = Engine::restore(&engine.snapshot()).expect("restore");
    assert_eq!(restored.contacts(0), engine.contacts(0));
}

#[test]
fn bad_live_events_are_rejected_field_by_field() {
    let mut engine = Engine::new(&[]);
    let report = engine.ingest(
        &[
            event("Ann", "x1", "sideways", "[10:00, 13/03/2024] Ann: "),
            event("Ann", "x2", "in", "no header here"),
            event("", "x3", "in", "[10:00, 13/03/2024] Ann: "),
            event("Ann", "", "in", "[10:00, 13/03/2024] Ann: "),
        ],
        Box::new(FixedZone(0)),
        DateOrder::DayMonth,
    );
    assert_eq!((report.accepted, report.rejected), (0, 4));
    assert!(engine.contacts(0).is_empty());
}

#[test]
fn excluded_chats_are_not_read_and_excluded_people_not_counted() {
    let mut engine = Engine::new(&["Sam".to_string()]);
    engine.set_exclusions(&["Ann Lee".into(), "Rita".into()]);
    let report = import(&mut engine, "WhatsApp Chat with Ann Lee.txt", common::bytes_of("android-24h-dmy.txt"));
    assert_eq!(report.messages, 0, "the chat was skipped unread");
    let report =
        import(&mut engine, "WhatsApp Chat with Hiking Club.txt", common::bytes_of("android-group-phones-tilde.txt"));
    assert!(report.warnings.iter().any(|w| w.contains("exclusion")));
    let names: Vec<String> = engine.contacts(0).into_iter().map(|c| c.name).collect();
    assert_eq!(names, vec!["+44 7700 900123"]);
    let restored = Engine::restore(&engine.snapshot()).expect("restore");
    assert_eq!(restored.exclusions(), engine.exclusions());
}
