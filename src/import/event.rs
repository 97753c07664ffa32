//! The one interface between a format's parser and the engine.
//!
//! A parser ([`Format`]) is fed the bytes of one or more files (a loose file, or the entries of
//! an archive it asked for) and tells a [`Sink`] what it found: conversations, the handles of
//! the people in them, and metadata-only [`Event`]s. Nothing that passes through a `Sink` can
//! hold message text: an event is a time, a kind, an author and an optional message id.
//!
//! Privacy (P1): a parser looks at message text only to classify a message (a notice, a call)
//! and drops it at once. Subjects, bodies, `text`, `content` and reactions never reach a sink.

use chrono::NaiveDate;

use crate::error::ImportError;
use crate::model::Kind;
use crate::time::LocalZone;

/// A conversation declared in the current import ([`Sink::chat`] returns it).
pub type ChatId = u32;
/// A handle declared in the current import ([`Sink::handle`] returns it).
pub type HandleId = u32;

/// What kind of address a handle is: the source it comes from. With the handle's id it makes
/// the identity key that a contact is known by (see [`crate::identity::handle_key`]): a
/// WhatsApp name or phone, a Telegram user id (`user123`; old exports' plain numbers are given
/// as `user123` too), a Messenger or Instagram display name (Meta's exports carry no user ids),
/// a LinkedIn profile URL, an email address.
pub type HandleKind = crate::model::Source;

/// Who takes part in a conversation, as far as the source says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatShape {
    /// The user and one other person. `peer` is that person when the source names them (a
    /// Telegram `personal_chat`, an email to one address); `None` when the peer is whichever
    /// participant is not the user (a two-person Messenger thread or LinkedIn conversation).
    Direct {
        /// The other person, when known.
        peer: Option<HandleId>,
    },
    /// More than two people: messages count as group messages of their authors.
    Group,
    /// The source does not say (WhatsApp): decided from the title and the writers.
    Unknown,
}

/// A conversation as a source describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatInfo {
    /// Stable across exports of the same conversation and unique within the source: the
    /// Telegram chat id, the Messenger thread folder, the LinkedIn conversation id, the email
    /// counterpart. Never message text.
    pub id: String,
    /// The conversation's name as the source shows it (a person's or group's name).
    pub title: Option<String>,
    /// Direct, group or unknown.
    pub shape: ChatShape,
    /// Everyone the source lists as a member, the user included where listed (Messenger's
    /// `participants`, LinkedIn's FROM and TO). May be empty.
    pub participants: Vec<HandleId>,
}

/// A message id as the source gives it, so that a re-import counts each message once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageId {
    /// Ids that grow with time within a conversation (Telegram): one export holds every
    /// message of the conversation between its smallest and largest id.
    Ordered(i64),
    /// Ids with no order (an email's `Message-ID`), as a hash ([`crate::identity::fnv1a`]).
    Unordered(u64),
}

/// One message, call or notice: metadata only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The conversation it belongs to.
    pub chat: ChatId,
    /// Who wrote it; `None` for a notice without an author.
    pub author: Option<HandleId>,
    /// When, in seconds since the Unix epoch (UTC).
    pub at: i64,
    /// Message, call or system notice (notices are counted in the report, never as messages).
    pub kind: Kind,
    /// The source's id for it, where it has one.
    pub id: Option<MessageId>,
}

/// How a parser knows which handle is the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerEvidence {
    /// Telegram's `personal_information`, LinkedIn's `Profile.csv`.
    Profile,
    /// A single-chat export of a direct chat: the author the chat is not named after.
    ChatName,
    /// The one participant present in every conversation of the import.
    InEveryChat,
    /// An email's `Delivered-To` header.
    DeliveredTo,
    /// The sender of mail labelled `Sent`.
    SentMail,
}

impl OwnerEvidence {
    /// The `ImportReport.ownerSource` code.
    pub fn code(self) -> &'static str {
        match self {
            OwnerEvidence::Profile => "profile",
            OwnerEvidence::ChatName => "chatName",
            OwnerEvidence::InEveryChat => "inEveryChat",
            OwnerEvidence::DeliveredTo => "deliveredTo",
            OwnerEvidence::SentMail => "sentMail",
        }
    }
}

/// What a parser skipped on purpose; the report counts each reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// A Telegram channel (one-way broadcast).
    Channel,
    /// A conversation with a bot.
    Bot,
    /// Telegram's "Saved Messages" (notes to self).
    SavedMessages,
    /// Telegram's "Replies" chat.
    RepliesChat,
    /// A draft (LinkedIn): never sent.
    Draft,
    /// A mail labelled Spam.
    Spam,
    /// A mail labelled Trash.
    Trash,
    /// Bulk mail: mailing lists, newsletters, no-reply and mailer-daemon senders.
    BulkMail,
    /// A message whose id was already seen earlier in the same file.
    DuplicateId,
    /// A message or thread the parser could not read (a record without a time); the parser
    /// also says why with [`Sink::warn`].
    Unreadable,
    /// A contacts-file card or row with no name, phone or email: nothing to know anyone by.
    EmptyCards,
}

impl Skip {
    /// The key in `ImportReport.skipped`.
    pub fn code(self) -> &'static str {
        match self {
            Skip::Channel => "channels",
            Skip::Bot => "bots",
            Skip::SavedMessages => "savedMessages",
            Skip::RepliesChat => "repliesChats",
            Skip::Draft => "drafts",
            Skip::Spam => "spam",
            Skip::Trash => "trash",
            Skip::BulkMail => "bulkMail",
            Skip::DuplicateId => "duplicateIds",
            Skip::Unreadable => "unreadable",
            Skip::EmptyCards => "emptyCards",
        }
    }
}

/// What a source says about a person beyond their messages (LinkedIn's `Connections.csv`,
/// Telegram's `contacts.list`): contact fields, never message text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonDetails {
    /// Phone numbers as given (the engine normalises them).
    pub phones: Vec<String>,
    /// Email addresses as given.
    pub emails: Vec<String>,
    /// When the user connected with them (LinkedIn), seconds since the epoch. Connecting is
    /// not a message.
    pub connected_at: Option<i64>,
}

/// Where a parser's findings go. The engine's implementation aggregates events into
/// per-conversation, per-handle stats as they arrive; tests use a recording one.
pub trait Sink {
    /// Declares a conversation (or finds it again by `info.id`); events refer to the id returned.
    fn chat(&mut self, info: ChatInfo) -> ChatId;
    /// Declares a handle (or finds it again by kind and id). `id` is the source's stable id
    /// (a Telegram `user123`, a profile URL, an email address; for name-only sources the
    /// name); `name` is the display name to show. A later call with a non-empty name updates it.
    fn handle(&mut self, kind: HandleKind, id: &str, name: &str) -> HandleId;
    /// One message, call or notice.
    fn event(&mut self, event: Event);
    /// Several events, in order: the same as passing each to [`Sink::event`], which is what
    /// this does unless a sink does better. A parser that finds many events at a time (a
    /// WhatsApp chunk) saves a call and a lookup per event.
    fn events(&mut self, events: &[Event]) {
        for &event in events {
            self.event(event);
        }
    }
    /// The parser knows which handle is the user.
    fn owner(&mut self, handle: HandleId, evidence: OwnerEvidence);
    /// Details about a person (contacts lists, connections).
    fn person(&mut self, handle: HandleId, details: PersonDetails);
    /// Something skipped on purpose, `count` times.
    fn skipped(&mut self, what: Skip, count: u32);
    /// Something the user may want to know. Never message text; may name people and files.
    fn warn(&mut self, message: String);
    /// How the format read its dates, for the report (WhatsApp infers day/month order per
    /// file: `dmy` because `dayAbove12`…). Sources with exact instants need not call it.
    fn read_dates(&mut self, _order: &str, _reason: &str) {}
}

/// What a parser is told when it starts.
pub struct FormatContext {
    /// The file's name as the user picked it (the archive's, for a zip).
    pub file_name: String,
    /// The zone that wall-clock times without an offset are read in.
    pub zone: Box<dyn LocalZone>,
    /// Today's date, for dates without a year.
    pub today: NaiveDate,
    /// Names, phones and emails the user said are theirs (as given; may be empty).
    pub owner: Vec<String>,
}

/// What a parser wants after [`Format::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Done.
    Done,
    /// Read every file again from the start (a `Blob` can be read twice): the first pass
    /// settled what the parser needed to know before counting, without holding every message.
    /// The sink keeps what the first pass reported: the parser reports in the second pass only
    /// what it did not report in the first.
    AnotherPass,
}

/// A format's streaming parser. The reader calls, for each file: `begin_file`, `push` with
/// chunks of any size (from 1 byte up; the result must not depend on the chunking),
/// `end_file`; then `finish` once.
pub trait Format {
    /// A file begins: `path` is the entry's path in the archive, or the loose file's name.
    fn begin_file(&mut self, path: &str, sink: &mut dyn Sink) -> Result<(), ImportError>;
    /// The next bytes of the current file.
    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError>;
    /// The current file ended.
    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError>;
    /// Every file was read.
    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError>;
}

/// A [`Sink`] that records everything, for parser tests.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RecordingSink {
    /// Conversations in declaration order.
    pub chats: Vec<ChatInfo>,
    /// `(kind, id, name)` of each handle in declaration order.
    pub handles: Vec<(HandleKind, String, String)>,
    /// Every event.
    pub events: Vec<Event>,
    /// Owner evidence, in order.
    pub owners: Vec<(HandleId, OwnerEvidence)>,
    /// Person details, in order.
    pub people: Vec<(HandleId, PersonDetails)>,
    /// Skip counts, in order of calls.
    pub skips: Vec<(Skip, u32)>,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl RecordingSink {
    /// The handle's `(kind, id, name)`.
    pub fn handle_of(&self, id: HandleId) -> &(HandleKind, String, String) {
        &self.handles[id as usize]
    }

    /// Total skipped for one reason.
    pub fn skipped_for(&self, what: Skip) -> u32 {
        self.skips.iter().filter(|(s, _)| *s == what).map(|(_, n)| n).sum()
    }

    /// Events of one chat by the handle with this source id.
    pub fn count_by(&self, chat: ChatId, author_id: &str, kind: Kind) -> usize {
        self.events
            .iter()
            .filter(|e| e.chat == chat && e.kind == kind)
            .filter(|e| e.author.is_some_and(|a| self.handles[a as usize].1 == author_id))
            .count()
    }
}

impl Sink for RecordingSink {
    fn chat(&mut self, info: ChatInfo) -> ChatId {
        if let Some(i) = self.chats.iter().position(|c| c.id == info.id) {
            self.chats[i] = info;
            return i as ChatId;
        }
        self.chats.push(info);
        (self.chats.len() - 1) as ChatId
    }

    fn handle(&mut self, kind: HandleKind, id: &str, name: &str) -> HandleId {
        if let Some(i) = self.handles.iter().position(|(k, h, _)| *k == kind && h == id) {
            if !name.is_empty() {
                self.handles[i].2 = name.to_string();
            }
            return i as HandleId;
        }
        self.handles.push((kind, id.to_string(), name.to_string()));
        (self.handles.len() - 1) as HandleId
    }

    fn event(&mut self, event: Event) {
        self.events.push(event);
    }

    fn owner(&mut self, handle: HandleId, evidence: OwnerEvidence) {
        self.owners.push((handle, evidence));
    }

    fn person(&mut self, handle: HandleId, details: PersonDetails) {
        self.people.push((handle, details));
    }

    fn skipped(&mut self, what: Skip, count: u32) {
        self.skips.push((what, count));
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
}

/// Runs a parser over whole files split into chunks of `chunk` bytes, as the readers do, and
/// returns what it reported. For parser tests: a result must not depend on `chunk`.
pub fn run_format(
    format: &mut dyn Format,
    files: &[(&str, &[u8])],
    chunk: usize,
) -> Result<RecordingSink, ImportError> {
    let mut sink = RecordingSink::default();
    loop {
        for (path, bytes) in files {
            format.begin_file(path, &mut sink)?;
            for piece in bytes.chunks(chunk.max(1)) {
                format.push(piece, &mut sink)?;
            }
            format.end_file(&mut sink)?;
        }
        if format.finish(&mut sink)? == Finished::Done {
            return Ok(sink);
        }
    }
}
