//! The streaming splitter: finds where messages begin and hands over their header lines,
//! whatever the chunking.
//!
//! A message begins at a line `From ...` that follows a blank line (or starts the file). In a
//! body only that matters, so the body is searched for `\nFrom ` with SIMD (`memchr::memmem`)
//! and each hit is checked for a blank line before it; body bytes are never looked at one by one
//! in Rust, nor kept. Near a chunk boundary, where a match could be split, a small state machine
//! ([`Body`]) takes over for the few bytes that need it and hands back to the search as soon as
//! it is in the middle of a line again. Header lines are split with `memchr` and handed over
//! whole: a line cut by a chunk boundary is carried over, at most [`LINE_CAP`] bytes of it.

use memchr::memmem::Finder;

/// At most this many bytes of one physical header line are kept; the rest of the line is
/// dropped. Long enough for a `To` line with hundreds of addresses on one line.
pub(crate) const LINE_CAP: usize = 64 * 1024;

/// What the splitter reports.
pub(crate) trait Lines {
    /// The `From ` line that starts a message (without the line end).
    fn start_line(&mut self, line: &[u8]);
    /// A header line (without the line end; continuation lines keep their leading whitespace).
    /// Returns `false` when the line is not a header, which ends the header section.
    fn header_line(&mut self, line: &[u8]) -> bool;
    /// The header section of the current message ended (a blank line, a line that is not a
    /// header, or the end of the file).
    fn end_of_headers(&mut self);
}

/// Where the body scanner is, as far as message boundaries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Inside a line with content: no boundary before the next blank line.
    Mid,
    /// At the start of a line; `blank_before` when the previous line was blank (or at file start).
    LineStart { blank_before: bool },
    /// The line so far is one `\r` (a blank CRLF line if `\n` follows).
    Cr { blank_before: bool },
    /// After a blank line, the first `n` bytes of `From ` matched.
    From(u8),
}

const FROM: &[u8; 5] = b"From ";

impl Body {
    /// One byte; `None` when it completes a boundary (`From ` after a blank line).
    fn step(self, b: u8) -> Option<Body> {
        Some(match (self, b) {
            (Body::Mid, b'\n') => Body::LineStart { blank_before: false },
            (Body::Mid, _) => Body::Mid,
            (Body::LineStart { .. } | Body::Cr { .. }, b'\n') => Body::LineStart { blank_before: true },
            (Body::LineStart { blank_before }, b'\r') => Body::Cr { blank_before },
            (Body::LineStart { blank_before: true }, b'F') => Body::From(1),
            (Body::From(n), b) if FROM.get(usize::from(n)) == Some(&b) => {
                if usize::from(n) + 1 == FROM.len() {
                    return None;
                }
                Body::From(n + 1)
            }
            (Body::From(_), b'\n') => Body::LineStart { blank_before: false },
            _ => Body::Mid,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Body(Body),
    /// In a header section; `first` while the `From ` line is still to come.
    Head {
        first: bool,
    },
}

/// The splitter's state between chunks.
pub(crate) struct Scanner {
    mode: Mode,
    /// The start of a header line cut by a chunk boundary (at most [`LINE_CAP`] bytes).
    partial: Vec<u8>,
    finder: Finder<'static>,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the carried line: it may be a header's text.
        f.debug_struct("Scanner").field("mode", &self.mode).finish_non_exhaustive()
    }
}

impl Scanner {
    pub(crate) fn new() -> Self {
        Scanner { mode: Self::FILE_START, partial: Vec::new(), finder: Finder::new(b"\nFrom ") }
    }

    /// A file start counts as a blank line before it.
    const FILE_START: Mode = Mode::Body(Body::LineStart { blank_before: true });

    /// Forgets the current file (for the next one).
    pub(crate) fn reset(&mut self) {
        self.mode = Self::FILE_START;
        self.partial.clear();
    }

    /// The next bytes of the file.
    pub(crate) fn push(&mut self, chunk: &[u8], lines: &mut dyn Lines) {
        let mut pos = 0;
        while pos < chunk.len() {
            pos = match self.mode {
                Mode::Body(Body::Mid) => self.body_fast(chunk, pos),
                Mode::Body(state) => self.body_slow(state, chunk, pos),
                Mode::Head { first } => self.head(first, chunk, pos, lines),
            };
        }
    }

    /// The file ended: a cut line is still a line, and an unfinished header section ends.
    pub(crate) fn end(&mut self, lines: &mut dyn Lines) {
        if let Mode::Head { first } = self.mode {
            if !self.partial.is_empty() {
                let line = std::mem::take(&mut self.partial);
                self.line(first, &line, lines);
            }
            if matches!(self.mode, Mode::Head { .. }) {
                lines.end_of_headers();
            }
        }
        self.reset();
    }

    /// In the middle of a body line: jump to the next `\nFrom ` that follows a blank line.
    fn body_fast(&mut self, chunk: &[u8], pos: usize) -> usize {
        let mut from = pos;
        while let Some(hit) = self.finder.find(&chunk[from..]) {
            let nl = from + hit;
            if blank_line_ends_at(chunk, pos, nl) {
                self.mode = Mode::Head { first: true };
                return nl + 1;
            }
            from = nl + 1;
        }
        // No boundary in this chunk. What the next chunk needs to know is only how the last
        // line of this one looks, so resume the byte machine after its last line break.
        match memchr::memrchr(b'\n', &chunk[pos..]) {
            None => chunk.len(),
            Some(off) => {
                let nl = pos + off;
                self.mode = Mode::Body(Body::LineStart { blank_before: blank_line_ends_at(chunk, pos, nl) });
                nl + 1
            }
        }
    }

    /// Byte by byte, until the state is `Mid` again (a few bytes) or a boundary is found.
    fn body_slow(&mut self, mut state: Body, chunk: &[u8], mut pos: usize) -> usize {
        while pos < chunk.len() {
            let b = chunk[pos];
            pos += 1;
            match state.step(b) {
                None => {
                    // The `From ` just matched may lie in earlier chunks: carry it as the line's start.
                    self.partial.clear();
                    self.partial.extend_from_slice(FROM);
                    self.mode = Mode::Head { first: true };
                    return pos;
                }
                Some(Body::Mid) => {
                    self.mode = Mode::Body(Body::Mid);
                    return pos;
                }
                Some(next) => state = next,
            }
        }
        self.mode = Mode::Body(state);
        pos
    }

    /// Header lines: whole lines from the chunk when they fit, else carried over.
    fn head(&mut self, first: bool, chunk: &[u8], pos: usize, lines: &mut dyn Lines) -> usize {
        let rest = &chunk[pos..];
        match memchr::memchr(b'\n', rest) {
            Some(end) => {
                if self.partial.is_empty() {
                    let line = &rest[..end.min(LINE_CAP)];
                    self.line(first, line, lines);
                } else {
                    let mut line = std::mem::take(&mut self.partial);
                    let room = LINE_CAP.saturating_sub(line.len());
                    line.extend_from_slice(&rest[..end.min(room)]);
                    self.line(first, &line, lines);
                    // Keep the allocation for the next cut line.
                    line.clear();
                    self.partial = line;
                }
                pos + end + 1
            }
            None => {
                let room = LINE_CAP.saturating_sub(self.partial.len());
                self.partial.extend_from_slice(&rest[..rest.len().min(room)]);
                chunk.len()
            }
        }
    }

    /// One complete header-section line (its `\n` already consumed).
    fn line(&mut self, first: bool, line: &[u8], lines: &mut dyn Lines) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if first {
            lines.start_line(line);
            self.mode = Mode::Head { first: false };
        } else if line.is_empty() {
            lines.end_of_headers();
            self.mode = Mode::Body(Body::LineStart { blank_before: true });
        } else if !lines.header_line(line) {
            lines.end_of_headers();
            self.mode = Mode::Body(Body::LineStart { blank_before: false });
        }
    }
}

/// Whether the line that ends at `chunk[nl]` (a `\n`) is blank, knowing that at `pos` the scan
/// was inside a line with content (so a line break before `pos` cannot be part of it).
fn blank_line_ends_at(chunk: &[u8], pos: usize, nl: usize) -> bool {
    (nl > pos && chunk[nl - 1] == b'\n') || (nl > pos + 1 && chunk[nl - 1] == b'\r' && chunk[nl - 2] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Record(Vec<String>);

    impl Lines for Record {
        fn start_line(&mut self, line: &[u8]) {
            self.0.push(format!("F {}", String::from_utf8_lossy(line)));
        }
        fn header_line(&mut self, line: &[u8]) -> bool {
            let ok = line.contains(&b':') || line.starts_with(b" ");
            self.0.push(format!("{} {}", if ok { "H" } else { "X" }, String::from_utf8_lossy(line)));
            ok
        }
        fn end_of_headers(&mut self) {
            self.0.push("E".into());
        }
    }

    fn split(bytes: &[u8], chunk: usize) -> Vec<String> {
        let mut scanner = Scanner::new();
        let mut rec = Record::default();
        for piece in bytes.chunks(chunk) {
            scanner.push(piece, &mut rec);
        }
        scanner.end(&mut rec);
        rec.0
    }

    #[test]
    fn boundaries_need_a_blank_line_before_them() {
        let mbox = b"From a Mon Oct 16 01:29:30 2023\nA: 1\n  fold\n\nbody\nFrom here\n>From x\n\nFrom b x\r\nB: 2\r\n\r\nFrom c\n\r\n\r\nFrom d\nnot a header\nFrom e\n\nFrom f";
        let want = [
            "F From a Mon Oct 16 01:29:30 2023",
            "H A: 1",
            "H   fold",
            "E",
            "F From b x",
            "H B: 2",
            "E",
            "F From c",
            "E",
            "F From d",
            "X not a header",
            "E",
            "F From f",
            "E",
        ];
        for chunk in [1, 2, 3, 5, 7, 64, 4096] {
            assert_eq!(split(mbox, chunk), want, "chunk {chunk}");
        }
    }

    #[test]
    fn text_before_the_first_boundary_is_skipped_and_long_lines_are_capped() {
        let mut mbox = b"junk\nFrom no\n\nFrom a\nA: ".to_vec();
        mbox.extend(std::iter::repeat_n(b'x', LINE_CAP * 2));
        mbox.extend_from_slice(b"\n\nbody");
        for chunk in [1, 7, 4096, 1 << 20] {
            let got = split(&mbox, chunk);
            assert_eq!(got.len(), 3, "chunk {chunk}");
            assert_eq!(got[0], "F From a");
            assert_eq!(got[1].len(), 2 + LINE_CAP);
        }
    }
}
