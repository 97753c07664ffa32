//! Parse + aggregate throughput of the core on a generated Android export: `cargo bench`.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kith::{Engine, FixedZone, ImportOptions};

/// A deterministic Android export of about `bytes` bytes: two people, varied bodies, some
/// multi-line messages and media placeholders.
fn export(bytes: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "ok", "sure", "thanks", "tomorrow", "dinner", "call", "later", "see", "you", "soon", "what", "about", "the",
        "weekend", "haha", "photo",
    ];
    let mut x: u32 = 42;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut out = String::with_capacity(bytes + 256);
    let mut minute: u32 = 0;
    while out.len() < bytes {
        minute += next() % 90;
        let (day, hour, min) = (1 + (minute / 1440) % 28, (minute / 60) % 24, minute % 60);
        let month = 1 + (minute / 40_320) % 12;
        let author = if next() % 2 == 0 { "Sam Lee" } else { "Alex Example" };
        out.push_str(&format!("{day:02}/{month:02}/2020, {hour:02}:{min:02} - {author}: "));
        match next() % 100 {
            0..=2 => out.push_str("<Media omitted>"),
            n => {
                for i in 0..1 + next() % 12 {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(WORDS[(next() % 16) as usize]);
                }
                if n > 95 {
                    out.push_str("\nand a second line");
                }
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn parse_and_aggregate(c: &mut Criterion) {
    let bytes = export(8 << 20);
    let mut group = c.benchmark_group("whatsapp");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    group.bench_function("import_bytes 8 MiB android", |b| {
        b.iter(|| {
            let mut engine = Engine::new(&["Sam Lee".to_string()]);
            engine
                .import_bytes(
                    "WhatsApp Chat with Alex Example.txt",
                    &bytes,
                    Box::new(FixedZone(0)),
                    ImportOptions::default(),
                )
                .expect("generated export imports");
            engine.contacts(0).len()
        })
    });
    group.finish();
}

/// A group export where each of `authors` people writes `per_author` messages, spread over
/// the day: the shape that was quadratic in authors.
fn many_authors(authors: usize, per_author: usize) -> Vec<u8> {
    let mut out = String::with_capacity(authors * per_author * 48);
    for round in 0..per_author {
        for i in 0..authors {
            let minute = (round * authors + i) / 50;
            out.push_str(&format!("13/02/2020, {:02}:{:02} - Person {i}: hello\n", (minute / 60) % 24, minute % 60));
        }
    }
    out.into_bytes()
}

/// Import time against the number of distinct authors: linear means the time per author
/// stays flat from 25,000 to 100,000.
fn distinct_authors(c: &mut Criterion) {
    let mut group = c.benchmark_group("authors");
    group.sample_size(10);
    for authors in [25_000, 50_000, 100_000] {
        let bytes = many_authors(authors, 2);
        group.throughput(Throughput::Elements(authors as u64));
        group.bench_function(format!("{authors} distinct authors, 2 messages each"), |b| {
            b.iter(|| {
                let mut engine = Engine::new(&["Sam Lee".to_string()]);
                engine
                    .import_bytes(
                        "WhatsApp Chat with The Crowd.txt",
                        &bytes,
                        Box::new(FixedZone(0)),
                        ImportOptions::default(),
                    )
                    .expect("generated export imports");
                engine.contacts(0).len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse_and_aggregate, distinct_authors);
criterion_main!(benches);
