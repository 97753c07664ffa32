//! Imports one export file and prints the report and contact count; for profiling with
//! `valgrind --tool=callgrind target/release/examples/import_file FILE`.
use kith::{Engine, FixedZone, ImportOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: import_file FILE [FILE_NAME]")?;
    let name = std::env::args().nth(2).unwrap_or_else(|| "WhatsApp Chat with Alex Example.txt".into());
    let bytes = std::fs::read(&path)?;
    let mut engine = Engine::new(&[]);
    let report = engine.import_bytes(&name, &bytes, Box::new(FixedZone(0)), ImportOptions::default())?;
    println!("{} messages, {} contacts", report.messages, engine.contacts(0).len());
    Ok(())
}
