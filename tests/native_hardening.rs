//! What the audit found, each pinned by a test: `cargo test --test native_hardening`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{Engine, FixedZone};

/// A group export in which `authors` distinct people each write once, all in the same two
/// minutes, so every author lands in the covered span's boundary counts.
fn crowded_group(authors: usize) -> String {
    let mut text = String::with_capacity(authors * 40);
    for i in 0..authors {
        let minute = if i < authors / 2 { "10:00" } else { "10:01" };
        text.push_str(&format!("13/02/2020, {minute} - Person {i}: CANARY-{i}\n"));
    }
    text
}

/// 100,000 distinct authors import, re-import and merge in linear time: author lookups in the
/// engine, the collector and the boundary-minute counts are hashed, not scanned. (Quadratic,
/// this test ran for hours; the `authors` criterion bench measures the scaling.)
#[test]
fn a_hundred_thousand_distinct_authors_import_and_reimport() {
    let text = crowded_group(100_000);
    let mut engine = Engine::new(&["Sam".to_string()]);
    let import = |engine: &mut Engine| {
        engine
            .import_bytes(
                "WhatsApp Chat with The Crowd.txt",
                text.as_bytes(),
                Box::new(FixedZone(0)),
                common::options(),
            )
            .expect("imports")
    };
    let first = import(&mut engine);
    assert_eq!((first.messages, first.contacts), (100_000, 100_000));
    let again = import(&mut engine);
    assert_eq!(again.duplicates, 100_000, "every boundary-minute message is known again");
    let contacts = engine.contacts(0);
    assert_eq!(contacts.len(), 100_000);
    assert!(contacts.iter().all(|c| c.group_message_count == 1));
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.contacts(0).len(), 100_000);
}

/// One person of 50,000 handles: a contacts file whose cards all list one number, each with its
/// own address, and 500 other numbers shared by a hundred cards each. Every repeat is removed
/// by sorting, not by a scan per handle: with the scans this test took 25 s in a debug build
/// (3 s now), and a generated 50 MB Google CSV of 108,736 people took 79 s natively (2.2 s now).
#[test]
fn a_person_of_fifty_thousand_handles_is_grouped_without_quadratic_scans() {
    let mut cards = String::with_capacity(50_000 * 120);
    for i in 0..50_000 {
        let extra = format!("+44 7700 91{:04}", i % 500);
        cards.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nTEL:+44 7700 900123\r\nTEL:{extra}\r\nEMAIL:p{i}@example.com\r\nEND:VCARD\r\n"
        ));
    }
    let mut engine = Engine::new(&[]);
    engine.import_bytes("contacts.vcf", cards.as_bytes(), Box::new(FixedZone(0)), common::options()).expect("imports");
    let contacts = engine.contacts(0);
    assert_eq!(contacts.len(), 1, "one number joins them all");
    let person = &contacts[0];
    assert_eq!(person.handles.len(), 50_000);
    assert_eq!(person.emails.len(), 50_000, "every address once");
    assert_eq!(person.phones.len(), 501, "every number once, in first-seen order");
    assert_eq!(person.phones[0], "+447700900123");
    assert_eq!(person.merged_because.len(), 501, "each shared number is one reason");
}
