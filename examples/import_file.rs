//! Imports one export file natively and prints the report's counts and the throughput as JSON;
//! `bench/formats.mjs` runs it per format. Also for profiling with
//! `valgrind --tool=callgrind target/release/examples/import_file FILE [FILE_NAME] [OWNER]`.
use kith::{Engine, FixedZone, ImportOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: import_file FILE [FILE_NAME] [OWNER] [RUNS]")?;
    let name = std::env::args().nth(2).unwrap_or_else(|| "WhatsApp Chat with Alex Example.txt".into());
    let owner: Vec<String> = std::env::args().nth(3).into_iter().filter(|o| !o.is_empty()).collect();
    let runs: usize = std::env::args().nth(4).and_then(|r| r.parse().ok()).unwrap_or(3).max(1);
    let bytes = std::fs::read(&path)?;
    let mut times = Vec::new();
    let mut summary = String::new();
    // One unmeasured warm-up, then the median of `runs`.
    for run in 0..=runs {
        let mut engine = Engine::new(&owner);
        let start = std::time::Instant::now();
        let report = engine.import_bytes(&name, &bytes, Box::new(FixedZone(0)), ImportOptions::default())?;
        let contacts = engine.contacts(0).len();
        if run > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
        summary = format!(
            "\"format\":\"{}\",\"chats\":{},\"messages\":{},\"contacts\":{contacts}",
            report.format, report.chats, report.messages
        );
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let mb = bytes.len() as f64 / 1e6;
    println!("{{\"fileMB\":{mb:.1},{summary},\"seconds\":{median:.3},\"nativeMBps\":{:.0}}}", mb / median);
    Ok(())
}
