//! Header-scan throughput of the mbox reader on a generated Gmail Takeout mbox:
//! `cargo bench --bench mbox` (about 200 MB, criterion), and
//! `KITH_MBOX_BENCH_GB=1 cargo bench --bench mbox` for one timed pass over 1 GB (prints MB/s);
//! add `KITH_MBOX_BENCH_SMALL=1` for small mails without attachments or HTML (mostly headers).
//!
//! The mail is shaped like real Takeout mail: Gmail's long header block (Received chains,
//! folded ARC and DKIM signatures), multipart bodies with a text and an HTML part, and base64
//! attachments on about a third of the mails; a sixth are newsletters with list headers.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]
use std::time::Instant;

use criterion::{criterion_group, Criterion, Throughput};
use kith::import::event::{
    ChatId, ChatInfo, Event, Finished, Format, FormatContext, HandleId, HandleKind, OwnerEvidence, PersonDetails, Sink,
    Skip,
};
use kith::import::mbox::MboxFormat;
use kith::FixedZone;

/// A sink that only counts, so the figure is the reader's own.
#[derive(Default)]
struct Counting {
    chats: u32,
    handles: u32,
    events: u64,
    skipped: u64,
}

impl Sink for Counting {
    fn chat(&mut self, _info: ChatInfo) -> ChatId {
        self.chats += 1;
        self.chats
    }
    fn handle(&mut self, _kind: HandleKind, _id: &str, _name: &str) -> HandleId {
        self.handles += 1;
        self.handles
    }
    fn event(&mut self, _event: Event) {
        self.events += 1;
    }
    fn owner(&mut self, _handle: HandleId, _evidence: OwnerEvidence) {}
    fn person(&mut self, _handle: HandleId, _details: PersonDetails) {}
    fn skipped(&mut self, _what: Skip, count: u32) {
        self.skipped += u64::from(count);
    }
    fn warn(&mut self, _message: String) {}
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

const WORDS: [&str; 24] = [
    "the",
    "meeting",
    "tomorrow",
    "thanks",
    "for",
    "sending",
    "report",
    "we",
    "should",
    "talk",
    "about",
    "budget",
    "next",
    "week",
    "please",
    "find",
    "attached",
    "regards",
    "From",
    "quarterly",
    "numbers",
    "looks",
    "good",
    "and",
];
const PEOPLE: [&str; 8] = [
    "Ann Lee <ann@example.org>",
    "=?UTF-8?B?Sm9zw6kgTsO6w7Fleg==?= <jose@example.net>",
    "\"Stone, Eve\" <eve@example.com>",
    "Dan Roe <dan@example.com>",
    "fay@example.net",
    "=?ISO-8859-1?Q?Ren=E9_Roux?= <rene@example.fr>",
    "Kim Bell <kim@example.com>",
    "Lou Park <lou@example.co.uk>",
];

/// A deterministic mbox of about `bytes` bytes.
fn mbox(bytes: usize, small: bool) -> (Vec<u8>, u64) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Base64 lines and prose are cut from pools made once, so generating 1 GB takes seconds.
    let b64: Vec<u8> = (0..1 << 16)
        .map(|i| {
            if i % 77 == 76 {
                b'\n'
            } else {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7 % 64]
            }
        })
        .collect();
    let b64_flat: Vec<u8> = b64.iter().copied().filter(|&b| b != b'\n').collect();
    let mut prose = String::new();
    let mut col = 0;
    while prose.len() < 1 << 16 {
        let w = WORDS[rng.below(WORDS.len() as u64)];
        prose.push_str(w);
        col += w.len() + 1;
        if col > 70 {
            prose.push('\n');
            col = 0;
        } else {
            prose.push(' ');
        }
    }
    let prose = prose.as_bytes();
    let mut out = Vec::with_capacity(bytes + (1 << 20));
    let mut t: u64 = 1_600_000_000;
    let mut n = 0u64;
    while out.len() < bytes {
        n += 1;
        t += 600 + rng.next() % 7200;
        let sent = rng.below(4) == 0;
        let bulk = rng.below(6) == 0;
        let me = "Sam Park <sam@example.com>";
        let other = PEOPLE[rng.below(PEOPLE.len() as u64)];
        let (from, to) = if sent { (me, other) } else { (other, me) };
        let date = chrono::DateTime::from_timestamp(t as i64, 0).unwrap_or_default();
        out.extend_from_slice(
            format!("From {n}@xxx {} +0000 {}\n", date.format("%a %b %d %H:%M:%S"), date.format("%Y")).as_bytes(),
        );
        out.extend_from_slice(format!("X-GM-THRID: {}\n", 1_700_000_000_000_000_000 + n / 3).as_bytes());
        out.extend_from_slice(if sent {
            b"X-Gmail-Labels: Sent,Opened\n"
        } else {
            b"X-Gmail-Labels: Inbox,Important,Opened,\n \"Category Personal\"\n"
        });
        if !sent {
            out.extend_from_slice(b"Delivered-To: sam@example.com\n");
            for hop in 0..3 {
                out.extend_from_slice(
                    format!(
                        "Received: from mail-{hop}.example.net (mail-{hop}.example.net. [203.0.113.{hop}])\n        by mx.google.com with ESMTPS id x{n}si{hop}.2024.10.{hop}\n        for <sam@example.com>\n        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\n        {} -0700 (PDT)\n",
                        date.format("%a, %d %b %Y %H:%M:%S")
                    )
                    .as_bytes(),
                );
            }
            for name in [
                "ARC-Seal: i=1; a=rsa-sha256; t=1697419770; cv=none;",
                "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
            ] {
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\n        d=example.net; s=20230601; h=to:subject:message-id:date:from\n        :mime-version:from:to:cc:subject:date:message-id:reply-to;\n        b=");
                for _ in 0..5 {
                    let at = rng.below(60_000);
                    out.extend_from_slice(&b64_flat[at..at + 70]);
                    out.extend_from_slice(b"\n         ");
                }
                out.extend_from_slice(b"AbC==\n");
            }
        }
        out.extend_from_slice(format!("From: {from}\nTo: {to}\n").as_bytes());
        if rng.below(5) == 0 {
            out.extend_from_slice(format!("Cc: {}\n", PEOPLE[rng.below(PEOPLE.len() as u64)]).as_bytes());
        }
        out.extend_from_slice(format!("Date: {} +0000\n", date.format("%a, %d %b %Y %H:%M:%S")).as_bytes());
        out.extend_from_slice(b"Subject: Re: quarterly numbers and the budget for next week\n");
        out.extend_from_slice(format!("Message-ID: <CA+{n}x{}@mail.gmail.com>\n", rng.next()).as_bytes());
        if bulk {
            out.extend_from_slice(
                b"List-Unsubscribe: <mailto:unsub@news.example>,\n <https://news.example/u>\nList-Id: <news.example>\n",
            );
        }
        out.extend_from_slice(b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"000000000000abc\"\n\n");
        out.extend_from_slice(b"--000000000000abc\nContent-Type: text/plain; charset=\"UTF-8\"\n\n");
        let at = rng.below(30_000);
        out.extend_from_slice(&prose[at..at + 500 + rng.below(3000)]);
        out.extend_from_slice(b"\n\n>From the last mail:\n> quoted text\n\n--000000000000abc\nContent-Type: text/html; charset=\"UTF-8\"\n\n<div dir=\"ltr\">");
        let at = rng.below(30_000);
        out.extend_from_slice(&prose[at..at + if small { 200 } else { 1000 + rng.below(5000) }]);
        out.extend_from_slice(b"</div>\n\n");
        if !small && rng.below(3) == 0 {
            out.extend_from_slice(
                b"--000000000000abc\nContent-Type: application/pdf; name=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\n",
            );
            let mut left = 10_000 + rng.below(90_000);
            while left > 0 {
                let at = rng.below(50_000) / 77 * 77;
                let take = left.min(10_010);
                out.extend_from_slice(&b64[at..at + take]);
                left -= take;
            }
            out.extend_from_slice(b"\n");
        }
        out.extend_from_slice(b"--000000000000abc--\n\n");
    }
    (out, n)
}

fn parse(bytes: &[u8]) -> Counting {
    let mut sink = Counting::default();
    let mut format = MboxFormat::new(FormatContext {
        file_name: "All mail Including Spam and Trash.mbox".into(),
        zone: Box::new(FixedZone(0)),
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        owner: Vec::new(),
    });
    loop {
        format.begin_file("mail.mbox", &mut sink).expect("begin");
        // The readers hand over 1 MiB at a time.
        for chunk in bytes.chunks(1 << 20) {
            format.push(chunk, &mut sink).expect("push");
        }
        format.end_file(&mut sink).expect("end");
        if format.finish(&mut sink).expect("finish") == Finished::Done {
            return sink;
        }
    }
}

fn scan(c: &mut Criterion) {
    let (bytes, _) = mbox(200 << 20, false);
    let mut group = c.benchmark_group("mbox");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    group.bench_function("headers of a 200 MB Takeout mbox", |b| b.iter(|| parse(&bytes).events));
    group.finish();
}

criterion_group!(benches, scan);

fn main() {
    if let Some(gb) = std::env::var("KITH_MBOX_BENCH_GB").ok().and_then(|v| v.parse::<f64>().ok()) {
        let small = std::env::var_os("KITH_MBOX_BENCH_SMALL").is_some();
        let (bytes, mails) = mbox((gb * 1e9) as usize, small);
        let start = Instant::now();
        let sink = parse(&bytes);
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "mbox: {:.0} MB, {mails} mails, in {:.3} s = {:.0} MB/s ({} events, {} skipped)",
            bytes.len() as f64 / 1e6,
            seconds,
            bytes.len() as f64 / 1e6 / seconds,
            sink.events,
            sink.skipped
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
