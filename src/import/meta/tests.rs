//! Run: `cargo test --lib import::meta`

use super::*;
use crate::import::event::{run_format, ChatId, RecordingSink};
use crate::time::FixedZone;

const DIRECT: &[u8] = include_bytes!("../../../tests/fixtures/messenger/direct-mojibake-calls-reactions.json");
const OLDER: &[u8] = include_bytes!("../../../tests/fixtures/messenger/direct-older-part-message_2.json");
const GROUP: &[u8] = include_bytes!("../../../tests/fixtures/messenger/group-subscribe-unsubscribe.json");
const ARCHIVED: &[u8] = include_bytes!("../../../tests/fixtures/messenger/archived-thread-2019.json");
const E2EE: &[u8] = include_bytes!("../../../tests/fixtures/messenger/e2ee-camelcase.json");
const TRUNCATED: &[u8] = include_bytes!("../../../tests/fixtures/messenger/truncated-message_1.json");
const HTML: &[u8] = include_bytes!("../../../tests/fixtures/messenger/html-thread-message_1.html");
const IG_DIRECT: &[u8] = include_bytes!("../../../tests/fixtures/instagram/direct-emoji-name-no-type.json");
const IG_GROUP: &[u8] = include_bytes!("../../../tests/fixtures/instagram/group-three.json");

const CHUNKS: [usize; 7] = [1, 2, 3, 7, 64, 4096, usize::MAX];

const RAD: &str = "Radosław Nowak";
const SAM: &str = "Sam Rivera";

/// The entries of `tests/fixtures/messenger/facebook-samrivera-20240701.zip` that
/// [`wants_entry`] accepts, with their bytes (the lead's zip reader does the inflating).
const FB_ZIP_THREADS: [(&str, &[u8]); 4] = [
    ("your_activity_across_facebook/messages/inbox/radoslawnowak_10001/message_1.json", DIRECT),
    ("your_activity_across_facebook/messages/inbox/radoslawnowak_10001/message_2.json", OLDER),
    ("your_activity_across_facebook/messages/inbox/wycieczkawgory_20002/message_1.json", GROUP),
    ("messages/archived_threads/kofimensah_30003/message_1.json", ARCHIVED),
];

const IG_ZIP_THREADS: [(&str, &[u8]); 2] = [
    ("your_instagram_activity/messages/inbox/miagarcia_17841/message_1.json", IG_DIRECT),
    ("your_instagram_activity/messages/inbox/hikingcrew_34021/message_1.json", IG_GROUP),
];

fn context(file_name: &str) -> FormatContext {
    FormatContext {
        file_name: file_name.into(),
        zone: Box::new(FixedZone(0)),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default(),
        owner: Vec::new(),
    }
}

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text).expect("time").timestamp()
}

/// Runs the files at every chunk size, checks that each gives the same result and that no
/// canary leaked, and returns the result.
fn run(file_name: &str, files: &[(&str, &[u8])]) -> RecordingSink {
    let mut first: Option<RecordingSink> = None;
    for chunk in CHUNKS {
        let mut format = MetaFormat::new(context(file_name));
        let sink = run_format(&mut format, files, chunk).expect("import");
        assert!(!format!("{sink:?}").contains("CANARY-"), "a canary leaked at chunk size {chunk}");
        assert_eq!(
            format!("{:?}", format.thread),
            format!("{:?}", Reader::default()),
            "the file's metadata stayed after it ended"
        );
        match &first {
            None => first = Some(sink),
            Some(f) => assert_eq!(f, &sink, "chunk size {chunk} changed the result"),
        }
    }
    first.expect("ran")
}

/// Runs the files at every chunk size and returns the error, the same for each.
fn fail(file_name: &str, files: &[(&str, &[u8])]) -> ImportError {
    let mut first: Option<ImportError> = None;
    for chunk in CHUNKS {
        let mut format = MetaFormat::new(context(file_name));
        let error = run_format(&mut format, files, chunk).expect_err("should fail");
        let text = format!("{error} {error:?}");
        assert!(!text.contains("CANARY-"), "a canary leaked into {text}");
        match &first {
            None => first = Some(error),
            Some(f) => assert_eq!(f, &error, "chunk size {chunk} changed the error"),
        }
    }
    first.expect("ran")
}

fn chat_by_id(sink: &RecordingSink, id: &str) -> ChatId {
    sink.chats.iter().position(|c| c.id == id).unwrap_or_else(|| panic!("no chat {id}")) as ChatId
}

fn name_of(sink: &RecordingSink, handle: HandleId) -> &str {
    &sink.handle_of(handle).2
}

/// (first, last) time of one author's events of one kind in one chat.
fn span(sink: &RecordingSink, chat: ChatId, author: &str, kind: Kind) -> (i64, i64) {
    let times: Vec<i64> = sink
        .events
        .iter()
        .filter(|e| e.chat == chat && e.kind == kind)
        .filter(|e| e.author.is_some_and(|a| sink.handle_of(a).1 == author))
        .map(|e| e.at)
        .collect();
    (*times.iter().min().expect("events"), *times.iter().max().expect("events"))
}

#[test]
fn wants_thread_files_under_every_prefix_only() {
    for path in [
        "messages/inbox/annlee_1/message_1.json",
        "messages/archived_threads/annlee_1/message_2.json",
        "messages/message_requests/annlee_1/message_1.json",
        "messages/filtered_threads/annlee_1/message_1.json",
        "messages/e2ee_cutover/annlee_1/message_1.json",
        "your_activity_across_facebook/messages/inbox/annlee_1/message_10.json",
        "your_facebook_activity/messages/inbox/annlee_1/message_1.json",
        "your_instagram_activity/messages/inbox/annlee_1/message_1.json",
        "facebook-sam-2024/your_facebook_activity/messages/inbox/annlee_1/message_1.json",
    ] {
        assert!(wants_entry(path), "{path}");
        assert!(!is_html_thread(path), "{path}");
    }
    for path in [
        "profile_information/profile_information.json",
        "your_activity_across_facebook/messages/autofill_information.json",
        "your_activity_across_facebook/messages/inbox/annlee_1/photos/1.jpg",
        "your_activity_across_facebook/messages/inbox/annlee_1/message_1.html",
        "your_activity_across_facebook/messages/inbox/annlee_1/message_.json",
        "your_activity_across_facebook/messages/inbox/annlee_1/message_1.json.bak",
        "your_activity_across_facebook/messages/inbox/message_1.json",
        "your_instagram_activity/messages/reported_conversations.json",
        "inbox/annlee_1/message_1.json",
        "message_1.json",
        "messages/stickers_used/1.png",
    ] {
        assert!(!wants_entry(path), "{path}");
    }
    assert!(is_html_thread("your_activity_across_facebook/messages/inbox/annlee_40004/message_1.html"));
    assert!(is_html_thread("messages/inbox/bobstone_50005/message_1.html"));
    assert!(!is_html_thread("files/Facebook-Logo.png"));
}

#[test]
fn zip_fixtures_hold_the_entries_the_tests_feed() {
    // The central directories of the committed zips name exactly these thread entries.
    let fb = include_bytes!("../../../tests/fixtures/messenger/facebook-samrivera-20240701.zip");
    let ig = include_bytes!("../../../tests/fixtures/instagram/instagram-sam.rivera-20240701.zip");
    let html = include_bytes!("../../../tests/fixtures/messenger/facebook-html-only.zip");
    // Central directory records (PK 1 2) name the entries; read here without the zip
    // module, whose interface the lead owns.
    let names = |zip: &[u8]| -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(i) = zip[at..].windows(4).position(|w| w == b"PK\x01\x02") {
            let record = &zip[at + i..];
            let len = usize::from(u16::from_le_bytes([record[28], record[29]]));
            out.push(String::from_utf8(record[46..46 + len].to_vec()).expect("utf-8 name"));
            at += i + 46 + len;
        }
        out
    };
    let fb_names = names(fb);
    let wanted: Vec<&str> = fb_names.iter().map(String::as_str).filter(|n| wants_entry(n)).collect();
    let mut expected: Vec<&str> = FB_ZIP_THREADS.iter().map(|(p, _)| *p).collect();
    expected.sort();
    let mut wanted_sorted = wanted.clone();
    wanted_sorted.sort();
    assert_eq!(wanted_sorted, expected);
    assert!(fb_names.len() > wanted.len(), "unrelated entries are present and passed over");
    let ig_names = names(ig);
    let ig_wanted: Vec<&str> = ig_names.iter().map(String::as_str).filter(|n| wants_entry(n)).collect();
    assert_eq!(ig_wanted, IG_ZIP_THREADS.iter().map(|(p, _)| *p).collect::<Vec<_>>());
    let html_names = names(html);
    assert!(!html_names.iter().any(|n| wants_entry(n)));
    assert_eq!(html_names.iter().filter(|n| is_html_thread(n)).count(), 2);
}

#[test]
fn recognises_threads_by_content() {
    for (name, bytes) in [
        ("message_1.json", DIRECT),
        ("renamed.txt", GROUP),
        ("x", ARCHIVED),
        ("secure.json", E2EE),
        ("message_1.json", IG_DIRECT),
        ("message_1.json", TRUNCATED),
    ] {
        assert!(looks_like(name, &bytes[..bytes.len().min(64 << 10)]), "{name}");
    }
    let others: [&[u8]; 8] = [
        br#"{"about": "x", "personal_information": {"user_id": 1}, "chats": {"list": [{"messages": [{"from_id": "user1"}]}]}}"#,
        br#"{"name": "Ann", "type": "personal_chat", "id": 1, "messages": [{"from": "Ann", "from_id": "user1", "participants": 2}]}"#,
        b"06/03/2017, 00:45 - Ann: hi\n",
        b"CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT\n",
        b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nFrom: a@b.c\n",
        br#"{"participants": [{"name": "Ann"}], "title": "no messages key"}"#,
        br#"[{"participants": 1, "messages": 2, "sender_name": 3}]"#,
        HTML,
    ];
    for bytes in others {
        assert!(!looks_like("message_1.json", bytes), "{}", String::from_utf8_lossy(bytes));
    }
    // A message text that looks like a key cannot fake one: its quotes are escaped.
    assert!(!looks_like("a.json", br#"{"participants": [], "messages": [{"content": "\"sender_name\": 1"}]}"#));
}

#[test]
fn recognises_html_pages() {
    assert!(looks_like_html(HTML));
    assert!(looks_like_html(b"\xEF\xBB\xBF\n<!DOCTYPE html><html><body><div class=\"_2lek\">x</div>"));
    assert!(!looks_like_html(DIRECT));
    assert!(!looks_like_html(b"<html><body>Exported Data</body></html>"));
    assert!(!looks_like_html(b"06/03/2017, 00:45 - Ann: <html> _a6-g\n"));
}

#[test]
fn repairs_mojibake_and_keeps_real_text() {
    assert_eq!(repair_mojibake("Rados\u{00c5}\u{0082}aw Nowak"), RAD);
    assert_eq!(repair_mojibake("M\u{00c3}\u{00ad}a \u{00f0}\u{009f}\u{008c}\u{00b8}"), "Mía 🌸");
    assert_eq!(repair_mojibake("Léa Dubois"), "Léa Dubois");
    assert_eq!(repair_mojibake("Łukasz"), "Łukasz");
    assert_eq!(repair_mojibake("Ann"), "Ann");
    assert_eq!(repair_mojibake(""), "");
}

#[test]
fn direct_thread_with_calls_reactions_share_unsent_and_mojibake() {
    let sink = run("message_1.json", &[("message_1.json", DIRECT)]);
    assert_eq!(sink.chats.len(), 1);
    let info = &sink.chats[0];
    assert_eq!(info.id, "inbox/radoslawnowak_10001");
    assert_eq!(info.title.as_deref(), Some(RAD));
    assert_eq!(info.shape, ChatShape::Direct { peer: None });
    let members: Vec<&str> = info.participants.iter().map(|&h| name_of(&sink, h)).collect();
    assert_eq!(members, [RAD, SAM]);
    assert_eq!(
        sink.handles,
        [(HandleKind::Messenger, RAD.into(), RAD.into()), (HandleKind::Messenger, SAM.into(), SAM.into())]
    );
    // Eight messages in the file; the reactions on two of them are not events.
    assert_eq!(sink.events.len(), 8);
    assert_eq!(sink.count_by(0, RAD, Kind::Message), 3, "greeting, share, unsent");
    assert_eq!(sink.count_by(0, SAM, Kind::Message), 3, "text (fractional ms), photo, text");
    assert_eq!(sink.count_by(0, RAD, Kind::Call), 1, "the missed call");
    assert_eq!(sink.count_by(0, SAM, Kind::Call), 1);
    assert!(sink.events.iter().all(|e| e.kind != Kind::System && e.id.is_none()));
    assert_eq!(span(&sink, 0, RAD, Kind::Message), (utc("2024-03-05T09:00:00Z"), utc("2024-03-06T08:21:00Z")));
    // 1709629530500 ms: the half second is dropped.
    assert_eq!(span(&sink, 0, SAM, Kind::Message), (utc("2024-03-05T09:05:30Z"), utc("2024-03-07T21:45:10Z")));
    assert_eq!(span(&sink, 0, RAD, Kind::Call).0, utc("2024-03-05T18:00:00Z"));
    assert_eq!(span(&sink, 0, SAM, Kind::Call).0, utc("2024-03-05T18:02:00Z"));
    // Newest first, as in the file.
    assert!(sink.events.windows(2).all(|w| w[0].at >= w[1].at));
    // One thread: no owner can be inferred.
    assert!(sink.owners.is_empty());
    assert!(sink.skips.is_empty() && sink.warnings.is_empty());
}

#[test]
fn group_thread_with_subscribe_and_unsubscribe() {
    let sink = run("message_1.json", &[("message_1.json", GROUP)]);
    let info = &sink.chats[0];
    assert_eq!(info.id, "inbox/wycieczkawgory_20002");
    assert_eq!(info.title.as_deref(), Some("Wycieczka w góry"));
    assert_eq!(info.shape, ChatShape::Group);
    let members: Vec<&str> = info.participants.iter().map(|&h| name_of(&sink, h)).collect();
    assert_eq!(members, [SAM, RAD, "Ann Lee", "Zoë Kim"]);
    assert_eq!(sink.count_by(0, SAM, Kind::Message), 1);
    assert_eq!(sink.count_by(0, SAM, Kind::System), 1, "Sam added Bob");
    assert_eq!(sink.count_by(0, "Ann Lee", Kind::Message), 2);
    assert_eq!(sink.count_by(0, "Bob Stone", Kind::Message), 1);
    assert_eq!(sink.count_by(0, "Bob Stone", Kind::System), 1, "Bob left");
    assert_eq!(sink.count_by(0, "Zoë Kim", Kind::Message), 1);
    assert_eq!(sink.count_by(0, RAD, Kind::Message), 1, "a share");
    assert_eq!(sink.events.len(), 8);
    assert_eq!(span(&sink, 0, "Ann Lee", Kind::Message).1, utc("2024-04-03T09:10:00Z"));
    assert_eq!(span(&sink, 0, "Bob Stone", Kind::System).0, utc("2024-04-02T12:05:00Z"));
    // Bob, who left, writes but is not a listed participant.
    assert!(sink.handles.iter().any(|(_, id, _)| id == "Bob Stone"));
}

#[test]
fn end_to_end_encrypted_camel_case_thread() {
    let sink = run("secure_chat.json", &[("secure_chat.json", E2EE)]);
    let info = &sink.chats[0];
    // No thread_path and no folder: the title stands in.
    assert_eq!(info.id, "title:Léa Dubois");
    assert_eq!(info.title.as_deref(), Some("Léa Dubois"));
    assert_eq!(info.shape, ChatShape::Direct { peer: None });
    assert_eq!(
        sink.handle_of(info.participants[1]),
        &(HandleKind::Messenger, "Léa Dubois".into(), "Léa Dubois".into())
    );
    assert_eq!(sink.count_by(0, "Léa Dubois", Kind::Message), 2, "one of them unsent");
    assert_eq!(sink.count_by(0, SAM, Kind::Message), 2, "text and media");
    assert_eq!(span(&sink, 0, "Léa Dubois", Kind::Message), (utc("2024-06-10T07:00:00Z"), utc("2024-06-11T19:30:00Z")));
    assert_eq!(span(&sink, 0, SAM, Kind::Message), (utc("2024-06-10T07:03:00Z"), utc("2024-06-12T20:00:00Z")));
}

#[test]
fn facebook_archive_threads_across_prefixes_and_files() {
    let sink = run("facebook-samrivera-20240701.zip", &FB_ZIP_THREADS);
    assert_eq!(sink.chats.len(), 3, "message_1 and message_2 are one thread");
    let direct = chat_by_id(&sink, "inbox/radoslawnowak_10001");
    let group = chat_by_id(&sink, "inbox/wycieczkawgory_20002");
    let archived = chat_by_id(&sink, "archived_threads/kofimensah_30003");
    assert_eq!(sink.count_by(direct, RAD, Kind::Message), 4);
    assert_eq!(sink.count_by(direct, SAM, Kind::Message), 4);
    assert_eq!(sink.count_by(direct, RAD, Kind::Call) + sink.count_by(direct, SAM, Kind::Call), 2);
    assert_eq!(span(&sink, direct, SAM, Kind::Message).0, utc("2023-12-24T18:00:00Z"));
    assert_eq!(sink.count_by(group, RAD, Kind::Message), 1);
    assert_eq!(sink.count_by(archived, "Kofi Mensah", Kind::Message), 2);
    assert_eq!(sink.count_by(archived, SAM, Kind::Message), 1, "a sticker");
    assert_eq!(sink.chats[archived as usize].shape, ChatShape::Direct { peer: None });
    assert!(sink.handles.iter().all(|(kind, _, _)| *kind == HandleKind::Messenger));
    // Sam is in all three threads; Radosław only in two.
    assert_eq!(sink.owners.len(), 1);
    assert_eq!(sink.handle_of(sink.owners[0].0).1, SAM);
    assert_eq!(sink.owners[0].1, OwnerEvidence::InEveryChat);
    assert_eq!(sink.events.len(), 8 + 2 + 8 + 3);
}

#[test]
fn instagram_archive_by_path_prefix() {
    // The prefix decides even when the archive was renamed.
    let sink = run("download.zip", &IG_ZIP_THREADS);
    assert!(sink.handles.iter().all(|(kind, _, _)| *kind == HandleKind::Instagram));
    let direct = chat_by_id(&sink, "inbox/miagarcia_17841");
    let group = chat_by_id(&sink, "inbox/hikingcrew_34021");
    assert_eq!(sink.chats[direct as usize].title.as_deref(), Some("Mía 🌸"));
    assert_eq!(sink.chats[direct as usize].shape, ChatShape::Direct { peer: None });
    assert_eq!(sink.chats[group as usize].shape, ChatShape::Group);
    assert_eq!(sink.count_by(direct, "Mía 🌸", Kind::Message), 3, "no type field: all messages");
    assert_eq!(sink.count_by(direct, SAM, Kind::Message), 2);
    assert_eq!(span(&sink, direct, "Mía 🌸", Kind::Message).1, utc("2024-05-21T08:31:00Z"));
    assert_eq!(sink.count_by(group, "Theo Park", Kind::Message), 2);
    assert_eq!(sink.count_by(group, "Ivy Chen", Kind::Message), 1);
    assert_eq!(sink.owners.len(), 1);
    assert_eq!(sink.handle_of(sink.owners[0].0), &(HandleKind::Instagram, SAM.into(), SAM.into()));
}

#[test]
fn instagram_by_archive_name_for_old_prefixes() {
    let sink =
        run("instagram-sam.rivera-20190101.zip", &[("messages/inbox/miagarcia_17841/message_1.json", IG_DIRECT)]);
    assert!(sink.handles.iter().all(|(kind, _, _)| *kind == HandleKind::Instagram));
    let sink = run("facebook-sam-20190101.zip", &[("messages/inbox/miagarcia_17841/message_1.json", IG_DIRECT)]);
    assert!(sink.handles.iter().all(|(kind, _, _)| *kind == HandleKind::Messenger));
}

#[test]
fn owner_only_when_one_name_is_in_every_thread() {
    // Two threads that share two names: nobody can be told apart.
    let sink =
        run("x.zip", &[("messages/inbox/a_1/message_1.json", DIRECT), ("messages/inbox/b_2/message_1.json", OLDER)]);
    assert_eq!(sink.chats.len(), 1, "both files carry the same thread_path");
    assert!(sink.owners.is_empty(), "one thread");
    let sink = run("x.zip", &[("messages/inbox/a/message_1.json", DIRECT), ("messages/inbox/b/message_1.json", E2EE)]);
    assert_eq!(sink.chats.len(), 2);
    assert_eq!(sink.owners.len(), 1, "Sam is in both, Radosław and Léa in one each");
    let sink = run("x.zip", &[("messages/inbox/r/message_1.json", DIRECT), ("messages/inbox/g/message_1.json", GROUP)]);
    assert!(sink.owners.is_empty(), "Sam and Radosław are both in every thread");
}

#[test]
fn messages_without_sender_or_time_are_skipped_and_said() {
    let json = br#"{"participants": [{"name": "Ann"}, {"name": "Sam"}], "title": "Ann",
        "messages": [
          {"sender_name": "Ann", "timestamp_ms": 1700000000999, "content": "CANARY-x1", "type": "Generic"},
          {"sender_name": "Ann", "content": "CANARY-x2", "type": "Generic"},
          {"timestamp_ms": 1700000000000, "content": "CANARY-x3", "type": "Generic"},
          {"sender_name": "", "timestamp_ms": 1700000000000, "content": "CANARY-x4"},
          {"sender_name": "Sam", "timestamp_ms": 1.7e12, "content": "CANARY-x5", "type": "Unknown"}
        ]}"#;
    let sink = run("message_1.json", &[("inbox/ann_1/message_1.json", json)]);
    assert_eq!(sink.chats[0].id, "inbox/ann_1");
    assert_eq!(sink.events.len(), 2);
    assert_eq!(sink.events[0].at, 1_700_000_000);
    assert_eq!(sink.events[1].kind, Kind::Message);
    assert_eq!(sink.skipped_for(Skip::Unreadable), 3);
    assert_eq!(sink.warnings.len(), 1);
}

#[test]
fn shapes_from_short_participant_lists() {
    let json = br#"{"participants": [{"name": "Sam"}], "messages": [
        {"sender_name": "Facebook user", "timestamp_ms": 1700000000000, "content": "CANARY-y1"},
        {"sender_name": "Sam", "timestamp_ms": 1700000001000, "content": "CANARY-y2"}]}"#;
    let sink = run("m.json", &[("message_1.json", json)]);
    assert_eq!(sink.chats[0].shape, ChatShape::Direct { peer: None });
    assert_eq!(sink.chats[0].id, "message_1.json", "no thread_path, folder or title");
    let lonely = br#"{"participants": [{"name": "Sam"}], "messages": []}"#;
    let sink = run("m.json", &[("message_1.json", lonely)]);
    assert_eq!(sink.chats[0].shape, ChatShape::Unknown);
    assert!(sink.events.is_empty());
}

#[test]
fn not_a_thread_is_skipped_then_no_conversations() {
    let err = fail("message_1.json", &[("message_1.json", br#"{"something": "else"}"#)]);
    assert_eq!(err, ImportError::NoConversations { format: "Messenger export" });
    let err = fail("instagram-x.zip", &[]);
    assert_eq!(err, ImportError::NoConversations { format: "Instagram export" });
}

#[test]
fn truncated_json_is_malformed_without_quoting_it() {
    let err = fail("message_1.json", &[("message_1.json", TRUNCATED)]);
    let ImportError::Malformed { format, detail } = &err else { panic!("{err:?}") };
    assert_eq!(*format, "Messenger export");
    assert!(detail.contains("ends early") && detail.contains("line"), "{detail}");
    // A wrong type where serde_json would quote the value.
    let json = br#"{"participants": [], "messages": [{"sender_name": "Ann", "timestamp_ms": "CANARY-z1"}]}"#;
    let err = fail("message_1.json", &[("your_instagram_activity/messages/inbox/a/message_1.json", json)]);
    assert!(matches!(err, ImportError::Malformed { format: "Instagram export", .. }), "{err:?}");
    let err = fail("message_1.json", &[("message_1.json", b"{\"participants\": [] } CANARY-z2")]);
    assert!(matches!(err, ImportError::Malformed { .. }), "{err:?}");
    let err = fail("message_1.json", &[("message_1.json", br#"["CANARY-z3"]"#)]);
    assert!(matches!(err, ImportError::Malformed { .. }), "{err:?}");
}

#[test]
fn html_is_refused_by_name_and_by_content() {
    assert_eq!(fail("message_1.html", &[("message_1.html", HTML)]), ImportError::HtmlExport);
    assert_eq!(fail("renamed.json", &[("renamed.json", HTML)]), ImportError::HtmlExport);
    let mut with_bom = b"\xEF\xBB\xBF \n".to_vec();
    with_bom.extend_from_slice(HTML);
    assert_eq!(fail("renamed.json", &[("renamed.json", &with_bom)]), ImportError::HtmlExport);
}

#[test]
fn empty_and_oversized_files() {
    assert_eq!(fail("message_1.json", &[("message_1.json", b"")]), ImportError::Empty);
    assert_eq!(fail("message_1.json", &[("message_1.json", b" \n\t")]), ImportError::Empty);
    let sink =
        run("x.zip", &[("messages/inbox/a_1/message_2.json", b""), ("messages/inbox/a_1/message_1.json", DIRECT)]);
    assert_eq!(sink.skipped_for(Skip::Unreadable), 1);
    assert_eq!(sink.events.len(), 8);
    let mut format = MetaFormat::new(context("message_1.json"));
    let mut sink = RecordingSink::default();
    format.begin_file("message_1.json", &mut sink).expect("begin");
    format.push(b"{", &mut sink).expect("first byte");
    let big = vec![b' '; MAX_FILE_BYTES];
    assert!(matches!(format.push(&big, &mut sink), Err(ImportError::TooLarge { .. })));
}

#[test]
fn thread_ids() {
    assert_eq!(
        thread_id(Some("inbox/annlee_1"), "x/messages/archived_threads/z/message_1.json", None),
        "inbox/annlee_1"
    );
    assert_eq!(
        thread_id(None, "your_facebook_activity/messages/inbox/annlee_1/message_1.json", None),
        "inbox/annlee_1"
    );
    assert_eq!(thread_id(Some(""), "annlee_1/message_1.json", Some("Ann")), "annlee_1");
    assert_eq!(thread_id(None, "message_1.json", Some("Ann")), "title:Ann");
    assert_eq!(thread_id(None, "message_1.json", None), "message_1.json");
}

#[test]
fn cases_json_report_counts_match_the_events() {
    // The engine-level expectations in cases.json, checked here as far as the parser decides
    // them: chats, and messages, calls and notices by kind.
    let loose = |name: &'static str, bytes: &'static [u8]| vec![(name, bytes)];
    type Files = Vec<(&'static str, &'static [u8])>;
    let inputs: Vec<(&str, Files)> = vec![
        ("direct-mojibake-calls-reactions.json", loose("message_1.json", DIRECT)),
        ("group-subscribe-unsubscribe.json", loose("message_1.json", GROUP)),
        ("archived-thread-2019.json", loose("message_1.json", ARCHIVED)),
        ("direct-older-part-message_2.json", loose("message_2.json", OLDER)),
        ("e2ee-camelcase.json", loose("e2ee-camelcase.json", E2EE)),
        ("facebook-samrivera-20240701.zip", FB_ZIP_THREADS.to_vec()),
        ("instagram-sam.rivera-20240701.zip", IG_ZIP_THREADS.to_vec()),
    ];
    let mut cases: Vec<serde_json::Value> = Vec::new();
    for text in [
        include_str!("../../../tests/fixtures/messenger/cases.json"),
        include_str!("../../../tests/fixtures/instagram/cases.json"),
    ] {
        let json: serde_json::Value = serde_json::from_str(text).expect("cases.json");
        cases.extend(json["cases"].as_array().expect("cases").iter().cloned());
    }
    let mut checked = 0;
    for case in &cases {
        let file = case["file"].as_str().expect("file");
        let Some((_, files)) = inputs.iter().find(|(f, _)| *f == file) else {
            assert!(case.get("error").is_some(), "{file} has no input here and expects no error");
            continue;
        };
        let sink = run(case["fileName"].as_str().expect("fileName"), files);
        let report = &case["report"];
        let count = |kind: Kind| sink.events.iter().filter(|e| e.kind == kind).count() as u64;
        assert_eq!(report["chats"].as_u64(), Some(sink.chats.len() as u64), "{file}");
        assert_eq!(report["messages"].as_u64(), Some(count(Kind::Message)), "{file}");
        assert_eq!(report["calls"].as_u64(), Some(count(Kind::Call)), "{file}");
        assert_eq!(report["systemMessages"].as_u64(), Some(count(Kind::System)), "{file}");
        if report["ownerSource"] == "inEveryChat" {
            let owner = sink.owners.first().map(|(h, _)| sink.handle_of(*h).2.clone());
            assert_eq!(report["owner"][0].as_str(), owner.as_deref(), "{file}");
        }
        checked += 1;
    }
    assert_eq!(checked, inputs.len());
}

#[test]
fn keys_in_any_order_and_the_rules_serde_had() {
    // `participants` and `title` after `messages`: the same thread as in the usual order.
    let usual = br#"{"participants": [{"name": "Ann"}, {"name": "Sam"}], "title": "Ann", "messages": [
        {"sender_name": "Sam", "timestamp_ms": 1700000001000, "content": "CANARY-o1", "type": "Call"},
        {"sender_name": "Ann", "timestamp_ms": 1700000000000, "content": "CANARY-o2"}]}"#;
    let reordered = br#"{"messages": [
        {"content": "CANARY-o1", "type": "Call", "timestamp_ms": 1700000001000, "sender_name": "Sam"},
        {"timestamp_ms": 1700000000000, "content": "CANARY-o2", "sender_name": "Ann"}],
        "title": "Ann", "participants": [{"name": "Ann"}, {"name": "Sam"}]}"#;
    let a = run("m.json", &[("inbox/ann_1/message_1.json", usual)]);
    let b = run("m.json", &[("inbox/ann_1/message_1.json", reordered)]);
    assert_eq!(a, b);
    assert_eq!(a.chats[0].shape, ChatShape::Direct { peer: None });
    assert_eq!(a.count_by(0, "Sam", Kind::Call), 1);

    // `null` is absent; unknown keys, nested or not, are passed over.
    let nulls = br#"{"participants": ["Ann", {"name": null}, {"name": "Sam", "x": [{}]}], "title": null,
        "thread_path": null, "magic_words": [{"CANARY-o3": 1}],
        "messages": [{"sender_name": "Ann", "timestamp_ms": 1700000000000, "type": null,
        "content": {"CANARY-o4": ["x"]}, "share": {"link": "CANARY-o5"}}]}"#;
    let sink = run("m.json", &[("inbox/ann_1/message_1.json", nulls)]);
    assert_eq!(sink.chats[0].participants.len(), 2);
    assert_eq!(sink.events.len(), 1);

    // A field given twice (aliases included), or a value of the wrong type: malformed, with
    // the place in words.
    let detail = |json: &[u8]| match fail("m.json", &[("inbox/a_1/message_1.json", json)]) {
        ImportError::Malformed { detail, .. } => detail,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        detail(br#"{"participants": [], "title": "CANARY-o6", "threadName": "CANARY-o7"}"#),
        "inbox/a_1/message_1.json: the thread's title is given twice"
    );
    assert_eq!(
        detail(br#"{"messages": [{}, {"sender_name": "A", "senderName": "CANARY-o8"}]}"#),
        "inbox/a_1/message_1.json: the sender of message 2 is given twice"
    );
    assert_eq!(
        detail(br#"{"participants": [], "messages": [{"sender_name": "A", "timestamp_ms": "CANARY-o9"}]}"#),
        "inbox/a_1/message_1.json: the time of message 1 has the wrong type"
    );
    assert_eq!(
        detail(br#"{"participants": ["A", 7], "messages": []}"#),
        "inbox/a_1/message_1.json: participant 2 has the wrong type"
    );
    assert_eq!(
        detail(b"{\"participants\": [],\n \"messages\": [\n  {\"sender_name\": \"CANARY-o10\"}\n  x"),
        "inbox/a_1/message_1.json: the JSON is not well-formed (line 4, column 3)"
    );

    // An empty top-level array is a file with nothing in it, skipped as serde read it.
    let sink =
        run("x.zip", &[("messages/inbox/a_1/message_2.json", b"[]"), ("messages/inbox/a_1/message_1.json", DIRECT)]);
    assert_eq!(sink.skipped_for(Skip::Unreadable), 1);
    // A byte order mark before the JSON is allowed.
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(DIRECT);
    assert_eq!(run("m.json", &[("message_1.json", &with_bom)]).events.len(), 8);
}
