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

use std::collections::HashMap;
use std::fmt;

use crate::coverage::Span;
use crate::engine::{Chat, Engine};
use crate::import::ChatDelta;
use crate::model::Source;
use crate::stats::{AuthorStats, DayGaps, ReplyTimes, SortedCounts};
use crate::DateOrder;

const SNAPSHOT_MAGIC: &[u8; 4] = b"KITH";
const JOURNAL_MAGIC: &[u8; 4] = b"KITJ";
const JOURNAL_VERSION: u8 = 1;
/// The layout this build writes. Version 2 added the sync state (what the server acknowledged);
/// version 1 snapshots restore with an empty one, so the next sync sends everything.
pub const SNAPSHOT_VERSION: u8 = 2;

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

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
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
    fn i(&mut self, v: i64) {
        self.u(((v << 1) ^ (v >> 63)) as u64);
    }
    fn s(&mut self, v: &str) {
        self.u(v.len() as u64);
        self.0.extend_from_slice(v.as_bytes());
    }
    fn opt_i(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u(1);
                self.i(x);
            }
            None => self.u(0),
        }
    }
    fn opt_s(&mut self, v: Option<&str>) {
        match v {
            Some(x) => {
                self.u(1);
                self.s(x);
            }
            None => self.u(0),
        }
    }
    fn strings(&mut self, v: &[String]) {
        self.u(v.len() as u64);
        for s in v {
            self.s(s);
        }
    }
    fn author(&mut self, a: &AuthorStats) {
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
    }
    fn counts(&mut self, v: &[(String, u32)]) {
        self.u(v.len() as u64);
        for (name, count) in v {
            self.s(name);
            self.u(u64::from(*count));
        }
    }
    fn span(&mut self, span: &Span) {
        self.i(span.start);
        self.i(span.end);
        self.counts(&span.start_counts);
        self.counts(&span.end_counts);
    }
    /// What snapshots and journals both record first about a chat.
    fn chat_head(&mut self, key: &str, title: Option<&str>, source: Source, authors: &[AuthorStats]) {
        self.s(key);
        self.opt_s(title);
        self.u(source_code(source));
        self.u(authors.len() as u64);
        for a in authors {
            self.author(a);
        }
    }
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
    fn u32(&mut self) -> Result<u32, StoreError> {
        u32::try_from(self.u()?).map_err(|_| corrupt("a count is out of range"))
    }
    fn u8(&mut self) -> Result<u8, StoreError> {
        u8::try_from(self.u()?).map_err(|_| corrupt("a small number is out of range"))
    }
    fn i(&mut self) -> Result<i64, StoreError> {
        let v = self.u()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
    /// A count of items, each at least one byte: a damaged count cannot ask for more items
    /// than there are bytes left, so no allocation is larger than the input.
    fn len(&mut self) -> Result<usize, StoreError> {
        let n = usize::try_from(self.u()?).map_err(|_| corrupt("a length is out of range"))?;
        if n > self.b.len() - self.at {
            return Err(corrupt("a length runs past the end"));
        }
        Ok(n)
    }
    fn s(&mut self) -> Result<String, StoreError> {
        let n = self.len()?;
        let bytes = &self.b[self.at..self.at + n];
        self.at += n;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("a name is not UTF-8"))
    }
    fn flag(&mut self) -> Result<bool, StoreError> {
        match self.u()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("a flag is neither 0 nor 1")),
        }
    }
    fn opt_i(&mut self) -> Result<Option<i64>, StoreError> {
        Ok(if self.flag()? { Some(self.i()?) } else { None })
    }
    fn opt_s(&mut self) -> Result<Option<String>, StoreError> {
        Ok(if self.flag()? { Some(self.s()?) } else { None })
    }
    fn strings(&mut self) -> Result<Vec<String>, StoreError> {
        (0..self.len()?).map(|_| self.s()).collect()
    }
    fn author(&mut self) -> Result<AuthorStats, StoreError> {
        let name = self.s()?;
        let messages = self.u32()?;
        let calls = self.u32()?;
        let first_at = self.opt_i()?;
        let last_at = self.opt_i()?;
        let last_message_at = self.opt_i()?;
        let pairs = (0..self.len()?).map(|_| Ok((self.u8()?, self.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
        Ok(AuthorStats {
            name,
            messages,
            calls,
            first_at,
            last_at,
            last_message_at,
            replies: ReplyTimes(SortedCounts::from_pairs(&pairs)),
        })
    }
    fn counts(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        (0..self.len()?).map(|_| Ok((self.s()?, self.u32()?))).collect()
    }
    fn span(&mut self) -> Result<Span, StoreError> {
        Ok(Span { start: self.i()?, end: self.i()?, start_counts: self.counts()?, end_counts: self.counts()? })
    }
    fn gaps(&mut self) -> Result<DayGaps, StoreError> {
        let pairs = (0..self.len()?).map(|_| Ok((self.u32()?, self.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
        Ok(DayGaps(SortedCounts::from_pairs(&pairs)))
    }
    /// Reads what [`Writer::chat_head`] wrote: key, title, source, authors.
    fn chat_head(&mut self) -> Result<(String, Option<String>, Source, Vec<AuthorStats>), StoreError> {
        let key = self.s()?;
        let title = self.opt_s()?;
        let source = self.source()?;
        let authors = (0..self.len()?).map(|_| self.author()).collect::<Result<Vec<_>, _>>()?;
        Ok((key, title, source, authors))
    }
    fn source(&mut self) -> Result<Source, StoreError> {
        match self.u()? {
            0 => Ok(Source::WhatsApp),
            _ => Err(corrupt("unknown source")),
        }
    }
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
    fn end(&self) -> Result<(), StoreError> {
        if self.at == self.b.len() {
            Ok(())
        } else {
            Err(corrupt("there are stray bytes at the end"))
        }
    }
}

fn source_code(source: Source) -> u64 {
    match source {
        Source::WhatsApp => 0,
    }
}

/// The engine's whole state.
pub fn encode_snapshot(engine: &Engine) -> Vec<u8> {
    let mut w = Writer(SNAPSHOT_MAGIC.to_vec());
    w.0.push(SNAPSHOT_VERSION);
    w.strings(engine.owner());
    let inferred = engine.owner_inferred();
    w.u(inferred.len() as u64);
    for (name, key) in inferred {
        w.s(name);
        w.s(key);
    }
    w.strings(&engine.exclusions);
    w.u(match engine.live_order {
        None => 0,
        Some(DateOrder::DayMonth) => 1,
        Some(DateOrder::MonthDay) => 2,
    });
    w.u(engine.chats.len() as u64);
    for chat in &engine.chats {
        w.chat_head(&chat.key, chat.title.as_deref(), chat.source, &chat.authors);
        w.u(chat.coverage.len() as u64);
        for span in &chat.coverage {
            w.span(span);
        }
        match &chat.last_message {
            Some((at, name)) => {
                w.u(1);
                w.i(*at);
                w.s(name);
            }
            None => w.u(0),
        }
        w.gaps(&chat.day_gaps);
        w.u(chat.live_minutes.len() as u64);
        for (minute, name, count) in &chat.live_minutes {
            w.i(*minute);
            w.s(name);
            w.u(u64::from(*count));
        }
        w.u(chat.live_ids.len() as u64);
        for id in &chat.live_ids {
            w.u(*id);
        }
    }
    // Version 2: the sync state, sorted by id so equal states encode equally.
    let mut acknowledged: Vec<(&String, &u64)> = engine.sync.acknowledged.iter().collect();
    acknowledged.sort();
    w.u(acknowledged.len() as u64);
    for (id, fingerprint) in acknowledged {
        w.s(id);
        w.u(*fingerprint);
    }
    w.0
}

/// Rebuilds an engine from [`encode_snapshot`]'s bytes.
pub fn decode_snapshot(bytes: &[u8]) -> Result<Engine, StoreError> {
    let mut r = Reader { b: bytes, at: 0 };
    let version = r.header(SNAPSHOT_MAGIC, SNAPSHOT_VERSION)?;
    let mut engine = Engine::new(&r.strings()?);
    let inferred = (0..r.len()?).map(|_| Ok((r.s()?, r.s()?))).collect::<Result<Vec<_>, StoreError>>()?;
    engine.set_owner_inferred(inferred);
    engine.exclusions = r.strings()?;
    engine.live_order = match r.u()? {
        0 => None,
        1 => Some(DateOrder::DayMonth),
        2 => Some(DateOrder::MonthDay),
        _ => return Err(corrupt("unknown date order")),
    };
    let mut chats = Vec::new();
    let mut index = HashMap::new();
    for _ in 0..r.len()? {
        let (key, title, source, authors) = r.chat_head()?;
        let coverage = (0..r.len()?).map(|_| r.span()).collect::<Result<Vec<_>, _>>()?;
        let last_message = if r.flag()? { Some((r.i()?, r.s()?)) } else { None };
        let day_gaps = r.gaps()?;
        let live_minutes =
            (0..r.len()?).map(|_| Ok((r.i()?, r.s()?, r.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
        let mut live_ids = (0..r.len()?).map(|_| r.u()).collect::<Result<Vec<_>, _>>()?;
        live_ids.sort_unstable();
        if index.insert(key.clone(), chats.len()).is_some() {
            return Err(corrupt("a chat appears twice"));
        }
        chats.push(Chat { key, title, source, authors, coverage, last_message, day_gaps, live_minutes, live_ids });
    }
    if version >= 2 {
        for _ in 0..r.len()? {
            let id = r.s()?;
            let fingerprint = r.u()?;
            engine.sync.acknowledged.insert(id, fingerprint);
        }
    }
    r.end()?;
    engine.chats = chats;
    engine.chat_index = index;
    Ok(engine)
}

/// Import deltas, in commit order.
pub fn encode_journal(deltas: &[ChatDelta]) -> Vec<u8> {
    let mut w = Writer(JOURNAL_MAGIC.to_vec());
    w.0.push(JOURNAL_VERSION);
    w.u(deltas.len() as u64);
    for d in deltas {
        w.chat_head(&d.key, d.title.as_deref(), d.source, &d.authors);
        match &d.span {
            Some(span) => {
                w.u(1);
                w.span(span);
            }
            None => w.u(0),
        }
        match d.last_message {
            Some((at, author)) => {
                w.u(1);
                w.i(at);
                w.u(u64::from(author));
            }
            None => w.u(0),
        }
        w.gaps(&d.day_gaps);
        for n in [d.messages, d.calls, d.system, d.duplicates, d.excluded] {
            w.u(u64::from(n));
        }
        w.s(&d.date_order);
        w.s(&d.date_order_source);
        w.strings(&d.warnings);
        w.u(d.live_ids.len() as u64);
        for id in &d.live_ids {
            w.u(*id);
        }
        w.u(d.live_minutes.len() as u64);
        for (minute, author) in &d.live_minutes {
            w.i(*minute);
            w.u(u64::from(*author));
        }
    }
    w.0
}

/// Reads [`encode_journal`]'s bytes.
pub fn decode_journal(bytes: &[u8]) -> Result<Vec<ChatDelta>, StoreError> {
    let mut r = Reader { b: bytes, at: 0 };
    r.header(JOURNAL_MAGIC, JOURNAL_VERSION)?;
    let mut deltas = Vec::new();
    for _ in 0..r.len()? {
        let (key, title, source, authors) = r.chat_head()?;
        let span = if r.flag()? { Some(r.span()?) } else { None };
        let last_message = if r.flag()? { Some((r.i()?, r.u32()?)) } else { None };
        let day_gaps = r.gaps()?;
        let (messages, calls, system, duplicates, excluded) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
        let date_order = r.s()?;
        let date_order_source = r.s()?;
        let warnings = r.strings()?;
        let live_ids = (0..r.len()?).map(|_| r.u()).collect::<Result<Vec<_>, _>>()?;
        let live_minutes = (0..r.len()?).map(|_| Ok((r.i()?, r.u32()?))).collect::<Result<Vec<_>, StoreError>>()?;
        if last_message.is_some_and(|(_, a)| a as usize >= authors.len())
            || live_minutes.iter().any(|&(_, a)| a as usize >= authors.len())
        {
            return Err(corrupt("an author index is out of range"));
        }
        deltas.push(ChatDelta {
            key,
            title,
            source,
            authors,
            span,
            last_message,
            day_gaps,
            messages,
            calls,
            system,
            duplicates,
            excluded,
            date_order,
            date_order_source,
            warnings,
            live_ids,
            live_minutes,
        });
    }
    r.end()?;
    Ok(deltas)
}
