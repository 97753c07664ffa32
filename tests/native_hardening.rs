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
