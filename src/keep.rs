//! Keep in touch: the user's goals ("every 2 weeks"), snoozes and "not now", the attention
//! ranking built on them, and each contact's history as monthly counts.
//!
//! Definitions (ARCHITECTURE.md §6):
//! - A contact is *due* this many days after the last interaction on any source: the user's
//!   goal where one is set, otherwise the measured cadence. `overdueRatio` is the time since
//!   the last interaction divided by it; above 1 is overdue. Any interaction, on any source of a
//!   merged contact, resets it, because the last interaction is the latest over every source.
//! - `attention` ranks "Needs attention": 10 when the contact is waiting on the user, plus the
//!   overdue ratio when it is above 1 (capped at 9); 0 when neither. A snoozed contact, or one
//!   marked "not now", scores 0 whatever else holds, so it falls to the bottom of the list.
//! - `attentionReason` says why in a few words: "waiting on you 3 days", "2 weeks past your
//!   monthly goal", "5 weeks quiet (usually every 6 days)".
//! - A goal is never set without the user. `suggestedGoalDays` offers the first of the usual
//!   goals at or above the cadence.

use serde::Serialize;

use crate::engine::Engine;
use crate::error::IdentityError;
use crate::model::{Contact, Source, WaitingOn};

/// The goals people pick from, in days: a week, two weeks, a month, three months, six months,
/// a year. A suggestion is one of these.
pub const USUAL_GOALS: [u32; 6] = [7, 14, 30, 91, 182, 365];

/// The longest goal kith accepts: ten years.
pub const MAX_GOAL_DAYS: u32 = 3_650;

/// The furthest a snooze may end: ten years from now, like the longest goal (a date past
/// what the calendar code can write would make the contact's times unreadable).
pub const MAX_SNOOZE_SECONDS: i64 = 3_650 * 86_400;

/// How long "not now" hides a contact when nothing happens: thirty days.
pub const NOT_NOW_SECONDS: i64 = 30 * 86_400;

/// What the user asked of kith about one person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepSettings {
    /// Talk at least every this many days.
    pub goal_days: Option<u32>,
    /// Leave them out of "Needs attention" until then (seconds since the epoch).
    pub snoozed_until: Option<i64>,
    /// When the user said "not now": left out until the next interaction, or for
    /// [`NOT_NOW_SECONDS`].
    pub not_now_at: Option<i64>,
    /// "Don't remind me about this person": never in a reminder.
    pub no_reminders: bool,
    /// When the user last changed each of the four, so that devices of one account agree on
    /// the most recent choice (see [`KeepSettings::newest`]).
    pub changed_at: KeepTimes,
}

/// When each keep-in-touch setting was last changed, seconds since the epoch; 0 for never,
/// or before kith kept the time (snapshots before version 6). One time per setting rather
/// than one per person: a goal set on one device and a snooze set later on another are both
/// the user's latest word, and neither may undo the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepTimes {
    /// The goal.
    pub goal: i64,
    /// The snooze.
    pub snooze: i64,
    /// "Not now".
    pub not_now: i64,
    /// Reminders on or off.
    pub reminders: i64,
}

impl KeepSettings {
    /// The latest change to any of the settings.
    pub(crate) fn last_change(&self) -> i64 {
        let t = self.changed_at;
        t.goal.max(t.snooze).max(t.not_now).max(t.reminders)
    }

    /// Two devices' settings for one handle combined: each setting as it was most recently
    /// changed. Equal times (settings from before times were kept, or one change seen twice)
    /// are settled by the values themselves, so the result does not depend on which is `self`.
    pub(crate) fn newest(&self, other: &KeepSettings) -> KeepSettings {
        fn pick<T: Ord + Copy>(a: (i64, T), b: (i64, T)) -> (i64, T) {
            a.max(b)
        }
        let (a, b) = (self.changed_at, other.changed_at);
        let goal = pick((a.goal, self.goal_days), (b.goal, other.goal_days));
        let snooze = pick((a.snooze, self.snoozed_until), (b.snooze, other.snoozed_until));
        let not_now = pick((a.not_now, self.not_now_at), (b.not_now, other.not_now_at));
        let reminders = pick((a.reminders, self.no_reminders), (b.reminders, other.no_reminders));
        KeepSettings {
            goal_days: goal.1,
            snoozed_until: snooze.1,
            not_now_at: not_now.1,
            no_reminders: reminders.1,
            changed_at: KeepTimes { goal: goal.0, snooze: snooze.0, not_now: not_now.0, reminders: reminders.0 },
        }
    }
}

/// A change to a person's keep-in-touch settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepChange {
    /// Set a goal in days, or clear it.
    Goal(Option<u32>),
    /// Snooze until this time, or wake now.
    Snooze(Option<i64>),
    /// "Not now" (true) or take it back (false).
    NotNow(bool),
    /// Whether reminders may name this person.
    Reminders(bool),
}

/// One month of a contact's history on one source: counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthCount {
    /// `YYYY-MM`, in the time zone of the import.
    pub month: String,
    /// The source: `whatsapp`, `telegram`…
    pub source: String,
    /// Messages the user wrote to them in direct chats.
    pub sent: u32,
    /// Messages they wrote to the user in direct chats.
    pub received: u32,
    /// Messages they wrote in group chats.
    pub group: u32,
}

/// "3 days", "2 weeks", "5 months": how long `seconds` is, roughly, for a reason in words.
pub fn duration_words(seconds: i64) -> String {
    let days = seconds.max(0) / 86_400;
    let (n, unit) = match days {
        0 => {
            let hours = seconds.max(0) / 3_600;
            if hours == 0 {
                return "under an hour".to_string();
            }
            (hours, "hour")
        }
        1..=13 => (days, "day"),
        14..=59 => (days / 7, "week"),
        60..=729 => (days * 100 / 3_044, "month"),
        _ => (days * 100 / 36_525, "year"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// "monthly", "weekly", "10-day": a goal as an adjective.
pub fn goal_words(days: u32) -> std::borrow::Cow<'static, str> {
    std::borrow::Cow::Borrowed(match days {
        1 => "daily",
        7 => "weekly",
        14 => "fortnightly",
        28..=31 => "monthly",
        90..=92 => "quarterly",
        182 | 183 => "half-yearly",
        365 | 366 => "yearly",
        n => return std::borrow::Cow::Owned(format!("{n}-day")),
    })
}

/// The usual goal a cadence suggests: the first at or above it, and a year at most.
pub fn suggested_goal(cadence_days: Option<f64>) -> Option<u32> {
    let cadence = cadence_days.filter(|d| *d > 0.0)?;
    Some(USUAL_GOALS.iter().copied().find(|&g| f64::from(g) >= cadence).unwrap_or(365))
}

/// Sets a contact's goal, snooze, reasons and attention from the user's settings and `now`.
/// `overdue_ratio` is measured against the goal where one is set, else against the cadence.
pub(crate) fn apply(contact: &mut Contact, settings: Option<&KeepSettings>, now: i64) {
    let settings = settings.copied().unwrap_or_default();
    contact.goal_days = settings.goal_days;
    contact.suggested_goal_days = suggested_goal(contact.cadence_days);
    contact.reminders = !settings.no_reminders;
    contact.snoozed_until = settings.snoozed_until.filter(|&until| until > now);
    let last = contact.last_interaction_at;
    contact.not_now =
        settings.not_now_at.is_some_and(|at| now < at.saturating_add(NOT_NOW_SECONDS) && last.is_none_or(|l| l <= at));
    let due_days = settings.goal_days.map(f64::from).or(contact.cadence_days).filter(|d| *d > 0.0);
    contact.overdue_ratio = match (due_days, last) {
        (Some(days), Some(last)) => Some((now.saturating_sub(last) as f64 / 86_400.0 / days * 100.0).round() / 100.0),
        _ => None,
    };
    let waiting = contact.waiting_on == Some(WaitingOn::Me);
    let overdue = contact.overdue_ratio.filter(|r| *r > 1.0);
    // In hundredths, like every number of a contact (see `json::Out::number`).
    contact.attention = if contact.snoozed_until.is_some() || contact.not_now {
        0.0
    } else {
        ((if waiting { 1_000.0 } else { 0.0 }) + overdue.map_or(0.0, |r| (r * 100.0).round().min(900.0))) / 100.0
    };
    contact.attention_reason = if contact.attention == 0.0 {
        None
    } else if waiting {
        // Times come from stored bytes, which may be crafted: no subtraction may overflow.
        let since = contact.last_received_at.map_or(0, |at| now.saturating_sub(at));
        Some(format!("waiting on you {}", duration_words(since)))
    } else {
        let since = last.map_or(0, |at| now.saturating_sub(at));
        Some(match (settings.goal_days, contact.cadence_days) {
            (Some(goal), _) => {
                format!(
                    "{} past your {} goal",
                    duration_words(since.saturating_sub(i64::from(goal) * 86_400)),
                    goal_words(goal)
                )
            }
            (None, Some(cadence)) => format!(
                "{} quiet (usually every {})",
                duration_words(since),
                duration_words((cadence * 86_400.0) as i64)
            ),
            (None, None) => duration_words(since),
        })
    };
}

impl Engine {
    /// The settings that apply to a person whose handle keys are `keys` (anchor first): those
    /// of the first handle that has any, so settings made before a merge follow the person.
    pub(crate) fn keep_settings<'a, I: IntoIterator<Item = &'a str>>(&self, keys: I) -> Option<&KeepSettings> {
        if self.keep.is_empty() {
            return None;
        }
        self.keep_of(keys).map(|i| &self.keep[i].1)
    }

    /// Where the settings that apply to a person (handle keys `keys`, anchor first) are: of
    /// the handles that have any, the one changed most recently, the first in anchor order
    /// among equals. Two handles have settings when people with settings were merged, or
    /// when two devices set them before one of them learnt of a merge: the latest word wins.
    fn keep_of<'a, I: IntoIterator<Item = &'a str>>(&self, keys: I) -> Option<usize> {
        let mut best: Option<usize> = None;
        for i in keys.into_iter().filter_map(|k| self.keep_at(k).ok()) {
            if best.is_none_or(|b| self.keep[i].1.last_change() > self.keep[b].1.last_change()) {
                best = Some(i);
            }
        }
        best
    }

    /// Where `key`'s settings are in the sorted list, or where they would go. A sorted list
    /// rather than a map: it is small, and a map type of its own costs several KB of wasm.
    fn keep_at(&self, key: &str) -> Result<usize, usize> {
        self.keep.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The keep-in-touch settings that apply to a contact, with the handle key they are kept
    /// on, as bytes for [`Engine::record_keep`] on another engine: the extension copies a
    /// change made on the view of several devices into this device's own knowledge this way.
    pub fn keep_record(&self, contact_id: &str, now: i64) -> Result<Vec<u8>, IdentityError> {
        let members = Engine::members_of(&self.people_view(now), contact_id)?;
        let at = self.keep_of(members.iter().map(String::as_str)).ok_or(IdentityError::UnknownContact)?;
        let (key, settings) = &self.keep[at];
        Ok(crate::store::encode_keep(key, settings))
    }

    /// Takes settings from [`Engine::keep_record`]: each setting as most recently changed, of
    /// these and any this engine keeps on the same handle.
    pub fn record_keep(&mut self, record: &[u8]) -> Result<(), crate::store::StoreError> {
        let (key, settings) = crate::store::decode_keep(record)?;
        match self.keep_at(&key) {
            Ok(at) => self.keep[at].1 = self.keep[at].1.newest(&settings),
            Err(at) => self.keep.insert(at, (key, settings)),
        }
        Ok(())
    }

    /// Changes a contact's keep-in-touch settings. Nothing is set that the user did not ask
    /// for; a goal is 1 to [`MAX_GOAL_DAYS`] days.
    ///
    /// Settings are kept on a handle of the contact (the one that already has them, else its
    /// anchor), so they survive re-imports and follow the person through merges.
    pub fn keep_in_touch(&mut self, contact_id: &str, change: KeepChange, now: i64) -> Result<(), IdentityError> {
        if let KeepChange::Goal(Some(days)) = change {
            if days == 0 || days > MAX_GOAL_DAYS {
                return Err(IdentityError::InvalidGoal);
            }
        }
        if let KeepChange::Snooze(Some(until)) = change {
            if until <= now || until > now.saturating_add(MAX_SNOOZE_SECONDS) {
                return Err(IdentityError::InvalidSnooze);
            }
        }
        let members = Engine::members_of(&self.people_view(now), contact_id)?;
        let at = match self.keep_of(members.iter().map(String::as_str)) {
            Some(at) => at,
            None => {
                let at = self.keep_at(&members[0]).unwrap_or_else(|at| at);
                self.keep.insert(at, (members[0].clone(), KeepSettings::default()));
                at
            }
        };
        let settings = &mut self.keep[at].1;
        let times = &mut settings.changed_at;
        match change {
            KeepChange::Goal(days) => (settings.goal_days, times.goal) = (days, now),
            KeepChange::Snooze(until) => (settings.snoozed_until, times.snooze) = (until, now),
            KeepChange::NotNow(on) => (settings.not_now_at, times.not_now) = (on.then_some(now), now),
            KeepChange::Reminders(on) => (settings.no_reminders, times.reminders) = (!on, now),
        }
        // A setting taken back stays as a dated entry, not removed: on another device of the
        // account, an older entry for the same person would otherwise win again when the two
        // devices' states are combined (`Engine::absorb`).
        Ok(())
    }

    /// A contact's messages per month and source, oldest first, from `from` (a month, see
    /// [`crate::months`]) on: counts each way in direct chats and theirs in groups.
    pub fn history(
        &self,
        contact_id: &str,
        from: Option<crate::months::Month>,
    ) -> Result<Vec<MonthCount>, IdentityError> {
        let mut members = Engine::members_of(&self.people_view(0), contact_id)?;
        // Sorted for a binary search per author: a person may have thousands of handles.
        crate::sort::sort(&mut members);
        Ok(self.month_counts(&|key| members.binary_search_by(|m| m.as_str().cmp(key)).is_ok(), from))
    }

    /// Every contact's [`Engine::history`] summed: messages per month and source over all
    /// direct chats (yours and theirs) and groups (theirs), in one pass over the chats. Asking
    /// `history` of each of 10,000 contacts regroups every contact each time.
    pub fn activity(&self, from: Option<crate::months::Month>) -> Vec<MonthCount> {
        self.month_counts(&|_| true, from)
    }

    /// Messages per month and source of the handles whose keys `is_member` accepts: one copy
    /// of the walk for `history` and `activity` (a `dyn`, not a generic, keeps it one in wasm).
    fn month_counts(&self, is_member: &dyn Fn(&str) -> bool, from: Option<crate::months::Month>) -> Vec<MonthCount> {
        // (month, source, [sent, received, group]), one row per author record and month,
        // then sorted and summed: no map type of its own (several KB of wasm).
        let mut rows: Vec<(i32, u8, [u32; 3])> = Vec::new();
        self.for_each_author_of(is_member, &mut |source, author, role| {
            let source_at = Source::ALL.iter().position(|s| *s == source).unwrap_or(0) as u8;
            for &(month, count) in author.months.pairs() {
                if from.is_none_or(|f| month >= f) {
                    let mut cells = [0; 3];
                    cells[role as usize] = count;
                    rows.push((month, source_at, cells));
                }
            }
        });
        crate::sort::sort_by_key(&mut rows, |&(month, source, _)| (month, source));
        let mut out: Vec<MonthCount> = Vec::new();
        let mut last: Option<(i32, u8)> = None;
        for (month, source, [sent, received, group]) in rows {
            match out.last_mut() {
                Some(m) if last == Some((month, source)) => {
                    m.sent = m.sent.saturating_add(sent);
                    m.received = m.received.saturating_add(received);
                    m.group = m.group.saturating_add(group);
                }
                _ => out.push(MonthCount {
                    month: crate::months::label(month),
                    source: Source::ALL[usize::from(source)].as_str().to_string(),
                    sent,
                    received,
                    group,
                }),
            }
            last = Some((month, source));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact {
            id: "c1".into(),
            name: "Ann".into(),
            phones: vec![],
            emails: vec![],
            sources: vec!["whatsapp".into()],
            last_sent_at: Some(0),
            last_received_at: Some(0),
            last_interaction_at: Some(0),
            first_interaction_at: Some(0),
            sent_count: 1,
            received_count: 1,
            call_count: 0,
            group_message_count: 0,
            last_group_message_at: None,
            my_reply_minutes: None,
            their_reply_minutes: None,
            waiting_on: Some(WaitingOn::Them),
            cadence_days: Some(5.0),
            overdue_ratio: None,
            connected_at: None,
            handles: vec![],
            merged_because: vec![],
            goal_days: None,
            suggested_goal_days: None,
            snoozed_until: None,
            not_now: false,
            reminders: true,
            attention: 0.0,
            attention_reason: None,
        }
    }

    const DAY: i64 = 86_400;

    #[test]
    fn overdue_is_measured_against_the_goal_where_one_is_set() {
        let mut c = contact();
        apply(&mut c, None, 20 * DAY);
        assert_eq!(c.overdue_ratio, Some(4.0));
        assert_eq!(c.attention, 4.0);
        assert_eq!(c.attention_reason.as_deref(), Some("2 weeks quiet (usually every 5 days)"));
        assert_eq!(c.suggested_goal_days, Some(7));
        let goal = KeepSettings { goal_days: Some(30), ..KeepSettings::default() };
        apply(&mut c, Some(&goal), 20 * DAY);
        assert_eq!(c.overdue_ratio, Some(0.67));
        assert_eq!(c.attention, 0.0);
        assert_eq!(c.attention_reason, None);
        apply(&mut c, Some(&goal), 44 * DAY);
        assert_eq!(c.attention, 1.47);
        assert_eq!(c.attention_reason.as_deref(), Some("2 weeks past your monthly goal"));
    }

    #[test]
    fn any_interaction_resets_the_goal() {
        let mut c = contact();
        let goal = KeepSettings { goal_days: Some(7), ..KeepSettings::default() };
        apply(&mut c, Some(&goal), 10 * DAY);
        assert!(c.attention > 1.0);
        c.last_interaction_at = Some(9 * DAY);
        apply(&mut c, Some(&goal), 10 * DAY);
        assert_eq!(c.attention, 0.0);
        assert_eq!(c.overdue_ratio, Some(0.14));
    }

    #[test]
    fn waiting_on_you_comes_first_and_says_for_how_long() {
        let mut c = contact();
        c.waiting_on = Some(WaitingOn::Me);
        c.last_received_at = Some(DAY);
        apply(&mut c, None, 4 * DAY);
        assert_eq!(c.attention, 10.0);
        assert_eq!(c.attention_reason.as_deref(), Some("waiting on you 3 days"));
        apply(&mut c, None, 41 * DAY);
        assert_eq!(c.attention, 10.0 + 8.2);
    }

    #[test]
    fn snoozed_and_not_now_contacts_score_nothing_until_they_wake() {
        let mut c = contact();
        c.waiting_on = Some(WaitingOn::Me);
        let snoozed = KeepSettings { snoozed_until: Some(30 * DAY), ..KeepSettings::default() };
        apply(&mut c, Some(&snoozed), 20 * DAY);
        assert_eq!((c.attention, c.snoozed_until), (0.0, Some(30 * DAY)));
        apply(&mut c, Some(&snoozed), 31 * DAY);
        assert_eq!(c.snoozed_until, None);
        assert!(c.attention >= 10.0);

        let not_now = KeepSettings { not_now_at: Some(20 * DAY), ..KeepSettings::default() };
        apply(&mut c, Some(&not_now), 21 * DAY);
        assert!(c.not_now);
        assert_eq!(c.attention, 0.0);
        // The next interaction ends it, and so do thirty days.
        c.last_interaction_at = Some(22 * DAY);
        apply(&mut c, Some(&not_now), 23 * DAY);
        assert!(!c.not_now);
        c.last_interaction_at = Some(0);
        apply(&mut c, Some(&not_now), 50 * DAY + 1);
        assert!(!c.not_now);
    }

    #[test]
    fn times_from_crafted_bytes_give_numbers_not_a_panic() {
        let mut c = contact();
        c.waiting_on = Some(WaitingOn::Me);
        c.last_interaction_at = Some(i64::MIN);
        c.last_received_at = Some(i64::MIN);
        apply(&mut c, Some(&KeepSettings { goal_days: Some(7), ..KeepSettings::default() }), i64::MAX);
        assert!(c.attention >= 10.0);
        apply(&mut c, None, i64::MIN);
        assert_eq!(c.overdue_ratio.map(f64::is_finite), Some(true));
    }

    #[test]
    fn words_for_durations_and_goals() {
        assert_eq!(duration_words(30 * 60), "under an hour");
        assert_eq!(duration_words(3 * 3_600), "3 hours");
        assert_eq!(duration_words(DAY), "1 day");
        assert_eq!(duration_words(13 * DAY), "13 days");
        assert_eq!(duration_words(14 * DAY), "2 weeks");
        assert_eq!(duration_words(90 * DAY), "2 months");
        assert_eq!(duration_words(800 * DAY), "2 years");
        assert_eq!(duration_words(-5), "under an hour");
        assert_eq!(goal_words(30), "monthly");
        assert_eq!(goal_words(10), "10-day");
        assert_eq!(suggested_goal(Some(5.0)), Some(7));
        assert_eq!(suggested_goal(Some(30.0)), Some(30));
        assert_eq!(suggested_goal(Some(31.0)), Some(91));
        assert_eq!(suggested_goal(Some(900.0)), Some(365));
        assert_eq!(suggested_goal(None), None);
    }
}
