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

criterion_group!(benches, parse_and_aggregate);
criterion_main!(benches);
