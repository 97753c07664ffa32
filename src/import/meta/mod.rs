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
//! Each thread file is buffered whole (at most [`MAX_FILE_BYTES`]) and read once at
//! [`Format::end_file`] with serde into structs that name only metadata: `content` and `text`
//! are declared as [`IgnoredAny`], so serde steps over them without keeping a byte, and every
//! other field not declared (reactions, shares, photo paths) is skipped the same way. The raw
//! buffer is cleared as soon as the file is read. Reading at the end of the file makes the
//! result independent of how the bytes were chunked.
//!
//! Source rule (Meta's files carry no hint of their app): a file whose path has a
//! `your_instagram_activity` folder is Instagram; otherwise, when the archive's (or the loose
//! file's) name starts with `instagram` (Meta names the downloads `instagram-<user>-<date>.zip`
//! and `facebook-<user>-<date>.zip`) it is Instagram; everything else is Messenger. A loose
//! `message_1.json` of an old Instagram download therefore counts as Messenger.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::ImportError;
use crate::import::event::{
    ChatInfo, ChatShape, Event, Finished, Format, FormatContext, HandleId, HandleKind, OwnerEvidence, Sink, Skip,
};
use crate::model::Kind;

/// The largest thread file read. Meta caps a file at 10,000 messages, a few MB; anything far
/// beyond that is not a thread file, and buffering it would risk the browser tab's memory.
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

/// A thread file, classic or end-to-end-encrypted. Only metadata is declared.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Thread<'a> {
    participants: Option<Vec<Participant>>,
    #[serde(borrow)]
    messages: Option<Vec<Message<'a>>>,
    #[serde(alias = "threadName")]
    title: Option<String>,
    thread_path: Option<String>,
}

/// `{"name": "Ann"}` in the classic schema, `"Ann"` in the encrypted one.
#[derive(Deserialize)]
#[serde(untagged)]
enum Participant {
    Named { name: Option<String> },
    Plain(String),
}

impl Participant {
    fn name(&self) -> Option<&str> {
        match self {
            Participant::Named { name } => name.as_deref(),
            Participant::Plain(name) => Some(name),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    /// Borrowed from the buffer when it has no escapes: no allocation per message.
    #[serde(borrow, alias = "senderName")]
    sender_name: Option<Cow<'a, str>>,
    #[serde(alias = "timestamp")]
    timestamp_ms: Option<serde_json::Number>,
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    /// The message text (classic schema): stepped over, never kept.
    #[allow(dead_code)]
    content: IgnoredAny,
    /// The message text (encrypted schema): stepped over, never kept.
    #[allow(dead_code)]
    text: IgnoredAny,
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

/// Messenger and Instagram JSON thread files (see the module docs).
pub struct MetaFormat {
    /// The name of the picked file (the archive's, for a zip).
    file_name: String,
    /// The current file's path, and its bytes so far.
    path: String,
    buffer: Vec<u8>,
    /// Whether the current file's first non-blank byte was seen (an HTML page starts `<`).
    started: bool,
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
            buffer: Vec::new(),
            started: false,
            files: 0,
            threads: BTreeMap::new(),
        }
    }

    /// Reads the buffered thread file and reports it.
    fn read_thread(&mut self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        let source = source_of(&self.path, &self.file_name);
        let thread: Thread = serde_json::from_slice(bytes).map_err(|e| malformed(source, &self.path, &e))?;
        if thread.participants.is_none() && thread.messages.is_none() {
            sink.skipped(Skip::Unreadable, 1);
            sink.warn(format!("{} is not a message thread (it lists no participants and no messages).", self.path));
            return Ok(());
        }
        self.files += 1;
        let title = thread.title.as_deref().map(|t| repair_mojibake(t).trim().to_string()).filter(|t| !t.is_empty());
        let id = thread_id(thread.thread_path.as_deref(), &self.path, title.as_deref());

        let mut names: Vec<String> = Vec::new();
        for participant in thread.participants.iter().flatten() {
            if let Some(name) = participant.name().map(|n| repair_mojibake(n).trim().to_string()) {
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let participants: Vec<HandleId> = names.iter().map(|n| sink.handle(source, n, n)).collect();
        let messages = thread.messages.unwrap_or_default();

        // Writers by their name as written, repaired once per distinct name.
        let mut writers: HashMap<&str, String> = HashMap::new();
        for m in &messages {
            if let Some(raw) = m.sender_name.as_deref() {
                if !writers.contains_key(raw) {
                    writers.insert(raw, repair_mojibake(raw).trim().to_string());
                }
            }
        }
        let mut members: BTreeSet<String> = names.iter().cloned().collect();
        members.extend(writers.values().filter(|n| !n.is_empty()).cloned());
        // Two listed participants make a direct thread; when the list is short (somebody
        // deleted their account), the writers fill it in.
        let count = if names.len() >= 2 { names.len() } else { members.len() };
        let shape = match count {
            2 => ChatShape::Direct { peer: None },
            n if n > 2 => ChatShape::Group,
            _ => ChatShape::Unknown,
        };
        let chat = sink.chat(ChatInfo { id: id.clone(), title, shape, participants });

        let mut handles: HashMap<&str, HandleId> = HashMap::new();
        let mut unreadable = 0u32;
        for m in &messages {
            let at = m.timestamp_ms.as_ref().and_then(seconds_of);
            let name = m.sender_name.as_deref().and_then(|raw| writers.get_key_value(raw));
            let (Some(at), Some((&raw, name))) = (at, name) else {
                unreadable += 1;
                continue;
            };
            if name.is_empty() {
                unreadable += 1;
                continue;
            }
            let author = *handles.entry(raw).or_insert_with(|| sink.handle(source, name, name));
            sink.event(Event { chat, author: Some(author), at, kind: kind_of(m.kind.as_deref()), id: None });
        }
        if unreadable > 0 {
            sink.skipped(Skip::Unreadable, unreadable);
            sink.warn(format!("{unreadable} message(s) in {id} had no sender or no time and were not counted."));
        }
        let entry = self.threads.entry(id).or_insert_with(|| (source, BTreeSet::new()));
        entry.1.extend(members);
        Ok(())
    }
}

/// Seconds since the epoch from Meta's milliseconds, rounded down.
fn seconds_of(ms: &serde_json::Number) -> Option<i64> {
    if let Some(ms) = ms.as_i64() {
        return Some(ms.div_euclid(1000));
    }
    let ms = ms.as_f64()?;
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

/// A JSON error in structural terms only: serde_json's own messages can quote the input
/// (`invalid type: string "…"`), so only the category and the position are used.
fn malformed(source: HandleKind, path: &str, e: &serde_json::Error) -> ImportError {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "the JSON ends early, as if the file was cut short",
        Category::Syntax => "the JSON is not well-formed",
        Category::Data => "a field holds a value of the wrong type",
        Category::Io => "the file could not be read",
    };
    ImportError::Malformed {
        format: format_name(source),
        detail: format!("{path}: {what} at line {}, column {}", e.line(), e.column()),
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
        self.buffer.clear();
        self.started = false;
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
        if self.buffer.len() + chunk.len() > MAX_FILE_BYTES {
            return Err(ImportError::TooLarge {
                detail: format!(
                    "{} is larger than {} MiB, far more than a message file holds",
                    self.path,
                    MAX_FILE_BYTES >> 20
                ),
            });
        }
        self.buffer.extend_from_slice(chunk);
        Ok(())
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        let bytes = std::mem::take(&mut self.buffer);
        let result = if first_significant(&bytes).is_some() {
            self.read_thread(&bytes, sink)
        } else if self.path.contains(['/', '\\']) {
            // One empty entry in a whole download: say so, and read the rest.
            sink.skipped(Skip::Unreadable, 1);
            sink.warn(format!("{} is empty.", self.path));
            Ok(())
        } else {
            Err(ImportError::Empty)
        };
        // Keep the allocation for the next file, but not the text in it.
        let mut bytes = bytes;
        bytes.clear();
        self.buffer = bytes;
        result
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        if self.files == 0 {
            return Err(ImportError::NoConversations { format: format_name(source_of("", &self.file_name)) });
        }
        if self.threads.len() >= 2 {
            let mut threads = self.threads.values();
            let mut common: BTreeSet<(HandleKind, &str)> = BTreeSet::new();
            if let Some((kind, names)) = threads.next() {
                common = names.iter().map(|n| (*kind, n.as_str())).collect();
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
