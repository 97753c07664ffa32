//! Times one person across sources at scale, outside criterion (for `perf stat`):
//! `cargo run --release --example identity_scale -- PEOPLE RUNS` builds PEOPLE people × 3
//! handles, then calls `contacts()` RUNS times and prints the median in milliseconds.
use kith::{Engine, FixedZone, ImportOptions};

#[path = "../benches/identity_files.rs"]
mod identity_files;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().unwrap_or(0));
    let people = args.next().unwrap_or(10_000);
    let runs = args.next().unwrap_or(5);
    let mut engine = Engine::new(&["Sam Lee".to_string(), "sam@example.com".to_string()]);
    for (name, bytes) in identity_files::files(people) {
        engine.import_bytes(name, &bytes, Box::new(FixedZone(0)), ImportOptions::default()).expect("imports");
    }
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..runs {
        let start = std::time::Instant::now();
        count = engine.contacts(0).len();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{{\"people\":{people},\"contacts\":{count},\"contactsMs\":{:.1}}}",
        times.get(runs / 2).copied().unwrap_or(0.0)
    );
}
