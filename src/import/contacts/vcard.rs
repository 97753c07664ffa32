//! A streaming vCard reader (2.1, 3.0 and 4.0 in one): bytes in, one [`Card`] out per
//! `BEGIN:VCARD` … `END:VCARD`.
//!
//! A property is `[group.]NAME[;param…]:value` on one logical line. Physical lines are joined
//! when the next one starts with a space or a tab (folding, any version), or when a
//! quoted-printable value ends in `=` (2.1's soft line break, where the next line starts with
//! no space). Line ends are CRLF, LF or a lone CR.
//!
//! Memory does not grow with a property: the reader decides what a property is at its `:` and
//! keeps the value only of `FN`, `N`, `TEL`, `EMAIL` (and `BEGIN`/`END`/`AGENT`), each up to
//! [`VALUE_CAP`]. Every other value — a megabyte `PHOTO` in base64, a `NOTE`, an `ADR` — is
//! dropped byte by byte as it streams past, never held (so it can reach no output either). 2.1
//! writes a base64 body as unindented lines ended by a blank line: those lines have no `:`, so
//! they are read as lines without a property and dropped too.
//!
//! Values: quoted-printable is decoded (2.1's `ENCODING=QUOTED-PRINTABLE` or the bare
//! `QUOTED-PRINTABLE` parameter), then the bytes are read as UTF-8 (the default and what every
//! current writer uses), falling back to Latin-1 when they are not UTF-8 and the card did not
//! say UTF-8; then `\,` `\;` `\n` `\\` are unescaped. `N` is `family;given;additional;
//! prefix;suffix` and gives the name "given family" when a card has no `FN`. A 4.0 `TEL` may be
//! a `tel:` URI; a parameter `ENCODING=b`/`BASE64` on a name or number is not decoded (no
//! writer does it) and the property is ignored.

use memchr::memchr2;

use super::{report, tidy, Card, Tally};
use crate::import::event::Sink;

/// Bytes kept of a property's name and parameters; a longer head is not a property kith reads.
const HEAD_CAP: usize = 4096;
/// Bytes kept of a name, phone or email value (quoted-printable included). Anything longer is
/// not a real one: it is skipped and counted ([`Tally::too_long`]).
pub(crate) const VALUE_CAP: usize = 64 * 1024;

/// The properties the reader acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Begin,
    End,
    /// 2.1 may embed a whole card in `AGENT` (an empty value, then `BEGIN:VCARD` lines): that
    /// card is someone else's and is not read.
    Agent,
    Formatted,
    Structured,
    Tel,
    Email,
    /// Anything else: its value is dropped unread.
    Other,
}

/// The text encoding a property declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// None declared: UTF-8, else Latin-1.
    Unsaid,
    Utf8,
    /// Any other: UTF-8 when the bytes are, else Latin-1 (best effort).
    Other,
}

/// What the head of the current property said.
#[derive(Debug, Clone, Copy)]
struct Prop {
    kind: Kind,
    quoted_printable: bool,
    charset: Charset,
    /// `VALUE=uri` (4.0 `TEL;VALUE=uri:tel:+1…`).
    uri: bool,
}

impl Prop {
    fn keeps_value(&self) -> bool {
        self.kind != Kind::Other
    }
}

/// Where in a logical line the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The name and parameters, up to the first `:` outside double quotes.
    Head,
    /// The value.
    Value,
    /// The rest of a line whose head was too long: dropped.
    Drop,
}

/// The card being read.
#[derive(Debug, Default)]
struct Open {
    card: Card,
    /// `FN`, cleaned; the name when present.
    formatted: String,
    /// The name made from `N`.
    structured: String,
}

/// The reader (see the module docs). Feed it with [`VcardReader::push`], end with
/// [`VcardReader::finish`].
pub(crate) struct VcardReader {
    phase: Phase,
    head: Vec<u8>,
    in_quotes: bool,
    prop: Option<Prop>,
    value: Vec<u8>,
    /// The value passed [`VALUE_CAP`]; it is no longer kept.
    too_long: bool,
    /// The last value byte of the current physical line (a quoted-printable `=` at its end is
    /// a soft line break).
    last: Option<u8>,
    /// A logical line has begun and is not dispatched yet.
    open_line: bool,
    /// A physical line just ended: the next byte says whether the logical line goes on.
    line_start: bool,
    /// The physical line ended in a quoted-printable soft break: the next one continues it.
    soft_break: bool,
    /// The last byte was a CR ending a line: an LF right after it is the same line end.
    after_cr: bool,
    /// No byte was read yet (a byte-order mark may come).
    first: bool,
    card: Option<Open>,
    /// 1 inside a card, more inside a card embedded in its `AGENT`.
    depth: u32,
    /// The line just dispatched was an `AGENT` with an empty value.
    after_agent: bool,
    tally: Tally,
}

impl VcardReader {
    pub(crate) fn new() -> Self {
        VcardReader {
            phase: Phase::Head,
            head: Vec::new(),
            in_quotes: false,
            prop: None,
            value: Vec::new(),
            too_long: false,
            last: None,
            open_line: false,
            line_start: false,
            soft_break: false,
            after_cr: false,
            first: true,
            card: None,
            depth: 0,
            after_agent: false,
            tally: Tally::default(),
        }
    }

    /// The next bytes of the file. The first call gets a whole byte-order mark if there is one
    /// (the format decides the file's kind from its first bytes before it calls this).
    pub(crate) fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) {
        let mut bytes = chunk;
        if self.first && !bytes.is_empty() {
            self.first = false;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    i += 1;
                    continue;
                }
            }
            if self.line_start {
                self.line_start = false;
                if self.soft_break {
                    // 2.1: the value goes on at this byte, leading white space and all.
                    self.soft_break = false;
                } else if self.open_line && (b == b' ' || b == b'\t') {
                    // Folding: the line goes on after this one white-space byte.
                    i += 1;
                    continue;
                } else {
                    self.end_line(sink);
                }
            }
            if b == b'\r' || b == b'\n' {
                self.after_cr = b == b'\r';
                self.physical_end();
                i += 1;
                continue;
            }
            self.open_line = true;
            let rest = &bytes[i..];
            match self.phase {
                Phase::Head => {
                    let mut n = 0;
                    while n < rest.len() {
                        match rest[n] {
                            b'\r' | b'\n' => break,
                            b':' if !self.in_quotes => break,
                            b'"' => self.in_quotes = !self.in_quotes,
                            _ => {}
                        }
                        n += 1;
                    }
                    if self.head.len() + n > HEAD_CAP {
                        self.head.clear();
                        self.phase = Phase::Drop;
                    } else {
                        self.head.extend_from_slice(&rest[..n]);
                    }
                    i += n;
                    if self.phase == Phase::Head && bytes.get(i) == Some(&b':') {
                        i += 1;
                        self.begin_value();
                    }
                }
                Phase::Value => {
                    let n = memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
                    self.value_bytes(&rest[..n]);
                    i += n;
                }
                Phase::Drop => {
                    i += memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
                }
            }
        }
    }

    /// The file ended: the last line is dispatched, and a card still open is counted as cut
    /// short. Returns what the file held.
    pub(crate) fn finish(&mut self, sink: &mut dyn Sink) -> Tally {
        self.soft_break = false;
        self.end_line(sink);
        if self.card.take().is_some() {
            self.tally.truncated += 1;
        }
        std::mem::take(&mut self.tally)
    }

    /// Bytes the reader holds in its buffers (for the tests of bounded memory).
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.head.capacity() + self.value.capacity()
    }

    /// The head ended at its `:`: what is the property, and is its value kept?
    fn begin_value(&mut self) {
        let prop = parse_head(&self.head);
        self.head.clear();
        self.prop = Some(prop);
        self.phase = Phase::Value;
    }

    fn value_bytes(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else { return };
        self.last = Some(last);
        let keeps = self.prop.is_some_and(|p| p.keeps_value());
        if !keeps || self.too_long {
            return;
        }
        if self.value.len() + bytes.len() > VALUE_CAP {
            self.too_long = true;
            self.value.clear();
        } else {
            self.value.extend_from_slice(bytes);
        }
    }

    /// A physical line ended.
    fn physical_end(&mut self) {
        self.line_start = true;
        let quoted_printable = self.prop.is_some_and(|p| p.quoted_printable);
        if self.phase == Phase::Value && quoted_printable && self.last == Some(b'=') {
            self.soft_break = true;
            if !self.too_long && self.prop.is_some_and(|p| p.keeps_value()) {
                self.value.pop();
            }
        }
        self.last = None;
    }

    /// The logical line is complete: act on it and start afresh.
    fn end_line(&mut self, sink: &mut dyn Sink) {
        if !self.open_line {
            return;
        }
        self.open_line = false;
        let phase = std::mem::replace(&mut self.phase, Phase::Head);
        if let (Phase::Value, Some(prop)) = (phase, self.prop.take()) {
            self.dispatch(prop, sink);
        }
        self.prop = None;
        self.head.clear();
        self.value.clear();
        self.in_quotes = false;
        self.too_long = false;
        self.last = None;
    }

    fn dispatch(&mut self, prop: Prop, sink: &mut dyn Sink) {
        let after_agent = std::mem::replace(&mut self.after_agent, false);
        let says_vcard = || self.value.trim_ascii().eq_ignore_ascii_case(b"VCARD");
        match prop.kind {
            Kind::Begin if says_vcard() => {
                if self.card.is_some() {
                    if after_agent || self.depth > 1 {
                        self.depth += 1;
                        return;
                    }
                    // A card began before the last one ended: that one was cut short.
                    self.tally.truncated += 1;
                }
                self.card = Some(Open::default());
                self.depth = 1;
            }
            Kind::End if says_vcard() => {
                if self.depth > 1 {
                    self.depth -= 1;
                    return;
                }
                if let Some(open) = self.card.take() {
                    let mut card = open.card;
                    card.name = if open.formatted.is_empty() { open.structured } else { open.formatted };
                    report(card, &mut self.tally, sink);
                }
                self.depth = 0;
            }
            _ if self.depth != 1 => {}
            Kind::Agent => self.after_agent = self.value.trim_ascii().is_empty(),
            Kind::Formatted | Kind::Structured | Kind::Tel | Kind::Email => {
                if self.too_long {
                    self.tally.too_long += 1;
                    return;
                }
                let text = decode(&self.value, prop);
                let Some(open) = self.card.as_mut() else { return };
                match prop.kind {
                    Kind::Formatted if open.formatted.is_empty() => open.formatted = tidy(&unescape(&text)),
                    Kind::Structured if open.structured.is_empty() => open.structured = structured_name(&text),
                    Kind::Tel => open.card.add_phone(&phone_value(&unescape(&text), prop.uri)),
                    Kind::Email => open.card.add_email(&unescape(&text)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// Reads a property's head: `[group.]NAME[;param…]`.
fn parse_head(head: &[u8]) -> Prop {
    let head = String::from_utf8_lossy(head);
    let mut parts = split_unescaped(head.trim(), ';', true).into_iter();
    let name = parts.next().unwrap_or_default();
    // `item1.EMAIL`: the group says which X-ABLabel goes with it, nothing kith needs.
    let name = name.rsplit('.').next().unwrap_or("").trim().to_ascii_uppercase();
    let mut kind = match name.as_str() {
        "BEGIN" => Kind::Begin,
        "END" => Kind::End,
        "AGENT" => Kind::Agent,
        "FN" => Kind::Formatted,
        "N" => Kind::Structured,
        "TEL" => Kind::Tel,
        "EMAIL" => Kind::Email,
        _ => Kind::Other,
    };
    let mut prop = Prop { kind, quoted_printable: false, charset: Charset::Unsaid, uri: false };
    let mut base64 = false;
    for param in parts {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_ascii_uppercase()),
            // 2.1 allows bare parameters: `TEL;CELL;QUOTED-PRINTABLE:…`.
            None => (String::new(), param.trim().to_ascii_uppercase()),
        };
        match (key.as_str(), value.as_str()) {
            ("ENCODING" | "", "QUOTED-PRINTABLE") => prop.quoted_printable = true,
            ("ENCODING", "B" | "BASE64") | ("", "BASE64") => base64 = true,
            ("CHARSET", "UTF-8" | "UTF8") => prop.charset = Charset::Utf8,
            ("CHARSET", _) => prop.charset = Charset::Other,
            ("VALUE", "URI") => prop.uri = true,
            _ => {}
        }
    }
    if base64 && !matches!(kind, Kind::Begin | Kind::End) {
        kind = Kind::Other;
        prop.kind = kind;
    }
    prop
}

/// Splits on `sep` where it is not escaped by a backslash (and, with `quotes`, not inside
/// double quotes). Escapes are left in the pieces.
fn split_unescaped(s: &str, sep: char, quotes: bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' if quotes => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A value's text: quoted-printable decoded, then read in its charset.
fn decode(raw: &[u8], prop: Prop) -> String {
    let bytes = if prop.quoted_printable { quoted_printable(raw) } else { raw.to_vec() };
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.into_bytes();
            match prop.charset {
                Charset::Utf8 => String::from_utf8_lossy(&bytes).into_owned(),
                Charset::Unsaid | Charset::Other => bytes.iter().map(|&b| char::from(b)).collect(),
            }
        }
    }
}

/// `=XX` as the byte XX; anything else (a stray `=`) as it is.
fn quoted_printable(raw: &[u8]) -> Vec<u8> {
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'=' {
            if let (Some(high), Some(low)) = (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// `\,` `\;` `\:` `\\` as the character, `\n` and `\N` as a line break; a backslash before
/// anything else stays (2.1 had no escapes but `\;`).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(e @ (',' | ';' | ':' | '\\')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `N`'s `family;given;additional;prefix;suffix` as "given family" (a component's own
/// comma-separated values joined by spaces).
fn structured_name(text: &str) -> String {
    let parts = split_unescaped(text, ';', false);
    let component = |i: usize| -> String {
        let raw = parts.get(i).copied().unwrap_or("");
        split_unescaped(raw, ',', false).iter().map(|v| unescape(v)).collect::<Vec<_>>().join(" ")
    };
    tidy(&format!("{} {}", component(1), component(0)))
}

/// A `TEL` value as given; a `tel:` URI without its scheme and its `;ext=…`-style parameters.
fn phone_value(text: &str, uri: bool) -> String {
    let trimmed = text.trim();
    let scheme = trimmed.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:"));
    if scheme || uri {
        let number = if scheme { &trimmed[4..] } else { trimmed };
        return number.split(';').next().unwrap_or("").trim().to_string();
    }
    trimmed.to_string()
}
