//! A WhatsApp "Export chat" file as a [`Format`]: the line parser's messages, with their dates
//! resolved, become events of one conversation.
//!
//! Two things may be unknown until the end of the file: the day/month order (while every date
//! could be read either way) and, for a bare `_chat.txt`, which chat this is (its identity is
//! its writers). Until they are known, messages wait as 16-byte records; past
//! [`PENDING_LIMIT`] of them the format stops keeping them and asks for a second pass over
//! the file instead (a `Blob` can be read twice), so memory stays flat whatever the size.

use chrono::{Datelike, NaiveDate};

use super::{Parser, RawDate, RawMessage};
use crate::error::ImportError;
use crate::import::dates::{self, DateOrder, OrderInference, OrderReason};
use crate::import::event::{ChatId, ChatInfo, ChatShape, Event, Finished, Format, FormatContext, HandleId};
use crate::import::event::{HandleKind, Sink};
use crate::model::Kind;
use crate::time::ZoneCache;

/// Messages kept while the date order or the chat is undecided: 16 bytes each, so 4 MiB.
pub const PENDING_LIMIT: usize = 256 * 1024;

/// Bytes parsed at a time, at least (then up to the end of a line): about a thousand
/// messages' metadata and events wait between the parser and the sink.
const PIECE_BYTES: usize = 64 * 1024;

/// The chat a WhatsApp export's file name names: `WhatsApp Chat with Ann.txt`,
/// `WhatsApp Chat - Ann.zip` and their translations give `Ann`.
pub fn chat_title(file_name: &str) -> Option<String> {
    // Longer prefixes first where one starts another (`Чат WhatsApp с контактом ` before
    // `Чат WhatsApp с `).
    const PREFIXES: [&str; 15] = [
        // English: Android, iOS
        "WhatsApp Chat with ",
        "WhatsApp Chat - ",
        // Spanish
        "Chat de WhatsApp con ",
        // German
        "WhatsApp Chat mit ",
        "WhatsApp-Chat mit ",
        // Russian
        "Чат WhatsApp с контактом ",
        "Чат WhatsApp с ",
        // French
        "Discussion WhatsApp avec ",
        // Portuguese
        "Conversa do WhatsApp com ",
        // Italian
        "Chat WhatsApp con ",
        // Dutch
        "WhatsApp-chat met ",
        // Czech
        "Chat WhatsApp s uživatelem ",
        // Polish
        "Czat WhatsApp z ",
        // Indonesian
        "Chat WhatsApp dengan ",
        // Ukrainian
        "Чат WhatsApp з ",
    ];
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let plain: String = base.chars().map(|c| if crate::identity::is_odd_space(c) { ' ' } else { c }).collect();
    let lower = plain.to_lowercase();
    let stem =
        if lower.ends_with(".txt") || lower.ends_with(".zip") { &plain[..plain.len() - 4] } else { plain.as_str() };
    // Through `black_box`, the prefixes are searched in a loop, as written: left constant, the
    // search was unrolled into fifteen inlined comparisons (7 KB of wasm for a file name).
    let title = std::hint::black_box(&PREFIXES[..]).iter().find_map(|p| stem.strip_prefix(p))?;
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

/// The conversation id of a WhatsApp chat: its title, or its writers when the file name does
/// not name it. (The engine prefixes the source: `whatsapp:title:ann`.)
pub(crate) fn chat_id(title: Option<&str>, writers: &[&str]) -> String {
    match title {
        Some(t) => format!("title:{}", t.to_lowercase()),
        None => {
            let mut keys: Vec<String> = writers.iter().map(|a| crate::identity::contact_key(a)).collect();
            crate::sort::sort(&mut keys);
            keys.dedup();
            format!("authors:{}", keys.join("|"))
        }
    }
}

/// Years for dates written without one: counted back from the last message, taken to lie in
/// the twelve months before today; each time the month goes down in file order a year turned.
#[derive(Debug, Clone, Copy, Default)]
struct YearlessMonths {
    rollovers: i32,
    previous: u8,
    last: u8,
}

impl YearlessMonths {
    fn observe(&mut self, month: u8) {
        if month < self.previous {
            self.rollovers += 1;
        }
        self.previous = month;
        self.last = month;
    }

    /// The year of the first message, once every month was observed.
    fn first_year(&self, today: NaiveDate) -> i32 {
        let last = if self.last == 0 { 1 } else { self.last };
        let last_year = if u32::from(last) > today.month() { today.year() - 1 } else { today.year() };
        last_year - self.rollovers
    }
}

/// Hands out years in file order during the counting pass.
#[derive(Debug, Clone, Copy)]
struct YearCounter {
    year: i32,
    previous: u8,
}

impl YearCounter {
    fn next(&mut self, month: u8) -> i32 {
        if month < self.previous {
            self.year += 1;
        }
        self.previous = month;
        self.year
    }
}

fn month_of(date: RawDate) -> u8 {
    match date {
        RawDate::Known { month, .. } => month,
        RawDate::Ambiguous { .. } => 0,
    }
}

/// Dates that look wrong though they parse: more than a day after the import's `today`, or
/// decades away from the messages on either side (a `22/02/99` among `22/02/20`). They still
/// count; the report says how many there were.
///
/// Messages of one day form a run; a run is judged once both its neighbouring runs are known.
/// The first run of a file, having one neighbour, is judged against the next two; the last
/// against the two before it.
#[derive(Debug, Clone, Copy)]
struct DateSanity {
    /// Days from the common era of the last date that is not in the future: `today` + 1.
    latest: i32,
    future: u32,
    outliers: u32,
    /// The two runs before the current one, older first: (day, messages).
    older: Option<(i32, u32)>,
    newer: Option<(i32, u32)>,
    /// The current run.
    run: Option<(i32, u32)>,
}

/// Twenty years, in days: "decades away".
const DECADES_IN_DAYS: i32 = 20 * 365;

fn decades_apart(a: i32, b: i32) -> bool {
    (a - b).abs() >= DECADES_IN_DAYS
}

impl DateSanity {
    fn new(today: NaiveDate) -> Self {
        DateSanity { latest: today.num_days_from_ce() + 1, future: 0, outliers: 0, older: None, newer: None, run: None }
    }

    fn observe(&mut self, day: i32) {
        if day > self.latest {
            self.future = self.future.saturating_add(1);
        }
        match &mut self.run {
            Some((d, n)) if *d == day => *n = n.saturating_add(1),
            _ => self.close_run(Some(day)),
        }
    }

    /// Ends the current run; `next` is the day of the run after it (`None` at the end).
    fn close_run(&mut self, next: Option<i32>) {
        let Some((c, c_count)) = self.run else {
            self.run = next.map(|d| (d, 1));
            return;
        };
        if let Some((b, b_count)) = self.newer {
            let outlier = match self.older {
                Some((a, _)) => decades_apart(a, b) && decades_apart(c, b),
                None => decades_apart(c, b) && next.is_some_and(|d| decades_apart(d, b)),
            };
            if outlier {
                self.outliers = self.outliers.saturating_add(b_count);
            }
            if next.is_none() && decades_apart(b, c) && self.older.is_some_and(|(a, _)| decades_apart(a, c)) {
                self.outliers = self.outliers.saturating_add(c_count);
            }
        }
        self.older = self.newer;
        self.newer = Some((c, c_count));
        self.run = next.map(|d| (d, 1));
    }
}

/// What the first pass learnt, for the second.
#[derive(Debug, Clone)]
struct Settled {
    order: Option<DateOrder>,
    chat_id: String,
}

/// A WhatsApp export being read.
pub struct WhatsAppFormat {
    file_title: Option<String>,
    title: Option<String>,
    today: NaiveDate,
    fallback: DateOrder,
    zone: ZoneCache,
    parser: Parser,
    batch: Vec<RawMessage>,
    /// Events not yet handed to the sink: they go in one call per chunk.
    out: Vec<Event>,
    /// The day/month order of the whole file: the report's, and the one for a layout whose
    /// own dates never decide it.
    order: OrderInference,
    /// Per layout (`RawMessage::layout`) that wrote an ambiguous date, its own order: a
    /// merged export may join a month/day phone's part to a day/month phone's.
    layout_orders: Vec<Option<OrderInference>>,
    /// Whether a layout that wrote an ambiguous date has not decided its order yet.
    layout_undecided: bool,
    saw_ambiguous: bool,
    saw_yearless: bool,
    months: YearlessMonths,
    /// The date (and layout) last observed for the order and the months: observing the same
    /// one again changes nothing, and consecutive messages mostly share one.
    last_observed: Option<(RawDate, u8)>,
    /// Per parser author index: whether they wrote a message or call.
    active: Vec<bool>,
    pending: Vec<RawMessage>,
    overflowed: bool,
    chat: Option<ChatId>,
    handles: Vec<Option<HandleId>>,
    invalid_dates: u32,
    /// Kept across both passes: the second resumes where the first stopped counting.
    sanity: DateSanity,
    /// The last date resolved (with its layout and year), and its day number: consecutive
    /// messages mostly share one.
    last_date: Option<(RawDate, u8, Option<i32>, NaiveDate, i32)>,
    /// The UTC instant of the last date's local midnight, when that whole day has one offset
    /// (no daylight-saving change inside it): its times are then that plus the second of day,
    /// without asking the zone.
    last_midnight: Option<i64>,
    /// Set for the second pass.
    settled: Option<Settled>,
    /// Messages handed to `process` in this pass, and how many of the first ones the first
    /// pass already reported (a prefix of the file: once dates and chat were known, messages
    /// were counted as they came, until something undecided made them wait).
    processed: u64,
    reported_in_first_pass: u64,
    years: Option<YearCounter>,
}

impl WhatsAppFormat {
    /// A reader for one WhatsApp export; `ctx.file_name` may name the chat.
    pub fn new(ctx: FormatContext, fallback: DateOrder) -> Self {
        WhatsAppFormat {
            file_title: chat_title(&ctx.file_name),
            title: None,
            today: ctx.today,
            fallback,
            zone: ZoneCache::new(ctx.zone),
            parser: Parser::default(),
            batch: Vec::new(),
            out: Vec::new(),
            order: OrderInference::default(),
            layout_orders: Vec::new(),
            layout_undecided: false,
            saw_ambiguous: false,
            saw_yearless: false,
            months: YearlessMonths::default(),
            last_observed: None,
            active: Vec::new(),
            pending: Vec::new(),
            overflowed: false,
            chat: None,
            handles: Vec::new(),
            invalid_dates: 0,
            sanity: DateSanity::new(ctx.today),
            last_date: None,
            last_midnight: None,
            settled: None,
            years: None,
            processed: 0,
            reported_in_first_pass: 0,
        }
    }

    fn ready(&self) -> bool {
        self.settled.is_some()
            || (self.chat.is_some() && !self.saw_yearless && (!self.saw_ambiguous || !self.layout_undecided))
    }

    fn drain(&mut self, sink: &mut dyn Sink) {
        let mut batch = std::mem::take(&mut self.batch);
        for message in batch.drain(..) {
            if self.settled.is_none() {
                if self.last_observed != Some((message.date, message.layout)) {
                    self.last_observed = Some((message.date, message.layout));
                    match message.date {
                        RawDate::Ambiguous { first, second, year } => {
                            self.saw_ambiguous = true;
                            self.order.observe(first, second, year);
                            self.observe_layout(message.layout, first, second, year);
                        }
                        RawDate::Known { year: None, .. } => self.saw_yearless = true,
                        RawDate::Known { .. } => {}
                    }
                    self.months.observe(month_of(message.date));
                }
                if let (Some(a), false) = (message.author, message.kind == Kind::System) {
                    let i = a as usize;
                    if self.active.len() <= i {
                        self.active.resize(i + 1, false);
                    }
                    self.active[i] = true;
                }
            }
            if self.ready() {
                if !self.pending.is_empty() {
                    let pending = std::mem::take(&mut self.pending);
                    for p in &pending {
                        self.process(p, sink);
                    }
                }
                self.process(&message, sink);
            } else if !self.overflowed {
                self.pending.push(message);
                if self.pending.len() > PENDING_LIMIT {
                    self.overflowed = true;
                    self.pending = Vec::new();
                }
            }
        }
        self.batch = batch;
        self.flush(sink);
    }

    fn push_piece(&mut self, piece: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        let batch = &mut self.batch;
        self.parser.push(piece, batch)?;
        self.drain(sink);
        Ok(())
    }

    /// An ambiguous date in `layout`, for that layout's own order.
    fn observe_layout(&mut self, layout: u8, first: u8, second: u8, year: i32) {
        let i = usize::from(layout);
        if self.layout_orders.len() <= i {
            self.layout_orders.resize_with(i + 1, || None);
        }
        let order = self.layout_orders[i].get_or_insert_with(OrderInference::default);
        if order.decided().is_some() {
            return;
        }
        order.observe(first, second, year);
        self.layout_undecided = self.layout_orders.iter().flatten().any(|o| o.decided().is_none());
    }

    /// The order to read `layout`'s ambiguous dates in: its own once its dates decided it,
    /// else the file's.
    fn order_of(&self, layout: u8) -> Option<DateOrder> {
        let own = self.layout_orders.get(usize::from(layout)).and_then(|o| o.as_ref()?.decided());
        own.map(|(o, _)| o).or(self.settled.as_ref().and_then(|s| s.order)).or(self.order.decided().map(|(o, _)| o))
    }

    fn handle(&mut self, author: u32, sink: &mut dyn Sink) -> HandleId {
        let i = author as usize;
        if let Some(Some(h)) = self.handles.get(i) {
            return *h;
        }
        let name = self.parser.authors.get(i).map_or("", String::as_str);
        let h = sink.handle(HandleKind::WhatsApp, name, name);
        if self.handles.len() <= i {
            self.handles.resize(i + 1, None);
        }
        self.handles[i] = Some(h);
        h
    }

    fn process(&mut self, m: &RawMessage, sink: &mut dyn Sink) {
        let year = match (m.date, self.years.as_mut()) {
            (RawDate::Known { year: None, month, .. }, Some(counter)) => Some(counter.next(month)),
            (date, Some(counter)) => {
                counter.next(month_of(date));
                None
            }
            _ => None,
        };
        self.processed += 1;
        if self.processed <= self.reported_in_first_pass {
            return;
        }
        let date = match self.last_date {
            Some((raw, layout, y, date, day)) if raw == m.date && layout == m.layout && y == year => {
                self.sanity.observe(day);
                if let Some(midnight) = self.last_midnight {
                    self.emit(m, midnight + i64::from(m.seconds_of_day), sink);
                    return;
                }
                date
            }
            _ => {
                let date = match (m.date, year) {
                    (RawDate::Known { year: None, month, day }, Some(y)) => {
                        NaiveDate::from_ymd_opt(y, u32::from(month), u32::from(day))
                    }
                    (raw, _) => {
                        // Only when the date differs from the last line's: most lines share one.
                        dates::resolve(raw, self.order_of(m.layout))
                    }
                };
                let Some(date) = date else {
                    self.invalid_dates += 1;
                    return;
                };
                let day = date.num_days_from_ce();
                self.sanity.observe(day);
                self.last_date = Some((m.date, m.layout, year, date, day));
                let at = self.zone.utc_seconds(date, m.seconds_of_day);
                // Asked after the message's own time, so the zone's memo of the day is the
                // same as without these two questions; on a day with a daylight-saving change
                // they fall in its first and last hours, whose offsets are each one all hour.
                let midnight = self.zone.utc_seconds(date, 0);
                const LAST_MINUTE: u32 = 23 * 3600 + 59 * 60;
                let uniform = self.zone.utc_seconds(date, LAST_MINUTE) - midnight == i64::from(LAST_MINUTE);
                self.last_midnight = uniform.then_some(midnight);
                self.emit(m, at, sink);
                return;
            }
        };
        let at = self.zone.utc_seconds(date, m.seconds_of_day);
        self.emit(m, at, sink);
    }

    fn emit(&mut self, m: &RawMessage, at: i64, sink: &mut dyn Sink) {
        let author = m.author.map(|a| self.handle(a, sink));
        if let Some(chat) = self.chat {
            self.out.push(Event { chat, author, at, kind: m.kind, id: None });
        }
    }

    /// Hands the events found so far to the sink.
    fn flush(&mut self, sink: &mut dyn Sink) {
        if !self.out.is_empty() {
            sink.events(&self.out);
            self.out.clear();
        }
    }

    fn declare(&mut self, id: String, sink: &mut dyn Sink) {
        let info = ChatInfo { id, title: self.title.clone(), shape: ChatShape::Unknown, participants: Vec::new() };
        self.chat = Some(sink.chat(info));
    }

    /// The order dates were read in, and why, for the report.
    fn order_codes(&mut self, sink: &mut dyn Sink) -> Option<DateOrder> {
        if self.saw_ambiguous {
            let (order, reason) = self.order.finish(self.fallback);
            if reason == OrderReason::Fallback {
                sink.warn(format!(
                    "Every date in this file could be read day-first or month-first; kith read them as {}. If times look wrong, set the date order and import again.",
                    if order == DateOrder::DayMonth { "day/month" } else { "month/day" }
                ));
            }
            sink.read_dates(order.code(), reason.code());
            Some(order)
        } else {
            sink.read_dates(if self.parser.dates_are_named() { "monthName" } else { "ymd" }, "unambiguous");
            None
        }
    }

    fn warn_counts(&mut self, sink: &mut dyn Sink) {
        self.sanity.close_run(None);
        if self.sanity.future > 0 {
            sink.warn(format!(
                "{} message(s) are dated more than a day in the future; they were counted. Check the phone's date if that looks wrong.",
                self.sanity.future
            ));
        }
        if self.sanity.outliers > 0 {
            sink.warn(format!(
                "{} message(s) are dated decades away from the messages around them; they were counted, but their dates are probably wrong.",
                self.sanity.outliers
            ));
        }
        let counts = &self.parser.counts;
        if counts.lines_in_other_layout > 0 {
            sink.warn(format!(
                "{} line(s) were written in a second date layout, as in merged exports; they were read too.",
                counts.lines_in_other_layout
            ));
        }
        let file_order = self.settled.as_ref().and_then(|s| s.order);
        let other =
            self.layout_orders.iter().flatten().filter_map(|o| o.decided()).find(|(o, _)| Some(*o) != file_order);
        if let (Some((other, _)), Some(file_order)) = (other, file_order) {
            let name = |o: DateOrder| if o == DateOrder::DayMonth { "day/month" } else { "month/day" };
            sink.warn(format!(
                "Dates in a second layout were read {}, unlike the rest of the file ({}).",
                name(other),
                name(file_order)
            ));
        }
        if counts.lines_before_first_header > 0 {
            sink.warn(format!("{} line(s) before the first message were skipped.", counts.lines_before_first_header));
        }
        if counts.lines_with_bad_utf8 > 0 {
            sink.warn(format!(
                "{} message header(s) contained bytes that are not UTF-8; names there may be cut short. Export the chat again if names look wrong.",
                counts.lines_with_bad_utf8
            ));
        }
        if self.invalid_dates > 0 {
            sink.warn(format!("{} message(s) had impossible dates and were skipped.", self.invalid_dates));
        }
        if self.saw_yearless {
            sink.warn(
                "The dates in this file have no year; kith assumed the last message is from the past twelve months."
                    .into(),
            );
        }
    }
}

impl Format for WhatsAppFormat {
    fn begin_file(&mut self, path: &str, sink: &mut dyn Sink) -> Result<(), ImportError> {
        self.title = self.file_title.clone().or_else(|| chat_title(path));
        if let Some(settled) = &self.settled {
            let id = settled.chat_id.clone();
            self.declare(id, sink);
        } else if let Some(title) = self.title.clone() {
            self.declare(chat_id(Some(&title), &[]), sink);
        }
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        // A whole file may come as one chunk: it is parsed in pieces of whole lines, so the
        // messages and events waiting between parser and sink stay few (and in cache) rather
        // than growing with the file.
        let mut rest = chunk;
        while rest.len() > PIECE_BYTES {
            let cut = match memchr::memchr(b'\n', &rest[PIECE_BYTES..]) {
                Some(i) => PIECE_BYTES + i + 1,
                None => rest.len(),
            };
            let (piece, tail) = rest.split_at(cut);
            self.push_piece(piece, sink)?;
            rest = tail;
        }
        self.push_piece(rest, sink)
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        let batch = &mut self.batch;
        self.parser.finish(batch)?;
        self.drain(sink);
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        if self.settled.is_some() {
            // The second pass counted everything as it went.
            self.order_codes(sink);
            self.warn_counts(sink);
            return Ok(Finished::Done);
        }
        let order = self.order_codes(sink);
        let first_year = self.saw_yearless.then(|| self.months.first_year(self.today));
        let id = match &self.title {
            Some(t) => chat_id(Some(t), &[]),
            None => {
                let writers: Vec<&str> = self
                    .active
                    .iter()
                    .enumerate()
                    .filter(|(_, &a)| a)
                    .filter_map(|(i, _)| self.parser.authors.get(i).map(String::as_str))
                    .collect();
                if writers.is_empty() && self.parser.authors.is_empty() && self.pending.is_empty() {
                    return Err(ImportError::Empty);
                }
                chat_id(None, &writers)
            }
        };
        if self.overflowed {
            // Start over with everything settled; the reader feeds the file again.
            self.settled = Some(Settled { order, chat_id: id });
            self.parser = Parser::default();
            self.chat = None;
            self.handles.clear();
            self.pending = Vec::new();
            self.last_date = None;
            self.last_midnight = None;
            self.reported_in_first_pass = self.processed;
            self.processed = 0;
            self.years = first_year.map(|year| YearCounter { year, previous: 0 });
            return Ok(Finished::AnotherPass);
        }
        if self.chat.is_none() {
            self.declare(id, sink);
        }
        self.years = first_year.map(|year| YearCounter { year, previous: 0 });
        self.settled = Some(Settled { order, chat_id: String::new() });
        let pending = std::mem::take(&mut self.pending);
        for m in &pending {
            self.process(m, sink);
        }
        self.flush(sink);
        self.warn_counts(sink);
        Ok(Finished::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::event::run_format;
    use crate::time::FixedZone;

    fn format(name: &str) -> WhatsAppFormat {
        let ctx = FormatContext {
            file_name: name.into(),
            zone: Box::new(FixedZone(0)),
            today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default(),
            owner: Vec::new(),
        };
        WhatsAppFormat::new(ctx, DateOrder::DayMonth)
    }

    /// The fixtures of the real-world variants (their expected stats are in `cases.json`).
    const MORE_FIXTURES: &[(&str, &[u8])] = &[
        (
            "ios-old-no-brackets-12h-mdy.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/ios-old-no-brackets-12h-mdy.txt"),
        ),
        (
            "ios-old-no-brackets-24h-dmy.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/ios-old-no-brackets-24h-dmy.txt"),
        ),
        (
            "android-month-name-day-first-yearless.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/android-month-name-day-first-yearless.txt"),
        ),
        (
            "android-month-name-time-first-year-carried-de.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/android-month-name-time-first-year-carried-de.txt"),
        ),
        (
            "android-day-period-words.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/android-day-period-words.txt"),
        ),
        (
            "android-hidden-author-mark.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/android-hidden-author-mark.txt"),
        ),
        (
            "ios-then-android-merged-layouts.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/ios-then-android-merged-layouts.txt"),
        ),
        (
            "ios-mdy-then-android-dmy-switch.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/ios-mdy-then-android-dmy-switch.txt"),
        ),
        (
            "android-12h-hour-zero-odd-years.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/android-12h-hour-zero-odd-years.txt"),
        ),
        (
            "ios-notices-more-languages.txt",
            include_bytes!("../../../tests/fixtures/whatsapp/ios-notices-more-languages.txt"),
        ),
    ];

    /// Every fixture above, fed one to seven bytes at a time, gives the events of one chunk.
    #[test]
    fn more_fixtures_do_not_depend_on_chunk_size() {
        for (file, bytes) in MORE_FIXTURES {
            let name = format!("WhatsApp Chat with {file}");
            let whole = run_format(&mut format(&name), &[(name.as_str(), *bytes)], bytes.len()).expect("whole");
            for size in 1..8 {
                let parts = run_format(&mut format(&name), &[(name.as_str(), *bytes)], size).expect("parts");
                assert_eq!(parts.events, whole.events, "{file} at {size}");
                assert_eq!(parts.warnings, whole.warnings, "{file} at {size}");
            }
        }
    }

    /// Each layout of a merged export reads its dates in its own order once its own dates
    /// decide it, and in the file's order when they never do.
    #[test]
    fn each_layout_has_its_own_date_order() {
        let day = |at: i64| at.div_euclid(86_400);
        let text = "[3/18/22, 14:56:01] Ann: a\n20/04/2022, 09:00 - Ann: b\n04/05/2022, 10:00 - Sam: c\n";
        let name = "WhatsApp Chat with Ann.txt";
        let sink = run_format(&mut format(name), &[(name, text.as_bytes())], 5).expect("reads");
        let days: Vec<i64> = sink.events.iter().map(|e| day(e.at)).collect();
        let expected = |y, m, d| {
            day(NaiveDate::from_ymd_opt(y, m, d)
                .expect("date")
                .and_hms_opt(0, 0, 0)
                .expect("time")
                .and_utc()
                .timestamp())
        };
        assert_eq!(days, vec![expected(2022, 3, 18), expected(2022, 4, 20), expected(2022, 5, 4)]);
        // The second layout's dates never decide: they are read month/day, as the file is.
        let text = "[3/18/22, 14:56:01] Ann: a\n04/05/2022, 10:00 - Sam: c\n";
        let sink = run_format(&mut format(name), &[(name, text.as_bytes())], 5).expect("reads");
        assert_eq!(day(sink.events[1].at), expected(2022, 4, 5));
        assert!(sink.warnings.iter().all(|w| !w.contains("unlike the rest")), "{:?}", sink.warnings);
    }

    #[test]
    fn dates_far_in_the_future_or_decades_from_their_neighbours_are_counted() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date").num_days_from_ce();
        let run = |days: &[i32]| {
            let mut s = DateSanity::new(today);
            for &d in days {
                s.observe(d);
            }
            s.close_run(None);
            (s.future, s.outliers)
        };
        // Tomorrow is fine; the day after is the future.
        assert_eq!(run(&[day(2026, 11, 25), day(2026, 11, 26)]), (1, 0));
        // One wrong year in the middle, at the start and at the end.
        let normal = [day(2020, 2, 22), day(2020, 2, 23), day(2020, 2, 24)];
        let odd = day(1999, 2, 22);
        assert_eq!(run(&[normal[0], odd, odd, normal[1], normal[2]]), (0, 2));
        assert_eq!(run(&[odd, normal[0], normal[1], normal[2]]), (0, 1));
        assert_eq!(run(&[normal[0], normal[1], normal[2], odd]), (0, 1));
        // Years apart, but less than decades: a chat resumed after a long silence.
        assert_eq!(run(&[day(2012, 1, 1), day(2024, 1, 1), day(2024, 1, 2)]), (0, 0));
        // Two dates decades apart and nothing else: no telling which is wrong.
        assert_eq!(run(&[day(2020, 1, 1), odd]), (0, 0));
    }

    #[test]
    fn titles_from_file_names() {
        assert_eq!(chat_title("Чат WhatsApp с контактом Аня.txt").as_deref(), Some("Аня"));
        assert_eq!(chat_title("Чат WhatsApp с Аней.txt").as_deref(), Some("Аней"));
        assert_eq!(chat_title("Chat WhatsApp s uživatelem Jana.txt").as_deref(), Some("Jana"));
        assert_eq!(chat_title("Czat WhatsApp z Olą.txt").as_deref(), Some("Olą"));
        assert_eq!(chat_title("Chat WhatsApp dengan Budi.txt").as_deref(), Some("Budi"));
        assert_eq!(chat_title("Чат WhatsApp з Олею.txt").as_deref(), Some("Олею"));
        assert_eq!(chat_title("Discussion WhatsApp avec Léa.txt").as_deref(), Some("Léa"));
        assert_eq!(chat_title("Conversa do WhatsApp com Rui.txt").as_deref(), Some("Rui"));
        assert_eq!(chat_title("Chat WhatsApp con Gio.txt").as_deref(), Some("Gio"));
        assert_eq!(chat_title("WhatsApp-chat met Joop.txt").as_deref(), Some("Joop"));
        assert_eq!(chat_title("Chat de WhatsApp con Lucía.zip").as_deref(), Some("Lucía"));
        assert_eq!(chat_title("WhatsApp Chat with Ann Lee.txt").as_deref(), Some("Ann Lee"));
        assert_eq!(chat_title("WhatsApp Chat - Ann.zip").as_deref(), Some("Ann"));
        assert_eq!(chat_title("Downloads/WhatsApp Chat mit Jörg (1).txt").as_deref(), Some("Jörg"));
        assert_eq!(chat_title("WhatsApp\u{00A0}Chat with Bo.txt").as_deref(), Some("Bo"));
        assert_eq!(chat_title("_chat.txt"), None);
        assert_eq!(chat_title("notes.txt"), None);
    }

    /// A bare `_chat.txt` whose dates never decide the order, longer than the pending limit:
    /// read in two passes, with the same events as a file small enough for one.
    #[test]
    fn a_long_undecided_untitled_file_takes_a_second_pass_and_keeps_every_message() {
        let mut text = String::new();
        let lines = PENDING_LIMIT + 10;
        for i in 0..lines {
            let who = if i % 2 == 0 { "Ann" } else { "Sam" };
            text.push_str(&format!("01/02/2020, 10:{:02} - {who}: CANARY-{i}\n", i % 60));
        }
        let sink = run_format(&mut format("_chat.txt"), &[("_chat.txt", text.as_bytes())], 1 << 20).expect("reads");
        assert_eq!(sink.events.len(), lines);
        assert_eq!(sink.chats.len(), 1);
        assert_eq!(sink.chats[0].id, "authors:name:ann|name:sam");
        let small = "01/02/2020, 10:00 - Ann: CANARY-a\n01/02/2020, 10:01 - Sam: CANARY-b\n";
        let one = run_format(&mut format("_chat.txt"), &[("_chat.txt", small.as_bytes())], 7).expect("reads");
        assert_eq!(one.events.len(), 2);
        assert_eq!(one.chats[0].id, sink.chats[0].id);
        assert_eq!(sink.events[0].at, one.events[0].at);
    }
}
