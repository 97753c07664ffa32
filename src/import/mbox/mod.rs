//! Mail in mbox files: Gmail's Google Takeout export (`All mail Including Spam and Trash.mbox`)
//! and any other mbox (Thunderbird, mutt, old Unix mail spools).
//!
//! **Headers only.** A message starts at a `From ` line after a blank line (or at the start of
//! the file); its header section is read and its body is skipped unseen (by the splitter in `scan.rs`): bodies
//! are never decoded nor kept, and neither are subjects, which are message text too. What is
//! read: `From`, `To`, `Cc` (addresses and display names), `Date`, `Message-ID`,
//! `Delivered-To`, `X-Gmail-Labels`, and the bulk markers `List-Unsubscribe`, `List-Id` and
//! `Precedence`.
//!
//! **Who the user is.** The addresses among the import options' owner entries; failing those,
//! every `Delivered-To` address and the sender of every mail labelled `Sent` (Gmail labels), each
//! reported once with [`Sink::owner`]. The user may have several addresses (aliases): all of them
//! are the user.
//!
//! **What a mail counts as** (ARCHITECTURE §6). Its participants are its `From`, `To` and `Cc`
//! addresses. A mail between the user and exactly one other address is a direct message in the
//! conversation named after that address, written by its sender. A mail with more people is a
//! group message of its sender, in one conversation (`group-mail`) shared by all of them —
//! except when the sender is the user: **the user's mail to several people counts for nobody**.
//! A group message belongs to its author, and the user is never a contact, so there is no one to
//! give it to; and handing it to each recipient as a "sent" message would count one mail many
//! times and make a newsletter-style mail to fifty people look like fifty conversations. A mail
//! that does not involve the user at all (a mailing-list copy without list headers, a Bcc) is a
//! group message of its sender.
//!
//! **Skipped:** mail labelled `Spam` or `Trash`; bulk mail (`List-Unsubscribe`, `List-Id`,
//! `Precedence: bulk|list|junk`, or a sender whose local part is in [`BULK_SENDERS`]); a repeated
//! `Message-ID` (counted once); mail without a sender address or without any readable date (the
//! `Date` header, else the `From ` line's date), with a warning that says how many.
//!
//! **When the user is not known yet.** Without options, the user's address may only show up
//! later in the file (the first `Delivered-To`, or the first `Sent` mail). Until then each mail
//! is kept as a compact record — sender, participants, time and id hash, never text — and
//! counted once the user is known, or at the end. If the user is never known, the records count
//! as group messages of their senders and a warning asks to set the address in the options.
//! These records grow with the number of mails read before the user is known, so they are
//! bounded ([`MAX_UNDECIDED`] records); past that, later undecided mails are not kept, and
//! [`Format::finish`] asks for a second pass ([`Finished::AnotherPass`]) in which exactly those
//! mails are counted with what the first pass learned. Most Takeout files name the user in the
//! first received mail, so the second pass is rare; holding every record instead would make
//! memory grow with the file, and always reading twice would halve the speed for everyone.
//!
//! **Memory** is bounded by the number of distinct addresses (handles) and of distinct
//! `Message-ID`s (one 8-byte hash each, to count a repeated mail once), never by text: one
//! header line is held at a time, at most 64 KiB, and one header value at most
//! [`VALUE_CAP`] bytes.

mod address;
mod date;
mod scan;

use std::collections::{HashMap, HashSet};

use crate::error::ImportError;
use crate::identity::fnv1a;
use crate::import::event::{
    ChatId, ChatInfo, ChatShape, Event, Finished, Format, FormatContext, HandleId, HandleKind, MessageId,
    OwnerEvidence, Sink, Skip,
};
use crate::model::Kind;
use crate::time::LocalZone;
use address::Mailbox;
use scan::{Lines, Scanner};

/// The id of the one conversation that holds every group mail of an import.
pub const GROUP_CHAT_ID: &str = "group-mail";

/// Sender local parts (before any `+tag`) that mark automated mail. A local part that starts
/// with one of the first four (`noreply-billing`) counts too.
pub const BULK_SENDERS: [&str; 12] = [
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "no_reply",
    "do_not_reply",
    "mailer-daemon",
    "postmaster",
    "notification",
    "notifications",
    "bounce",
    "bounces",
];

/// At most this many mails are held undecided while the user's address is unknown (about 32
/// bytes each, plus 4 bytes per participant); beyond, a second pass counts the rest.
pub const MAX_UNDECIDED: usize = 1_000_000;

/// Participant entries of undecided mails, all together (4 bytes each).
const MAX_UNDECIDED_PARTICIPANTS: usize = 8_000_000;

/// At most this many bytes of one (unfolded) header value are read; a longer address list
/// loses its tail, never its shape.
pub const VALUE_CAP: usize = 64 * 1024;

/// Whether a file's first bytes (up to 64 KiB) are an mbox: a `From <sender> <date>` line whose
/// date reads strictly (so a letter that starts with "From Grandma" does not match), followed by
/// RFC 822 header lines among which is `From:`, `Date:`, `Message-ID:` or `X-GM-THRID:`. The
/// file name plays no part (see [`looks_like_mbox_name`]).
pub fn looks_like(_file_name: &str, head: &[u8]) -> bool {
    let Some(first_end) = memchr::memchr(b'\n', head) else {
        return false;
    };
    let first = head[..first_end].strip_suffix(b"\r").unwrap_or(&head[..first_end]);
    let Some(rest) = first.strip_prefix(b"From ") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    let Some(sender_end) = rest.iter().position(u8::is_ascii_whitespace) else {
        return false;
    };
    if date::parse_date(&rest[sender_end..], &crate::time::FixedZone(0), true).is_none() {
        return false;
    }
    let mut found = false;
    for line in head[first_end + 1..].split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            continue;
        }
        match header_name(line) {
            Some((name, _)) => {
                found |=
                    [&b"from"[..], b"date", b"message-id", b"x-gm-thrid"].iter().any(|n| name.eq_ignore_ascii_case(n));
            }
            None => break,
        }
    }
    found
}

/// Whether a file name is an mbox's (`.mbox`, `.mbx`). Only a tie-breaker for detection: the
/// content decides.
pub fn looks_like_mbox_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    lower.ends_with(".mbox") || lower.ends_with(".mbx")
}

/// A header line's name (the bytes before `:`, trailing whitespace allowed as in RFC 5322's
/// obsolete syntax) and where its value starts; `None` when the line is not a header.
fn header_name(line: &[u8]) -> Option<(&[u8], usize)> {
    let colon = memchr::memchr(b':', line)?;
    let name = line[..colon].trim_ascii_end();
    (!name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))).then_some((name, colon + 1))
}

/// The reader of mbox files. See the module documentation.
pub struct MboxFormat {
    zone: Box<dyn LocalZone>,
    scanner: Scanner,
    reader: Reader,
    book: Book,
}

impl MboxFormat {
    /// A reader for one import. Owner entries that hold an email address make that address the
    /// user's; other entries (names, phones) are for other sources and are ignored here.
    pub fn new(ctx: FormatContext) -> Self {
        let mut book = Book::new(ctx.file_name);
        for entry in &ctx.owner {
            let mut boxes = Vec::new();
            address::parse_list(entry.as_bytes(), &mut boxes);
            for mailbox in boxes {
                let i = book.intern_quiet(&mailbox.addr);
                if !book.addrs[i as usize].owner {
                    book.addrs[i as usize].owner = true;
                    book.owners.push(i);
                }
                book.option_owner = true;
            }
        }
        MboxFormat { zone: ctx.zone, scanner: Scanner::new(), reader: Reader::default(), book }
    }
}

impl std::fmt::Debug for MboxFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MboxFormat").field("scanner", &self.scanner).finish_non_exhaustive()
    }
}

impl Format for MboxFormat {
    fn begin_file(&mut self, _path: &str, _sink: &mut dyn Sink) -> Result<(), ImportError> {
        self.scanner.reset();
        self.reader = Reader::default();
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        if self.book.ignore_rest {
            return Ok(());
        }
        if !self.book.saw_content {
            self.book.saw_content = chunk.iter().any(|b| !b.is_ascii_whitespace());
        }
        let mut lines = Handler { reader: &mut self.reader, book: &mut self.book, zone: &*self.zone, sink };
        self.scanner.push(chunk, &mut lines);
        Ok(())
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        if self.book.ignore_rest {
            self.scanner.reset();
            return Ok(());
        }
        let mut lines = Handler { reader: &mut self.reader, book: &mut self.book, zone: &*self.zone, sink };
        self.scanner.end(&mut lines);
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        self.book.finish(sink)
    }
}

/// Connects the splitter to the header reader and the bookkeeping for one chunk.
struct Handler<'a> {
    reader: &'a mut Reader,
    book: &'a mut Book,
    zone: &'a dyn LocalZone,
    sink: &'a mut dyn Sink,
}

impl Lines for Handler<'_> {
    fn start_line(&mut self, line: &[u8]) {
        self.reader.start_line(line, self.zone);
    }

    fn header_line(&mut self, line: &[u8]) -> bool {
        self.reader.header_line(line, self.zone)
    }

    fn end_of_headers(&mut self) {
        let mail = self.reader.take_mail(self.zone);
        self.book.mail(&mail, self.sink);
    }
}

/// The headers that matter, as read from one mail.
#[derive(Debug, Default)]
struct Mail {
    from_line_at: Option<i64>,
    date: Option<i64>,
    date_seen: bool,
    from: Vec<Mailbox>,
    from_seen: bool,
    recipients: Vec<Mailbox>,
    id: Option<u64>,
    id_seen: bool,
    delivered_to: Vec<Mailbox>,
    spam: bool,
    trash: bool,
    sent: bool,
    bulk: bool,
}

impl Mail {
    /// A header section that is a mail's, not a `From ` line that an mbox writer forgot to
    /// quote in a body.
    fn is_mail(&self) -> bool {
        self.from_seen || self.date_seen || self.id_seen
    }
}

/// Headers read so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    From,
    To,
    Date,
    MessageId,
    DeliveredTo,
    Labels,
    Precedence,
}

/// Reads the header section of the current mail.
#[derive(Default)]
struct Reader {
    mail: Mail,
    /// The header whose value is being gathered (it may continue on folded lines).
    field: Option<Field>,
    value: Vec<u8>,
    truncated: bool,
}

impl Reader {
    fn start_line(&mut self, line: &[u8], zone: &dyn LocalZone) {
        self.mail = Mail::default();
        self.field = None;
        let rest = line.strip_prefix(b"From ").unwrap_or(line).trim_ascii_start();
        // The sender (or Gmail's id) comes first; the date follows.
        let date_part = match rest.iter().position(u8::is_ascii_whitespace) {
            Some(i) => &rest[i..],
            None => &[],
        };
        self.mail.from_line_at = date::parse_date(date_part, zone, false);
    }

    fn header_line(&mut self, line: &[u8], zone: &dyn LocalZone) -> bool {
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if self.field.is_some() {
                self.append(line);
            }
            return true;
        }
        self.finish_field(zone);
        let Some((name, value_start)) = header_name(line) else {
            return false;
        };
        let mut lower = [0u8; 20];
        let Some(lower) = lower.get_mut(..name.len()) else {
            return true;
        };
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.field = match &*lower {
            b"from" => Some(Field::From),
            b"to" | b"cc" => Some(Field::To),
            b"date" => Some(Field::Date),
            b"message-id" => Some(Field::MessageId),
            b"delivered-to" => Some(Field::DeliveredTo),
            b"x-gmail-labels" => Some(Field::Labels),
            b"precedence" => Some(Field::Precedence),
            b"list-unsubscribe" | b"list-id" => {
                self.mail.bulk = true;
                None
            }
            _ => None,
        };
        if self.field.is_some() {
            self.value.clear();
            self.truncated = false;
            self.append(&line[value_start..]);
        }
        true
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = VALUE_CAP.saturating_sub(self.value.len());
        if bytes.len() > room {
            self.truncated = true;
        }
        self.value.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The current header is complete: read it into the mail.
    fn finish_field(&mut self, zone: &dyn LocalZone) {
        let Some(field) = self.field.take() else {
            return;
        };
        let mut value = &self.value[..];
        if self.truncated {
            // The last item of a cut list may be a cut address: drop it.
            value = &value[..value.iter().rposition(|&b| b == b',').unwrap_or(0)];
        }
        let mail = &mut self.mail;
        match field {
            Field::From if !mail.from_seen => {
                mail.from_seen = true;
                address::parse_list(value, &mut mail.from);
            }
            Field::From => {}
            Field::To => address::parse_list(value, &mut mail.recipients),
            Field::Date if !mail.date_seen => {
                mail.date_seen = true;
                mail.date = date::parse_date(value, zone, false);
            }
            Field::Date => {}
            Field::MessageId if !mail.id_seen => {
                mail.id_seen = true;
                mail.id = message_id(value);
            }
            Field::MessageId => {}
            Field::DeliveredTo => address::parse_list(value, &mut mail.delivered_to),
            Field::Labels => address::labels(value, |label| {
                mail.spam |= label.eq_ignore_ascii_case(b"spam");
                mail.trash |= label.eq_ignore_ascii_case(b"trash");
                mail.sent |= label.eq_ignore_ascii_case(b"sent");
            }),
            Field::Precedence => {
                let word = value.split(|&b| b == b'(').next().unwrap_or(value).trim_ascii();
                mail.bulk |= [&b"bulk"[..], b"list", b"junk"].iter().any(|w| word.eq_ignore_ascii_case(w));
            }
        }
    }

    fn take_mail(&mut self, zone: &dyn LocalZone) -> Mail {
        self.finish_field(zone);
        std::mem::take(&mut self.mail)
    }
}

/// `Message-ID` as a hash of the id between its angle brackets, lowercased.
fn message_id(value: &[u8]) -> Option<u64> {
    let value = value.trim_ascii();
    let inner = match (memchr::memchr(b'<', value), memchr::memrchr(b'>', value)) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value,
    };
    let inner = inner.trim_ascii();
    (!inner.is_empty()).then(|| fnv1a(&inner.to_ascii_lowercase()))
}

/// Whether a sender address is an automated one (see [`BULK_SENDERS`]).
fn is_bulk_sender(addr: &str) -> bool {
    let local = addr.rsplit_once('@').map_or(addr, |(l, _)| l);
    let local = local.split('+').next().unwrap_or(local);
    BULK_SENDERS.contains(&local) || BULK_SENDERS[..4].iter().any(|p| local.starts_with(p))
}

/// An address met in this import.
struct Addr {
    addr: String,
    /// Its display name; empty while none was seen.
    name: String,
    handle: Option<HandleId>,
    chat: Option<ChatId>,
    owner: bool,
}

/// A mail read before the user was known: metadata only.
#[derive(Clone, Copy)]
struct Undecided {
    at: i64,
    id: Option<u64>,
    sender: u32,
    /// Its participants are `undecided_parts[start..start + len]`.
    start: u32,
    len: u32,
}

/// Per-reason counts of the first pass.
#[derive(Default)]
struct Counts {
    spam: u32,
    trash: u32,
    bulk: u32,
    duplicate: u32,
    no_sender: u32,
    no_date: u32,
}

/// Everything the reader remembers across mails: addresses, conversations, the user, the ids
/// seen, and the undecided mails.
struct Book {
    file_name: String,
    addrs: Vec<Addr>,
    index: HashMap<String, u32>,
    /// The user's addresses (indexes into `addrs`).
    owners: Vec<u32>,
    /// Whether the options named the user (then nothing is inferred).
    option_owner: bool,
    group_chat: Option<ChatId>,
    seen_ids: HashSet<u64>,
    undecided: Vec<Undecided>,
    undecided_parts: Vec<u32>,
    /// [`MAX_UNDECIDED`], smaller in tests.
    undecided_cap: usize,
    /// Ordinals (mail boundaries counted from the first file's start) of the undecided mails
    /// that did not fit: counted in the second pass. The end is open while the user is unknown.
    redo: Option<(u64, u64)>,
    /// 1, or 2 during the second pass.
    pass: u8,
    ordinal: u64,
    /// In the second pass, once past the mails to count.
    ignore_rest: bool,
    mails: u64,
    saw_content: bool,
    counts: Counts,
}

impl Book {
    fn new(file_name: String) -> Self {
        Book {
            file_name,
            addrs: Vec::new(),
            index: HashMap::new(),
            owners: Vec::new(),
            option_owner: false,
            group_chat: None,
            seen_ids: HashSet::new(),
            undecided: Vec::new(),
            undecided_parts: Vec::new(),
            undecided_cap: MAX_UNDECIDED,
            redo: None,
            pass: 1,
            ordinal: 0,
            ignore_rest: false,
            mails: 0,
            saw_content: false,
            counts: Counts::default(),
        }
    }

    /// The index of an address, added if new.
    fn intern_quiet(&mut self, addr: &str) -> u32 {
        if let Some(&i) = self.index.get(addr) {
            return i;
        }
        let i = self.addrs.len() as u32;
        self.addrs.push(Addr { addr: addr.to_string(), name: String::new(), handle: None, chat: None, owner: false });
        self.index.insert(addr.to_string(), i);
        i
    }

    /// The index of a mailbox's address; a first display name is kept, and passed on to the
    /// sink if the handle or its conversation was already declared.
    fn intern(&mut self, mailbox: &Mailbox, sink: &mut dyn Sink) -> u32 {
        let i = self.intern_quiet(&mailbox.addr);
        let entry = &mut self.addrs[i as usize];
        if entry.name.is_empty() && !mailbox.name.is_empty() {
            entry.name = mailbox.name.clone();
            if entry.handle.is_some() {
                sink.handle(HandleKind::Email, &entry.addr, &entry.name);
            }
            if entry.chat.is_some() {
                self.declare_direct(i, sink);
            }
        }
        i
    }

    fn handle(&mut self, i: u32, sink: &mut dyn Sink) -> HandleId {
        let entry = &mut self.addrs[i as usize];
        if let Some(h) = entry.handle {
            return h;
        }
        let name = if entry.name.is_empty() { &entry.addr } else { &entry.name };
        let h = sink.handle(HandleKind::Email, &entry.addr, name);
        entry.handle = Some(h);
        h
    }

    fn declare_direct(&mut self, i: u32, sink: &mut dyn Sink) -> ChatId {
        let peer = self.handle(i, sink);
        let entry = &mut self.addrs[i as usize];
        let title = if entry.name.is_empty() { entry.addr.clone() } else { entry.name.clone() };
        let chat = sink.chat(ChatInfo {
            id: entry.addr.clone(),
            title: Some(title),
            shape: ChatShape::Direct { peer: Some(peer) },
            participants: vec![peer],
        });
        entry.chat = Some(chat);
        chat
    }

    fn add_owner(&mut self, mailbox: &Mailbox, evidence: OwnerEvidence, sink: &mut dyn Sink) {
        let i = self.intern(mailbox, sink);
        if self.addrs[i as usize].owner {
            return;
        }
        self.addrs[i as usize].owner = true;
        self.owners.push(i);
        let handle = self.handle(i, sink);
        sink.owner(handle, evidence);
        if self.owners.len() == 1 {
            // The user is known from here on: what waited can be counted, in file order.
            if let Some((_, end)) = &mut self.redo {
                // `mail` numbered the current mail already; it is counted at once.
                *end = self.ordinal.saturating_sub(1);
            }
            let undecided = std::mem::take(&mut self.undecided);
            let parts = std::mem::take(&mut self.undecided_parts);
            for u in &undecided {
                let range = u.start as usize..(u.start + u.len) as usize;
                self.count(u.sender, &parts[range], u.at, u.id, sink);
            }
        }
    }

    /// One mail's header section ended.
    fn mail(&mut self, mail: &Mail, sink: &mut dyn Sink) {
        if !mail.is_mail() {
            return;
        }
        let ordinal = self.ordinal;
        self.ordinal += 1;
        let first = self.pass == 1;
        let redo = self.redo.is_some_and(|(start, end)| (start..end).contains(&ordinal));
        if first {
            self.mails += 1;
        } else if self.redo.is_none_or(|(_, end)| ordinal >= end) {
            self.ignore_rest = true;
            return;
        }
        if first && !self.option_owner {
            for d in &mail.delivered_to {
                self.add_owner(d, OwnerEvidence::DeliveredTo, sink);
            }
            if let (true, Some(sender)) = (mail.sent, mail.from.first()) {
                self.add_owner(sender, OwnerEvidence::SentMail, sink);
            }
        }
        // The first pass counts skips; the second only repeats its decisions.
        let tally = |n: &mut u32| {
            if first {
                *n += 1;
            }
        };
        let sender = mail.from.first();
        if mail.spam {
            return tally(&mut self.counts.spam);
        }
        if mail.trash {
            return tally(&mut self.counts.trash);
        }
        if mail.bulk || sender.is_some_and(|s| is_bulk_sender(&s.addr)) {
            return tally(&mut self.counts.bulk);
        }
        if let Some(id) = mail.id {
            if !self.seen_ids.insert(id) {
                return tally(&mut self.counts.duplicate);
            }
        }
        let Some(sender) = sender else {
            return tally(&mut self.counts.no_sender);
        };
        let Some(at) = mail.date.or(mail.from_line_at) else {
            return tally(&mut self.counts.no_date);
        };
        if !(first || redo) {
            return;
        }
        let sender = self.intern(sender, sink);
        let mut parts = vec![sender];
        for mailbox in mail.from.iter().skip(1).chain(&mail.recipients) {
            let i = self.intern(mailbox, sink);
            if !parts.contains(&i) {
                parts.push(i);
            }
        }
        if !self.owners.is_empty() || !first {
            return self.count(sender, &parts, at, mail.id, sink);
        }
        let fits = self.undecided.len() < self.undecided_cap
            && self.undecided_parts.len() + parts.len() <= MAX_UNDECIDED_PARTICIPANTS
            && self.redo.is_none();
        if fits {
            let start = self.undecided_parts.len() as u32;
            self.undecided_parts.extend_from_slice(&parts);
            self.undecided.push(Undecided { at, id: mail.id, sender, start, len: parts.len() as u32 });
        } else if self.redo.is_none() {
            self.redo = Some((ordinal, u64::MAX));
        }
    }

    /// Counts one readable mail (see the module documentation). Without a known user, every
    /// mail is a group message of its sender.
    fn count(&mut self, sender: u32, parts: &[u32], at: i64, id: Option<u64>, sink: &mut dyn Sink) {
        let id = id.map(MessageId::Unordered);
        let mut others = parts.iter().copied().filter(|&p| !self.addrs[p as usize].owner);
        let (other, more) = (others.next(), others.next().is_some());
        let known = !self.owners.is_empty();
        let involves_user = parts.iter().any(|&p| self.addrs[p as usize].owner);
        let direct_with = match (known, self.addrs[sender as usize].owner, other, more) {
            // The user wrote to one person.
            (true, true, Some(other), false) => Some(other),
            // The user's mail to several people (or only to themselves) is nobody's message.
            (true, true, _, _) => return,
            // One person wrote to the user alone.
            (true, false, Some(other), false) if involves_user => Some(other),
            _ => None,
        };
        let author = Some(self.handle(sender, sink));
        let chat = match direct_with {
            Some(other) => match self.addrs[other as usize].chat {
                Some(chat) => chat,
                None => self.declare_direct(other, sink),
            },
            None => match self.group_chat {
                Some(chat) => chat,
                None => {
                    let chat = sink.chat(ChatInfo {
                        id: GROUP_CHAT_ID.to_string(),
                        title: None,
                        shape: ChatShape::Group,
                        participants: Vec::new(),
                    });
                    self.group_chat = Some(chat);
                    chat
                }
            },
        };
        sink.event(Event { chat, author, at, kind: Kind::Message, id });
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        if self.pass == 2 {
            return Ok(Finished::Done);
        }
        if self.mails == 0 {
            return Err(if self.saw_content {
                ImportError::UnknownFormat { detail: "it has no mail headers after its \"From \" lines".to_string() }
            } else {
                ImportError::Empty
            });
        }
        let c = &self.counts;
        for (skip, n) in [
            (Skip::Spam, c.spam),
            (Skip::Trash, c.trash),
            (Skip::BulkMail, c.bulk),
            (Skip::DuplicateId, c.duplicate),
            (Skip::Unreadable, c.no_sender + c.no_date),
        ] {
            if n > 0 {
                sink.skipped(skip, n);
            }
        }
        let file = &self.file_name;
        if c.no_date > 0 {
            sink.warn(format!(
                "{} mail(s) in {file} had no readable date (neither a Date header nor one on the \"From \" line) and were not counted.",
                c.no_date
            ));
        }
        if c.no_sender > 0 {
            sink.warn(format!("{} mail(s) in {file} had no sender address and were not counted.", c.no_sender));
        }
        if self.owners.is_empty() {
            sink.warn(format!(
                "kith could not tell which address is yours in {file} (no Delivered-To header and no mail labelled Sent), so every mail counted as a group message of its sender. Set your email address in the options and import the file again."
            ));
            let undecided = std::mem::take(&mut self.undecided);
            let parts = std::mem::take(&mut self.undecided_parts);
            for u in &undecided {
                let range = u.start as usize..(u.start + u.len) as usize;
                self.count(u.sender, &parts[range], u.at, u.id, sink);
            }
        }
        if self.redo.is_some() {
            self.pass = 2;
            self.ordinal = 0;
            self.seen_ids.clear();
            return Ok(Finished::AnotherPass);
        }
        Ok(Finished::Done)
    }
}

#[cfg(test)]
mod tests;
