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
//! - any other overlap cannot be counted exactly without the messages: the one covering more
//!   is kept, and the report warns (with counts only: no title, no name).
//!
//! Everything else: decisions are the union of both logs, ordered by time and then by their
//! content, each once; keep-in-touch settings take each setting's latest change; people from
//! contacts files are united; lists of the user's names and exclusions are sorted unions.

use serde::Serialize;

use crate::coverage::{merge_span, Span};
use crate::import::collect::Shape;
use crate::model::Source;
use crate::stats::{max_opt, min_opt, union_days, AuthorStats};
use crate::store::{chat_bytes, decision_kind_bytes, ChatState, PersonState, State};
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

/// `own` with `other` absorbed. `own`'s sync bookkeeping (what the server acknowledged) is
/// kept; `other`'s is ignored: it is another device's business.
pub(crate) fn absorb(own: State, other: State) -> (State, AbsorbReport) {
    let mut report = AbsorbReport::default();
    let State {
        owner_given,
        owner_inferred,
        exclusions,
        live_order,
        chats,
        people,
        acknowledged,
        default_country,
        decisions,
        keep,
    } = own;
    let mut state = State {
        owner_given: sorted_union(owner_given, other.owner_given),
        owner_inferred: sorted_union(owner_inferred, other.owner_inferred),
        exclusions: sorted_union(exclusions, other.exclusions),
        live_order: match (live_order, other.live_order) {
            // Two devices read WhatsApp Web's dates in different orders (two locales): one
            // is chosen, day first, whichever device is asked.
            (Some(a), Some(b)) if a != b => Some(DateOrder::DayMonth),
            (a, b) => a.or(b),
        },
        // The smallest code of those set, whichever device is asked: a country set on one
        // device only is taken; two devices that disagree agree on one of the two.
        default_country: match (default_country, other.default_country) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        acknowledged,
        ..State::default()
    };
    state.chats = absorb_chats(chats, other.chats, &mut report);
    state.people = absorb_people(people, other.people);
    state.decisions = absorb_decisions(decisions, other.decisions);
    state.keep = absorb_keep(keep, other.keep);
    (state, report)
}

/// Both lists, sorted, each item once.
fn sorted_union<T: Ord>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.extend(b);
    crate::sort::sort(&mut a);
    a.dedup();
    a
}

/// Every chat of both, combined by key, sorted by key (the contacts view names a handle by
/// the first chat it is seen in: chats in key order make that the same on every device).
fn absorb_chats(own: Vec<ChatState>, other: Vec<ChatState>, report: &mut AbsorbReport) -> Vec<ChatState> {
    // Sorted lists walked together, not a map: each map type costs the wasm build kilobytes.
    let mut all: Vec<(bool, ChatState)> = own.into_iter().map(|c| (false, c)).collect();
    all.extend(other.into_iter().map(|c| (true, c)));
    crate::sort::sort_by(&mut all, |a, b| (&a.1.key, a.0) < (&b.1.key, b.0));
    let mut out: Vec<ChatState> = Vec::with_capacity(all.len());
    for (theirs, chat) in all {
        // A state holds each key once (decoding checks it): two in a row are one from each.
        let Some(mine) = out.pop_if(|last| last.key == chat.key) else {
            report.chats_added += u32::from(theirs);
            out.push(chat);
            continue;
        };
        let (combined, outcome) = combine(mine, chat);
        match outcome {
            Outcome::Kept => report.chats_kept += 1,
            Outcome::Merged => report.chats_merged += 1,
            Outcome::Overlap { kept, left_out } => {
                report.chats_kept += 1;
                report.warnings.push(format!(
                    "A chat was imported on two devices from exports that overlap only in part, so \
                     the overlap cannot be counted exactly: kith kept the one that covers more ({kept} \
                     messages and calls) and left out the other ({left_out}). Import the newest export \
                     of that chat on one device to count it whole."
                ));
            }
        }
        out.push(combined);
    }
    out
}

/// How two copies of one chat were combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// One copy covered the other and was kept.
    Kept,
    /// Parts of one were added to the other.
    Merged,
    /// Neither covers the other and they are not disjoint: the wider was kept.
    Overlap { kept: u64, left_out: u64 },
}

/// Two copies of one chat as one. A function of the pair, not of their order: where the
/// rules leave a choice between the two, the copy with the smaller snapshot bytes is taken
/// (for copies that are equal as far as coverage goes, they are nearly always identical).
fn combine(a: ChatState, b: ChatState) -> (ChatState, Outcome) {
    let (mut a, mut b) = (a, b);
    normalise(&mut a);
    normalise(&mut b);
    let (a_bytes, b_bytes) = (chat_bytes(&a), chat_bytes(&b));
    if a_bytes == b_bytes {
        return (a, Outcome::Kept);
    }
    // `x` sorts first: the one taken wherever the rules below allow either.
    let (x, y) = if a_bytes < b_bytes { (a, b) } else { (b, a) };
    let (x_covers, y_covers) = (covers(&x, &y, false), covers(&y, &x, false));
    if x_covers {
        return (x, Outcome::Kept);
    }
    if y_covers {
        return (y, Outcome::Kept);
    }
    let (x_base, y_base) = (covers(&x, &y, true), covers(&y, &x, true));
    if x_base || y_base {
        let (mut base, from) = if x_base { (x, y) } else { (y, x) };
        add_live(&mut base, &from);
        return (base, Outcome::Merged);
    }
    if disjoint(&x, &y) {
        return (sum(x, y), Outcome::Merged);
    }
    let (x_wide, y_wide) = (width(&x), width(&y));
    let (kept, left_out) = if y_wide > x_wide { (y, x) } else { (x, y) };
    let outcome = Outcome::Overlap { kept: counted(&kept), left_out: counted(&left_out) };
    (kept, outcome)
}

/// The engine keeps these sorted; a state from elsewhere is put in the same order, so that
/// lookups below can search and equal chats encode equally.
fn normalise(chat: &mut ChatState) {
    crate::sort::sort_by(&mut chat.coverage, |s, t| (s.start, s.end) < (t.start, t.end));
    crate::sort::sort(&mut chat.id_spans);
    crate::sort::sort_by(&mut chat.live_minutes, |p, q| (p.0, &p.1) < (q.0, &q.1));
    // One entry per minute and author (the engine never writes two; summed if a state does).
    let mut live: Vec<(i64, String, u32)> = Vec::with_capacity(chat.live_minutes.len());
    for entry in chat.live_minutes.drain(..) {
        match live.last_mut() {
            Some(last) if last.0 == entry.0 && last.1 == entry.1 => last.2 = last.2.saturating_add(entry.2),
            _ => live.push(entry),
        }
    }
    chat.live_minutes = live;
}

/// Messages a chat's exports know of at `minute` by `key`, from its spans: `u32::MAX` strictly
/// inside a span (an export holds every message there), the kept count at a span's first or
/// last minute, 0 outside.
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

/// Where `(minute, key)` is in a chat's live minutes, sorted by [`normalise`].
fn live_at(live: &[(i64, String, u32)], minute: i64, key: &str) -> Result<usize, usize> {
    live.binary_search_by(|(m, k, _)| (*m, k.as_str()).cmp(&(minute, key)))
}

/// Messages `chat` counted at `minute` by `key`: what its exports know there, and beyond that
/// what it captured live (a live capture after an export counts only messages beyond the
/// export's, so the two add up).
fn known(chat: &ChatState, minute: i64, key: &str) -> u32 {
    let live_count = live_at(&chat.live_minutes, minute, key).map_or(0, |i| chat.live_minutes[i].2);
    span_known(&chat.coverage, minute, key).saturating_add(live_count)
}

/// Whether `x` counted everything `y` counted. With `exports_only`, only what exports
/// counted is compared: spans, ordered ids, and the unordered ids of sources other than
/// WhatsApp (WhatsApp's unordered ids are the rows WhatsApp Web showed, which go with the
/// live minutes).
fn covers(x: &ChatState, y: &ChatState, exports_only: bool) -> bool {
    let spans = y.coverage.iter().all(|s| {
        let at = x.coverage.partition_point(|t| t.start <= s.start);
        let Some(t) = at.checked_sub(1).map(|i| &x.coverage[i]) else { return false };
        let within = |minute: i64, counts: &[(String, u32)]| {
            counts.iter().all(|(k, n)| span_known(std::slice::from_ref(t), minute, k) >= *n)
        };
        t.end >= s.end && within(s.start, &s.start_counts) && within(s.end, &s.end_counts)
    });
    if !spans {
        return false;
    }
    let id_spans = y.id_spans.iter().all(|&(lo, hi)| x.id_spans.iter().any(|&(a, b)| a <= lo && hi <= b));
    if !id_spans {
        return false;
    }
    let live_ids = y.source == Some(Source::WhatsApp);
    if exports_only {
        return live_ids || is_subset(&y.ids, &x.ids);
    }
    if !is_subset(&y.ids, &x.ids) {
        return false;
    }
    y.live_minutes.iter().all(|(m, k, c)| known(x, *m, k) >= *c)
}

/// Whether every item of the sorted `small` is in the sorted `large`.
fn is_subset(small: &[u64], large: &[u64]) -> bool {
    small.len() <= large.len() && small.iter().all(|id| large.binary_search(id).is_ok())
}

/// Whether nothing one counted could be something the other counted: no minute of one's spans
/// or live minutes in the other's, no message id in both.
fn disjoint(x: &ChatState, y: &ChatState) -> bool {
    let spans_meet = |a: &ChatState, b: &ChatState| {
        a.coverage.iter().any(|s| b.coverage.iter().any(|t| s.start <= t.end && t.start <= s.end))
    };
    let live_in_spans = |a: &ChatState, b: &ChatState| {
        a.live_minutes.iter().any(|(m, _, _)| b.coverage.iter().any(|t| t.start <= *m && *m <= t.end))
    };
    let id_spans_meet = x.id_spans.iter().any(|&(a, b)| y.id_spans.iter().any(|&(c, d)| a <= d && c <= b));
    let ids_meet = y.ids.iter().any(|id| x.ids.binary_search(id).is_ok());
    let live_meet = x.live_minutes.iter().any(|(m, k, _)| live_at(&y.live_minutes, *m, k).is_ok());
    !(spans_meet(x, y) || live_in_spans(x, y) || live_in_spans(y, x) || id_spans_meet || ids_meet || live_meet)
}

/// How much of a chat's history a copy covers, to keep the wider of two that overlap in part:
/// minutes of its spans, ordered ids in its ranges, unordered ids, live messages; then the
/// messages and calls it counted.
fn width(chat: &ChatState) -> (u64, u64) {
    let spans = chat.coverage.iter().map(|s| s.end.saturating_sub(s.start).saturating_add(1).max(0) as u64);
    let ranges = chat.id_spans.iter().map(|&(lo, hi)| hi.saturating_sub(lo).saturating_add(1).max(0) as u64);
    let live = chat.live_minutes.iter().map(|l| u64::from(l.2));
    let total = spans.chain(ranges).chain(live).fold(chat.ids.len() as u64, u64::saturating_add);
    (total, counted(chat))
}

/// Messages and calls a chat counted.
fn counted(chat: &ChatState) -> u64 {
    chat.authors.iter().map(|a| u64::from(a.messages) + u64::from(a.calls)).sum()
}

/// Adds to `base` the messages `from` captured live beyond what `base` counted, minute by
/// minute: each live minute is a count of one author's messages in that minute, so counts,
/// first and last times, and months are exact; reply times are not extended (a live minute
/// does not say which message answered which), so a contact's median reply time leaves out
/// those messages. `base`'s exports cover `from`'s, so `from`'s active days are each a day of
/// a message `base` counted or of one added here: the days are united.
fn add_live(base: &mut ChatState, from: &ChatState) {
    let extras: Vec<(i64, &str, u32)> = from
        .live_minutes
        .iter()
        .filter_map(|(minute, key, count)| {
            let known = known(base, *minute, key);
            (*count > known).then(|| (*minute, key.as_str(), count - known))
        })
        .collect();
    let mut offset: Option<i64> = None;
    // Extras not yet counted live go after the sorted entries, which are searched alone.
    let sorted = base.live_minutes.len();
    for (minute, key, extra) in extras {
        match live_at(&base.live_minutes[..sorted], minute, key) {
            Ok(i) => base.live_minutes[i].2 = base.live_minutes[i].2.saturating_add(extra),
            // Put in order at the end (`normalise`): an insert here would shift the rest each time.
            Err(_) => base.live_minutes.push((minute, key.to_string(), extra)),
        }
        let at = minute.saturating_mul(60);
        let author = match base.authors.iter().position(|a| a.key == key) {
            Some(i) => &mut base.authors[i],
            None => {
                let name = from.authors.iter().find(|a| a.key == key).map(|a| a.name.clone()).unwrap_or_default();
                base.authors.push(AuthorStats { key: key.to_string(), name, ..AuthorStats::default() });
                let last = base.authors.len() - 1;
                &mut base.authors[last]
            }
        };
        author.messages = author.messages.saturating_add(extra);
        author.first_at = min_opt(author.first_at, Some(at));
        author.last_at = max_opt(author.last_at, Some(at));
        author.last_message_at = max_opt(author.last_message_at, Some(at));
        let day = |offset: i64| minute.saturating_add(offset).div_euclid(1440);
        let month = |offset: i64| crate::months::month_of_day(day(offset));
        // Months are local: the same month at both ends of the world's offsets, or else at the
        // offset `from`'s days point to.
        let (west, east) = (month(-LONGEST_WEST), month(LONGEST_EAST));
        let local = if west == east { west } else { month(*offset.get_or_insert_with(|| live_offset(from))) };
        if let Some(month) = local {
            author.months.add_count(month, extra);
        }
        if base.last_message.as_ref().is_none_or(|(last, _)| at > *last) {
            base.last_message = Some((at, key.to_string()));
        }
    }
    normalise(base);
    let mut ids = std::mem::take(&mut base.ids);
    ids.extend_from_slice(&from.ids);
    crate::sort::sort(&mut ids);
    ids.dedup();
    base.ids = ids;
    union_days(&mut base.days, &from.days);
    add_participants(&mut base.participants, &from.participants);
    if base.shape == Some(Shape::Unknown) || base.shape.is_none() {
        base.shape.clone_from(&from.shape);
    }
    base.title = base.title.take().or_else(|| from.title.clone());
}

/// The zones of the world lie between UTC−12 and UTC+14: the minutes either way.
const LONGEST_WEST: i64 = 12 * 60;
const LONGEST_EAST: i64 = 14 * 60;

/// The offset from UTC, in minutes, at which `chat`'s live minutes fall on its active days
/// most often: live minutes are kept in UTC and the day of each in the capturing device's
/// zone, which the state does not name. Quarter hours from west to east are tried, nearest to
/// UTC first; a tie keeps the nearer. Needed only for a message within hours of a month's end.
fn live_offset(chat: &ChatState) -> i64 {
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

/// Adds the members of `more` not in `list`, by key.
fn add_participants(list: &mut Vec<(String, String)>, more: &[(String, String)]) {
    for p in more {
        if !list.iter().any(|(k, _)| *k == p.0) {
            list.push(p.clone());
        }
    }
}

/// Two copies of a chat that counted different messages, as one: counts add up, times are the
/// earliest and latest, coverage is united (as [`crate::Engine::commit`] merges an import).
/// `x` is the copy that sorts first: its title and names stay where the two are as recent.
fn sum(mut x: ChatState, y: ChatState) -> ChatState {
    let y_later = match (&x.last_message, &y.last_message) {
        (Some((a, _)), Some((b, _))) => b > a,
        (None, Some(_)) => true,
        _ => false,
    };
    for theirs in y.authors {
        match x.authors.iter_mut().find(|a| a.key == theirs.key) {
            Some(mine) => {
                // The name of the more recent record: a person renamed between two exports is
                // known by the newer name.
                let newer = theirs.last_at > mine.last_at && !theirs.name.is_empty();
                mine.merge(&theirs);
                if newer {
                    mine.name = theirs.name;
                }
            }
            None => x.authors.push(theirs),
        }
    }
    for span in y.coverage {
        merge_span(&mut x.coverage, span);
    }
    x.id_spans.extend(y.id_spans);
    crate::sort::sort(&mut x.id_spans);
    let mut ranges: Vec<(i64, i64)> = Vec::with_capacity(x.id_spans.len());
    for &(lo, hi) in &x.id_spans {
        match ranges.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => ranges.push((lo, hi)),
        }
    }
    x.id_spans = ranges;
    x.ids.extend(y.ids);
    crate::sort::sort(&mut x.ids);
    x.ids.dedup();
    x.live_minutes.extend(y.live_minutes);
    normalise(&mut x);
    if y_later {
        x.last_message = y.last_message;
        if y.title.is_some() {
            x.title = y.title;
        }
    } else if x.title.is_none() {
        x.title = y.title;
    }
    union_days(&mut x.days, &y.days);
    x.day_gaps.merge(&y.day_gaps);
    add_participants(&mut x.participants, &y.participants);
    if x.shape == Some(Shape::Unknown) || x.shape.is_none() {
        x.shape = y.shape;
    }
    x
}

/// People described by contacts files, by key. One known to both devices is the union of the
/// two: every phone and address (sorted), every source, the later connection time, and of two
/// different names the one that sorts first.
fn absorb_people(own: Vec<PersonState>, other: Vec<PersonState>) -> Vec<PersonState> {
    let mut all = own;
    all.extend(other);
    crate::sort::sort_by(&mut all, |a, b| a.key < b.key);
    let mut out: Vec<PersonState> = Vec::with_capacity(all.len());
    for p in all {
        let Some(q) = out.pop_if(|last| last.key == p.key) else {
            out.push(p);
            continue;
        };
        if q == p {
            out.push(p);
            continue;
        }
        let name = match (p.name.is_empty(), q.name.is_empty()) {
            (true, _) => q.name,
            (_, true) => p.name,
            _ => p.name.min(q.name),
        };
        out.push(PersonState {
            key: p.key,
            name,
            sources: sorted_union(p.sources, q.sources),
            phones: sorted_union(p.phones, q.phones),
            emails: sorted_union(p.emails, q.emails),
            connected_at: max_opt(p.connected_at, q.connected_at),
        });
    }
    out
}

/// Both decision logs as one, in the order the decisions were made: by time, then by their
/// content (the bytes the snapshot writes), each decision once however many devices hold it,
/// numbered again from 1.
fn absorb_decisions(
    own: Vec<crate::merge::Decision>,
    other: Vec<crate::merge::Decision>,
) -> Vec<crate::merge::Decision> {
    let mut keyed: Vec<(i64, Vec<u8>, crate::merge::Decision)> =
        own.into_iter().chain(other).map(|d| (d.at, decision_kind_bytes(&d.kind), d)).collect();
    crate::sort::sort_by(&mut keyed, |a, b| (a.0, &a.1) < (b.0, &b.1));
    keyed.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    keyed
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, mut d))| {
            d.id = i as u64 + 1;
            d
        })
        .collect()
}

/// Keep-in-touch settings by handle key, each setting as most recently changed on either
/// device ([`crate::keep::KeepSettings::newest`]), sorted by key.
fn absorb_keep(
    own: Vec<(String, crate::keep::KeepSettings)>,
    other: Vec<(String, crate::keep::KeepSettings)>,
) -> Vec<(String, crate::keep::KeepSettings)> {
    let mut all = own;
    all.extend(other);
    crate::sort::sort_by(&mut all, |a, b| a.0 < b.0);
    let mut out: Vec<(String, crate::keep::KeepSettings)> = Vec::with_capacity(all.len());
    for (key, settings) in all {
        match out.last_mut() {
            Some(last) if last.0 == key => last.1 = last.1.newest(&settings),
            _ => out.push((key, settings)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: i64, end: i64, start_n: u32, end_n: u32) -> Span {
        Span {
            start,
            end,
            start_counts: vec![("name:ann".into(), start_n)],
            end_counts: vec![("name:ann".into(), end_n)],
        }
    }

    fn chat(spans: Vec<Span>, live: Vec<(i64, &str, u32)>) -> ChatState {
        ChatState {
            key: "whatsapp:title:ann".into(),
            source: Some(Source::WhatsApp),
            shape: Some(Shape::Unknown),
            coverage: spans,
            live_minutes: live.into_iter().map(|(m, k, c)| (m, k.to_string(), c)).collect(),
            ..ChatState::default()
        }
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
