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
    /// `/`, `.`, `-` for numeric dates; `n` for month names.
    date_style: u8,
    seconds: bool,
    meridiem: bool,
}

impl Shape {
    /// Whether dates are written with month names.
    pub(crate) fn is_named(&self) -> bool {
        self.date_style == b'n'
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

/// Month number of an English month name or its abbreviation (`Mar`, `Sept.`, `March`).
fn month_number(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    MONTHS.iter().position(|m| m.starts_with(&lower)).map(|i| i as u8 + 1)
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

/// `Mar 5`, `Mar 5, 2013`, `20 Sep 2013`.
fn named_date(c: &mut Cursor) -> Option<RawDate> {
    let start = c.i;
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let (day, _) = c.digits(1, 2)?;
        if !c.eat(b' ') {
            c.i = start;
            return None;
        }
        let month = month_number(c.word())?;
        c.eat(b'.');
        if !c.eat(b' ') {
            return None;
        }
        let (year, _) = c.digits(4, 4)?;
        return Some(RawDate::Known { year: Some(year as i32), month, day: day as u8 });
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
    Some(RawDate::Known { year, month, day: day as u8 })
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
    // Every marker starts with a, p, A, P or an Arabic letter; 24-hour files skip the list.
    if !matches!(c.peek(), Some(b'a' | b'p' | b'A' | b'P' | 0xD8..=0xDB)) {
        c.i = before_meridiem;
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        return Some((h * 3600 + m * 60 + s, has_seconds, false));
    }
    let rest = &c.s[c.i..];
    const MERIDIEMS: [(&str, bool); 13] = [
        ("a. m.", false),
        ("p. m.", true),
        ("a.m.", false),
        ("p.m.", true),
        ("A.M.", false),
        ("P.M.", true),
        ("AM", false),
        ("PM", true),
        ("am", false),
        ("pm", true),
        ("\u{0635}", false),
        ("\u{0645}", true),
        ("a. m", false),
    ];
    let mut pm = None;
    for (word, is_pm) in MERIDIEMS {
        if rest.starts_with(word) {
            c.i += word.len();
            pm = Some(is_pm);
            break;
        }
    }
    let mut hour = h;
    match pm {
        Some(is_pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            hour = match (h, is_pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        None => c.i = before_meridiem,
    }
    if hour > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((hour * 3600 + m * 60 + s, has_seconds, pm.is_some()))
}

/// The text and value of the last date parsed, for [`parse_with_memo`].
#[derive(Debug, Default)]
pub(crate) struct DateMemo {
    /// The line's bytes from its start through the end of the date (bracket included).
    text: Vec<u8>,
    date: Option<(RawDate, u8)>,
}

/// Parses the header at the start of a normalised line prefix.
#[cfg(test)]
pub(crate) fn parse(line: &str) -> Option<Header<'_>> {
    parse_with_memo(line, &mut DateMemo::default())
}

/// [`parse`], reusing the previous line's date when this line starts with the same date text:
/// consecutive messages mostly share a day, and the date was the costliest part to parse.
pub(crate) fn parse_with_memo<'a>(line: &'a str, memo: &mut DateMemo) -> Option<Header<'a>> {
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
            bytes.starts_with(&memo.text) && !bytes.get(memo.text.len()).is_some_and(u8::is_ascii_alphanumeric)
        });
        match remembered {
            Some(found) => {
                (date, date_style) = found;
                c.i = memo.text.len();
            }
            None => {
                (date, date_style) = any_date(&mut c)?;
                memo.text.clear();
                memo.text.extend_from_slice(&bytes[..c.i]);
                memo.date = Some((date, date_style));
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
    if bracket {
        if !c.eat(b']') || !c.eat(b' ') {
            return None;
        }
    } else if !(c.eat_str(" - ") || c.eat_str(" \u{2013} ")) {
        return None;
    }
    let shape = Shape { bracket, time_first, date_style, seconds, meridiem };
    Some(Header { date, seconds_of_day, shape, rest: &line[c.i..] })
}

fn any_date(c: &mut Cursor) -> Option<(RawDate, u8)> {
    let start = c.i;
    if let Some(found) = numeric_date(c) {
        return Some(found);
    }
    c.i = start;
    named_date(c).map(|d| (d, b'n'))
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
    fn arabic_ios_header() {
        let line = "[\u{0661}\u{0668}\u{200F}/\u{0663}\u{200F}/\u{0662}\u{0660}\u{0662}\u{0662}\u{060C} \u{0662}:\u{0665}\u{0666}:\u{0660}\u{0661}\u{00A0}\u{0645}] \u{202A}+966 50 123 4567\u{202C}: hi";
        let (date, secs, rest) = header(line);
        assert_eq!(date, amb(18, 3, 2022));
        assert_eq!(secs, 14 * 3600 + 56 * 60 + 1);
        assert_eq!(rest, "+966 50 123 4567: hi");
    }

    #[test]
    fn rejects_body_lines() {
        for line in ["hello", "12 apples", "2019 was good", "10:30 works for me", "[link]", "3/4 done"] {
            assert!(parse(&normalize_prefix(line.as_bytes()).0).is_none(), "{line}");
        }
    }
}
