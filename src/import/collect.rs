//! The engine's [`Sink`]: folds the events of one import into per-conversation, per-author
//! aggregates ([`ChatDelta`]s), ready to merge into the engine as one [`ImportDelta`].
//!
//! Whatever the format, this is where counting happens: deduplication against what the engine
//! already counted (by message id where the source has one, by covered minutes otherwise), reply
//! times, active days, exclusions. What leaves is counts, times and handles, never text.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime};

use super::event::{ChatId, ChatInfo, ChatShape, Event, HandleId, HandleKind, MessageId, OwnerEvidence};
use super::event::{PersonDetails, Sink, Skip};
use crate::coverage::{Covered, Dedup, Span, SpanTracker};
use crate::fast_hash::IntMap;
use crate::identity::{clean_name, contact_key, handle_key};
use crate::model::{Kind, Source};
use crate::stats::{AuthorStats, ReplyTimes, MAX_REPLY_GAP_SECONDS};
use crate::time::LocalZone;

/// What the engine already counted, per chat key.
pub trait CoverageLookup {
    /// The coverage of the chat with this key (empty for a new chat).
    fn coverage(&self, chat_key: &str) -> Covered;
}

impl<T: CoverageLookup + ?Sized> CoverageLookup for &T {
    fn coverage(&self, chat_key: &str) -> Covered {
        (**self).coverage(chat_key)
    }
}

/// Who takes part in a chat, by identity key (the engine's form of [`ChatShape`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// The user and one other person: `peer` when the source named them.
    Direct {
        /// The other person's key.
        peer: Option<String>,
    },
    /// Several people.
    Group,
    /// Decided from the title and the writers (WhatsApp).
    Unknown,
}

/// What one conversation contributed to an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatDelta {
    pub(crate) key: String,
    pub(crate) title: Option<String>,
    pub(crate) source: Source,
    pub(crate) shape: Shape,
    /// `(key, name)` of each listed member.
    pub(crate) participants: Vec<(String, String)>,
    /// Per author, by the chat's local author index.
    pub(crate) authors: Vec<AuthorStats>,
    pub(crate) span: Option<Span>,
    /// The smallest and largest ordered message id this import saw.
    pub(crate) id_span: Option<(i64, i64)>,
    /// Hashes of the unordered ids counted (mail `Message-ID`s, WhatsApp Web row ids), sorted.
    pub(crate) ids: Vec<u64>,
    /// The latest message, and its author index.
    pub(crate) last_message: Option<(i64, u32)>,
    /// Local day numbers (days since 1970-01-01 in the import's zone) with a message or call,
    /// ascending: a set, so re-imports and other sources merge by union.
    pub(crate) days: Vec<i32>,
    pub(crate) messages: u32,
    pub(crate) calls: u32,
    pub(crate) system: u32,
    pub(crate) duplicates: u32,
    pub(crate) excluded: u32,
    /// Live capture: (minute, author index) of each message counted.
    pub(crate) live_minutes: Vec<(i64, u32)>,
    /// Per author index, the local hour of the week ([`week_slot`]) of each message counted:
    /// a byte per message, summed for the user alone when the import is committed (the
    /// `yourWeekHours` of its report). Transient: neither snapshots nor journals keep it.
    pub(crate) week_slots: Vec<Vec<u8>>,
}

/// A person a source described beyond their messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDelta {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) source: Source,
    pub(crate) phones: Vec<String>,
    pub(crate) emails: Vec<String>,
    pub(crate) connected_at: Option<i64>,
}

/// Everything one import contributed.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportDelta {
    pub(crate) format: String,
    pub(crate) chats: Vec<ChatDelta>,
    /// `(name, key, evidence code)` of handles the parser knows are the user.
    pub(crate) owners: Vec<(String, String, String)>,
    pub(crate) people: Vec<PersonDelta>,
    pub(crate) skipped: BTreeMap<String, u32>,
    pub(crate) date_order: String,
    pub(crate) date_order_source: String,
    pub(crate) warnings: Vec<String>,
}

/// Folds one chat's events into aggregates, skipping what the chat already counted.
pub(crate) struct Accumulator {
    dedup: Dedup,
    /// Per author index.
    tallies: Vec<Tally>,
    span: SpanTracker,
    known_id_spans: Vec<(i64, i64)>,
    id_span: Option<(i64, i64)>,
    known_ids: Vec<u64>,
    new_ids: HashSet<u64>,
    /// Latest message so far in arrival order, duplicates included, and whether it was new:
    /// a reply's predecessor may be a message counted by an earlier import.
    previous_message: Option<(i64, u32, bool)>,
    /// Active local days, and whether a message new to the engine fell on each.
    days: BTreeMap<i64, bool>,
    /// The day of the last message and its flag, not yet in `days`: consecutive messages
    /// mostly share a day, so the map is touched and the calendar asked once per day rather
    /// than once per message.
    current_day: Option<Today>,
    last_message: Option<(i64, u32)>,
    pub(crate) messages: u32,
    pub(crate) calls: u32,
    pub(crate) system: u32,
    duplicates: u32,
    excluded: u32,
    /// Identity keys not to count, and per author index whether the author is one of them.
    exclude: Vec<String>,
    author_excluded: Vec<Option<bool>>,
    /// (minute, author) of every message counted: kept for live capture only.
    counted_minutes: Option<Vec<(i64, u32)>>,
    /// The month of the last day seen, for the monthly counts.
    month_memo: crate::months::MonthMemo,
}

/// One author's counts while a chat is read. What each of their messages changes sits in the
/// first 64 bytes, one cache line, in wasm (where a `Vec` is 12 bytes; natively two lines).
/// In a group of 300, the same state spread over the author's record, their months histogram
/// and two per-author buffers cost a cache miss each, and counting the month straight into
/// the histogram alone was a tenth of the import.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
struct Tally {
    messages: u32,
    calls: u32,
    /// Earliest and latest message or call, and latest message: meaningful once `messages`
    /// (or `calls`, for the first two) is above zero.
    first_at: i64,
    last_at: i64,
    last_message_at: i64,
    /// The month of the author's latest message, and how many of their messages in it are
    /// not yet in `months` (0: none pending).
    month: crate::months::Month,
    month_messages: u32,
    /// Reply buckets not yet in `replies`: a sorted insert per reply was a tenth of a
    /// WhatsApp import, a byte pushed here is nearly free.
    reply_buffer: Vec<u8>,
    /// The [`week_slot`] of each message counted: who the user is is decided at commit, and
    /// a byte per message costs less than 168 counts for every author of a group.
    week_slots: Vec<u8>,
    replies: ReplyTimes,
    months: crate::stats::SortedCounts<crate::months::Month>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            messages: 0,
            calls: 0,
            first_at: i64::MAX,
            last_at: i64::MIN,
            last_message_at: i64::MIN,
            month: 0,
            month_messages: 0,
            reply_buffer: Vec::new(),
            week_slots: Vec::new(),
            replies: ReplyTimes::default(),
            months: crate::stats::SortedCounts::default(),
        }
    }
}

impl Tally {
    /// Counts one message or call at `at` (as [`AuthorStats::record`]).
    fn record(&mut self, at: i64, is_call: bool) {
        if is_call {
            self.calls = self.calls.saturating_add(1);
        } else {
            self.messages = self.messages.saturating_add(1);
            self.last_message_at = self.last_message_at.max(at);
        }
        self.first_at = self.first_at.min(at);
        self.last_at = self.last_at.max(at);
    }

    /// Counts a message in `month`.
    fn add_month(&mut self, month: crate::months::Month) {
        if self.month_messages > 0 && self.month == month {
            self.month_messages = self.month_messages.saturating_add(1);
        } else {
            self.flush_month();
            self.month = month;
            self.month_messages = 1;
        }
    }

    // Out of line: a month's messages are flushed once, and inlined into `add` the sorted
    // insert crowded the per-message path.
    #[cold]
    #[inline(never)]
    fn flush_month(&mut self) {
        if self.month_messages > 0 {
            self.months.add_count(self.month, self.month_messages);
            self.month_messages = 0;
        }
    }

    fn push_reply(&mut self, bucket: u8) {
        self.reply_buffer.push(bucket);
        if self.reply_buffer.len() >= REPLY_FLUSH {
            self.replies.add_buckets(&self.reply_buffer);
            self.reply_buffer.clear();
        }
    }

    /// The author's aggregates, and their week slots.
    fn finish(mut self, key: &str, name: &str) -> (AuthorStats, Vec<u8>) {
        self.flush_month();
        self.replies.add_buckets(&self.reply_buffer);
        let any = self.messages > 0 || self.calls > 0;
        let stats = AuthorStats {
            key: key.to_string(),
            name: name.to_string(),
            messages: self.messages,
            calls: self.calls,
            first_at: any.then_some(self.first_at),
            last_at: any.then_some(self.last_at),
            last_message_at: (self.messages > 0).then_some(self.last_message_at),
            replies: self.replies,
            months: self.months,
        };
        (stats, self.week_slots)
    }
}

/// The local day of the latest message, and what every message on it shares.
#[derive(Debug, Clone, Copy)]
struct Today {
    /// Days since 1970-01-01, and the local seconds of its midnight and of the next.
    day: i64,
    midnight: i64,
    end: i64,
    /// Whether a message new to the engine fell on it.
    new: bool,
    /// Its month, and the [`week_slot`] of its first hour.
    month: Option<crate::months::Month>,
    week_hour: u8,
}

/// Hours in a week: the slots of [`week_slot`].
pub const WEEK_HOURS: usize = 168;

/// The hour of the week of a local time (seconds since 1970-01-01 00:00 in the import's zone)
/// on its local day number `day` (each message's is known already): 0 is Monday 00:00–00:59,
/// 167 Sunday 23:00–23:59. Day 0 of the epoch was a Thursday.
pub(crate) fn week_slot(day: i64, local: i64) -> u8 {
    let weekday = (day + 3).rem_euclid(7);
    (weekday * 24 + (local - day * 86_400) / 3_600) as u8
}

/// Reply buckets buffered per author before they are counted into the histogram.
const REPLY_FLUSH: usize = 4096;

/// Whole minutes up to which [`reply_bucket`] looks the bucket up.
const BUCKET_TABLE_MINUTES: usize = 2 * 1440;

/// [`ReplyTimes::bucket_of`], looked up for gaps of whole minutes up to two days (exports
/// that write no seconds give only these): its float arithmetic ran once per reply.
fn reply_bucket(gap: i64) -> u8 {
    static TABLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let minutes = gap / 60;
    if gap % 60 == 0 && (0..BUCKET_TABLE_MINUTES as i64).contains(&minutes) {
        let table =
            TABLE.get_or_init(|| (0..BUCKET_TABLE_MINUTES as i64).map(|m| ReplyTimes::bucket_of(m * 60)).collect());
        return table[minutes as usize];
    }
    ReplyTimes::bucket_of(gap)
}

impl Accumulator {
    pub(crate) fn new(covered: Covered, exclude: Vec<String>) -> Self {
        let mut known_ids = covered.ids.clone();
        crate::sort::sort(&mut known_ids);
        Accumulator {
            known_id_spans: covered.id_spans.clone(),
            known_ids,
            dedup: Dedup::new(covered),
            tallies: Vec::new(),
            span: SpanTracker::default(),
            id_span: None,
            new_ids: HashSet::new(),
            previous_message: None,
            days: BTreeMap::new(),
            current_day: None,
            last_message: None,
            messages: 0,
            calls: 0,
            system: 0,
            duplicates: 0,
            excluded: 0,
            exclude,
            author_excluded: Vec::new(),
            counted_minutes: None,
            month_memo: crate::months::MonthMemo::default(),
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

    fn is_excluded(&mut self, author: u32, key: &str, name: &str) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let i = author as usize;
        if self.author_excluded.len() <= i {
            self.author_excluded.resize(i + 1, None);
        }
        *self.author_excluded[i]
            .get_or_insert_with(|| self.exclude.iter().any(|e| e == key) || self.exclude.contains(&contact_key(name)))
    }

    /// Whether the message was counted before, by its id where it has one.
    fn is_duplicate(&mut self, minute: i64, author: u32, key: &str, id: Option<MessageId>) -> bool {
        match id {
            Some(MessageId::Ordered(n)) => {
                self.id_span = Some(self.id_span.map_or((n, n), |(lo, hi)| (lo.min(n), hi.max(n))));
                self.known_id_spans.iter().any(|&(lo, hi)| (lo..=hi).contains(&n))
            }
            Some(MessageId::Unordered(h)) => self.known_ids.binary_search(&h).is_ok() || !self.new_ids.insert(h),
            None => {
                let duplicate = self.dedup.is_duplicate(minute, author, key);
                self.span.add(minute, author);
                duplicate
            }
        }
    }

    /// Counts one event. `author` is the chat's local index of the author; `key` and `name`
    /// are theirs; `local` is the event's local time (seconds since 1970-01-01 00:00 in the
    /// import's zone), which gives its local day and hour.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add(
        &mut self,
        at: i64,
        local: i64,
        author: Option<u32>,
        kind: Kind,
        key: &str,
        name: &str,
        id: Option<MessageId>,
    ) {
        let author = match (kind, author) {
            (Kind::System, _) | (_, None) => {
                self.system = self.system.saturating_add(1);
                return;
            }
            (_, Some(a)) => a,
        };
        if self.is_excluded(author, key, name) {
            self.excluded = self.excluded.saturating_add(1);
            return;
        }
        let is_call = kind == Kind::Call;
        if is_call {
            self.calls = self.calls.saturating_add(1);
        } else {
            self.messages = self.messages.saturating_add(1);
        }
        let minute = at.div_euclid(60);
        let duplicate = self.is_duplicate(minute, author, key, id);
        if self.tallies.len() <= author as usize {
            self.tallies.resize_with(author as usize + 1, Tally::default);
        }
        if !is_call {
            // A reply answers the message before it by somebody else. Files run oldest first
            // (WhatsApp, Telegram) or newest first (Messenger): in the second case the earlier
            // message arrives later, and the reply is the one that came before it.
            if let Some((previous_at, previous_author, previous_new)) = self.previous_message {
                let gap = at - previous_at;
                if previous_author != author {
                    if gap >= 0 && !duplicate && gap <= MAX_REPLY_GAP_SECONDS {
                        self.push_reply(author, gap);
                    } else if gap < 0 && previous_new && -gap <= MAX_REPLY_GAP_SECONDS {
                        self.push_reply(previous_author, -gap);
                    }
                }
            }
            self.previous_message = Some((at, author, !duplicate));
        }
        let today = match &mut self.current_day {
            Some(today) if local >= today.midnight && local < today.end => {
                today.new |= !duplicate;
                *today
            }
            slot => {
                let day = local.div_euclid(86_400);
                let midnight = day.wrapping_mul(86_400);
                let today = Today {
                    day,
                    midnight,
                    end: midnight.saturating_add(86_400),
                    new: !duplicate,
                    month: self.month_memo.month(day),
                    week_hour: week_slot(day, midnight),
                };
                if let Some(previous) = slot.replace(today) {
                    *self.days.entry(previous.day).or_insert(false) |= previous.new;
                }
                today
            }
        };
        if duplicate {
            self.duplicates = self.duplicates.saturating_add(1);
            return;
        }
        let tally = &mut self.tallies[author as usize];
        tally.record(at, is_call);
        if !is_call {
            if let Some(month) = today.month {
                tally.add_month(month);
            }
            // The hour of the day, from the seconds since its midnight (fewer than 86,400).
            let hour = local.wrapping_sub(today.midnight) as u32 / 3_600;
            tally.week_slots.push(today.week_hour + hour as u8);
        }
        if let Some(minutes) = self.counted_minutes.as_mut() {
            minutes.push((minute, author));
        }
        if !is_call && self.last_message.is_none_or(|(last, _)| at >= last) {
            self.last_message = Some((at, author));
        }
    }

    fn push_reply(&mut self, author: u32, gap: i64) {
        if let Some(tally) = self.tallies.get_mut(author as usize) {
            tally.push_reply(reply_bucket(gap));
        }
    }

    /// The active local days, ascending.
    fn active_days(&mut self) -> Vec<i32> {
        if let Some(today) = self.current_day.take() {
            *self.days.entry(today.day).or_insert(false) |= today.new;
        }
        self.days.keys().filter_map(|&d| i32::try_from(d).ok()).collect()
    }

    /// The finished aggregates, with authors given their keys and names.
    pub(crate) fn into_delta(
        mut self,
        key: String,
        title: Option<String>,
        source: Source,
        shape: Shape,
        participants: Vec<(String, String)>,
        names: &[(String, String)],
    ) -> ChatDelta {
        let days = self.active_days();
        let mut tallies = self.tallies;
        tallies.resize_with(names.len(), Tally::default);
        let (authors, week_slots) = tallies.into_iter().zip(names).map(|(t, (k, n))| t.finish(k, n)).unzip();
        let live = self.counted_minutes.is_some();
        let mut ids: Vec<u64> = self.new_ids.into_iter().collect();
        crate::sort::sort(&mut ids);
        ChatDelta {
            key,
            title,
            source,
            shape,
            participants,
            span: if live { None } else { self.span.into_span(names) },
            id_span: self.id_span,
            ids,
            authors,
            last_message: self.last_message,
            days,
            messages: self.messages,
            calls: self.calls,
            system: self.system,
            duplicates: self.duplicates,
            excluded: self.excluded,
            live_minutes: self.counted_minutes.unwrap_or_default(),
            week_slots,
        }
    }
}

/// One handle declared in this import.
struct HandleSlot {
    kind: HandleKind,
    key: String,
    name: String,
}

/// One conversation being collected.
struct ChatSlot {
    id: String,
    title: Option<String>,
    source: Source,
    shape: ChatShape,
    participants: Vec<HandleId>,
    /// On the exclusion list: events are dropped unread.
    excluded: bool,
    acc: Accumulator,
    /// Handle id -> local author index, and the reverse.
    local: IntMap<HandleId, u32>,
    authors: Vec<HandleId>,
}

/// The engine's [`Sink`] for one import.
pub struct Collector<'k> {
    /// What the engine already counted; one concrete type for every caller, so the collector
    /// (and everything inlined into it) exists once in the wasm module.
    known: Box<dyn CoverageLookup + 'k>,
    format: &'static str,
    default_source: Source,
    exclude: Vec<String>,
    zone: Box<dyn LocalZone>,
    /// The UTC day of the last local-day lookup (its first second and the next day's) and
    /// its offset in seconds.
    zone_memo: Option<(i64, i64, i64)>,
    handles: Vec<HandleSlot>,
    /// Per handle, the chat it last wrote in and its local author index there: a chat's
    /// events mostly come together, so this answers nearly every lookup without hashing.
    last_local: Vec<(ChatId, u32)>,
    /// Handle ids by kind, then by the source's id: looked up without allocating a key.
    handle_ids: HashMap<HandleKind, HashMap<String, HandleId>>,
    chats: Vec<ChatSlot>,
    chat_ids: HashMap<String, ChatId>,
    owners: Vec<(HandleId, OwnerEvidence)>,
    people: Vec<(HandleId, PersonDetails)>,
    skipped: BTreeMap<String, u32>,
    warnings: Vec<String>,
    excluded_chats: u32,
    date_order: (String, String),
}

impl<'k> Collector<'k> {
    /// A collector for an import of `format` (`whatsapp`, `telegram`…), whose chats belong to
    /// `default_source` unless their members' handles say otherwise. `exclude` lists identity
    /// keys of chats and people not to count.
    pub fn new(
        known: Box<dyn CoverageLookup + 'k>,
        format: &'static str,
        default_source: Source,
        exclude: Vec<String>,
        zone: Box<dyn LocalZone>,
    ) -> Self {
        Collector {
            known,
            format,
            default_source,
            exclude,
            zone,
            zone_memo: None,
            handles: Vec::new(),
            last_local: Vec::new(),
            handle_ids: HashMap::new(),
            chats: Vec::new(),
            chat_ids: HashMap::new(),
            owners: Vec::new(),
            people: Vec::new(),
            skipped: BTreeMap::new(),
            warnings: Vec::new(),
            excluded_chats: 0,
            date_order: ("exact".into(), "unambiguous".into()),
        }
    }

    /// Names the format read and the source its chats belong to by default.
    pub(crate) fn set_format(&mut self, format: &'static str, source: Source) {
        self.format = format;
        self.default_source = source;
    }

    /// An instant as local seconds (since 1970-01-01 00:00 in the import's zone), with the
    /// offset the zone has at noon of its UTC day.
    fn local_seconds(&mut self, at: i64) -> i64 {
        match self.zone_memo {
            Some((start, end, offset)) if at >= start && at < end => at + offset,
            _ => {
                let utc_day = at.div_euclid(86_400);
                let noon = DateTime::from_timestamp(utc_day * 86_400 + 43_200, 0)
                    .map(|t| t.naive_utc())
                    .unwrap_or(NaiveDateTime::MIN);
                let offset = i64::from(self.zone.offset_seconds(noon));
                let start = utc_day.wrapping_mul(86_400);
                self.zone_memo = Some((start, start.saturating_add(86_400), offset));
                at + offset
            }
        }
    }

    fn handle_key_name(&self, h: HandleId) -> (&str, &str) {
        self.handles.get(h as usize).map_or(("", ""), |s| (s.key.as_str(), s.name.as_str()))
    }

    fn source_of(&self, info: &ChatInfo) -> Source {
        let first = match info.shape {
            ChatShape::Direct { peer: Some(p) } => Some(p),
            _ => info.participants.first().copied(),
        };
        first.and_then(|h| self.handles.get(h as usize)).map_or(self.default_source, |s| s.kind)
    }

    /// Everything the import found, as one delta for [`crate::Engine::commit`].
    pub fn finish(self) -> ImportDelta {
        let handles = &self.handles;
        let key_name = |h: HandleId| -> (String, String) {
            handles.get(h as usize).map(|s| (s.key.clone(), s.name.clone())).unwrap_or_default()
        };
        let mut warnings = self.warnings;
        let mut chats = Vec::new();
        let mut duplicates = 0;
        let mut excluded = 0;
        for slot in self.chats {
            if slot.excluded {
                continue;
            }
            let names: Vec<(String, String)> = slot.authors.iter().map(|&h| key_name(h)).collect();
            let shape = match slot.shape {
                ChatShape::Direct { peer } => Shape::Direct { peer: peer.map(|p| key_name(p).0) },
                ChatShape::Group => Shape::Group,
                ChatShape::Unknown => Shape::Unknown,
            };
            let participants = slot.participants.iter().map(|&h| key_name(h)).collect();
            let key = format!("{}:{}", slot.source.as_str(), slot.id);
            duplicates = slot.acc.duplicates.saturating_add(duplicates);
            excluded = slot.acc.excluded.saturating_add(excluded);
            chats.push(slot.acc.into_delta(key, slot.title, slot.source, shape, participants, &names));
        }
        if duplicates > 0 {
            warnings.push(format!("{duplicates} message(s) were already imported and were counted once."));
        }
        if excluded > 0 {
            warnings.push(format!("{excluded} message(s) by people on your exclusion list were not counted."));
        }
        if self.excluded_chats > 0 {
            warnings.push(if self.excluded_chats == 1 && chats.is_empty() {
                "This chat is on your exclusion list; it was not read.".to_string()
            } else {
                format!("{} chat(s) on your exclusion list were not read.", self.excluded_chats)
            });
        }
        let owners = self
            .owners
            .iter()
            .map(|&(h, evidence)| {
                let (key, name) = key_name(h);
                (name, key, evidence.code().to_string())
            })
            .collect();
        let people = self
            .people
            .into_iter()
            .map(|(h, d)| {
                let (key, name) = key_name(h);
                let source = handles.get(h as usize).map_or(Source::WhatsApp, |s| s.kind);
                PersonDelta { key, name, source, phones: d.phones, emails: d.emails, connected_at: d.connected_at }
            })
            .collect();
        let (date_order, date_order_source) = if chats.is_empty() && self.excluded_chats > 0 {
            ("none".to_string(), "excluded".to_string())
        } else {
            self.date_order
        };
        ImportDelta {
            format: self.format.to_string(),
            chats,
            owners,
            people,
            skipped: self.skipped,
            date_order,
            date_order_source,
            warnings,
        }
    }
}

impl Sink for Collector<'_> {
    fn chat(&mut self, info: ChatInfo) -> ChatId {
        let source = self.source_of(&info);
        let title = info.title.as_deref().map(clean_name).filter(|t| !t.is_empty());
        if let Some(&id) = self.chat_ids.get(&info.id) {
            let slot = &mut self.chats[id as usize];
            slot.title = title.or(slot.title.take());
            slot.shape = info.shape;
            for p in info.participants {
                if !slot.participants.contains(&p) {
                    slot.participants.push(p);
                }
            }
            return id;
        }
        let key = format!("{}:{}", source.as_str(), info.id);
        let excluded = title.as_deref().is_some_and(|t| self.exclude.contains(&contact_key(t)));
        if excluded {
            self.excluded_chats += 1;
        }
        let covered = if excluded { Covered::default() } else { self.known.coverage(&key) };
        let id = self.chats.len() as ChatId;
        self.chats.push(ChatSlot {
            id: info.id.clone(),
            title,
            source,
            shape: info.shape,
            participants: info.participants,
            excluded,
            acc: Accumulator::new(covered, self.exclude.clone()),
            local: IntMap::default(),
            authors: Vec::new(),
        });
        self.chat_ids.insert(info.id, id);
        id
    }

    fn handle(&mut self, kind: HandleKind, id: &str, name: &str) -> HandleId {
        if let Some(&h) = self.handle_ids.get(&kind).and_then(|ids| ids.get(id)) {
            // Parsers call this once per message: clean (and allocate) only when the name differs.
            let current = &mut self.handles[h as usize].name;
            if !name.is_empty() && current != name {
                let clean = clean_name(name);
                if !clean.is_empty() && *current != clean {
                    *current = clean;
                }
            }
            return h;
        }
        let clean = clean_name(name);
        let h = self.handles.len() as HandleId;
        self.handles.push(HandleSlot {
            kind,
            key: handle_key(kind, id),
            name: if clean.is_empty() { clean_name(id) } else { clean },
        });
        self.handle_ids.entry(kind).or_default().insert(id.to_string(), h);
        h
    }

    fn event(&mut self, event: Event) {
        let local_at = self.local_seconds(event.at);
        let Some(slot) = self.chats.get_mut(event.chat as usize) else {
            return;
        };
        if slot.excluded {
            return;
        }
        let last_local = &mut self.last_local;
        let local = event.author.map(|h| {
            if let Some(&(chat, local)) = last_local.get(h as usize) {
                if chat == event.chat {
                    return local;
                }
            }
            let next = slot.authors.len() as u32;
            let local = *slot.local.entry(h).or_insert(next);
            if local == next {
                slot.authors.push(h);
            }
            if last_local.len() <= h as usize {
                last_local.resize(h as usize + 1, (ChatId::MAX, 0));
            }
            last_local[h as usize] = (event.chat, local);
            local
        });
        let (key, name) = match event.author {
            Some(h) => self.handles.get(h as usize).map_or(("", ""), |s| (s.key.as_str(), s.name.as_str())),
            None => ("", ""),
        };
        slot.acc.add(event.at, local_at, local, event.kind, key, name, event.id);
    }

    fn owner(&mut self, handle: HandleId, evidence: OwnerEvidence) {
        if !self.owners.iter().any(|(h, _)| *h == handle) {
            self.owners.push((handle, evidence));
        }
    }

    fn person(&mut self, handle: HandleId, details: PersonDetails) {
        let (key, _) = self.handle_key_name(handle);
        if !key.is_empty() && !self.exclude.iter().any(|e| e == key) {
            self.people.push((handle, details));
        }
    }

    fn skipped(&mut self, what: Skip, count: u32) {
        let total = self.skipped.entry(what.code().to_string()).or_insert(0);
        *total = total.saturating_add(count);
    }

    fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn read_dates(&mut self, order: &str, reason: &str) {
        self.date_order = (order.to_string(), reason.to_string());
    }
}

#[cfg(test)]
mod reply_bucket_tests {
    #[test]
    fn week_slots_start_on_monday_midnight() {
        let week_slot = |local: i64| super::week_slot(local.div_euclid(86_400), local);
        // 1970-01-05 was a Monday.
        assert_eq!(week_slot(4 * 86_400), 0);
        assert_eq!(week_slot(4 * 86_400 + 3_599), 0);
        assert_eq!(week_slot(4 * 86_400 + 3_600), 1);
        assert_eq!(week_slot(4 * 86_400 - 1), 167, "Sunday 23:59");
        assert_eq!(week_slot(-1), 3 * 24 - 1, "1969-12-31, a Wednesday, 23:59");
        assert_eq!(week_slot(0), 3 * 24, "Thursday 00:00");
    }

    #[test]
    fn the_table_agrees_with_the_arithmetic() {
        for gap in (-120..4 * 86_400).step_by(7).chain((0..4 * 1440).map(|m| m * 60)) {
            assert_eq!(super::reply_bucket(gap), super::ReplyTimes::bucket_of(gap), "{gap}");
        }
    }
}

#[cfg(test)]
mod tally_tests {
    use super::{Accumulator, Shape};
    use crate::coverage::Covered;
    use crate::model::{Kind, Source};
    use crate::stats::AuthorStats;

    /// The per-author tally (a pending month, sentinel times) gives what counting each
    /// message straight into an [`AuthorStats`] gives, whatever order the months come in.
    #[test]
    fn tallies_equal_direct_counting_in_any_order() {
        let day = 86_400_i64;
        // (author, days since 1970, is a call): months revisited, a call first, an author
        // with calls only, and one who never writes.
        let events: [(u32, i64, bool); 10] = [
            (0, 40, true),
            (0, 40, false),
            (1, 41, false),
            (0, 70, false),
            (0, 41, false),
            (1, 100, false),
            (0, 100, false),
            (0, 10, false),
            (2, 50, true),
            (1, 41, false),
        ];
        let mut acc = Accumulator::new(Covered::default(), Vec::new());
        let mut expected = vec![AuthorStats::default(); 4];
        for (i, &(author, d, call)) in events.iter().enumerate() {
            // Distinct minutes, so none is taken for a duplicate.
            let at = d * day + i as i64 * 60;
            let kind = if call { Kind::Call } else { Kind::Message };
            acc.add(at, at, Some(author), kind, "k", "n", None);
            let stats = &mut expected[author as usize];
            stats.record(at, call);
            if !call {
                stats.months.add_count(crate::months::month_of_day(d).expect("a month"), 1);
            }
        }
        let names: Vec<(String, String)> = (0..4).map(|i| (format!("k{i}"), format!("n{i}"))).collect();
        let delta = acc.into_delta("chat".into(), None, Source::WhatsApp, Shape::Unknown, Vec::new(), &names);
        for (i, (got, want)) in delta.authors.iter().zip(&expected).enumerate() {
            assert_eq!((&got.key, &got.name), (&names[i].0, &names[i].1));
            assert_eq!(got.messages, want.messages, "author {i}");
            assert_eq!(got.calls, want.calls, "author {i}");
            assert_eq!(
                (got.first_at, got.last_at, got.last_message_at),
                (want.first_at, want.last_at, want.last_message_at),
                "author {i}"
            );
            assert_eq!(got.months.pairs(), want.months.pairs(), "author {i}");
        }
        assert_eq!(delta.authors.len(), 4);
        assert_eq!(delta.authors[0].months.pairs().len(), 4, "author 0 wrote in January to April");
        assert_eq!(delta.authors[2].last_message_at, None, "calls only");
        assert_eq!(delta.authors[3].first_at, None, "never wrote");
        assert_eq!(delta.week_slots[0].len(), 5, "a slot per message, none for the call");
    }
}
