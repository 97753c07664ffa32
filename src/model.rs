//! The data kith keeps and shows: metadata-only events and per-contact views. Nothing here has
//! a field that could hold message text.

use serde::Serialize;

use crate::time::iso_opt;

/// What a line of a chat is, as far as stats are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Somebody wrote something (text, media, a deleted-message marker, a poll…).
    Message,
    /// A call record: counts as an interaction, not as a message.
    Call,
    /// A notice by WhatsApp itself: never counted.
    System,
}

/// Where a chat came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A WhatsApp "Export chat" file, or WhatsApp Web captured live.
    WhatsApp,
    /// A Telegram Desktop export.
    Telegram,
    /// Facebook Messenger ("Download your information").
    Messenger,
    /// Instagram direct messages ("Download your information").
    Instagram,
    /// A LinkedIn data export.
    LinkedIn,
    /// Mail: a Google Takeout `.mbox`, or any mbox.
    Email,
    /// A contacts file (vCard, Google Contacts CSV): people, not conversations.
    Contacts,
}

impl Source {
    /// Every source, in the order of their snapshot codes.
    pub const ALL: [Source; 7] = [
        Source::WhatsApp,
        Source::Telegram,
        Source::Messenger,
        Source::Instagram,
        Source::LinkedIn,
        Source::Email,
        Source::Contacts,
    ];

    /// The name used in `Contact.sources`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::WhatsApp => "whatsapp",
            Source::Telegram => "telegram",
            Source::Messenger => "messenger",
            Source::Instagram => "instagram",
            Source::LinkedIn => "linkedin",
            Source::Email => "email",
            Source::Contacts => "contacts",
        }
    }

    /// The source's bit in [`Sources`]: its place in [`Source::ALL`].
    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The name people know the source by, for sentences.
    pub fn display_name(self) -> &'static str {
        match self {
            Source::WhatsApp => "WhatsApp",
            Source::Telegram => "Telegram",
            Source::Messenger => "Messenger",
            Source::Instagram => "Instagram",
            Source::LinkedIn => "LinkedIn",
            Source::Email => "Email",
            Source::Contacts => "your contacts",
        }
    }
}

/// A set of sources, one bit each, iterated in [`Source`]'s order as a `BTreeSet<Source>`
/// would be. Why not that set: every person and handle carries one, and a B-tree's insert,
/// clone, drop and iteration code instantiated for `Source` weighed a few KB of wasm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sources(u8);

impl Sources {
    /// Adds `source`.
    pub(crate) fn insert(&mut self, source: Source) {
        self.0 |= source.bit();
    }

    /// Whether `source` is in the set.
    pub(crate) fn contains(self, source: Source) -> bool {
        self.0 & source.bit() != 0
    }

    /// How many sources are in the set.
    pub(crate) fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the two sets have no source in common.
    pub(crate) fn is_disjoint(self, other: Sources) -> bool {
        self.0 & other.0 == 0
    }

    /// The sources, in [`Source`]'s order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Source> {
        Source::ALL.into_iter().filter(move |&s| self.contains(s))
    }
}

/// As `BTreeSet<Source>` orders: the sources compared in order, lexicographically.
impl Ord for Sources {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Sources {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Extend<Source> for Sources {
    fn extend<I: IntoIterator<Item = Source>>(&mut self, sources: I) {
        for s in sources {
            self.insert(s);
        }
    }
}

impl FromIterator<Source> for Sources {
    fn from_iter<I: IntoIterator<Item = Source>>(sources: I) -> Self {
        let mut set = Sources::default();
        set.extend(sources);
        set
    }
}

/// One of the handles a contact is known by (a WhatsApp number, a Telegram user, an address…),
/// with its own last interaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HandleView {
    /// The handle's identity key (`tel:+447700900123`, `telegram:user123`,
    /// `email:ann@example.com`…): what `split` names.
    pub key: String,
    /// The name the source shows for it.
    pub name: String,
    /// The sources it was seen in.
    pub sources: Vec<&'static str>,
    /// Latest message or call with this handle, in a direct chat or a group.
    #[serde(with = "iso_opt")]
    pub last_interaction_at: Option<i64>,
}

/// Which side is waiting for a reply in a direct chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitingOn {
    /// The contact wrote last: they are waiting for the user.
    Me,
    /// The user wrote last.
    Them,
}

/// One person the user talks to, with the stats of ARCHITECTURE.md §6. Times are seconds since
/// the Unix epoch (UTC); across the JS boundary they are ISO 8601 strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Stable id derived from the contact's phone or name.
    pub id: String,
    /// The name as the export shows it, cleaned.
    pub name: String,
    /// Phone numbers as `+<digits>`.
    pub phones: Vec<String>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Sources the contact was seen in: `whatsapp`, `telegram`, `messenger`, `instagram`,
    /// `linkedin`, `email`, `contacts`.
    pub sources: Vec<String>,
    /// The user's latest message in a direct chat with the contact.
    #[serde(with = "iso_opt")]
    pub last_sent_at: Option<i64>,
    /// The contact's latest message in a direct chat with the user.
    #[serde(with = "iso_opt")]
    pub last_received_at: Option<i64>,
    /// Latest direct message or call either way.
    #[serde(with = "iso_opt")]
    pub last_interaction_at: Option<i64>,
    /// Earliest direct message or call either way.
    #[serde(with = "iso_opt")]
    pub first_interaction_at: Option<i64>,
    /// Messages the user wrote in direct chats with the contact.
    pub sent_count: u32,
    /// Messages the contact wrote in direct chats with the user.
    pub received_count: u32,
    /// Calls recorded in direct chats, either way.
    pub call_count: u32,
    /// Messages the contact wrote in group chats.
    pub group_message_count: u32,
    /// The contact's latest message in a group chat.
    #[serde(with = "iso_opt")]
    pub last_group_message_at: Option<i64>,
    /// Median minutes the user takes to answer the contact (see `stats::ReplyTimes`).
    pub my_reply_minutes: Option<f64>,
    /// Median minutes the contact takes to answer the user.
    pub their_reply_minutes: Option<f64>,
    /// Who wrote last in the direct chat, and so who owes a reply.
    pub waiting_on: Option<WaitingOn>,
    /// Median days between days on which the two of you talked (see `stats::DayGaps`).
    pub cadence_days: Option<f64>,
    /// Time since the last interaction divided by the goal where the user set one, else by
    /// the cadence: above 1 means overdue (see [`crate::keep`]).
    pub overdue_ratio: Option<f64>,
    /// When the user connected with the contact (LinkedIn); not an interaction.
    #[serde(with = "iso_opt")]
    pub connected_at: Option<i64>,
    /// Every handle the contact is known by, the one its id comes from first.
    pub handles: Vec<HandleView>,
    /// Why those handles are one person, in words (`same phone number +44…`,
    /// `you merged them`); empty for a contact of one handle.
    pub merged_because: Vec<String>,
    /// The user's keep-in-touch goal: talk at least every this many days.
    pub goal_days: Option<u32>,
    /// A goal the cadence suggests, for the user to accept; never set without them.
    pub suggested_goal_days: Option<u32>,
    /// Snoozed: out of "Needs attention" until then.
    #[serde(with = "iso_opt")]
    pub snoozed_until: Option<i64>,
    /// Marked "not now": out of "Needs attention" until the next interaction (30 days at most).
    pub not_now: bool,
    /// Whether reminders may name this contact (the user can say no, per contact).
    pub reminders: bool,
    /// How much the contact needs attention now; 0 when not (see [`crate::keep`]).
    pub attention: f64,
    /// Why the contact needs attention, in a few words; `None` when it does not.
    pub attention_reason: Option<String>,
}

/// What one import did. Holds counts and names of people, never message text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The format read: `whatsapp`, `telegram`, `messenger`, `instagram`, `linkedin`, `mbox`.
    pub format: String,
    /// Conversations read (1 for a WhatsApp export; skipped ones are in `skipped`).
    pub chats: u32,
    /// Message lines read (media and deleted-message markers included).
    pub messages: u32,
    /// Call records read.
    pub calls: u32,
    /// System notices read and not counted.
    pub system_messages: u32,
    /// Messages and calls already known from an earlier import, counted once.
    pub duplicates: u32,
    /// People other than the user in the file.
    pub contacts: u32,
    /// The names that are the user.
    pub owner: Vec<String>,
    /// Where `owner` came from: `option`, `fileName`, `earlierImport`, `commonAuthor`,
    /// `profile`, `chatName`, `inEveryChat`, `deliveredTo`, `sentMail`, or `null`.
    pub owner_source: Option<String>,
    /// When kith could not tell which writer is the user: the writers to ask "Which of these
    /// is you?" about. Empty otherwise.
    pub writers: Vec<String>,
    /// What was skipped on purpose, by reason (`channels`, `bots`, `drafts`, `spam`, `trash`,
    /// `bulkMail`, `duplicateIds`…), with counts.
    pub skipped: std::collections::BTreeMap<String, u32>,
    /// How dates were read: `dmy`, `mdy`, `ymd`, or `monthName` (WhatsApp); `exact` where the
    /// source gives instants.
    pub date_order: String,
    /// Why that order: `unambiguous`, `dayAbove12`, `dayDecreases`, `dayChangesMore`, `fallback`.
    pub date_order_source: String,
    /// The chat's title (from the file name, for WhatsApp), when the import read one chat.
    pub chat_title: Option<String>,
    /// Whether the one chat read was read as a group chat.
    pub group: bool,
    /// Things the user may want to know or fix. Never message text.
    pub warnings: Vec<String>,
    /// The user's own messages in this import (not those already imported), by local hour of
    /// the week: 168 counts, Monday 00:00–00:59 first, Sunday 23:00–23:59 last, in the time
    /// zone the import was read in. Reported only, never kept: sum them over imports.
    pub your_week_hours: Vec<u32>,
    /// One per name in `writers`: that writer's messages in this import by hour of the week,
    /// as `your_week_hours`, to count as the user's once they say which writer is them.
    pub writer_week_hours: Vec<WriterHours>,
}

/// One writer's messages by hour of the week (see [`ImportReport::your_week_hours`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriterHours {
    /// The writer's name, as in [`ImportReport::writers`].
    pub name: String,
    /// 168 counts, Monday 00:00–00:59 first.
    pub hours: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::{Source, Sources};
    use std::collections::BTreeSet;

    #[test]
    fn sources_behave_as_a_btreeset_of_sources() {
        // Every subset of the seven sources, as a bitset and as the set it replaced.
        let subsets: Vec<(Sources, BTreeSet<Source>)> = (0u8..128)
            .map(|mask| {
                let set: BTreeSet<Source> =
                    Source::ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, &s)| s).collect();
                (set.iter().copied().collect(), set)
            })
            .collect();
        for (bits, set) in &subsets {
            assert_eq!(bits.iter().collect::<Vec<_>>(), set.iter().copied().collect::<Vec<_>>());
            assert_eq!(bits.len(), set.len());
            for s in Source::ALL {
                assert_eq!(bits.contains(s), set.contains(&s));
            }
            for (other_bits, other_set) in &subsets {
                assert_eq!(bits.cmp(other_bits), set.cmp(other_set));
                assert_eq!(bits.is_disjoint(*other_bits), set.is_disjoint(other_set));
            }
        }
    }
}
