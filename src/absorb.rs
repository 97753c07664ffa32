//! Combining what two devices of one account know (docs/sync-protocol.md, version 2, "How
//! records are made"). Each device publishes its own state ([`crate::Engine::device_state`]);
//! a device's view is its own state with every other device's absorbed into it.
//!
//! Absorbing is commutative and idempotent: own ⊕ other and other ⊕ own give the same
//! contacts, and absorbing a state a second time changes nothing. So two devices that have
//! read each other's states compute the same records, with the same ids, and nothing
//! flip-flops between syncs. Every choice between two equals is settled by the content
//! itself (its snapshot bytes), never by which side a thing came from.
//!
//! Chats, matched by key, by their coverage ([`crate::coverage`]):
//! - one contains the other (spans, ordered ids, unordered ids and live minutes): the
//!   containing one is kept. Two devices that imported the same export agree exactly, and a
//!   later export contains an earlier one.
//! - one's exports cover the other's exports, but the other captured messages live beyond
//!   them: those minutes are added to it, minute by minute (see [`add_live`]).
//! - the two are disjoint (exports of different periods, message ids that do not meet): their
//!   aggregates are added, as [`crate::Engine::commit`] adds an import's.
//! - any other overlap cannot be counted exactly without the messages: the copy that counted
//!   more is kept, and the report warns (with counts only: no title, no name).
//!
//! Everything else: decisions are the union of both logs, ordered by time and then by their
//! content, each once, numbered again; keep-in-touch settings take each setting's latest
//! change; people from contacts files are united; the user's names and the exclusions are
//! united (sets to the contacts view); the default phone country and WhatsApp Web's date order
//! are chosen by value where the devices disagree.
//!
//! Approximations, each named where it is made: a live message added to an export from
//! another device extends no reply-time histogram; its local month is found from the
//! capturing device's active days ([`live_offset`]) when it falls within hours of a month's
//! end; at a span's first or last minute, an export's count and a later live capture's add up.
//!
//! Absorbing runs once per device state, never per message: its helpers are never inlined,
//! which keeps the wasm module 0.6 KB (gzipped) smaller than one inlined body.

use std::collections::HashMap;

use serde::Serialize;

use crate::coverage::{merge_span, Span};
use crate::engine::{Chat, Engine, Person};
use crate::import::collect::ChatDelta;
use crate::keep::KeepSettings;
use crate::merge::Decision;
use crate::model::Source;
use crate::stats::{max_opt, AuthorStats};
use crate::DateOrder;

/// What absorbing another device's state did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AbsorbReport {
    /// Chats only the other device knew, taken as they were.
    pub chats_added: u32,
    /// Chats both knew, combined: disjoint parts added, or live minutes added to an export.
    pub chats_merged: u32,
    /// Chats both knew where one side's copy covered the other's, kept as it was.
    pub chats_kept: u32,
    /// What could not be combined exactly, in words, with counts only.
    pub warnings: Vec<String>,
}

/// Absorbs `other` (another device's state, restored) into `engine`. The engine's sync
/// bookkeeping (what the server acknowledged) stays its own. The work is done on the engine's
/// own types with the engine's own code for adding a chat's counts ([`Chat::add`]), so that
/// the wasm build carries one copy of it.
pub(crate) fn absorb(engine: &mut Engine, other: Engine) -> AbsorbReport {
    let mut report = AbsorbReport::default();
    let Engine {
        owner_given,
        owner_inferred,
        exclusions,
        live_order,
        chats,
        people,
        decisions,
        default_country,
        keep,
        ..
    } = other;
    // Who the user is and what they excluded are sets to the contacts view (it only asks
    // whether a handle is in them): their order need not agree between devices.
    add_missing(&mut engine.owner_given, owner_given);
    add_missing(&mut engine.owner_inferred, owner_inferred);
    add_missing(&mut engine.exclusions, exclusions);
    engine.live_order = match (engine.live_order, live_order) {
        // Two devices read WhatsApp Web's dates in different orders (two locales): one is
        // chosen, day first, whichever device is asked.
        (Some(a), Some(b)) if a != b => Some(DateOrder::DayMonth),
        (a, b) => a.or(b),
    };
    // The smallest code of those set, whichever device is asked: a country set on one device
    // only is taken; two devices that disagree agree on one of the two.
    engine.default_country = match (engine.default_country.take(), default_country) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    absorb_chats(engine, chats, &mut report);
    for (key, theirs) in people {
        absorb_person(engine.people.entry(key).or_default(), theirs);
    }
    engine.decisions = absorb_decisions(std::mem::take(&mut engine.decisions), decisions);
    engine.next_decision = engine.decisions.len() as u64 + 1;
    absorb_keep(&mut engine.keep, keep);
    report
}

/// Adds the items of `more` that `list` lacks, in their order.
#[inline(never)]
fn add_missing<T: PartialEq>(list: &mut Vec<T>, more: Vec<T>) {
    for item in more {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// Adds `more` to `list`, then sorts it and keeps each item once.
#[inline(never)]
fn sorted_union<T: Ord>(list: &mut Vec<T>, more: Vec<T>) {
    list.extend(more);
    crate::sort::sort(list);
    list.dedup();
}

/// Every chat of both, combined by key, then sorted by key: the contacts view names a handle
/// by the first chat it is seen in, and chats in key order make that the same on every device.
#[inline(never)]
fn absorb_chats(engine: &mut Engine, theirs: Vec<Chat>, report: &mut AbsorbReport) {
    for chat in theirs {
        let Some(&at) = engine.chat_index.get(&chat.key) else {
            report.chats_added += 1;
            // A state holds each key once (decoding checks it): the index is rebuilt below.
            engine.chats.push(chat);
            continue;
        };
        match combine(&mut engine.chats[at], chat) {
            Outcome::Kept => report.chats_kept += 1,
            Outcome::Merged => report.chats_merged += 1,
            Outcome::Overlap { kept, left_out } => {
                report.chats_kept += 1;
                report.warnings.push(format!(
                    "Two devices imported exports of one chat that overlap only in part: kith counted the \
                     one with more messages ({kept}, not {left_out}). Import the newest export of it again."
                ));
            }
        }
    }
    crate::sort::sort_by(&mut engine.chats, |a, b| a.key < b.key);
    engine.chat_index.clear();
    for (i, chat) in engine.chats.iter().enumerate() {
        engine.chat_index.insert(chat.key.clone(), i);
    }
}

/// How two copies of one chat were combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// One copy covered the other and was kept.
    Kept,
    /// Parts of one were added to the other.
    Merged,
    /// Neither covers the other and they are not disjoint: the one that counted more was kept.
    Overlap { kept: u64, left_out: u64 },
}

/// What to do with two copies of one chat, `x` the one whose snapshot bytes sort first.
enum Plan {
    /// Keep this one (true: `x`).
    Keep(bool),
    /// Add the other's live minutes to this one (true: `x`).
    AddLive(bool),
    /// Add `y`'s counts to `x`'s.
    Sum,
    /// Keep this one (true: `x`) and warn.
    Wider(bool),
}

/// Two copies of one chat as one, in `mine`. A function of the pair, not of which copy is
/// whose: where the rules leave a choice, the copy with the smaller snapshot bytes is taken
/// (copies that are equal as far as coverage goes are nearly always identical).
#[inline(never)]
fn combine(mine: &mut Chat, theirs: Chat) -> Outcome {
    let (mine_bytes, their_bytes) = (chat_bytes(mine), chat_bytes(&theirs));
    if mine_bytes == their_bytes {
        return Outcome::Kept;
    }
    let mine_first = mine_bytes < their_bytes;
    let plan = {
        let (x, y): (&Chat, &Chat) = if mine_first { (mine, &theirs) } else { (&theirs, mine) };
        if covers(x, y, false) {
            Plan::Keep(true)
        } else if covers(y, x, false) {
            Plan::Keep(false)
        } else if covers(x, y, true) {
            Plan::AddLive(true)
        } else if covers(y, x, true) {
            Plan::AddLive(false)
        } else if disjoint(x, y) {
            Plan::Sum
        } else {
            // The one that counted more covers more of the chat's history; `x` among equals.
            Plan::Wider(counted(x) >= counted(y))
        }
    };
    // `mine` becomes the copy the plan starts from; `other` is the rest.
    let start_from_x = match plan {
        Plan::Keep(x) | Plan::AddLive(x) | Plan::Wider(x) => x,
        Plan::Sum => true,
    };
    let other = if start_from_x == mine_first { theirs } else { std::mem::replace(mine, theirs) };
    match plan {
        Plan::Keep(_) => Outcome::Kept,
        Plan::AddLive(_) => {
            add_live(mine, &other);
            Outcome::Merged
        }
        Plan::Sum => {
            sum(mine, other);
            Outcome::Merged
        }
        Plan::Wider(_) => Outcome::Overlap { kept: counted(mine), left_out: counted(&other) },
    }
}

/// A chat as the snapshot writes it: equal bytes, equal chats.
#[inline(never)]
fn chat_bytes(chat: &Chat) -> Vec<u8> {
    crate::store::chat_bytes(&chat.state())
}

/// Messages a chat's exports know of at `minute` by `key`, from its spans (sorted and
/// disjoint, as [`merge_span`] keeps them): `u32::MAX` strictly inside a span (an export holds
/// every message there), the kept count at a span's first or last minute, 0 outside.
#[inline(never)]
fn span_known(spans: &[Span], minute: i64, key: &str) -> u32 {
    let at = spans.partition_point(|s| s.start <= minute);
    let Some(span) = at.checked_sub(1).map(|i| &spans[i]) else { return 0 };
    if minute > span.start && minute < span.end {
        return u32::MAX;
    }
    let count_in = |counts: &[(String, u32)]| counts.iter().find(|(k, _)| k == key).map_or(0, |c| c.1);
    let mut known = 0;
    if minute == span.start {
        known = count_in(&span.start_counts);
    }
    if minute == span.end {
        known = known.max(count_in(&span.end_counts));
    }
    known
}

/// Messages `chat` counted at `minute` by `key` (`live` is its [`Chat::live_index`]): what its
/// exports know there and, beyond that, what it captured live (a live capture after an export
/// counts only messages beyond the export's, so the two add up).
#[inline(never)]
fn known(chat: &Chat, live: &HashMap<(i64, String), usize>, minute: i64, key: &str) -> u32 {
    let live_count = live.get(&(minute, key.to_string())).map_or(0, |&i| chat.live_minutes[i].2);
    span_known(&chat.coverage, minute, key).saturating_add(live_count)
}

/// Whether `x` counted everything `y` counted. With `exports_only`, only what exports
/// counted is compared: spans, ordered ids, and the unordered ids of sources other than
/// WhatsApp (WhatsApp's unordered ids are the rows WhatsApp Web showed, which go with the
/// live minutes).
#[inline(never)]
fn covers(x: &Chat, y: &Chat, exports_only: bool) -> bool {
    for s in &y.coverage {
        let at = x.coverage.partition_point(|t| t.start <= s.start);
        let Some(t) = at.checked_sub(1).map(|i| std::slice::from_ref(&x.coverage[i])) else { return false };
        let within = |minute: i64, counts: &[(String, u32)]| counts.iter().all(|(k, n)| span_known(t, minute, k) >= *n);
        if t[0].end < s.end || !within(s.start, &s.start_counts) || !within(s.end, &s.end_counts) {
            return false;
        }
    }
    if !y.id_spans.iter().all(|&(lo, hi)| x.id_spans.iter().any(|&(a, b)| a <= lo && hi <= b)) {
        return false;
    }
    let ids = y.ids.iter().all(|id| x.ids.binary_search(id).is_ok());
    if exports_only {
        return y.source == Source::WhatsApp || ids;
    }
    let live = x.live_index();
    ids && y.live_minutes.iter().all(|(m, k, c)| known(x, &live, *m, k) >= *c)
}

/// Whether nothing one counted could be something the other counted: no minute of one's spans
/// or live minutes in the other's, no ordered id range meeting, no unordered id in both.
#[inline(never)]
fn disjoint(x: &Chat, y: &Chat) -> bool {
    !meet(&minutes(x), &minutes(y))
        && !meet(&x.id_spans, &y.id_spans)
        && !y.ids.iter().any(|id| x.ids.binary_search(id).is_ok())
}

/// The minutes a chat counted messages in: its spans, and each live minute as a range of one.
#[inline(never)]
fn minutes(chat: &Chat) -> Vec<(i64, i64)> {
    let spans = chat.coverage.iter().map(|s| (s.start, s.end));
    spans.chain(chat.live_minutes.iter().map(|l| (l.0, l.0))).collect()
}

/// Whether a range of `a` and one of `b` (both ends included) have a point in common.
#[inline(never)]
fn meet(a: &[(i64, i64)], b: &[(i64, i64)]) -> bool {
    a.iter().any(|&(lo, hi)| b.iter().any(|&(c, d)| lo <= d && c <= hi))
}

/// Messages and calls a chat counted.
#[inline(never)]
fn counted(chat: &Chat) -> u64 {
    chat.authors.iter().map(|a| u64::from(a.messages) + u64::from(a.calls)).sum()
}

/// A delta that adds nothing, for [`Chat::add`] to be given only what is set on it.
#[inline(never)]
fn empty_delta(chat: &Chat) -> ChatDelta {
    ChatDelta {
        key: String::new(),
        title: None,
        source: chat.source,
        shape: crate::import::collect::Shape::Unknown,
        participants: Vec::new(),
        authors: Vec::new(),
        span: None,
        id_span: None,
        ids: Vec::new(),
        last_message: None,
        days: Vec::new(),
        messages: 0,
        calls: 0,
        system: 0,
        duplicates: 0,
        excluded: 0,
        live_minutes: Vec::new(),
        week_slots: Vec::new(),
    }
}

/// Adds to `base` the messages `from` captured live beyond what `base` counted, minute by
/// minute: each live minute is a count of one author's messages in that minute, so counts,
/// first and last times, and months are exact; reply times are not extended (a live minute
/// does not say which message answered which), so a contact's median reply time leaves out
/// those messages. `base`'s exports cover `from`'s, so each of `from`'s active days is a day of
/// a message `base` counted or of one added here: the days are united.
#[inline(never)]
fn add_live(base: &mut Chat, from: &Chat) {
    let live = base.live_index();
    let mut extras: Vec<(i64, String, u32)> = Vec::new();
    for (minute, key, count) in &from.live_minutes {
        let known = known(base, &live, *minute, key);
        if *count > known {
            extras.push((*minute, key.clone(), count - known));
        }
    }
    let mut delta = empty_delta(from);
    let mut offset: Option<i64> = None;
    for (minute, key, extra) in &extras {
        let i = match delta.authors.iter().position(|a| a.key == *key) {
            Some(i) => i,
            None => {
                // Named only where `base` does not know the author: `Chat::add` renames those
                // it knows after a non-empty name.
                let known = base.authors.iter().any(|a| a.key == *key);
                let theirs = from.authors.iter().find(|a| a.key == *key).filter(|_| !known);
                let name = theirs.map(|a| a.name.clone()).unwrap_or_default();
                delta.authors.push(AuthorStats { key: key.clone(), name, ..AuthorStats::default() });
                delta.authors.len() - 1
            }
        };
        let at = minute.saturating_mul(60);
        let author = &mut delta.authors[i];
        author.record(at, false);
        author.messages = author.messages.saturating_add(extra - 1);
        // Months are local: the same month at both ends of the world's offsets, or else at the
        // offset `from`'s days point to.
        let month = |offset: i64| crate::months::month_of_day(minute.saturating_add(offset).div_euclid(1440));
        let (west, east) = (month(-LONGEST_WEST), month(LONGEST_EAST));
        let local = if west == east { west } else { month(*offset.get_or_insert_with(|| live_offset(from))) };
        if let Some(month) = local {
            author.months.add_count(month, *extra);
        }
        if delta.last_message.is_none_or(|(last, _)| at > last) {
            delta.last_message = Some((at, i as u32));
        }
    }
    if base.title.is_none() {
        delta.title.clone_from(&from.title);
    }
    delta.shape = from.shape.clone();
    delta.participants.clone_from(&from.participants);
    delta.ids.clone_from(&from.ids);
    delta.days.clone_from(&from.days);
    base.add(&delta);
    base.add_live_counts(extras);
}

/// The zones of the world lie between UTC−12 and UTC+14: the minutes either way.
const LONGEST_WEST: i64 = 12 * 60;
const LONGEST_EAST: i64 = 14 * 60;

/// The offset from UTC, in minutes, at which `chat`'s live minutes fall on its active days
/// most often: live minutes are kept in UTC and the day of each in the capturing device's
/// zone, which the state does not name. Quarter hours from west to east are tried, nearest to
/// UTC first; a tie keeps the nearer. Needed only for a message within hours of a month's end.
#[inline(never)]
fn live_offset(chat: &Chat) -> i64 {
    let on_active_day = |minute: i64, offset: i64| {
        i32::try_from(minute.saturating_add(offset).div_euclid(1440))
            .is_ok_and(|day| chat.days.binary_search(&day).is_ok())
    };
    let mut best = (0usize, 0i64);
    for step in 0..=LONGEST_WEST.max(LONGEST_EAST) / 15 {
        // 0, then -15 and +15, -30 and +30…: only a strictly better fit replaces a nearer one.
        for offset in [-step * 15, step * 15].into_iter().take(if step == 0 { 1 } else { 2 }) {
            if !(-LONGEST_WEST..=LONGEST_EAST).contains(&offset) {
                continue;
            }
            let hits = chat.live_minutes.iter().filter(|(m, _, _)| on_active_day(*m, offset)).count();
            if hits > best.0 {
                best = (hits, offset);
            }
        }
    }
    best.1
}

/// Adds `y`'s counts to `x`'s: two copies of a chat that counted different messages. As an
/// import is added ([`Chat::add`]): counts add up, times are the earliest and latest, coverage
/// and days are united, and `y` (the copy that sorts second) gives the names and the title
/// where it has them.
#[inline(never)]
fn sum(x: &mut Chat, y: Chat) {
    let mut delta = empty_delta(&y);
    // Its last message, by author index; one by no known author is set after.
    let last =
        y.last_message.as_ref().and_then(|(at, key)| Some((*at, y.authors.iter().position(|a| a.key == *key)? as u32)));
    if last.is_none()
        && y.last_message.as_ref().is_some_and(|(at, _)| x.last_message.as_ref().is_none_or(|(l, _)| at >= l))
    {
        x.last_message.clone_from(&y.last_message);
    }
    delta.last_message = last;
    delta.title = y.title;
    delta.shape = y.shape;
    delta.participants = y.participants;
    delta.authors = y.authors;
    delta.ids = y.ids;
    delta.days = y.days;
    x.add(&delta);
    for span in y.coverage {
        merge_span(&mut x.coverage, span);
    }
    for span in y.id_spans {
        x.add_id_span(span);
    }
    x.add_live_counts(y.live_minutes);
    x.day_gaps.merge(&y.day_gaps);
}

/// One person described by contacts files on both devices: every phone and address (sorted),
/// every source, the later connection time, and of two different names the one that sorts
/// first.
#[inline(never)]
fn absorb_person(mine: &mut Person, theirs: Person) {
    if *mine == Person::default() {
        *mine = theirs;
        return;
    }
    if *mine == theirs {
        return;
    }
    if mine.name.is_empty() || (!theirs.name.is_empty() && theirs.name < mine.name) {
        mine.name = theirs.name;
    }
    mine.sources.extend(theirs.sources.iter());
    sorted_union(&mut mine.phones, theirs.phones);
    sorted_union(&mut mine.emails, theirs.emails);
    mine.connected_at = max_opt(mine.connected_at, theirs.connected_at);
}

/// Both decision logs as one, in the order the decisions were made: by time, then by their
/// content (the bytes the snapshot writes), each decision once however many devices hold it,
/// numbered again from 1.
#[inline(never)]
fn absorb_decisions(mut all: Vec<Decision>, other: Vec<Decision>) -> Vec<Decision> {
    all.extend(other);
    // Logs are short: the kind's bytes are made again at each comparison.
    let order = |d: &Decision| (d.at, crate::store::decision_kind_bytes(&d.kind));
    crate::sort::sort_by(&mut all, |a, b| order(a) < order(b));
    all.dedup_by(|a, b| a.at == b.at && a.kind == b.kind);
    for (i, d) in all.iter_mut().enumerate() {
        d.id = i as u64 + 1;
    }
    all
}

/// Keep-in-touch settings by handle key, each setting as most recently changed on either
/// device ([`KeepSettings::newest`]), sorted by key as the engine keeps them.
#[inline(never)]
fn absorb_keep(keep: &mut Vec<(String, KeepSettings)>, other: Vec<(String, KeepSettings)>) {
    keep.extend(other);
    crate::sort::sort_by(keep, |a, b| a.0 < b.0);
    let mut out: Vec<(String, KeepSettings)> = Vec::with_capacity(keep.len());
    for (key, settings) in keep.drain(..) {
        match out.last_mut() {
            Some(last) if last.0 == key => last.1 = last.1.newest(&settings),
            _ => out.push((key, settings)),
        }
    }
    *keep = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::collect::Shape;

    fn span(start: i64, end: i64, start_n: u32, end_n: u32) -> Span {
        Span {
            start,
            end,
            start_counts: vec![("name:ann".into(), start_n)],
            end_counts: vec![("name:ann".into(), end_n)],
        }
    }

    fn chat(spans: Vec<Span>, live: Vec<(i64, &str, u32)>) -> Chat {
        let mut c = Chat::new("whatsapp:title:ann".into(), None, Source::WhatsApp, Shape::Unknown);
        c.coverage = spans;
        c.live_minutes = live.into_iter().map(|(m, k, n)| (m, k.to_string(), n)).collect();
        c
    }

    #[test]
    fn spans_inside_cover_and_boundary_counts_must_reach() {
        let wide = chat(vec![span(10, 100, 1, 2)], vec![]);
        assert!(covers(&wide, &chat(vec![span(20, 30, 5, 5)], vec![]), false), "strictly inside");
        assert!(covers(&wide, &chat(vec![span(10, 100, 1, 2)], vec![]), false), "equal");
        assert!(!covers(&wide, &chat(vec![span(10, 100, 2, 2)], vec![]), false), "one more at the start");
        assert!(!covers(&wide, &chat(vec![span(5, 30, 1, 1)], vec![]), false), "starts before");
        assert!(covers(&wide, &chat(vec![], vec![(50, "name:ann", 3), (100, "name:ann", 2)]), false));
        assert!(!covers(&wide, &chat(vec![], vec![(100, "name:ann", 3)]), false), "beyond the last minute's count");
        assert!(!covers(&wide, &chat(vec![], vec![(101, "name:ann", 1)]), false));
    }

    #[test]
    fn the_offset_of_live_minutes_is_read_from_their_days() {
        // Minutes at 23:30 UTC on days 0..5, each on the next local day: a zone east of UTC.
        let mut c = chat(vec![], (0..5).map(|d| (d * 1440 + 23 * 60 + 30, "name:ann", 1)).collect());
        c.days = (1..6).collect();
        let offset = live_offset(&c);
        assert!((30..=LONGEST_EAST).contains(&offset), "{offset}");
        c.days = (0..5).collect();
        assert_eq!(live_offset(&c), 0, "UTC fits: the nearest");
    }
}
