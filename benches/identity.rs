//! One person across sources at scale: `contacts()` groups 30,000 handles (a WhatsApp phone
//! author, a mail address and a vCard per person) into 10,000 contacts. `cargo bench --bench identity`.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]
use criterion::{criterion_group, criterion_main, Criterion};
use kith::{Engine, FixedZone, ImportOptions};

#[path = "identity_files.rs"]
mod identity_files;
use identity_files::files;

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
