//! The engine: every chat imported so far, as per-author aggregates, and the contacts view
//! computed from them. Who the user is can be learnt late (a later import, or the user saying
//! so), so direction — sent or received — is decided when the view is made, not at import.

use std::collections::{BTreeSet, HashMap};

use crate::coverage::{merge_span, Span};
use crate::error::ImportError;
use crate::identity::{clean_name, contact_id, contact_key, phone_of};
use crate::import::{self, ChatDelta, CoverageLookup, ImportOptions};
use crate::model::{Contact, ImportReport, Source, WaitingOn};
use crate::stats::{max_opt, min_opt, AuthorStats, DayGaps, ReplyTimes};
use crate::time::LocalZone;

/// One chat as the engine keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Chat {
    pub(crate) key: String,
    pub(crate) title: Option<String>,
    pub(crate) source: Source,
    pub(crate) authors: Vec<AuthorStats>,
    pub(crate) coverage: Vec<Span>,
    /// Time and author name of the latest message.
    pub(crate) last_message: Option<(i64, String)>,
    pub(crate) day_gaps: DayGaps,
}

/// How a chat counts toward contacts.
enum ChatRole<'a> {
    /// A chat between the user and one person: `name`, whose stats are `author` if they wrote.
    Direct {
        name: &'a str,
        author: Option<&'a AuthorStats>,
    },
    /// Several people: their messages count as group messages.
    Group,
    /// Two writers and nothing says which one is the user.
    Unresolved,
}

/// Where the engine learnt who the user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnerSource {
    Option,
    FileName,
    EarlierImport,
    CommonAuthor,
}

impl OwnerSource {
    fn code(self) -> &'static str {
        match self {
            OwnerSource::Option => "option",
            OwnerSource::FileName => "fileName",
            OwnerSource::EarlierImport => "earlierImport",
            OwnerSource::CommonAuthor => "commonAuthor",
        }
    }
}

/// All of kith's state on one device: chats as aggregates, and who the user is.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    /// Names, phones or emails the user said are theirs.
    owner_given: Vec<String>,
    /// Names inferred to be the user, with their identity keys.
    owner_inferred: Vec<(String, String)>,
    pub(crate) chats: Vec<Chat>,
    chat_index: HashMap<String, usize>,
}

impl CoverageLookup for Engine {
    fn coverage(&self, chat_key: &str) -> Vec<Span> {
        self.chat_index
            .get(chat_key)
            .map(|&i| self.chats[i].coverage.clone())
            .unwrap_or_default()
    }
}

impl Engine {
    /// An empty engine. `owner` lists names or phone numbers that are the user.
    pub fn new(owner: &[String]) -> Self {
        let mut engine = Engine::default();
        engine.set_owner(owner);
        engine
    }

    /// Replaces the user's own names and numbers; the contacts view follows at once.
    pub fn set_owner(&mut self, owner: &[String]) {
        self.owner_given = owner
            .iter()
            .map(|o| clean_name(o))
            .filter(|o| !o.is_empty())
            .collect();
    }

    /// Identity keys of every name known to be the user.
    fn owner_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.owner_given.iter().map(|o| contact_key(o)).collect();
        if keys.is_empty() {
            keys.extend(self.owner_inferred.iter().map(|(_, k)| k.clone()));
        }
        keys
    }

    /// Names known to be the user, for reports.
    fn owner_names(&self) -> Vec<String> {
        if self.owner_given.is_empty() {
            self.owner_inferred.iter().map(|(n, _)| n.clone()).collect()
        } else {
            self.owner_given.clone()
        }
    }

    /// Imports one file held in memory. On error the engine is unchanged.
    pub fn import_bytes(
        &mut self,
        file_name: &str,
        bytes: &[u8],
        zone: Box<dyn LocalZone>,
        options: ImportOptions,
    ) -> Result<ImportReport, ImportError> {
        let delta = import::import_bytes(file_name, bytes, zone, options, self)?;
        Ok(self.commit(delta))
    }

    /// Merges a finished import into the engine and reports on it.
    pub fn commit(&mut self, delta: ChatDelta) -> ImportReport {
        let writers: Vec<&AuthorStats> = delta.authors.iter().filter(|a| a.is_active()).collect();
        let mut warnings = delta.warnings.clone();
        let owner_source = self.learn_owner(&delta, &writers);
        if owner_source.is_none() {
            warnings.push(
                "kith could not tell which author is you. Set who you are (your name as WhatsApp shows it), or import a one-to-one chat, and the contacts will be corrected."
                    .into(),
            );
        }
        self.merge(&delta);
        let owner_keys = self.owner_keys();
        let chat = &self.chats[self.chat_index[&delta.key]];
        let role = role_of(chat, &owner_keys);
        let others = writers
            .iter()
            .filter(|a| !owner_keys.contains(&contact_key(&a.name)))
            .count();
        let contacts = match role {
            ChatRole::Direct { .. } => 1,
            _ => others,
        };
        ImportReport {
            format: delta.source.as_str().to_string(),
            chats: 1,
            messages: delta.messages,
            calls: delta.calls,
            system_messages: delta.system,
            duplicates: delta.duplicates,
            contacts: contacts as u32,
            owner: if owner_source.is_some() {
                self.owner_names()
            } else {
                Vec::new()
            },
            owner_source: owner_source.map(|s| s.code().to_string()),
            date_order: delta.date_order.clone(),
            date_order_source: delta.date_order_source.clone(),
            chat_title: delta.title.clone(),
            group: matches!(role, ChatRole::Group),
            warnings,
        }
    }

    /// Works out who the user is from what this import adds, as ARCHITECTURE.md §6 says: the
    /// option; the other writer in a chat whose file name names one person; a name learnt
    /// earlier; the one writer common to every chat.
    fn learn_owner(&mut self, delta: &ChatDelta, writers: &[&AuthorStats]) -> Option<OwnerSource> {
        if !self.owner_given.is_empty() {
            return Some(OwnerSource::Option);
        }
        let keys: Vec<String> = writers.iter().map(|a| contact_key(&a.name)).collect();
        if self.owner_inferred.iter().any(|(_, k)| keys.contains(k)) {
            return Some(OwnerSource::EarlierImport);
        }
        if let Some(title) = &delta.title {
            let title_key = contact_key(title);
            if keys.len() == 2 && keys.contains(&title_key) {
                let (name, key) = writers
                    .iter()
                    .zip(&keys)
                    .find(|(_, k)| **k != title_key)
                    .map(|(a, k)| (a.name.clone(), k.clone()))?;
                self.owner_inferred.push((name, key));
                return Some(OwnerSource::FileName);
            }
        }
        // The writer common to this chat and every chat imported before.
        if self.chats.iter().all(|c| c.key == delta.key) {
            return if self.owner_inferred.is_empty() {
                None
            } else {
                Some(OwnerSource::EarlierImport)
            };
        }
        let mut common: BTreeSet<String> = keys.iter().cloned().collect();
        for chat in self.chats.iter().filter(|c| c.key != delta.key) {
            let theirs: BTreeSet<String> = chat
                .authors
                .iter()
                .filter(|a| a.is_active())
                .map(|a| contact_key(&a.name))
                .collect();
            common = common.intersection(&theirs).cloned().collect();
        }
        if common.len() == 1 {
            let key = common.into_iter().next()?;
            let name = writers
                .iter()
                .find(|a| contact_key(&a.name) == key)
                .map(|a| a.name.clone())?;
            self.owner_inferred.push((name, key));
            return Some(OwnerSource::CommonAuthor);
        }
        None
    }

    fn merge(&mut self, delta: &ChatDelta) {
        let index = match self.chat_index.get(&delta.key) {
            Some(&i) => i,
            None => {
                self.chats.push(Chat {
                    key: delta.key.clone(),
                    title: delta.title.clone(),
                    source: delta.source,
                    authors: Vec::new(),
                    coverage: Vec::new(),
                    last_message: None,
                    day_gaps: DayGaps::default(),
                });
                self.chat_index
                    .insert(delta.key.clone(), self.chats.len() - 1);
                self.chats.len() - 1
            }
        };
        let chat = &mut self.chats[index];
        for stats in delta
            .authors
            .iter()
            .filter(|a| a.is_active() || a.replies.count() > 0)
        {
            match chat.authors.iter_mut().find(|a| a.name == stats.name) {
                Some(existing) => existing.merge(stats),
                None => chat.authors.push(stats.clone()),
            }
        }
        if let Some(span) = delta.span.clone() {
            merge_span(&mut chat.coverage, span);
        }
        if let Some((at, author)) = delta.last_message {
            if chat
                .last_message
                .as_ref()
                .is_none_or(|(last, _)| at >= *last)
            {
                let name = delta
                    .authors
                    .get(author as usize)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                chat.last_message = Some((at, name));
            }
        }
        chat.day_gaps.merge(&delta.day_gaps);
    }

    /// Every contact with their stats, most recent interaction first. `now` (seconds since
    /// the epoch) is used for `overdueRatio` only.
    pub fn contacts(&self, now: i64) -> Vec<Contact> {
        let owner_keys = self.owner_keys();
        let mut by_key: HashMap<String, ContactBuilder> = HashMap::new();
        for chat in &self.chats {
            match role_of(chat, &owner_keys) {
                ChatRole::Direct { name, author } => {
                    let c = by_key
                        .entry(contact_key(name))
                        .or_insert_with(|| ContactBuilder::named(name));
                    c.sources.insert(chat.source.as_str());
                    for own in chat
                        .authors
                        .iter()
                        .filter(|a| owner_keys.contains(&contact_key(&a.name)))
                    {
                        c.sent += own.messages;
                        c.calls += own.calls;
                        c.last_sent = max_opt(c.last_sent, own.last_message_at);
                        c.interaction(own);
                        c.my_replies.merge(&own.replies);
                    }
                    if let Some(theirs) = author {
                        c.received += theirs.messages;
                        c.calls += theirs.calls;
                        c.last_received = max_opt(c.last_received, theirs.last_message_at);
                        c.interaction(theirs);
                        c.their_replies.merge(&theirs.replies);
                    }
                    if let Some((at, by)) = &chat.last_message {
                        if c.last_message.is_none_or(|(last, _)| *at >= last) {
                            c.last_message = Some((*at, owner_keys.contains(&contact_key(by))));
                        }
                    }
                    c.day_gaps.merge(&chat.day_gaps);
                }
                ChatRole::Group => {
                    for a in chat
                        .authors
                        .iter()
                        .filter(|a| a.is_active() && !owner_keys.contains(&contact_key(&a.name)))
                    {
                        let c = by_key
                            .entry(contact_key(&a.name))
                            .or_insert_with(|| ContactBuilder::named(&a.name));
                        c.sources.insert(chat.source.as_str());
                        c.group += a.messages;
                        c.last_group = max_opt(c.last_group, a.last_message_at);
                    }
                }
                ChatRole::Unresolved => {}
            }
        }
        let mut contacts: Vec<Contact> = by_key
            .into_iter()
            .map(|(key, b)| b.build(&key, now))
            .collect();
        contacts.sort_by(|a, b| {
            b.last_interaction_at
                .cmp(&a.last_interaction_at)
                .then(b.last_group_message_at.cmp(&a.last_group_message_at))
                .then_with(|| a.name.cmp(&b.name))
        });
        contacts
    }
}

/// Decides how a chat counts (ARCHITECTURE.md §6 and the core issue): direct when exactly one
/// person besides the user writes in it and the file name, where it names the chat, names
/// that person.
fn role_of<'a>(chat: &'a Chat, owner_keys: &[String]) -> ChatRole<'a> {
    let others: Vec<&AuthorStats> = chat
        .authors
        .iter()
        .filter(|a| a.is_active() && !owner_keys.contains(&contact_key(&a.name)))
        .collect();
    match &chat.title {
        Some(title) => {
            let title_key = contact_key(title);
            if others.iter().all(|a| contact_key(&a.name) == title_key) {
                let author = others.first().copied();
                ChatRole::Direct {
                    name: author.map_or(title.as_str(), |a| a.name.as_str()),
                    author,
                }
            } else {
                ChatRole::Group
            }
        }
        None if others.len() == 1 && !owner_keys.is_empty() => ChatRole::Direct {
            name: &others[0].name,
            author: Some(others[0]),
        },
        None if owner_keys.is_empty() && others.len() <= 2 => ChatRole::Unresolved,
        None => ChatRole::Group,
    }
}

/// A contact being assembled from the chats it appears in.
struct ContactBuilder {
    name: String,
    sources: BTreeSet<&'static str>,
    sent: u32,
    received: u32,
    calls: u32,
    group: u32,
    last_sent: Option<i64>,
    last_received: Option<i64>,
    first_interaction: Option<i64>,
    last_interaction: Option<i64>,
    last_group: Option<i64>,
    my_replies: ReplyTimes,
    their_replies: ReplyTimes,
    /// Latest direct message and whether the user wrote it.
    last_message: Option<(i64, bool)>,
    day_gaps: DayGaps,
}

impl ContactBuilder {
    fn named(name: &str) -> Self {
        ContactBuilder {
            name: name.to_string(),
            sources: BTreeSet::new(),
            sent: 0,
            received: 0,
            calls: 0,
            group: 0,
            last_sent: None,
            last_received: None,
            first_interaction: None,
            last_interaction: None,
            last_group: None,
            my_replies: ReplyTimes::default(),
            their_replies: ReplyTimes::default(),
            last_message: None,
            day_gaps: DayGaps::default(),
        }
    }

    fn interaction(&mut self, a: &AuthorStats) {
        self.first_interaction = min_opt(self.first_interaction, a.first_at);
        self.last_interaction = max_opt(self.last_interaction, a.last_at);
    }

    fn build(self, key: &str, now: i64) -> Contact {
        let cadence = self.day_gaps.cadence_days();
        let overdue_ratio = match (cadence, self.last_interaction) {
            (Some(days), Some(last)) if days > 0.0 => {
                Some(((now - last) as f64 / 86_400.0 / days * 100.0).round() / 100.0)
            }
            _ => None,
        };
        Contact {
            id: contact_id(key),
            phones: phone_of(&self.name).into_iter().collect(),
            emails: Vec::new(),
            name: self.name,
            sources: self.sources.iter().map(|s| s.to_string()).collect(),
            last_sent_at: self.last_sent,
            last_received_at: self.last_received,
            last_interaction_at: self.last_interaction,
            first_interaction_at: self.first_interaction,
            sent_count: self.sent,
            received_count: self.received,
            call_count: self.calls,
            group_message_count: self.group,
            last_group_message_at: self.last_group,
            my_reply_minutes: self.my_replies.median_minutes(),
            their_reply_minutes: self.their_replies.median_minutes(),
            waiting_on: self
                .last_message
                .map(|(_, mine)| if mine { WaitingOn::Them } else { WaitingOn::Me }),
            cadence_days: cadence,
            overdue_ratio,
        }
    }
}
