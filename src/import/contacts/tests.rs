//! Tests of the contacts importer on the fixtures in `tests/fixtures/contacts/` (see
//! `cases.json` there for what each exercises) and on made-up edge cases. Run:
//! `cargo test --lib import::contacts`.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::*;
use crate::import::event::{run_format, RecordingSink};
use crate::time::FixedZone;

const ANDROID: &[u8] = include_bytes!("../../../tests/fixtures/contacts/android-2.1-quoted-printable.vcf");
const GMAIL: &[u8] = include_bytes!("../../../tests/fixtures/contacts/gmail-3.0.vcf");
const IPHONE: &[u8] = include_bytes!("../../../tests/fixtures/contacts/iphone-3.0-photo.vcf");
const V4: &[u8] = include_bytes!("../../../tests/fixtures/contacts/v4.0-tel-uri-truncated.vcf");
const CURRENT: &[u8] = include_bytes!("../../../tests/fixtures/contacts/google-current.csv");
const LEGACY: &[u8] = include_bytes!("../../../tests/fixtures/contacts/google-legacy-multivalue.csv");
const CUT: &[u8] = include_bytes!("../../../tests/fixtures/contacts/bad-cut-in-first-card.vcf");
const OTHER_CSV: &[u8] = include_bytes!("../../../tests/fixtures/contacts/bad-other-csv.csv");
const TAKEOUT: &[u8] = include_bytes!("../../../tests/fixtures/contacts/takeout-contacts.zip");

fn format() -> ContactsFormat {
    ContactsFormat::new(FormatContext {
        file_name: "contacts.vcf".into(),
        zone: Box::new(FixedZone(0)),
        today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        owner: Vec::new(),
    })
}

/// Runs one import at many chunk sizes, checks that all agree, and returns it.
fn run(files: &[(&str, &[u8])]) -> Result<RecordingSink, ImportError> {
    let longest = files.iter().map(|(_, b)| b.len()).max().unwrap_or(1);
    let whole = run_format(&mut format(), files, longest);
    for chunk in [1, 2, 3, 5, 7, 11, 64, 4096] {
        assert_eq!(run_format(&mut format(), files, chunk), whole, "chunk size {chunk}");
    }
    whole
}

fn one(bytes: &[u8]) -> RecordingSink {
    run(&[("contacts.vcf", bytes)]).unwrap()
}

/// Each person reported: `(handle id, display name, phones, emails)`.
fn people(sink: &RecordingSink) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    sink.people
        .iter()
        .map(|(h, d)| {
            let (kind, id, name) = sink.handle_of(*h);
            assert_eq!(*kind, HandleKind::Contacts);
            assert_eq!(d.connected_at, None);
            (id.clone(), name.clone(), d.phones.clone(), d.emails.clone())
        })
        .collect()
}

fn p(id: &str, name: &str, phones: &[&str], emails: &[&str]) -> (String, String, Vec<String>, Vec<String>) {
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect();
    (id.into(), name.into(), v(phones), v(emails))
}

/// Nothing but people: no chats, no events, no owner.
fn only_people(sink: &RecordingSink) {
    assert!(sink.chats.is_empty());
    assert!(sink.events.is_empty());
    assert!(sink.owners.is_empty());
}

#[test]
fn android_2_1_quoted_printable_charsets_soft_breaks_and_photos() {
    let sink = one(ANDROID);
    only_people(&sink);
    assert_eq!(
        people(&sink),
        vec![
            p(
                "Ann Lee <ann.lee@example.com>",
                "Ann Lee",
                &["+44 7700 900123", "07700 900456"],
                &["ann.lee@example.com"]
            ),
            // FN's soft break falls between two bytes of one character; the NOTE's soft break
            // makes its next line (`TEL;CELL:…`) part of the note, not a phone.
            p("Zofia Żółkiewska <+48601555012>", "Zofia Żółkiewska", &["+48 601 555 012"], &[]),
            // CHARSET=ISO-8859-1 with the bare 2.1 QUOTED-PRINTABLE parameter; an `item1.` group;
            // a base64 PHOTO whose body lines are not indented, ended by a blank line.
            p(
                "José Martínez <jose.martinez@example.com>",
                "José Martínez",
                &["+34 600 555 017"],
                &["jose.martinez@example.com"]
            ),
            p("山田 太郎 <+819055550123>", "山田 太郎", &["+81 90 5555 0123"], &[]),
            p(
                "Radosław Nowak <r.nowak@example.com>",
                "Radosław Nowak",
                &[],
                &["r.nowak@example.com", "radek@example.com"]
            ),
            p("+447700900321", "+447700900321", &["+44 7700 900321"], &[]),
        ]
    );
    assert_eq!(sink.skipped_for(Skip::EmptyCards), 1);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
}

#[test]
fn gmail_3_0_escapes_groups_folding_and_n_without_fn() {
    let sink = one(GMAIL);
    only_people(&sink);
    assert_eq!(
        people(&sink),
        vec![
            p(
                "Bo Chen <bo.chen@example.com>",
                "Bo Chen",
                &["+1 415 555 0142"],
                &["bo.chen@example.com", "bo@work.example.com", "bo.alt@example.com"]
            ),
            p("Novak, Mia <+447700900888>", "Novak, Mia", &["+44 7700 900888"], &[]),
            p("Cara Diaz <cara.diaz@example.com>", "Cara Diaz", &[], &["cara.diaz@example.com"]),
            p("info@example.com", "info@example.com", &[], &["info@example.com"]),
        ]
    );
}

#[test]
fn iphone_3_0_folded_photo_and_ab_labels() {
    let sink = one(IPHONE);
    only_people(&sink);
    assert_eq!(
        people(&sink),
        vec![
            p(
                "Lena Ortiz <lena@example.com>",
                "Lena Ortiz",
                &["+44 7700 900555", "(415) 555-0177"],
                &["lena@example.com"]
            ),
            p("Gus Ward <+14155550160>", "Gus Ward", &["+1 415 555 0160", "+1 415 555 0161"], &[]),
        ]
    );
}

#[test]
fn vcard_4_tel_uris_data_photo_quoted_params_and_a_last_card_cut_short() {
    let sink = one(V4);
    only_people(&sink);
    assert_eq!(
        people(&sink),
        vec![
            p(
                "Dev Patel <dev@example.com>",
                "Dev Patel",
                &["+44-7700-900777", "+1-415-555-0188"],
                &["dev@example.com"]
            ),
            p("Søren Ågård <soren@example.com>", "Søren Ågård", &["+45 55 55 01 23"], &["soren@example.com"]),
        ]
    );
    assert_eq!(sink.skipped_for(Skip::Unreadable), 1);
    assert_eq!(
        sink.warnings,
        vec!["1 contact card(s) began but never ended (the file looks cut short) and were skipped.".to_string()]
    );
}

#[test]
fn google_csv_current_header() {
    let sink = run(&[("contacts.csv", CURRENT)]).unwrap();
    only_people(&sink);
    assert_eq!(
        people(&sink),
        vec![
            p(
                "Ann Marie Lee <ann.lee@example.com>",
                "Ann Marie Lee",
                &["+44 7700 900123", "+44 7700 900124"],
                &["ann.lee@example.com"]
            ),
            p("Acme Plumbing <+14155550150>", "Acme Plumbing", &["+1 415 555 0150"], &[]),
            p("someone@example.com", "someone@example.com", &[], &["someone@example.com"]),
            p(
                "Finn Hale <finn@example.com>",
                "Finn Hale",
                &["020 7946 0958"],
                &["finn@example.com", "finn.hale@example.com"]
            ),
        ]
    );
    assert_eq!(sink.skipped_for(Skip::EmptyCards), 1);
}

#[test]
fn google_csv_legacy_header_with_multi_values() {
    let sink = run(&[("contacts.csv", LEGACY)]).unwrap();
    only_people(&sink);
    assert_eq!(
        people(&sink),
        vec![
            p(
                "Gus Ward <gus@example.com>",
                "Gus Ward",
                &["+1 415 555 0160", "+1 415 555 0161"],
                &["gus@example.com", "gus.ward@work.example.com"]
            ),
            p("Hana Ito <hana@example.com>", "Hana Ito", &["+81 90 5555 0188"], &["hana@example.com"]),
            p("Ivo Král <01614960123>", "Ivo Král", &["0161 496 0123", "+420 601 555 012"], &[]),
        ]
    );
}

#[test]
fn canaries_never_leave_the_parser() {
    for (name, bytes) in
        [("a.vcf", ANDROID), ("g.vcf", GMAIL), ("i.vcf", IPHONE), ("v.vcf", V4), ("c.csv", CURRENT), ("l.csv", LEGACY)]
    {
        assert!(String::from_utf8_lossy(bytes).contains("CANARY-"), "{name} plants a canary");
        let sink = run(&[(name, bytes)]).unwrap();
        let out = format!("{sink:?}");
        assert!(!out.contains("CANARY"), "{name}: {out}");
        // A positive control: the same dump does carry what the parser may report.
        assert!(!sink.people.is_empty() && (out.contains('@') || out.contains('+')), "{name}");
    }
}

#[test]
fn re_reading_the_same_file_gives_the_same_ids() {
    let a = one(GMAIL);
    let b = one(GMAIL);
    assert_eq!(a.handles, b.handles);
    // Two files of one import (Takeout's labels) naming the same card give one handle.
    let both = run(&[("a.vcf", GMAIL), ("b.vcf", GMAIL)]).unwrap();
    assert_eq!(both.handles.len(), a.handles.len());
    assert_eq!(both.people.len(), 2 * a.people.len());
}

#[test]
fn broken_and_foreign_files_give_named_errors() {
    let err = run(&[("contacts.vcf", CUT)]).unwrap_err();
    assert_eq!(err.name(), "Malformed", "{err}");
    assert!(err.to_string().contains("cut short"), "{err}");
    let err = run(&[("contacts.csv", OTHER_CSV)]).unwrap_err();
    assert_eq!(err.name(), "UnknownFormat", "{err}");
    assert!(!err.to_string().contains("Kai"), "{err}");
    assert_eq!(run(&[("contacts.vcf", b"")]).unwrap_err().name(), "Empty");
    assert_eq!(run(&[("contacts.vcf", b"\xEF\xBB\xBF \r\n\n")]).unwrap_err().name(), "Empty");
    // A Google header and no rows: a valid, empty list.
    let header = b"First Name,Middle Name,Last Name,File As,E-mail 1 - Label,E-mail 1 - Value\r\n";
    assert_eq!(run(&[("contacts.csv", header)]).unwrap_err().name(), "Empty");
    // An unclosed quote after the header is damage.
    let unclosed = b"First Name,Middle Name,Last Name,File As,E-mail 1 - Label,E-mail 1 - Value\nAnn,,Lee,,,\"a@b\n";
    assert_eq!(run(&[("contacts.csv", unclosed)]).unwrap_err().name(), "Malformed");
}

#[test]
fn cut_at_every_byte_never_panics_and_keeps_complete_cards() {
    for bytes in [GMAIL, &ANDROID[..1200], CURRENT] {
        for end in 0..bytes.len() {
            let cut = &bytes[..end];
            if let Ok(sink) = run_format(&mut format(), &[("x", cut)], 7) {
                let full = run_format(&mut format(), &[("x", cut)], cut.len().max(1)).unwrap();
                assert_eq!(sink, full, "cut at {end}");
            }
        }
    }
}

#[test]
fn a_huge_photo_streams_through_without_growing_the_buffers() {
    let mut file = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nPHOTO;ENCODING=b;TYPE=JPEG:".to_vec();
    for i in 0..70_000 {
        file.extend_from_slice(if i == 0 { b"" } else { b"\r\n " });
        file.extend_from_slice(&[b'A'; 75]);
    }
    file.extend_from_slice(b"\r\nTEL:+44 7700 900123\r\nEND:VCARD\r\n");
    // 2.1: one 5 MB line, then a 4.0 data: URI on one line too.
    file.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Bo Chen\r\nPHOTO;ENCODING=BASE64;JPEG:");
    file.extend(std::iter::repeat_n(b'B', 5 << 20));
    file.extend_from_slice(b"\r\n\r\nEMAIL:bo@example.com\r\nEND:VCARD\r\n");
    assert!(file.len() > 10 << 20);
    for chunk in [4096, 1 << 20] {
        let mut reader = vcard::VcardReader::new();
        let mut sink = RecordingSink::default();
        let mut most = 0;
        for piece in file.chunks(chunk) {
            reader.push(piece, &mut sink);
            most = most.max(reader.buffered());
        }
        let tally = reader.finish(&mut sink);
        assert!(most < 1024, "buffers grew to {most} bytes");
        assert_eq!(tally.people, 2);
        assert_eq!(
            people(&sink),
            vec![
                p("Ann Lee <+447700900123>", "Ann Lee", &["+44 7700 900123"], &[]),
                p("Bo Chen <bo@example.com>", "Bo Chen", &[], &["bo@example.com"]),
            ]
        );
    }
}

#[test]
fn an_absurdly_long_name_or_number_is_skipped_with_a_warning() {
    let mut file = b"BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nTEL:".to_vec();
    file.extend(std::iter::repeat_n(b'1', vcard::VALUE_CAP + 10));
    file.extend_from_slice(b"\nTEL:+44 7700 900123\nEND:VCARD\n");
    let sink = run(&[("x.vcf", &file)]).unwrap();
    assert_eq!(people(&sink), vec![p("Ann Lee <+447700900123>", "Ann Lee", &["+44 7700 900123"], &[])]);
    assert_eq!(
        sink.warnings,
        vec!["1 name(s), phone number(s) or email address(es) too long to be real were skipped.".to_string()]
    );
}

#[test]
fn agent_cards_lone_cr_lowercase_and_a_card_begun_inside_another() {
    let file = b"begin:vcard\rversion:2.1\rfn:Ann Lee\rAGENT:\rBEGIN:VCARD\rFN:Her Assistant\r\
TEL:+1 415 555 0100\rEND:VCARD\rtel;cell:+44 7700 900123\rend:vcard\r\
BEGIN:VCARD\nFN:Cut Short\nBEGIN:VCARD\nFN:Bo Chen\nEND:VCARD\n";
    let sink = one(file);
    assert_eq!(
        people(&sink),
        vec![p("Ann Lee <+447700900123>", "Ann Lee", &["+44 7700 900123"], &[]), p("Bo Chen", "Bo Chen", &[], &[]),]
    );
    assert_eq!(sink.skipped_for(Skip::Unreadable), 1);
}

#[test]
fn identity_prefers_email_then_phone_digits() {
    let card = |name: &str, phones: &[&str], emails: &[&str]| Card {
        name: name.into(),
        phones: phones.iter().map(|s| s.to_string()).collect(),
        emails: emails.iter().map(|s| s.to_string()).collect(),
    };
    let id = |c: Card| identity(&c).map(|(id, _)| id);
    assert_eq!(id(card(" Ann\u{00A0} Lee ", &["+1 (415) 555-0100"], &[])).as_deref(), Some("Ann Lee <+14155550100>"));
    assert_eq!(id(card("Ann Lee", &["+1 415"], &["ann@example.com"])).as_deref(), Some("Ann Lee <ann@example.com>"));
    assert_eq!(id(card("", &["ext. only"], &[])), None);
    assert_eq!(id(card("", &[], &[])), None);
    assert_eq!(id(card("Ann", &[], &[])).as_deref(), Some("Ann"));
}

#[test]
fn detection_by_content() {
    assert_eq!(looks_like(b"\xEF\xBB\xBF\r\n begin:vcard\r\nVERSION:3.0"), Some(false));
    assert_eq!(looks_like(ANDROID), Some(false));
    assert_eq!(looks_like(CURRENT), Some(true));
    assert_eq!(looks_like(LEGACY), Some(true));
    assert_eq!(looks_like(OTHER_CSV), None);
    assert_eq!(looks_like(b"BEGIN:VCALENDAR\r\n"), None);
    // LinkedIn's Profile.csv has First and Last Name but none of Google's value columns.
    assert_eq!(looks_like(b"First Name,Last Name,Maiden Name,Address,Headline\nSam,Rivera,,,\n"), None);
    // A head cut inside the header row makes no claim.
    assert_eq!(looks_like(&CURRENT[..40]), None);
}

#[test]
fn archive_entries_wanted() {
    assert!(wants_entry("Takeout/Contacts/My Contacts/My Contacts.vcf"));
    assert!(wants_entry("Takeout/Contacts/Friends/Friends.csv"));
    assert!(wants_entry("ann.VCF"));
    assert!(!wants_entry("budget.csv"));
    assert!(!wants_entry("Takeout/Contacts/"));
    assert!(!wants_entry("Takeout/Contacts/archive_browser.html"));
}

#[test]
fn the_takeout_zip_reads_every_label_file() {
    use crate::import::container::read_bytes;
    use crate::import::{CoverageLookup, ImportOptions};
    struct Nothing;
    impl CoverageLookup for Nothing {
        fn coverage(&self, _: &str) -> crate::coverage::Covered {
            crate::coverage::Covered::default()
        }
    }
    let delta = read_bytes(
        "takeout-20261101T101010Z-001.zip",
        TAKEOUT,
        Box::new(Nothing),
        ImportOptions::default(),
        Box::new(|| Box::new(FixedZone(0))),
    )
    .unwrap();
    assert_eq!(delta.format, "vcard");
    assert!(delta.chats.is_empty());
    let mut keys: Vec<&str> = delta.people.iter().map(|p| p.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys,
        vec![
            "contacts:bo chen <bo.chen@example.com>",
            "contacts:cara diaz <cara.diaz@example.com>",
            "contacts:info@example.com",
            "contacts:novak, mia <+447700900888>",
        ]
    );
}
