//! Snapshots, journals, live capture and exclusions: `cargo test --test native_store_live`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{DateOrder, Engine, FixedZone, LiveEvent};

use common::options;

fn import(engine: &mut Engine, name: &str, bytes: &[u8]) -> kith::ImportReport {
    let opts = engine.import_options(options());
    engine.import_bytes(name, bytes, Box::new(FixedZone(0)), opts).expect(name)
}

fn all_fixtures() -> Engine {
    let mut engine = Engine::new(&["Sam".to_string()]);
    for (file, bytes) in common::FILES {
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

#[test]
fn a_version_1_snapshot_restores_with_an_empty_sync_state() {
    let mut engine = all_fixtures();
    let (upserts, _) = engine.sync_changes(0);
    let batch = kith::sync::SyncBatch { batch_key: "batch-0001".into(), upserts, deletions: vec![] };
    engine.acknowledge_sync(&batch);
    assert!(engine.sync_changes(0).0.is_empty(), "acknowledged contacts are not sent again");
    let v2 = engine.snapshot();
    assert!(Engine::restore(&v2).expect("v2").sync_changes(0).0.is_empty(), "v2 keeps the sync state");
    // A version 1 snapshot is the version 2 layout without the trailing sync state.
    let empty_sync = Engine::restore(&v2).map(|mut e| {
        e.reset_sync();
        e.snapshot()
    });
    let mut v1 = empty_sync.expect("reset");
    assert_eq!(v1.pop(), Some(0), "an empty sync state is one zero byte");
    v1[4] = 1;
    let migrated = Engine::restore(&v1).expect("v1 restores");
    assert_eq!(migrated.contacts(0), engine.contacts(0));
    assert_eq!(migrated.sync_changes(0).0.len(), engine.contacts(0).len(), "after migration everything syncs again");
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
    assert_eq!(worker.apply_journal(b"KITJ\x01\x05").expect_err("short").name(), "CorruptSnapshot");
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
