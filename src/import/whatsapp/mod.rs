//! WhatsApp "Export chat" text: a streaming line parser. Bytes go in as chunks of any size;
//! metadata-only [`RawMessage`]s come out. Message bodies are looked at only to tell notices
//! and calls from messages, and never leave this module.

pub mod export;
pub(crate) mod header;
pub mod live;
pub(crate) mod notices;

use std::borrow::Cow;
use std::collections::HashMap;

pub(crate) use header::RawDate;
use header::{normalize_prefix, DateMemo, Shape, LINE_PREFIX_BYTES};

use crate::error::ImportError;
use crate::model::Kind;

/// How many non-empty lines may come before the first header before the file is judged not to
/// be a WhatsApp export at all.
const MAX_LINES_BEFORE_HEADER: u32 = 20;

/// Author names are short; a `: ` further into the line than this is in the message text.
const MAX_AUTHOR_BYTES: usize = 120;

/// Slots of [`Parser::author_cache`] (as a power of two): a group of a few hundred writers
/// mostly hits.
const AUTHOR_CACHE_BITS: u32 = 12;
const AUTHOR_CACHE_SLOTS: usize = 1 << AUTHOR_CACHE_BITS;

/// Authors compared with a line's start before it is searched for `: `.
const RECENT_AUTHORS: usize = 2;

/// The bytes [`Parser::short_authors`] reads of a line: two words, for a name and its `:`.
const SHORT_NAME_BYTES: usize = 16;

/// Slots of [`Parser::short_authors`] (as a power of two).
const SHORT_AUTHOR_BITS: u32 = 12;

/// An author shorter than [`SHORT_NAME_BYTES`]: its bytes as two little-endian words,
/// zero past its end, its length, and its id (`u32::MAX` for an empty slot).
#[derive(Debug, Clone, Copy)]
struct ShortAuthor {
    words: [u64; 2],
    len: usize,
    id: u32,
}

/// The name given to an author WhatsApp wrote as nothing but an invisible mark
/// (`… - \u{200E}: <Media omitted>`): a person whose name the export hides, not a system line.
pub const HIDDEN_AUTHOR: &str = "Hidden name";

/// One line that starts a message, reduced to its metadata.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawMessage {
    pub(crate) date: RawDate,
    pub(crate) seconds_of_day: u32,
    /// Index into [`Parser::authors`]; `None` for authorless (Android system) lines.
    pub(crate) author: Option<u32>,
    pub(crate) kind: Kind,
    /// The header's layout: 0 for the file's first, then 1, 2… in order of appearance
    /// (merged exports). Each layout has its own day/month order.
    pub(crate) layout: u8,
}

/// Counters the import report draws on.
#[derive(Debug, Default, Clone)]
pub(crate) struct ParseCounts {
    pub(crate) lines_before_first_header: u32,
    pub(crate) lines_with_bad_utf8: u32,
    pub(crate) long_lines: u32,
    /// Headers written in a layout other than the file's first (merged exports).
    pub(crate) lines_in_other_layout: u32,
}

/// The streaming parser of one chat file.
#[derive(Default)]
pub(crate) struct Parser {
    /// The unfinished last line of the previous chunk (only its first bytes are kept).
    carry: Vec<u8>,
    carry_is_cut: bool,
    shape: Option<Shape>,
    /// Layouts other than the file's first, in order of appearance (`RawMessage::layout` 1…).
    other_shapes: Vec<Shape>,
    /// Cleaned author names, indexed by `RawMessage::author`.
    pub(crate) authors: Vec<String>,
    author_ids: HashMap<String, u32>,
    /// Author ids by the author exactly as written, so a name is cleaned once per file, not
    /// once per message.
    raw_author_ids: HashMap<String, u32>,
    /// Authors (as `split_author` gives them) and their ids, one per slot, by a quick hash of
    /// their bytes: this spares nearly every line the SipHash lookup. A collision only costs
    /// a miss.
    author_cache: Vec<(String, u32)>,
    /// Slots of `author_cache` of the last few authors: most chats alternate between a
    /// handful of people, and comparing a line's start with their names finds the author
    /// without even searching the line for `: `.
    recent_authors: [u16; RECENT_AUTHORS],
    /// The entry of `recent_authors` to overwrite next.
    recent_next: usize,
    /// Authors shorter than [`SHORT_NAME_BYTES`], as the line writes them, by a hash of their
    /// bytes: a line's author is found from its first sixteen bytes (name and `:`), read as two
    /// words, without a search for `: ` byte by byte or a string comparison.
    short_authors: Vec<ShortAuthor>,
    pub(crate) counts: ParseCounts,
    saw_any_byte: bool,
    date_memo: DateMemo,
    /// The year and month of the last dated header, for headers that leave the year out
    /// after earlier ones gave it (`08:00, 2 Jan - …` after `19:07, 20 Dec 2013 - …`).
    year_carry: Option<(i32, u8)>,
}

impl Parser {
    /// Feeds the next chunk; complete lines are parsed at once.
    pub(crate) fn push(&mut self, chunk: &[u8], sink: &mut Vec<RawMessage>) -> Result<(), ImportError> {
        if chunk.is_empty() {
            return Ok(());
        }
        if !self.saw_any_byte {
            self.saw_any_byte = true;
            if chunk.iter().take(4096).any(|&b| b == 0) {
                return Err(ImportError::UnknownFormat { detail: "it holds binary data, not text".into() });
            }
        }
        let mut start = 0;
        if !self.carry.is_empty() || self.carry_is_cut {
            match find_byte(chunk, 0, b'\n') {
                Some(end) => {
                    self.extend_carry(&chunk[..end]);
                    let line = std::mem::take(&mut self.carry);
                    self.carry_is_cut = false;
                    self.line(&line, false, sink)?;
                    self.carry = line;
                    self.carry.clear();
                    start = end + 1;
                }
                None => {
                    self.extend_carry(chunk);
                    return Ok(());
                }
            }
        }
        while let Some((end, ascii)) = find_line_end(chunk, start) {
            self.line(&chunk[start..end], ascii, sink)?;
            start = end + 1;
        }
        self.extend_carry(&chunk[start..]);
        Ok(())
    }

    /// Parses the last line, if the input did not end with a newline.
    pub(crate) fn finish(&mut self, sink: &mut Vec<RawMessage>) -> Result<(), ImportError> {
        if !self.carry.is_empty() {
            let line = std::mem::take(&mut self.carry);
            self.line(&line, false, sink)?;
        }
        if !self.saw_any_byte {
            return Err(ImportError::Empty);
        }
        if self.shape.is_none() {
            return Err(if self.counts.lines_before_first_header == 0 { ImportError::Empty } else { not_whatsapp() });
        }
        Ok(())
    }

    /// Keeps at most the first [`LINE_PREFIX_BYTES`] of a line that spans chunks.
    fn extend_carry(&mut self, bytes: &[u8]) {
        let room = LINE_PREFIX_BYTES.saturating_sub(self.carry.len());
        if bytes.len() > room {
            self.carry_is_cut = true;
        }
        self.carry.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Parses one line; a header's message is pushed to `sink`. One copy, called for each line
    /// of a chunk and for a last line without a newline: it holds the header parser inlined.
    #[inline(never)]
    fn line(&mut self, raw: &[u8], ascii: bool, sink: &mut Vec<RawMessage>) -> Result<(), ImportError> {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.len() >= LINE_PREFIX_BYTES {
            self.counts.long_lines += 1;
        }
        let marked = raw.starts_with("\u{200E}".as_bytes());
        let visible = visible_bytes(raw);
        let Some(&first) = visible.first() else {
            return Ok(());
        };
        if first.is_ascii_whitespace() && raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        match self.shape {
            // Not this file's layout by its first byte; another layout is looked for only when
            // the line's first bytes could start a header at all.
            Some(shape) if !shape.may_start(first) && !could_start_header(visible) => return Ok(()),
            None if !(first == b'[' || first.is_ascii_alphanumeric() || first == 0xD9 || first == 0xDB) => {
                return self.not_a_header();
            }
            _ => {}
        }
        let (norm, bad_utf8) = if ascii {
            // SAFETY: the line scan found no byte above 0x7F, and ASCII is valid UTF-8.
            (Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(&raw[..raw.len().min(LINE_PREFIX_BYTES)]) }), false)
        } else {
            normalize_prefix(raw)
        };
        let Some(h) = header::parse_with_memo(&norm, &mut self.date_memo) else {
            return self.not_a_header();
        };
        // Most lines are by one of the last few authors: a prefix comparison finds them
        // without searching the line for `: ` or looking the name up.
        let (split, known_author) =
            match self.short_author_of(h.rest.as_bytes()).or_else(|| self.recent_author_of(h.rest)) {
                Some((id, len)) => (Some((&h.rest[..len], &h.rest[len + 2..])), Some(id)),
                None => (split_author(h.rest), None),
            };
        let mut layout = 0;
        match self.shape {
            None => self.shape = Some(h.shape),
            // A second layout (merged exports) counts only for whole lines: a plausible date
            // and an author or a known system notice. Anything less is a body line that
            // happens to start with a date.
            Some(shape) if shape != h.shape => {
                if !h.date.is_plausible() || (split.is_none() && !notices::is_authorless_notice(h.rest)) {
                    return Ok(());
                }
                self.counts.lines_in_other_layout += 1;
                // Fewer than 255 shapes exist (their fields have 160 combinations).
                let i = match self.other_shapes.iter().position(|s| *s == h.shape) {
                    Some(i) => i,
                    None => {
                        self.other_shapes.push(h.shape);
                        self.other_shapes.len() - 1
                    }
                };
                layout = u8::try_from(i + 1).unwrap_or(u8::MAX);
            }
            _ => {}
        }
        if bad_utf8 {
            self.counts.lines_with_bad_utf8 += 1;
        }
        let date = self.carry_year(h.date);
        let (author, kind) = match split {
            Some((author, body)) => {
                let kind = if notices::is_notice(author, body, marked) {
                    Kind::System
                } else if notices::is_call(body) {
                    Kind::Call
                } else {
                    Kind::Message
                };
                let id = match known_author {
                    Some(id) => id,
                    None => {
                        let id = self.author_id(author);
                        self.remember_short_author(h.rest.as_bytes(), author, id);
                        id
                    }
                };
                (Some(id), kind)
            }
            None => (None, Kind::System),
        };
        sink.push(RawMessage { date, seconds_of_day: h.seconds_of_day, author, kind, layout });
        Ok(())
    }

    /// Gives a yearless month-name date the year of the last header that had one, adding a
    /// year each time the month goes down; dates before any year stay yearless (the export
    /// counts those back from today).
    fn carry_year(&mut self, date: RawDate) -> RawDate {
        match date {
            RawDate::Known { year: Some(y), month, .. } => {
                self.year_carry = Some((y, month));
                date
            }
            RawDate::Known { year: None, month, day } => match self.year_carry {
                Some((y, previous)) => {
                    let y = if month < previous { y + 1 } else { y };
                    self.year_carry = Some((y, month));
                    RawDate::Known { year: Some(y), month, day }
                }
                None => date,
            },
            RawDate::Ambiguous { .. } => date,
        }
    }

    /// Whether the file writes month names (`Mar 5`) rather than numbers.
    pub(crate) fn dates_are_named(&self) -> bool {
        self.shape.is_some_and(|s| s.is_named())
    }

    fn not_a_header(&mut self) -> Result<(), ImportError> {
        if self.shape.is_none() {
            self.counts.lines_before_first_header += 1;
            if self.counts.lines_before_first_header > MAX_LINES_BEFORE_HEADER {
                return Err(not_whatsapp());
            }
        }
        Ok(())
    }

    /// The id and length of the author at the start of `rest`, when `rest` starts with one of
    /// the recent authors and `: `. An author is text before the first `: ` of an earlier line
    /// (or the hidden-author name, which holds none either), so it holds no `: ` itself and
    /// this is where `split_author` would split too.
    fn recent_author_of(&self, rest: &str) -> Option<(u32, usize)> {
        let bytes = rest.as_bytes();
        self.recent_authors.iter().find_map(|&slot| {
            let (raw, id) = self.author_cache.get(usize::from(slot))?;
            let n = raw.len();
            let hit = *id != u32::MAX
                && bytes.len() >= n + 2
                && bytes[n] == b':'
                && bytes[n + 1] == b' '
                && same(&bytes[..n], raw.as_bytes());
            hit.then_some((*id, n))
        })
    }

    /// The id and length of the author at the start of `rest`, when `rest` starts with a short
    /// author seen before and `: `. The first `:` in the line is where `split_author` splits
    /// too, when a space follows it.
    #[inline(always)]
    fn short_author_of(&self, rest: &[u8]) -> Option<(u32, usize)> {
        let words = first_words(rest);
        let len = first_colon(words)?;
        if rest.get(len + 1) != Some(&b' ') {
            return None;
        }
        let name = keep_first_bytes(words, len);
        let entry = self.short_authors.get(short_author_slot(name))?;
        (entry.len == len && entry.words == name && entry.id != u32::MAX).then_some((entry.id, len))
    }

    /// Remembers `author`'s id for [`Parser::short_author_of`], when the line `rest` starts
    /// with it and `:` (not with a mark `split_author` named [`HIDDEN_AUTHOR`]) and it is short.
    fn remember_short_author(&mut self, rest: &[u8], author: &str, id: u32) {
        let len = author.len();
        if len == 0 || len >= SHORT_NAME_BYTES || !rest.starts_with(author.as_bytes()) || rest.get(len) != Some(&b':') {
            return;
        }
        if self.short_authors.is_empty() {
            self.short_authors = vec![ShortAuthor { words: [0; 2], len: 0, id: u32::MAX }; 1 << SHORT_AUTHOR_BITS];
        }
        let words = keep_first_bytes(first_words(rest), len);
        self.short_authors[short_author_slot(words)] = ShortAuthor { words, len, id };
    }

    /// The id of `author` as `split_author` gave it.
    fn author_id(&mut self, author: &str) -> u32 {
        if self.author_cache.is_empty() {
            self.author_cache = vec![(String::new(), u32::MAX); AUTHOR_CACHE_SLOTS];
        }
        let slot = (crate::fast_hash::bytes_hash(author.as_bytes()) >> (64 - AUTHOR_CACHE_BITS)) as usize;
        self.recent_authors[self.recent_next % RECENT_AUTHORS] = slot as u16;
        self.recent_next = self.recent_next.wrapping_add(1);
        let (cached, cached_id) = &self.author_cache[slot];
        if *cached_id != u32::MAX && same(cached.as_bytes(), author.as_bytes()) {
            return *cached_id;
        }
        let id = match self.raw_author_ids.get(author) {
            Some(&id) => id,
            None => {
                let clean = crate::identity::clean_name(author);
                let next = self.authors.len() as u32;
                let id = *self.author_ids.entry(clean.clone()).or_insert(next);
                if id == next {
                    self.authors.push(clean);
                }
                self.raw_author_ids.insert(author.to_string(), id);
                id
            }
        };
        // Overwrites the slot in place, reusing its buffer.
        let entry = &mut self.author_cache[slot];
        entry.0.clear();
        entry.0.push_str(author);
        entry.1 = id;
        id
    }
}

fn not_whatsapp() -> ImportError {
    ImportError::UnknownFormat { detail: "its lines do not start with a WhatsApp date and time".into() }
}

/// The first sixteen bytes of `bytes` as two little-endian words, zero past its end.
#[inline(always)]
fn first_words(bytes: &[u8]) -> [u64; 2] {
    let word = |half: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(half);
        u64::from_le_bytes(w)
    };
    if bytes.len() >= SHORT_NAME_BYTES {
        return [word(&bytes[..8]), word(&bytes[8..16])];
    }
    let mut buffer = [0u8; SHORT_NAME_BYTES];
    buffer[..bytes.len()].copy_from_slice(bytes);
    [word(&buffer[..8]), word(&buffer[8..])]
}

/// The position of the first `:` in two words read by [`first_words`].
#[inline(always)]
fn first_colon(words: [u64; 2]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const COLONS: u64 = ONES * b':' as u64;
    // A byte's high bit is set where it is a colon; a false one can only follow a true one.
    let found = |w: u64| {
        let x = w ^ COLONS;
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    match (found(words[0]), found(words[1])) {
        (0, 0) => None,
        (0, high) => Some(8 + (high.trailing_zeros() / 8) as usize),
        (low, _) => Some((low.trailing_zeros() / 8) as usize),
    }
}

/// The two words with every byte from position `n` (below sixteen) on set to zero, by a table
/// of masks: a shift of 128 bits is a dozen wasm instructions.
#[inline(always)]
fn keep_first_bytes(words: [u64; 2], n: usize) -> [u64; 2] {
    const MASKS: [[u64; 2]; SHORT_NAME_BYTES] = {
        let mut masks = [[0; 2]; SHORT_NAME_BYTES];
        let mut n = 1;
        while n < SHORT_NAME_BYTES {
            masks[n] = if n < 8 { [(1 << (8 * n)) - 1, 0] } else { [u64::MAX, (1 << (8 * (n - 8))) - 1] };
            n += 1;
        }
        masks
    };
    let mask = MASKS[n % SHORT_NAME_BYTES];
    [words[0] & mask[0], words[1] & mask[1]]
}

/// The slot of a short author in [`Parser::short_authors`], from the high bits of a product
/// (its low bits follow only the low bits of the name).
#[inline(always)]
fn short_author_slot(words: [u64; 2]) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let h = (words[0].wrapping_mul(K) ^ words[1]).wrapping_mul(K);
    (h >> (64 - SHORT_AUTHOR_BITS)) as usize
}

/// `Author: body`, when the line has an author.
pub(crate) fn split_author(rest: &str) -> Option<(&str, &str)> {
    let bytes = rest.as_bytes();
    let window = &bytes[..bytes.len().min(MAX_AUTHOR_BYTES)];
    let mut from = 0;
    let pos = loop {
        let colon = find_byte(window, from, b':')?;
        if bytes.get(colon + 1) == Some(&b' ') {
            break colon;
        }
        from = colon + 1;
    };
    let author = &rest[..pos];
    // The prefix was normalised, so an author written as only an invisible mark is empty now.
    if author.bytes().all(|b| b == b' ') {
        return Some((HIDDEN_AUTHOR, &rest[pos + 2..]));
    }
    Some((author, &rest[pos + 2..]))
}

/// Whether a line's first bytes could start a header of any layout: `[`; digits followed by
/// a date or time separator; or a word followed by a space and a digit (`Mar 5`). Body lines
/// of a file whose layout is already known are rejected here without parsing.
fn could_start_header(visible: &[u8]) -> bool {
    let Some(&first) = visible.first() else {
        return false;
    };
    if first == b'[' {
        return true;
    }
    if first.is_ascii_digit() {
        let n = visible.iter().take(5).take_while(|b| b.is_ascii_digit()).count();
        return matches!(visible.get(n), Some(b'/' | b'.' | b'-' | b':' | b' '));
    }
    if first.is_ascii_alphabetic() || first >= 0xC0 {
        // Arabic-Indic digits (0xD9, 0xDB lead bytes) pass too: they are not ASCII.
        if first == 0xD9 || first == 0xDB {
            return true;
        }
        let n = visible.iter().take(24).take_while(|b| b.is_ascii_alphabetic() || **b >= 0x80).count();
        let rest = &visible[n..];
        let rest = rest.strip_prefix(b".").unwrap_or(rest);
        return rest.first() == Some(&b' ') && rest.get(1).is_some_and(u8::is_ascii_digit);
    }
    false
}

/// The line after leading byte-order and direction marks (U+FEFF, U+200E, U+200F).
fn visible_bytes(line: &[u8]) -> &[u8] {
    // All three marks start with 0xE2 or 0xEF; most lines start with neither.
    match line.first() {
        Some(&b) if b != 0xE2 && b != 0xEF => return line,
        None => return line,
        _ => {}
    }
    let mut rest = line;
    loop {
        if let Some(r) = rest.strip_prefix("\u{200E}".as_bytes()) {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("\u{200F}".as_bytes()) {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("\u{FEFF}".as_bytes()) {
            rest = r;
        } else {
            return rest;
        }
    }
}

/// Whether two short byte strings are equal, compared a word at a time from both ends: names
/// in a group often differ only in their last bytes (`Member 12`, `Member 13`), and wasm's
/// `memcmp` goes byte by byte.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if n < 8 {
        if n >= 4 {
            let half = |s: &[u8], at: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&s[at..at + 4]);
                u32::from_le_bytes(w)
            };
            return half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4);
        }
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    if word(a, n - 8) != word(b, n - 8) || word(a, 0) != word(b, 0) {
        return false;
    }
    n <= 16 || a[8..n - 8] == b[8..n - 8]
}

/// `hay.starts_with(prefix)`, by [`same`].
pub(crate) fn starts_with(hay: &[u8], prefix: &[u8]) -> bool {
    hay.len() >= prefix.len() && same(&hay[..prefix.len()], prefix)
}

/// The end of the line starting at `from` (the position of its `\n`), and whether every byte
/// before it is ASCII, read in the same pass eight bytes at a time.
fn find_line_end(hay: &[u8], from: usize) -> Option<(usize, bool)> {
    #[cfg(target_arch = "wasm32")]
    {
        find_line_end_simd(hay, from)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        find_line_end_words(hay, from, true)
    }
}

/// [`find_line_end`] sixteen bytes at a time with wasm's SIMD instructions (in every browser
/// since 2021–2023: Chrome 91, Firefox 89, Safari 16.4; Node 16.4): scanning for line ends is
/// most of the work on long lines.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn find_line_end_simd(hay: &[u8], from: usize) -> Option<(usize, bool)> {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_load, v128_or};
    let newlines = u8x16_splat(b'\n');
    let mut seen = u8x16_splat(0);
    let mut i = from;
    while i + 16 <= hay.len() {
        // SAFETY: `i + 16 <= hay.len()`, so the 16 bytes read are inside `hay`; wasm loads
        // need no alignment.
        let v = unsafe { v128_load(hay.as_ptr().add(i).cast::<v128>()) };
        let found = u8x16_bitmask(u8x16_eq(v, newlines));
        if found != 0 {
            let k = found.trailing_zeros();
            let high_before = u32::from(u8x16_bitmask(v)) & ((1u32 << k) - 1);
            return Some((i + k as usize, u8x16_bitmask(seen) == 0 && high_before == 0));
        }
        seen = v128_or(seen, v);
        i += 16;
    }
    find_line_end_words(hay, i, u8x16_bitmask(seen) == 0)
}

/// [`find_line_end`] eight bytes at a time, from `from`; `ascii` tells whether the line's bytes
/// before `from` were all ASCII.
fn find_line_end_words(hay: &[u8], from: usize, ascii: bool) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let mut i = from;
    let mut seen: u64 = if ascii { 0 } else { HIGHS };
    while i + 8 <= hay.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&hay[i..i + 8]);
        let word = u64::from_le_bytes(word);
        let x = word ^ NEWLINES;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            let at = i + (found.trailing_zeros() / 8) as usize;
            let ascii = seen & HIGHS == 0 && hay[i..at].is_ascii();
            return Some((at, ascii));
        }
        seen |= word;
        i += 8;
    }
    let at = i + hay.get(i..)?.iter().position(|&b| b == b'\n')?;
    Some((at, seen & HIGHS == 0 && hay[i..at].is_ascii()))
}

/// Position of the first `needle` at or after `from`, eight bytes at a time: the parser's
/// hottest loop, and plain wasm32 has no SIMD to lean on.
pub(crate) fn find_byte(hay: &[u8], from: usize, needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(needle);
    let mut i = from;
    while i + 8 <= hay.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&hay[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ pattern;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay.get(i..)?.iter().position(|&b| b == needle).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str, chunk: usize) -> (Vec<RawMessage>, Vec<String>) {
        let mut parser = Parser::default();
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(chunk) {
            parser.push(piece, &mut out).expect("push");
        }
        parser.finish(&mut out).expect("finish");
        (out, parser.authors)
    }

    #[test]
    fn find_byte_agrees_with_position() {
        let hay = b"abcdefghij\nklmnopqrstuvwxyz\n";
        for from in 0..hay.len() {
            let expected = hay[from..].iter().position(|&b| b == b'\n').map(|p| p + from);
            assert_eq!(find_byte(hay, from, b'\n'), expected);
        }
    }

    #[test]
    fn same_agrees_with_slice_equality() {
        let words: [&[u8]; 9] =
            [b"", b"a", b"abc", b"abcd", b"abce", b"Sam Lee", b"Sam Leo", b"Member 12", b"Member 13"];
        for a in words {
            for b in words {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
        let long = b"a name of more than sixteen bytes".as_slice();
        let mut other = long.to_vec();
        other[12] = b'X';
        assert!(same(long, long) && !same(long, &other));
    }

    #[test]
    fn a_short_author_is_found_where_split_author_splits() {
        let mut parser = Parser::default();
        let lines = [
            "Ann: hi",
            "Member 12: hi",
            "Member 123: hi",
            "Sixteen bytes ab: hi",
            "Fifteen bytes a: hi",
            "Seventeen bytes ab: hi",
            "a:b: c",
            "Ann:x",
            ": x",
            "   : x",
            "Ann",
            "Ann: ",
            "Ann:",
        ];
        for line in lines {
            if let Some((author, _)) = split_author(line) {
                let id = parser.author_id(author);
                parser.remember_short_author(line.as_bytes(), author, id);
            }
        }
        for line in lines.iter().chain(&["Member 13: hi", "Ann : hi", "An: hi", "Ann: other"]) {
            if let Some((id, len)) = parser.short_author_of(line.as_bytes()) {
                let (author, body) = split_author(line).expect("an author");
                assert_eq!((&line[..len], &line[len + 2..]), (author, body), "{line}");
                assert_eq!(parser.author_id(author), id, "{line}");
            }
        }
        let found = |line: &str| parser.short_author_of(line.as_bytes()).is_some();
        assert!(found("Member 123: hi") && found("Fifteen bytes a: x") && found("Ann: other"));
        assert!(!found("Member 13: hi") && !found("Sixteen bytes ab: hi") && !found("   : x") && !found("a:b: c"));
    }

    #[test]
    fn find_line_end_agrees_with_a_plain_scan() {
        let hay =
            "ab\ncd\u{e9}fghijklmnopqrstuvwxyz0123456789\n\nplain ascii line that runs past sixteen bytes\nend\u{e9}";
        let hay = hay.as_bytes();
        for from in 0..hay.len() {
            let expected =
                hay[from..].iter().position(|&b| b == b'\n').map(|p| (p + from, hay[from..p + from].is_ascii()));
            assert_eq!(find_line_end(hay, from), expected, "from {from}");
        }
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let text = "06/03/2017, 00:45 - Ann: hi\nsecond line\n06/03/2017, 00:46 - Bob: yo\n06/03/2017, 00:47 - Ann added Bob\n";
        let (whole, authors) = parse_all(text, text.len());
        for size in 1..12 {
            let (parts, _) = parse_all(text, size);
            assert_eq!(parts.len(), whole.len(), "chunk {size}");
        }
        assert_eq!(whole.len(), 3);
        assert_eq!(authors, vec!["Ann", "Bob"]);
        assert!(matches!(whole[2].kind, Kind::System));
        assert_eq!(whole[2].author, None);
    }

    #[test]
    fn an_author_written_as_only_a_mark_is_a_hidden_person() {
        let text = "05/04/2023, 10:00 - Messages and calls are end-to-end encrypted.\n05/04/2023, 10:01 - \u{200E}: <Media omitted>\n13/04/2023, 10:02 - Sam: ok\n";
        let (msgs, authors) = parse_all(text, 5);
        assert_eq!(msgs.len(), 3);
        assert!(matches!(msgs[0].kind, Kind::System));
        assert!(matches!(msgs[1].kind, Kind::Message));
        assert_eq!(authors, vec![HIDDEN_AUTHOR, "Sam"]);
    }

    #[test]
    fn yearless_dates_take_the_year_of_the_last_dated_line() {
        let text = "19:07, 20 Dec 2013 - Ann: a\n08:00, 2 Jan - Bob: b\n09:00, 3 Mar - Ann: c\n10:00, 1 Feb - Ann: d\n";
        let (msgs, _) = parse_all(text, 3);
        let years: Vec<Option<i32>> = msgs
            .iter()
            .map(|m| match m.date {
                RawDate::Known { year, .. } => year,
                RawDate::Ambiguous { .. } => None,
            })
            .collect();
        assert_eq!(years, vec![Some(2013), Some(2014), Some(2014), Some(2015)]);
        // With no year anywhere before, the date stays yearless for the export to place.
        let (msgs, _) = parse_all("20 Sep 19:07 - Ann: a\n", 4);
        assert!(matches!(msgs[0].date, RawDate::Known { year: None, .. }));
    }

    #[test]
    fn a_second_layout_counts_only_for_whole_header_lines() {
        let text = "[18/03/2022, 14:56:01] Ann: a\n\
            20/03/2022, 09:00 - Ann: b\n\
            20/03/2022, 09:01 - just a date-like body line\n\
            45/45/2022, 09:02 - Ann: impossible date\n\
            20/03/2022, 09:03 - Ann added Bob\n\
            and a second line\n\
            3/20/22, 9:04:00 AM: Ann: c\n\
            [20/03/2022, 09:05:00] Sam: d\n";
        let mut parser = Parser::default();
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(6) {
            parser.push(piece, &mut out).expect("push");
        }
        parser.finish(&mut out).expect("finish");
        assert_eq!(out.len(), 5);
        assert_eq!(parser.counts.lines_in_other_layout, 3);
        assert!(matches!(out[2].kind, Kind::System));
    }

    #[test]
    fn could_start_header_rejects_ordinary_text_cheaply() {
        for line in
            ["[18/03", "18/03/2022", "14:56, 3 Mar", "Mar 5, 8:29", "20 Sep 19:07", "5 марта", "\u{0661}\u{0668}"]
        {
            assert!(could_start_header(line.as_bytes()), "{line}");
        }
        for line in ["and a second line", "ok", "hello there", "12345678", "- item", "see you 5pm"] {
            assert!(!could_start_header(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn body_lines_that_look_like_dates_stay_bodies() {
        let text =
            "[18/03/2022, 14:56:01] Ann: plan\n18/03/2022, 14:56 - not a header\n[18/03/2022, 14:57:01] Bob: ok\n";
        let (msgs, _) = parse_all(text, 7);
        assert_eq!(msgs.len(), 2);
    }
}
