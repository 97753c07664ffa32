//! Messenger and Instagram exports from Meta's "Download your information", JSON format.
//!
//! A download holds one folder per conversation (a *thread*) with its messages split over
//! `message_1.json`, `message_2.json`… (`message_1.json` is the newest; inside a file the
//! messages run newest first). The folders sit under `…/messages/<category>/<thread>/`, where
//! the prefix changed over the years (`messages/`, `your_activity_across_facebook/messages/`,
//! `your_facebook_activity/messages/`, `your_instagram_activity/messages/`) and the category is
//! `inbox`, `archived_threads`, `message_requests`, `filtered_threads`, `e2ee_cutover`…
//! End-to-end-encrypted chats (2024+) come as a separate download with the same content in
//! camelCase (`senderName`, `timestamp`, `text`, `threadName`, participants as plain strings).
//!
//! Each thread file is read as a stream of JSON tokens ([`crate::import::json_stream`]) as
//! its chunks arrive; no part of the file is buffered. Only metadata is materialised
//! (participants' names, the title, `thread_path`, and per message its sender, time and
//! `type`, each capped by the tokenizer): `content`, `text`, reactions, shares, photo paths
//! and every other key are passed over by the tokenizer without a byte being copied. Keys may
//! come in any order (`participants` after `messages`), and a thread's shape depends on every
//! writer, so each message is held as compact metadata (an index into the file's distinct
//! sender names, a time, a kind) until the file ends; then the thread is declared and its
//! events reported. The tokens, and so the result, do not depend on how the bytes were
//! chunked.
//!
//! As when the files were read with serde: `null` counts as absent, and a field given twice
//! in one object or holding a value of the wrong type (a time that is a string) makes the file
//! [`ImportError::Malformed`]. Errors are structural (`the time of message 3`, or a line and
//! column) and never quote the input. A file's first error is reported at its end, so that
//! an HTML page or a file over [`MAX_FILE_BYTES`] is reported as such whatever comes first.
//!
//! Source rule (Meta's files carry no hint of their app): a file whose path has a
//! `your_instagram_activity` folder is Instagram; otherwise, when the archive's (or the loose
//! file's) name starts with `instagram` (Meta names the downloads `instagram-<user>-<date>.zip`
//! and `facebook-<user>-<date>.zip`) it is Instagram; everything else is Messenger. A loose
//! `message_1.json` of an old Instagram download therefore counts as Messenger.

mod float;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::ImportError;
use crate::import::event::{
    ChatInfo, ChatShape, Event, Finished, Format, FormatContext, HandleId, HandleKind, OwnerEvidence, Sink, Skip,
};
use crate::import::json_stream::{Flow, SyntaxError, SyntaxErrorKind, Token, Tokenizer};
use crate::model::Kind;

/// The largest thread file read. Meta caps a file at 10,000 messages, a few MB; anything far
/// beyond that is not a thread file, and the metadata held for its messages would grow with it.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Whether an archive entry is a JSON thread file: `…/messages/<category>/<thread>/message_N.json`
/// under any prefix. Media, `autofill_information.json`, profiles and the like are not.
///
/// ```
/// use kith::import::meta::wants_entry;
/// assert!(wants_entry("your_activity_across_facebook/messages/inbox/annlee_12345/message_1.json"));
/// assert!(wants_entry("messages/archived_threads/bob_7/message_12.json"));
/// assert!(!wants_entry("your_activity_across_facebook/messages/inbox/annlee_12345/photos/1.jpg"));
/// assert!(!wants_entry("profile_information/profile_information.json"));
/// ```
pub fn wants_entry(path: &str) -> bool {
    is_thread_entry(path, ".json")
}

/// Whether an archive entry is a thread page of a download made in HTML
/// (`…/messages/inbox/<thread>/message_1.html`). An archive with such pages and no
/// [`wants_entry`] entries was downloaded in the wrong format: [`ImportError::HtmlExport`].
pub fn is_html_thread(path: &str) -> bool {
    is_thread_entry(path, ".html")
}

fn is_thread_entry(path: &str, extension: &str) -> bool {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let n = parts.len();
    n >= 4
        && parts[n - 4] == "messages"
        && !parts[n - 3].is_empty()
        && !parts[n - 2].is_empty()
        && is_message_file(parts[n - 1], extension)
}

/// `message_<digits><extension>`.
fn is_message_file(name: &str, extension: &str) -> bool {
    name.strip_prefix("message_")
        .and_then(|rest| rest.strip_suffix(extension))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a loose file's first bytes (up to 64 KiB) are a Messenger or Instagram thread in
/// JSON: an object with `participants` and `messages` keys and either the classic
/// `sender_name`/`timestamp_ms` or the end-to-end-encrypted `senderName`/`threadName` keys.
/// The name does not matter: a renamed file is recognised. Telegram's exports (`chats`,
/// `personal_information`, `from_id` keys) are never claimed.
///
/// ```
/// use kith::import::meta::looks_like;
/// let head = br#"{"participants": [{"name": "Ann"}], "messages": [{"sender_name": "Ann", "timestamp_ms": 1}]"#;
/// assert!(looks_like("anything.json", head));
/// assert!(!looks_like("result.json", br#"{"personal_information": {}, "chats": {"list": []}}"#));
/// ```
pub fn looks_like(_file_name: &str, head: &[u8]) -> bool {
    if first_significant(head) != Some(b'{') {
        return false;
    }
    let classic = has_key(head, b"sender_name") || has_key(head, b"timestamp_ms");
    let encrypted = has_key(head, b"senderName") || has_key(head, b"threadName");
    has_key(head, b"participants")
        && has_key(head, b"messages")
        && (classic || encrypted)
        && !has_key(head, b"chats")
        && !has_key(head, b"personal_information")
        && !has_key(head, b"from_id")
}

/// Whether a loose file's first bytes are a Facebook or Instagram HTML message page (a
/// download made with Format: HTML): an HTML document with the class names Meta's pages use
/// for messages, or a "Participants:" line.
pub fn looks_like_html(head: &[u8]) -> bool {
    const MARKERS: [&[u8]; 6] = [b"_a6-g", b"_a6-h", b"_2pim", b"_a72d", b"_2lek", b"participants:"];
    let lower = head.to_ascii_lowercase();
    let start = lower.len() - skip_blank(&lower).len();
    let rest = &lower[start..];
    (rest.starts_with(b"<!doctype html") || rest.starts_with(b"<html"))
        && MARKERS.iter().any(|m| find(&lower, m).is_some())
}

/// Undoes Meta's mojibake: its exports write each UTF-8 byte of a string as its own `\u00XX`
/// escape, so "Radosław" arrives as `Rados\u00c5\u0082aw`. When every char is at most U+00FF,
/// the chars are read back as bytes and decoded as UTF-8; when that fails (a real Latin-1
/// name such as "José", as the end-to-end-encrypted download writes it) the text is kept.
///
/// ```
/// use kith::import::meta::repair_mojibake;
/// assert_eq!(repair_mojibake("Rados\u{00c5}\u{0082}aw"), "Radosław");
/// assert_eq!(repair_mojibake("José"), "José");
/// assert_eq!(repair_mojibake("Radosław"), "Radosław");
/// ```
pub fn repair_mojibake(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || text.chars().any(|c| u32::from(c) > 0xFF) {
        return Cow::Borrowed(text);
    }
    // Every char is at most U+00FF here, so `as u8` keeps its value.
    let bytes: Vec<u8> = text.chars().map(|c| u32::from(c) as u8).collect();
    match String::from_utf8(bytes) {
        Ok(repaired) => Cow::Owned(repaired),
        Err(_) => Cow::Borrowed(text),
    }
}

/// What Meta's `type` says a message is. Calls (missed ones too) are calls; a member joining
/// or leaving is a notice; everything else, shares, media and unsent messages included, is a
/// message: somebody wrote.
fn kind_of(kind: Option<&str>) -> Kind {
    match kind {
        Some(k) if k.eq_ignore_ascii_case("call") => Kind::Call,
        Some(k) if k.eq_ignore_ascii_case("subscribe") || k.eq_ignore_ascii_case("unsubscribe") => Kind::System,
        _ => Kind::Message,
    }
}

/// The name people know the export by, for errors.
fn format_name(kind: HandleKind) -> &'static str {
    match kind {
        HandleKind::Instagram => "Instagram export",
        _ => "Messenger export",
    }
}

/// The source of one file (see the module docs for the rule).
fn source_of(path: &str, file_name: &str) -> HandleKind {
    if path.split(['/', '\\']).any(|part| part == "your_instagram_activity") {
        return HandleKind::Instagram;
    }
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    if base.len() >= 9 && base.as_bytes()[..9].eq_ignore_ascii_case(b"instagram") {
        HandleKind::Instagram
    } else {
        HandleKind::Messenger
    }
}

/// How many bytes of a name, title, `type` or number the tokenizer keeps: far more than any
/// real one, and a bound on what one value can cost.
const MAX_VALUE_BYTES: usize = 4096;

/// The tokenizer's callback as a trait object. [`Tokenizer::push`] is generic over its
/// callback, so each closure type gets its own copy of the whole tokenizer in the wasm build;
/// callers that all pass this one type share a single copy.
type OnToken<'a> = &'a mut dyn FnMut(Token<'_>) -> Flow;

/// Messenger and Instagram JSON thread files (see the module docs).
pub struct MetaFormat {
    /// The name of the picked file (the archive's, for a zip).
    file_name: String,
    /// The current file's path and source.
    path: String,
    source: HandleKind,
    /// Whether the current file's first non-blank byte was seen (an HTML page starts `<`).
    started: bool,
    /// Bytes of the current file so far.
    size: usize,
    tok: Tokenizer,
    /// Line count of the bytes already tokenized, for error positions.
    lines: Lines,
    /// What the current file said so far: metadata only.
    thread: Reader,
    /// The current file's first error, reported at its end (see the module docs).
    failed: Option<ImportError>,
    /// Thread files read.
    files: u32,
    /// Per thread id: its source and every name in it (participants and writers), for
    /// finding the user as the one name present in every thread.
    threads: BTreeMap<String, (HandleKind, BTreeSet<String>)>,
}

impl MetaFormat {
    /// A parser for the files of one import.
    pub fn new(ctx: FormatContext) -> Self {
        MetaFormat {
            file_name: ctx.file_name,
            path: String::new(),
            source: HandleKind::Messenger,
            started: false,
            size: 0,
            tok: Tokenizer::new(MAX_VALUE_BYTES),
            lines: Lines::default(),
            thread: Reader::default(),
            failed: None,
            files: 0,
            threads: BTreeMap::new(),
        }
    }

    /// Tokenizes the next bytes of the current file; the first error is kept in `failed`.
    fn read(&mut self, chunk: &[u8]) {
        let start = self.tok.offset();
        let thread = &mut self.thread;
        let mut on: OnToken<'_> = &mut |t| thread.token(t);
        let result = self.tok.push(chunk, &mut on);
        // A wrong value is found before any syntax error later in the same chunk.
        if let Some(detail) = self.thread.error.take() {
            self.failed = Some(self.malformed(&detail));
        } else if let Err(e) = result {
            self.failed = Some(self.syntax_error(e, chunk, start));
        } else {
            self.lines.advance(chunk, start);
        }
    }

    /// The end of the current file: `Ok(true)` when it holds a thread (or something that is
    /// not one) to report, `Ok(false)` for an empty entry that was skipped.
    fn finish_file(&mut self, sink: &mut dyn Sink) -> Result<bool, ImportError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let thread = &mut self.thread;
        let mut on: OnToken<'_> = &mut |t| thread.token(t);
        let result = self.tok.finish(&mut on);
        if let Some(detail) = self.thread.error.take() {
            return Err(self.malformed(&detail));
        }
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.kind == SyntaxErrorKind::Empty => {
                if self.path.contains(['/', '\\']) {
                    // One empty entry in a whole download: say so, and read the rest.
                    sink.skipped(Skip::Unreadable, 1);
                    sink.warn(format!("{} is empty.", self.path));
                    Ok(false)
                } else {
                    Err(ImportError::Empty)
                }
            }
            Err(e) => Err(self.syntax_error(e, &[], self.tok.offset())),
        }
    }

    /// Declares the thread of a file that was read whole, and reports its events.
    fn report_thread(&mut self, thread: Reader, sink: &mut dyn Sink) {
        let source = self.source;
        if thread.participants.is_none() && !thread.has_messages {
            sink.skipped(Skip::Unreadable, 1);
            sink.warn(format!("{} is not a message thread (it lists no participants and no messages).", self.path));
            return;
        }
        self.files += 1;
        let title = thread.title.as_deref().map(|t| repair_mojibake(t).trim().to_string()).filter(|t| !t.is_empty());
        let id = thread_id(thread.thread_path.as_deref(), &self.path, title.as_deref());

        let mut names: Vec<String> = Vec::new();
        for raw in thread.participants.iter().flatten() {
            let name = repair_mojibake(raw).trim().to_string();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        let participants: Vec<HandleId> = names.iter().map(|n| sink.handle(source, n, n)).collect();

        // Writers by their name as written (index of `senders`), repaired once per name.
        let writers: Vec<String> = thread.senders.iter().map(|raw| repair_mojibake(raw).trim().to_string()).collect();
        let mut members = crate::sort::set_of(names.iter().cloned());
        members.extend(writers.iter().filter(|n| !n.is_empty()).cloned());
        // Two listed participants make a direct thread; when the list is short (somebody
        // deleted their account), the writers fill it in.
        let count = if names.len() >= 2 { names.len() } else { members.len() };
        let shape = match count {
            2 => ChatShape::Direct { peer: None },
            n if n > 2 => ChatShape::Group,
            _ => ChatShape::Unknown,
        };
        let chat = sink.chat(ChatInfo { id: id.clone(), title, shape, participants });

        let mut handles: Vec<Option<HandleId>> = vec![None; writers.len()];
        let mut unreadable = thread.unreadable;
        for m in &thread.pending {
            let i = m.sender as usize;
            let (Some(name), Some(handle)) = (writers.get(i), handles.get_mut(i)) else {
                unreadable += 1;
                continue;
            };
            if name.is_empty() {
                unreadable += 1;
                continue;
            }
            let author = *handle.get_or_insert_with(|| sink.handle(source, name, name));
            sink.event(Event { chat, author: Some(author), at: m.at, kind: m.kind, id: None });
        }
        if unreadable > 0 {
            sink.skipped(Skip::Unreadable, unreadable);
            sink.warn(format!("{unreadable} message(s) in {id} had no sender or no time and were not counted."));
        }
        let entry = self.threads.entry(id).or_insert_with(|| (source, BTreeSet::new()));
        entry.1.extend(members);
    }

    /// A wrong value, in the structural terms [`Reader`] found it in.
    fn malformed(&self, detail: &str) -> ImportError {
        ImportError::Malformed { format: format_name(self.source), detail: format!("{}: {detail}", self.path) }
    }

    /// A syntax error, with its line and column; `chunk` (starting at byte `start` of the
    /// file) is the chunk it was found in.
    fn syntax_error(&self, e: SyntaxError, chunk: &[u8], start: u64) -> ImportError {
        let (line, column) = self.lines.position(chunk, start, e.offset);
        let what = match e.kind {
            SyntaxErrorKind::Truncated => "the JSON ends early, as if the file was cut short",
            SyntaxErrorKind::TrailingData => "there is more after the JSON value",
            SyntaxErrorKind::TooDeep => "the JSON nests too deep",
            _ => "the JSON is not well-formed",
        };
        ImportError::Malformed {
            format: format_name(self.source),
            detail: format!("{}: {what} (line {line}, column {column})", self.path),
        }
    }
}

/// Newlines seen so far, to turn a byte offset into a line and a column.
#[derive(Debug, Default, Clone, Copy)]
struct Lines {
    newlines: u64,
    /// Offset of the first byte after the last newline.
    line_start: u64,
}

impl Lines {
    /// Counts the newlines of `chunk`, which starts at byte `start` of the file.
    fn advance(&mut self, chunk: &[u8], start: u64) {
        self.newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        if let Some(last) = chunk.iter().rposition(|&b| b == b'\n') {
            self.line_start = start + last as u64 + 1;
        }
    }

    /// Line and column (both from 1) of byte `offset`, which lies in `chunk` (starting at
    /// byte `start`) or just after it.
    fn position(mut self, chunk: &[u8], start: u64, offset: u64) -> (u64, u64) {
        let within = usize::try_from(offset.saturating_sub(start)).unwrap_or(usize::MAX).min(chunk.len());
        self.advance(&chunk[..within], start);
        (self.newlines + 1, offset.saturating_sub(self.line_start) + 1)
    }
}

/// Where in a thread file the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Frame {
    /// Before the top-level value.
    #[default]
    Outside,
    /// The top-level object.
    Root,
    /// A top-level array: only an empty one is accepted, as serde read it (as a file with no
    /// participants and no messages, which is skipped).
    RootArray,
    /// The `participants` array.
    Participants,
    /// A `{"name": …}` participant (classic schema).
    Participant,
    /// The `messages` array.
    Messages,
    Message,
    /// After the top-level object.
    Done,
}

/// A key the reader knows. Every other key's value is skipped unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Participants,
    Messages,
    Title,
    ThreadPath,
    Name,
    Sender,
    Time,
    Type,
    /// `content` (classic) and `text` (encrypted): the message text, skipped unread; known
    /// only so that one given twice is refused as before.
    Content,
    Text,
}

impl Field {
    /// The key's meaning in this frame.
    fn of(frame: Frame, key: &str) -> Option<Field> {
        let field = match (frame, key) {
            (Frame::Root, "participants") => Field::Participants,
            (Frame::Root, "messages") => Field::Messages,
            (Frame::Root, "title" | "threadName") => Field::Title,
            (Frame::Root, "thread_path") => Field::ThreadPath,
            (Frame::Participant, "name") => Field::Name,
            (Frame::Message, "sender_name" | "senderName") => Field::Sender,
            (Frame::Message, "timestamp_ms" | "timestamp") => Field::Time,
            (Frame::Message, "type") => Field::Type,
            (Frame::Message, "content") => Field::Content,
            (Frame::Message, "text") => Field::Text,
            _ => return None,
        };
        Some(field)
    }

    /// Its bit in [`Reader::root_seen`] / [`Reader::item_seen`].
    fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The field in words, for errors (the schema's own key names differ).
    fn describe(self) -> &'static str {
        match self {
            Field::Participants => "participants",
            Field::Messages => "messages",
            Field::Title => "title",
            Field::ThreadPath => "thread_path",
            Field::Name => "name",
            Field::Sender => "sender",
            Field::Time => "time",
            Field::Type => "type",
            Field::Content => "content",
            Field::Text => "text",
        }
    }
}

/// The message being read: metadata only.
#[derive(Debug, Clone, Copy)]
struct MessageState {
    /// Index in [`Reader::senders`].
    sender: Option<u32>,
    at: Option<i64>,
    kind: Kind,
}

impl Default for MessageState {
    fn default() -> Self {
        MessageState { sender: None, at: None, kind: Kind::Message }
    }
}

/// A message with a sender and a time, held until the file ends: by then participants and
/// every writer are known, which the thread's shape depends on.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Index in [`Reader::senders`].
    sender: u32,
    at: i64,
    kind: Kind,
}

/// What one thread file said so far, token by token: names, title, `thread_path` and per
/// message its sender, time and kind. Never text.
#[derive(Debug, Default)]
struct Reader {
    at: Frame,
    /// The known key whose value comes next.
    field: Option<Field>,
    /// Fields given in the top-level object, and in the participant or message being read
    /// (bits of [`Field::bit`]): one given twice makes the file malformed.
    root_seen: u16,
    item_seen: u16,
    /// Participants' names as written; `None` without a `participants` array.
    participants: Option<Vec<String>>,
    /// The name of the `{"name": …}` participant being read.
    participant: Option<String>,
    /// Whether the file has a `messages` array.
    has_messages: bool,
    title: Option<String>,
    thread_path: Option<String>,
    /// Distinct sender names as written, in order of appearance, and their indices.
    senders: Vec<String>,
    sender_index: HashMap<String, u32>,
    message: MessageState,
    /// Messages with a sender and a time, in the file's order.
    pending: Vec<Pending>,
    /// Messages without a sender or a time.
    unreadable: u32,
    /// Entries of `participants` and `messages` so far, to say where an error is.
    participant_count: u32,
    message_count: u32,
    /// What is wrong with the file (structural: it never quotes the input).
    error: Option<String>,
}

impl Reader {
    fn token(&mut self, t: Token<'_>) -> Flow {
        if self.error.is_some() {
            return Flow::Skip;
        }
        match t {
            Token::Key(key) => self.key(key),
            Token::EndObject | Token::EndArray => {
                self.close();
                Flow::Continue
            }
            _ => {
                let field = self.field.take();
                if self.value(field, t) {
                    Flow::Continue
                } else {
                    let place = match self.at {
                        Frame::Outside | Frame::RootArray => {
                            self.error = Some("the top level is not a JSON object".to_string());
                            return Flow::Skip;
                        }
                        Frame::Participants => format!("participant {}", self.participant_count),
                        Frame::Messages => format!("message {}", self.message_count),
                        _ => self.place(field),
                    };
                    self.error = Some(format!("{place} has the wrong type"));
                    Flow::Skip
                }
            }
        }
    }

    fn key(&mut self, key: &str) -> Flow {
        let Some(field) = Field::of(self.at, key) else {
            return Flow::Skip;
        };
        let seen = if self.at == Frame::Root { &mut self.root_seen } else { &mut self.item_seen };
        let twice = *seen & field.bit() != 0;
        *seen |= field.bit();
        if twice {
            self.error = Some(format!("{} is given twice", self.place(Some(field))));
            return Flow::Skip;
        }
        if matches!(field, Field::Content | Field::Text) {
            // The message text: the tokenizer passes over it without copying a byte.
            return Flow::Skip;
        }
        self.field = Some(field);
        Flow::Continue
    }

    /// Takes a value (a scalar or the start of a container) for `field`, or for an entry of
    /// the array being read; `false` when it has the wrong type.
    fn value(&mut self, field: Option<Field>, t: Token<'_>) -> bool {
        match (self.at, field, t) {
            (Frame::Outside, _, Token::BeginObject) => self.at = Frame::Root,
            (Frame::Outside, _, Token::BeginArray) => self.at = Frame::RootArray,
            (Frame::Participants, None, Token::Str(name)) => {
                self.participant_count = self.participant_count.saturating_add(1);
                if let Some(list) = &mut self.participants {
                    list.push(name.to_string());
                }
            }
            (Frame::Participants, None, Token::BeginObject) => {
                self.participant_count = self.participant_count.saturating_add(1);
                self.at = Frame::Participant;
                self.item_seen = 0;
                self.participant = None;
            }
            (Frame::Participants, None, _) => {
                self.participant_count = self.participant_count.saturating_add(1);
                return false;
            }
            (Frame::Messages, None, t) => {
                self.message_count = self.message_count.saturating_add(1);
                if t != Token::BeginObject {
                    return false;
                }
                self.at = Frame::Message;
                self.item_seen = 0;
                self.message = MessageState::default();
            }
            (_, Some(Field::Participants), Token::BeginArray) => {
                self.participants = Some(Vec::new());
                self.at = Frame::Participants;
            }
            (_, Some(Field::Messages), Token::BeginArray) => {
                self.has_messages = true;
                self.at = Frame::Messages;
            }
            // `null` is as good as absent, for every field.
            (_, Some(_), Token::Null) => {}
            (_, Some(Field::Title), Token::Str(s)) => self.title = Some(s.to_string()),
            (_, Some(Field::ThreadPath), Token::Str(s)) => self.thread_path = Some(s.to_string()),
            (_, Some(Field::Name), Token::Str(s)) => self.participant = Some(s.to_string()),
            (_, Some(Field::Sender), Token::Str(s)) => self.message.sender = Some(self.intern(s)),
            (_, Some(Field::Time), Token::Number(n)) => self.message.at = seconds_of(n),
            (_, Some(Field::Type), Token::Str(s)) => self.message.kind = kind_of(Some(s)),
            _ => return false,
        }
        true
    }

    /// A container closed.
    fn close(&mut self) {
        self.at = match self.at {
            Frame::Participant => {
                if let (Some(list), Some(name)) = (&mut self.participants, self.participant.take()) {
                    list.push(name);
                }
                Frame::Participants
            }
            Frame::Message => {
                let m = std::mem::take(&mut self.message);
                match (m.sender, m.at) {
                    (Some(sender), Some(at)) => self.pending.push(Pending { sender, at, kind: m.kind }),
                    _ => self.unreadable = self.unreadable.saturating_add(1),
                }
                Frame::Messages
            }
            Frame::Participants | Frame::Messages => Frame::Root,
            Frame::Root | Frame::RootArray | Frame::Done => Frame::Done,
            Frame::Outside => Frame::Outside,
        };
    }

    /// The index of a sender's name in `senders`.
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.sender_index.get(name) {
            return i;
        }
        let i = u32::try_from(self.senders.len()).unwrap_or(u32::MAX);
        self.senders.push(name.to_string());
        self.sender_index.insert(name.to_string(), i);
        i
    }

    /// Where `field` of the object being read is, in words.
    fn place(&self, field: Option<Field>) -> String {
        let what = field.map_or("a field", Field::describe);
        match self.at {
            Frame::Participant => format!("the {what} of participant {}", self.participant_count),
            Frame::Message => format!("the {what} of message {}", self.message_count),
            _ => format!("the thread's {what}"),
        }
    }
}

/// Seconds since the epoch from Meta's milliseconds (a JSON number as written), rounded down.
fn seconds_of(ms: &str) -> Option<i64> {
    if let Ok(ms) = ms.parse::<i64>() {
        return Some(ms.div_euclid(1000));
    }
    // Not `ms.parse::<f64>()`: see `float`, which gives the same result.
    let ms: f64 = float::parse_f64(ms)?;
    let seconds = (ms / 1000.0).floor();
    (seconds.is_finite() && seconds.abs() < 1e15).then_some(seconds as i64)
}

/// The thread's stable id: Meta's `thread_path` (`inbox/annlee_12345`), else the entry's
/// category and thread folders, else (a loose file) the title, else the file's name.
fn thread_id(thread_path: Option<&str>, path: &str, title: Option<&str>) -> String {
    if let Some(p) = thread_path.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
        return p.to_string();
    }
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    match parts.len() {
        0 => String::new(),
        1 => title.map_or_else(|| parts[0].to_string(), |t| format!("title:{t}")),
        2 => parts[0].to_string(),
        n => format!("{}/{}", parts[n - 3], parts[n - 2]),
    }
}

/// Blanks and a byte-order mark.
fn skip_blank(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    &bytes[start..]
}

fn first_significant(bytes: &[u8]) -> Option<u8> {
    skip_blank(bytes).first().copied()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `"key"` occurs as an object key (followed by a colon): a message's text cannot
/// fake one, since quotes inside a JSON string are escaped and a string value is followed by
/// `,`, `]` or `}`.
fn has_key(head: &[u8], key: &[u8]) -> bool {
    let mut quoted = Vec::with_capacity(key.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(key);
    quoted.push(b'"');
    let mut from = 0;
    while let Some(at) = find(&head[from..], &quoted) {
        let after = from + at + quoted.len();
        if first_significant(&head[after..]) == Some(b':') {
            return true;
        }
        from = after;
    }
    false
}

impl Format for MetaFormat {
    fn begin_file(&mut self, path: &str, _sink: &mut dyn Sink) -> Result<(), ImportError> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".html") || lower.ends_with(".htm") {
            return Err(ImportError::HtmlExport);
        }
        self.path = path.to_string();
        self.source = source_of(path, &self.file_name);
        self.started = false;
        self.size = 0;
        self.tok = Tokenizer::new(MAX_VALUE_BYTES);
        self.lines = Lines::default();
        self.thread = Reader::default();
        self.failed = None;
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], _sink: &mut dyn Sink) -> Result<(), ImportError> {
        if !self.started {
            // Blanks (and a BOM, byte by byte) before the first real byte; an HTML page's
            // first real byte is `<`, a thread's `{`.
            let first = chunk.iter().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
            if let Some(&first) = first {
                self.started = true;
                if first == b'<' {
                    return Err(ImportError::HtmlExport);
                }
            }
        }
        if self.size + chunk.len() > MAX_FILE_BYTES {
            return Err(ImportError::TooLarge {
                detail: format!(
                    "{} is larger than {} MiB, far more than a message file holds",
                    self.path,
                    MAX_FILE_BYTES >> 20
                ),
            });
        }
        self.size += chunk.len();
        if self.failed.is_none() {
            self.read(chunk);
        }
        Ok(())
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        let result = self.finish_file(sink);
        // Whatever happened, the file's metadata goes with it.
        let thread = std::mem::take(&mut self.thread);
        self.tok = Tokenizer::new(MAX_VALUE_BYTES);
        if result? {
            self.report_thread(thread, sink);
        }
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        if self.files == 0 {
            return Err(ImportError::NoConversations { format: format_name(source_of("", &self.file_name)) });
        }
        if self.threads.len() >= 2 {
            let mut threads = self.threads.values();
            let mut common: BTreeSet<(HandleKind, &str)> = BTreeSet::new();
            if let Some((kind, names)) = threads.next() {
                common = crate::sort::set_of(names.iter().map(|n| (*kind, n.as_str())));
            }
            for (kind, names) in threads {
                common.retain(|(k, n)| k == kind && names.contains(*n));
            }
            if let [(kind, name)] = common.into_iter().collect::<Vec<_>>()[..] {
                let handle = sink.handle(kind, name, name);
                sink.owner(handle, OwnerEvidence::InEveryChat);
            }
        }
        Ok(Finished::Done)
    }
}

#[cfg(test)]
mod tests;
