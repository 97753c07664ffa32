//! Which stretch of a chat's history has already been counted, so that importing the same
//! export twice, or a later export that overlaps an earlier one, counts each message once —
//! without keeping any message, or even a list of message times.
//!
//! A WhatsApp export holds every message of its chat between its first and last minute. So
//! per chat kith keeps the covered minute ranges; a message strictly inside one was counted
//! already. The boundary minutes are shared with the next export (one more message may have
//! arrived in the last minute), so for those kith keeps per-author counts and counts only the
//! excess — a per-minute, per-author count merged by maximum, kept for two minutes per range.

use std::collections::HashMap;

use crate::fast_hash::IntMap;

/// A covered range of minutes (since the Unix epoch, UTC), both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// First covered minute.
    pub start: i64,
    /// Last covered minute.
    pub end: i64,
    /// Messages and calls per author (identity key) in the first minute.
    pub start_counts: Vec<(String, u32)>,
    /// Messages and calls per author (identity key) in the last minute.
    pub end_counts: Vec<(String, u32)>,
}

/// Merges per-author counts by maximum, in time linear in both (a crafted export can put
/// thousands of authors in one boundary minute).
fn max_counts(a: &[(String, u32)], b: &[(String, u32)]) -> Vec<(String, u32)> {
    let mut out = a.to_vec();
    let mut at: HashMap<&str, usize> = a.iter().enumerate().map(|(i, (n, _))| (n.as_str(), i)).collect();
    for (name, count) in b {
        match at.get(name.as_str()) {
            Some(&i) => out[i].1 = out[i].1.max(*count),
            None => {
                at.insert(name.as_str(), out.len());
                out.push((name.clone(), *count));
            }
        }
    }
    out
}

/// Everything a chat has already counted: the minute ranges of imported exports, the single
/// messages captured live from WhatsApp Web (per minute and author), which a later export of
/// the same period must not count again, and the message ids of sources that have them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Covered {
    /// Sorted, disjoint ranges covered by exports without message ids.
    pub spans: Vec<Span>,
    /// `(minute, author key, messages)` captured live, outside every span.
    pub live: Vec<(i64, String, u32)>,
    /// Ranges of ordered ids (Telegram) that an export covered completely.
    pub id_spans: Vec<(i64, i64)>,
    /// Hashes of unordered ids (mail `Message-ID`, WhatsApp Web row ids) counted, sorted.
    pub ids: Vec<u64>,
}

/// Decides, message by message, whether an import repeats what a chat already counted.
#[derive(Debug, Default)]
pub(crate) struct Dedup {
    spans: Vec<Span>,
    /// Per span, its boundary counts by author key: looked up once per message in a
    /// boundary minute, so hashed rather than scanned.
    boundary: Vec<(HashMap<String, u32>, HashMap<String, u32>)>,
    live: HashMap<(i64, String), u32>,
    /// Messages seen in this import per (minute, author id), where a count is known.
    seen: IntMap<(i64, u32), u32>,
}

impl Dedup {
    pub(crate) fn new(covered: Covered) -> Self {
        let live = covered.live.into_iter().map(|(minute, name, count)| ((minute, name), count)).collect();
        let boundary = covered
            .spans
            .iter()
            .map(|s| (s.start_counts.iter().cloned().collect(), s.end_counts.iter().cloned().collect()))
            .collect();
        Dedup { spans: covered.spans, boundary, live, seen: IntMap::default() }
    }

    /// The k-th message by `author` in a minute whose count is known is new once k exceeds it.
    fn beyond(&mut self, minute: i64, author: u32, known: u32) -> bool {
        let seen = self.seen.entry((minute, author)).or_insert(0);
        *seen = seen.saturating_add(1);
        *seen > known
    }

    /// Whether the message by `author` (identity key `name`) at `minute` was counted by an
    /// earlier import.
    pub(crate) fn is_duplicate(&mut self, minute: i64, author: u32, name: &str) -> bool {
        // Spans are sorted and disjoint: the only candidate is the last one starting at or before `minute`.
        let index = self.spans.partition_point(|s| s.start <= minute);
        if let Some(i) = index.checked_sub(1).filter(|&i| i < self.spans.len()) {
            let span = &self.spans[i];
            if minute > span.start && minute < span.end {
                return true;
            }
            if minute == span.start || minute == span.end {
                let (starts, ends) = &self.boundary[i];
                let mut known = 0;
                if minute == span.start {
                    known = starts.get(name).copied().unwrap_or(0);
                }
                if minute == span.end {
                    known = known.max(ends.get(name).copied().unwrap_or(0));
                }
                return !self.beyond(minute, author, known);
            }
        }
        if self.live.is_empty() {
            return false;
        }
        match self.live.get(&(minute, name.to_string())).copied() {
            Some(known) => !self.beyond(minute, author, known),
            None => false,
        }
    }
}

/// Tracks the minute range an import covers and the per-author counts at its two ends.
#[derive(Debug, Default)]
pub(crate) struct SpanTracker {
    first: Option<(i64, MinuteCounts)>,
    last: Option<(i64, MinuteCounts)>,
}

/// Counts per author in one minute: a short list while few authors share the minute (nearly
/// always), indexed once it grows, so a minute with thousands of authors stays linear.
#[derive(Debug, Default)]
struct MinuteCounts {
    counts: Vec<(u32, u32)>,
    index: Option<IntMap<u32, usize>>,
}

impl MinuteCounts {
    const SCAN_LIMIT: usize = 16;

    fn restart(&mut self, author: u32) {
        self.counts.clear();
        self.index = None;
        self.counts.push((author, 1));
    }

    fn bump(&mut self, author: u32) {
        if let Some(index) = &mut self.index {
            match index.get(&author) {
                Some(&i) => self.counts[i].1 = self.counts[i].1.saturating_add(1),
                None => {
                    index.insert(author, self.counts.len());
                    self.counts.push((author, 1));
                }
            }
            return;
        }
        match self.counts.iter_mut().find(|(a, _)| *a == author) {
            Some(entry) => entry.1 = entry.1.saturating_add(1),
            None => {
                self.counts.push((author, 1));
                if self.counts.len() > Self::SCAN_LIMIT {
                    self.index = Some(self.counts.iter().enumerate().map(|(i, &(a, _))| (a, i)).collect());
                }
            }
        }
    }
}

impl SpanTracker {
    pub(crate) fn add(&mut self, minute: i64, author: u32) {
        Self::widen(&mut self.first, minute, author, |new, old| new < old);
        Self::widen(&mut self.last, minute, author, |new, old| new > old);
    }

    /// Counts `author` at `minute` in `slot` if it is the slot's minute, or restarts the slot
    /// there if `minute` lies beyond it (`beyond(new, old)`).
    fn widen(slot: &mut Option<(i64, MinuteCounts)>, minute: i64, author: u32, beyond: impl Fn(i64, i64) -> bool) {
        match slot {
            Some((m, counts)) if *m == minute => counts.bump(author),
            // A new extreme minute: reuse the vector, this runs for nearly every message.
            Some((m, counts)) if beyond(minute, *m) => {
                *m = minute;
                counts.restart(author);
            }
            Some(_) => {}
            None => {
                let mut counts = MinuteCounts::default();
                counts.restart(author);
                *slot = Some((minute, counts));
            }
        }
    }

    /// The covered span, with author indices turned into identity keys (`names` holds each
    /// author's `(key, name)`).
    pub(crate) fn into_span(self, names: &[(String, String)]) -> Option<Span> {
        let named = |counts: MinuteCounts| -> Vec<(String, u32)> {
            counts
                .counts
                .into_iter()
                .map(|(a, c)| (names.get(a as usize).map(|n| n.0.clone()).unwrap_or_default(), c))
                .collect()
        };
        let (start, start_counts) = self.first?;
        let (end, end_counts) = self.last?;
        Some(Span { start, end, start_counts: named(start_counts), end_counts: named(end_counts) })
    }
}

/// Adds a span to a chat's sorted, disjoint spans, joining those it overlaps.
pub(crate) fn merge_span(spans: &mut Vec<Span>, new: Span) {
    let mut merged = new;
    let mut kept = Vec::with_capacity(spans.len() + 1);
    for span in spans.drain(..) {
        if span.end < merged.start || span.start > merged.end {
            kept.push(span);
            continue;
        }
        if span.start < merged.start {
            merged.start = span.start;
            merged.start_counts = span.start_counts;
        } else if span.start == merged.start {
            merged.start_counts = max_counts(&merged.start_counts, &span.start_counts);
        }
        if span.end > merged.end {
            merged.end = span.end;
            merged.end_counts = span.end_counts;
        } else if span.end == merged.end {
            merged.end_counts = max_counts(&merged.end_counts, &span.end_counts);
        }
    }
    kept.push(merged);
    crate::sort::sort_by_key(&mut kept, |s| s.start);
    *spans = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: i64, end: i64, start_n: u32, end_n: u32) -> Span {
        Span { start, end, start_counts: vec![("Ann".into(), start_n)], end_counts: vec![("Ann".into(), end_n)] }
    }

    fn covered(spans: Vec<Span>) -> Covered {
        Covered { spans, ..Covered::default() }
    }

    #[test]
    fn live_messages_are_not_counted_again_by_an_export() {
        let mut d = Dedup::new(Covered {
            spans: vec![span(1, 5, 1, 1)],
            live: vec![(30, "Ann".into(), 1)],
            ..Covered::default()
        });
        assert!(d.is_duplicate(30, 0, "Ann"));
        assert!(!d.is_duplicate(30, 0, "Ann"), "a second message in that minute is new");
        assert!(!d.is_duplicate(31, 0, "Ann"));
        assert!(d.is_duplicate(3, 0, "Ann"));
    }

    #[test]
    fn inside_is_duplicate_outside_is_not() {
        let mut d = Dedup::new(covered(vec![span(10, 20, 1, 2), span(30, 40, 1, 1)]));
        assert!(d.is_duplicate(35, 0, "Ann"));
        assert!(!d.is_duplicate(25, 0, "Ann"));
        assert!(d.is_duplicate(15, 0, "Ann"));
        assert!(!d.is_duplicate(21, 0, "Ann"));
        assert!(!d.is_duplicate(9, 0, "Ann"));
    }

    #[test]
    fn boundary_minute_counts_only_the_excess() {
        let mut d = Dedup::new(covered(vec![span(10, 20, 1, 2)]));
        assert!(d.is_duplicate(20, 0, "Ann"));
        assert!(d.is_duplicate(20, 0, "Ann"));
        assert!(!d.is_duplicate(20, 0, "Ann"));
        assert!(!d.is_duplicate(20, 1, "Bob"));
    }

    #[test]
    fn merging_joins_overlaps_and_keeps_gaps() {
        let mut spans = vec![span(10, 20, 1, 1)];
        merge_span(&mut spans, span(30, 40, 1, 1));
        assert_eq!(spans.len(), 2);
        merge_span(&mut spans, span(20, 30, 3, 1));
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].start, spans[0].end), (10, 40));
    }

    #[test]
    fn tracker_keeps_both_ends() {
        let mut t = SpanTracker::default();
        for (m, a) in [(5, 0), (5, 1), (7, 0), (3, 1), (7, 0)] {
            t.add(m, a);
        }
        let s = t.into_span(&[("Ann".into(), "Ann".into()), ("Bob".into(), "Bob".into())]).expect("span");
        assert_eq!((s.start, s.end), (3, 7));
        assert_eq!(s.end_counts, vec![("Ann".to_string(), 2)]);
    }
}
