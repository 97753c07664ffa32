//! Importing chat exports: format detection, containers, and the streaming session that turns
//! one chat file into a [`ChatDelta`] — per-author aggregates ready to merge into the engine.
//!
//! Message text lives only inside [`whatsapp::Parser`] while a line is looked at; what leaves
//! this module is counts, times and author names.

pub mod dates;
pub mod event;
pub mod mbox;
pub(crate) mod whatsapp;
pub mod zip;

use chrono::NaiveDate;

use crate::coverage::{Covered, Dedup, SpanTracker};
use crate::error::ImportError;
use crate::model::{Kind, Source};
use crate::stats::{AuthorStats, DayGaps, MAX_REPLY_GAP_SECONDS};
use crate::time::{date_to_days, LocalZone, ZoneCache};
use dates::{DateOrder, OrderInference, OrderReason};
use whatsapp::{Parser, RawDate, RawMessage};

/// Bytes fed to the parser at a time when the whole file is already in memory: the same path
/// as a streamed `Blob`, so both are tested by the same tests.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Choices the user (or the host) makes for an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Day/month order to assume when a file's dates could be read either way (the user's
    /// locale decides this in the browser: `en-US` reads month first).
    pub date_order_fallback: DateOrder,
    /// Today's date, for exports whose dates carry no year.
    pub today: NaiveDate,
    /// Identity keys ([`crate::identity::contact_key`]) of chats and people not to read: a chat
    /// with such a title is skipped unread, and such a person's messages are dropped before
    /// any counting.
    pub exclude: Vec<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            date_order_fallback: DateOrder::DayMonth,
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            exclude: Vec::new(),
        }
    }
}

/// The chat a WhatsApp export's file name names: `WhatsApp Chat with Ann.txt`,
/// `WhatsApp Chat - Ann.zip` and their translations give `Ann`.
pub fn chat_title(file_name: &str) -> Option<String> {
    const PREFIXES: [&str; 10] = [
        "WhatsApp Chat with ",
        "WhatsApp Chat - ",
        "Chat de WhatsApp con ",
        "WhatsApp Chat mit ",
        "Чат WhatsApp с ",
        "Discussion WhatsApp avec ",
        "Conversa do WhatsApp com ",
        "Chat WhatsApp con ",
        "WhatsApp-chat met ",
        "WhatsApp-Chat mit ",
    ];
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let plain: String = base.chars().map(|c| if crate::identity::is_odd_space(c) { ' ' } else { c }).collect();
    let lower = plain.to_lowercase();
    let stem =
        if lower.ends_with(".txt") || lower.ends_with(".zip") { &plain[..plain.len() - 4] } else { plain.as_str() };
    let title = PREFIXES.iter().find_map(|p| stem.strip_prefix(p))?;
    // Browsers and file managers append " (1)" to repeated downloads.
    let title = match title.rfind(" (") {
        Some(i) if title.ends_with(')') && title[i + 2..title.len() - 1].bytes().all(|b| b.is_ascii_digit()) => {
            &title[..i]
        }
        _ => title,
    };
    let title = crate::identity::clean_name(title);
    (!title.is_empty()).then_some(title)
}

/// What one chat file contributed: per-author aggregates and what the report needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatDelta {
    pub(crate) key: String,
    pub(crate) title: Option<String>,
    pub(crate) source: Source,
    /// Per author, by the parser's author index.
    pub(crate) authors: Vec<AuthorStats>,
    pub(crate) span: Option<crate::coverage::Span>,
    /// The latest message, and its author index.
    pub(crate) last_message: Option<(i64, u32)>,
    pub(crate) day_gaps: DayGaps,
    pub(crate) messages: u32,
    pub(crate) calls: u32,
    pub(crate) system: u32,
    pub(crate) duplicates: u32,
    pub(crate) excluded: u32,
    pub(crate) date_order: String,
    pub(crate) date_order_source: String,
    pub(crate) warnings: Vec<String>,
    /// Live capture: the ids of the messages it counted, and (minute, author index) of each,
    /// instead of a covered span.
    pub(crate) live_ids: Vec<u64>,
    pub(crate) live_minutes: Vec<(i64, u32)>,
}

/// Folds resolved messages into per-file aggregates, skipping what the chat already counted.
pub(crate) struct Accumulator {
    dedup: Dedup,
    authors: Vec<AuthorStats>,
    span: SpanTracker,
    /// Latest message so far in file order, duplicates included: a reply's predecessor may be
    /// a message counted by an earlier import.
    previous_message: Option<(i64, u32)>,
    previous_day: Option<i64>,
    last_message: Option<(i64, u32)>,
    day_gaps: DayGaps,
    messages: u32,
    calls: u32,
    system: u32,
    duplicates: u32,
    excluded: u32,
    /// Identity keys not to count, and per author index whether the author is one of them.
    exclude: Vec<String>,
    author_excluded: Vec<Option<bool>>,
    /// (minute, author) of every message counted: kept for live capture only.
    counted_minutes: Option<Vec<(i64, u32)>>,
}

impl Accumulator {
    pub(crate) fn new(covered: Covered, exclude: Vec<String>) -> Self {
        Accumulator {
            dedup: Dedup::new(covered),
            authors: Vec::new(),
            span: SpanTracker::default(),
            previous_message: None,
            previous_day: None,
            last_message: None,
            day_gaps: DayGaps::default(),
            messages: 0,
            calls: 0,
            system: 0,
            duplicates: 0,
            excluded: 0,
            exclude,
            author_excluded: Vec::new(),
            counted_minutes: None,
        }
    }

    /// Messages and calls found already counted so far.
    pub(crate) fn duplicates(&self) -> u32 {
        self.duplicates
    }

    /// Records (minute, author) of every counted message, as live capture needs.
    pub(crate) fn record_minutes(&mut self) {
        self.counted_minutes = Some(Vec::new());
    }

    fn is_excluded(&mut self, author: u32, names: &[String]) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let i = author as usize;
        if self.author_excluded.len() <= i {
            self.author_excluded.resize(i + 1, None);
        }
        *self.author_excluded[i].get_or_insert_with(|| {
            let key = crate::identity::contact_key(names.get(i).map_or("", String::as_str));
            self.exclude.contains(&key)
        })
    }

    pub(crate) fn add(&mut self, at: i64, day: i64, author: Option<u32>, kind: Kind, names: &[String]) {
        let author = match (kind, author) {
            (Kind::System, _) | (_, None) => {
                self.system += 1;
                return;
            }
            (_, Some(a)) => a,
        };
        if self.is_excluded(author, names) {
            self.excluded += 1;
            return;
        }
        let is_call = kind == Kind::Call;
        if is_call {
            self.calls += 1;
        } else {
            self.messages += 1;
        }
        let minute = at.div_euclid(60);
        let name = names.get(author as usize).map_or("", String::as_str);
        let duplicate = self.dedup.is_duplicate(minute, author, name);
        self.span.add(minute, author);
        if self.authors.len() <= author as usize {
            self.authors.resize_with(author as usize + 1, AuthorStats::default);
        }
        if !is_call {
            if let Some((previous_at, previous_author)) = self.previous_message {
                let gap = at - previous_at;
                if !duplicate && previous_author != author && (0..=MAX_REPLY_GAP_SECONDS).contains(&gap) {
                    self.authors[author as usize].replies.add(gap);
                }
            }
            self.previous_message = Some((at, author));
        }
        if let Some(previous_day) = self.previous_day {
            if day > previous_day && !duplicate {
                self.day_gaps.add((day - previous_day) as u32);
            }
        }
        self.previous_day = Some(self.previous_day.map_or(day, |d| d.max(day)));
        if duplicate {
            self.duplicates += 1;
            return;
        }
        self.authors[author as usize].record(at, is_call);
        if let Some(minutes) = self.counted_minutes.as_mut() {
            minutes.push((minute, author));
        }
        if !is_call && self.last_message.is_none_or(|(last, _)| at >= last) {
            self.last_message = Some((at, author));
        }
    }

    /// The finished aggregates of one chat, with authors named.
    pub(crate) fn into_delta(
        self,
        names: &[String],
        title: Option<String>,
        date_order: (&str, &str),
        mut warnings: Vec<String>,
    ) -> ChatDelta {
        if self.duplicates > 0 {
            warnings.push(format!("{} message(s) were already imported and were counted once.", self.duplicates));
        }
        if self.excluded > 0 {
            warnings.push(format!("{} message(s) by people on your exclusion list were not counted.", self.excluded));
        }
        let mut authors = self.authors;
        authors.resize_with(names.len(), AuthorStats::default);
        for (stats, name) in authors.iter_mut().zip(names) {
            stats.name.clone_from(name);
        }
        let writers: Vec<&str> = authors.iter().filter(|a| a.is_active()).map(|a| a.name.as_str()).collect();
        let key = chat_key(Source::WhatsApp, title.as_deref(), &writers);
        let live = self.counted_minutes.is_some();
        ChatDelta {
            key,
            title,
            source: Source::WhatsApp,
            span: if live { None } else { self.span.into_span(names) },
            authors,
            last_message: self.last_message,
            day_gaps: self.day_gaps,
            messages: self.messages,
            calls: self.calls,
            system: self.system,
            duplicates: self.duplicates,
            excluded: self.excluded,
            date_order: date_order.0.to_string(),
            date_order_source: date_order.1.to_string(),
            warnings,
            live_ids: Vec::new(),
            live_minutes: self.counted_minutes.unwrap_or_default(),
        }
    }
}

/// The key a chat is known by across imports.
pub(crate) fn chat_key(source: Source, title: Option<&str>, authors: &[&str]) -> String {
    match title {
        Some(t) => format!("{}:title:{}", source.as_str(), t.to_lowercase()),
        None => {
            let mut keys: Vec<String> = authors.iter().map(|a| crate::identity::contact_key(a)).collect();
            keys.sort();
            keys.dedup();
            format!("{}:authors:{}", source.as_str(), keys.join("|"))
        }
    }
}

/// One chat file being imported, fed chunk by chunk. Holds no reference to the engine between
/// calls, so the browser can read a `Blob` asynchronously between chunks.
pub struct ChatImporter {
    title: Option<String>,
    parser: Parser,
    batch: Vec<RawMessage>,
    order: OrderInference,
    saw_ambiguous: bool,
    saw_yearless: bool,
    /// Messages waiting until the date order, the year or the chat's identity is known.
    pending: Vec<RawMessage>,
    acc: Option<Accumulator>,
    zone: ZoneCache,
    options: ImportOptions,
    invalid_dates: u32,
    /// The chat is on the exclusion list: nothing is read.
    excluded_chat: bool,
    /// The last date resolved and its day number: consecutive messages mostly share a date.
    last_date: Option<(RawDate, Option<i32>, NaiveDate, i64)>,
}

/// What a chat has already counted, as the engine knows it.
pub trait CoverageLookup {
    /// The coverage of the chat with this key (empty for a new chat).
    fn coverage(&self, chat_key: &str) -> Covered;
}

impl ChatImporter {
    /// Starts importing a chat file named `file_name` (the archive's name, for a zip).
    pub fn new(
        title: Option<String>,
        zone: Box<dyn LocalZone>,
        options: ImportOptions,
        known: &dyn CoverageLookup,
    ) -> Self {
        let exclude = options.exclude.clone();
        let acc = title
            .as_deref()
            .map(|t| Accumulator::new(known.coverage(&chat_key(Source::WhatsApp, Some(t), &[])), exclude.clone()));
        let excluded_chat = title.as_deref().is_some_and(|t| exclude.contains(&crate::identity::contact_key(t)));
        ChatImporter {
            excluded_chat,
            title,
            parser: Parser::default(),
            batch: Vec::new(),
            order: OrderInference::default(),
            saw_ambiguous: false,
            saw_yearless: false,
            pending: Vec::new(),
            acc,
            zone: ZoneCache::new(zone),
            options,
            invalid_dates: 0,
            last_date: None,
        }
    }

    /// Feeds the next piece of the chat's text.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ImportError> {
        if self.excluded_chat {
            return Ok(());
        }
        let batch = &mut self.batch;
        self.parser.push(chunk, &mut |m| batch.push(m))?;
        self.drain_batch();
        Ok(())
    }

    fn drain_batch(&mut self) {
        let mut batch = std::mem::take(&mut self.batch);
        for message in batch.drain(..) {
            match message.date {
                RawDate::Ambiguous { first, second, year } => {
                    self.saw_ambiguous = true;
                    self.order.observe(first, second, year);
                }
                RawDate::Known { year: None, .. } => self.saw_yearless = true,
                RawDate::Known { .. } => {}
            }
            if self.ready() {
                if !self.pending.is_empty() {
                    let pending = std::mem::take(&mut self.pending);
                    for p in &pending {
                        self.process(p, None);
                    }
                }
                self.process(&message, None);
            } else {
                self.pending.push(message);
            }
        }
        self.batch = batch;
    }

    fn ready(&self) -> bool {
        self.acc.is_some() && !self.saw_yearless && (!self.saw_ambiguous || self.order.decided().is_some())
    }

    fn process(&mut self, m: &RawMessage, year: Option<i32>) {
        let (date, day) = match self.last_date {
            Some((raw, y, date, day)) if raw == m.date && y == year => (date, day),
            _ => {
                let date = match (m.date, year) {
                    (RawDate::Known { year: None, month, day }, Some(y)) => {
                        NaiveDate::from_ymd_opt(y, u32::from(month), u32::from(day))
                    }
                    (raw, _) => dates::resolve(raw, self.order.decided().map(|(o, _)| o)),
                };
                let Some(date) = date else {
                    self.invalid_dates += 1;
                    return;
                };
                let day = date_to_days(date);
                self.last_date = Some((m.date, year, date, day));
                (date, day)
            }
        };
        let at = self.zone.utc_seconds(date, m.seconds_of_day);
        if let Some(acc) = self.acc.as_mut() {
            acc.add(at, day, m.author, m.kind, &self.parser.authors);
        }
    }

    /// Ends the file: decides what was left open and returns the chat's aggregates.
    pub fn finish(mut self, known: &dyn CoverageLookup) -> Result<ChatDelta, ImportError> {
        if self.excluded_chat {
            let acc = Accumulator::new(Covered::default(), Vec::new());
            let note = vec!["This chat is on your exclusion list; it was not read.".to_string()];
            return Ok(acc.into_delta(&[], self.title, ("none", "excluded"), note));
        }
        let batch = &mut self.batch;
        self.parser.finish(&mut |m| batch.push(m))?;
        self.drain_batch();
        let mut warnings = Vec::new();
        let (order_code, order_source) = if self.saw_ambiguous {
            let (order, reason) = self.order.finish(self.options.date_order_fallback);
            if reason == OrderReason::Fallback {
                warnings.push(format!(
                    "Every date in this file could be read day-first or month-first; kith read them as {}. If times look wrong, set the date order and import again.",
                    if order == DateOrder::DayMonth { "day/month" } else { "month/day" }
                ));
            }
            (order.code(), reason.code())
        } else if self.parser.dates_are_named() {
            ("monthName", "unambiguous")
        } else {
            ("ymd", "unambiguous")
        };
        if self.acc.is_none() {
            let writers: Vec<&str> = self
                .pending
                .iter()
                .filter(|m| m.kind != Kind::System)
                .filter_map(|m| m.author)
                .filter_map(|a| self.parser.authors.get(a as usize).map(String::as_str))
                .collect();
            let exclude = self.options.exclude.clone();
            self.acc = Some(Accumulator::new(known.coverage(&chat_key(Source::WhatsApp, None, &writers)), exclude));
        }
        let pending = std::mem::take(&mut self.pending);
        if self.saw_yearless {
            let months: Vec<u8> = pending
                .iter()
                .map(|m| match m.date {
                    RawDate::Known { month, .. } => month,
                    RawDate::Ambiguous { .. } => 0,
                })
                .collect();
            let years = dates::yearless_years(&months, self.options.today);
            warnings.push(
                "The dates in this file have no year; kith assumed the last message is from the past twelve months."
                    .into(),
            );
            for (m, year) in pending.iter().zip(years) {
                self.process(m, Some(year));
            }
        } else {
            for m in &pending {
                self.process(m, None);
            }
        }
        let counts = self.parser.counts.clone();
        if counts.lines_before_first_header > 0 {
            warnings
                .push(format!("{} line(s) before the first message were skipped.", counts.lines_before_first_header));
        }
        if counts.lines_with_bad_utf8 > 0 {
            warnings.push(format!(
                "{} message header(s) contained bytes that are not UTF-8; names there may be cut short. Export the chat again if names look wrong.",
                counts.lines_with_bad_utf8
            ));
        }
        if self.invalid_dates > 0 {
            warnings.push(format!("{} message(s) had impossible dates and were skipped.", self.invalid_dates));
        }
        let Some(acc) = self.acc else {
            return Err(ImportError::Empty);
        };
        Ok(acc.into_delta(&self.parser.authors, self.title, (order_code, order_source), warnings))
    }
}

/// Names the kind of a file that is plainly not a chat export, from its first bytes.
pub fn sniff_other(head: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 7] = [
        (b"\x89PNG", "it is a PNG image"),
        (b"\xFF\xD8\xFF", "it is a JPEG image"),
        (b"%PDF", "it is a PDF document"),
        (b"\x1F\x8B", "it is gzip-compressed"),
        (b"GIF8", "it is a GIF image"),
        (b"Rar!", "it is a RAR archive"),
        (b"7z\xBC\xAF", "it is a 7-Zip archive"),
    ];
    MAGIC.iter().find(|(magic, _)| head.starts_with(magic)).map(|&(_, what)| what)
}

/// Imports a whole file held in memory: a WhatsApp `.txt`, or a `.zip` holding one.
pub fn import_bytes(
    file_name: &str,
    bytes: &[u8],
    zone: Box<dyn LocalZone>,
    options: ImportOptions,
    known: &dyn CoverageLookup,
) -> Result<ChatDelta, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if let Some(what) = sniff_other(bytes) {
        return Err(ImportError::UnknownFormat { detail: what.into() });
    }
    if !zip::looks_like_zip(bytes) {
        let mut session = ChatImporter::new(chat_title(file_name), zone, options, known);
        for chunk in bytes.chunks(CHUNK_BYTES) {
            session.push(chunk)?;
        }
        return session.finish(known);
    }
    let short =
        || ImportError::CorruptArchive { detail: "it ends before its data does; the file looks truncated".into() };
    let len = bytes.len() as u64;
    let tail = &bytes[(len - len.min(zip::MAX_TAIL)) as usize..];
    let (offset, size) = match zip::locate_directory(tail, len)? {
        zip::Directory::At { offset, size } => (offset, size),
        zip::Directory::Zip64EndAt(at) => match zip::parse_zip64_end(slice(bytes, at, 56).ok_or_else(short)?)? {
            zip::Directory::At { offset, size } => (offset, size),
            zip::Directory::Zip64EndAt(_) => return Err(short()),
        },
    };
    let entries = zip::parse_directory(slice(bytes, offset, size).ok_or_else(short)?)?;
    let entry = zip::chat_entry(&entries)?;
    let data_start =
        zip::data_offset(entry, slice(bytes, entry.header_offset, zip::LOCAL_HEADER_LEN).ok_or_else(short)?)?;
    let data = slice(bytes, data_start, entry.compressed_size).ok_or_else(short)?;
    let title = chat_title(file_name).or_else(|| chat_title(&entry.name));
    let mut session = ChatImporter::new(title, zone, options, known);
    let mut decoder = zip::EntryDecoder::new(entry);
    for chunk in data.chunks(CHUNK_BYTES) {
        decoder.push(chunk, &mut |out| session.push(out))?;
    }
    decoder.finish()?;
    session.finish(known)
}

fn slice(bytes: &[u8], start: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(start).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    bytes.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_file_names() {
        assert_eq!(chat_title("WhatsApp Chat with Ann Lee.txt").as_deref(), Some("Ann Lee"));
        assert_eq!(chat_title("WhatsApp Chat - Ann.zip").as_deref(), Some("Ann"));
        assert_eq!(chat_title("Downloads/WhatsApp Chat mit Jörg (1).txt").as_deref(), Some("Jörg"));
        assert_eq!(chat_title("WhatsApp\u{00A0}Chat with Bo.txt").as_deref(), Some("Bo"));
        assert_eq!(chat_title("_chat.txt"), None);
        assert_eq!(chat_title("notes.txt"), None);
    }
}
