//! A streaming RFC 4180 CSV record reader, for the CSV formats (LinkedIn's export; later Google
//! Contacts).
//!
//! Bytes arrive in chunks of any size; complete records are handed to a callback one at a time,
//! so memory does not grow with the file. The reader keeps only the columns the caller asks
//! for, each cut at a byte cap, and steps over every other field without copying it: a
//! message's `CONTENT` passes through without ever being held (privacy P1, and a bound on
//! memory however long a field is).
//!
//! What it accepts: an optional UTF-8 byte-order mark; CRLF, LF or lone CR line ends; quoted
//! fields with `""` escapes and line breaks inside. It is lenient where real files are sloppy:
//! a quote inside an unquoted field, or text after a closing quote, is kept as data. Blank
//! lines are not records (they still count as rows, so row numbers match a spreadsheet's).
//! The one error is a quoted field still open at the end of the file ([`CsvError`]).

use std::borrow::Cow;

/// Bytes kept of a field when the caller sets no cap of its own.
pub const DEFAULT_CAP: usize = 512;

/// Fields kept per record. Further fields are counted and skipped: no real export of the
/// formats kith reads comes near it, and a cap keeps a hostile file from growing a record.
pub const MAX_FIELDS: usize = 256;

/// Why a CSV file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    /// A quoted field opened on this row (1-based, as a spreadsheet counts rows) never closes:
    /// the file was cut short or is not CSV.
    UnclosedQuote {
        /// The row the field is on.
        row: u64,
    },
}

impl CsvError {
    /// A structural description, for `ImportError::Malformed`'s detail (never file contents).
    pub fn detail(&self) -> String {
        match self {
            CsvError::UnclosedQuote { row } => {
                format!("a quoted field on row {row} is never closed; the file looks cut short")
            }
        }
    }
}

/// Where one kept field's bytes lie in [`Record`]'s buffer.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: usize,
    end: usize,
    /// Some bytes were dropped: the field was longer than its cap.
    truncated: bool,
    /// The column is not kept: the field was stepped over.
    skipped: bool,
}

/// One record: the kept fields of one CSV row. The reader reuses it for every row.
#[derive(Debug, Default)]
pub struct Record {
    buf: Vec<u8>,
    spans: Vec<Span>,
    /// Fields in the row, counting those beyond [`MAX_FIELDS`].
    len: usize,
    row: u64,
    /// Byte cap per column; `None` keeps every column at [`DEFAULT_CAP`]. A cap of 0 skips it.
    caps: Option<Vec<usize>>,
}

impl Record {
    /// The number of fields in the row, kept or not.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the row has no fields (never true of a record handed out).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The row number (1-based; a field's line breaks do not start a new row).
    pub fn row(&self) -> u64 {
        self.row
    }

    /// The kept bytes of field `i`; `None` when the row has no such field or it is not kept.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let span = self.spans.get(i)?;
        if span.skipped {
            return None;
        }
        self.buf.get(span.start..span.end)
    }

    /// Field `i` as text (invalid UTF-8 replaced; a character cut by the cap dropped).
    pub fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        let bytes = self.get(i)?;
        if self.is_truncated(i) {
            // The cap may fall inside a multi-byte character: drop that partial tail only.
            if let Err(e) = std::str::from_utf8(bytes) {
                if e.error_len().is_none() {
                    return Some(String::from_utf8_lossy(&bytes[..e.valid_up_to()]));
                }
            }
        }
        Some(String::from_utf8_lossy(bytes))
    }

    /// Whether field `i` was longer than its cap and was cut.
    pub fn is_truncated(&self, i: usize) -> bool {
        self.spans.get(i).is_some_and(|s| s.truncated)
    }

    /// From the next record on, keep only these columns, each `(index, byte cap)`; every other
    /// field is stepped over without being copied. Call it on the header record.
    pub fn keep_only(&mut self, columns: &[(usize, usize)]) {
        let width = columns.iter().map(|&(i, _)| i + 1).max().unwrap_or(0).min(MAX_FIELDS);
        let mut caps = vec![0; width];
        for &(i, cap) in columns {
            if let Some(c) = caps.get_mut(i) {
                *c = cap;
            }
        }
        self.caps = Some(caps);
    }

    /// From the next record on, keep every column at [`DEFAULT_CAP`] (the initial setting).
    pub fn keep_all(&mut self) {
        self.caps = None;
    }

    /// The row's fields as header names: trimmed and upper-cased (an empty name for a field
    /// that is not text).
    pub(crate) fn header_names(&self) -> Vec<String> {
        (0..self.len()).map(|k| self.text(k).map(|t| t.trim().to_ascii_uppercase()).unwrap_or_default()).collect()
    }

    fn cap_of(&self, field: usize) -> usize {
        if field >= MAX_FIELDS {
            return 0;
        }
        match &self.caps {
            None => DEFAULT_CAP,
            Some(caps) => caps.get(field).copied().unwrap_or(0),
        }
    }

    fn clear(&mut self, row: u64) {
        self.buf.clear();
        self.spans.clear();
        self.len = 0;
        self.row = row;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// After a `"` inside a quoted field: an escape (`""`) or the closing quote.
    QuoteInQuoted,
    /// After a closing quote, before the delimiter (sloppy files put text here).
    AfterQuoted,
}

/// Where the header name `name` is among `names` ([`Record::header_names`]). Never inlined:
/// header readers look up a score of names each, and every lookup was an inlined search.
#[inline(never)]
pub(crate) fn column(names: &[String], name: &str) -> Option<usize> {
    names.iter().position(|n| n == name)
}

/// The streaming reader. Feed it with [`CsvReader::push`], end with [`CsvReader::finish`].
#[derive(Debug)]
pub struct CsvReader {
    state: State,
    record: Record,
    /// The current field's cap and bytes kept so far.
    cap: usize,
    kept: usize,
    /// The current row has bytes (a blank line is not a record).
    row_has_bytes: bool,
    /// The last byte was a CR ending a row: an LF right after it belongs to the same line end.
    after_cr: bool,
    /// Bytes of a possible byte-order mark seen at the very start (`None` once decided).
    bom: Option<u8>,
    /// Rows begun so far; the current row's number.
    row: u64,
    /// The row a still-open quoted field began on.
    quote_row: u64,
}

impl Default for CsvReader {
    fn default() -> Self {
        Self::new()
    }
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

impl CsvReader {
    /// A reader at the start of a file, keeping every column at [`DEFAULT_CAP`].
    pub fn new() -> Self {
        let mut reader = CsvReader {
            state: State::FieldStart,
            record: Record::default(),
            cap: 0,
            kept: 0,
            row_has_bytes: false,
            after_cr: false,
            bom: Some(0),
            row: 1,
            quote_row: 0,
        };
        reader.record.clear(1);
        reader.begin_field();
        reader
    }

    /// Whether a row has begun and not yet ended (for a reader of a file's first bytes).
    pub fn in_record(&self) -> bool {
        self.row_has_bytes
    }

    /// Feeds the next bytes; calls `on_record` for each record completed by them.
    pub fn push<E>(&mut self, chunk: &[u8], on_record: &mut dyn FnMut(&mut Record) -> Result<(), E>) -> Result<(), E> {
        let mut rest = chunk;
        if let Some(seen) = self.bom {
            // The mark may arrive split across chunks: match it byte by byte.
            let mut seen = seen as usize;
            while seen < BOM.len() {
                match rest.first() {
                    None => {
                        self.bom = Some(seen as u8);
                        return Ok(());
                    }
                    Some(&b) if b == BOM[seen] => {
                        seen += 1;
                        rest = &rest[1..];
                    }
                    Some(_) => break,
                }
            }
            self.bom = None;
            if seen < BOM.len() {
                // Not a mark after all: the bytes matched so far are data.
                self.scan(&BOM[..seen], on_record)?;
            }
        }
        self.scan(rest, on_record)
    }

    /// The file ended: hands out a last record without a line end, or reports a quoted field
    /// left open.
    pub fn finish<E>(
        &mut self,
        on_record: &mut dyn FnMut(&mut Record) -> Result<(), E>,
        on_error: impl FnOnce(CsvError) -> E,
    ) -> Result<(), E> {
        if let Some(seen) = self.bom.take() {
            let seen = seen as usize;
            self.scan(&BOM[..seen], on_record)?;
        }
        if self.state == State::Quoted {
            return Err(on_error(CsvError::UnclosedQuote { row: self.quote_row }));
        }
        if self.row_has_bytes {
            self.end_record(on_record)?;
        }
        Ok(())
    }

    fn begin_field(&mut self) {
        let field = self.record.len;
        self.cap = self.record.cap_of(field);
        self.kept = 0;
    }

    fn end_field(&mut self) {
        let field = self.record.len;
        self.record.len += 1;
        if field < MAX_FIELDS {
            let end = self.record.buf.len();
            let skipped = self.cap == 0;
            let start = end - if skipped { 0 } else { self.kept.min(self.cap) };
            let truncated = !skipped && self.kept > self.cap;
            self.record.spans.push(Span { start, end, truncated, skipped });
        }
        self.begin_field();
    }

    fn end_record<E>(&mut self, on_record: &mut dyn FnMut(&mut Record) -> Result<(), E>) -> Result<(), E> {
        self.end_field();
        let result = on_record(&mut self.record);
        self.row += 1;
        self.record.clear(self.row);
        self.begin_field();
        self.row_has_bytes = false;
        self.state = State::FieldStart;
        result
    }

    /// A line end outside quotes.
    fn line_end<E>(&mut self, on_record: &mut dyn FnMut(&mut Record) -> Result<(), E>) -> Result<(), E> {
        if self.row_has_bytes {
            self.end_record(on_record)
        } else {
            // A blank line: a row, not a record.
            self.row += 1;
            self.record.clear(self.row);
            self.begin_field();
            Ok(())
        }
    }

    /// Keeps bytes of the current field up to its cap; counts the rest.
    fn keep(&mut self, bytes: &[u8]) {
        if self.cap > self.kept {
            let take = bytes.len().min(self.cap - self.kept);
            self.record.buf.extend_from_slice(&bytes[..take]);
        }
        self.kept = self.kept.saturating_add(bytes.len());
    }

    fn scan<E>(&mut self, bytes: &[u8], on_record: &mut dyn FnMut(&mut Record) -> Result<(), E>) -> Result<(), E> {
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
            match self.state {
                State::FieldStart | State::Unquoted | State::AfterQuoted => match b {
                    b',' => {
                        self.row_has_bytes = true;
                        self.end_field();
                        self.state = State::FieldStart;
                        i += 1;
                    }
                    b'\r' | b'\n' => {
                        self.after_cr = b == b'\r';
                        self.line_end(on_record)?;
                        i += 1;
                    }
                    b'"' if self.state == State::FieldStart => {
                        self.row_has_bytes = true;
                        self.state = State::Quoted;
                        self.quote_row = self.row;
                        i += 1;
                    }
                    _ => {
                        // Plain data up to the next delimiter, line end or quote, in one step.
                        self.row_has_bytes = true;
                        if self.state == State::FieldStart {
                            self.state = State::Unquoted;
                        }
                        let run = bytes[i..]
                            .iter()
                            .position(|&c| matches!(c, b',' | b'\r' | b'\n' | b'"'))
                            .map_or(bytes.len() - i, |n| n.max(1));
                        self.keep(&bytes[i..i + run]);
                        i += run;
                    }
                },
                State::Quoted => {
                    let run = bytes[i..].iter().position(|&c| c == b'"').unwrap_or(bytes.len() - i);
                    self.keep(&bytes[i..i + run]);
                    i += run;
                    if i < bytes.len() {
                        self.state = State::QuoteInQuoted;
                        i += 1;
                    }
                }
                State::QuoteInQuoted => {
                    if b == b'"' {
                        self.keep(b"\"");
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        // The closing quote; this byte is handled as after a quoted field.
                        self.state = State::AfterQuoted;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every record as its fields' text (`None` for a skipped field), at one chunk size.
    fn records(
        bytes: &[u8],
        chunk: usize,
        keep: Option<&[(usize, usize)]>,
    ) -> Result<Vec<Vec<Option<String>>>, CsvError> {
        let mut reader = CsvReader::new();
        let mut out = Vec::new();
        let mut first = true;
        let mut on = |r: &mut Record| -> Result<(), CsvError> {
            out.push((0..r.len()).map(|i| r.text(i).map(|t| t.into_owned())).collect::<Vec<_>>());
            if first {
                first = false;
                if let Some(k) = keep {
                    r.keep_only(k);
                }
            }
            Ok(())
        };
        for piece in bytes.chunks(chunk) {
            reader.push(piece, &mut on)?;
        }
        reader.finish(&mut on, |e| e)?;
        Ok(out)
    }

    fn all_chunkings(bytes: &[u8], keep: Option<&[(usize, usize)]>) -> Result<Vec<Vec<Option<String>>>, CsvError> {
        let whole = records(bytes, bytes.len().max(1), keep);
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(records(bytes, chunk, keep), whole, "chunk {chunk}");
        }
        whole
    }

    fn s(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|x| Some(x.to_string())).collect()
    }

    #[test]
    fn quoting_escapes_line_breaks_and_line_ends() {
        let csv = b"\xEF\xBB\xBFa,\"b,1\",c\r\n\"x\"\"y\",\"multi\r\nline\nend\",\r\n\nlast,row";
        let got = all_chunkings(csv, None).unwrap();
        assert_eq!(got, vec![s(&["a", "b,1", "c"]), s(&["x\"y", "multi\r\nline\nend", ""]), s(&["last", "row"])]);
    }

    #[test]
    fn lone_cr_and_lf_end_rows_and_blank_lines_count_as_rows() {
        let mut rows = Vec::new();
        let mut reader = CsvReader::new();
        let mut on = |r: &mut Record| -> Result<(), CsvError> {
            rows.push(r.row());
            Ok(())
        };
        reader.push(b"a\rb\n\n\"q\nq\"\nc\n", &mut on).unwrap();
        reader.finish(&mut on, |e| e).unwrap();
        assert_eq!(rows, vec![1, 2, 4, 5]);
    }

    #[test]
    fn a_partial_mark_is_data() {
        assert_eq!(all_chunkings(b"\xEF\xBBx,y\n", None).unwrap(), vec![s(&["\u{FFFD}x", "y"])]);
        assert_eq!(all_chunkings(b"\xEF", None).unwrap(), vec![s(&["\u{FFFD}"])]);
        assert_eq!(all_chunkings(b"\xEF\xBB\xBF", None).unwrap(), Vec::<Vec<Option<String>>>::new());
    }

    #[test]
    fn sloppy_quotes_are_kept_as_data() {
        let got = all_chunkings(b"ab\"c,\"d\"e,f\n", None).unwrap();
        assert_eq!(got, vec![s(&["ab\"c", "de", "f"])]);
    }

    #[test]
    fn skipped_columns_are_not_kept_and_kept_ones_are_capped() {
        let long = "x".repeat(5000);
        let csv = format!("h1,h2,h3\nid,\"{long}\",\"{long}\"\n");
        let got = all_chunkings(csv.as_bytes(), Some(&[(0, 16), (2, 4)])).unwrap();
        assert_eq!(got[1], vec![Some("id".into()), None, Some("xxxx".into())]);
        let mut reader = CsvReader::new();
        let mut max_buf = 0;
        let mut first = true;
        let mut on = |r: &mut Record| -> Result<(), CsvError> {
            max_buf = max_buf.max(r.buf.capacity());
            if first {
                first = false;
                r.keep_only(&[(0, 16)]);
            } else {
                assert!(!r.is_truncated(0));
            }
            Ok(())
        };
        reader.push(csv.as_bytes(), &mut on).unwrap();
        reader.finish(&mut on, |e| e).unwrap();
        assert!(max_buf < 64, "{max_buf}");
    }

    #[test]
    fn a_cap_inside_a_character_drops_only_that_character() {
        let got = all_chunkings("h\n\"aé\"\n".as_bytes(), Some(&[(0, 2)])).unwrap();
        assert_eq!(got[1], s(&["a"]));
    }

    #[test]
    fn an_unclosed_quote_is_an_error_with_its_row() {
        for chunk in [1, 3, 100] {
            assert_eq!(records(b"a,b\nc,\"d\n\ne", chunk, None), Err(CsvError::UnclosedQuote { row: 2 }));
        }
        assert_eq!(
            CsvError::UnclosedQuote { row: 2 }.detail(),
            "a quoted field on row 2 is never closed; the file looks cut short"
        );
    }
}
