//! One person across sources at scale: `contacts()` groups 30,000 handles (a WhatsApp phone
//! author, a mail address and a vCard per person) into 10,000 contacts. `cargo bench --bench identity`.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]
use criterion::{criterion_group, criterion_main, Criterion};
use kith::{Engine, FixedZone, ImportOptions};

/// The same three files as `www/bench-identity.js`.
fn files(people: usize) -> Vec<(&'static str, Vec<u8>)> {
    let (mut chat, mut mail, mut cards) = (String::new(), String::new(), String::new());
    for i in 0..people {
        let (minute, hour, day) = (i % 60, 8 + (i / 60) % 12, 1 + (i / 720) % 28);
        let phone = format!("+44 7700 9{i:05}");
        chat.push_str(&format!("{day:02}/03/2024, {hour:02}:{minute:02} - {phone}: hello from {i}\n"));
        chat.push_str(&format!("{day:02}/03/2024, {hour:02}:{minute:02} - Sam Lee: hi\n"));
        mail.push_str(&format!(
            "From {i}@xxx Fri Mar 08 08:00:00 +0000 2024\nFrom: Person {i} <person{i}@example.com>\nTo: Sam Lee <sam@example.com>\nDate: Fri, 08 Mar 2024 08:{minute:02}:00 +0000\nMessage-ID: <m{i}@example.com>\nSubject: hi\n\nbody\n\n"
        ));
        cards.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nTEL;TYPE=CELL:{phone}\r\nEMAIL:person{i}@example.com\r\nEND:VCARD\r\n"
        ));
    }
    vec![
        ("WhatsApp Chat with Friends.txt", chat.into_bytes()),
        ("mail.mbox", mail.into_bytes()),
        ("contacts.vcf", cards.into_bytes()),
    ]
}

fn identity(c: &mut Criterion) {
    let mut engine = Engine::new(&["Sam Lee".to_string(), "sam@example.com".to_string()]);
    for (name, bytes) in files(10_000) {
        engine.import_bytes(name, &bytes, Box::new(FixedZone(0)), ImportOptions::default()).expect("imports");
    }
    let contacts = engine.contacts(0);
    assert_eq!(contacts.len(), 10_000);
    assert_eq!(contacts.iter().map(|c| c.handles.len()).sum::<usize>(), 30_000);
    let mut group = c.benchmark_group("identity");
    group.sample_size(10);
    group.bench_function("contacts: 30,000 handles into 10,000 people", |b| b.iter(|| engine.contacts(0)));
    group.bench_function("suggestions over 10,000 people", |b| b.iter(|| engine.suggestions()));
    group.finish();
}

criterion_group!(benches, identity);
criterion_main!(benches);
