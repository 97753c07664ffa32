//! Telegram Desktop's JSON export (`result.json`): the full export (`personal_information`,
//! `contacts`, `chats.list`, `left_chats.list`) and the single-chat export
//! (`{name, type, id, messages}`).
//!
//! The file is read as a stream of JSON tokens ([`crate::import::json_stream`]). Only the keys
//! this module needs are materialised (names, ids, types, dates, actions, each capped by the
//! tokenizer); every other value — `text`, `text_entities`, file names, poll questions — is
//! skipped by the tokenizer without being copied (privacy P1). Memory grows with handles and
//! chats, not with messages: a message becomes one [`Event`] as soon as its object closes.
//!
//! Telegram Desktop writes a chat's keys in the order `name`, `type`, `id`, `messages`, so the
//! chat is declared (or skipped) before its first message. Should `type` or `id` come after
//! `messages`, the chat's events are held in compact metadata-only form until the chat object
//! closes.

mod detect;

pub use detect::{looks_like, wants_entry};

use chrono::NaiveDate;

use crate::error::ImportError;
use crate::import::event::{
    ChatId, ChatInfo, ChatShape, Event, Finished, Format, FormatContext, HandleId, HandleKind, MessageId,
    OwnerEvidence, PersonDetails, Sink, Skip,
};
use crate::import::json_stream::{Flow, SyntaxError, SyntaxErrorKind, Token, Tokenizer, DEFAULT_MAX_STRING};
use crate::model::Kind;
use crate::time::ZoneCache;

/// The format's name in errors, as people know it.
const FORMAT: &str = "Telegram export";

/// Reads Telegram Desktop JSON exports (see the module documentation).
pub struct TelegramFormat {
    tok: Tokenizer,
    reader: Reader,
}

impl TelegramFormat {
    /// A reader for one import (one or more `result.json` files).
    pub fn new(ctx: FormatContext) -> Self {
        TelegramFormat { tok: Tokenizer::new(DEFAULT_MAX_STRING), reader: Reader::new(ZoneCache::new(ctx.zone)) }
    }
}

impl Format for TelegramFormat {
    fn begin_file(&mut self, _path: &str, _sink: &mut dyn Sink) -> Result<(), ImportError> {
        self.tok = Tokenizer::new(DEFAULT_MAX_STRING);
        self.reader.begin_file();
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        let reader = &mut self.reader;
        self.tok.push(chunk, &mut |t| reader.token(t, sink)).map_err(syntax_error)?;
        reader.check()
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        let reader = &mut self.reader;
        self.tok.finish(&mut |t| reader.token(t, sink)).map_err(syntax_error)?;
        reader.check()
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        let r = &mut self.reader;
        r.report_contacts_without_id(sink);
        if r.unreadable_messages > 0 {
            sink.skipped(Skip::Unreadable, r.unreadable_messages);
            sink.warn(format!(
                "{} Telegram message(s) had no readable time or author and were not counted.",
                r.unreadable_messages
            ));
        }
        if r.unreadable_chats > 0 {
            sink.skipped(Skip::Unreadable, r.unreadable_chats);
            sink.warn(format!(
                "{} Telegram chat(s) of an unknown type or without an id were skipped.",
                r.unreadable_chats
            ));
        }
        if r.chats_seen == 0 && r.contacts == 0 {
            // An export of the contacts list alone still says who the user knows; one with
            // neither chats nor contacts holds nothing.
            return Err(ImportError::NoConversations { format: FORMAT });
        }
        Ok(Finished::Done)
    }
}

/// A tokenizer error as the import error people see: structural, with the byte offset.
fn syntax_error(e: SyntaxError) -> ImportError {
    match e.kind {
        SyntaxErrorKind::Empty => ImportError::Empty,
        _ => ImportError::Malformed { format: FORMAT, detail: e.to_string() },
    }
}

/// Where in the document the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// The top-level object: a full export, or a single chat.
    Root,
    PersonalInfo,
    /// `contacts` (holds `list`).
    ContactsWrap,
    ContactList,
    Contact,
    /// `chats` or `left_chats` (holds `list`).
    ChatsWrap,
    ChatList,
    Chat,
    /// A `messages` array; `true` when it belongs to the top-level (single-chat) object.
    Messages(bool),
    Message,
}

/// The key whose value comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ChatName,
    ChatType,
    ChatId,
    ChatMessages,
    PersonalInfo,
    Contacts,
    Chats,
    List,
    UserId,
    FirstName,
    LastName,
    Phone,
    MsgId,
    MsgType,
    Date,
    DateUnix,
    From,
    FromId,
    Actor,
    ActorId,
    Action,
}

/// The key's meaning in this frame; `None` for every key whose value is skipped unread.
fn field_of(frame: Frame, key: &str) -> Option<Field> {
    let field = match (frame, key) {
        (Frame::Root | Frame::Chat, "name") => Field::ChatName,
        (Frame::Root | Frame::Chat, "type") => Field::ChatType,
        (Frame::Root | Frame::Chat, "id") => Field::ChatId,
        (Frame::Root | Frame::Chat, "messages") => Field::ChatMessages,
        (Frame::Root, "personal_information") => Field::PersonalInfo,
        (Frame::Root, "contacts") => Field::Contacts,
        (Frame::Root, "chats" | "left_chats") => Field::Chats,
        (Frame::ContactsWrap | Frame::ChatsWrap, "list") => Field::List,
        (Frame::PersonalInfo | Frame::Contact, "user_id") => Field::UserId,
        (Frame::PersonalInfo | Frame::Contact, "first_name") => Field::FirstName,
        (Frame::PersonalInfo | Frame::Contact, "last_name") => Field::LastName,
        (Frame::Contact, "phone_number") => Field::Phone,
        (Frame::Message, "id") => Field::MsgId,
        (Frame::Message, "type") => Field::MsgType,
        (Frame::Message, "date") => Field::Date,
        (Frame::Message, "date_unixtime") => Field::DateUnix,
        (Frame::Message, "from") => Field::From,
        (Frame::Message, "from_id") => Field::FromId,
        (Frame::Message, "actor") => Field::Actor,
        (Frame::Message, "actor_id") => Field::ActorId,
        (Frame::Message, "action") => Field::Action,
        _ => return None,
    };
    Some(field)
}

/// A chat's `type`, as far as counting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChatType {
    Personal,
    Group,
    Skipped(Skip),
    Unknown,
}

impl ChatType {
    fn parse(s: &str) -> ChatType {
        match s {
            "personal_chat" => ChatType::Personal,
            "private_group" | "private_supergroup" | "public_supergroup" => ChatType::Group,
            "private_channel" | "public_channel" => ChatType::Skipped(Skip::Channel),
            "bot_chat" => ChatType::Skipped(Skip::Bot),
            "saved_messages" => ChatType::Skipped(Skip::SavedMessages),
            "replies" => ChatType::Skipped(Skip::RepliesChat),
            _ => ChatType::Unknown,
        }
    }
}

/// What became of a chat once its type and id were known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    /// Declared: its events go to `chat`; `peer` is the other person of a personal chat.
    Counted { chat: ChatId, peer: Option<HandleId> },
    /// Not read.
    Skipped,
}

/// An event whose chat is not declared yet: metadata only.
#[derive(Debug, Clone)]
struct Pending {
    id: Option<i64>,
    at: i64,
    kind: Kind,
    /// `(handle id, display name)`.
    author: Option<(String, String)>,
}

#[derive(Debug, Default)]
struct ChatState {
    /// The object is a chat: it has a `type` or `messages` (tells a single-chat export's
    /// top-level object from a full export's).
    present: bool,
    name: Option<String>,
    ty: Option<ChatType>,
    id: Option<i64>,
    resolved: Option<Resolved>,
    /// The title the chat was declared with, to declare it again if `name` came later.
    declared_name: Option<String>,
    pending: Vec<Pending>,
}

#[derive(Debug, Default)]
struct PersonState {
    user_id: Option<i64>,
    first: String,
    last: String,
    phone: String,
}

impl PersonState {
    fn name(&self) -> String {
        crate::identity::clean_name(&format!("{} {}", self.first, self.last))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum MsgType {
    #[default]
    Missing,
    Message,
    Service,
    Other,
}

#[derive(Debug, Default)]
struct MessageState {
    id: Option<i64>,
    ty: MsgType,
    /// Local wall-clock date and second of day from `date`.
    local: Option<(NaiveDate, u32)>,
    unix: Option<i64>,
    from: String,
    from_id: Option<String>,
    actor: String,
    actor_id: Option<String>,
    is_call: bool,
}

/// Everything the reader knows between tokens.
struct Reader {
    zone: ZoneCache,
    frames: Vec<Frame>,
    field: Option<Field>,
    /// The top-level object read as a chat (single-chat export).
    root_chat: ChatState,
    /// The chat of `chats.list` / `left_chats.list` being read.
    chat: ChatState,
    /// Whether the message being read belongs to `root_chat`.
    msg_in_root: bool,
    msg: MessageState,
    person: PersonState,
    /// The user is known (from `personal_information` or a single personal chat).
    owner_known: bool,
    /// Chats found in every file so far, counted or skipped.
    chats_seen: u32,
    /// `contacts.list` entries reported as people.
    contacts: u32,
    /// `(name, phone)` of contacts without a `user_id`, held until the chats are read: one
    /// named exactly as a personal chat's peer (and as no other) is that user.
    contacts_without_id: Vec<(String, String)>,
    /// `(name, user id)` of the peers of personal chats.
    personal_peers: Vec<(String, i64)>,
    unreadable_messages: u32,
    unreadable_chats: u32,
    /// The current file's top level is not an object.
    not_an_object: bool,
}

impl Reader {
    fn new(zone: ZoneCache) -> Self {
        Reader {
            zone,
            frames: Vec::new(),
            field: None,
            root_chat: ChatState::default(),
            chat: ChatState::default(),
            msg_in_root: false,
            msg: MessageState::default(),
            person: PersonState::default(),
            owner_known: false,
            chats_seen: 0,
            contacts: 0,
            contacts_without_id: Vec::new(),
            personal_peers: Vec::new(),
            unreadable_messages: 0,
            unreadable_chats: 0,
            not_an_object: false,
        }
    }

    fn begin_file(&mut self) {
        self.frames.clear();
        self.field = None;
        self.root_chat = ChatState::default();
        self.chat = ChatState::default();
        self.msg = MessageState::default();
        self.person = PersonState::default();
        self.not_an_object = false;
    }

    /// Errors found while tokens were handled (the tokenizer's callback cannot fail).
    fn check(&self) -> Result<(), ImportError> {
        if self.not_an_object {
            return Err(ImportError::Malformed {
                format: FORMAT,
                detail: "the top level is not a JSON object".to_string(),
            });
        }
        Ok(())
    }

    fn chat_mut(&mut self, root: bool) -> &mut ChatState {
        if root {
            &mut self.root_chat
        } else {
            &mut self.chat
        }
    }

    fn token(&mut self, t: Token<'_>, sink: &mut dyn Sink) -> Flow {
        let Some(&top) = self.frames.last() else {
            // The top level: only an object is a Telegram export.
            if t == Token::BeginObject {
                self.frames.push(Frame::Root);
                return Flow::Continue;
            }
            self.not_an_object = true;
            return Flow::Skip;
        };
        match t {
            Token::Key(k) => {
                self.field = field_of(top, k);
                let flow = match self.field {
                    None => Flow::Skip,
                    Some(Field::ChatMessages) => self.begin_messages(top == Frame::Root, sink),
                    Some(_) => Flow::Continue,
                };
                if flow == Flow::Skip {
                    // No token of the skipped value will come to take the field.
                    self.field = None;
                }
                flow
            }
            Token::BeginObject => self.begin_object(top),
            Token::BeginArray => self.begin_array(top),
            Token::EndObject | Token::EndArray => {
                self.frames.pop();
                if t == Token::EndObject {
                    self.end_object(top, sink);
                }
                Flow::Continue
            }
            Token::Str(s) => {
                self.scalar(top, Scalar::Str(s));
                Flow::Continue
            }
            Token::Number(n) => {
                self.scalar(top, Scalar::Number(n));
                Flow::Continue
            }
            Token::Null => {
                self.scalar(top, Scalar::Null);
                Flow::Continue
            }
            Token::Bool(_) => {
                self.field = None;
                Flow::Continue
            }
        }
    }

    fn begin_object(&mut self, top: Frame) -> Flow {
        let frame = match (self.field.take(), top) {
            (Some(Field::PersonalInfo), _) => Frame::PersonalInfo,
            (Some(Field::Contacts), _) => Frame::ContactsWrap,
            (Some(Field::Chats), _) => Frame::ChatsWrap,
            (None, Frame::ContactList) => Frame::Contact,
            (None, Frame::ChatList) => Frame::Chat,
            (None, Frame::Messages(root)) => {
                self.msg_in_root = root;
                Frame::Message
            }
            _ => return Flow::Skip,
        };
        match frame {
            Frame::PersonalInfo | Frame::Contact => self.person = PersonState::default(),
            Frame::Chat => self.chat = ChatState::default(),
            Frame::Message => self.msg = MessageState::default(),
            _ => {}
        }
        self.frames.push(frame);
        Flow::Continue
    }

    fn begin_array(&mut self, top: Frame) -> Flow {
        let frame = match (self.field.take(), top) {
            (Some(Field::List), Frame::ContactsWrap) => Frame::ContactList,
            (Some(Field::List), Frame::ChatsWrap) => Frame::ChatList,
            (Some(Field::ChatMessages), Frame::Root) => Frame::Messages(true),
            (Some(Field::ChatMessages), Frame::Chat) => Frame::Messages(false),
            _ => return Flow::Skip,
        };
        self.frames.push(frame);
        Flow::Continue
    }

    fn end_object(&mut self, frame: Frame, sink: &mut dyn Sink) {
        match frame {
            Frame::Root if self.root_chat.present => self.end_chat(true, sink),
            Frame::Chat => self.end_chat(false, sink),
            Frame::Message => self.end_message(sink),
            Frame::PersonalInfo => {
                if let Some(id) = self.person.user_id {
                    let owner = sink.handle(HandleKind::Telegram, &format!("user{id}"), &self.person.name());
                    sink.owner(owner, OwnerEvidence::Profile);
                    self.owner_known = true;
                }
            }
            Frame::Contact => self.end_contact(sink),
            _ => {}
        }
    }

    /// An entry of `contacts.list` ends: a person from the user's address book, not a chat.
    /// With a `user_id` the entry is the handle that user's messages have (`user123`), so the
    /// phone number joins the Telegram account; without one (older exports, contacts not on
    /// Telegram) it is a handle of its own, `contact <phone digits>`, that the engine can still
    /// tie to other sources by the phone. An entry with neither names nobody.
    fn end_contact(&mut self, sink: &mut dyn Sink) {
        let phone = std::mem::take(&mut self.person.phone).trim().to_string();
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let name = self.person.name();
        let id = match (self.person.user_id, digits.is_empty()) {
            (Some(id), _) => format!("user{id}"),
            (None, false) if !name.is_empty() => {
                self.contacts_without_id.push((name, phone));
                self.contacts += 1;
                return;
            }
            (None, false) => format!("contact {digits}"),
            (None, true) => return,
        };
        let shown = if name.is_empty() { phone.as_str() } else { name.as_str() };
        let handle = sink.handle(HandleKind::Telegram, &id, shown);
        let phones = if phone.is_empty() { Vec::new() } else { vec![phone] };
        sink.person(handle, PersonDetails { phones, ..PersonDetails::default() });
        self.contacts += 1;
    }

    /// Contacts without a `user_id` (older exports): one named exactly as the peer of one
    /// personal chat is that user, so its phone joins the account its messages come from;
    /// any other is a handle of its own, `contact <phone digits>`.
    fn report_contacts_without_id(&mut self, sink: &mut dyn Sink) {
        for (name, phone) in std::mem::take(&mut self.contacts_without_id) {
            let mut peers = self.personal_peers.iter().filter(|(peer, _)| peer.trim() == name);
            let id = match (peers.next(), peers.next()) {
                (Some((_, id)), None) => format!("user{id}"),
                _ => format!("contact {}", phone.chars().filter(char::is_ascii_digit).collect::<String>()),
            };
            let handle = sink.handle(HandleKind::Telegram, &id, &name);
            sink.person(handle, PersonDetails { phones: vec![phone], ..PersonDetails::default() });
        }
    }

    fn scalar(&mut self, top: Frame, value: Scalar<'_>) {
        let Some(field) = self.field.take() else { return };
        let text = match value {
            Scalar::Str(s) | Scalar::Number(s) => Some(s),
            Scalar::Null => None,
        };
        let number = text.and_then(|s| s.parse::<i64>().ok());
        match top {
            Frame::Root | Frame::Chat => {
                let chat = self.chat_mut(top == Frame::Root);
                match field {
                    Field::ChatName => chat.name = text.map(crate::identity::clean_name),
                    Field::ChatType => {
                        chat.ty = text.map(ChatType::parse);
                        chat.present = true;
                    }
                    Field::ChatId => chat.id = number,
                    _ => {}
                }
            }
            Frame::PersonalInfo | Frame::Contact => {
                let text = text.unwrap_or_default();
                match field {
                    Field::UserId => self.person.user_id = number,
                    Field::FirstName => text.clone_into(&mut self.person.first),
                    Field::LastName => text.clone_into(&mut self.person.last),
                    Field::Phone => text.clone_into(&mut self.person.phone),
                    _ => {}
                }
            }
            Frame::Message => {
                let msg = &mut self.msg;
                match field {
                    Field::MsgId => msg.id = number,
                    Field::MsgType => {
                        msg.ty = match text {
                            Some("message") => MsgType::Message,
                            Some("service") => MsgType::Service,
                            _ => MsgType::Other,
                        }
                    }
                    Field::Date => msg.local = text.and_then(parse_local),
                    Field::DateUnix => msg.unix = number,
                    // `from: null` is a deleted account: its id stays, its name is empty.
                    Field::From => msg.from = text.map(crate::identity::clean_name).unwrap_or_default(),
                    Field::FromId => msg.from_id = text.map(|s| user_id(s, value)),
                    Field::Actor => msg.actor = text.map(crate::identity::clean_name).unwrap_or_default(),
                    Field::ActorId => msg.actor_id = text.map(|s| user_id(s, value)),
                    Field::Action => msg.is_call = text == Some("phone_call"),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// A chat's `messages` begins: declare the chat now if its type and id are known, and
    /// skip the whole array unread if the chat is not counted.
    fn begin_messages(&mut self, root: bool, sink: &mut dyn Sink) -> Flow {
        let chat = self.chat_mut(root);
        chat.present = true;
        let ready = match chat.ty {
            Some(ChatType::Personal | ChatType::Group) => chat.id.is_some(),
            Some(_) => true,
            None => false,
        };
        if ready && chat.resolved.is_none() {
            self.resolve(root, sink);
        }
        match self.chat_mut(root).resolved {
            Some(Resolved::Skipped) => Flow::Skip,
            _ => Flow::Continue,
        }
    }

    /// Declares the chat or reports why it is skipped.
    fn resolve(&mut self, root: bool, sink: &mut dyn Sink) {
        self.chats_seen += 1;
        let chat = self.chat_mut(root);
        let resolved = match (chat.ty, chat.id) {
            (Some(ChatType::Skipped(why)), _) => {
                sink.skipped(why, 1);
                Resolved::Skipped
            }
            (Some(ty @ (ChatType::Personal | ChatType::Group)), Some(id)) => {
                let peer = (ty == ChatType::Personal).then(|| {
                    sink.handle(HandleKind::Telegram, &format!("user{id}"), chat.name.as_deref().unwrap_or(""))
                });
                let shape = match peer {
                    Some(_) => ChatShape::Direct { peer },
                    None => ChatShape::Group,
                };
                let info = ChatInfo { id: id.to_string(), title: chat.name.clone(), shape, participants: Vec::new() };
                chat.declared_name.clone_from(&chat.name);
                let named_peer = peer.and(chat.name.clone()).map(|name| (name, id));
                let resolved = Resolved::Counted { chat: sink.chat(info), peer };
                self.personal_peers.extend(named_peer);
                resolved
            }
            _ => {
                self.unreadable_chats += 1;
                Resolved::Skipped
            }
        };
        self.chat_mut(root).resolved = Some(resolved);
    }

    fn end_chat(&mut self, root: bool, sink: &mut dyn Sink) {
        if self.chat_mut(root).resolved.is_none() {
            self.resolve(root, sink);
        }
        let chat = self.chat_mut(root);
        let pending = std::mem::take(&mut chat.pending);
        if let (Some(Resolved::Counted { peer, .. }), Some(id)) = (chat.resolved, chat.id) {
            if chat.name.is_some() && chat.declared_name != chat.name {
                // `name` came after `messages`: declare the chat (and name its peer) again.
                let title = chat.name.clone();
                if peer.is_some() {
                    sink.handle(HandleKind::Telegram, &format!("user{id}"), title.as_deref().unwrap_or(""));
                }
                let named_peer = peer.and(title.clone()).map(|name| (name, id));
                let shape = if peer.is_some() { ChatShape::Direct { peer } } else { ChatShape::Group };
                sink.chat(ChatInfo { id: id.to_string(), title, shape, participants: Vec::new() });
                self.personal_peers.extend(named_peer);
            }
        }
        for p in pending {
            self.deliver(root, p, sink);
        }
        *self.chat_mut(root) = ChatState::default();
    }

    fn end_message(&mut self, sink: &mut dyn Sink) {
        let msg = &mut self.msg;
        let at = match (msg.unix, msg.local) {
            (Some(t), _) => t,
            (None, Some((date, seconds))) => self.zone.utc_seconds(date, seconds),
            (None, None) => {
                self.unreadable_messages += 1;
                return;
            }
        };
        let (kind, author) = match msg.ty {
            MsgType::Message => match msg.from_id.take() {
                Some(id) => (Kind::Message, Some((id, std::mem::take(&mut msg.from)))),
                None => {
                    self.unreadable_messages += 1;
                    return;
                }
            },
            MsgType::Service if msg.is_call => match msg.actor_id.take() {
                Some(id) => (Kind::Call, Some((id, std::mem::take(&mut msg.actor)))),
                None => {
                    self.unreadable_messages += 1;
                    return;
                }
            },
            // Notices carry no author: the people they name (who joined, who pinned) did not
            // write anything, and a handle declared only for them would be noise.
            _ => (Kind::System, None),
        };
        let pending = Pending { id: msg.id, at, kind, author };
        let root = self.msg_in_root;
        match self.chat_mut(root).resolved {
            Some(_) => self.deliver(root, pending, sink),
            None => self.chat_mut(root).pending.push(pending),
        }
    }

    /// Sends one event of a declared chat to the sink.
    fn deliver(&mut self, root: bool, p: Pending, sink: &mut dyn Sink) {
        let chat = self.chat_mut(root);
        let Some(Resolved::Counted { chat: chat_id, peer }) = chat.resolved else { return };
        let author = p.author.map(|(id, name)| sink.handle(HandleKind::Telegram, &id, &name));
        // A single-chat export of a personal chat: whoever writes and is not the peer is the user.
        if let (true, false, Some(_), Some(a)) = (root, self.owner_known, peer, author) {
            if author != peer {
                sink.owner(a, OwnerEvidence::ChatName);
                self.owner_known = true;
            }
        }
        sink.event(Event { chat: chat_id, author, at: p.at, kind: p.kind, id: p.id.map(MessageId::Ordered) });
    }
}

/// A scalar value handed to [`Reader::scalar`].
#[derive(Debug, Clone, Copy)]
enum Scalar<'a> {
    Str(&'a str),
    Number(&'a str),
    Null,
}

/// A `from_id` / `actor_id` as a handle id: `user123` as given, old exports' plain `123` as
/// `user123`, and other prefixes (`channel…`) as they are.
fn user_id(text: &str, value: Scalar<'_>) -> String {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if matches!(value, Scalar::Number(_)) || digits {
        format!("user{text}")
    } else {
        text.to_string()
    }
}

/// `2019-05-02T11:23:45` as a date and second of day.
fn parse_local(s: &str) -> Option<(NaiveDate, u32)> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> { s.get(from..to)?.parse().ok() };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let (h, m, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some((date, h * 3600 + m * 60 + sec.min(59)))
}

#[cfg(test)]
mod tests;
