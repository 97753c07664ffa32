//! Address lists (`From`, `To`, `Cc`, `Delivered-To`), RFC 2047 encoded-word display names and
//! Gmail's label list.
//!
//! The parser is as forgiving as the mail it meets: `"Last, First" <a@b>`, `Name <a@b>`, a bare
//! `a@b`, the old `a@b (Name)`, groups (`undisclosed-recipients:;`, `team: a@b, c@d;`),
//! comments anywhere, and raw UTF-8 or Latin-1 bytes in names. Only display names are decoded;
//! nothing else in a header is.

use crate::identity::clean_name;

/// One mailbox of an address list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mailbox {
    /// The address, lowercased.
    pub(crate) addr: String,
    /// The decoded display name; empty when the list gives none.
    pub(crate) name: String,
}

/// Appends every mailbox of an address-list header value to `out`. Items without a usable
/// address (`undisclosed-recipients`, an empty group) are left out.
pub(crate) fn parse_list(raw: &[u8], out: &mut Vec<Mailbox>) {
    let mut item = Item::default();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'"' => {
                let (text, next) = quoted(raw, i + 1);
                item.phrase.extend_from_slice(&text);
                item.plain.extend_from_slice(&text);
                i = next;
                continue;
            }
            b'(' => {
                let (text, next) = comment(raw, i + 1);
                item.comment = text;
                i = next;
                continue;
            }
            b'<' => {
                let end = raw[i + 1..].iter().position(|&b| b == b'>').map_or(raw.len(), |p| i + 1 + p);
                item.angle = Some(raw[i + 1..end].to_vec());
                i = end + 1;
                continue;
            }
            b',' | b';' => item.flush(out),
            // A group's name ends at its colon and is nobody's name.
            b':' if item.angle.is_none() => item = Item::default(),
            b => {
                item.phrase.push(b);
                item.plain.push(b);
            }
        }
        i += 1;
    }
    item.flush(out);
}

#[derive(Default)]
struct Item {
    phrase: Vec<u8>,
    plain: Vec<u8>,
    comment: Vec<u8>,
    angle: Option<Vec<u8>>,
}

impl Item {
    fn flush(&mut self, out: &mut Vec<Mailbox>) {
        let item = std::mem::take(self);
        let (addr, name) = match &item.angle {
            // `<@relay:a@b>`: an obsolete source route precedes the address.
            Some(angle) => {
                let addr = angle.rsplit(|&b| b == b':').next().unwrap_or(angle);
                let name = if item.phrase.iter().all(u8::is_ascii_whitespace) { &item.comment } else { &item.phrase };
                (addr.to_vec(), display_name(name))
            }
            None => {
                let addr = item.plain.split(|b| b.is_ascii_whitespace()).find(|t| t.contains(&b'@')).unwrap_or(&[]);
                (addr.to_vec(), display_name(&item.comment))
            }
        };
        if let Some(addr) = address(&addr) {
            let name = if name.eq_ignore_ascii_case(&addr) { String::new() } else { name };
            out.push(Mailbox { addr, name });
        }
    }
}

/// The address lowercased, when it has the shape `local@domain`.
fn address(raw: &[u8]) -> Option<String> {
    let raw = raw.trim_ascii();
    let at = raw.iter().rposition(|&b| b == b'@')?;
    let (local, domain) = (&raw[..at], &raw[at + 1..]);
    let valid = |b: &u8| b.is_ascii_graphic() || *b >= 0x80;
    if local.is_empty() || domain.is_empty() || !raw.iter().all(valid) || raw.contains(&b'<') {
        return None;
    }
    Some(String::from_utf8_lossy(raw).to_lowercase())
}

/// The contents of a quoted string starting after its `"`, unescaped, and where it ends.
fn quoted(raw: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut text = Vec::new();
    while i < raw.len() {
        match raw[i] {
            b'\\' if i + 1 < raw.len() => {
                text.push(raw[i + 1]);
                i += 2;
            }
            b'"' => return (text, i + 1),
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    (text, i)
}

/// The contents of a (possibly nested) comment starting after its `(`, and where it ends.
fn comment(raw: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut text = Vec::new();
    let mut depth = 1;
    while i < raw.len() {
        match raw[i] {
            b'\\' if i + 1 < raw.len() => {
                text.push(raw[i + 1]);
                i += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (text, i + 1);
                }
            }
            _ => {}
        }
        text.push(raw[i]);
        i += 1;
    }
    (text, i)
}

/// A display name: encoded words decoded, whitespace collapsed, cleaned, and outer single
/// quotes (`'Ann Lee'`, which some mailers add) removed.
pub(crate) fn display_name(raw: &[u8]) -> String {
    let decoded = decode_words(raw);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = clean_name(&collapsed);
    match name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
        Some(inner) if !inner.trim().is_empty() => inner.trim().to_string(),
        _ => name,
    }
}

/// Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`) in a phrase.
/// Whitespace between two adjacent encoded words is dropped, as the RFC says, so a name split
/// over several words joins up. A word in a charset not read here stays as it was.
pub(crate) fn decode_words(raw: &[u8]) -> String {
    let mut out = String::new();
    let mut plain_start = 0;
    let mut last_was_word = false;
    let mut i = 0;
    while i + 1 < raw.len() {
        if raw[i] == b'=' && raw[i + 1] == b'?' {
            if let Some((text, end)) = encoded_word(raw, i) {
                let between = &raw[plain_start..i];
                if !(last_was_word && between.iter().all(u8::is_ascii_whitespace)) {
                    out.push_str(&text_of(between));
                }
                out.push_str(&text);
                plain_start = end;
                last_was_word = true;
                i = end;
                continue;
            }
        }
        if !raw[i].is_ascii_whitespace() {
            last_was_word = false;
        }
        i += 1;
    }
    out.push_str(&text_of(&raw[plain_start..]));
    out
}

/// One encoded word starting at `start` (`=?`): its decoded text and where it ends.
fn encoded_word(raw: &[u8], start: usize) -> Option<(String, usize)> {
    let rest = &raw[start + 2..];
    let q1 = rest.iter().position(|&b| b == b'?')?;
    let charset = &rest[..q1];
    let encoding = *rest.get(q1 + 1)?;
    if rest.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let body_start = q1 + 3;
    let body_len = rest[body_start..].windows(2).position(|w| w == b"?=")?;
    let body = &rest[body_start..body_start + body_len];
    if body.iter().any(|b| b.is_ascii_whitespace()) || charset.is_empty() {
        return None;
    }
    let end = start + 2 + body_start + body_len + 2;
    let bytes = match encoding.to_ascii_lowercase() {
        b'b' => base64(body)?,
        b'q' => q_decode(body)?,
        _ => return None,
    };
    // RFC 2231 lets a language follow the charset: `UTF-8*en`.
    let charset = charset.split(|&b| b == b'*').next().unwrap_or(charset).to_ascii_lowercase();
    let text = match charset.as_slice() {
        b"utf-8" | b"utf8" => String::from_utf8_lossy(&bytes).into_owned(),
        b"us-ascii" | b"ascii" | b"iso-8859-1" | b"iso8859-1" | b"latin1" | b"latin-1" | b"l1" => latin1(&bytes),
        b"windows-1252" | b"cp1252" => bytes.iter().map(|&b| cp1252(b)).collect(),
        b"iso-8859-15" | b"latin-9" | b"latin9" => bytes.iter().map(|&b| latin9(b)).collect(),
        // An unknown charset: keep the word as written rather than guess.
        _ => return Some((String::from_utf8_lossy(&raw[start..end]).into_owned(), end)),
    };
    Some((text, end))
}

/// Header bytes outside encoded words: UTF-8 when they are, else Latin-1 (8-bit headers from
/// old mailers).
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => latin1(bytes),
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Windows-1252: Latin-1 with printable characters where Latin-1 has C1 controls.
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// ISO-8859-15: Latin-1 with eight letters and the euro sign replaced.
fn latin9(b: u8) -> char {
    match b {
        0xa4 => '€',
        0xa6 => 'Š',
        0xa8 => 'š',
        0xb4 => 'Ž',
        0xb8 => 'ž',
        0xbc => 'Œ',
        0xbd => 'œ',
        0xbe => 'Ÿ',
        _ => char::from(b),
    }
}

fn q_decode(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = hex(*body.get(i + 1)?)?;
                let lo = hex(*body.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn base64(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in body {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Gmail's `X-Gmail-Labels`: a comma list whose items may be quoted (`"Category Updates"`).
/// Calls `each` with every label, unquoted and trimmed.
pub(crate) fn labels(raw: &[u8], mut each: impl FnMut(&[u8])) {
    let mut in_quotes = false;
    let mut start = 0;
    for i in 0..=raw.len() {
        match raw.get(i) {
            Some(b'"') => {
                in_quotes = !in_quotes;
                continue;
            }
            Some(b',') if !in_quotes => {}
            Some(_) => continue,
            None => {}
        }
        let label = raw[start..i].trim_ascii();
        let label = label.strip_prefix(b"\"").unwrap_or(label);
        let label = label.strip_suffix(b"\"").unwrap_or(label);
        each(label.trim_ascii());
        start = i + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(raw: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        parse_list(raw.as_bytes(), &mut out);
        out.into_iter().map(|m| (m.addr, m.name)).collect()
    }

    fn pair(a: &str, n: &str) -> (String, String) {
        (a.to_string(), n.to_string())
    }

    #[test]
    fn reads_the_usual_shapes() {
        assert_eq!(
            list(r#""Lee, Ann" <Ann@Example.COM>, Bob Ray <bob@x.org>, carl@y.net"#),
            vec![pair("ann@example.com", "Lee, Ann"), pair("bob@x.org", "Bob Ray"), pair("carl@y.net", "")]
        );
        assert_eq!(list("dan@z.io (Dan Roe)"), vec![pair("dan@z.io", "Dan Roe")]);
        assert_eq!(list("Eve (work) <eve@z.io>"), vec![pair("eve@z.io", "Eve")]);
        assert_eq!(list("undisclosed-recipients:;"), vec![]);
        assert_eq!(
            list("team: a@b.c, D <d@e.f>;, g@h.i"),
            vec![pair("a@b.c", ""), pair("d@e.f", "D"), pair("g@h.i", "")]
        );
        assert_eq!(list("<@relay.net:x@y.z>"), vec![pair("x@y.z", "")]);
        assert_eq!(list("'Fay' <fay@q.r>"), vec![pair("fay@q.r", "Fay")]);
        assert_eq!(list("\"fay@q.r\" <fay@q.r>"), vec![pair("fay@q.r", "")]);
        assert_eq!(list("no address here, <>"), vec![]);
    }

    #[test]
    fn decodes_encoded_words_in_names() {
        assert_eq!(list("=?UTF-8?B?QW5uIE3DvGxsZXI=?= <a@b.c>"), vec![pair("a@b.c", "Ann Müller")]);
        assert_eq!(list("=?ISO-8859-1?Q?Jos=E9_N=FA=F1ez?= <j@b.c>"), vec![pair("j@b.c", "José Núñez")]);
        assert_eq!(list("=?utf-8?q?Zo=C3=AB?= =?utf-8?q?_Chen?= <z@b.c>"), vec![pair("z@b.c", "Zoë Chen")]);
        assert_eq!(list("\"=?UTF-8?B?TMOpYQ==?=\" <l@b.c>"), vec![pair("l@b.c", "Léa")]);
        assert_eq!(list("=?KOI8-R?B?8NLJ?= <k@b.c>"), vec![pair("k@b.c", "=?KOI8-R?B?8NLJ?=")]);
        assert_eq!(decode_words(b"=?windows-1252?Q?=93Hi=94?= there"), "\u{201c}Hi\u{201d} there");
        assert_eq!(decode_words(b"Caf\xe9 Bar"), "Café Bar");
        assert_eq!(decode_words(b"=?UTF-8?B?bad!?= x"), "=?UTF-8?B?bad!?= x");
    }

    #[test]
    fn splits_labels() {
        let mut seen = Vec::new();
        labels(br#"Archived,"Category Updates",Sent, Opened"#, |l| seen.push(String::from_utf8_lossy(l).into_owned()));
        assert_eq!(seen, ["Archived", "Category Updates", "Sent", "Opened"]);
    }
}
