use super::*;
use crate::import::event::{run_format, RecordingSink};
use crate::time::{iso, FixedZone};

const FULL_NEW: &[u8] = include_bytes!("../../../tests/fixtures/telegram/full-new-ids-unixtime.json");
const FULL_OLD: &[u8] = include_bytes!("../../../tests/fixtures/telegram/full-old-numeric-ids-local-dates.json");
const SINGLE: &[u8] = include_bytes!("../../../tests/fixtures/telegram/single-chat-personal.json");
const TRUNCATED: &[u8] = include_bytes!("../../../tests/fixtures/telegram/bad-truncated.json");
const NO_CHATS: &[u8] = include_bytes!("../../../tests/fixtures/telegram/bad-no-chats.json");
const CONTACTS_ONLY: &[u8] = include_bytes!("../../../tests/fixtures/telegram/full-contacts-list-only.json");

const CANARY: &str = "CANARY-";

fn context(offset_seconds: i32) -> FormatContext {
    FormatContext {
        file_name: "result.json".to_string(),
        zone: Box::new(FixedZone(offset_seconds)),
        today: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        owner: Vec::new(),
    }
}

fn run(bytes: &[u8], chunk: usize, offset_seconds: i32) -> Result<RecordingSink, ImportError> {
    let mut format = TelegramFormat::new(context(offset_seconds));
    run_format(&mut format, &[("result.json", bytes)], chunk)
}

/// Runs at every chunk size the streaming contract names, checks they agree and that nothing
/// reported holds a canary, and returns the result.
fn run_chunked(bytes: &[u8], offset_seconds: i32) -> Result<RecordingSink, ImportError> {
    let whole = run(bytes, bytes.len().max(1), offset_seconds);
    for chunk in [1, 2, 3, 7, 64, 4096] {
        assert_eq!(run(bytes, chunk, offset_seconds), whole, "chunk size {chunk}");
    }
    match &whole {
        Ok(sink) => {
            assert!(!format!("{sink:?}").contains(CANARY), "a canary reached the sink");
            for w in &sink.warnings {
                assert!(!w.contains(CANARY), "a canary reached a warning");
            }
        }
        Err(e) => {
            assert!(!e.to_string().contains(CANARY) && !format!("{e:?}").contains(CANARY), "a canary in an error");
        }
    }
    whole
}

fn chat_titled(sink: &RecordingSink, title: &str) -> ChatId {
    sink.chats.iter().position(|c| c.title.as_deref() == Some(title)).expect("chat declared") as ChatId
}

fn handle(sink: &RecordingSink, id: &str) -> HandleId {
    sink.handles.iter().position(|(k, h, _)| *k == HandleKind::Telegram && h == id).expect("handle declared")
        as HandleId
}

/// ISO times of one author's events of one kind in a chat, in file order.
fn times(sink: &RecordingSink, chat: ChatId, author: Option<&str>, kind: Kind) -> Vec<String> {
    sink.events
        .iter()
        .filter(|e| e.chat == chat && e.kind == kind)
        .filter(|e| e.author.map(|a| sink.handle_of(a).1.as_str()) == author)
        .map(|e| iso(e.at))
        .collect()
}

#[test]
fn fixtures_hold_canaries() {
    // Positive control: the privacy checks above would pass vacuously without them.
    for bytes in [FULL_NEW, FULL_OLD, SINGLE, TRUNCATED, NO_CHATS, CONTACTS_ONLY] {
        assert!(String::from_utf8_lossy(bytes).contains(CANARY));
    }
}

#[test]
fn full_export_with_new_ids_and_unix_times() {
    // The exporting PC was at UTC+2/+3; `date_unixtime` wins over `date`, so the zone given
    // here must not matter.
    let sink = run_chunked(FULL_NEW, 5 * 3600).expect("reads");
    assert_eq!(run(FULL_NEW, 4096, 0), Ok(sink.clone()));

    let sam = handle(&sink, "user5550001");
    let ann = handle(&sink, "user5550002");
    assert_eq!(sink.owners, [(sam, OwnerEvidence::Profile)]);
    assert_eq!(sink.handle_of(sam).2, "Sam Rivers");
    assert_eq!(sink.handle_of(ann).2, "Ann Lee");
    assert_eq!(sink.handle_of(handle(&sink, "user5550003")).2, "Bob Stone");
    assert_eq!(sink.handle_of(handle(&sink, "user5550004")).2, "Cara Diaz");
    // Bob's contacts.list entry has no user_id: a handle of its own, known by his number.
    let bob_contact = handle(&sink, "contact 447700900456");
    assert_eq!(sink.handle_of(bob_contact).2, "Bob Stone");
    assert_eq!(sink.handles.len(), 5, "no handle for channel, bot or saved-messages authors");
    assert_eq!(
        sink.people,
        [
            (ann, PersonDetails { phones: vec!["+44 7700 900123".to_string()], ..Default::default() }),
            (bob_contact, PersonDetails { phones: vec!["+44 7700 900456".to_string()], ..Default::default() }),
        ]
    );

    assert_eq!(
        sink.chats,
        [
            ChatInfo {
                id: "5550002".to_string(),
                title: Some("Ann Lee".to_string()),
                shape: ChatShape::Direct { peer: Some(ann) },
                participants: vec![],
            },
            ChatInfo {
                id: "1700000001".to_string(),
                title: Some("Climbing Crew".to_string()),
                shape: ChatShape::Group,
                participants: vec![],
            },
            ChatInfo {
                id: "300000001".to_string(),
                title: Some("Old Flatmates".to_string()),
                shape: ChatShape::Group,
                participants: vec![],
            },
        ]
    );
    assert_eq!(sink.skips, [(Skip::Channel, 1), (Skip::Bot, 1), (Skip::SavedMessages, 1)]);
    assert!(sink.warnings.is_empty());

    let direct = chat_titled(&sink, "Ann Lee");
    assert_eq!(
        times(&sink, direct, Some("user5550002"), Kind::Message),
        ["2023-03-01T09:00:00Z", "2023-03-04T20:15:00Z"]
    );
    assert_eq!(
        times(&sink, direct, Some("user5550001"), Kind::Message),
        ["2023-03-01T09:05:00Z", "2023-03-05T10:00:00Z"]
    );
    assert_eq!(times(&sink, direct, Some("user5550002"), Kind::Call), ["2023-03-02T18:00:00Z"]);
    // The missed call counts as a call too.
    assert_eq!(times(&sink, direct, Some("user5550001"), Kind::Call), ["2023-03-03T07:30:00Z"]);
    assert_eq!(times(&sink, direct, None, Kind::System), ["2023-03-03T08:00:00Z"]);

    let group = chat_titled(&sink, "Climbing Crew");
    assert_eq!(
        times(&sink, group, Some("user5550003"), Kind::Message),
        ["2023-02-10T12:01:00Z", "2023-02-12T19:45:30Z"]
    );
    assert_eq!(times(&sink, group, Some("user5550002"), Kind::Message), ["2023-02-11T08:00:00Z"]);
    assert_eq!(times(&sink, group, Some("user5550001"), Kind::Message), ["2023-02-11T08:10:00Z"]);
    assert_eq!(times(&sink, group, None, Kind::System), ["2023-02-10T12:00:00Z", "2023-02-12T20:00:00Z"]);

    let left = chat_titled(&sink, "Old Flatmates");
    assert_eq!(
        times(&sink, left, Some("user5550004"), Kind::Message),
        ["2022-06-01T10:02:00Z", "2022-06-02T11:00:00Z"]
    );
    assert_eq!(times(&sink, left, Some("user5550001"), Kind::Message), ["2022-06-02T11:05:00Z"]);
    assert_eq!(times(&sink, left, None, Kind::System), ["2022-06-01T10:00:00Z"]);

    assert_eq!(sink.events.len(), 17);
    let ids: Vec<Option<MessageId>> = sink.events.iter().filter(|e| e.chat == direct).map(|e| e.id).collect();
    assert_eq!(ids, (101..=107).map(|i| Some(MessageId::Ordered(i))).collect::<Vec<_>>());
    assert!(sink.events.iter().all(|e| matches!(e.id, Some(MessageId::Ordered(_)))));
}

#[test]
fn old_export_with_numeric_ids_and_local_dates() {
    // No `date_unixtime`: `date` is the exporting PC's wall clock, read in the given zone.
    let sink = run_chunked(FULL_OLD, 3600).expect("reads");
    let kim = handle(&sink, "user4440001");
    let dmitri = handle(&sink, "user4440002");
    assert_eq!(sink.owners, [(kim, OwnerEvidence::Profile)]);
    assert_eq!(sink.handle_of(kim).2, "Kim", "an empty last name adds no space");
    // A contact without a user id, named exactly as the one personal chat's peer, is that peer:
    // its phone joins `user4440002` instead of making a second Dmitri.
    assert_eq!(
        sink.people,
        [(dmitri, PersonDetails { phones: vec!["+7 900 000 0002".to_string()], ..Default::default() })]
    );
    assert!(!sink.handles.iter().any(|(_, id, _)| id.starts_with("contact ")), "no separate contact handle");
    assert_eq!(sink.skips, [(Skip::RepliesChat, 1)]);

    let direct = chat_titled(&sink, "Dmitri Volkov");
    assert_eq!(sink.chats[direct as usize].shape, ChatShape::Direct { peer: Some(dmitri) });
    assert_eq!(sink.chats[direct as usize].id, "4440002");
    assert_eq!(
        times(&sink, direct, Some("user4440002"), Kind::Message),
        ["2019-05-02T10:23:45Z", "2019-05-05T07:00:00Z"]
    );
    assert_eq!(
        times(&sink, direct, Some("user4440001"), Kind::Message),
        ["2019-05-02T10:30:00Z", "2019-05-03T08:00:00Z"]
    );
    assert_eq!(times(&sink, direct, Some("user4440002"), Kind::Call), ["2019-05-04T20:10:00Z"]);

    let group = chat_titled(&sink, "Book Club");
    assert_eq!(sink.chats[group as usize].shape, ChatShape::Group);
    assert_eq!(sink.count_by(group, "user4440003", Kind::Message), 2);
    assert_eq!(sink.count_by(group, "user4440001", Kind::Message), 1);
    // A deleted account (`from: null`) keeps its id and has no name.
    let deleted = handle(&sink, "user4440009");
    assert_eq!(sink.handle_of(deleted).2, "");
    assert_eq!(times(&sink, group, Some("user4440009"), Kind::Message), ["2019-04-02T06:00:00Z"]);
    assert_eq!(times(&sink, group, None, Kind::System), ["2019-04-01T18:00:00Z", "2019-04-10T21:01:00Z"]);
    assert_eq!(sink.events.len(), 11);

    // In UTC the same file gives the wall-clock times unchanged.
    let utc = run(FULL_OLD, 4096, 0).expect("reads");
    assert_eq!(times(&utc, direct, Some("user4440002"), Kind::Call), ["2019-05-04T21:10:00Z"]);
}

#[test]
fn single_chat_export_names_the_user_by_elimination() {
    let sink = run_chunked(SINGLE, 0).expect("reads");
    let lena = handle(&sink, "user6660002");
    let max = handle(&sink, "user6660001");
    assert_eq!(
        sink.chats,
        [ChatInfo {
            id: "6660002".to_string(),
            title: Some("Lena Ortiz".to_string()),
            shape: ChatShape::Direct { peer: Some(lena) },
            participants: vec![],
        }]
    );
    assert_eq!(sink.owners, [(max, OwnerEvidence::ChatName)]);
    assert_eq!(sink.handle_of(max).2, "Max Weber");
    assert_eq!(times(&sink, 0, Some("user6660002"), Kind::Message), ["2024-01-15T08:00:00Z", "2024-01-17T19:30:00Z"]);
    assert_eq!(times(&sink, 0, Some("user6660001"), Kind::Message), ["2024-01-15T08:03:00Z"]);
    assert_eq!(times(&sink, 0, Some("user6660001"), Kind::Call), ["2024-01-16T12:00:00Z"]);
    assert_eq!(sink.events.len(), 4);
    assert!(sink.skips.is_empty() && sink.warnings.is_empty());
}

#[test]
fn chat_keys_after_messages_give_the_same_events() {
    let ordered = br#"{"name": "Lena", "type": "personal_chat", "id": 6, "messages": [
        {"id": 1, "type": "message", "date_unixtime": "100", "from": "Lena", "from_id": "user6", "text": "CANARY-late-1"},
        {"id": 2, "type": "message", "date_unixtime": "200", "from": "Max", "from_id": "user5", "text": ["CANARY-late-2"]},
        {"id": 3, "type": "service", "date_unixtime": "300", "actor": "Max", "actor_id": "user5", "action": "phone_call"}]}"#;
    let late = br#"{"messages": [
        {"id": 1, "type": "message", "date_unixtime": "100", "from": "Lena", "from_id": "user6", "text": "CANARY-late-1"},
        {"id": 2, "type": "message", "date_unixtime": "200", "from": "Max", "from_id": "user5", "text": ["CANARY-late-2"]},
        {"id": 3, "type": "service", "date_unixtime": "300", "actor": "Max", "actor_id": "user5", "action": "phone_call"}],
        "name": "Lena", "type": "personal_chat", "id": 6}"#;
    let a = run_chunked(ordered, 0).expect("reads");
    let b = run_chunked(late, 0).expect("reads");
    assert_eq!(a.events, b.events);
    assert_eq!(a.chats, b.chats);
    assert_eq!(a.owners, b.owners);
    assert_eq!(b.events.len(), 3);
    assert_eq!(b.chats[0].title.as_deref(), Some("Lena"));
    assert_eq!(b.handle_of(handle(&b, "user6")).2, "Lena");

    // A channel whose type comes late: its held events are dropped, it is reported skipped.
    let channel = br#"{"chats": {"list": [{"messages": [{"id": 1, "type": "message", "date_unixtime": "1",
        "from": "News", "from_id": "channel9", "text": "CANARY-late-3"}], "name": "News", "type": "public_channel", "id": 9}]}}"#;
    let c = run_chunked(channel, 0).expect("reads");
    assert!(c.events.is_empty() && c.chats.is_empty() && c.handles.is_empty());
    assert_eq!(c.skips, [(Skip::Channel, 1)]);
}

#[test]
fn other_prefixes_and_string_numbers_as_ids() {
    let doc = br#"{"chats": {"list": [{"name": "G", "type": "public_supergroup", "id": 77, "messages": [
        {"id": 1, "type": "message", "date_unixtime": "10", "from": "Chan", "from_id": "channel12", "text": "CANARY-id-1"},
        {"id": 2, "type": "message", "date_unixtime": "20", "from": "Old", "from_id": "345", "text": "CANARY-id-2"}]}]}}"#;
    let sink = run_chunked(doc, 0).expect("reads");
    assert_eq!(sink.count_by(0, "channel12", Kind::Message), 1);
    assert_eq!(sink.count_by(0, "user345", Kind::Message), 1);
    assert!(sink.owners.is_empty(), "a full export without personal_information names no owner");
}

#[test]
fn names_are_capped_and_text_is_never_held() {
    let long_name = "N".repeat(10_000);
    let long_text = "CANARY-long ".repeat(100_000);
    let doc = format!(
        r#"{{"name": "G", "type": "private_group", "id": 1, "messages": [{{"id": 1, "type": "message",
        "date_unixtime": "5", "from": "{long_name}", "from_id": "user2", "text": "{long_text}"}}]}}"#
    );
    let sink = run(doc.as_bytes(), 4096, 0).expect("reads");
    assert!(sink.handle_of(0).2.len() <= DEFAULT_MAX_STRING);
    assert!(!format!("{sink:?}").contains(CANARY));
}

#[test]
fn unreadable_messages_and_chats_are_reported() {
    let doc = br#"{"chats": {"list": [
        {"name": "G", "type": "private_group", "id": 1, "messages": [
            {"id": 1, "type": "message", "from": "A", "from_id": "user2", "text": "CANARY-u-1"},
            {"id": 2, "type": "message", "date_unixtime": "9", "from": "A", "text": "CANARY-u-2"},
            {"id": 3, "type": "message", "date": "2020-13-01T00:00:00", "from": "A", "from_id": "user2", "text": "CANARY-u-3"},
            {"id": 4, "type": "message", "date": "2020-01-01T00:00:09", "from": "A", "from_id": "user2", "text": "CANARY-u-4"}]},
        {"name": "Stories", "type": "future_kind", "id": 2, "messages": [{"id": 1, "text": "CANARY-u-5"}]}]}}"#;
    let sink = run_chunked(doc, 0).expect("reads");
    assert_eq!(times(&sink, 0, Some("user2"), Kind::Message), ["2020-01-01T00:00:09Z"]);
    assert_eq!(sink.skips, [(Skip::Unreadable, 3), (Skip::Unreadable, 1)]);
    assert_eq!(sink.warnings.len(), 2);
    assert_eq!(sink.chats.len(), 1);
}

#[test]
fn truncated_export_is_malformed() {
    let err = run_chunked(TRUNCATED, 0).expect_err("truncated");
    assert_eq!(
        err,
        ImportError::Malformed {
            format: "Telegram export",
            detail: format!("the JSON ends early at byte {}", TRUNCATED.len())
        }
    );
    // Every cut of a small export is an error, never a panic or a partial success.
    for cut in 1..SINGLE.len() - 1 {
        match run(&SINGLE[..cut], 4096, 0) {
            Err(ImportError::Malformed { format: "Telegram export", .. }) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn export_without_chats_has_no_conversations() {
    let err = run_chunked(NO_CHATS, 0).expect_err("no chats");
    assert_eq!(err, ImportError::NoConversations { format: "Telegram export" });
}

#[test]
fn bad_syntax_is_malformed_with_its_position() {
    let doc = br#"{"chats": {"list": [{"name": "A" "type": "private_group"}]}}"#;
    let err = run_chunked(doc, 0).expect_err("bad JSON");
    assert_eq!(
        err,
        ImportError::Malformed { format: "Telegram export", detail: "invalid JSON syntax at byte 33".to_string() }
    );
    assert!(matches!(run(b"[1, 2]", 1, 0), Err(ImportError::Malformed { .. })));
    assert_eq!(run(b" \n", 1, 0), Err(ImportError::Empty));
}

#[test]
fn several_files_in_one_import() {
    let mut format = TelegramFormat::new(context(0));
    let sink = run_format(&mut format, &[("a/result.json", FULL_NEW), ("b/result.json", SINGLE)], 64).expect("reads");
    assert_eq!(sink.chats.len(), 4);
    // The profile named the user; the single chat does not name another one.
    assert_eq!(sink.owners.len(), 1);
    assert_eq!(sink.owners[0].1, OwnerEvidence::Profile);
}

#[test]
fn detection() {
    for (name, bytes) in [
        ("result.json", FULL_NEW),
        ("export.json", FULL_OLD),
        ("renamed.txt", SINGLE),
        ("result.json", TRUNCATED),
        ("result.json", NO_CHATS),
    ] {
        assert!(looks_like(name, bytes), "{name}");
        assert!(looks_like(name, &bytes[..bytes.len().min(300)]), "{name} head");
    }
    let messenger = br#"{"participants": [{"name": "A"}, {"name": "B"}], "messages": [{"sender_name": "A",
        "timestamp_ms": 1, "content": "x"}], "title": "A", "is_still_participant": true, "thread_path": "inbox/a"}"#;
    assert!(!looks_like("message_1.json", messenger));
    let messenger_typed = br#"{"type": "personal_chat", "id": 1, "participants": []}"#;
    assert!(!looks_like("result.json", messenger_typed));
    assert!(!looks_like("chat.txt", b"12/03/2017, 18:02 - Sam: hi\n"));
    assert!(!looks_like("messages.csv", b"CONVERSATION ID,CONVERSATION TITLE,FROM\n"));
    assert!(!looks_like("inbox.mbox", b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"));
    assert!(!looks_like("x.json", br#"{"about": "me", "name": "x"}"#));
    assert!(!looks_like("x.json", br#"{"name": "x", "type": "user", "id": 1}"#));
    assert!(!looks_like("x.json", br#"[{"chats": 1}]"#));
    assert!(looks_like("x.json", br#"{"about": "Here is the data", "personal_information": {"#));
    assert!(looks_like("x.json", b"\xEF\xBB\xBF{\"name\": \"A\\x01\", \"type\": \"private_supergroup\", \"id\": 5"));
}

#[test]
fn archive_entries() {
    assert!(wants_entry("ChatExport_2024-01-15/result.json"));
    assert!(wants_entry("DataExport_2023-03-06\\result.json"));
    assert!(wants_entry("result.json"));
    assert!(!wants_entry("ChatExport_2024-01-15/messages.html"));
    assert!(!wants_entry("ChatExport_2024-01-15/photos/result.json.jpg"));
}

/// Per-contact stats computed from the events as ARCHITECTURE §6 defines them: a check that
/// the hand-computed expectations in `cases.json` agree with what this parser reports.
fn contacts_from(sink: &RecordingSink) -> Vec<serde_json::Value> {
    #[derive(Default)]
    struct Stats {
        sent: u32,
        received: u32,
        calls: u32,
        group: u32,
        last_sent: Option<i64>,
        last_received: Option<i64>,
        first: Option<i64>,
        last: Option<i64>,
        last_group: Option<i64>,
    }
    let owner = sink.owners.first().map(|o| o.0);
    let mut stats: Vec<Stats> = (0..sink.handles.len()).map(|_| Stats::default()).collect();
    for e in &sink.events {
        let (Some(author), Kind::Message | Kind::Call) = (e.author, e.kind) else { continue };
        match sink.chats[e.chat as usize].shape {
            ChatShape::Direct { peer: Some(peer) } => {
                let s = &mut stats[peer as usize];
                match (e.kind, Some(author) == owner) {
                    (Kind::Call, _) => s.calls += 1,
                    (_, true) => {
                        s.sent += 1;
                        s.last_sent = s.last_sent.max(Some(e.at));
                    }
                    (_, false) => {
                        s.received += 1;
                        s.last_received = s.last_received.max(Some(e.at));
                    }
                }
                s.last = s.last.max(Some(e.at));
                s.first = Some(s.first.map_or(e.at, |f| f.min(e.at)));
            }
            _ if Some(author) != owner && e.kind == Kind::Message => {
                let s = &mut stats[author as usize];
                s.group += 1;
                s.last_group = s.last_group.max(Some(e.at));
            }
            _ => {}
        }
    }
    let mut rows: Vec<(usize, &Stats)> = stats
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            let listed = sink.people.iter().any(|(h, _)| *h as usize == *i);
            Some(*i as HandleId) != owner && (s.last.is_some() || s.group > 0 || listed)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.1.last
            .cmp(&a.1.last)
            .then(b.1.last_group.cmp(&a.1.last_group))
            .then(sink.handles[a.0].2.cmp(&sink.handles[b.0].2))
    });
    let t = |v: Option<i64>| v.map_or(serde_json::Value::Null, |v| serde_json::Value::String(iso(v)));
    // Phones as the engine shows them (this file pins only international numbers).
    let phones = |i: usize| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, d) in sink.people.iter().filter(|(h, _)| *h as usize == i) {
            for p in d.phones.iter().filter_map(|p| crate::identity::phone_of(p)) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    };
    rows.iter()
        .map(|(i, s)| {
            serde_json::json!({
                "name": sink.handles[*i].2, "phones": phones(*i), "sources": ["telegram"], "sentCount": s.sent, "receivedCount": s.received,
                "callCount": s.calls, "groupMessageCount": s.group, "lastSentAt": t(s.last_sent),
                "lastReceivedAt": t(s.last_received), "lastInteractionAt": t(s.last),
                "firstInteractionAt": t(s.first), "lastGroupMessageAt": t(s.last_group),
            })
        })
        .collect()
}

#[test]
fn cases_json_agrees_with_the_events() {
    let cases: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/telegram/cases.json")).expect("cases.json");
    let files = [
        ("full-new-ids-unixtime.json", FULL_NEW),
        ("full-old-numeric-ids-local-dates.json", FULL_OLD),
        ("single-chat-personal.json", SINGLE),
        ("bad-truncated.json", TRUNCATED),
        ("bad-no-chats.json", NO_CHATS),
        ("full-contacts-list-only.json", CONTACTS_ONLY),
    ];
    let list = cases["cases"].as_array().expect("cases");
    assert_eq!(list.len(), files.len());
    for case in list {
        let file = case["file"].as_str().expect("file");
        let bytes = files.iter().find(|(f, _)| *f == file).expect("fixture listed").1;
        let result = run(bytes, 4096, 0);
        if let Some(error) = case.get("error") {
            assert_eq!(result.as_ref().map_err(ImportError::name).err(), error.as_str(), "{file}");
            continue;
        }
        let sink = result.expect("reads");
        let count = |k: Kind| sink.events.iter().filter(|e| e.kind == k).count();
        let mut skipped = serde_json::Map::new();
        for (what, n) in &sink.skips {
            let entry = skipped.entry(what.code()).or_insert(serde_json::json!(0));
            *entry = serde_json::json!(entry.as_u64().unwrap_or(0) + u64::from(*n));
        }
        let report = &case["report"];
        assert_eq!(report["chats"], sink.chats.len(), "{file}");
        assert_eq!(report["messages"], count(Kind::Message), "{file}");
        assert_eq!(report["calls"], count(Kind::Call), "{file}");
        assert_eq!(report["systemMessages"], count(Kind::System), "{file}");
        assert_eq!(report.get("skipped").cloned().unwrap_or(serde_json::json!({})), serde_json::Value::Object(skipped));
        assert_eq!(report["ownerSource"], sink.owners.first().map_or("", |o| o.1.code()), "{file}");
        let got = contacts_from(&sink);
        let want = case["contacts"].as_array().expect("contacts");
        assert_eq!(got.len(), want.len(), "{file}");
        for (w, g) in want.iter().zip(&got) {
            for (key, value) in w.as_object().expect("contact") {
                assert_eq!(&g[key], value, "{file}: {key} of {w}");
            }
        }
    }
}
