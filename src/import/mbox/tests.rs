//! Tests of the mbox reader on the fixtures in `tests/fixtures/mbox/`:
//! `cargo test --lib import::mbox`.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::import::event::{run_format, RecordingSink};
use crate::time::{iso, FixedZone};

const DIRECT: &[u8] = include_bytes!("../../../tests/fixtures/mbox/takeout-direct-encoded-names.mbox");
const CRLF: &[u8] = include_bytes!("../../../tests/fixtures/mbox/takeout-crlf-sent-label-owner.mbox");
const SKIPS: &[u8] = include_bytes!("../../../tests/fixtures/mbox/takeout-skips.mbox");
const GROUP: &[u8] = include_bytes!("../../../tests/fixtures/mbox/takeout-group-and-owner-to-many.mbox");
const CLASSIC: &[u8] = include_bytes!("../../../tests/fixtures/mbox/classic-mbox-no-zone-no-owner.mbox");
const LETTER: &[u8] = include_bytes!("../../../tests/fixtures/mbox/not-mbox-letter.txt");

const MBOXES: [(&str, &[u8]); 5] = [
    ("takeout-direct-encoded-names.mbox", DIRECT),
    ("takeout-crlf-sent-label-owner.mbox", CRLF),
    ("takeout-skips.mbox", SKIPS),
    ("takeout-group-and-owner-to-many.mbox", GROUP),
    ("classic-mbox-no-zone-no-owner.mbox", CLASSIC),
];

fn format(owner: &[&str]) -> MboxFormat {
    MboxFormat::new(FormatContext {
        file_name: "All mail Including Spam and Trash.mbox".to_string(),
        zone: Box::new(FixedZone(0)),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        owner: owner.iter().map(|s| s.to_string()).collect(),
    })
}

fn run(bytes: &[u8], owner: &[&str], chunk: usize) -> Result<RecordingSink, ImportError> {
    run_format(&mut format(owner), &[("mail.mbox", bytes)], chunk)
}

/// Every event as (conversation id, author address, time), in order.
fn events(sink: &RecordingSink) -> Vec<(String, String, String)> {
    sink.events
        .iter()
        .map(|e| {
            assert_eq!(e.kind, Kind::Message);
            let author = e.author.map(|a| sink.handle_of(a).1.clone()).unwrap_or_default();
            (sink.chats[e.chat as usize].id.clone(), author, iso(e.at))
        })
        .collect()
}

fn ev(chat: &str, author: &str, at: &str) -> (String, String, String) {
    (chat.to_string(), author.to_string(), at.to_string())
}

fn owners(sink: &RecordingSink) -> Vec<(String, OwnerEvidence)> {
    sink.owners.iter().map(|(h, e)| (sink.handle_of(*h).1.clone(), *e)).collect()
}

fn chat<'a>(sink: &'a RecordingSink, id: &str) -> &'a ChatInfo {
    sink.chats.iter().find(|c| c.id == id).unwrap()
}

fn assert_direct(sink: &RecordingSink, addr: &str, title: &str) {
    let info = chat(sink, addr);
    assert_eq!(info.title.as_deref(), Some(title));
    let (kind, id, name) = sink.handle_of(match info.shape {
        ChatShape::Direct { peer: Some(peer) } => peer,
        ref other => panic!("{addr} is {other:?}"),
    });
    assert_eq!((*kind, id.as_str(), name.as_str()), (HandleKind::Email, addr, title));
    assert_eq!(info.participants.len(), 1);
}

fn no_canary(sink: &RecordingSink) {
    assert!(!format!("{sink:?}").contains("CANARY-"));
    assert!(sink.warnings.iter().all(|w| !w.contains("CANARY-")));
}

#[test]
fn direct_mail_with_encoded_names_and_zones() {
    let sink = run(DIRECT, &[], 4096).unwrap();
    assert_eq!(owners(&sink), [("sam@example.com".to_string(), OwnerEvidence::DeliveredTo)]);
    assert_eq!(
        events(&sink),
        [
            ev("ann.mueller@example.org", "ann.mueller@example.org", "2023-10-16T01:29:30Z"),
            ev("ann.mueller@example.org", "sam@example.com", "2023-10-17T08:00:00Z"),
            ev("jose@example.net", "jose@example.net", "2023-10-18T12:00:00Z"),
            ev("zoe@example.com", "zoe@example.com", "2023-10-19T14:15:00Z"),
            ev("jose@example.net", "sam@example.com", "2023-10-20T07:05:09Z"),
        ]
    );
    assert_eq!(sink.chats.len(), 3);
    assert_direct(&sink, "ann.mueller@example.org", "Ann Müller");
    assert_direct(&sink, "jose@example.net", "José Núñez");
    assert_direct(&sink, "zoe@example.com", "Zoë Chen");
    let sam = sink.handles.iter().find(|h| h.1 == "sam@example.com").unwrap();
    assert_eq!(sam.2, "Sam Park");
    assert!(sink.events.iter().all(|e| matches!(e.id, Some(MessageId::Unordered(_)))));
    assert_eq!(sink.events[0].id, Some(MessageId::Unordered(fnv1a(b"caf1=ann1@mail.example.org"))));
    assert!(sink.skips.is_empty() && sink.warnings.is_empty(), "{sink:?}");
    no_canary(&sink);
}

#[test]
fn crlf_and_owner_from_sent_label_after_an_undecided_mail() {
    let sink = run(CRLF, &[], 4096).unwrap();
    assert_eq!(owners(&sink), [("sam@example.com".to_string(), OwnerEvidence::SentMail)]);
    assert_eq!(
        events(&sink),
        [
            ev("carol@example.com", "carol@example.com", "2024-03-04T08:00:00Z"),
            ev("carol@example.com", "sam@example.com", "2024-03-04T15:30:00Z"),
            ev("carol@example.com", "carol@example.com", "2024-03-05T08:00:00Z"),
        ]
    );
    assert_direct(&sink, "carol@example.com", "Carol Diaz");
    assert!(sink.skips.is_empty() && sink.warnings.is_empty(), "{sink:?}");
    no_canary(&sink);
}

#[test]
fn spam_trash_bulk_duplicates_and_undated_mail_are_skipped() {
    let sink = run(SKIPS, &[], 4096).unwrap();
    assert_eq!(owners(&sink), [("sam@example.com".to_string(), OwnerEvidence::DeliveredTo)]);
    assert_eq!(
        events(&sink),
        [
            ev("ann@example.org", "ann@example.org", "2024-05-01T10:00:00Z"),
            ev("ann@example.org", "sam@example.com", "2024-05-02T11:00:00Z"),
        ]
    );
    assert_eq!(sink.skipped_for(Skip::Spam), 1);
    assert_eq!(sink.skipped_for(Skip::Trash), 1);
    assert_eq!(sink.skipped_for(Skip::BulkMail), 5);
    assert_eq!(sink.skipped_for(Skip::DuplicateId), 1);
    assert_eq!(sink.skipped_for(Skip::Unreadable), 1);
    assert_eq!(sink.warnings.len(), 1);
    assert!(sink.warnings[0].starts_with("1 mail(s) in All mail Including Spam and Trash.mbox had no readable date"));
    // Skipped senders never become handles.
    let ids: Vec<&str> = sink.handles.iter().map(|h| h.1.as_str()).collect();
    assert_eq!(ids, ["sam@example.com", "ann@example.org"]);
    no_canary(&sink);
}

#[test]
fn group_mail_counts_for_its_sender_and_the_users_mail_to_many_for_nobody() {
    let sink = run(GROUP, &[], 4096).unwrap();
    assert_eq!(owners(&sink), [("sam@example.com".to_string(), OwnerEvidence::DeliveredTo)]);
    assert_eq!(
        events(&sink),
        [
            ev(GROUP_CHAT_ID, "dan@example.com", "2024-06-01T09:00:00Z"),
            ev(GROUP_CHAT_ID, "eve@example.com", "2024-06-02T10:00:00Z"),
            ev(GROUP_CHAT_ID, "fay@example.net", "2024-06-03T08:00:00Z"),
            ev("dan@example.com", "dan@example.com", "2024-06-04T12:00:00Z"),
        ]
    );
    let group = chat(&sink, GROUP_CHAT_ID);
    assert_eq!((group.title.as_ref(), &group.shape), (None, &ChatShape::Group));
    assert_direct(&sink, "dan@example.com", "Dan Roe");
    assert_eq!(sink.chats.len(), 2);
    assert!(sink.skips.is_empty() && sink.warnings.is_empty(), "{sink:?}");
    no_canary(&sink);
}

#[test]
fn classic_mbox_without_an_owner_counts_group_messages_and_warns() {
    let sink = run(CLASSIC, &[], 4096).unwrap();
    assert!(sink.owners.is_empty());
    assert_eq!(
        events(&sink),
        [
            ev(GROUP_CHAT_ID, "ann@example.org", "1996-01-03T01:05:34Z"),
            ev(GROUP_CHAT_ID, "kim@example.com", "1996-01-04T10:00:00Z"),
            ev(GROUP_CHAT_ID, "ann@example.org", "1996-01-05T12:30:00Z"),
        ]
    );
    assert_eq!(sink.warnings.len(), 1);
    assert!(sink.warnings[0].contains("could not tell which address is yours"));
    no_canary(&sink);
}

#[test]
fn the_owner_option_decides_and_from_line_dates_are_local_time() {
    let sink = run(CLASSIC, &["Kim", "Kim Bell <KIM@example.com>"], 4096).unwrap();
    assert!(sink.owners.is_empty(), "the options said so: nothing is inferred");
    assert_eq!(
        events(&sink),
        [
            ev("ann@example.org", "ann@example.org", "1996-01-03T01:05:34Z"),
            ev("ann@example.org", "kim@example.com", "1996-01-04T10:00:00Z"),
            ev("ann@example.org", "ann@example.org", "1996-01-05T12:30:00Z"),
        ]
    );
    assert!(sink.warnings.is_empty());
    // A From line without a zone is wall-clock time in the context's zone; a Date with a zone is not.
    let mut east = format(&["kim@example.com"]);
    east.zone = Box::new(FixedZone(3600));
    let sink = run_format(&mut east, &[("m.mbox", CLASSIC)], 64).unwrap();
    let times: Vec<String> = events(&sink).into_iter().map(|e| e.2).collect();
    assert_eq!(times, ["1996-01-03T01:05:34Z", "1996-01-04T09:00:00Z", "1996-01-05T11:30:00Z"]);
}

#[test]
fn results_do_not_depend_on_chunking() {
    for (name, bytes) in MBOXES {
        let whole = run(bytes, &[], bytes.len()).unwrap();
        assert!(!whole.events.is_empty(), "{name}");
        for chunk in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(run(bytes, &[], chunk).unwrap(), whole, "{name} in chunks of {chunk}");
        }
    }
}

#[test]
fn fixtures_carry_canaries_that_never_come_out() {
    for (name, bytes) in MBOXES.iter().copied().chain([("not-mbox-letter.txt", LETTER)]) {
        // Positive control: the canaries are there to be leaked.
        assert!(bytes.windows(7).any(|w| w == b"CANARY-"), "{name}");
        for owner in [&[][..], &["sam@example.com"]] {
            match run(bytes, owner, 7) {
                Ok(sink) => no_canary(&sink),
                Err(err) => assert!(!err.to_string().contains("CANARY-") && !format!("{err:?}").contains("CANARY-")),
            }
        }
    }
}

#[test]
fn every_truncation_reads_without_panicking_or_leaking() {
    for (name, bytes) in MBOXES {
        for len in 0..=bytes.len() {
            match run(&bytes[..len], &[], 5) {
                Ok(sink) => no_canary(&sink),
                Err(ImportError::Empty | ImportError::UnknownFormat { .. }) => {}
                Err(other) => panic!("{name} cut at {len}: {other}"),
            }
        }
    }
}

#[test]
fn bad_input_gives_named_errors() {
    assert_eq!(run(LETTER, &[], 4096).unwrap_err().name(), "UnknownFormat");
    assert_eq!(run(b"", &[], 4096).unwrap_err().name(), "Empty");
    assert_eq!(run(b" \n\r\n", &[], 1).unwrap_err().name(), "Empty");
    assert_eq!(run(b"hello\nworld\n", &[], 4096).unwrap_err().name(), "UnknownFormat");
    let err = run(LETTER, &[], 1).unwrap_err();
    assert!(!err.to_string().contains("CANARY-"));
}

#[test]
fn detection_needs_a_from_line_with_a_date_and_mail_headers() {
    for (name, bytes) in MBOXES {
        assert!(looks_like(name, bytes), "{name}");
        assert!(looks_like("renamed.txt", &bytes[..bytes.len().min(300)]), "{name}");
    }
    assert!(!looks_like("letter.txt", LETTER));
    assert!(!looks_like("x.mbox", b"From Tom Mon Oct 16 01:29:30 2023\nDear Tom, how are you\n"));
    assert!(!looks_like("x.mbox", b"From Tom Mon Oct 16 01:29:30 2023\nX-Note: hi\n\nFrom: a@b\n"));
    assert!(!looks_like("x.mbox", b"From: ann@example.org\nDate: Mon, 16 Oct 2023 01:29:30 +0000\n"));
    assert!(!looks_like("chat.txt", b"16/10/2023, 01:29 - Ann: From Mon Oct 16 01:29:30 2023\n"));
    assert!(!looks_like("x.json", b"{\"messages\": []}"));
    assert!(!looks_like("x.mbox", b""));
    assert!(looks_like(
        "x",
        b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\r\nReceived: by x\r\n\tid 1\r\nMessage-ID: <a@b>\r\n"
    ));
    assert!(looks_like_mbox_name("All mail Including Spam and Trash.MBOX"));
    assert!(looks_like_mbox_name("inbox.mbx"));
    assert!(!looks_like_mbox_name("mbox.txt"));
}

#[test]
fn an_undecided_overflow_is_counted_in_a_second_pass() {
    // Three undecided mails from Ann, Kim's first Sent mail, one more from Ann.
    let mut mbox = Vec::new();
    for (i, (from, to, sent)) in [
        ("ann@example.org", "kim@example.com", false),
        ("Ann Lee <ann@example.org>", "kim@example.com", false),
        ("bob@example.net", "kim@example.com, ann@example.org", false),
        ("kim@example.com", "ann@example.org", true),
        ("ann@example.org", "kim@example.com", false),
    ]
    .into_iter()
    .enumerate()
    {
        let labels = if sent { "Sent" } else { "Inbox" };
        mbox.extend_from_slice(
            format!(
                "From x@xxx Mon Oct 16 01:29:30 +0000 2023\nX-Gmail-Labels: {labels}\nFrom: {from}\nTo: {to}\nDate: Mon, {} Oct 2023 10:00:00 +0000\nMessage-ID: <m{i}@x>\n\nCANARY-overflow-{i}\n\n",
                10 + i
            )
            .as_bytes(),
        );
    }
    let plain = run(&mbox, &[], 4096).unwrap();
    for cap in [0, 1, 2] {
        let mut capped = format(&[]);
        capped.book.undecided_cap = cap;
        let mut passes = 0;
        let mut sink = RecordingSink::default();
        loop {
            passes += 1;
            capped.begin_file("m.mbox", &mut sink).unwrap();
            for piece in mbox.chunks(3) {
                capped.push(piece, &mut sink).unwrap();
            }
            capped.end_file(&mut sink).unwrap();
            if capped.finish(&mut sink).unwrap() == Finished::Done {
                break;
            }
        }
        assert_eq!(passes, 2, "cap {cap}");
        let mut got = events(&sink);
        let mut want = events(&plain);
        got.sort();
        want.sort();
        assert_eq!(got, want, "cap {cap}");
        assert_eq!(sink.owners, plain.owners);
        assert_eq!(sink.skips, plain.skips);
    }
    // Without any owner evidence, the overflow still counts as group messages.
    let no_owner: Vec<u8> = String::from_utf8(mbox).unwrap().replace("Labels: Sent", "Labels: Inbox").into_bytes();
    let plain = run(&no_owner, &[], 4096).unwrap();
    let mut capped = format(&[]);
    capped.book.undecided_cap = 1;
    let sink = run_format(&mut capped, &[("m.mbox", &no_owner)], 11).unwrap();
    assert_eq!(sink.events, plain.events);
    assert_eq!(sink.events.len(), 5);
    assert_eq!(sink.warnings, plain.warnings);
}

/// Checks cases.json against this reader with a plain aggregation of ARCHITECTURE §6, so the
/// hand-computed expectations and the parser agree before the engine sees them.
#[test]
fn cases_json_agrees_with_the_events() {
    use serde_json::Value;
    use std::collections::BTreeMap;
    let doc: Value = serde_json::from_str(include_str!("../../../tests/fixtures/mbox/cases.json")).unwrap();
    for case in doc["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let bytes = MBOXES.iter().chain(&[("not-mbox-letter.txt", LETTER)]).find(|(n, _)| *n == file).unwrap().1;
        let owner: Vec<&str> = case["options"]["owner"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        let result = run(bytes, &owner, 4096);
        if let Some(error) = case["error"].as_str() {
            assert_eq!(result.unwrap_err().name(), error, "{file}");
            assert!(!looks_like(file, bytes));
            continue;
        }
        let sink = result.unwrap();
        let report = &case["report"];
        assert_eq!(report["chats"], sink.chats.len(), "{file}");
        assert_eq!(report["messages"], sink.events.len(), "{file}");
        let source = report["ownerSource"].as_str();
        let from_sink = sink.owners.first().map(|(_, e)| e.code());
        assert_eq!(source, if owner.is_empty() { from_sink } else { Some("option") }, "{file}");
        let skipped: BTreeMap<String, u64> =
            sink.skips.iter().map(|(s, n)| (s.code().to_string(), u64::from(*n))).collect();
        let want: BTreeMap<String, u64> = report["skipped"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect())
            .unwrap_or_default();
        assert_eq!(skipped, want, "{file}");
        // name -> (sent, received, group, last sent, last received, last group)
        type Row = (u64, u64, u64, Option<i64>, Option<i64>, Option<i64>);
        let mut rows: BTreeMap<String, Row> = BTreeMap::new();
        let is_owner =
            |h: HandleId| sink.owners.iter().any(|(o, _)| *o == h) || owner.iter().any(|o| *o == sink.handle_of(h).1);
        for e in &sink.events {
            let author = e.author.unwrap();
            let name = |h: HandleId| sink.handle_of(h).2.clone();
            match sink.chats[e.chat as usize].shape {
                ChatShape::Direct { peer: Some(peer) } => {
                    let row = rows.entry(name(peer)).or_default();
                    if is_owner(author) {
                        row.0 += 1;
                        row.3 = row.3.max(Some(e.at));
                    } else {
                        row.1 += 1;
                        row.4 = row.4.max(Some(e.at));
                    }
                }
                _ if is_owner(author) => {}
                _ => {
                    let row = rows.entry(name(author)).or_default();
                    row.2 += 1;
                    row.5 = row.5.max(Some(e.at));
                }
            }
        }
        let contacts = case["contacts"].as_array().unwrap();
        assert_eq!(contacts.len(), rows.len(), "{file}: {rows:?}");
        let t = |v: Option<i64>| v.map_or(Value::Null, |s| Value::String(iso(s)));
        for c in contacts {
            let row = rows[c["name"].as_str().unwrap()];
            let got = (c["sentCount"].clone(), c["receivedCount"].clone(), c["groupMessageCount"].clone());
            assert_eq!(got, (row.0.into(), row.1.into(), row.2.into()), "{file} {c}");
            assert_eq!(c["lastSentAt"], t(row.3), "{file} {c}");
            assert_eq!(c["lastReceivedAt"], t(row.4), "{file} {c}");
            assert_eq!(c["lastGroupMessageAt"], t(row.5), "{file} {c}");
            assert_eq!(c["lastInteractionAt"], t(row.3.max(row.4)), "{file} {c}");
        }
    }
}

#[test]
fn header_decoders_survive_random_punctuation() {
    const ALPHABET: &[u8] = b"=?<>(),;:@\\\" \tQBbq_Aa0+/-.\r\n\xc3\xe9Fromx";
    let mut x: u32 = 7;
    for _ in 0..20_000 {
        let len = (x % 40) as usize;
        let raw: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                ALPHABET[x as usize % ALPHABET.len()]
            })
            .collect();
        let mut out = Vec::new();
        address::parse_list(&raw, &mut out);
        address::labels(&raw, |_| {});
        let _ = date::parse_date(&raw, &FixedZone(0), false);
        let _ = looks_like("x", &raw);
        let _ = message_id(&raw);
        let _ = run(&raw, &[], 3);
        x = x.wrapping_add(1);
    }
}
