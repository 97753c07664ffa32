//! Tests of the LinkedIn importer on the fixtures in `tests/fixtures/linkedin/` (see
//! `cases.json` there for what each exercises). Run: `cargo test --lib import::linkedin`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::import::event::{run_format, RecordingSink};
use crate::time::FixedZone;

const BOM_CRLF: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/messages-bom-crlf-multiline.csv");
const DRAFTS: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/messages-drafts.csv");
const MOJIBAKE: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/messages-mojibake-names.csv");
const GROUP: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/messages-group-non-contiguous.csv");
const OLD: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/messages-old-10-columns.csv");
const CONNECTIONS: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/connections-notes-preamble.csv");
const PROFILE: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/profile.csv");
const FOREIGN: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/bad-foreign-header-google-contacts.csv");
const UNCLOSED: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/bad-unclosed-quote.csv");
const ZIP: &[u8] = include_bytes!("../../../tests/fixtures/linkedin/linkedin-export.zip");

const SAM: &str = "https://www.linkedin.com/in/sam-rivera";
const ANN: &str = "https://www.linkedin.com/in/ann-lee-01";
const BO: &str = "https://www.linkedin.com/in/bo-chen-22";
const CLEO: &str = "https://www.linkedin.com/in/cleo-park";
const DEV: &str = "https://www.linkedin.com/in/dev-shah-7";
const MIA: &str = "https://www.linkedin.com/in/mia-novak";

fn format() -> LinkedInFormat {
    LinkedInFormat::new(FormatContext {
        file_name: "messages.csv".into(),
        zone: Box::new(FixedZone(3600)),
        today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        owner: Vec::new(),
    })
}

/// Runs one import at every chunk size the brief names, checks that all agree, and returns it.
fn run(files: &[(&str, &[u8])]) -> Result<RecordingSink, ImportError> {
    let longest = files.iter().map(|(_, b)| b.len()).max().unwrap_or(1);
    let whole = run_format(&mut format(), files, longest);
    for chunk in [1, 2, 3, 7, 64, 4096] {
        assert_eq!(run_format(&mut format(), files, chunk), whole, "chunk size {chunk}");
    }
    whole
}

fn iso(at: i64) -> String {
    crate::time::iso(at)
}

/// What one author did in one chat: `(messages, first, last)`.
type Activity = (usize, String, String);

/// A chat's title, shape, participants' ids and each author's activity.
type ChatDigest = (Option<String>, ChatShape, Vec<String>, BTreeMap<String, Activity>);

/// A readable digest of a recorded import: per chat (by id) its title, shape, participants'
/// ids and each author's activity (by handle id).
fn digest(sink: &RecordingSink) -> BTreeMap<String, ChatDigest> {
    let mut out = BTreeMap::new();
    for (i, chat) in sink.chats.iter().enumerate() {
        let participants = chat.participants.iter().map(|&h| sink.handle_of(h).1.clone()).collect();
        let mut authors: BTreeMap<String, Activity> = BTreeMap::new();
        for e in sink.events.iter().filter(|e| e.chat == i as ChatId) {
            assert_eq!(e.kind, Kind::Message);
            assert_eq!(e.id, None);
            let who = sink.handle_of(e.author.unwrap()).1.clone();
            let entry = authors.entry(who).or_insert((0, iso(e.at), iso(e.at)));
            entry.0 += 1;
            entry.1 = entry.1.clone().min(iso(e.at));
            entry.2 = entry.2.clone().max(iso(e.at));
        }
        out.insert(chat.id.clone(), (chat.title.clone(), chat.shape.clone(), participants, authors));
    }
    out
}

fn act(n: usize, first: &str, last: &str) -> Activity {
    (n, first.to_string(), last.to_string())
}

fn name_of(sink: &RecordingSink, id: &str) -> String {
    sink.handles.iter().find(|(_, h, _)| h == id).map(|(_, _, n)| n.clone()).unwrap_or_default()
}

fn owner_of(sink: &RecordingSink) -> Vec<(String, OwnerEvidence)> {
    sink.owners.iter().map(|&(h, ev)| (sink.handle_of(h).1.clone(), ev)).collect()
}

const DIRECT: ChatShape = ChatShape::Direct { peer: None };

#[test]
fn bom_crlf_multiline_two_direct_conversations() {
    let sink = run(&[("messages.csv", BOM_CRLF)]).unwrap();
    let d = digest(&sink);
    assert_eq!(d.len(), 2);
    let ann = &d["2-QW5uU2FtMDFhYmNkZWY="];
    assert_eq!((&ann.0, &ann.1, &ann.2), (&None, &DIRECT, &vec![ANN.to_string(), SAM.to_string()]));
    assert_eq!(ann.3[ANN], act(2, "2024-03-08T07:45:30Z", "2024-03-14T09:15:00Z"));
    assert_eq!(ann.3[SAM], act(1, "2024-03-10T08:30:00Z", "2024-03-10T08:30:00Z"));
    let bo = &d["2-Qm9TYW0yMmFiY2RlZg=="];
    // Bo's URL came with a trailing slash, an upper-case host and a query: one handle.
    assert_eq!((&bo.1, &bo.2), (&DIRECT, &vec![SAM.to_string(), BO.to_string()]));
    assert_eq!(bo.3[SAM], act(1, "2024-03-12T18:00:00Z", "2024-03-12T18:00:00Z"));
    assert_eq!(bo.3[BO], act(1, "2024-03-09T12:00:00Z", "2024-03-09T12:00:00Z"));
    assert_eq!(sink.handles.len(), 3);
    assert_eq!(name_of(&sink, BO), "Bo Chen");
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::InEveryChat)]);
    assert!(sink.skips.is_empty() && sink.warnings.is_empty() && sink.people.is_empty());
}

#[test]
fn drafts_are_skipped_and_a_draft_only_conversation_is_never_declared() {
    let sink = run(&[("messages.csv", DRAFTS)]).unwrap();
    assert_eq!(sink.skipped_for(Skip::Draft), 3);
    assert_eq!(sink.skips.len(), 1, "one count per file");
    let d = digest(&sink);
    assert_eq!(d.keys().cloned().collect::<Vec<_>>(), vec!["2-Q2xlb1NhbTMzYWJjZA==", "2-RGV2U2FtNDRhYmNkZQ=="]);
    let cleo = &d["2-Q2xlb1NhbTMzYWJjZA=="];
    assert_eq!(cleo.3[CLEO], act(1, "2023-11-05T10:00:00Z", "2023-11-05T10:00:00Z"));
    assert_eq!(cleo.3[SAM], act(1, "2023-11-04T09:00:00Z", "2023-11-04T09:00:00Z"));
    let dev = &d["2-RGV2U2FtNDRhYmNkZQ=="];
    assert_eq!(dev.3[DEV], act(1, "2023-10-29T14:00:00Z", "2023-10-29T14:00:00Z"));
    assert_eq!(dev.3[SAM], act(1, "2023-10-28T13:00:00Z", "2023-10-28T13:00:00Z"));
    assert!(sink.handles.iter().all(|(_, h, _)| !h.contains("eve-adams")), "{:?}", sink.handles);
    assert_eq!(sink.events.len(), 4);
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::InEveryChat)]);
}

#[test]
fn mojibake_names_are_repaired() {
    let sink = run(&[("messages.csv", MOJIBAKE)]).unwrap();
    assert_eq!(name_of(&sink, "https://www.linkedin.com/in/radoslaw-nowak"), "Radosław Nowak");
    assert_eq!(name_of(&sink, "https://www.linkedin.com/in/jose-garcia-es"), "José García");
    assert_eq!(name_of(&sink, SAM), "Sam Rivera");
    let d = digest(&sink);
    let jose = &d["2-Sm9zZVNhbTc3YWJjZA=="];
    assert_eq!(
        jose.3["https://www.linkedin.com/in/jose-garcia-es"],
        act(2, "2022-07-14T09:30:00Z", "2022-07-15T09:30:00Z")
    );
    assert_eq!(jose.3[SAM], act(1, "2022-07-13T18:00:00Z", "2022-07-13T18:00:00Z"));
    let rad = &d["2-UmFkU2FtNjZhYmNkZQ=="];
    assert_eq!(
        rad.3["https://www.linkedin.com/in/radoslaw-nowak"],
        act(1, "2022-08-01T12:00:00Z", "2022-08-01T12:00:00Z")
    );
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::InEveryChat)]);
}

/// A sink that also logs every `chat` declaration, to see re-declarations.
#[derive(Default)]
struct Declarations {
    inner: RecordingSink,
    log: Vec<(String, ChatShape, usize)>,
}

impl Sink for Declarations {
    fn chat(&mut self, info: ChatInfo) -> ChatId {
        self.log.push((info.id.clone(), info.shape.clone(), info.participants.len()));
        self.inner.chat(info)
    }
    fn handle(&mut self, kind: HandleKind, id: &str, name: &str) -> HandleId {
        self.inner.handle(kind, id, name)
    }
    fn event(&mut self, event: Event) {
        self.inner.event(event);
    }
    fn owner(&mut self, handle: HandleId, evidence: OwnerEvidence) {
        self.inner.owner(handle, evidence);
    }
    fn person(&mut self, handle: HandleId, details: PersonDetails) {
        self.inner.person(handle, details);
    }
    fn skipped(&mut self, what: Skip, count: u32) {
        self.inner.skipped(what, count);
    }
    fn warn(&mut self, message: String) {
        self.inner.warn(message);
    }
}

#[test]
fn a_group_is_declared_again_as_participants_appear() {
    let sink = run(&[("messages.csv", GROUP)]).unwrap();
    let d = digest(&sink);
    let crew = &d["2-TGF1bmNoQ3JldzFhYmM="];
    assert_eq!(crew.0.as_deref(), Some("Launch crew"));
    assert_eq!(crew.1, ChatShape::Group);
    assert_eq!(crew.2, vec![SAM, ANN, BO, CLEO]);
    assert_eq!(crew.3[SAM], act(1, "2024-05-17T12:00:00Z", "2024-05-17T12:00:00Z"));
    assert_eq!(crew.3[ANN], act(1, "2024-05-18T17:00:00Z", "2024-05-18T17:00:00Z"));
    assert_eq!(crew.3[BO], act(1, "2024-05-20T10:00:00Z", "2024-05-20T10:00:00Z"));
    assert_eq!(crew.3[CLEO], act(1, "2024-05-20T10:05:00Z", "2024-05-20T10:05:00Z"));
    let ann = &d["2-QW5uU2FtSWFiY2RlZg=="];
    assert_eq!((&ann.1, ann.3[ANN].0, ann.3[SAM].0), (&DIRECT, 1, 1));
    let dev = &d["2-RGV2U2FtSmFiY2RlZg=="];
    assert_eq!(dev.3[DEV], act(1, "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"));
    assert_eq!(dev.3[SAM], act(1, "2024-05-02T11:00:00Z", "2024-05-02T11:00:00Z"));
    // Ann is in two of three conversations, Sam in all three.
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::InEveryChat)]);
    for name in ["Sam Rivera", "Ann Lee", "Bo Chen", "Cleo Park", "Dev Shah"] {
        assert!(sink.handles.iter().any(|(_, _, n)| n == name), "{name}");
    }

    let mut log = Declarations::default();
    let mut f = format();
    f.begin_file("messages.csv", &mut log).unwrap();
    f.push(GROUP, &mut log).unwrap();
    f.end_file(&mut log).unwrap();
    let crew: Vec<(ChatShape, usize)> =
        log.log.iter().filter(|(id, ..)| id == "2-TGF1bmNoQ3JldzFhYmM=").map(|(_, s, n)| (s.clone(), *n)).collect();
    assert_eq!(crew, vec![(DIRECT, 2), (ChatShape::Group, 3), (ChatShape::Group, 4)]);
    assert_eq!(log.log.len(), 5, "declared again only when something changed");
}

#[test]
fn an_old_ten_column_export_reads_by_header_names() {
    let sink = run(&[("messages.csv", OLD)]).unwrap();
    let d = digest(&sink);
    let gil = &d["K-1001"];
    assert_eq!(gil.1, DIRECT);
    assert_eq!(gil.3["https://www.linkedin.com/in/gil-moss"], act(1, "2019-02-10T09:00:00Z", "2019-02-10T09:00:00Z"));
    assert_eq!(gil.3[SAM], act(1, "2019-02-09T21:30:00Z", "2019-02-09T21:30:00Z"));
    let hana = &d["L-1002"];
    assert_eq!(hana.3["https://www.linkedin.com/in/hana-ito"], act(1, "2019-01-05T14:00:00Z", "2019-01-05T14:00:00Z"));
    assert_eq!(hana.3[SAM], act(1, "2019-01-04T08:00:00Z", "2019-01-04T08:00:00Z"));
    assert_eq!(sink.skipped_for(Skip::Draft), 1, "FOLDER DRAFT is the only draft flag here");
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::InEveryChat)]);
}

#[test]
fn connections_after_their_notes_give_people_not_messages() {
    let sink = run(&[("Connections.csv", CONNECTIONS)]).unwrap();
    assert!(sink.chats.is_empty() && sink.events.is_empty() && sink.owners.is_empty());
    let people: Vec<(String, String, PersonDetails)> = sink
        .people
        .iter()
        .map(|(h, p)| (sink.handle_of(*h).1.clone(), sink.handle_of(*h).2.clone(), p.clone()))
        .collect();
    let details = |email: Option<&str>, at: i64| PersonDetails {
        phones: Vec::new(),
        emails: email.map(|e| vec![e.to_string()]).unwrap_or_default(),
        connected_at: Some(at),
    };
    assert_eq!(
        people,
        vec![
            (ANN.to_string(), "Ann Lee".to_string(), details(Some("ann.lee@example.com"), 1_710_201_600)),
            (BO.to_string(), "Bo Chen".to_string(), details(None, 1_698_883_200)),
            (MIA.to_string(), "Mia Novak".to_string(), details(None, 1_625_443_200)),
        ]
    );
    assert_eq!(iso(1_698_883_200), "2023-11-02T00:00:00Z");
    assert_eq!(iso(1_625_443_200), "2021-07-05T00:00:00Z");
    assert_eq!(sink.warnings.len(), 1, "Kai has no URL: {:?}", sink.warnings);
}

#[test]
fn a_profile_alone_holds_no_conversations() {
    assert_eq!(run(&[("Profile.csv", PROFILE)]), Err(ImportError::NoConversations { format: "LinkedIn export" }));
}

/// The entries of the fixture zip that [`wants_entry`] picks, inflated, in archive order.
fn zip_entries() -> Vec<(String, Vec<u8>)> {
    use crate::import::zip;
    let len = ZIP.len() as u64;
    let tail = &ZIP[(len - len.min(zip::MAX_TAIL)) as usize..];
    let zip::Directory::At { offset, size } = zip::locate_directory(tail, len).unwrap() else { panic!("zip64") };
    let entries = zip::parse_directory(&ZIP[offset as usize..(offset + size) as usize]).unwrap();
    let mut out = Vec::new();
    for entry in entries.iter().filter(|e| wants_entry(&e.name)) {
        let at = entry.header_offset as usize;
        let start = zip::data_offset(entry, &ZIP[at..at + 30]).unwrap() as usize;
        let mut bytes = Vec::new();
        let mut decoder = zip::EntryDecoder::new(entry);
        decoder
            .push(&ZIP[start..start + entry.compressed_size as usize], &mut |b| {
                bytes.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        decoder.finish().unwrap();
        out.push((entry.name.clone(), bytes));
    }
    out
}

#[test]
fn the_export_zip_reads_messages_connections_and_profile_in_any_order() {
    let entries = zip_entries();
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["Connections.csv", "messages.csv", "Profile.csv"]);
    let files: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let sink = run(&files).unwrap();
    // Sam and Ann are both in both conversations: only the profile can say who the user is.
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::Profile)]);
    let d = digest(&sink);
    let club = &d["2-Qm9va0NsdWJaMmFi"];
    assert_eq!((club.0.as_deref(), &club.1), (Some("Book club"), &ChatShape::Group));
    assert_eq!(club.3[MIA], act(1, "2024-06-03T19:00:00Z", "2024-06-03T19:00:00Z"));
    let ann = &d["2-QW5uU2FtWjFhYmNk"];
    assert_eq!(ann.1, DIRECT);
    assert_eq!(ann.3[ANN], act(1, "2024-06-02T10:00:00Z", "2024-06-02T10:00:00Z"));
    assert_eq!(ann.3[SAM], act(1, "2024-06-01T09:00:00Z", "2024-06-01T09:00:00Z"));
    // Mia's URL in messages.csv ends in `/`; it is the same handle as her connection.
    assert_eq!(sink.handles.iter().filter(|(_, h, _)| h.contains("mia-novak")).count(), 1);
    assert_eq!(sink.people.len(), 3);

    // Profile first, connections last: the same findings.
    let mut reversed = files.clone();
    reversed.reverse();
    let other = run(&reversed).unwrap();
    assert_eq!(owner_of(&other), owner_of(&sink));
    assert_eq!(digest(&other), d);
}

#[test]
fn a_profile_naming_nobody_falls_back_to_the_one_in_every_chat() {
    let profile = b"First Name,Last Name,Headline\nNora,Nobody,Chef\n";
    let sink = run(&[("Profile.csv", profile), ("messages.csv", BOM_CRLF)]).unwrap();
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::InEveryChat)]);
    assert_eq!(sink.warnings.len(), 1);
    let sink = run(&[("messages.csv", BOM_CRLF), ("Profile.csv", PROFILE)]).unwrap();
    assert_eq!(owner_of(&sink), vec![(SAM.to_string(), OwnerEvidence::Profile)]);
}

#[test]
fn canaries_never_leave_the_parser() {
    let good: [(&str, &[u8]); 7] = [
        ("messages.csv", BOM_CRLF),
        ("messages.csv", DRAFTS),
        ("messages.csv", MOJIBAKE),
        ("messages.csv", GROUP),
        ("messages.csv", OLD),
        ("Connections.csv", CONNECTIONS),
        ("linkedin-export.zip", ZIP),
    ];
    for (name, bytes) in good {
        let sink = if name.ends_with(".zip") {
            let entries = zip_entries();
            let files: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
            // Positive control: the canaries are there to be leaked.
            assert!(files.iter().any(|(_, b)| b.windows(7).any(|w| w == b"CANARY-")));
            run(&files).unwrap()
        } else {
            if name == "messages.csv" {
                assert!(bytes.windows(7).any(|w| w == b"CANARY-"), "positive control");
            }
            run(&[(name, bytes)]).unwrap()
        };
        let dump = format!("{sink:?}");
        assert!(!dump.contains("CANARY-"), "{name}: {dump}");
        for w in &sink.warnings {
            assert!(!w.contains("CANARY-"));
        }
    }
    for bad in [FOREIGN, UNCLOSED, PROFILE] {
        assert!(bad.windows(7).any(|w| w == b"CANARY-"), "positive control");
        let err = run(&[("x.csv", bad)]).unwrap_err();
        assert!(!err.to_string().contains("CANARY-") && !format!("{err:?}").contains("CANARY-"));
    }
}

#[test]
fn bad_input_gives_named_errors() {
    let foreign = run(&[("contacts.csv", FOREIGN)]).unwrap_err();
    assert_eq!(
        foreign,
        ImportError::UnknownFormat { detail: "it is a CSV file without LinkedIn's message columns".into() }
    );
    let unclosed = run(&[("messages.csv", UNCLOSED)]).unwrap_err();
    assert_eq!(
        unclosed,
        ImportError::Malformed {
            format: "LinkedIn export",
            detail: "a quoted field on row 3 is never closed; the file looks cut short".into()
        }
    );
    assert_eq!(run(&[("messages.csv", b"")]), Err(ImportError::Empty));
    // Only a header: a LinkedIn file, but no messages.
    let header_only = &BOM_CRLF[..BOM_CRLF.iter().position(|&b| b == b'\n').unwrap() + 1];
    assert_eq!(run(&[("messages.csv", header_only)]), Err(ImportError::NoConversations { format: "LinkedIn export" }));
    // Many rows of something else: refused after a few rows, not read to the end.
    let mut many = b"a,b,c\n".repeat(10);
    many.extend_from_slice(b"\"never closed");
    assert_eq!(run(&[("x.csv", &many)]).unwrap_err().name(), "UnknownFormat");
}

#[test]
fn rows_without_a_date_or_sender_are_skipped_with_a_warning() {
    let csv = "CONVERSATION ID,FROM,SENDER PROFILE URL,DATE,CONTENT\n\
               c1,Ann,https://x.example/in/ann,2024-01-01 10:00:00 UTC,CANARY-w1\n\
               c1,Ann,https://x.example/in/ann,not a date,CANARY-w2\n\
               c1,,,2024-01-01 11:00:00 UTC,CANARY-w3\n\
               c1,LinkedIn Member,,2024-01-01 12:00:00 UTC,CANARY-w4\n";
    let sink = run(&[("messages.csv", csv.as_bytes())]).unwrap();
    assert_eq!(sink.skipped_for(Skip::Unreadable), 2);
    assert_eq!(sink.events.len(), 2);
    assert_eq!(sink.warnings.len(), 1);
    // Without a URL, the name is the id; with one sender the shape is not known.
    assert_eq!(sink.handles[1], (HandleKind::LinkedIn, "LinkedIn Member".to_string(), "LinkedIn Member".to_string()));
    assert_eq!(sink.chats[0].shape, DIRECT);
}

#[test]
fn huge_content_streams_through() {
    let mut csv = b"CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n".to_vec();
    for i in 0..3 {
        csv.extend_from_slice(format!("c1,Ann,{ANN},Sam,{SAM},2024-01-0{} 10:00:00 UTC,\"CANARY-", i + 1).as_bytes());
        csv.extend(std::iter::repeat_n(b'x', 300_000));
        csv.extend_from_slice(b"\n\"\"\"\n");
    }
    for chunk in [7, 4096, csv.len()] {
        let sink = run_format(&mut format(), &[("messages.csv", &csv)], chunk).unwrap();
        assert_eq!(sink.events.len(), 3);
        assert!(!format!("{sink:?}").contains("CANARY-"));
    }
}

#[test]
fn detection_by_content() {
    assert!(looks_like("messages.csv", BOM_CRLF));
    assert!(looks_like("renamed.txt", DRAFTS));
    assert!(looks_like("x", OLD));
    assert!(looks_like("Connections.csv", CONNECTIONS));
    assert!(looks_like("p.csv", PROFILE));
    assert!(!looks_like("contacts.csv", FOREIGN));
    assert!(!looks_like("messages.csv", b"06/03/2017, 00:45 - Ann: CANARY-x\n06/03/2017, 00:46 - Sam: y\n"));
    assert!(!looks_like(
        "result.json",
        b"{\n \"personal_information\": {\"user_id\": 1},\n \"chats\": {\"list\": []}\n}\n"
    ));
    assert!(!looks_like("x.mbox", b"From 1@xxx Mon Oct 16 01:29:30 +0000 2023\nX-GM-THRID: 1\nFrom: a@b.c\n\nbody\n"));
    assert!(!looks_like("x.csv", b""));
    assert!(!looks_like("x.csv", b"First Name,Last Name,Email\nA,B,c@d.e\n"));
    // A head cut inside the header row proves nothing.
    assert!(!looks_like("messages.csv", &BOM_CRLF[..40]));
    // Notes and blank lines, then the header: still found when the head ends right after it.
    let header_end = CONNECTIONS.windows(13).position(|w| w == b"Connected On\n").unwrap() + 13;
    assert!(looks_like("c.csv", &CONNECTIONS[..header_end]));
}

#[test]
fn archive_entries_wanted() {
    for yes in ["messages.csv", "Connections.csv", "Profile.csv", "export/MESSAGES.CSV", "a/b/connections.csv"] {
        assert!(wants_entry(yes), "{yes}");
    }
    for no in ["Skills.csv", "guide_messages.csv", "messages.csv.bak", "messages/inbox/x.json", "Profile Summary.csv"] {
        assert!(!wants_entry(no), "{no}");
    }
}

/// The bytes of a fixture named in `cases.json`.
fn fixture(file: &str) -> &'static [u8] {
    match file {
        "messages-bom-crlf-multiline.csv" => BOM_CRLF,
        "messages-drafts.csv" => DRAFTS,
        "messages-mojibake-names.csv" => MOJIBAKE,
        "messages-group-non-contiguous.csv" => GROUP,
        "messages-old-10-columns.csv" => OLD,
        "connections-notes-preamble.csv" => CONNECTIONS,
        "profile.csv" => PROFILE,
        "bad-foreign-header-google-contacts.csv" => FOREIGN,
        "bad-unclosed-quote.csv" => UNCLOSED,
        "linkedin-export.zip" => ZIP,
        other => panic!("unknown fixture {other}"),
    }
}

/// A small stand-in for the engine's stats (ARCHITECTURE §6), to check the hand-computed
/// expectations in `cases.json` against what the parser reports.
fn contacts_of(sink: &RecordingSink) -> Vec<serde_json::Value> {
    #[derive(Default)]
    struct Stats {
        sent: u32,
        received: u32,
        group: u32,
        last_sent: Option<i64>,
        last_received: Option<i64>,
        first: Option<i64>,
        last: Option<i64>,
        last_group: Option<i64>,
        emails: Vec<String>,
        active: bool,
    }
    let owner = sink.owners.last().map(|&(h, _)| h);
    let mut stats: BTreeMap<HandleId, Stats> = BTreeMap::new();
    for (h, details) in &sink.people {
        let s = stats.entry(*h).or_default();
        s.emails.extend(details.emails.iter().cloned());
        s.active = true;
    }
    for e in &sink.events {
        let chat = &sink.chats[e.chat as usize];
        let author = e.author.unwrap();
        let (who, sent) = match chat.shape {
            ChatShape::Direct { .. } if Some(author) == owner => {
                (chat.participants.iter().copied().find(|&p| Some(p) != owner).unwrap(), true)
            }
            ChatShape::Direct { .. } => (author, false),
            _ if Some(author) == owner => continue,
            _ => {
                let s = stats.entry(author).or_default();
                s.group += 1;
                s.last_group = s.last_group.max(Some(e.at));
                s.active = true;
                continue;
            }
        };
        let s = stats.entry(who).or_default();
        s.active = true;
        if sent {
            s.sent += 1;
            s.last_sent = s.last_sent.max(Some(e.at));
        } else {
            s.received += 1;
            s.last_received = s.last_received.max(Some(e.at));
        }
        s.last = s.last.max(Some(e.at));
        s.first = Some(s.first.map_or(e.at, |f| f.min(e.at)));
    }
    let mut rows: Vec<(HandleId, Stats)> = stats.into_iter().filter(|(h, s)| Some(*h) != owner && s.active).collect();
    rows.sort_by(|(a, x), (b, y)| {
        y.last.cmp(&x.last).then(y.last_group.cmp(&x.last_group)).then(sink.handle_of(*a).2.cmp(&sink.handle_of(*b).2))
    });
    let t = |v: Option<i64>| v.map(iso);
    rows.iter()
        .map(|(h, s)| {
            serde_json::json!({
                "name": sink.handle_of(*h).2, "sources": ["linkedin"], "emails": s.emails,
                "sentCount": s.sent, "receivedCount": s.received, "callCount": 0, "groupMessageCount": s.group,
                "lastSentAt": t(s.last_sent), "lastReceivedAt": t(s.last_received),
                "lastInteractionAt": t(s.last), "firstInteractionAt": t(s.first), "lastGroupMessageAt": t(s.last_group),
            })
        })
        .collect()
}

/// Whether `got` has every field `want` lists, equal.
fn matches(want: &serde_json::Value, got: &serde_json::Value) -> bool {
    match want {
        serde_json::Value::Object(fields) => {
            fields.iter().all(|(k, v)| matches(v, got.get(k).unwrap_or(&serde_json::Value::Null)))
        }
        _ => want == got,
    }
}

#[test]
fn cases_json_agrees_with_the_parser() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/linkedin/cases.json")).unwrap();
    for case in doc["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let name = case["fileName"].as_str().unwrap();
        if case["report"]["format"].as_str().is_some_and(|f| f != "linkedin") {
            // Another source's file the engine reads by its own format (a Google Contacts CSV);
            // this parser's refusal of it is `bad_input_gives_named_errors`.
            continue;
        }
        let entries = zip_entries();
        let files: Vec<(&str, &[u8])> = if file.ends_with(".zip") {
            entries.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect()
        } else {
            vec![(name, fixture(file))]
        };
        let result = run(&files);
        if let Some(error) = case.get("error") {
            assert_eq!(result.unwrap_err().name(), error.as_str().unwrap(), "{file}");
            continue;
        }
        let sink = result.unwrap();
        let mut skipped = serde_json::Map::new();
        for (what, n) in &sink.skips {
            let entry = skipped.entry(what.code()).or_insert(serde_json::json!(0));
            *entry = serde_json::json!(entry.as_u64().unwrap() + u64::from(*n));
        }
        let report = serde_json::json!({
            "format": "linkedin",
            "chats": sink.chats.len(),
            "messages": sink.events.iter().filter(|e| e.kind == Kind::Message).count(),
            "calls": 0,
            "systemMessages": 0,
            "skipped": if skipped.is_empty() { serde_json::Value::Null } else { skipped.into() },
            "ownerSource": sink.owners.last().map(|(_, ev)| ev.code()),
        });
        assert!(matches(&case["report"], &report), "{file}: report {report}");
        let contacts = contacts_of(&sink);
        let want = case["contacts"].as_array().unwrap();
        assert_eq!(want.len(), contacts.len(), "{file}: {contacts:?}");
        for (w, g) in want.iter().zip(&contacts) {
            assert!(matches(w, g), "{file}: want {w}, got {g}");
        }
    }
}
