//! The engine: every chat imported so far, as per-author aggregates, and the contacts view
//! computed from them. Who the user is can be learnt late (a later import, or the user saying
//! so), so direction — sent or received — is decided when the view is made, not at import.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::coverage::{merge_span, Covered, Span};
use crate::error::ImportError;
use crate::identity::{
    canonical_email, canonical_email_borrowed, clean_name, contact_id, contact_key, owner_key, phone_of,
};
use crate::import::collect::{ImportDelta, PersonDelta, Shape};
use crate::import::{self, ChatDelta, CoverageLookup, ImportOptions};
use crate::merge::{self, Decision, Grouping, HandleInfo};
use crate::model::{Contact, HandleView, ImportReport, Source, Sources, WaitingOn, WriterHours};
use crate::stats::{max_opt, min_opt, AuthorStats, DayGaps, ReplyTimes};
use crate::time::LocalZone;
use crate::DateOrder;

/// One chat as the engine keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Chat {
    pub(crate) key: String,
    pub(crate) title: Option<String>,
    pub(crate) source: Source,
    pub(crate) shape: Shape,
    /// `(key, name)` of each member the source listed.
    pub(crate) participants: Vec<(String, String)>,
    pub(crate) authors: Vec<AuthorStats>,
    /// Author index by identity key: a group of thousands merges in linear time.
    pub(crate) author_index: HashMap<String, usize>,
    pub(crate) coverage: Vec<Span>,
    /// Ranges of ordered message ids an export covered completely (Telegram).
    pub(crate) id_spans: Vec<(i64, i64)>,
    /// Hashes of unordered message ids counted (mail, WhatsApp Web rows), sorted.
    pub(crate) ids: Vec<u64>,
    /// Time and author key of the latest message.
    pub(crate) last_message: Option<(i64, String)>,
    /// Day gaps kept by snapshots written before chats kept their active days (version 3 and
    /// earlier); used for cadence only while `days` is empty.
    pub(crate) day_gaps: DayGaps,
    /// Local day numbers with a message or call, ascending.
    pub(crate) days: Vec<i32>,
    /// Messages captured live from WhatsApp Web: (minute, author key, count), so that an
    /// export of the same period does not count them again.
    pub(crate) live_minutes: Vec<(i64, String, u32)>,
}

impl Chat {
    pub(crate) fn new(key: String, title: Option<String>, source: Source, shape: Shape) -> Self {
        Chat {
            key,
            title,
            source,
            shape,
            participants: Vec::new(),
            authors: Vec::new(),
            author_index: HashMap::new(),
            coverage: Vec::new(),
            id_spans: Vec::new(),
            ids: Vec::new(),
            last_message: None,
            day_gaps: DayGaps::default(),
            days: Vec::new(),
            live_minutes: Vec::new(),
        }
    }

    /// Rebuilds the author index after the authors were set wholesale.
    pub(crate) fn reindex(&mut self) {
        self.author_index = self.authors.iter().enumerate().map(|(i, a)| (a.key.clone(), i)).collect();
    }

    /// Adds what an import counted in this chat (its live minutes aside, which
    /// [`Chat::add_live_counts`] adds): one copy for imports and for another device's copy of
    /// the chat ([`crate::absorb`]).
    pub(crate) fn add(&mut self, delta: &ChatDelta) {
        if delta.shape != Shape::Unknown {
            self.shape = delta.shape.clone();
        }
        if delta.title.is_some() {
            self.title.clone_from(&delta.title);
        }
        for p in &delta.participants {
            if !self.participants.iter().any(|(k, _)| *k == p.0) {
                self.participants.push(p.clone());
            }
        }
        for stats in delta.authors.iter().filter(|a| a.is_active() || a.replies.count() > 0) {
            match self.author_index.get(&stats.key) {
                Some(&i) => {
                    let existing = &mut self.authors[i];
                    existing.merge(stats);
                    if !stats.name.is_empty() {
                        existing.name.clone_from(&stats.name);
                    }
                }
                None => {
                    self.author_index.insert(stats.key.clone(), self.authors.len());
                    self.authors.push(stats.clone());
                }
            }
        }
        if let Some(span) = delta.span.clone() {
            merge_span(&mut self.coverage, span);
        }
        if let Some(span) = delta.id_span {
            self.add_id_span(span);
        }
        if !delta.ids.is_empty() {
            self.ids.extend_from_slice(&delta.ids);
            crate::sort::sort(&mut self.ids);
            self.ids.dedup();
        }
        if let Some((at, author)) = delta.last_message {
            if self.last_message.as_ref().is_none_or(|(last, _)| at >= *last) {
                let key = delta.authors.get(author as usize).map(|a| a.key.clone()).unwrap_or_default();
                self.last_message = Some((at, key));
            }
        }
        crate::stats::union_days(&mut self.days, &delta.days);
    }

    /// Adds a range of ordered message ids, joining the ranges it meets or touches.
    pub(crate) fn add_id_span(&mut self, span: (i64, i64)) {
        self.id_spans.push(span);
        crate::sort::sort(&mut self.id_spans);
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.id_spans.len());
        for &(lo, hi) in &self.id_spans {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.id_spans = merged;
    }

    /// Adds `(minute, author key, messages)` captured live to the counts kept per minute and
    /// author.
    pub(crate) fn add_live_counts(&mut self, entries: Vec<(i64, String, u32)>) {
        let mut at = self.live_index();
        for (minute, key, count) in entries {
            match at.get(&(minute, key.clone())) {
                Some(&i) => self.live_minutes[i].2 = self.live_minutes[i].2.saturating_add(count),
                None => {
                    at.insert((minute, key.clone()), self.live_minutes.len());
                    self.live_minutes.push((minute, key, count));
                }
            }
        }
    }

    /// Where each (minute, author key) is in the live minutes.
    pub(crate) fn live_index(&self) -> HashMap<(i64, String), usize> {
        self.live_minutes.iter().enumerate().map(|(i, (m, k, _))| ((*m, k.clone()), i)).collect()
    }

    /// The chat's persisted form.
    pub(crate) fn state(&self) -> crate::store::ChatState {
        crate::store::ChatState {
            key: self.key.clone(),
            title: self.title.clone(),
            source: Some(self.source),
            shape: Some(self.shape.clone()),
            participants: self.participants.clone(),
            authors: self.authors.clone(),
            coverage: self.coverage.clone(),
            id_spans: self.id_spans.clone(),
            ids: self.ids.clone(),
            last_message: self.last_message.clone(),
            day_gaps: self.day_gaps.clone(),
            days: self.days.clone(),
            live_minutes: self.live_minutes.clone(),
        }
    }
}

/// A person a source described beyond their messages (a LinkedIn connection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) sources: Sources,
    pub(crate) phones: Vec<String>,
    pub(crate) emails: Vec<String>,
    pub(crate) connected_at: Option<i64>,
}

/// How a chat counts toward contacts.
enum ChatRole<'a> {
    /// A chat between the user and one person: `key`/`name`, whose stats are `author` if they
    /// wrote; `own` are the user's records.
    Direct { key: String, name: &'a str, author: Option<&'a AuthorStats>, own: Vec<&'a AuthorStats> },
    /// Several people: their messages count as group messages.
    Group,
    /// Nothing says which writer is the user.
    Unresolved,
}

/// Who the user is, as identity keys.
struct OwnerKeys(Vec<String>);

impl OwnerKeys {
    /// Whether the handle `key`, shown as `name`, is the user: by key, or by the name's own
    /// key (`contact_key`), compared without building it (this runs for every group member).
    fn is(&self, key: &str, name: &str) -> bool {
        if self.0.iter().any(|k| k == key) {
            return true;
        }
        if name.is_empty() {
            return false;
        }
        if name.trim_start().starts_with(|c: char| c == '+' || c.is_ascii_digit()) {
            // A `tel:` key is this number's key already, compared above.
            return !key.starts_with("tel:") && self.0.contains(&contact_key(name));
        }
        if name.is_ascii() {
            return self.0.iter().any(|k| k.strip_prefix("name:").is_some_and(|n| n.eq_ignore_ascii_case(name)));
        }
        self.0.contains(&contact_key(name))
    }
    fn is_author(&self, a: &AuthorStats) -> bool {
        self.is(&a.key, &a.name)
    }
    fn known(&self) -> bool {
        !self.0.is_empty()
    }
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
    pub(crate) owner_given: Vec<String>,
    /// Names inferred to be the user, with their identity keys.
    pub(crate) owner_inferred: Vec<(String, String)>,
    pub(crate) chats: Vec<Chat>,
    pub(crate) chat_index: HashMap<String, usize>,
    /// People described beyond their messages, by identity key.
    pub(crate) people: BTreeMap<String, Person>,
    /// Chats and people the user excluded, as given (names or numbers).
    pub(crate) exclusions: Vec<String>,
    /// Day/month order of WhatsApp Web's timestamps, once a date showed it.
    pub(crate) live_order: Option<DateOrder>,
    /// Deltas committed since the journal was last taken, when journaling is on.
    journal: Option<Vec<ImportDelta>>,
    /// What the sync server has acknowledged.
    pub(crate) sync: crate::sync::SyncState,
    /// The user's decisions about who is who, in the order made (see [`crate::merge`]).
    pub(crate) decisions: Vec<Decision>,
    /// The number the next decision gets.
    pub(crate) next_decision: u64,
    /// ISO code of the country national phone numbers are from, as the user set it.
    pub(crate) default_country: Option<String>,
    /// Keep-in-touch settings (goals, snoozes), by the handle key they were set on, sorted
    /// by key.
    pub(crate) keep: Vec<(String, crate::keep::KeepSettings)>,
}

/// Handles grouped into people, and the contacts made of them (`persons[i]` is the group of
/// `contacts[i]`).
pub(crate) struct PeopleView {
    pub(crate) contacts: Vec<Contact>,
    pub(crate) persons: Vec<usize>,
    pub(crate) handles: Vec<HandleInfo>,
    pub(crate) grouping: Grouping,
}

/// A person's name: the user's correction, else the contacts file's, else the first name of a
/// handle (in anchor order) that is a name rather than a number or an address.
fn person_name(grouping: &Grouping, p: usize, members: &[usize], handles: &[HandleInfo], fallback: &str) -> String {
    if let Some(name) = &grouping.names[p] {
        return name.clone();
    }
    let is_name = merge::is_real_name;
    let card = members.iter().map(|&i| &handles[i]).find(|h| h.sources.contains(Source::Contacts) && is_name(&h.name));
    card.or_else(|| members.iter().map(|&i| &handles[i]).find(|h| is_name(&h.name)))
        .map_or_else(|| fallback.to_string(), |h| h.name.clone())
}

impl CoverageLookup for Engine {
    fn coverage(&self, chat_key: &str) -> Covered {
        match self.chat_index.get(chat_key) {
            Some(&i) => {
                let chat = &self.chats[i];
                Covered {
                    spans: chat.coverage.clone(),
                    live: chat.live_minutes.clone(),
                    id_spans: chat.id_spans.clone(),
                    ids: chat.ids.clone(),
                }
            }
            None => Covered::default(),
        }
    }
}

impl Engine {
    /// An empty engine. `owner` lists names, phone numbers or emails that are the user.
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

    /// The whole state as bytes (see [`crate::store`]); holds no message text.
    pub fn snapshot(&self) -> Vec<u8> {
        crate::store::encode_snapshot(&self.to_state())
    }

    /// Rebuilds an engine from [`Engine::snapshot`]'s bytes.
    pub fn restore(bytes: &[u8]) -> Result<Engine, crate::store::StoreError> {
        Ok(Engine::from_state(crate::store::decode_snapshot(bytes)?))
    }

    /// What this device knows itself, as bytes to publish to the account's other devices
    /// (docs/sync-protocol.md, version 2): the snapshot of [`Engine::snapshot`] (same format,
    /// version and validation) without the sync bookkeeping, which is this device's business
    /// alone. It holds the chats' aggregates, the user's decisions, people from contacts
    /// files, keep-in-touch settings, who the user is and the exclusions; no message text.
    ///
    /// Call it on the engine of this device's own imports and captures, never on a view that
    /// absorbed other devices' states: those would be published again as this device's.
    pub fn device_state(&self) -> Vec<u8> {
        let mut state = self.to_state();
        state.acknowledged.clear();
        crate::store::encode_snapshot(&state)
    }

    /// Absorbs another device's [`Engine::device_state`] (see [`crate::absorb`] for the
    /// rules): commutative and idempotent, so every device that absorbed the same states shows
    /// the same contacts, and absorbing a state twice changes nothing. What the server
    /// acknowledged stays this engine's. A state that does not decode is refused with the
    /// error [`Engine::restore`] gives, and the engine is unchanged.
    pub fn absorb(&mut self, state: &[u8]) -> Result<crate::absorb::AbsorbReport, crate::store::StoreError> {
        let other = Engine::from_state(crate::store::decode_snapshot(state)?);
        Ok(crate::absorb::absorb(self, other))
    }

    /// The names or numbers the user said are theirs.
    pub fn owner(&self) -> &[String] {
        &self.owner_given
    }

    /// `base` with this engine's exclusions and owner filled in.
    pub fn import_options(&self, base: ImportOptions) -> ImportOptions {
        ImportOptions { exclude: self.exclusion_keys(), owner: self.owner_given.clone(), ..base }
    }

    fn exclusion_keys(&self) -> Vec<String> {
        self.exclusions.iter().map(|e| owner_key(e)).collect()
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
    fn owner_keys(&self) -> OwnerKeys {
        let mut keys: Vec<String> = self.owner_given.iter().map(|o| owner_key(o)).collect();
        if keys.is_empty() {
            keys.extend(self.owner_inferred.iter().map(|(_, k)| k.clone()));
        }
        OwnerKeys(keys)
    }

    /// Names known to be the user, for reports: each once, though the user has a handle in
    /// every source.
    fn owner_names(&self) -> Vec<String> {
        if self.owner_given.is_empty() {
            let mut names: Vec<String> = Vec::new();
            for (name, _) in &self.owner_inferred {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                    names.push(name.clone());
                }
            }
            names
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
        mut options: ImportOptions,
    ) -> Result<ImportReport, ImportError> {
        if options.owner.is_empty() {
            // Formats that classify as they read (mail: direct or group) need to know the user.
            options.owner.clone_from(&self.owner_given);
        }
        // The zone is asked for twice (the parser's wall-clock times and the collector's local
        // days); a fixed-offset zone is cheap to copy, any other is shared through an Rc.
        let shared: std::rc::Rc<dyn LocalZone> = std::rc::Rc::from(zone);
        let make_zone = Box::new(move || -> Box<dyn LocalZone> { Box::new(SharedZone(std::rc::Rc::clone(&shared))) });
        let delta = import::import_bytes(file_name, bytes, make_zone, options, &*self)?;
        Ok(self.commit(delta))
    }

    /// Merges a finished import into the engine and reports on it.
    pub fn commit(&mut self, delta: ImportDelta) -> ImportReport {
        if let Some(journal) = self.journal.as_mut() {
            journal.push(delta.clone());
        }
        let mut warnings = delta.warnings.clone();
        let owner_source = self.learn_owner(&delta);
        for chat in &delta.chats {
            self.merge(chat);
        }
        for person in &delta.people {
            self.add_person(person);
        }
        let owner = self.owner_keys();
        let mut contacts = BTreeSet::new();
        let mut unresolved_writers = BTreeSet::new();
        let mut group = false;
        for chat_delta in &delta.chats {
            let chat = &self.chats[self.chat_index[&chat_delta.key]];
            match role_of(chat, &owner) {
                ChatRole::Direct { key, .. } => {
                    contacts.insert(key);
                }
                ChatRole::Group => {
                    group = true;
                    for a in chat_delta.authors.iter().filter(|a| a.is_active() && !owner.is_author(a)) {
                        contacts.insert(a.key.clone());
                    }
                }
                ChatRole::Unresolved => {
                    for a in chat_delta.authors.iter().filter(|a| a.is_active()) {
                        unresolved_writers.insert(a.name.clone());
                    }
                }
            }
        }
        for person in &delta.people {
            if !owner.is(&person.key, "") {
                contacts.insert(person.key.clone());
            }
        }
        if !unresolved_writers.is_empty() {
            warnings.push(
                "kith could not tell which writer is you. Say which of the writers is you (or set who you are in the options), and the contacts will be corrected."
                    .into(),
            );
        }
        let (your_week_hours, writer_week_hours) = week_hours(&delta, &owner, &unresolved_writers);
        let sum = |f: fn(&ChatDelta) -> u32| delta.chats.iter().map(f).fold(0u32, u32::saturating_add);
        let single = (delta.chats.len() == 1).then(|| &delta.chats[0]);
        ImportReport {
            format: delta.format.clone(),
            chats: delta.chats.len() as u32,
            messages: sum(|c| c.messages),
            calls: sum(|c| c.calls),
            system_messages: sum(|c| c.system),
            duplicates: sum(|c| c.duplicates),
            contacts: contacts.len() as u32,
            owner: if owner_source.is_some() { self.owner_names() } else { Vec::new() },
            owner_source,
            writers: unresolved_writers.into_iter().collect(),
            skipped: delta.skipped.clone(),
            date_order: delta.date_order.clone(),
            date_order_source: delta.date_order_source.clone(),
            chat_title: single.and_then(|c| c.title.clone()),
            group: single.is_some() && group,
            warnings,
            your_week_hours,
            writer_week_hours,
        }
    }

    /// Works out who the user is from what this import adds, as ARCHITECTURE.md §6 says: the
    /// option; what the source itself says (a profile, a `Delivered-To`); the other writer in
    /// a chat whose name names one person; a name learnt earlier; the one writer common to
    /// every chat.
    fn learn_owner(&mut self, delta: &ImportDelta) -> Option<String> {
        if !self.owner_given.is_empty() {
            return Some(OwnerSource::Option.code().to_string());
        }
        if let Some((_, _, code)) = delta.owners.first() {
            for (name, key, _) in &delta.owners {
                if !self.owner_inferred.iter().any(|(_, k)| k == key) {
                    self.owner_inferred.push((name.clone(), key.clone()));
                }
            }
            return Some(code.clone());
        }
        // Each chat's writers, once for the whole import (an export can hold hundreds of chats):
        // the chats known before, then this import's new ones.
        let writers_of =
            |c: &ChatDelta| crate::sort::set_of(c.authors.iter().filter(|a| a.is_active()).map(|a| a.key.clone()));
        let writer_sets: Vec<(String, BTreeSet<String>)> = self
            .chats
            .iter()
            .map(|c| {
                (c.key.clone(), crate::sort::set_of(c.authors.iter().filter(|a| a.is_active()).map(|a| a.key.clone())))
            })
            .chain(
                delta
                    .chats
                    .iter()
                    .filter(|c| !self.chat_index.contains_key(&c.key))
                    .map(|c| (c.key.clone(), writers_of(c))),
            )
            .collect();
        let mut found = None;
        for chat in &delta.chats {
            if let Some(source) = self.learn_owner_from_chat(chat, &writer_sets) {
                found.get_or_insert(source);
            }
        }
        found.map(|s| s.code().to_string())
    }

    fn learn_owner_from_chat(
        &mut self,
        delta: &ChatDelta,
        writer_sets: &[(String, BTreeSet<String>)],
    ) -> Option<OwnerSource> {
        let writers: Vec<&AuthorStats> = delta.authors.iter().filter(|a| a.is_active()).collect();
        let owner = self.owner_keys();
        if writers.iter().any(|a| owner.is_author(a)) {
            return Some(OwnerSource::EarlierImport);
        }
        if delta.shape == Shape::Unknown {
            if let Some(title) = &delta.title {
                let title_key = contact_key(title);
                let hidden_key = hidden_author_key();
                let keys: Vec<&str> = writers.iter().map(|a| a.key.as_str()).collect();
                // The person the file name names may write under their name or, where WhatsApp
                // hid it, as the hidden-name placeholder; the other writer is the user.
                let contact = [title_key.as_str(), hidden_key.as_str()];
                if keys.len() == 2 && keys.iter().filter(|k| contact.contains(k)).count() == 1 {
                    let me = writers.iter().find(|a| !contact.contains(&a.key.as_str()))?;
                    self.owner_inferred.push((me.name.clone(), me.key.clone()));
                    return Some(OwnerSource::FileName);
                }
            }
        }
        // The writer common to this chat and every other chat known.
        let others: Vec<&BTreeSet<String>> =
            writer_sets.iter().filter(|(key, _)| *key != delta.key).map(|(_, set)| set).collect();
        if others.is_empty() {
            return if self.owner_inferred.is_empty() { None } else { Some(OwnerSource::EarlierImport) };
        }
        let mut common = crate::sort::set_of(writers.iter().map(|a| a.key.clone()));
        for theirs in &others {
            common.retain(|k| theirs.contains(k));
            if common.is_empty() {
                break;
            }
        }
        if common.len() == 1 {
            let key = common.into_iter().next()?;
            let name = writers.iter().find(|a| a.key == key).map(|a| a.name.clone())?;
            self.owner_inferred.push((name, key));
            return Some(OwnerSource::CommonAuthor);
        }
        None
    }

    fn merge(&mut self, delta: &ChatDelta) {
        let index = match self.chat_index.get(&delta.key) {
            Some(&i) => i,
            None => {
                self.chats.push(Chat::new(delta.key.clone(), delta.title.clone(), delta.source, delta.shape.clone()));
                self.chat_index.insert(delta.key.clone(), self.chats.len() - 1);
                self.chats.len() - 1
            }
        };
        let chat = &mut self.chats[index];
        chat.add(delta);
        if !delta.live_minutes.is_empty() {
            let live = delta.live_minutes.iter().map(|&(minute, author)| {
                (minute, delta.authors.get(author as usize).map(|a| a.key.clone()).unwrap_or_default(), 1)
            });
            chat.add_live_counts(live.collect());
        }
    }

    fn add_person(&mut self, p: &PersonDelta) {
        let person = self.people.entry(p.key.clone()).or_default();
        if !p.name.is_empty() {
            person.name.clone_from(&p.name);
        }
        person.sources.insert(p.source);
        // Phones are kept as given: which country a national number is from can be set later.
        for phone in &p.phones {
            let given = clean_name(phone);
            if !given.is_empty() && !person.phones.contains(&given) {
                person.phones.push(given);
            }
        }
        for email in &p.emails {
            let normal = email.trim().to_lowercase();
            if normal.contains('@') && !person.emails.contains(&normal) {
                person.emails.push(normal);
            }
        }
        person.connected_at = max_opt(person.connected_at, p.connected_at);
    }

    /// Every contact with their stats, most recent interaction first: one per person, with the
    /// handles of every source that person was found in (see [`crate::merge`]). `now` (seconds
    /// since the epoch) is used for `overdueRatio` only.
    pub fn contacts(&self, now: i64) -> Vec<Contact> {
        self.people_view(now).contacts
    }

    /// What each handle contributes, by identity key, before handles are grouped into people;
    /// excluded people left out. In the order first seen; nothing made from them depends on it
    /// (contacts are sorted, each person's handles are in anchor order).
    fn handle_builders(&self) -> Vec<KeyedBuilder<'_>> {
        let owner = self.owner_keys();
        let expected = self.chats.iter().map(|c| c.authors.len()).sum::<usize>() + self.people.len();
        let mut by_key = Builders::with_capacity(expected);
        for chat in &self.chats {
            match role_of(chat, &owner) {
                ChatRole::Direct { key, name, author, own } => {
                    let c = by_key.entry(&key, name);
                    c.sources.insert(chat.source);
                    for mine in own {
                        c.sent = c.sent.saturating_add(mine.messages);
                        c.calls = c.calls.saturating_add(mine.calls);
                        c.last_sent = max_opt(c.last_sent, mine.last_message_at);
                        c.interaction(mine);
                        c.my_replies.merge(&mine.replies);
                    }
                    if let Some(theirs) = author {
                        c.received = c.received.saturating_add(theirs.messages);
                        c.calls = c.calls.saturating_add(theirs.calls);
                        c.last_received = max_opt(c.last_received, theirs.last_message_at);
                        c.interaction(theirs);
                        c.their_replies.merge(&theirs.replies);
                    }
                    if let Some((at, by)) = &chat.last_message {
                        if c.last_message.is_none_or(|(last, _)| *at >= last) {
                            // The contact may write under another key (a hidden name).
                            let theirs = *by == key || author.is_some_and(|a| a.key == *by);
                            c.last_message = Some((*at, !theirs));
                        }
                    }
                    if chat.days.is_empty() {
                        c.day_gaps.merge(&chat.day_gaps);
                    } else {
                        crate::stats::union_days(&mut c.days, &chat.days);
                    }
                }
                ChatRole::Group => {
                    for a in chat.authors.iter().filter(|a| a.is_active() && !owner.is_author(a)) {
                        let c = by_key.entry(&a.key, &a.name);
                        c.sources.insert(chat.source);
                        c.group = c.group.saturating_add(a.messages);
                        c.last_group = max_opt(c.last_group, a.last_message_at);
                    }
                }
                ChatRole::Unresolved => {}
            }
        }
        for (key, person) in &self.people {
            if owner.is(key, "") {
                continue;
            }
            let at = by_key.position(key, &person.name);
            // One person per key: their phones and emails are read from them, not copied.
            let keyed = &mut by_key.list[at];
            keyed.described = Some(person);
            let c = &mut keyed.builder;
            c.sources.extend(person.sources.iter());
            c.connected_at = max_opt(c.connected_at, person.connected_at);
        }
        let excluded = self.exclusion_keys();
        let mut builders = by_key.list;
        if !excluded.is_empty() {
            builders.retain(|b| !excluded.contains(&b.key) && !excluded.contains(&contact_key(&b.builder.name)));
        }
        builders
    }

    /// The user's default country for national phone numbers.
    fn country(&self) -> Option<crate::phone::Country> {
        self.default_country.as_deref().and_then(crate::phone::country)
    }

    /// Handles grouped into people, and the contacts made of them.
    pub(crate) fn people_view(&self, now: i64) -> PeopleView {
        let country = self.country();
        let mut keyed = self.handle_builders();
        let mut handles: Vec<HandleInfo> = Vec::with_capacity(keyed.len());
        for k in &mut keyed {
            handles.push(k.builder.handle_info(std::mem::take(&mut k.key), k.described, country));
        }
        let grouping = merge::group(&mut handles, &self.decisions);
        let (own_phones, own_emails) = self.owner_handles(country);
        // Builders are a few hundred bytes: each is moved out once, to be absorbed or built.
        let mut builders: Vec<Option<ContactBuilder>> = keyed.into_iter().map(|k| Some(k.builder)).collect();
        let mut contacts = Vec::with_capacity(grouping.persons.len());
        let mut persons = Vec::with_capacity(grouping.persons.len());
        // Each person's phones and addresses, in lists reused from person to person.
        let (mut phones, mut emails): (Vec<&String>, Vec<&String>) = (Vec::new(), Vec::new());
        let (mut canonical, mut distinct_emails): (Vec<Option<Cow<str>>>, Vec<usize>) = (Vec::new(), Vec::new());
        for (p, members) in grouping.persons.iter().enumerate() {
            phones.clear();
            phones.extend(members.iter().flat_map(|&i| &grouping.phones[i]));
            emails.clear();
            emails.extend(members.iter().flat_map(|&i| &grouping.emails[i]));
            canonical.clear();
            canonical.extend(emails.iter().map(|e| canonical_email_borrowed(e)));
            // A card of the user's own (their number in their contacts file) is not a contact.
            if phones.iter().any(|ph| own_phones.contains(*ph))
                || canonical.iter().flatten().any(|c| own_emails.contains(c.as_ref()))
            {
                continue;
            }
            let Some(&anchor) = members.first() else { continue };
            let views: Vec<HandleView> = members
                .iter()
                .filter_map(|&i| {
                    let b = builders[i].as_ref()?;
                    Some(HandleView {
                        key: handles[i].key.clone(),
                        name: handles[i].name.clone(),
                        sources: b.sources.iter().map(|s| s.as_str()).collect(),
                        last_interaction_at: max_opt(b.last_interaction, b.last_group),
                    })
                })
                .collect();
            // The others are absorbed into the anchor's builder where it lies, in member order.
            for &i in &members[1..] {
                let Some(b) = builders[i].take() else { continue };
                if let Some(combined) = builders[anchor].as_mut() {
                    combined.absorb(b);
                }
            }
            let Some(mut combined) = builders[anchor].take() else { continue };
            combined.name = person_name(&grouping, p, members, &handles, &handles[anchor].name);
            merge::retain_first_of_each(&mut phones, |ph| *ph);
            combined.phones = phones.iter().map(|ph| (*ph).clone()).collect();
            distinct_emails.clear();
            distinct_emails.extend(0..emails.len());
            merge::retain_first_of_each(&mut distinct_emails, |&k| canonical[k].as_deref());
            combined.emails = distinct_emails.iter().map(|&k| emails[k].clone()).collect();
            let mut contact = combined.build(&handles[anchor].key);
            let settings = self.keep_settings(members.iter().map(|&i| handles[i].key.as_str()));
            crate::keep::apply(&mut contact, settings, now);
            contact.handles = views;
            contact.merged_because = grouping.reasons[p].iter().map(merge::Reason::words).collect();
            persons.push(p);
            contacts.push(contact);
        }
        let mut order: Vec<usize> = (0..contacts.len()).collect();
        crate::sort::sort_by(&mut order, |&a, &b| {
            let (a, b) = (&contacts[a], &contacts[b]);
            b.last_interaction_at
                .cmp(&a.last_interaction_at)
                .then(b.last_group_message_at.cmp(&a.last_group_message_at))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.id.cmp(&b.id))
                .is_lt()
        });
        let mut slots: Vec<Option<Contact>> = contacts.into_iter().map(Some).collect();
        // Made at its size: collecting from `filter_map` would grow it, copying the contacts
        // at every doubling.
        let mut contacts: Vec<Contact> = Vec::with_capacity(order.len());
        contacts.extend(order.iter().filter_map(|&i| slots[i].take()));
        let persons: Vec<usize> = order.iter().map(|&i| persons[i]).collect();
        PeopleView { contacts, persons, handles, grouping }
    }

    /// The user's own phones (E.164) and addresses (canonical), from what they said and what
    /// kith learnt.
    fn owner_handles(&self, country: Option<crate::phone::Country>) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut phones = BTreeSet::new();
        let mut emails = BTreeSet::new();
        let given = self.owner_given.iter().map(|o| owner_key(o));
        for key in given.chain(self.owner_inferred.iter().map(|(_, k)| k.clone())) {
            if let Some(phone) = key.strip_prefix("tel:").and_then(|p| crate::phone::normalize(p, country)) {
                phones.insert(phone);
            } else if let Some(email) = key.strip_prefix("email:").and_then(canonical_email) {
                emails.insert(email);
            }
        }
        (phones, emails)
    }
}

impl Engine {
    /// Calls `f(source, stats, role)` for every author record of the handles for which
    /// `is_member` holds, excluded people left out as in [`Engine::contacts`]: in their direct chats, the
    /// user's records (role [`AuthorRole::Mine`]) and theirs ([`AuthorRole::Theirs`]); in
    /// groups, theirs ([`AuthorRole::Group`]).
    pub(crate) fn for_each_author_of(
        &self,
        is_member: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(Source, &AuthorStats, AuthorRole),
    ) {
        let owner = self.owner_keys();
        for chat in &self.chats {
            match role_of(chat, &owner) {
                ChatRole::Direct { key, author, own, .. } if is_member(&key) => {
                    for mine in own {
                        f(chat.source, mine, AuthorRole::Mine);
                    }
                    if let Some(theirs) = author {
                        f(chat.source, theirs, AuthorRole::Theirs);
                    }
                }
                ChatRole::Group => {
                    for a in chat.authors.iter().filter(|a| is_member(&a.key) && !owner.is_author(a)) {
                        f(chat.source, a, AuthorRole::Group);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The user's messages in this import by local hour of the week (Monday 00h first), summed
/// over every chat, direct and group; and the same for each writer kith asks about, by name,
/// as `set_owner` would take them.
fn week_hours(delta: &ImportDelta, owner: &OwnerKeys, asked: &BTreeSet<String>) -> (Vec<u32>, Vec<WriterHours>) {
    let empty = || vec![0u32; crate::import::collect::WEEK_HOURS];
    let mut yours = empty();
    let mut writers: Vec<WriterHours> =
        asked.iter().map(|name| WriterHours { name: name.clone(), hours: empty() }).collect();
    for chat in &delta.chats {
        for (a, slots) in chat.authors.iter().zip(&chat.week_slots) {
            let hours = if owner.is_author(a) {
                &mut yours
            } else {
                match writers.iter_mut().find(|w| w.name == a.name) {
                    Some(w) => &mut w.hours,
                    None => continue,
                }
            };
            for &slot in slots {
                if let Some(n) = hours.get_mut(usize::from(slot)) {
                    *n = n.saturating_add(1);
                }
            }
        }
    }
    (yours, writers)
}

/// Whose record an author record is, seen from one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthorRole {
    /// The user's, in a direct chat with the contact.
    Mine = 0,
    /// The contact's, in a direct chat with the user.
    Theirs = 1,
    /// The contact's, in a group.
    Group = 2,
}

/// The identity key of the placeholder WhatsApp's hidden names are read as.
fn hidden_author_key() -> String {
    contact_key(import::whatsapp::HIDDEN_AUTHOR)
}

/// A zone shared by the parser and the collector of one import.
struct SharedZone(std::rc::Rc<dyn LocalZone>);

impl LocalZone for SharedZone {
    fn offset_seconds(&self, local: chrono::NaiveDateTime) -> i32 {
        self.0.offset_seconds(local)
    }
}

/// Decides how a chat counts (ARCHITECTURE.md §6). Where the source says the chat is direct,
/// the other person is the peer it names, or the one member who is not the user. WhatsApp
/// says nothing: a chat is direct when exactly one person besides the user writes in it and
/// the file name, where it names the chat, names that person.
fn role_of<'a>(chat: &'a Chat, owner: &OwnerKeys) -> ChatRole<'a> {
    let author_of = |key: &str| chat.authors.iter().find(|a| a.key == key && a.is_active());
    match &chat.shape {
        Shape::Group => ChatRole::Group,
        Shape::Direct { peer: Some(peer) } => {
            let author = author_of(peer);
            let name = author
                .map(|a| a.name.as_str())
                .or_else(|| chat.participants.iter().find(|(k, _)| k == peer).map(|(_, n)| n.as_str()));
            let name = name.or(chat.title.as_deref()).unwrap_or(peer.as_str());
            // The source says this is a chat of two: whoever is not the peer is the user.
            let own = chat.authors.iter().filter(|a| a.key != *peer && a.is_active()).collect();
            ChatRole::Direct { key: peer.clone(), name, author, own }
        }
        Shape::Direct { peer: None } => {
            let members: Vec<(&str, &str)> = if chat.participants.is_empty() {
                chat.authors.iter().filter(|a| a.is_active()).map(|a| (a.key.as_str(), a.name.as_str())).collect()
            } else {
                chat.participants.iter().map(|(k, n)| (k.as_str(), n.as_str())).collect()
            };
            let others: Vec<(&str, &str)> = members.iter().copied().filter(|(k, n)| !owner.is(k, n)).collect();
            match others.as_slice() {
                [(key, name)] if owner.known() => {
                    let author = author_of(key);
                    let own = chat.authors.iter().filter(|a| owner.is_author(a) && a.is_active()).collect();
                    ChatRole::Direct { key: key.to_string(), name, author, own }
                }
                _ => ChatRole::Unresolved,
            }
        }
        Shape::Unknown => {
            let others: Vec<&AuthorStats> =
                chat.authors.iter().filter(|a| a.is_active() && !owner.is_author(a)).collect();
            let own = || chat.authors.iter().filter(|a| owner.is_author(a)).collect();
            match &chat.title {
                Some(title) => {
                    let title_key = contact_key(title);
                    if others.iter().all(|a| a.key == title_key) {
                        match others.first().copied() {
                            Some(a) => {
                                ChatRole::Direct { key: a.key.clone(), name: &a.name, author: Some(a), own: own() }
                            }
                            None => ChatRole::Direct { key: title_key, name: title.as_str(), author: None, own: own() },
                        }
                    } else if let [hidden] = others.as_slice() {
                        // WhatsApp hid the other person's name in a chat the file name says is
                        // with them: the hidden writer is the person the title names.
                        if hidden.key == hidden_author_key() {
                            ChatRole::Direct { key: title_key, name: title.as_str(), author: Some(hidden), own: own() }
                        } else {
                            ChatRole::Group
                        }
                    } else {
                        ChatRole::Group
                    }
                }
                None if others.len() == 1 && owner.known() => ChatRole::Direct {
                    key: others[0].key.clone(),
                    name: &others[0].name,
                    author: Some(others[0]),
                    own: own(),
                },
                None if !owner.known() && others.len() <= 2 => ChatRole::Unresolved,
                None => ChatRole::Group,
            }
        }
    }
}

/// Contact builders by identity key, in the order first seen. Found through a table of their
/// positions (open addressing, probed in order), where a `HashMap<String, usize>` hashed each
/// key twice, a lookup and an insert, and held a copy of it beside the list's.
struct Builders<'a> {
    /// `1 +` a position in `list`, or 0 where empty; a power of two long, at most half full.
    slots: Vec<usize>,
    /// SipHash keyed as `HashMap`'s own: keys come from files' text, and a file must not be able
    /// to make them collide.
    hasher: std::collections::hash_map::RandomState,
    list: Vec<KeyedBuilder<'a>>,
}

/// A handle's builder, its identity key, and the person a source described under that key.
struct KeyedBuilder<'a> {
    key: String,
    hash: u64,
    builder: ContactBuilder,
    /// Whose phones and emails the handle has (at most one person per key).
    described: Option<&'a Person>,
}

impl<'a> Builders<'a> {
    fn with_capacity(expected: usize) -> Self {
        Builders {
            slots: vec![0; (2 * expected).next_power_of_two().max(16)],
            hasher: Default::default(),
            list: Vec::with_capacity(expected),
        }
    }

    /// The builder of `key`, made with `name` when it is new.
    fn entry(&mut self, key: &str, name: &str) -> &mut ContactBuilder {
        let at = self.position(key, name);
        &mut self.list[at].builder
    }

    /// Where `key`'s builder is in `list`, made with `name` when it is new.
    fn position(&mut self, key: &str, name: &str) -> usize {
        let hash = std::hash::BuildHasher::hash_one(&self.hasher, key);
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        while self.slots[slot] != 0 {
            let at = self.slots[slot] - 1;
            if self.list[at].hash == hash && self.list[at].key == key {
                return at;
            }
            slot = (slot + 1) & mask;
        }
        self.list.push(KeyedBuilder {
            key: key.to_string(),
            hash,
            builder: ContactBuilder::named(name),
            described: None,
        });
        self.slots[slot] = self.list.len();
        if 2 * self.list.len() > self.slots.len() {
            self.grow();
        }
        self.list.len() - 1
    }

    /// Doubles the table, placing every builder again by its kept hash.
    fn grow(&mut self) {
        self.slots = vec![0; 2 * self.slots.len()];
        let mask = self.slots.len() - 1;
        for (at, keyed) in self.list.iter().enumerate() {
            let mut slot = keyed.hash as usize & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = at + 1;
        }
    }
}

/// A contact being assembled from the chats it appears in.
struct ContactBuilder {
    name: String,
    sources: Sources,
    phones: Vec<String>,
    emails: Vec<String>,
    connected_at: Option<i64>,
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
    /// Gaps of chats restored without their days (see `Chat::day_gaps`).
    day_gaps: DayGaps,
    /// Active days of the direct chats, ascending: merged across sources by union, so the
    /// cadence is that of the whole history.
    days: Vec<i32>,
}

impl ContactBuilder {
    fn named(name: &str) -> Self {
        ContactBuilder {
            name: name.to_string(),
            sources: Sources::default(),
            phones: Vec::new(),
            emails: Vec::new(),
            connected_at: None,
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
            days: Vec::new(),
        }
    }

    /// This handle as the grouping sees it: phones in E.164 (from its key, a name that is a
    /// number, and what a source listed about the person `described`), addresses in lower case.
    /// The name moves into the handle (the contact's name is chosen from the handles').
    fn handle_info(
        &mut self,
        key: String,
        described: Option<&Person>,
        country: Option<crate::phone::Country>,
    ) -> HandleInfo {
        let (listed_phones, listed_emails): (&[String], &[String]) =
            described.map_or((&[], &[]), |p| (&p.phones, &p.emails));
        let own: Option<Cow<str>> = match key.strip_prefix("tel:") {
            Some(number) => Some(Cow::Borrowed(number)),
            None => phone_of(&self.name).map(Cow::Owned),
        };
        let mut phones: Vec<String> = Vec::with_capacity(usize::from(own.is_some()) + listed_phones.len());
        for phone in own.iter().map(|p| p.as_ref()).chain(listed_phones.iter().map(String::as_str)) {
            if let Some(e164) = crate::phone::normalize(phone, country) {
                if !phones.contains(&e164) {
                    phones.push(e164);
                }
            }
        }
        let from_key = key.strip_prefix("email:");
        let mut emails: Vec<String> = Vec::with_capacity(usize::from(from_key.is_some()) + listed_emails.len());
        emails.extend(from_key.map(str::to_string));
        for email in listed_emails {
            let trimmed = email.trim();
            // Sources keep addresses in lower case already: copied only once accepted.
            let lower = if trimmed.is_ascii() && !trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Borrowed(trimmed)
            } else {
                Cow::Owned(trimmed.to_lowercase())
            };
            // What `canonical_email` accepts, checked without building the canonical form
            // (the grouping builds it once).
            let address = lower.strip_prefix("mailto:").unwrap_or(&lower);
            let looks_right = address.rsplit_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)
            });
            if looks_right && !emails.iter().any(|e| *e == *lower) {
                emails.push(lower.into_owned());
            }
        }
        HandleInfo { key, name: std::mem::take(&mut self.name), sources: self.sources, phones, emails }
    }

    /// Adds another handle's stats: one person across sources. Counts add up, first and last
    /// times are the min and max, reply times and day gaps are merged, and who owes a reply
    /// follows the latest direct message of any conversation.
    fn absorb(&mut self, other: ContactBuilder) {
        self.sources.extend(other.sources.iter());
        self.connected_at = max_opt(self.connected_at, other.connected_at);
        self.sent = self.sent.saturating_add(other.sent);
        self.received = self.received.saturating_add(other.received);
        self.calls = self.calls.saturating_add(other.calls);
        self.group = self.group.saturating_add(other.group);
        self.last_sent = max_opt(self.last_sent, other.last_sent);
        self.last_received = max_opt(self.last_received, other.last_received);
        self.first_interaction = min_opt(self.first_interaction, other.first_interaction);
        self.last_interaction = max_opt(self.last_interaction, other.last_interaction);
        self.last_group = max_opt(self.last_group, other.last_group);
        self.my_replies.merge(&other.my_replies);
        self.their_replies.merge(&other.their_replies);
        if let Some((at, mine)) = other.last_message {
            if self.last_message.is_none_or(|(last, _)| at > last) {
                self.last_message = Some((at, mine));
            }
        }
        self.day_gaps.merge(&other.day_gaps);
        crate::stats::union_days(&mut self.days, &other.days);
    }

    fn interaction(&mut self, a: &AuthorStats) {
        self.first_interaction = min_opt(self.first_interaction, a.first_at);
        self.last_interaction = max_opt(self.last_interaction, a.last_at);
    }

    /// The contact, with the id of `key` (the person's anchor handle). Phones and emails are
    /// the person's, set by the caller.
    fn build(self, key: &str) -> Contact {
        let mut gaps = DayGaps::from_days(&self.days);
        gaps.merge(&self.day_gaps);
        let cadence = gaps.cadence_days();
        Contact {
            id: contact_id(key),
            phones: self.phones,
            emails: self.emails,
            name: self.name,
            sources: self.sources.iter().map(|s| s.as_str().to_string()).collect(),
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
            // Set with the keep-in-touch settings (`keep::apply`): against a goal where one is set.
            overdue_ratio: None,
            connected_at: self.connected_at,
            handles: Vec::new(),
            merged_because: Vec::new(),
            goal_days: None,
            suggested_goal_days: None,
            snoozed_until: None,
            not_now: false,
            reminders: true,
            attention: 0.0,
            attention_reason: None,
        }
    }
}

impl Engine {
    /// The persisted form of the engine ([`crate::store::State`]). Never inlined: snapshots,
    /// device states and absorbing share one copy in the wasm build.
    #[inline(never)]
    pub(crate) fn to_state(&self) -> crate::store::State {
        use crate::store::{PersonState, State};
        let mut acknowledged: Vec<(String, u64)> =
            self.sync.acknowledged.iter().map(|(id, f)| (id.clone(), *f)).collect();
        crate::sort::sort(&mut acknowledged);
        State {
            owner_given: self.owner_given.clone(),
            owner_inferred: self.owner_inferred.clone(),
            exclusions: self.exclusions.clone(),
            live_order: self.live_order,
            chats: self.chats.iter().map(Chat::state).collect(),
            people: self
                .people
                .iter()
                .map(|(key, p)| PersonState {
                    key: key.clone(),
                    name: p.name.clone(),
                    sources: p.sources.iter().collect(),
                    phones: p.phones.clone(),
                    emails: p.emails.clone(),
                    connected_at: p.connected_at,
                })
                .collect(),
            acknowledged,
            default_country: self.default_country.clone(),
            decisions: self.decisions.clone(),
            keep: self.keep.clone(),
        }
    }

    /// An engine from its persisted form (never inlined, as `to_state`).
    #[inline(never)]
    pub(crate) fn from_state(state: crate::store::State) -> Engine {
        let mut engine = Engine::new(&state.owner_given);
        engine.owner_inferred = state.owner_inferred;
        engine.exclusions = state.exclusions;
        engine.live_order = state.live_order;
        for c in state.chats {
            let mut chat =
                Chat::new(c.key, c.title, c.source.unwrap_or(Source::WhatsApp), c.shape.unwrap_or(Shape::Unknown));
            chat.participants = c.participants;
            chat.authors = c.authors;
            chat.reindex();
            chat.coverage = c.coverage;
            chat.id_spans = c.id_spans;
            chat.ids = c.ids;
            chat.last_message = c.last_message;
            chat.day_gaps = c.day_gaps;
            chat.days = c.days;
            chat.live_minutes = c.live_minutes;
            engine.chat_index.insert(chat.key.clone(), engine.chats.len());
            engine.chats.push(chat);
        }
        for p in state.people {
            engine.people.insert(
                p.key,
                Person {
                    name: p.name,
                    sources: p.sources.into_iter().collect(),
                    phones: p.phones,
                    emails: p.emails,
                    connected_at: p.connected_at,
                },
            );
        }
        engine.sync.acknowledged = state.acknowledged.into_iter().collect();
        engine.default_country = state.default_country;
        engine.next_decision = state.decisions.iter().map(|d| d.id + 1).max().unwrap_or(1);
        engine.decisions = state.decisions;
        engine.keep = state.keep;
        // Sorted for lookup; stored bytes may come in any order (keys are unique, checked when
        // they are read).
        crate::sort::sort_by(&mut engine.keep, |a, b| a.0 < b.0);
        engine
    }

    /// Feeds live WhatsApp Web events through the same identity and stats path as imports,
    /// deduplicated by message id and against exports already imported.
    pub fn ingest(
        &mut self,
        events: &[crate::LiveEvent],
        zone: Box<dyn LocalZone>,
        fallback: DateOrder,
    ) -> crate::IngestReport {
        import::whatsapp::live::ingest(self, events, zone, fallback)
    }

    /// The exclusion list as identity keys.
    pub(crate) fn exclusion_key_list(&self) -> Vec<String> {
        self.exclusion_keys()
    }

    /// Records a name learnt to be the user, unless the user said who they are.
    pub(crate) fn learn_owner_name(&mut self, name: String) {
        let key = contact_key(&name);
        if self.owner_given.is_empty() && !self.owner_inferred.iter().any(|(_, k)| *k == key) {
            self.owner_inferred.push((name, key));
        }
    }
}

#[cfg(test)]
mod builders_tests {
    use super::Builders;

    #[test]
    fn a_key_finds_its_builder_again_past_every_growth_and_keys_keep_their_first_order() {
        // Made for 2 builders: the table grows several times on the way to 300.
        let mut by_key = Builders::with_capacity(2);
        let keys: Vec<String> = (0..300).map(|i| format!("tel:+4477009{i:05}")).collect();
        for round in 0..3 {
            for key in &keys {
                let b = by_key.entry(key, &format!("{key} seen in round {round}"));
                b.group += 1;
            }
        }
        assert_eq!(by_key.list.len(), keys.len());
        for (keyed, key) in by_key.list.iter().zip(&keys) {
            assert_eq!(&keyed.key, key, "in the order first seen");
            assert_eq!(keyed.builder.group, 3, "{key}: one builder for all three rounds");
            assert_eq!(keyed.builder.name, format!("{key} seen in round 0"), "named when first seen");
        }
        assert_eq!(by_key.position("", "nobody"), keys.len(), "the empty key is a key like any other");
        assert_eq!(by_key.position("", "nobody"), keys.len());
    }
}
