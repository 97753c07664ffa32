//! Times one person across sources at scale, outside criterion (for `perf stat`):
//! `cargo run --release --example identity_scale -- PEOPLE RUNS` builds PEOPLE people × 3
//! handles, then calls `contacts()` RUNS times and prints the median in milliseconds.
use kith::{Engine, FixedZone, ImportOptions};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().unwrap_or(0));
    let people = args.next().unwrap_or(10_000);
    let runs = args.next().unwrap_or(5);
    let mut engine = Engine::new(&["Sam Lee".to_string(), "sam@example.com".to_string()]);
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
    for (name, text) in [("WhatsApp Chat with Friends.txt", chat), ("mail.mbox", mail), ("contacts.vcf", cards)] {
        engine.import_bytes(name, text.as_bytes(), Box::new(FixedZone(0)), ImportOptions::default()).expect("imports");
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
