//! LinkedIn's data export ("Get a copy of your data"): `messages.csv`, `Connections.csv` and
//! `Profile.csv`, loose or inside the export zip.
//!
//! One [`LinkedInFormat`] reads every file of an import, in any order. Each file's kind is
//! decided by its header row, not its name, so a renamed file still reads:
//!
//! - `messages.csv`: one row per message. Columns are found by header name (current exports
//!   have 13, older ones the first 10). Each row becomes one [`Kind::Message`] event by the
//!   sender, in the conversation `CONVERSATION ID`. `SUBJECT`, `CONTENT` and `ATTACHMENTS` are
//!   stepped over by the CSV reader without ever being held (privacy P1). Drafts are skipped.
//! - `Connections.csv`: a few note rows, then one row per connection: the person's handle,
//!   name, email and the day of connecting ([`PersonDetails`]). Connecting is not a message.
//! - `Profile.csv`: the user's own name, which says which handle is the user.
//!
//! Handles are [`HandleKind::LinkedIn`] with the profile URL as id ([`fields::normalise_url`]
//! says how it is normalised). A sender without a URL (a deleted account) falls back to the
//! cleaned name as id. Names come from `FROM` when the person ever writes; else from `TO` when
//! a message has exactly one recipient (then the whole `TO` field is that one name, commas and
//! all); else from `Connections.csv`. `TO` lists of several names are never split: names may
//! contain commas, so they cannot be aligned with the URLs.
//!
//! A conversation's participants are its senders and recipients. Rows of one conversation
//! need not be contiguous, so a conversation is declared at its first row and declared again
//! (same id) whenever a row shows a new participant or a first title. Two participants make a
//! direct chat, more a group.
//!
//! Who the user is, decided at [`Format::finish`] once every file is read:
//! 1. `Profile.csv` gives `First Name` and `Last Name` (and, in some exports, a profile URL
//!    column or a LinkedIn URL among `Websites`). A participant with that URL, else the one
//!    participant with that name, is the user ([`OwnerEvidence::Profile`]). When several
//!    participants share the name, the one among them in every conversation is taken.
//! 2. Otherwise, with at least two conversations, the one participant in every conversation
//!    ([`OwnerEvidence::InEveryChat`]).

mod fields;

use std::collections::HashMap;

use crate::error::ImportError;
use crate::import::csv_stream::{CsvError, CsvReader, Record};
use crate::import::event::{
    ChatId, ChatInfo, ChatShape, Event, Finished, Format, FormatContext, HandleId, HandleKind, OwnerEvidence,
    PersonDetails, Sink, Skip,
};
use crate::model::Kind;

/// The format's name in errors.
const FORMAT_NAME: &str = "LinkedIn export";

/// Records allowed before the header (blank lines are not records): `Connections.csv` has
/// two note records (`Notes:` and a quoted paragraph); a little more for variants. A file
/// without a LinkedIn header is refused after these, not read to its end.
const MAX_PREAMBLE_ROWS: u32 = 4;

/// Byte caps of the fields kept: ids, names and URLs are short; a group's recipient URLs
/// are a list (a 4 KiB cap holds some 50 profile URLs; a longer list loses its tail only).
const CAP_ID: usize = 256;
const CAP_NAME: usize = 256;
const CAP_URL: usize = 512;
const CAP_URL_LIST: usize = 4096;
const CAP_FLAG: usize = 16;

/// How good a handle's name is, so a better source is not overwritten by a worse one: the
/// sender's own `FROM` beats `Connections.csv`, which beats a lone `TO`.
const RANK_NONE: u8 = 0;
const RANK_TO: u8 = 1;
const RANK_CONNECTION: u8 = 2;
const RANK_FROM: u8 = 3;

/// The archive entries this format reads: `messages.csv`, `Connections.csv` and `Profile.csv`
/// at any depth, the file name compared without regard to case. Other CSVs of the export
/// (`Skills.csv`, `guide_messages.csv`, …) are not read.
pub fn wants_entry(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    ["messages.csv", "connections.csv", "profile.csv"].iter().any(|n| name.eq_ignore_ascii_case(n))
}

/// Whether a loose file is one of LinkedIn's CSVs, from its first bytes (up to 64 KiB): its
/// header row (after an optional byte-order mark, and after `Connections.csv`'s note rows)
/// has `messages.csv`'s, `Connections.csv`'s or `Profile.csv`'s columns. The name is not
/// needed: a renamed file is recognised; another source's CSV (Google Contacts) is not.
pub fn looks_like(file_name: &str, head: &[u8]) -> bool {
    // The name proves nothing either way: content decides.
    let _ = file_name;
    let mut reader = CsvReader::new();
    let mut rows = 0;
    let mut on_record = |record: &mut Record| -> Result<(), bool> {
        if FileKind::of_header(record).is_some() {
            return Err(true);
        }
        rows += 1;
        if rows > MAX_PREAMBLE_ROWS {
            return Err(false);
        }
        Ok(())
    };
    // A head cut inside the header row leaves that row unread: no claim on a half row.
    match reader.push(head, &mut on_record) {
        Err(found) => found,
        Ok(()) => false,
    }
}

/// Column positions in `messages.csv`.
#[derive(Debug, Clone, Copy)]
struct MessageColumns {
    conversation: usize,
    title: Option<usize>,
    from: Option<usize>,
    sender_url: usize,
    to: Option<usize>,
    recipient_urls: Option<usize>,
    date: usize,
    folder: Option<usize>,
    message_draft: Option<usize>,
    conversation_draft: Option<usize>,
}

/// Column positions in `Connections.csv`.
#[derive(Debug, Clone, Copy)]
struct ConnectionColumns {
    first: Option<usize>,
    last: Option<usize>,
    url: usize,
    email: Option<usize>,
    connected_on: usize,
}

/// Column positions in `Profile.csv`.
#[derive(Debug, Clone, Copy)]
struct ProfileColumns {
    first: usize,
    last: usize,
    url: Option<usize>,
    websites: Option<usize>,
}

/// What a file is, known from its header row.
#[derive(Debug, Clone, Copy)]
enum FileKind {
    Messages(MessageColumns),
    Connections(ConnectionColumns),
    Profile(ProfileColumns),
}

impl FileKind {
    /// The kind a header row says, with its columns; `None` for any other row.
    fn of_header(record: &Record) -> Option<FileKind> {
        let names = record.header_names();
        let col = |name: &str| crate::import::csv_stream::column(&names, name);
        if let (Some(conversation), Some(sender_url), Some(date)) =
            (col("CONVERSATION ID"), col("SENDER PROFILE URL"), col("DATE"))
        {
            return Some(FileKind::Messages(MessageColumns {
                conversation,
                title: col("CONVERSATION TITLE"),
                from: col("FROM"),
                sender_url,
                to: col("TO"),
                recipient_urls: col("RECIPIENT PROFILE URLS"),
                date,
                folder: col("FOLDER"),
                message_draft: col("IS MESSAGE DRAFT"),
                conversation_draft: col("IS CONVERSATION DRAFT"),
            }));
        }
        if let (Some(url), Some(connected_on)) = (col("URL"), col("CONNECTED ON")) {
            return Some(FileKind::Connections(ConnectionColumns {
                first: col("FIRST NAME"),
                last: col("LAST NAME"),
                url,
                email: col("EMAIL ADDRESS"),
                connected_on,
            }));
        }
        // Profile.csv: the user's names beside columns only a profile has. Google Contacts
        // also starts `First Name,…,Last Name` but has none of these.
        let profile_only = ["HEADLINE", "MAIDEN NAME", "GEO LOCATION", "INDUSTRY"];
        if let (Some(first), Some(last), true) =
            (col("FIRST NAME"), col("LAST NAME"), profile_only.iter().any(|c| col(c).is_some()))
        {
            let url = col("PUBLIC PROFILE URL").or_else(|| col("PROFILE URL")).or_else(|| col("URL"));
            return Some(FileKind::Profile(ProfileColumns { first, last, url, websites: col("WEBSITES") }));
        }
        None
    }

    /// The columns to keep from the rows after the header, with their caps.
    fn kept_columns(&self) -> Vec<(usize, usize)> {
        let mut kept = Vec::new();
        let mut keep = |column: Option<usize>, cap: usize| {
            if let Some(c) = column {
                kept.push((c, cap));
            }
        };
        match *self {
            FileKind::Messages(c) => {
                keep(Some(c.conversation), CAP_ID);
                keep(c.title, CAP_NAME);
                keep(c.from, CAP_NAME);
                keep(Some(c.sender_url), CAP_URL);
                keep(c.to, CAP_NAME);
                keep(c.recipient_urls, CAP_URL_LIST);
                keep(Some(c.date), CAP_ID);
                keep(c.folder, CAP_FLAG);
                keep(c.message_draft, CAP_FLAG);
                keep(c.conversation_draft, CAP_FLAG);
            }
            FileKind::Connections(c) => {
                keep(c.first, CAP_NAME);
                keep(c.last, CAP_NAME);
                keep(Some(c.url), CAP_URL);
                keep(c.email, CAP_NAME);
                keep(Some(c.connected_on), CAP_ID);
            }
            FileKind::Profile(c) => {
                keep(Some(c.first), CAP_NAME);
                keep(Some(c.last), CAP_NAME);
                keep(c.url, CAP_URL);
                keep(c.websites, CAP_URL_LIST);
            }
        }
        kept
    }
}

/// One person (handle) seen in this import.
#[derive(Debug)]
struct Person {
    handle: HandleId,
    /// The [`RANK_NONE`]… rank of the name the sink has.
    rank: u8,
    /// [`fields::name_key`] of that name.
    name_key: String,
    /// The normalised profile URL, when the id is one.
    url: Option<String>,
    /// Conversations the person takes part in.
    conversations: u32,
}

/// One conversation seen in this import.
#[derive(Debug)]
struct Conversation {
    chat: ChatId,
    title: Option<String>,
    /// Indexes into `LinkedInFormat::people`, in order of appearance.
    participants: Vec<usize>,
}

/// What `Profile.csv` says about the user.
#[derive(Debug, Default)]
struct Profile {
    name_key: String,
    urls: Vec<String>,
}

/// What is known of the file being read.
#[derive(Debug, Default)]
struct FileState {
    kind: Option<FileKind>,
    /// Rows before the header.
    preamble: u32,
    /// Records of any kind.
    records: u64,
    drafts: u32,
    /// Message rows without a readable date or sender.
    unreadable: u32,
    /// Connection rows without a profile URL.
    connections_without_url: u32,
}

/// The LinkedIn export parser (see the module docs).
pub struct LinkedInFormat {
    reader: CsvReader,
    file: FileState,
    /// Normalised handle id -> index into `people`.
    index: HashMap<String, usize>,
    people: Vec<Person>,
    conversations: HashMap<String, Conversation>,
    profile: Option<Profile>,
    /// Any file held a record.
    saw_records: bool,
    /// Connections reported.
    persons: u32,
}

impl LinkedInFormat {
    /// A parser for one import. LinkedIn's dates are UTC and the owner is found from the
    /// export itself, so the context's zone and owner names are not needed here (the engine
    /// applies the user's own owner names).
    pub fn new(ctx: FormatContext) -> Self {
        let _ = ctx;
        LinkedInFormat {
            reader: CsvReader::new(),
            file: FileState::default(),
            index: HashMap::new(),
            people: Vec::new(),
            conversations: HashMap::new(),
            profile: None,
            saw_records: false,
            persons: 0,
        }
    }

    fn record(&mut self, record: &mut Record, sink: &mut dyn Sink) -> Result<(), ImportError> {
        self.saw_records = true;
        self.file.records += 1;
        match self.file.kind {
            None => {
                if let Some(kind) = FileKind::of_header(record) {
                    record.keep_only(&kind.kept_columns());
                    self.file.kind = Some(kind);
                } else {
                    self.file.preamble += 1;
                    if self.file.preamble > MAX_PREAMBLE_ROWS {
                        return Err(not_linkedin());
                    }
                }
            }
            Some(FileKind::Messages(c)) => self.message(record, &c, sink),
            Some(FileKind::Connections(c)) => self.connection(record, &c, sink),
            Some(FileKind::Profile(c)) => self.profile_row(record, &c),
        }
        Ok(())
    }

    /// Finds or declares the person with this URL (or, without one, this name), giving the
    /// sink the name when it is better than the one it has.
    fn person(&mut self, url: &str, raw_name: &str, rank: u8, sink: &mut dyn Sink) -> Option<usize> {
        let name = fields::display_name(raw_name);
        let url = fields::normalise_url(url);
        let id = match (&url, name.is_empty()) {
            (Some(url), _) => url.clone(),
            (None, false) => name.clone(),
            (None, true) => return None,
        };
        let rank = if name.is_empty() { RANK_NONE } else { rank };
        if let Some(&i) = self.index.get(&id) {
            let person = &mut self.people[i];
            if rank > person.rank {
                sink.handle(HandleKind::LinkedIn, &id, &name);
                person.rank = rank;
                person.name_key = fields::name_key(&name);
            }
            return Some(i);
        }
        let handle = sink.handle(HandleKind::LinkedIn, &id, &name);
        self.people.push(Person { handle, rank, name_key: fields::name_key(&name), url, conversations: 0 });
        self.index.insert(id, self.people.len() - 1);
        Some(self.people.len() - 1)
    }

    fn message(&mut self, record: &Record, c: &MessageColumns, sink: &mut dyn Sink) {
        let text = |column: Option<usize>| column.and_then(|i| record.text(i)).unwrap_or_default();
        let draft = text(c.folder).trim().to_ascii_uppercase().starts_with("DRAFT")
            || fields::is_yes(&text(c.message_draft))
            || fields::is_yes(&text(c.conversation_draft));
        if draft {
            self.file.drafts += 1;
            return;
        }
        let conversation_id = text(Some(c.conversation)).trim().to_string();
        let at = fields::message_time(&text(Some(c.date)));
        let (Some(at), false) = (at, conversation_id.is_empty()) else {
            self.file.unreadable += 1;
            return;
        };
        let Some(sender) = self.person(&text(Some(c.sender_url)), &text(c.from), RANK_FROM, sink) else {
            self.file.unreadable += 1;
            return;
        };
        let mut members = vec![sender];
        let urls = text(c.recipient_urls);
        let mut urls: Vec<&str> = urls.split([';', ',']).map(str::trim).filter(|u| !u.is_empty()).collect();
        if c.recipient_urls.is_some_and(|i| record.is_truncated(i)) {
            // The cap cut the list: its last URL may be partial.
            urls.pop();
        }
        let to = text(c.to);
        let lone_name = if urls.len() == 1 { to.as_ref() } else { "" };
        for url in urls {
            if let Some(p) = self.person(url, lone_name, RANK_TO, sink) {
                members.push(p);
            }
        }
        let title = text(c.title).trim().to_string();
        let chat = self.conversation(&conversation_id, title, &members, sink);
        let handle = self.people[sender].handle;
        sink.event(Event { chat, author: Some(handle), at, kind: Kind::Message, id: None });
    }

    /// The conversation's chat id, declaring it on its first row and again when this row
    /// shows a new participant or its first title.
    fn conversation(&mut self, id: &str, title: String, members: &[usize], sink: &mut dyn Sink) -> ChatId {
        let title = (!title.is_empty()).then_some(title);
        let mut changed = false;
        let conversation = self.conversations.entry(id.to_string()).or_insert_with(|| {
            changed = true;
            Conversation { chat: 0, title: None, participants: Vec::new() }
        });
        if conversation.title.is_none() && title.is_some() {
            conversation.title = title;
            changed = true;
        }
        for &m in members {
            if !conversation.participants.contains(&m) {
                conversation.participants.push(m);
                self.people[m].conversations += 1;
                changed = true;
            }
        }
        if changed {
            let shape = match conversation.participants.len() {
                2 => ChatShape::Direct { peer: None },
                n if n > 2 => ChatShape::Group,
                // Only the sender is known (no recipient column): the source does not say.
                _ => ChatShape::Unknown,
            };
            conversation.chat = sink.chat(ChatInfo {
                id: id.to_string(),
                title: conversation.title.clone(),
                shape,
                participants: conversation.participants.iter().map(|&p| self.people[p].handle).collect(),
            });
        }
        conversation.chat
    }

    fn connection(&mut self, record: &Record, c: &ConnectionColumns, sink: &mut dyn Sink) {
        let text = |column: Option<usize>| column.and_then(|i| record.text(i)).unwrap_or_default();
        let url = text(Some(c.url));
        if fields::normalise_url(&url).is_none() {
            // Without a URL the row names nobody that messages could be matched to.
            self.file.connections_without_url += 1;
            return;
        }
        let name = format!("{} {}", text(c.first).trim(), text(c.last).trim());
        let Some(p) = self.person(&url, &name, RANK_CONNECTION, sink) else {
            return;
        };
        let email = text(c.email).trim().to_string();
        let details = PersonDetails {
            phones: Vec::new(),
            emails: if email.is_empty() { Vec::new() } else { vec![email] },
            connected_at: fields::connected_on(&text(Some(c.connected_on))),
        };
        sink.person(self.people[p].handle, details);
        self.persons += 1;
    }

    fn profile_row(&mut self, record: &Record, c: &ProfileColumns) {
        if self.profile.is_some() {
            // One profile per export: later rows (there are none in real files) are ignored.
            return;
        }
        let text = |column: Option<usize>| column.and_then(|i| record.text(i)).unwrap_or_default();
        let name = format!("{} {}", text(Some(c.first)).trim(), text(Some(c.last)).trim());
        let mut urls: Vec<String> = fields::normalise_url(&text(c.url)).into_iter().collect();
        // `Websites` looks like `[PORTFOLIO:https://…,OTHER:https://…]`: take LinkedIn URLs.
        let websites = text(c.websites);
        for piece in websites.split([',', '[', ']', ' ']) {
            if let Some(at) = piece.find("linkedin.com/in/") {
                let start = piece[..at].rfind("http").unwrap_or(at);
                urls.extend(fields::normalise_url(&piece[start..]));
            }
        }
        self.profile = Some(Profile { name_key: fields::name_key(&fields::display_name(&name)), urls });
    }

    /// Says who the user is (see the module docs).
    fn decide_owner(&self, sink: &mut dyn Sink) {
        let total = self.conversations.len() as u32;
        let participants = || self.people.iter().filter(|p| p.conversations > 0);
        let in_every = |p: &&Person| total >= 2 && p.conversations == total;
        if let Some(profile) = &self.profile {
            let by_url: Vec<&Person> = participants()
                .filter(|p| p.url.as_ref().is_some_and(|u| profile.urls.iter().any(|v| same_profile(u, v))))
                .collect();
            let by_name: Vec<&Person> =
                participants().filter(|p| !profile.name_key.is_empty() && p.name_key == profile.name_key).collect();
            let found = match (by_url.as_slice(), by_name.as_slice()) {
                ([one], _) | ([], [one]) => Some(*one),
                ([], []) => None,
                (_, many) => {
                    let every: Vec<&Person> = many.iter().copied().filter(in_every).collect();
                    match every.as_slice() {
                        [one] => Some(*one),
                        _ => None,
                    }
                }
            };
            if let Some(person) = found {
                sink.owner(person.handle, OwnerEvidence::Profile);
                return;
            }
            if total > 0 {
                sink.warn(
                    "Profile.csv names nobody in messages.csv, so kith looked for you in every conversation instead."
                        .into(),
                );
            }
        }
        let every: Vec<&Person> = participants().filter(in_every).collect();
        if let [one] = every.as_slice() {
            sink.owner(one.handle, OwnerEvidence::InEveryChat);
        }
    }
}

/// Two normalised profile URLs name the same profile: `http`/`https` and a `www.` host aside.
fn same_profile(a: &str, b: &str) -> bool {
    let strip = |u: &str| {
        let u = u.split_once("://").map_or(u, |(_, rest)| rest);
        u.strip_prefix("www.").unwrap_or(u).to_string()
    };
    strip(a) == strip(b)
}

fn not_linkedin() -> ImportError {
    ImportError::UnknownFormat { detail: "it is a CSV file without LinkedIn's message columns".into() }
}

impl Format for LinkedInFormat {
    fn begin_file(&mut self, _path: &str, _sink: &mut dyn Sink) -> Result<(), ImportError> {
        // The kind of file is read from its header, whatever its name.
        self.reader = CsvReader::new();
        self.file = FileState::default();
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        let mut reader = std::mem::take(&mut self.reader);
        let result = reader.push(chunk, &mut |record| self.record(record, sink));
        self.reader = reader;
        result
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        let mut reader = std::mem::take(&mut self.reader);
        let header_seen = self.file.kind.is_some();
        let result = reader.finish(&mut |record| self.record(record, sink), |e: CsvError| {
            if header_seen {
                ImportError::Malformed { format: FORMAT_NAME, detail: e.detail() }
            } else {
                not_linkedin()
            }
        });
        self.reader = reader;
        result?;
        if self.file.kind.is_none() && self.file.records > 0 {
            return Err(not_linkedin());
        }
        let file = std::mem::take(&mut self.file);
        if file.drafts > 0 {
            sink.skipped(Skip::Draft, file.drafts);
        }
        if file.unreadable > 0 {
            sink.skipped(Skip::Unreadable, file.unreadable);
            sink.warn(format!(
                "{} message row(s) had no readable date, conversation or sender and were skipped.",
                file.unreadable
            ));
        }
        if file.connections_without_url > 0 {
            sink.warn(format!(
                "{} connection(s) without a profile URL were skipped: nothing ties them to messages.",
                file.connections_without_url
            ));
        }
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        if !self.saw_records {
            return Err(ImportError::Empty);
        }
        if self.conversations.is_empty() && self.persons == 0 {
            return Err(ImportError::NoConversations { format: FORMAT_NAME });
        }
        self.decide_owner(sink);
        Ok(Finished::Done)
    }
}

#[cfg(test)]
mod tests;
