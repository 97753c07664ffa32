//! The header of a WhatsApp export line: `[DATE, TIME] ` (iOS) or `DATE, TIME - ` (Android), in
//! all the variants FORMATS.md §1 lists. Parsing works on a normalised copy of the line's prefix.

use std::borrow::Cow;

/// How many bytes of a line the parser ever looks at. Headers, author names and the system
/// notices it recognises all fit; the rest of a long line is message text it has no use for.
pub(crate) const LINE_PREFIX_BYTES: usize = 512;

/// A date as written, before the file's day/month order is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawDate {
    /// Three numbers, day and month in an order the file decides; `year` already 4 digits
    /// unless it was written with 2 (then 0..=99).
    Ambiguous { first: u8, second: u8, year: i32 },
    /// Year-first numbers or a month name: the order is known; the year may be missing.
    Known { year: Option<i32>, month: u8, day: u8 },
}

/// The layout of a header. A file uses one layout throughout; once the first header fixed it,
/// a body line that merely starts with a date-like text is not mistaken for a new message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    bracket: bool,
    time_first: bool,
    /// `/`, `.`, `-` for numeric dates; `n` for month names written first (`Mar 5`), `N` for
    /// month names after the day (`20 Sep`).
    date_style: u8,
    seconds: bool,
    meridiem: bool,
    /// The old bracketless iOS layout: `3/18/22, 2:56:01 PM: Ann: hi` (`: ` where Android
    /// writes ` - `).
    colon_end: bool,
}

impl Shape {
    /// Whether dates are written with month names.
    pub(crate) fn is_named(&self) -> bool {
        matches!(self.date_style, b'n' | b'N')
    }

    /// Whether a raw line could start a header of this shape, by its first byte alone. Most
    /// lines of a chat are headers or continuations; this keeps continuations cheap.
    pub(crate) fn may_start(&self, first: u8) -> bool {
        let arabic_digit = first == 0xD9 || first == 0xDB;
        if self.bracket {
            first == b'['
        } else if self.time_first || self.date_style != b'n' {
            first.is_ascii_digit() || arabic_digit
        } else {
            first.is_ascii_alphabetic()
        }
    }
}

impl RawDate {
    /// Whether the date could be a real one: a month and a day in range, and a year, when
    /// written with four digits, within WhatsApp's lifetime give or take. A line in a second
    /// layout must pass this to count as a header (a body line that merely starts with a
    /// date-like text usually does not).
    pub(crate) fn is_plausible(self) -> bool {
        let year_ok = |y: i32| y < 100 || (1990..=2100).contains(&y);
        match self {
            RawDate::Ambiguous { first, second, year } => {
                (1..=31).contains(&first) && (1..=31).contains(&second) && first.min(second) <= 12 && year_ok(year)
            }
            RawDate::Known { year, month, day } => {
                (1..=12).contains(&month) && (1..=31).contains(&day) && year.is_none_or(year_ok)
            }
        }
    }
}

/// A parsed header: when, in what layout, and the rest of the (normalised) line after it.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) date: RawDate,
    pub(crate) seconds_of_day: u32,
    pub(crate) shape: Shape,
    pub(crate) rest: &'a str,
}

/// A copy of the line prefix with invisible marks dropped, odd spaces made plain, Arabic-Indic
/// digits made ASCII and the Arabic comma made `,`. Borrowed when the prefix is plain ASCII.
/// The flag tells whether the prefix held bytes that are not UTF-8.
pub(crate) fn normalize_prefix(line: &[u8]) -> (Cow<'_, str>, bool) {
    let prefix = &line[..line.len().min(LINE_PREFIX_BYTES)];
    if prefix.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8. Most lines are ASCII, and full
        // validation of each line was 9% of the parse time.
        return (Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(prefix) }), false);
    }
    let (text, bad) = match std::str::from_utf8(prefix) {
        Ok(t) => (t, false),
        // A cut through a multi-byte character at the prefix end, or bad bytes in the text:
        // the valid start is all the header needs.
        Err(e) => (std::str::from_utf8(&prefix[..e.valid_up_to()]).unwrap_or_default(), e.error_len().is_some()),
    };
    if text.is_ascii() {
        return (Cow::Borrowed(text), bad);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if crate::identity::is_invisible_mark(c) {
            continue;
        }
        let mapped = match c {
            '\u{00A0}' | '\u{202F}' | '\u{2009}' => ' ',
            '\u{060C}' => ',',
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            _ => c,
        };
        out.push(mapped);
    }
    (Cow::Owned(out), bad)
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, t: &str) -> bool {
        // Byte by byte: these literals are 2 to 5 bytes, shorter than a memcmp call costs.
        let rest = &self.s.as_bytes()[self.i..];
        if rest.len() >= t.len() && rest.iter().zip(t.bytes()).all(|(a, b)| *a == b) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    /// A run of `min..=max` ASCII digits, with its value and length.
    fn digits(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let bytes = self.s.as_bytes();
        let start = self.i;
        let mut value: u32 = 0;
        while self.i < bytes.len() && bytes[self.i].is_ascii_digit() && self.i - start < max {
            value = value * 10 + u32::from(bytes[self.i] - b'0');
            self.i += 1;
        }
        let len = self.i - start;
        if len < min || bytes.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i = start;
            return None;
        }
        Some((value, len))
    }

    /// A run of letters (ASCII or not), e.g. a month name or the `klo` of Finnish headers.
    fn word(&mut self) -> &'a str {
        let rest = &self.s[self.i..];
        let end = rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
        self.i += end;
        &rest[..end]
    }
}

/// Month names in lower case, in the languages of the notice list (en, de, es, fr, pt, it, nl,
/// ru): full names, plus the abbreviations that are not a prefix of one. A written month is
/// any prefix of at least three letters of one of these, read case-insensitively, as long as
/// every name it starts names the same month (`jui` could be juin or juillet: no month).
const MONTH_NAMES: &[(&str, u8)] = &[
    // English
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    // German (Mai, Juni, Juli, August, September, November as in English or Dutch)
    ("januar", 1),
    ("jänner", 1),
    ("februar", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mrz", 3),
    ("oktober", 10),
    ("dezember", 12),
    // Spanish
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    // French
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
    // Portuguese
    ("janeiro", 1),
    ("fevereiro", 2),
    ("março", 3),
    ("marco", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("novembro", 11),
    ("dezembro", 12),
    // Italian
    ("gennaio", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
    // Dutch
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("mrt", 3),
    ("mei", 5),
    ("juni", 6),
    ("juli", 7),
    ("augustus", 8),
    // Russian: dates use the genitive (`5 марта`); the nominative for month-first layouts.
    ("января", 1),
    ("январь", 1),
    ("февраля", 2),
    ("февраль", 2),
    ("марта", 3),
    ("март", 3),
    ("апреля", 4),
    ("апрель", 4),
    ("мая", 5),
    ("май", 5),
    ("июня", 6),
    ("июнь", 6),
    ("июля", 7),
    ("июль", 7),
    ("августа", 8),
    ("август", 8),
    ("сентября", 9),
    ("сентябрь", 9),
    ("октября", 10),
    ("октябрь", 10),
    ("ноября", 11),
    ("ноябрь", 11),
    ("декабря", 12),
    ("декабрь", 12),
];

/// Whether `word`, lower-cased, is a prefix of `name` (already lower case). No allocation:
/// body lines that start with a word reach this.
fn is_lower_prefix(word: &str, name: &str) -> bool {
    let mut name_chars = name.chars();
    word.chars().flat_map(char::to_lowercase).all(|c| name_chars.next() == Some(c))
}

/// Month number of a month name or its abbreviation (`Mar`, `Sept.`, `März`, `févr.`,
/// `марта`); see [`MONTH_NAMES`].
fn month_number(word: &str) -> Option<u8> {
    // Three letters at least; no name is longer than 24 bytes.
    if word.len() > 24 || word.chars().nth(2).is_none() {
        return None;
    }
    let mut found = None;
    for &(name, month) in MONTH_NAMES {
        if is_lower_prefix(word, name) {
            match found {
                None => found = Some(month),
                Some(m) if m != month => return None,
                Some(_) => {}
            }
        }
    }
    found
}

/// Years in a Japanese era (`R4` is Reiwa 4 = 2022, `H31` Heisei 31 = 2019).
fn era_year(era: u8, n: u32) -> Option<i32> {
    let base = match era {
        b'R' => 2018,
        b'H' => 1988,
        b'S' => 1925,
        _ => return None,
    };
    Some(base + n as i32)
}

fn numeric_date(c: &mut Cursor) -> Option<(RawDate, u8)> {
    let (a, a_len) = c.digits(1, 4)?;
    let sep = c.peek().filter(|b| matches!(b, b'/' | b'.' | b'-'))?;
    c.i += 1;
    let (b, _) = c.digits(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    if a_len == 4 {
        let (day, _) = c.digits(1, 2)?;
        return Some((RawDate::Known { year: Some(a as i32), month: b as u8, day: day as u8 }, sep));
    }
    if a_len > 2 {
        return None;
    }
    let year = match c.peek() {
        Some(era @ (b'R' | b'H' | b'S')) => {
            c.i += 1;
            let (n, _) = c.digits(1, 2)?;
            era_year(era, n)?
        }
        _ => {
            let (y, y_len) = c.digits(2, 4)?;
            if y_len == 3 {
                return None;
            }
            let mut year = y as i32;
            // Thai Buddhist era: 543 years ahead of the Gregorian count.
            if c.eat_str(" BE") || c.eat_str(" B.E.") {
                year -= 543;
            }
            year
        }
    };
    Some((RawDate::Ambiguous { first: a as u8, second: b as u8, year }, sep))
}

/// `Mar 5`, `Mar 5, 2013`, `20 Sep 2013`, `20 Sep`, `5 марта`. Returns the date style too:
/// `n` when the month comes first, `N` when the day does.
fn named_date(c: &mut Cursor) -> Option<(RawDate, u8)> {
    let start = c.i;
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let (day, _) = c.digits(1, 2)?;
        if !c.eat(b' ') {
            c.i = start;
            return None;
        }
        let month = month_number(c.word())?;
        c.eat(b'.');
        // ` 2013` is a year only when no time separator follows the four digits; old exports
        // leave it out (`20 Sep 19:07`).
        let before_year = c.i;
        let mut year = None;
        if c.eat(b' ') {
            match c.digits(4, 4) {
                Some((y, _)) if !matches!(c.peek(), Some(b':' | b'.')) => year = Some(y as i32),
                _ => c.i = before_year,
            }
        }
        return Some((RawDate::Known { year, month, day: day as u8 }, b'N'));
    }
    let month = month_number(c.word())?;
    c.eat(b'.');
    if !c.eat(b' ') {
        return None;
    }
    let (day, _) = c.digits(1, 2)?;
    // `, 2013` is a year only when no time separator follows the four digits.
    let before_year = c.i;
    let mut year = None;
    if c.eat_str(", ") {
        if let Some((y, 4)) = c.digits(4, 4) {
            if !matches!(c.peek(), Some(b':' | b'.')) {
                year = Some(y as i32);
            } else {
                c.i = before_year;
            }
        } else {
            c.i = before_year;
        }
    }
    Some((RawDate::Known { year, month, day: day as u8 }, b'n'))
}

/// `14:56`, `2:56:01 PM`, `11.23 a. m.`, `21.25.15`, `2:56 م`. Returns seconds of day and
/// whether seconds and a meridiem were written.
fn time(c: &mut Cursor) -> Option<(u32, bool, bool)> {
    let (h, _) = c.digits(1, 2)?;
    let sep = c.peek().filter(|b| matches!(b, b':' | b'.'))?;
    c.i += 1;
    let (m, _) = c.digits(2, 2)?;
    let mut s = 0;
    let mut has_seconds = false;
    let before_seconds = c.i;
    if c.eat(sep) {
        match c.digits(2, 2) {
            Some((v, _)) => {
                s = v;
                has_seconds = true;
            }
            None => c.i = before_seconds,
        }
    }
    let before_meridiem = c.i;
    c.eat(b' ');
    // Every marker starts with a, p, A, P, i (`in the morning`) or an Arabic letter; 24-hour
    // files skip the list.
    if !matches!(c.peek(), Some(b'a' | b'p' | b'A' | b'P' | b'i' | 0xD8..=0xDB)) {
        c.i = before_meridiem;
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        return Some((h * 3600 + m * 60 + s, has_seconds, false));
    }
    let rest = &c.s[c.i..];
    let mut period = None;
    for (word, p) in MERIDIEMS {
        if rest.starts_with(word) {
            c.i += word.len();
            period = Some(p);
            break;
        }
    }
    let hour = match period {
        Some(p) => {
            // Hour 0 is written by some 12-hour clocks (`00:04 AM`): it means 00:04.
            if h > 12 {
                return None;
            }
            match (p, h) {
                (Period::Am, 12) => 0,
                (Period::Pm, 12) => 12,
                (Period::Pm, h) => h + 12,
                // "At night": the evening hours 6 to 11 are PM, midnight (12) and 1 to 5 AM.
                (Period::Night, 12) => 0,
                (Period::Night, 6..=11) => h + 12,
                (Period::Am | Period::Night, h) => h,
            }
        }
        None => {
            c.i = before_meridiem;
            h
        }
    };
    if hour > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((hour * 3600 + m * 60 + s, has_seconds, period.is_some()))
}

/// Which half of the day a 12-hour time is in.
#[derive(Debug, Clone, Copy)]
enum Period {
    Am,
    Pm,
    /// `at night`: PM for 6 to 11, AM for 12 and 1 to 5.
    Night,
}

/// AM/PM markers and the English day-period words some Android locales write instead.
const MERIDIEMS: [(&str, Period); 17] = [
    ("a. m.", Period::Am),
    ("p. m.", Period::Pm),
    ("a.m.", Period::Am),
    ("p.m.", Period::Pm),
    ("A.M.", Period::Am),
    ("P.M.", Period::Pm),
    ("AM", Period::Am),
    ("PM", Period::Pm),
    ("am", Period::Am),
    ("pm", Period::Pm),
    ("\u{0635}", Period::Am),
    ("\u{0645}", Period::Pm),
    ("a. m", Period::Am),
    ("in the morning", Period::Am),
    ("in the afternoon", Period::Pm),
    ("in the evening", Period::Pm),
    ("at night", Period::Night),
];

/// The text and value of the last date parsed, for [`parse_with_memo`].
#[derive(Debug, Default)]
pub(crate) struct DateMemo {
    /// The line's bytes from its start through the end of the date (bracket included).
    text: Vec<u8>,
    date: Option<(RawDate, u8)>,
}

/// Parses the header at the start of a normalised line prefix: one line (live capture), where
/// no earlier date can be reused. Out of line, so the header parser has one copy here and one
/// in the file parser's line loop.
#[inline(never)]
pub(crate) fn parse(line: &str) -> Option<Header<'_>> {
    parse_with_memo(line, &mut DateMemo::default())
}

/// [`parse`], reusing the previous line's date when this line starts with the same date text:
/// consecutive messages mostly share a day, and the date was the costliest part to parse.
///
/// Always inlined (into the file parser's one line function): called, its header came back
/// through memory, written field by field and read back in wider words, and reading it waited
/// on the writes; inlined, a group of 300 imports 6% faster in Node.
#[inline(always)]
pub(crate) fn parse_with_memo<'a>(line: &'a str, memo: &mut DateMemo) -> Option<Header<'a>> {
    if let Some(h) = parse_same_date(line, memo) {
        return Some(h);
    }
    let mut c = Cursor { s: line, i: 0 };
    let bracket = c.eat(b'[');
    let first_is_digit = c.peek().is_some_and(|b| b.is_ascii_digit());
    // Time first (`[14:56:01, 3/18/22]`, `19:07, 20 Sep 2013`) starts with `H:` or `HH:`.
    let time_first = first_is_digit && {
        let b = line.as_bytes();
        let j = c.i;
        matches!((b.get(j + 1), b.get(j + 2)), (Some(b':'), _) | (Some(b'0'..=b'9'), Some(b':')))
    };
    let (date, date_style, seconds_of_day, seconds, meridiem);
    if time_first {
        (seconds_of_day, seconds, meridiem) = time(&mut c)?;
        c.eat(b',');
        if !c.eat(b' ') {
            return None;
        }
        (date, date_style) = any_date(&mut c)?;
    } else {
        let bytes = line.as_bytes();
        let remembered = memo.date.filter(|_| {
            super::starts_with(bytes, &memo.text) && !bytes.get(memo.text.len()).is_some_and(u8::is_ascii_alphanumeric)
        });
        match remembered {
            Some(found) => {
                (date, date_style) = found;
                c.i = memo.text.len();
            }
            None => {
                (date, date_style) = any_date(&mut c)?;
                // `20 Sep` must not stand in for a later `20 Sep 2014`: yearless dates are
                // parsed afresh (they are rare, and cheap).
                if matches!(date, RawDate::Known { year: None, .. }) {
                    memo.date = None;
                } else {
                    memo.text.clear();
                    memo.text.extend_from_slice(&bytes[..c.i]);
                    memo.date = Some((date, date_style));
                }
            }
        }
        // Between date and time: `, `, `,`, ` `, or a word such as ` klo `.
        let had_comma = c.eat(b',');
        let had_space = c.eat(b' ');
        if !had_comma && !had_space {
            return None;
        }
        if c.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            let word = c.word();
            if word.len() > 4 || !c.eat(b' ') {
                return None;
            }
        }
        (seconds_of_day, seconds, meridiem) = time(&mut c)?;
    }
    let mut colon_end = false;
    if bracket {
        if !c.eat(b']') || !c.eat(b' ') {
            return None;
        }
    } else if !(c.eat_str(" - ") || c.eat_str(" \u{2013} ")) {
        // Old iOS without brackets: `3/18/22, 2:56:01 PM: Ann: hi`.
        if !c.eat_str(": ") {
            return None;
        }
        colon_end = true;
    }
    let shape = Shape { bracket, time_first, date_style, seconds, meridiem, colon_end };
    Some(Header { date, seconds_of_day, shape, rest: &line[c.i..] })
}

/// The common case of [`parse_with_memo`], without its general parser: a line that starts with
/// the remembered date, then `, H:MM` or `, HH:MM:SS` (24-hour), then ` - ` or `] `. Gives
/// exactly what the general parser gives, or `None` for anything else (which the general
/// parser then reads).
#[inline(always)]
fn parse_same_date<'a>(line: &'a str, memo: &DateMemo) -> Option<Header<'a>> {
    let (date, date_style) = memo.date?;
    let b = line.as_bytes();
    let mut i = memo.text.len();
    if !super::starts_with(b, &memo.text) {
        return None;
    }
    // Android's `<date>, HH:MM - `, the commonest of all, checked as one word and two bytes.
    if b.first() != Some(&b'[') {
        if let Some(time) = b.get(i..i + 10) {
            const FIXED: u64 = 0xFF00_00FF_0000_FFFF;
            const COMMA_SPACE_COLON_SPACE: u64 = 0x2000_003A_0000_202C;
            let mut word = [0u8; 8];
            word.copy_from_slice(&time[..8]);
            let digit = |k: usize| u32::from(time[k].wrapping_sub(b'0'));
            let (h1, h2, m1, m2) = (digit(2), digit(3), digit(5), digit(6));
            if u64::from_le_bytes(word) & FIXED == COMMA_SPACE_COLON_SPACE
                && time[8..] == *b"- "
                && h1.max(h2).max(m1).max(m2) <= 9
                && h1 * 10 + h2 <= 23
                && m1 <= 5
            {
                let shape = Shape {
                    bracket: false,
                    time_first: false,
                    date_style,
                    seconds: false,
                    meridiem: false,
                    colon_end: false,
                };
                let seconds_of_day = (h1 * 10 + h2) * 3600 + (m1 * 10 + m2) * 60;
                return Some(Header { date, seconds_of_day, shape, rest: &line[i + 10..] });
            }
        }
    }
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let digit = |i: usize| at(i).is_ascii_digit();
    let value = |i: usize| u32::from(at(i).wrapping_sub(b'0'));
    // `, `, `,` or ` ` between date and time; a letter or digit right after the date is
    // another date (`5 Mar` before `5 Mar 2014`), a letter after the gap a word (`klo`).
    if at(i) == b',' {
        i += 1;
    }
    if at(i) == b' ' {
        i += 1;
    }
    if i == memo.text.len() || !digit(i) {
        return None;
    }
    let mut h = value(i);
    i += 1;
    if digit(i) {
        h = h * 10 + value(i);
        i += 1;
    }
    let sep = at(i);
    if !(sep == b':' || sep == b'.') || digit(i) || !digit(i + 1) || !digit(i + 2) || digit(i + 3) {
        return None;
    }
    let m = value(i + 1) * 10 + value(i + 2);
    i += 3;
    let mut s = 0;
    let seconds = at(i) == sep;
    if seconds {
        if !digit(i + 1) || !digit(i + 2) || digit(i + 3) {
            return None;
        }
        s = value(i + 1) * 10 + value(i + 2);
        i += 3;
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let bracket = b[0] == b'[';
    if bracket {
        if at(i) != b']' || at(i + 1) != b' ' {
            return None;
        }
        i += 2;
    } else {
        if at(i) != b' ' || at(i + 1) != b'-' || at(i + 2) != b' ' {
            return None;
        }
        i += 3;
    }
    let shape = Shape { bracket, time_first: false, date_style, seconds, meridiem: false, colon_end: false };
    Some(Header { date, seconds_of_day: h * 3600 + m * 60 + s, shape, rest: &line[i..] })
}

fn any_date(c: &mut Cursor) -> Option<(RawDate, u8)> {
    let start = c.i;
    if let Some(found) = numeric_date(c) {
        return Some(found);
    }
    c.i = start;
    named_date(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> (RawDate, u32, String) {
        let (norm, _) = normalize_prefix(line.as_bytes());
        let h = parse(&norm).unwrap_or_else(|| panic!("no header in {line:?}"));
        (h.date, h.seconds_of_day, h.rest.to_string())
    }

    fn amb(first: u8, second: u8, year: i32) -> RawDate {
        RawDate::Ambiguous { first, second, year }
    }

    fn known(year: Option<i32>, month: u8, day: u8) -> RawDate {
        RawDate::Known { year, month, day }
    }

    #[test]
    fn android_and_ios_variants() {
        assert_eq!(header("06/03/2017, 00:45 - Ann: hi"), (amb(6, 3, 2017), 45 * 60, "Ann: hi".into()));
        assert_eq!(header("3/18/22, 2:56 PM - Ann: hi").1, 14 * 3600 + 56 * 60);
        assert_eq!(header("3/18/22, 2:56\u{202F}PM - Ann: hi").1, 14 * 3600 + 56 * 60);
        assert_eq!(header("3/18/22, 2:56\u{00A0}PM - Ann: hi").1, 14 * 3600 + 56 * 60);
        assert_eq!(header("01/20/2019, 11:23 a. m. - Ann: hi").1, 11 * 3600 + 23 * 60);
        assert_eq!(header("20/6/2017 8:28 p.\u{00A0}m. - Ann: hi").1, 20 * 3600 + 28 * 60);
        assert_eq!(header("23.03.22 13:31 - Ann: hi").0, amb(23, 3, 22));
        assert_eq!(header("23-03-2022 13:31 - Ann: hi").0, amb(23, 3, 2022));
        assert_eq!(header("2018/07/25, 09:01 - Ann: hi").0, known(Some(2018), 7, 25));
        assert_eq!(header("2019-05-02, 11:23 a.m. - Ann: hi").0, known(Some(2019), 5, 2));
        assert_eq!(header("13.6.2018 klo 21.25.15 - Ann: hi").1, 21 * 3600 + 25 * 60 + 15);
        assert_eq!(header("[18/03/2022, 14:56:01] Ann: hi").2, "Ann: hi");
        assert_eq!(header("\u{200E}[3/27/22, 21:41:55] Ann: \u{200E}image omitted").2, "Ann: image omitted");
        assert_eq!(header("[3/18/22 14:56:00] Ann: hi").0, amb(3, 18, 22));
        assert_eq!(header("[14:56:01, 3/18/22] Ann: hi").0, amb(3, 18, 22));
        assert_eq!(header("[3/18/2565 BE, 14:56:01] Ann: hi").0, amb(3, 18, 2022));
        assert_eq!(header("[3/18/R4, 14:56:01] Ann: hi").0, amb(3, 18, 2022));
        assert_eq!(header("Mar 5, 8:29 PM - Ann: hi"), (known(None, 3, 5), 20 * 3600 + 29 * 60, "Ann: hi".into()));
        assert_eq!(header("19:07, 20 Sep 2013 - Ann: hi").0, known(Some(2013), 9, 20));
    }

    #[test]
    fn old_ios_without_brackets_ends_the_header_with_a_colon() {
        let (date, secs, rest) = header("3/18/22, 2:56:01 PM: Ann: hi");
        assert_eq!((date, secs, rest.as_str()), (amb(3, 18, 22), 14 * 3600 + 56 * 60 + 1, "Ann: hi"));
        let (date, secs, rest) = header("18/03/22 14:56:01: Ann: hi");
        assert_eq!((date, secs, rest.as_str()), (amb(18, 3, 22), 14 * 3600 + 56 * 60 + 1, "Ann: hi"));
        assert!(parse("18/03/22 14:56:01 Ann: hi").is_none());
    }

    #[test]
    fn day_first_month_names_with_or_without_a_year() {
        assert_eq!(header("20 Sep 19:07 - Ann: hi"), (known(None, 9, 20), 19 * 3600 + 7 * 60, "Ann: hi".into()));
        assert_eq!(header("20 Sep 2013 19:07 - Ann: hi").0, known(Some(2013), 9, 20));
        assert_eq!(header("08:00, 2 Jan - Ann: hi").0, known(None, 1, 2));
        assert_eq!(header("08:00, 2 Jan. - Ann: hi").0, known(None, 1, 2));
        // A yearless date is not remembered for a later line that has the year.
        let mut memo = DateMemo::default();
        let first = parse_with_memo("20 Sep 19:07 - Ann: hi", &mut memo).map(|h| h.date);
        let second = parse_with_memo("20 Sep 2014 19:08 - Ann: hi", &mut memo).map(|h| h.date);
        assert_eq!((first, second), (Some(known(None, 9, 20)), Some(known(Some(2014), 9, 20))));
    }

    #[test]
    fn month_names_in_the_notice_languages() {
        let cases: [(&str, u8); 24] = [
            ("Mär", 3),
            ("März", 3),
            ("MÄRZ", 3),
            ("Okt", 10),
            ("Dezember", 12),
            ("ene", 1),
            ("sept", 9),
            ("setiembre", 9),
            ("févr", 2),
            ("juil", 7),
            ("juin", 6),
            ("août", 8),
            ("décembre", 12),
            ("fev", 2),
            ("março", 3),
            ("out", 10),
            ("gen", 1),
            ("giu", 6),
            ("mrt", 3),
            ("mei", 5),
            ("марта", 3),
            ("мая", 5),
            ("Дек", 12),
            ("сент", 9),
        ];
        for (word, month) in cases {
            assert_eq!(month_number(word), Some(month), "{word}");
        }
        // `jui` starts both juin and juillet; two letters are too few; words are not months.
        for word in ["jui", "ma", "ok", "hello", "and", "Sat"] {
            assert_eq!(month_number(word), None, "{word}");
        }
        assert_eq!(header("5 марта 14:00 - Ann: hi").0, known(None, 3, 5));
        assert_eq!(header("14 févr. 2021 14:00 - Ann: hi").0, known(Some(2021), 2, 14));
        assert_eq!(header("3 mrt. 2021 14:00 - Ann: hi").0, known(Some(2021), 3, 3));
    }

    #[test]
    fn day_period_words_and_hour_zero() {
        let secs = |line: &str| header(line).1 / 60;
        assert_eq!(secs("18/03/2022, 8:05 in the morning - Ann: hi"), 8 * 60 + 5);
        assert_eq!(secs("18/03/2022, 12:05 in the morning - Ann: hi"), 5);
        assert_eq!(secs("18/03/2022, 12:30 in the afternoon - Ann: hi"), 12 * 60 + 30);
        assert_eq!(secs("18/03/2022, 2:30 in the afternoon - Ann: hi"), 14 * 60 + 30);
        assert_eq!(secs("18/03/2022, 7:45 in the evening - Ann: hi"), 19 * 60 + 45);
        assert_eq!(secs("18/03/2022, 6:00 at night - Ann: hi"), 18 * 60);
        assert_eq!(secs("18/03/2022, 11:15 at night - Ann: hi"), 23 * 60 + 15);
        assert_eq!(secs("18/03/2022, 12:20 at night - Ann: hi"), 20);
        assert_eq!(secs("18/03/2022, 1:10 at night - Ann: hi"), 60 + 10);
        assert_eq!(secs("18/03/2022, 5:59 at night - Ann: hi"), 5 * 60 + 59);
        assert_eq!(secs("22/02/20, 00:04 AM - Ann: hi"), 4);
        assert_eq!(secs("22/02/20, 0:04 PM - Ann: hi"), 12 * 60 + 4);
        assert!(parse("22/02/20, 13:04 PM - Ann: hi").is_none());
    }

    #[test]
    fn plausible_dates() {
        assert!(amb(18, 3, 2022).is_plausible());
        assert!(amb(3, 18, 22).is_plausible());
        assert!(!amb(18, 13, 2022).is_plausible());
        assert!(!amb(0, 3, 2022).is_plausible());
        assert!(!amb(3, 3, 1066).is_plausible());
        assert!(known(None, 9, 20).is_plausible());
        assert!(!known(Some(2013), 13, 20).is_plausible());
    }

    #[test]
    fn arabic_ios_header() {
        let line = "[\u{0661}\u{0668}\u{200F}/\u{0663}\u{200F}/\u{0662}\u{0660}\u{0662}\u{0662}\u{060C} \u{0662}:\u{0665}\u{0666}:\u{0660}\u{0661}\u{00A0}\u{0645}] \u{202A}+966 50 123 4567\u{202C}: hi";
        let (date, secs, rest) = header(line);
        assert_eq!(date, amb(18, 3, 2022));
        assert_eq!(secs, 14 * 3600 + 56 * 60 + 1);
        assert_eq!(rest, "+966 50 123 4567: hi");
    }

    #[test]
    fn the_same_date_shortcut_reads_as_the_general_parser_does() {
        let dates = ["18/03/2022", "[18/03/2022", "3.18.22", "Mar 5", "20 Sep 2013"];
        let after = [
            ", 14:56 - Ann: hi",
            ", 4:56 - Ann: hi",
            " 14:56 - Ann: hi",
            ",14:56 - Ann: hi",
            ", 14.56 - Ann: hi",
            ", 14:56:01] Ann: hi",
            ", 14:56:01 - Ann: hi",
            ", 14:56: Ann: hi",
            ", 14:56:1 - Ann: hi",
            ", 14:561 - Ann: hi",
            ", 144:56 - Ann: hi",
            ", 24:00 - Ann: hi",
            ", 14:60 - Ann: hi",
            ", 14:56:60] Ann: hi",
            ", 2:56 PM - Ann: hi",
            ", 14:56 \u{2013} Ann: hi",
            ", 14:56] Ann: hi",
            ", 14:56 -Ann: hi",
            " klo 14.56 - Ann: hi",
            "5 14:56 - Ann: hi",
            ", 14:56",
            ", 1",
            "",
            ", 23:59 - Ann: hi",
            ", 00:00 - ",
            ", 09:07 - x",
            ", 1a:56 - Ann: hi",
            ", 14:5a - Ann: hi",
            ", 14;56 - Ann: hi",
            ", 19:96 - Ann: hi",
            ", 30:00 - Ann: hi",
            ", 14:56 = Ann: hi",
            ",  4:56 - Ann: hi",
        ];
        for date in dates {
            for rest in after {
                let line = format!("{date}{rest}");
                let mut memo = DateMemo::default();
                // A line with the same date primes the memo.
                parse_with_memo(&format!("{date}, 10:00 - Bo: x"), &mut memo);
                parse_with_memo(&format!("{date}, 10:00] Bo: x"), &mut memo);
                let fast = parse_with_memo(&line, &mut memo);
                let general = parse(&line);
                let key = |h: Option<Header>| h.map(|h| (h.date, h.seconds_of_day, h.shape, h.rest.to_string()));
                assert_eq!(key(fast), key(general), "{line}");
            }
        }
    }

    #[test]
    fn rejects_body_lines() {
        for line in ["hello", "12 apples", "2019 was good", "10:30 works for me", "[link]", "3/4 done"] {
            assert!(parse(&normalize_prefix(line.as_bytes()).0).is_none(), "{line}");
        }
    }
}
