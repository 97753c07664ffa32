//! The engine's state as bytes, for IndexedDB, and journals of import deltas, for moving an
//! import made in one page into the engine of another (the extension's service worker).
//!
//! Format: `KITH` (snapshot) or `KITJ` (journal), one version byte, then fields in a fixed
//! order: unsigned integers as LEB128 varints, signed ones zigzag-encoded, strings as a length
//! and UTF-8 bytes. Nothing in either format can hold message text: the types they encode
//! ([`crate::stats::AuthorStats`], [`crate::coverage::Span`]…) have no field for it.
//!
//! Migration path: the version byte names the layout. A new layout gets a new version and a
//! `decode_vN`; decoding an older version reads it with its own decoder and fills new fields
//! with their defaults, so a snapshot written by any earlier kith restores in a later one.
//! A newer version than this build knows is refused with `UnsupportedSnapshot`, never guessed.

use std::collections::BTreeMap;
use std::fmt;

use crate::coverage::Span;
use crate::identity::contact_key;
use crate::import::collect::{ChatDelta, ImportDelta, PersonDelta, Shape};
use crate::merge::{Decision, DecisionKind};
use crate::model::Source;
use crate::stats::{AuthorStats, DayGaps, ReplyTimes, SortedCounts};
use crate::DateOrder;

const SNAPSHOT_MAGIC: &[u8; 4] = b"KITH";
const JOURNAL_MAGIC: &[u8; 4] = b"KITJ";
/// Journals are only exchanged between pages of one running extension, so only the current
/// layout and the one before it (a journal left by the previous build, read at the first start
/// after an update) are read. Version 4 added each author's monthly counts.
const JOURNAL_VERSION: u8 = 4;
/// The layout this build writes. Version 2 added the sync state (what the server acknowledged);
/// version 1 snapshots restore with an empty one, so the next sync sends everything. Version 3
/// made every author a handle with an identity key, added chat shapes and members, message-id
/// coverage and people; version 1 and 2 snapshots (WhatsApp only) migrate by deriving each key
/// from the WhatsApp name, exactly as version 2 derived contact ids. Version 4 added the user's
/// decisions about who is who and the default phone country; earlier snapshots restore with
/// none, which is what they had. Version 5 added each author's messages per month and the
/// keep-in-touch settings (goals, snoozes); earlier snapshots restore with no monthly counts
/// (the months before the update are unknown until a file is imported again, and an export's
/// messages already counted are not counted twice, so a re-import cannot fill them in: the
/// history starts empty and grows) and no settings. Version 6 added when each keep-in-touch
/// setting was changed, so that two devices' settings combine to the latest
/// ([`crate::keep::KeepTimes`]); version 5 settings restore with times of 0, older than any
/// change made since.
pub const SNAPSHOT_VERSION: u8 = 6;

/// The engine's persisted state: a plain type this codec owns, so the engine's internals can
/// change without touching the format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// Names, phones or emails the user said are theirs.
    pub owner_given: Vec<String>,
    /// `(name, key)` inferred to be the user.
    pub owner_inferred: Vec<(String, String)>,
    /// The exclusion list as given.
    pub exclusions: Vec<String>,
    /// WhatsApp Web's day/month order, once known.
    pub live_order: Option<DateOrder>,
    /// Every chat.
    pub chats: Vec<ChatState>,
    /// People described beyond their messages, by key.
    pub people: Vec<PersonState>,
    /// `(contact id, fingerprint)` the sync server acknowledged, sorted by id.
    pub acknowledged: Vec<(String, u64)>,
    /// ISO code of the default phone country.
    pub default_country: Option<String>,
    /// The user's decisions about who is who, in order.
    pub decisions: Vec<Decision>,
    /// Keep-in-touch settings by the handle key they were set on.
    pub keep: Vec<(String, crate::keep::KeepSettings)>,
}

/// One chat's aggregates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatState {
    /// The chat key (`whatsapp:title:ann`, `telegram:123`…).
    pub key: String,
    /// Its title.
    pub title: Option<String>,
    /// Its source.
    pub source: Option<Source>,
    /// Direct, group or unknown.
    pub shape: Option<Shape>,
    /// `(key, name)` of listed members.
    pub participants: Vec<(String, String)>,
    /// Per-author aggregates.
    pub authors: Vec<AuthorStats>,
    /// Covered minute ranges.
    pub coverage: Vec<Span>,
    /// Covered ordered-id ranges.
    pub id_spans: Vec<(i64, i64)>,
    /// Counted unordered-id hashes, sorted.
    pub ids: Vec<u64>,
    /// Time and author key of the latest message.
    pub last_message: Option<(i64, String)>,
    /// Active-day gaps, from snapshots of version 3 and earlier.
    pub day_gaps: DayGaps,
    /// Active local days, ascending (version 4).
    pub days: Vec<i32>,
    /// `(minute, author key, count)` captured live.
    pub live_minutes: Vec<(i64, String, u32)>,
}

/// A person described beyond their messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonState {
    /// Identity key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Sources that described them.
    pub sources: Vec<Source>,
    /// Phones (`+digits`).
    pub phones: Vec<String>,
    /// Emails (lower case).
    pub emails: Vec<String>,
    /// When the user connected with them.
    pub connected_at: Option<i64>,
}

/// Why stored bytes could not be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The bytes are not a kith snapshot, or are damaged.
    Corrupt {
        /// What was wrong.
        detail: String,
    },
    /// Written by a newer kith.
    UnsupportedVersion {
        /// The version found.
        found: u8,
    },
}

impl StoreError {
    /// Stable name for the JS `Error.name`.
    pub fn name(&self) -> &'static str {
        match self {
            StoreError::Corrupt { .. } => "CorruptSnapshot",
            StoreError::UnsupportedVersion { .. } => "UnsupportedSnapshot",
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Corrupt { detail } => write!(f, "The saved kith data is damaged ({detail}). Import your exports again to rebuild it."),
            StoreError::UnsupportedVersion { found } => write!(
                f,
                "The saved kith data was written by a newer kith (format {found}, this one reads up to {SNAPSHOT_VERSION}). Update kith."
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// Writes the layout. Its methods are never inlined: the codec is cold, and inlining its LEB128
/// loops at every field cost the wasm build kilobytes.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    #[inline(never)]
    fn u(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
    #[inline(never)]
    fn i(&mut self, v: i64) {
        self.u(((v << 1) ^ (v >> 63)) as u64);
    }
    #[inline(never)]
    fn s(&mut self, v: &str) {
        self.u(v.len() as u64);
        self.0.extend_from_slice(v.as_bytes());
    }
    #[inline(never)]
    fn opt_i(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u(1);
                self.i(x);
            }
            None => self.u(0),
        }
    }
    #[inline(never)]
    fn opt_s(&mut self, v: Option<&str>) {
        match v {
            Some(x) => {
                self.u(1);
                self.s(x);
            }
            None => self.u(0),
        }
    }
    #[inline(never)]
    fn strings(&mut self, v: &[String]) {
        self.u(v.len() as u64);
        for s in v {
            self.s(s);
        }
    }
    #[inline(never)]
    fn author(&mut self, a: &AuthorStats) {
        self.s(&a.key);
        self.s(&a.name);
        self.u(u64::from(a.messages));
        self.u(u64::from(a.calls));
        self.opt_i(a.first_at);
        self.opt_i(a.last_at);
        self.opt_i(a.last_message_at);
        self.u(a.replies.0.pairs().len() as u64);
        for &(bucket, count) in a.replies.0.pairs() {
            self.u(u64::from(bucket));
            self.u(u64::from(count));
        }
        self.u(a.months.pairs().len() as u64);
        for &(month, count) in a.months.pairs() {
            self.i(i64::from(month));
            self.u(u64::from(count));
        }
    }
    #[inline(never)]
    fn counts(&mut self, v: &[(String, u32)]) {
        self.u(v.len() as u64);
        for (name, count) in v {
            self.s(name);
            self.u(u64::from(*count));
        }
    }
    #[inline(never)]
    fn span(&mut self, span: &Span) {
        self.i(span.start);
        self.i(span.end);
        self.counts(&span.start_counts);
        self.counts(&span.end_counts);
    }
    /// What snapshots and journals both record first about a chat.
    #[inline(never)]
    fn chat_head(&mut self, key: &str, title: Option<&str>, source: Source, authors: &[AuthorStats]) {
        self.s(key);
        self.opt_s(title);
        self.u(source_code(source));
        self.u(authors.len() as u64);
        for a in authors {
            self.author(a);
        }
    }
    #[inline(never)]
    fn shape(&mut self, shape: &Shape) {
        match shape {
            Shape::Unknown => self.u(0),
            Shape::Group => self.u(1),
            Shape::Direct { peer: None } => self.u(2),
            Shape::Direct { peer: Some(key) } => {
                self.u(3);
                self.s(key);
            }
        }
    }
    #[inline(never)]
    fn pairs(&mut self, v: &[(String, String)]) {
        self.u(v.len() as u64);
        for (a, b) in v {
            self.s(a);
            self.s(b);
        }
    }
    #[inline(never)]
    fn id_spans(&mut self, v: &[(i64, i64)]) {
        self.u(v.len() as u64);
        for &(lo, hi) in v {
            self.i(lo);
            self.i(hi);
        }
    }
    #[inline(never)]
    fn ids(&mut self, v: &[u64]) {
        self.u(v.len() as u64);
        for &id in v {
            self.u(id);
        }
    }
    /// A person's keep-in-touch settings, under the handle key they are kept on.
    #[inline(never)]
    fn keep(&mut self, key: &str, keep: &crate::keep::KeepSettings) {
        self.s(key);
        self.opt_i(keep.goal_days.map(i64::from));
        self.opt_i(keep.snoozed_until);
        self.opt_i(keep.not_now_at);
        self.u(u64::from(keep.no_reminders));
        let t = keep.changed_at;
        for time in [t.goal, t.snooze, t.not_now, t.reminders] {
            self.i(time);
        }
    }
    /// A decision: its number, time, kind code, then the kind's strings in declaration order.
    #[inline(never)]
    fn decision(&mut self, d: &Decision) {
        self.u(d.id);
        self.i(d.at);
        self.decision_kind(&d.kind);
    }

    /// A decision's kind code and strings.
    #[inline(never)]
    fn decision_kind(&mut self, kind: &DecisionKind) {
        match kind {
            DecisionKind::Merge { a, b, suggested } => {
                self.u(if *suggested { 1 } else { 0 });
                self.strings(&[a.clone(), b.clone()]);
            }
            DecisionKind::Reject { a, b } => {
                self.u(2);
                self.strings(&[a.clone(), b.clone()]);
            }
            DecisionKind::Split { key, keep } => {
                self.u(3);
                self.s(key);
                self.strings(keep);
            }
            DecisionKind::Rename { key, name } => {
                self.u(4);
                self.strings(&[key.clone(), name.clone()]);
            }
            DecisionKind::AddPhone { key, phone } => {
                self.u(5);
                self.strings(&[key.clone(), phone.clone()]);
            }
            DecisionKind::RemovePhone { key, phone, members } => {
                self.u(6);
                self.strings(&[key.clone(), phone.clone()]);
                self.strings(members);
            }
            DecisionKind::AddEmail { key, email } => {
                self.u(7);
                self.strings(&[key.clone(), email.clone()]);
            }
            DecisionKind::RemoveEmail { key, email, members } => {
                self.u(8);
                self.strings(&[key.clone(), email.clone()]);
                self.strings(members);
            }
        }
    }

    /// A chat of a snapshot.
    #[inline(never)]
    fn chat(&mut self, chat: &ChatState) {
        self.chat_head(&chat.key, chat.title.as_deref(), chat.source.unwrap_or(Source::WhatsApp), &chat.authors);
        self.shape(chat.shape.as_ref().unwrap_or(&Shape::Unknown));
        self.pairs(&chat.participants);
        self.u(chat.coverage.len() as u64);
        for span in &chat.coverage {
            self.span(span);
        }
        self.id_spans(&chat.id_spans);
        self.ids(&chat.ids);
        match &chat.last_message {
            Some((at, key)) => {
                self.u(1);
                self.i(*at);
                self.s(key);
            }
            None => self.u(0),
        }
        self.gaps(&chat.day_gaps);
        self.days(&chat.days);
        self.u(chat.live_minutes.len() as u64);
        for (minute, key, count) in &chat.live_minutes {
            self.i(*minute);
            self.s(key);
            self.u(u64::from(*count));
        }
    }

    /// Ascending day numbers as the first (zigzag) and then the gaps: a byte a day.
    #[inline(never)]
    fn days(&mut self, days: &[i32]) {
        self.u(days.len() as u64);
        let mut previous = 0i64;
        for &d in days {
            self.i(i64::from(d) - previous);
            previous = i64::from(d);
        }
    }

    #[inline(never)]
    fn gaps(&mut self, g: &DayGaps) {
        self.u(g.0.pairs().len() as u64);
        for &(days, count) in g.0.pairs() {
            self.u(u64::from(days));
            self.u(u64::from(count));
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

fn corrupt(detail: &str) -> StoreError {
    StoreError::Corrupt { detail: detail.to_string() }
}

impl<'a> Reader<'a> {
    #[inline(never)]
    fn u(&mut self) -> Result<u64, StoreError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.at).ok_or_else(|| corrupt("it ends early"))?;
            self.at += 1;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(corrupt("a number is too long"))
    }
    #[inline(never)]
    fn u32(&mut self) -> Result<u32, StoreError> {
        u32::try_from(self.u()?).map_err(|_| corrupt("a count is out of range"))
    }
    #[inline(never)]
    fn u8(&mut self) -> Result<u8, StoreError> {
        u8::try_from(self.u()?).map_err(|_| corrupt("a small number is out of range"))
    }
    #[inline(never)]
    fn i(&mut self) -> Result<i64, StoreError> {
        let v = self.u()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
    /// A count of items, each at least one byte: a damaged count cannot ask for more items
    /// than there are bytes left, so no allocation is larger than the input.
    #[inline(never)]
    fn len(&mut self) -> Result<usize, StoreError> {
        let n = usize::try_from(self.u()?).map_err(|_| corrupt("a length is out of range"))?;
        if n > self.b.len() - self.at {
            return Err(corrupt("a length runs past the end"));
        }
        Ok(n)
    }
    #[inline(never)]
    fn s(&mut self) -> Result<String, StoreError> {
        let n = self.len()?;
        let bytes = &self.b[self.at..self.at + n];
        self.at += n;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("a name is not UTF-8"))
    }
    #[inline(never)]
    fn flag(&mut self) -> Result<bool, StoreError> {
        match self.u()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("a flag is neither 0 nor 1")),
        }
    }
    #[inline(never)]
    fn opt_i(&mut self) -> Result<Option<i64>, StoreError> {
        Ok(if self.flag()? { Some(self.i()?) } else { None })
    }
    #[inline(never)]
    fn opt_s(&mut self) -> Result<Option<String>, StoreError> {
        Ok(if self.flag()? { Some(self.s()?) } else { None })
    }
    #[inline(never)]
    fn strings(&mut self) -> Result<Vec<String>, StoreError> {
        (0..self.len()?).map(|_| self.s()).collect()
    }
    /// An author; layouts before 3 had no key, which is then derived from the WhatsApp name.
    #[inline(never)]
    fn author(&mut self, version: u8) -> Result<AuthorStats, StoreError> {
        let key = if version >= 3 { Some(self.s()?) } else { None };
        let name = self.s()?;
        let key = key.unwrap_or_else(|| contact_key(&name));
        let messages = self.u32()?;
        let calls = self.u32()?;
        let first_at = self.opt_i()?;
        let last_at = self.opt_i()?;
        let last_message_at = self.opt_i()?;
        let pairs = (0..self.len()?).map(|_| Ok((self.u8()?, self.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
        let months = if version >= 5 {
            let months = (0..self.len()?)
                .map(|_| Ok((i32::try_from(self.i()?).map_err(|_| corrupt("month out of range"))?, self.u32()?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            SortedCounts::from_pairs(&months)
        } else {
            SortedCounts::default()
        };
        Ok(AuthorStats {
            key,
            name,
            messages,
            calls,
            first_at,
            last_at,
            last_message_at,
            replies: ReplyTimes(SortedCounts::from_pairs(&pairs)),
            months,
        })
    }
    #[inline(never)]
    fn counts(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        (0..self.len()?).map(|_| Ok((self.s()?, self.u32()?))).collect()
    }
    #[inline(never)]
    fn span(&mut self) -> Result<Span, StoreError> {
        Ok(Span { start: self.i()?, end: self.i()?, start_counts: self.counts()?, end_counts: self.counts()? })
    }
    /// What [`Writer::keep`] wrote; snapshots before version 6 kept no change times.
    #[inline(never)]
    fn keep(&mut self, version: u8) -> Result<(String, crate::keep::KeepSettings), StoreError> {
        let key = self.s()?;
        let goal_days = match self.opt_i()? {
            Some(days) => Some(u32::try_from(days).map_err(|_| corrupt("goal out of range"))?),
            None => None,
        };
        let mut keep = crate::keep::KeepSettings {
            goal_days,
            snoozed_until: self.opt_i()?,
            not_now_at: self.opt_i()?,
            no_reminders: self.flag()?,
            changed_at: crate::keep::KeepTimes::default(),
        };
        if version >= 6 {
            keep.changed_at =
                crate::keep::KeepTimes { goal: self.i()?, snooze: self.i()?, not_now: self.i()?, reminders: self.i()? };
        }
        Ok((key, keep))
    }
    #[inline(never)]
    fn decision(&mut self) -> Result<Decision, StoreError> {
        let id = self.u()?;
        let at = self.i()?;
        let code = self.u()?;
        let mut pair = || -> Result<(String, String), StoreError> {
            match <[String; 2]>::try_from(self.strings()?) {
                Ok([a, b]) => Ok((a, b)),
                Err(_) => Err(corrupt("a decision has the wrong number of fields")),
            }
        };
        let kind = match code {
            0 | 1 => {
                let (a, b) = pair()?;
                DecisionKind::Merge { a, b, suggested: code == 1 }
            }
            2 => {
                let (a, b) = pair()?;
                DecisionKind::Reject { a, b }
            }
            3 => DecisionKind::Split { key: self.s()?, keep: self.strings()? },
            4 => {
                let (key, name) = pair()?;
                DecisionKind::Rename { key, name }
            }
            5 => {
                let (key, phone) = pair()?;
                DecisionKind::AddPhone { key, phone }
            }
            6 => {
                let (key, phone) = pair()?;
                DecisionKind::RemovePhone { key, phone, members: self.strings()? }
            }
            7 => {
                let (key, email) = pair()?;
                DecisionKind::AddEmail { key, email }
            }
            8 => {
                let (key, email) = pair()?;
                DecisionKind::RemoveEmail { key, email, members: self.strings()? }
            }
            _ => return Err(corrupt("unknown decision")),
        };
        Ok(Decision { id, at, kind })
    }

    #[inline(never)]
    fn days(&mut self) -> Result<Vec<i32>, StoreError> {
        let mut previous = 0i64;
        let mut days = Vec::new();
        for _ in 0..self.len()? {
            let step = self.i()?;
            let day = previous.checked_add(step).ok_or_else(|| corrupt("a day out of range"))?;
            if !days.is_empty() && step <= 0 {
                return Err(corrupt("days out of order"));
            }
            days.push(i32::try_from(day).map_err(|_| corrupt("a day out of range"))?);
            previous = day;
        }
        Ok(days)
    }

    #[inline(never)]
    fn gaps(&mut self) -> Result<DayGaps, StoreError> {
        let pairs = (0..self.len()?).map(|_| Ok((self.u32()?, self.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
        Ok(DayGaps(SortedCounts::from_pairs(&pairs)))
    }
    /// Reads what [`Writer::chat_head`] wrote: key, title, source, authors.
    #[inline(never)]
    fn chat_head(&mut self, version: u8) -> Result<(String, Option<String>, Source, Vec<AuthorStats>), StoreError> {
        let key = self.s()?;
        let title = self.opt_s()?;
        let source = self.source()?;
        let authors = (0..self.len()?).map(|_| self.author(version)).collect::<Result<Vec<_>, _>>()?;
        Ok((key, title, source, authors))
    }
    #[inline(never)]
    fn source(&mut self) -> Result<Source, StoreError> {
        let code = usize::try_from(self.u()?).unwrap_or(usize::MAX);
        Source::ALL.get(code).copied().ok_or_else(|| corrupt("unknown source"))
    }
    #[inline(never)]
    fn shape(&mut self) -> Result<Shape, StoreError> {
        Ok(match self.u()? {
            0 => Shape::Unknown,
            1 => Shape::Group,
            2 => Shape::Direct { peer: None },
            3 => Shape::Direct { peer: Some(self.s()?) },
            _ => return Err(corrupt("unknown chat shape")),
        })
    }
    #[inline(never)]
    fn pairs(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        (0..self.len()?).map(|_| Ok((self.s()?, self.s()?))).collect()
    }
    #[inline(never)]
    fn id_spans(&mut self) -> Result<Vec<(i64, i64)>, StoreError> {
        (0..self.len()?).map(|_| Ok((self.i()?, self.i()?))).collect()
    }
    #[inline(never)]
    fn ids(&mut self) -> Result<Vec<u64>, StoreError> {
        let mut ids = (0..self.len()?).map(|_| self.u()).collect::<Result<Vec<_>, _>>()?;
        crate::sort::sort(&mut ids);
        ids.dedup();
        Ok(ids)
    }
    #[inline(never)]
    fn header(&mut self, magic: &[u8; 4], newest: u8) -> Result<u8, StoreError> {
        // Journals are only exchanged between pages of one running extension, so they keep
        // layout 1; snapshots outlive versions and are migrated.
        if self.b.get(..4) != Some(&magic[..]) {
            return Err(corrupt("it does not start like kith data"));
        }
        self.at = 4;
        let version = *self.b.get(4).ok_or_else(|| corrupt("it ends early"))?;
        self.at = 5;
        if (1..=newest).contains(&version) {
            Ok(version)
        } else {
            Err(StoreError::UnsupportedVersion { found: version })
        }
    }
    #[inline(never)]
    fn end(&self) -> Result<(), StoreError> {
        if self.at == self.b.len() {
            Ok(())
        } else {
            Err(corrupt("there are stray bytes at the end"))
        }
    }
}

fn source_code(source: Source) -> u64 {
    Source::ALL.iter().position(|s| *s == source).unwrap_or(0) as u64
}

/// The engine's whole state.
pub fn encode_snapshot(state: &State) -> Vec<u8> {
    let mut w = Writer(SNAPSHOT_MAGIC.to_vec());
    w.0.push(SNAPSHOT_VERSION);
    w.strings(&state.owner_given);
    w.pairs(&state.owner_inferred);
    w.strings(&state.exclusions);
    w.u(match state.live_order {
        None => 0,
        Some(DateOrder::DayMonth) => 1,
        Some(DateOrder::MonthDay) => 2,
    });
    w.u(state.chats.len() as u64);
    for chat in &state.chats {
        w.chat(chat);
    }
    w.u(state.people.len() as u64);
    for p in &state.people {
        w.s(&p.key);
        w.s(&p.name);
        w.u(p.sources.len() as u64);
        for s in &p.sources {
            w.u(source_code(*s));
        }
        w.strings(&p.phones);
        w.strings(&p.emails);
        w.opt_i(p.connected_at);
    }
    // Sorted by id so equal states encode equally.
    let mut acknowledged: Vec<&(String, u64)> = state.acknowledged.iter().collect();
    crate::sort::sort(&mut acknowledged);
    w.u(acknowledged.len() as u64);
    for (id, fingerprint) in acknowledged {
        w.s(id);
        w.u(*fingerprint);
    }
    w.opt_s(state.default_country.as_deref());
    w.u(state.decisions.len() as u64);
    for d in &state.decisions {
        w.decision(d);
    }
    w.u(state.keep.len() as u64);
    for (key, keep) in &state.keep {
        w.keep(key, keep);
    }
    w.0
}

/// A chat as the snapshot writes it: equal bytes, equal chats. Combining two devices' states
/// settles every choice between equals by these bytes, so that the result does not depend on
/// which device's state came first ([`crate::absorb`]).
pub(crate) fn chat_bytes(chat: &ChatState) -> Vec<u8> {
    let mut w = Writer::default();
    w.chat(chat);
    w.0
}

/// A decision's kind as the snapshot writes it (without its number and time), for the same
/// purpose.
pub(crate) fn decision_kind_bytes(kind: &DecisionKind) -> Vec<u8> {
    let mut w = Writer::default();
    w.decision_kind(kind);
    w.0
}

/// Reads [`encode_snapshot`]'s bytes, of this layout or any earlier one.
pub fn decode_snapshot(bytes: &[u8]) -> Result<State, StoreError> {
    let mut r = Reader { b: bytes, at: 0 };
    let version = r.header(SNAPSHOT_MAGIC, SNAPSHOT_VERSION)?;
    let mut state = State { owner_given: r.strings()?, owner_inferred: r.pairs()?, ..State::default() };
    state.exclusions = r.strings()?;
    state.live_order = match r.u()? {
        0 => None,
        1 => Some(DateOrder::DayMonth),
        2 => Some(DateOrder::MonthDay),
        _ => return Err(corrupt("unknown date order")),
    };
    let mut keys = std::collections::HashSet::new();
    for _ in 0..r.len()? {
        let (key, title, source, authors) = r.chat_head(version)?;
        let mut chat = ChatState { key, title, source: Some(source), authors, ..ChatState::default() };
        if version >= 3 {
            chat.shape = Some(r.shape()?);
            chat.participants = r.pairs()?;
        }
        chat.coverage = (0..r.len()?).map(|_| r.span()).collect::<Result<Vec<_>, _>>()?;
        if version >= 3 {
            chat.id_spans = r.id_spans()?;
            chat.ids = r.ids()?;
        } else {
            // Spans named authors; keys replace names.
            for span in &mut chat.coverage {
                for (name, _) in span.start_counts.iter_mut().chain(span.end_counts.iter_mut()) {
                    *name = contact_key(name);
                }
            }
        }
        chat.last_message = if r.flag()? {
            let at = r.i()?;
            let who = r.s()?;
            Some((at, if version >= 3 { who } else { contact_key(&who) }))
        } else {
            None
        };
        chat.day_gaps = r.gaps()?;
        if version >= 4 {
            chat.days = r.days()?;
        }
        chat.live_minutes = (0..r.len()?)
            .map(|_| {
                let minute = r.i()?;
                let who = r.s()?;
                Ok((minute, if version >= 3 { who } else { contact_key(&who) }, r.u32()?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if version < 3 {
            chat.ids = r.ids()?;
        }
        if !keys.insert(chat.key.clone()) {
            return Err(corrupt("a chat appears twice"));
        }
        state.chats.push(chat);
    }
    if version >= 3 {
        for _ in 0..r.len()? {
            let key = r.s()?;
            let name = r.s()?;
            let sources = (0..r.len()?).map(|_| r.source()).collect::<Result<Vec<_>, _>>()?;
            let phones = r.strings()?;
            let emails = r.strings()?;
            let connected_at = r.opt_i()?;
            state.people.push(PersonState { key, name, sources, phones, emails, connected_at });
        }
    }
    if version >= 2 {
        for _ in 0..r.len()? {
            let id = r.s()?;
            let fingerprint = r.u()?;
            state.acknowledged.push((id, fingerprint));
        }
    }
    if version >= 4 {
        state.default_country = r.opt_s()?;
        let mut ids = std::collections::HashSet::new();
        for _ in 0..r.len()? {
            let d = r.decision()?;
            if !ids.insert(d.id) {
                return Err(corrupt("a decision appears twice"));
            }
            state.decisions.push(d);
        }
    }
    if version >= 5 {
        let mut keys = std::collections::HashSet::new();
        for _ in 0..r.len()? {
            let (key, keep) = r.keep(version)?;
            if !keys.insert(key.clone()) {
                return Err(corrupt("keep-in-touch settings appear twice"));
            }
            state.keep.push((key, keep));
        }
    }
    r.end()?;
    Ok(state)
}

/// Import deltas, in commit order. The hours of the week of each author's messages
/// (`ChatDelta::week_slots`) are left out: they feed one import's report, not the engine.
pub fn encode_journal(deltas: &[ImportDelta]) -> Vec<u8> {
    let mut w = Writer(JOURNAL_MAGIC.to_vec());
    w.0.push(JOURNAL_VERSION);
    w.u(deltas.len() as u64);
    for d in deltas {
        w.s(&d.format);
        w.u(d.chats.len() as u64);
        for c in &d.chats {
            w.chat_head(&c.key, c.title.as_deref(), c.source, &c.authors);
            w.shape(&c.shape);
            w.pairs(&c.participants);
            match &c.span {
                Some(span) => {
                    w.u(1);
                    w.span(span);
                }
                None => w.u(0),
            }
            w.id_spans(&c.id_span.into_iter().collect::<Vec<_>>());
            w.ids(&c.ids);
            match c.last_message {
                Some((at, author)) => {
                    w.u(1);
                    w.i(at);
                    w.u(u64::from(author));
                }
                None => w.u(0),
            }
            w.days(&c.days);
            for n in [c.messages, c.calls, c.system, c.duplicates, c.excluded] {
                w.u(u64::from(n));
            }
            w.u(c.live_minutes.len() as u64);
            for (minute, author) in &c.live_minutes {
                w.i(*minute);
                w.u(u64::from(*author));
            }
        }
        w.u(d.owners.len() as u64);
        for (name, key, code) in &d.owners {
            w.s(name);
            w.s(key);
            w.s(code);
        }
        w.u(d.people.len() as u64);
        for p in &d.people {
            w.s(&p.key);
            w.s(&p.name);
            w.u(source_code(p.source));
            w.strings(&p.phones);
            w.strings(&p.emails);
            w.opt_i(p.connected_at);
        }
        w.u(d.skipped.len() as u64);
        for (what, count) in &d.skipped {
            w.s(what);
            w.u(u64::from(*count));
        }
        w.s(&d.date_order);
        w.s(&d.date_order_source);
        w.strings(&d.warnings);
    }
    w.0
}

/// Reads [`encode_journal`]'s bytes.
pub fn decode_journal(bytes: &[u8]) -> Result<Vec<ImportDelta>, StoreError> {
    let mut r = Reader { b: bytes, at: 0 };
    let version = r.header(JOURNAL_MAGIC, JOURNAL_VERSION)?;
    // The snapshot layout whose authors a journal's chats were written with.
    let author_layout = match version {
        3 => 4,
        4 => 5,
        _ => return Err(StoreError::UnsupportedVersion { found: version }),
    };
    let mut deltas = Vec::new();
    for _ in 0..r.len()? {
        let format = r.s()?;
        let mut chats = Vec::new();
        for _ in 0..r.len()? {
            let (key, title, source, authors) = r.chat_head(author_layout)?;
            let shape = r.shape()?;
            let participants = r.pairs()?;
            let span = if r.flag()? { Some(r.span()?) } else { None };
            let id_span = r.id_spans()?.first().copied();
            let ids = r.ids()?;
            let last_message = if r.flag()? { Some((r.i()?, r.u32()?)) } else { None };
            let days = r.days()?;
            let (messages, calls, system, duplicates, excluded) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
            let live_minutes = (0..r.len()?).map(|_| Ok((r.i()?, r.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
            if last_message.is_some_and(|(_, a)| a as usize >= authors.len())
                || live_minutes.iter().any(|&(_, a)| a as usize >= authors.len())
            {
                return Err(corrupt("an author index is out of range"));
            }
            chats.push(ChatDelta {
                key,
                title,
                source,
                shape,
                participants,
                authors,
                span,
                id_span,
                ids,
                last_message,
                days,
                messages,
                calls,
                system,
                duplicates,
                excluded,
                live_minutes,
                // A journal carries what the engine keeps, and the hours of the week are only
                // reported, not kept: a journal's report has none.
                week_slots: Vec::new(),
            });
        }
        let owners = (0..r.len()?).map(|_| Ok((r.s()?, r.s()?, r.s()?))).collect::<Result<Vec<_>, StoreError>>()?;
        let mut people = Vec::new();
        for _ in 0..r.len()? {
            let key = r.s()?;
            let name = r.s()?;
            let source = r.source()?;
            let phones = r.strings()?;
            let emails = r.strings()?;
            let connected_at = r.opt_i()?;
            people.push(PersonDelta { key, name, source, phones, emails, connected_at });
        }
        let mut skipped = BTreeMap::new();
        for _ in 0..r.len()? {
            let what = r.s()?;
            skipped.insert(what, r.u32()?);
        }
        let date_order = r.s()?;
        let date_order_source = r.s()?;
        let warnings = r.strings()?;
        deltas.push(ImportDelta { format, chats, owners, people, skipped, date_order, date_order_source, warnings });
    }
    r.end()?;
    Ok(deltas)
}

/// One decision alone, as a snapshot writes it. A decision made on the view of several
/// devices is copied into this device's own knowledge this way (the view's contact ids do
/// not resolve there; the handle keys a decision names do).
pub(crate) fn encode_decision(d: &Decision) -> Vec<u8> {
    let mut w = Writer::default();
    w.decision(d);
    w.0
}

/// A person's keep-in-touch settings alone, with the handle key they are kept on: how a change
/// made on the view of several devices is copied into this device's own knowledge.
pub(crate) fn encode_keep(key: &str, keep: &crate::keep::KeepSettings) -> Vec<u8> {
    let mut w = Writer::default();
    w.keep(key, keep);
    w.0
}

/// Reads what [`encode_keep`] wrote, all of it and nothing more.
pub(crate) fn decode_keep(bytes: &[u8]) -> Result<(String, crate::keep::KeepSettings), StoreError> {
    let mut r = Reader { b: bytes, at: 0 };
    let entry = r.keep(SNAPSHOT_VERSION)?;
    if r.at != bytes.len() {
        return Err(corrupt("bytes follow the settings"));
    }
    Ok(entry)
}

/// Reads what [`encode_decision`] wrote, all of it and nothing more.
pub(crate) fn decode_decision(bytes: &[u8]) -> Result<Decision, StoreError> {
    let mut r = Reader { b: bytes, at: 0 };
    let d = r.decision()?;
    if r.at != bytes.len() {
        return Err(corrupt("bytes follow the decision"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    /// A snapshot of one chat whose day-gap histogram holds `n` keys written in descending
    /// order, as crafted bytes (the encoder itself always writes them ascending).
    fn descending_gaps_snapshot(n: u32) -> Vec<u8> {
        let mut w = Writer(SNAPSHOT_MAGIC.to_vec());
        w.0.push(SNAPSHOT_VERSION);
        w.strings(&[]);
        w.pairs(&[]);
        w.strings(&[]);
        w.u(0);
        w.u(1);
        let author = AuthorStats { key: "name:ann".into(), name: "Ann".into(), messages: 1, ..AuthorStats::default() };
        w.chat_head("whatsapp:title:ann", Some("Ann"), Source::WhatsApp, &[author]);
        w.shape(&Shape::Unknown);
        w.pairs(&[]);
        w.u(0);
        w.id_spans(&[]);
        w.ids(&[]);
        w.u(0);
        w.u(u64::from(n));
        for days in (1..=n).rev() {
            w.u(u64::from(days));
            w.u(1);
        }
        w.days(&[]);
        w.u(0); // live minutes
        w.u(0); // people
        w.u(0); // acknowledged
        w.opt_s(None); // default country
        w.u(0); // decisions
        w.u(0); // keep-in-touch settings
        w.0
    }

    #[test]
    fn histogram_keys_in_descending_order_restore_in_n_log_n() {
        // 200,000 keys inserted one by one at the front took minutes; sorted once, milliseconds.
        let bytes = descending_gaps_snapshot(200_000);
        let engine = Engine::restore(&bytes).expect("restores");
        assert_eq!(engine.to_state().chats[0].day_gaps.0.total(), 200_000);
        assert_eq!(engine.snapshot().len(), bytes.len(), "re-encoded ascending, same size");
    }

    #[test]
    fn counts_that_would_overflow_saturate_instead_of_panicking_or_wrapping() {
        let author = |messages: u32| AuthorStats {
            key: "name:ann".into(),
            name: "Ann".into(),
            messages,
            last_at: Some(60),
            last_message_at: Some(60),
            first_at: Some(60),
            ..AuthorStats::default()
        };
        let delta = |messages: u32| ImportDelta {
            format: "whatsapp".into(),
            chats: vec![ChatDelta {
                key: "whatsapp:title:ann".into(),
                title: Some("Ann".into()),
                source: Source::WhatsApp,
                shape: Shape::Unknown,
                participants: Vec::new(),
                authors: vec![author(messages)],
                span: None,
                id_span: None,
                ids: Vec::new(),
                last_message: Some((60, 0)),
                days: Vec::new(),
                messages,
                calls: 0,
                system: 0,
                duplicates: 0,
                excluded: 0,
                live_minutes: Vec::new(),
                week_slots: Vec::new(),
            }],
            owners: Vec::new(),
            people: Vec::new(),
            skipped: BTreeMap::new(),
            date_order: "dmy".into(),
            date_order_source: "unambiguous".into(),
            warnings: Vec::new(),
        };
        let journal = encode_journal(&[delta(u32::MAX - 1), delta(u32::MAX - 1)]);
        let mut engine = Engine::new(&["Sam".to_string()]);
        let reports = engine.apply_journal(&journal).expect("applies");
        assert_eq!(reports.len(), 2);
        let ann = &engine.contacts(0)[0];
        assert_eq!(ann.received_count, u32::MAX, "saturated, not wrapped to a small number");
    }
}
