//! A push tokenizer for JSON exports that are too large to hold (Telegram's `result.json`
//! reaches hundreds of MB; other sources' JSON files can be read the same way).
//!
//! Bytes arrive in chunks of any size; the tokenizer keeps only its state, the open containers
//! and the one string or number it is reading (capped at `max_string` bytes), so memory does
//! not grow with the file. The consumer sees [`Token`]s and answers each with a [`Flow`]:
//! [`Flow::Skip`] after a [`Token::Key`] skips that key's value, and after
//! [`Token::BeginObject`] / [`Token::BeginArray`] skips the rest of that container. Skipped
//! values are still checked for syntax, but their strings are never copied anywhere: this is
//! how parsers pass over message text without holding it (privacy P1).
//!
//! Leniency: Telegram Desktop writes control characters as `\xNN`, which strict JSON rejects;
//! the tokenizer reads `\xNN` as the character U+00NN. Raw control characters inside strings
//! are accepted too. A UTF-8 byte order mark before the value is ignored.

use std::borrow::Cow;
use std::fmt;

/// How many bytes of a string (or number) are kept when the tokenizer materialises it: enough
/// for any name or id, and a hard cap on what one token can cost.
pub const DEFAULT_MAX_STRING: usize = 256;

/// Containers nested deeper than this are refused: real exports nest a few levels, and the
/// stack of open containers is the one thing that would otherwise grow with hostile input.
const MAX_DEPTH: usize = 512;

/// One piece of JSON, as the tokenizer reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token<'a> {
    /// `{`
    BeginObject,
    /// `}`
    EndObject,
    /// `[`
    BeginArray,
    /// `]`
    EndArray,
    /// An object key, unescaped and capped at `max_string` bytes.
    Key(&'a str),
    /// A string value, unescaped and capped at `max_string` bytes (cut at a character boundary).
    Str(&'a str),
    /// A number as written (`-12`, `3.5e2`), capped at `max_string` bytes.
    Number(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// The consumer's answer to a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the next token.
    Continue,
    /// After a key: skip its value. After `{` or `[`: skip the rest of that container (its
    /// closing token is not reported). Ignored after any other token.
    Skip,
}

/// What is wrong with the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Nothing but whitespace.
    Empty,
    /// The input ended inside a value.
    Truncated,
    /// A byte that cannot stand here.
    Unexpected,
    /// A backslash escape JSON does not know.
    BadEscape,
    /// A malformed number.
    BadNumber,
    /// Containers nested deeper than the tokenizer accepts.
    TooDeep,
    /// Something other than whitespace after the top-level value.
    TrailingData,
}

/// A syntax error and the byte offset where it was found. Its text is structural: it never
/// quotes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub kind: SyntaxErrorKind,
    /// Byte offset from the start of the input.
    pub offset: u64,
}

impl SyntaxError {
    /// Whether the input was cut short (as opposed to malformed).
    pub fn is_truncated(&self) -> bool {
        self.kind == SyntaxErrorKind::Truncated
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            SyntaxErrorKind::Empty => "no JSON value",
            SyntaxErrorKind::Truncated => "the JSON ends early",
            SyntaxErrorKind::Unexpected => "invalid JSON syntax",
            SyntaxErrorKind::BadEscape => "an invalid escape in a string",
            SyntaxErrorKind::BadNumber => "an invalid number",
            SyntaxErrorKind::TooDeep => "nesting too deep",
            SyntaxErrorKind::TrailingData => "data after the JSON value",
        };
        write!(f, "{what} at byte {}", self.offset)
    }
}

impl std::error::Error for SyntaxError {}

/// Where inside a number the tokenizer is (the JSON number grammar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

impl Num {
    /// Whether a number may end here.
    fn complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before anything: whitespace or a byte order mark may come.
    Start,
    /// Inside a byte order mark, after this many bytes.
    Bom(u8),
    /// A value must come (top level, after `:` or after `,` in an array).
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value: `,`, a closer, or the end.
    AfterValue,
    /// Inside a string.
    Str,
    /// After a backslash in a string.
    Escape,
    /// Inside `\uXXXX`: hex digits left and the value so far.
    Unicode(u8, u32),
    /// Inside Telegram's `\xNN`.
    Hex(u8, u32),
    /// Inside a number.
    Number(Num),
    /// Inside `true`, `false` or `null`: the literal and how many bytes matched.
    Literal(&'static [u8], u8),
    /// The top-level value is complete.
    Done,
}

/// A streaming JSON tokenizer (see the module documentation).
#[derive(Debug, Clone)]
pub struct Tokenizer {
    state: State,
    /// Open containers, innermost last: `true` for an object.
    stack: Vec<bool>,
    /// Bytes consumed by earlier chunks, for error offsets.
    consumed: u64,
    max_string: usize,
    /// The string or number being read, when it is reported (capped).
    buf: Vec<u8>,
    truncated: bool,
    /// The string being read is a key.
    string_is_key: bool,
    /// The string being read is copied into `buf`.
    capturing: bool,
    /// A `\uD800`–`\uDBFF` escape waiting for its low half.
    high_surrogate: Option<u32>,
    /// The consumer skipped a key: its value is not reported.
    skip_next: bool,
    /// Inside a skipped container that began at this depth: nothing is reported until the
    /// stack is back to it.
    skip_depth: Option<usize>,
    /// The scalar being read is not reported.
    scalar_silent: bool,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer::new(DEFAULT_MAX_STRING)
    }
}

impl Tokenizer {
    /// A tokenizer that keeps at most `max_string` bytes of any string it reports.
    pub fn new(max_string: usize) -> Self {
        Tokenizer {
            state: State::Start,
            stack: Vec::new(),
            consumed: 0,
            max_string,
            buf: Vec::new(),
            truncated: false,
            string_is_key: false,
            capturing: false,
            high_surrogate: None,
            skip_next: false,
            skip_depth: None,
            scalar_silent: false,
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.consumed
    }

    /// How many containers are open.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    fn silent(&self) -> bool {
        self.skip_depth.is_some() || self.scalar_silent
    }

    /// Feeds the next bytes; `on` receives every token that is not inside a skipped value.
    pub fn push(&mut self, chunk: &[u8], on: &mut dyn FnMut(Token<'_>) -> Flow) -> Result<(), SyntaxError> {
        let mut i = 0;
        while i < chunk.len() {
            let b = chunk[i];
            let at = self.consumed + i as u64;
            let err = |kind| SyntaxError { kind, offset: at };
            match self.state {
                State::Str => {
                    // The bulk of an export is string content: copy or pass over a whole run
                    // up to the next quote or backslash at once.
                    let rest = &chunk[i..];
                    let stop = rest.iter().position(|&c| c == b'"' || c == b'\\');
                    let run = &rest[..stop.unwrap_or(rest.len())];
                    if self.capturing && !run.is_empty() {
                        self.flush_surrogate();
                        self.append(run);
                    }
                    i += run.len();
                    if stop.is_some() {
                        if chunk[i] == b'"' {
                            self.end_string(on);
                        } else {
                            self.state = State::Escape;
                        }
                        i += 1;
                    }
                    continue;
                }
                State::Escape => {
                    let plain = match b {
                        b'"' | b'\\' | b'/' => Some(b),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0C),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        b'x' => None,
                        _ => return Err(err(SyntaxErrorKind::BadEscape)),
                    };
                    self.state = match (plain, b) {
                        (Some(c), _) => {
                            if self.capturing {
                                self.flush_surrogate();
                                self.append(&[c]);
                            }
                            State::Str
                        }
                        (None, b'u') => State::Unicode(4, 0),
                        _ => State::Hex(2, 0),
                    };
                }
                State::Unicode(left, value) => {
                    let digit = hex_value(b).ok_or_else(|| err(SyntaxErrorKind::BadEscape))?;
                    let value = value * 16 + digit;
                    if left > 1 {
                        self.state = State::Unicode(left - 1, value);
                    } else {
                        if self.capturing {
                            self.code_unit(value);
                        }
                        self.state = State::Str;
                    }
                }
                State::Hex(left, value) => {
                    let digit = hex_value(b).ok_or_else(|| err(SyntaxErrorKind::BadEscape))?;
                    let value = value * 16 + digit;
                    if left > 1 {
                        self.state = State::Hex(left - 1, value);
                    } else {
                        if self.capturing {
                            self.flush_surrogate();
                            self.push_char(char::from_u32(value).unwrap_or('\u{FFFD}'));
                        }
                        self.state = State::Str;
                    }
                }
                State::Number(n) => {
                    let next = match (n, b) {
                        (Num::Minus, b'0') => Some(Num::Zero),
                        (Num::Minus, b'1'..=b'9') => Some(Num::Int),
                        (Num::Int, b'0'..=b'9') => Some(Num::Int),
                        (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                        (Num::Dot | Num::Frac, b'0'..=b'9') => Some(Num::Frac),
                        (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                        (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                        (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Some(Num::ExpDigits),
                        _ => None,
                    };
                    match next {
                        Some(n) => {
                            if self.capturing {
                                self.append(&[b]);
                            }
                            self.state = State::Number(n);
                        }
                        None if n.complete() && !b.is_ascii_digit() => {
                            self.end_number(on);
                            // The byte that ended the number belongs to what follows.
                            continue;
                        }
                        None => return Err(err(SyntaxErrorKind::BadNumber)),
                    }
                }
                State::Literal(word, matched) => {
                    if word.get(matched as usize) != Some(&b) {
                        return Err(err(SyntaxErrorKind::Unexpected));
                    }
                    if matched as usize + 1 == word.len() {
                        if !self.silent() {
                            on(match word {
                                b"true" => Token::Bool(true),
                                b"false" => Token::Bool(false),
                                _ => Token::Null,
                            });
                        }
                        self.value_done();
                    } else {
                        self.state = State::Literal(word, matched + 1);
                    }
                }
                _ if is_space(b) => {}
                State::Start => {
                    if b == 0xEF {
                        self.state = State::Bom(1);
                    } else {
                        self.state = State::Value;
                        continue;
                    }
                }
                State::Bom(n) => {
                    let want = if n == 1 { 0xBB } else { 0xBF };
                    if b != want {
                        return Err(err(SyntaxErrorKind::Unexpected));
                    }
                    self.state = if n == 1 { State::Bom(2) } else { State::Value };
                }
                State::Value => self.begin_value(b, at, on)?,
                State::ArrayFirst => {
                    if b == b']' {
                        self.close(b, at, on)?;
                    } else {
                        self.begin_value(b, at, on)?;
                    }
                }
                State::ObjectFirst | State::Key => {
                    if b == b'}' && self.state == State::ObjectFirst {
                        self.close(b, at, on)?;
                    } else if b == b'"' {
                        self.begin_string(true);
                    } else {
                        return Err(err(SyntaxErrorKind::Unexpected));
                    }
                }
                State::Colon => {
                    if b != b':' {
                        return Err(err(SyntaxErrorKind::Unexpected));
                    }
                    self.state = State::Value;
                }
                State::AfterValue => match b {
                    b',' => {
                        self.state = if self.stack.last() == Some(&true) { State::Key } else { State::Value };
                    }
                    b'}' | b']' => self.close(b, at, on)?,
                    _ => return Err(err(SyntaxErrorKind::Unexpected)),
                },
                State::Done => return Err(err(SyntaxErrorKind::TrailingData)),
            }
            i += 1;
        }
        self.consumed += chunk.len() as u64;
        Ok(())
    }

    /// The input ended: checks that it held one complete value.
    pub fn finish(&mut self, on: &mut dyn FnMut(Token<'_>) -> Flow) -> Result<(), SyntaxError> {
        let at = self.consumed;
        match self.state {
            State::Done => Ok(()),
            State::Start | State::Value if self.stack.is_empty() => {
                Err(SyntaxError { kind: SyntaxErrorKind::Empty, offset: at })
            }
            State::Number(n) if n.complete() && self.stack.is_empty() => {
                self.end_number(on);
                Ok(())
            }
            _ => Err(SyntaxError { kind: SyntaxErrorKind::Truncated, offset: at }),
        }
    }

    fn begin_value(&mut self, b: u8, at: u64, on: &mut dyn FnMut(Token<'_>) -> Flow) -> Result<(), SyntaxError> {
        let skip_this = std::mem::take(&mut self.skip_next);
        match b {
            b'{' | b'[' => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError { kind: SyntaxErrorKind::TooDeep, offset: at });
                }
                let depth = self.stack.len();
                let object = b == b'{';
                self.stack.push(object);
                if self.skip_depth.is_none() {
                    let flow = if skip_this {
                        Flow::Skip
                    } else {
                        on(if object { Token::BeginObject } else { Token::BeginArray })
                    };
                    if flow == Flow::Skip {
                        self.skip_depth = Some(depth);
                    }
                }
                self.state = if object { State::ObjectFirst } else { State::ArrayFirst };
            }
            b'"' => {
                self.scalar_silent = skip_this;
                self.begin_string(false);
            }
            b'-' | b'0'..=b'9' => {
                self.scalar_silent = skip_this;
                self.capturing = !self.silent();
                self.buf.clear();
                self.truncated = false;
                if self.capturing {
                    self.append(&[b]);
                }
                self.state = State::Number(match b {
                    b'-' => Num::Minus,
                    b'0' => Num::Zero,
                    _ => Num::Int,
                });
            }
            b't' | b'f' | b'n' => {
                self.scalar_silent = skip_this;
                let word: &'static [u8] = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                self.state = State::Literal(word, 1);
            }
            _ => return Err(SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: at }),
        }
        Ok(())
    }

    fn close(&mut self, b: u8, at: u64, on: &mut dyn FnMut(Token<'_>) -> Flow) -> Result<(), SyntaxError> {
        let object = b == b'}';
        if self.stack.last() != Some(&object) {
            return Err(SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: at });
        }
        self.stack.pop();
        match self.skip_depth {
            Some(depth) => {
                if self.stack.len() == depth {
                    self.skip_depth = None;
                }
            }
            None => {
                on(if object { Token::EndObject } else { Token::EndArray });
            }
        }
        self.value_done();
        Ok(())
    }

    fn value_done(&mut self) {
        self.scalar_silent = false;
        self.state = if self.stack.is_empty() { State::Done } else { State::AfterValue };
    }

    fn begin_string(&mut self, is_key: bool) {
        self.string_is_key = is_key;
        self.capturing = !self.silent();
        self.buf.clear();
        self.truncated = false;
        self.high_surrogate = None;
        self.state = State::Str;
    }

    fn end_string(&mut self, on: &mut dyn FnMut(Token<'_>) -> Flow) {
        let is_key = self.string_is_key;
        let mut flow = Flow::Continue;
        if self.capturing {
            self.flush_surrogate();
            let text = utf8_of(&self.buf, self.truncated);
            flow = on(if is_key { Token::Key(&text) } else { Token::Str(&text) });
        }
        if is_key {
            self.skip_next = flow == Flow::Skip;
            self.state = State::Colon;
        } else {
            self.value_done();
        }
    }

    fn end_number(&mut self, on: &mut dyn FnMut(Token<'_>) -> Flow) {
        if self.capturing {
            // Numbers are ASCII by construction.
            let text = utf8_of(&self.buf, self.truncated);
            on(Token::Number(&text));
        }
        self.value_done();
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = self.max_string.saturating_sub(self.buf.len());
        if bytes.len() > room {
            self.truncated = true;
        }
        self.buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn push_char(&mut self, c: char) {
        let mut utf8 = [0u8; 4];
        let encoded = c.encode_utf8(&mut utf8).as_bytes();
        if self.buf.len() + encoded.len() > self.max_string {
            self.truncated = true;
        } else {
            self.buf.extend_from_slice(encoded);
        }
    }

    /// One `\uXXXX` code unit: surrogate halves are paired, lone ones become U+FFFD.
    fn code_unit(&mut self, unit: u32) {
        match unit {
            0xD800..=0xDBFF => {
                self.flush_surrogate();
                self.high_surrogate = Some(unit);
            }
            0xDC00..=0xDFFF => match self.high_surrogate.take() {
                Some(high) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                    self.push_char(char::from_u32(c).unwrap_or('\u{FFFD}'));
                }
                None => self.push_char('\u{FFFD}'),
            },
            _ => {
                self.flush_surrogate();
                self.push_char(char::from_u32(unit).unwrap_or('\u{FFFD}'));
            }
        }
    }

    fn flush_surrogate(&mut self) {
        if self.high_surrogate.take().is_some() {
            self.push_char('\u{FFFD}');
        }
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn hex_value(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// The captured bytes as text: a cut at the cap may split a character, which is dropped;
/// other invalid UTF-8 becomes U+FFFD.
fn utf8_of(bytes: &[u8], truncated: bool) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) if truncated && e.error_len().is_none() => {
            Cow::Borrowed(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens as strings, e.g. `{`, `k:name`, `s:Ann`, `n:12`, `null`.
    fn tokens(input: &[u8], chunk: usize, skip_keys: &[&str]) -> Result<Vec<String>, SyntaxError> {
        let mut out = Vec::new();
        let mut tok = Tokenizer::new(16);
        let mut on = |t: Token<'_>| {
            let (s, flow) = match t {
                Token::BeginObject => ("{".to_string(), Flow::Continue),
                Token::EndObject => ("}".to_string(), Flow::Continue),
                Token::BeginArray => ("[".to_string(), Flow::Continue),
                Token::EndArray => ("]".to_string(), Flow::Continue),
                Token::Key(k) => (format!("k:{k}"), if skip_keys.contains(&k) { Flow::Skip } else { Flow::Continue }),
                Token::Str(s) => (format!("s:{s}"), Flow::Continue),
                Token::Number(n) => (format!("n:{n}"), Flow::Continue),
                Token::Bool(b) => (format!("b:{b}"), Flow::Continue),
                Token::Null => ("null".to_string(), Flow::Continue),
            };
            out.push(s);
            flow
        };
        for piece in input.chunks(chunk) {
            tok.push(piece, &mut on)?;
        }
        tok.finish(&mut on)?;
        Ok(out)
    }

    fn all_chunkings(input: &[u8], skip_keys: &[&str]) -> Result<Vec<String>, SyntaxError> {
        let whole = tokens(input, input.len().max(1), skip_keys);
        for chunk in [1, 2, 3, 7] {
            assert_eq!(tokens(input, chunk, skip_keys), whole, "chunk {chunk}");
        }
        whole
    }

    #[test]
    fn reads_every_kind_of_token() {
        let got = all_chunkings(br#" {"a": [1, -2.5e+3, 0, true, false, null], "b": {"c": "d"}, "e": []} "#, &[])
            .expect("valid");
        assert_eq!(
            got,
            [
                "{",
                "k:a",
                "[",
                "n:1",
                "n:-2.5e+3",
                "n:0",
                "b:true",
                "b:false",
                "null",
                "]",
                "k:b",
                "{",
                "k:c",
                "s:d",
                "}",
                "k:e",
                "[",
                "]",
                "}"
            ]
        );
        assert_eq!(all_chunkings(b"42", &[]).expect("number"), ["n:42"]);
        assert_eq!(all_chunkings(b"\xEF\xBB\xBF\"x\"", &[]).expect("bom"), ["s:x"]);
    }

    #[test]
    fn unescapes_including_telegram_hex_escapes() {
        let got = all_chunkings(br#"["a\"b\\\/\n\t", "\x41\x0a\u00e9", "\ud83d\ude00", "\ud83d", "\u20ac"]"#, &[])
            .expect("valid");
        assert_eq!(got, ["[", "s:a\"b\\/\n\t", "s:A\n\u{e9}", "s:\u{1F600}", "s:\u{FFFD}", "s:\u{20ac}", "]"]);
    }

    #[test]
    fn skips_values_and_containers_without_reporting_them() {
        let input = br#"{"text": ["x", {"type": "bold", "text": "y"}], "keep": 1, "other": "z\x01", "n": {"deep": [[{}]]}, "last": null}"#;
        let got = all_chunkings(input, &["text", "other", "deep"]).expect("valid");
        assert_eq!(got, ["{", "k:text", "k:keep", "n:1", "k:other", "k:n", "{", "k:deep", "}", "k:last", "null", "}"]);

        // Skipping a container from its opening token.
        let mut seen = Vec::new();
        let mut tok = Tokenizer::default();
        let mut on = |t: Token<'_>| {
            seen.push(format!("{t:?}"));
            if t == Token::BeginArray {
                Flow::Skip
            } else {
                Flow::Continue
            }
        };
        tok.push(br#"{"a": [1, "2", [3]], "b": 4}"#, &mut on).expect("valid");
        tok.finish(&mut on).expect("complete");
        assert_eq!(seen, ["BeginObject", "Key(\"a\")", "BeginArray", "Key(\"b\")", "Number(\"4\")", "EndObject"]);
    }

    #[test]
    fn caps_strings_at_a_character_boundary() {
        let got = all_chunkings("[\"abcdefghijklmnopqrstuvwxyz\", \"ééééééééé\"]".as_bytes(), &[]).expect("valid");
        assert_eq!(got, ["[", "s:abcdefghijklmnop", "s:éééééééé", "]"]);
    }

    #[test]
    fn reports_errors_with_their_offset() {
        let err = |input: &[u8]| {
            let whole = tokens(input, input.len().max(1), &[]).expect_err("invalid");
            for chunk in [1, 3] {
                assert_eq!(tokens(input, chunk, &[]).expect_err("invalid"), whole);
            }
            whole
        };
        assert_eq!(err(b"{\"a\": [1, 2"), SyntaxError { kind: SyntaxErrorKind::Truncated, offset: 11 });
        assert_eq!(err(b"{\"a\": \"x"), SyntaxError { kind: SyntaxErrorKind::Truncated, offset: 8 });
        assert_eq!(err(b"{\"a\" 1}"), SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: 5 });
        assert_eq!(err(b"[1,]"), SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: 3 });
        assert_eq!(err(b"[1}"), SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: 2 });
        assert_eq!(err(b"[\"\\q\"]"), SyntaxError { kind: SyntaxErrorKind::BadEscape, offset: 3 });
        assert_eq!(err(b"[01]"), SyntaxError { kind: SyntaxErrorKind::BadNumber, offset: 2 });
        assert_eq!(err(b"[1.]"), SyntaxError { kind: SyntaxErrorKind::BadNumber, offset: 3 });
        assert_eq!(err(b"[tru]"), SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: 4 });
        assert_eq!(err(b"{} x"), SyntaxError { kind: SyntaxErrorKind::TrailingData, offset: 3 });
        assert_eq!(err(b"  \n"), SyntaxError { kind: SyntaxErrorKind::Empty, offset: 3 });
        assert_eq!(err(b"-"), SyntaxError { kind: SyntaxErrorKind::Truncated, offset: 1 });
        let deep = vec![b'['; MAX_DEPTH + 1];
        assert_eq!(err(&deep), SyntaxError { kind: SyntaxErrorKind::TooDeep, offset: MAX_DEPTH as u64 });
        assert_eq!(
            SyntaxError { kind: SyntaxErrorKind::Unexpected, offset: 7 }.to_string(),
            "invalid JSON syntax at byte 7"
        );
    }

    #[test]
    fn every_truncation_of_a_document_is_reported_as_truncated() {
        let doc = br#"{"a": [1, "x\x41", {"b": null}], "c": -1.5}"#;
        for cut in 1..doc.len() {
            let e = tokens(&doc[..cut], 1, &[]).expect_err("cut short");
            assert!(e.is_truncated(), "cut at {cut}: {e:?}");
        }
    }
}
