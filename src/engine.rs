//! The engine: every chat imported so far, as per-author aggregates, and the contacts view
//! computed from them. Who the user is can be learnt late (a later import, or the user saying
//! so), so direction — sent or received — is decided when the view is made, not at import.

use std::collections::{BTreeSet, HashMap};

use crate::coverage::{merge_span, Covered, Span};
use crate::error::ImportError;
use crate::identity::{clean_name, contact_id, contact_key, phone_of};
use crate::import::{self, ChatDelta, CoverageLookup, ImportOptions};
use crate::model::{Contact, ImportReport, Source, WaitingOn};
use crate::stats::{max_opt, min_opt, AuthorStats, DayGaps, ReplyTimes};
use crate::time::LocalZone;
use crate::DateOrder;

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
    /// Messages captured live from WhatsApp Web: (minute, author name, count), so that an
    /// export of the same period does not count them again.
    pub(crate) live_minutes: Vec<(i64, String, u32)>,
    /// Hashes of the live message ids already counted, sorted.
    pub(crate) live_ids: Vec<u64>,
}

/// How a chat counts toward contacts.
enum ChatRole<'a> {
    /// A chat between the user and one person: `name`, whose stats are `author` if they wrote.
    Direct { name: &'a str, author: Option<&'a AuthorStats> },
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
    pub(crate) chat_index: HashMap<String, usize>,
    /// Chats and people the user excluded, as given (names or numbers).
    pub(crate) exclusions: Vec<String>,
    /// Day/month order of WhatsApp Web's timestamps, once a date showed it.
    pub(crate) live_order: Option<DateOrder>,
    /// Deltas committed since the journal was last taken, when journaling is on.
    journal: Option<Vec<ChatDelta>>,
    /// What the sync server has acknowledged.
    pub(crate) sync: crate::sync::SyncState,
}

impl CoverageLookup for Engine {
    fn coverage(&self, chat_key: &str) -> Covered {
        match self.chat_index.get(chat_key) {
            Some(&i) => Covered { spans: self.chats[i].coverage.clone(), live: self.chats[i].live_minutes.clone() },
            None => Covered::default(),
        }
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
        self.owner_given = owner.iter().map(|o| clean_name(o)).filter(|o| !o.is_empty()).collect();
    }

    /// Replaces the exclusion list: chats (by title) and people (by name or number) that imports
    /// skip before counting and the contacts view leaves out.
    pub fn set_exclusions(&mut self, exclusions: &[String]) {
        self.exclusions = exclusions.iter().map(|e| clean_name(e)).filter(|e| !e.is_empty()).collect();
    }

    /// The exclusion list as given.
    pub fn exclusions(&self) -> &[String] {
        &self.exclusions
    }

    /// Contacts new or changed since the server last acknowledged them, as sync records, and
    /// ids to delete there. `now` as for [`Engine::contacts`].
    pub fn sync_changes(&self, now: i64) -> (Vec<crate::sync::SyncContact>, Vec<String>) {
        self.sync.changes(&self.contacts(now))
    }

    /// Records a batch the server acknowledged.
    pub fn acknowledge_sync(&mut self, batch: &crate::sync::SyncBatch) {
        self.sync.acknowledge(batch);
    }

    /// Forgets what any server acknowledged (a new server, or sync turned off): the next
    /// sync sends everything.
    pub fn reset_sync(&mut self) {
        self.sync = crate::sync::SyncState::default();
    }

    /// Names learnt to be the user, with their identity keys.
    pub(crate) fn owner_inferred(&self) -> &[(String, String)] {
        &self.owner_inferred
    }

    pub(crate) fn set_owner_inferred(&mut self, inferred: Vec<(String, String)>) {
        self.owner_inferred = inferred;
    }

    /// The whole state as bytes (see [`crate::store`]); holds no message text.
    pub fn snapshot(&self) -> Vec<u8> {
        crate::store::encode_snapshot(self)
    }

    /// Rebuilds an engine from [`Engine::snapshot`]'s bytes.
    pub fn restore(bytes: &[u8]) -> Result<Engine, crate::store::StoreError> {
        crate::store::decode_snapshot(bytes)
    }

    /// The names or numbers the user said are theirs.
    pub fn owner(&self) -> &[String] {
        &self.owner_given
    }

    /// `base` with this engine's exclusions filled in.
    pub fn import_options(&self, base: ImportOptions) -> ImportOptions {
        ImportOptions { exclude: self.exclusion_keys(), ..base }
    }

    fn exclusion_keys(&self) -> Vec<String> {
        self.exclusions.iter().map(|e| contact_key(e)).collect()
    }

    /// Starts (or stops) keeping every committed delta, for [`Engine::take_journal`].
    pub fn set_journaling(&mut self, on: bool) {
        self.journal = on.then(Vec::new);
    }

    /// The deltas committed since the last call, encoded (`store::encode_journal`), to be
    /// applied to another engine that holds the same starting state.
    pub fn take_journal(&mut self) -> Vec<u8> {
        let deltas = self.journal.as_mut().map(std::mem::take).unwrap_or_default();
        crate::store::encode_journal(&deltas)
    }

    /// Applies a journal taken from another engine: each delta is committed as if imported here.
    pub fn apply_journal(&mut self, bytes: &[u8]) -> Result<Vec<ImportReport>, crate::store::StoreError> {
        let deltas = crate::store::decode_journal(bytes)?;
        Ok(deltas.into_iter().map(|d| self.commit(d)).collect())
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
        if let Some(journal) = self.journal.as_mut() {
            journal.push(delta.clone());
        }
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
        let others = writers.iter().filter(|a| !owner_keys.contains(&contact_key(&a.name))).count();
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
            owner: if owner_source.is_some() { self.owner_names() } else { Vec::new() },
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
            return if self.owner_inferred.is_empty() { None } else { Some(OwnerSource::EarlierImport) };
        }
        let mut common: BTreeSet<String> = keys.iter().cloned().collect();
        for chat in self.chats.iter().filter(|c| c.key != delta.key) {
            let theirs: BTreeSet<String> =
                chat.authors.iter().filter(|a| a.is_active()).map(|a| contact_key(&a.name)).collect();
            common = common.intersection(&theirs).cloned().collect();
        }
        if common.len() == 1 {
            let key = common.into_iter().next()?;
            let name = writers.iter().find(|a| contact_key(&a.name) == key).map(|a| a.name.clone())?;
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
                    live_minutes: Vec::new(),
                    live_ids: Vec::new(),
                });
                self.chat_index.insert(delta.key.clone(), self.chats.len() - 1);
                self.chats.len() - 1
            }
        };
        let chat = &mut self.chats[index];
        for stats in delta.authors.iter().filter(|a| a.is_active() || a.replies.count() > 0) {
            match chat.authors.iter_mut().find(|a| a.name == stats.name) {
                Some(existing) => existing.merge(stats),
                None => chat.authors.push(stats.clone()),
            }
        }
        if let Some(span) = delta.span.clone() {
            merge_span(&mut chat.coverage, span);
        }
        if let Some((at, author)) = delta.last_message {
            if chat.last_message.as_ref().is_none_or(|(last, _)| at >= *last) {
                let name = delta.authors.get(author as usize).map(|a| a.name.clone()).unwrap_or_default();
                chat.last_message = Some((at, name));
            }
        }
        chat.day_gaps.merge(&delta.day_gaps);
        for &(minute, author) in &delta.live_minutes {
            let name = delta.authors.get(author as usize).map(|a| a.name.clone()).unwrap_or_default();
            match chat.live_minutes.iter_mut().find(|(m, n, _)| *m == minute && *n == name) {
                Some(entry) => entry.2 += 1,
                None => chat.live_minutes.push((minute, name, 1)),
            }
        }
        for &id in &delta.live_ids {
            if let Err(at) = chat.live_ids.binary_search(&id) {
                chat.live_ids.insert(at, id);
            }
        }
    }

    /// Every contact with their stats, most recent interaction first. `now` (seconds since
    /// the epoch) is used for `overdueRatio` only.
    pub fn contacts(&self, now: i64) -> Vec<Contact> {
        let owner_keys = self.owner_keys();
        let mut by_key: HashMap<String, ContactBuilder> = HashMap::new();
        for chat in &self.chats {
            match role_of(chat, &owner_keys) {
                ChatRole::Direct { name, author } => {
                    let c = by_key.entry(contact_key(name)).or_insert_with(|| ContactBuilder::named(name));
                    c.sources.insert(chat.source.as_str());
                    for own in chat.authors.iter().filter(|a| owner_keys.contains(&contact_key(&a.name))) {
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
                    for a in
                        chat.authors.iter().filter(|a| a.is_active() && !owner_keys.contains(&contact_key(&a.name)))
                    {
                        let c = by_key.entry(contact_key(&a.name)).or_insert_with(|| ContactBuilder::named(&a.name));
                        c.sources.insert(chat.source.as_str());
                        c.group += a.messages;
                        c.last_group = max_opt(c.last_group, a.last_message_at);
                    }
                }
                ChatRole::Unresolved => {}
            }
        }
        let excluded = self.exclusion_keys();
        let mut contacts: Vec<Contact> =
            by_key.into_iter().filter(|(key, _)| !excluded.contains(key)).map(|(key, b)| b.build(&key, now)).collect();
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
    let others: Vec<&AuthorStats> =
        chat.authors.iter().filter(|a| a.is_active() && !owner_keys.contains(&contact_key(&a.name))).collect();
    match &chat.title {
        Some(title) => {
            let title_key = contact_key(title);
            if others.iter().all(|a| contact_key(&a.name) == title_key) {
                let author = others.first().copied();
                ChatRole::Direct { name: author.map_or(title.as_str(), |a| a.name.as_str()), author }
            } else {
                ChatRole::Group
            }
        }
        None if others.len() == 1 && !owner_keys.is_empty() => {
            ChatRole::Direct { name: &others[0].name, author: Some(others[0]) }
        }
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
            waiting_on: self.last_message.map(|(_, mine)| if mine { WaitingOn::Them } else { WaitingOn::Me }),
            cadence_days: cadence,
            overdue_ratio,
        }
    }
}

/// One message row seen on WhatsApp Web, as the content script reports it: metadata only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
    /// The open chat's title (`#main header span[title]`).
    pub chat: String,
    /// The row's `data-id` (`true_<chat>@c.us_<id>`), unique per message.
    pub id: String,
    /// `in` or `out`, from the row's `message-in` / `message-out` class.
    pub direction: String,
    /// The row's `data-pre-plain-text`: `[HH:MM, D/M/YYYY] Name: `.
    pub header: String,
}

/// What [`Engine::ingest`] did with a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    /// Events counted.
    pub accepted: u32,
    /// Events already counted (same id, or inside an imported export).
    pub duplicates: u32,
    /// Events whose fields did not parse; they are dropped.
    pub rejected: u32,
}

impl Engine {
    /// Feeds live WhatsApp Web events through the same identity and stats path as imports,
    /// deduplicated by message id and against exports already imported.
    pub fn ingest(&mut self, events: &[LiveEvent], zone: Box<dyn LocalZone>, fallback: DateOrder) -> IngestReport {
        use crate::import::dates;
        use crate::import::whatsapp::{header, split_author, RawDate};

        let mut report = IngestReport::default();
        let mut zone = crate::time::ZoneCache::new(zone);
        // Parse every header first: the batch's own dates may settle the day/month order.
        let mut order = dates::OrderInference::default();
        let mut parsed = Vec::new();
        for event in events {
            let (normalized, _) = header::normalize_prefix(event.header.as_bytes());
            let outgoing = match event.direction.as_str() {
                "out" => true,
                "in" => false,
                _ => {
                    report.rejected += 1;
                    continue;
                }
            };
            let Some(h) = header::parse_with_memo(&normalized, &mut header::DateMemo::default()) else {
                report.rejected += 1;
                continue;
            };
            let Some((author, _)) = split_author(h.rest) else {
                report.rejected += 1;
                continue;
            };
            if let RawDate::Ambiguous { first, second, year } = h.date {
                order.observe(first, second, year);
            }
            let title = clean_name(&event.chat);
            if title.is_empty() || event.id.is_empty() {
                report.rejected += 1;
                continue;
            }
            parsed.push((title, event.id.as_str(), outgoing, h.date, h.seconds_of_day, clean_name(author)));
        }
        if let Some((decided, _)) = order.decided() {
            self.live_order = Some(decided);
        }
        let date_order = self.live_order.unwrap_or(fallback);
        let mut titles: Vec<&String> = parsed.iter().map(|p| &p.0).collect();
        titles.sort();
        titles.dedup();
        let titles: Vec<String> = titles.into_iter().cloned().collect();
        for title in titles {
            let key = import::chat_key(crate::Source::WhatsApp, Some(&title), &[]);
            let covered = self.coverage(&key);
            let known_ids = self.chat_index.get(&key).map(|&i| self.chats[i].live_ids.clone()).unwrap_or_default();
            let mut acc =
                import::Accumulator::new(Covered { spans: covered.spans, live: Vec::new() }, self.exclusion_keys());
            acc.record_minutes();
            let mut names: Vec<String> = Vec::new();
            let mut ids = Vec::new();
            let mut owners = Vec::new();
            for (_, id, outgoing, raw, seconds, author) in parsed.iter().filter(|p| p.0 == title) {
                let hash = crate::identity::fnv1a(id.as_bytes());
                if known_ids.binary_search(&hash).is_ok() || ids.contains(&hash) {
                    report.duplicates += 1;
                    continue;
                }
                let Some(date) = dates::resolve(*raw, Some(date_order)) else {
                    report.rejected += 1;
                    continue;
                };
                let index = match names.iter().position(|n| n == author) {
                    Some(i) => i,
                    None => {
                        names.push(author.clone());
                        names.len() - 1
                    }
                } as u32;
                if *outgoing {
                    owners.push(author.clone());
                }
                let at = zone.utc_seconds(date, *seconds);
                let before = acc.duplicates();
                acc.add(at, crate::time::date_to_days(date), Some(index), crate::Kind::Message, &names);
                if acc.duplicates() > before {
                    report.duplicates += 1;
                } else {
                    report.accepted += 1;
                }
                ids.push(hash);
            }
            if ids.is_empty() {
                continue;
            }
            // The sender of an outgoing row is the user, whatever else the engine thought.
            for owner in owners {
                let owner_key = contact_key(&owner);
                if self.owner_given.is_empty() && !self.owner_inferred.iter().any(|(_, k)| *k == owner_key) {
                    self.owner_inferred.push((owner, owner_key));
                }
            }
            let mut delta = acc.into_delta(&names, Some(title), (date_order.code(), "live"), Vec::new());
            delta.live_ids = ids;
            self.commit(delta);
        }
        report
    }
}
