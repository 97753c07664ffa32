//! Per-chat, per-author aggregates, updated incrementally and mergeable across imports. Every
//! number here is a count, a time or a histogram of gaps: nothing that can hold message text.

/// Replies slower than this start a new conversation rather than answer the last one.
pub const MAX_REPLY_GAP_SECONDS: i64 = 30 * 86_400;

/// Reply times, as a histogram with log-spaced buckets about 9% wide.
///
/// Definition: a *reply* is a message that follows, in the chat, a message by somebody else,
/// within [`MAX_REPLY_GAP_SECONDS`]; its reply time is the gap between the two. Keeping a
/// histogram instead of the gaps keeps memory per contact fixed and merges across imports by
/// adding counts. The median read from it is within about 5% of the exact one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplyTimes {
    /// `(bucket, count)`, sorted by bucket.
    buckets: Vec<(u8, u32)>,
}

impl ReplyTimes {
    const PER_DOUBLING: f64 = 8.0;

    fn bucket_of(seconds: i64) -> u8 {
        let minutes = seconds.max(0) as f64 / 60.0;
        (Self::PER_DOUBLING * (1.0 + minutes).log2()).floor().min(255.0) as u8
    }

    fn minutes_of(bucket: u8) -> f64 {
        ((f64::from(bucket) + 0.5) / Self::PER_DOUBLING).exp2() - 1.0
    }

    /// The raw `(bucket, count)` pairs, for storage.
    pub(crate) fn buckets(&self) -> &[(u8, u32)] {
        &self.buckets
    }

    /// Rebuilds a histogram from stored pairs (sorted and merged whatever their order).
    pub(crate) fn from_buckets(pairs: &[(u8, u32)]) -> Self {
        let mut r = ReplyTimes::default();
        for &(bucket, count) in pairs {
            r.add_count(bucket, count);
        }
        r
    }

    /// Records one reply time.
    pub fn add(&mut self, seconds: i64) {
        self.add_count(Self::bucket_of(seconds), 1);
    }

    fn add_count(&mut self, bucket: u8, count: u32) {
        match self.buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
            Ok(i) => self.buckets[i].1 += count,
            Err(i) => self.buckets.insert(i, (bucket, count)),
        }
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &ReplyTimes) {
        for &(bucket, count) in &other.buckets {
            self.add_count(bucket, count);
        }
    }

    /// How many replies were recorded.
    pub fn count(&self) -> u32 {
        self.buckets.iter().map(|&(_, c)| c).sum()
    }

    /// The median reply time in minutes, rounded to one decimal; `None` with no replies.
    pub fn median_minutes(&self) -> Option<f64> {
        let bucket = median_key(&self.buckets)?;
        Some((Self::minutes_of(bucket) * 10.0).round() / 10.0)
    }
}

/// Gaps, in days, between consecutive days on which a chat was active.
///
/// Definition: the *cadence* of a chat is the median gap between consecutive calendar days (in
/// the export's local time) with at least one message or call. Someone you talk to daily has
/// cadence 1; weekly, 7. Exact: gaps are whole days, and a chat has few distinct gap values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayGaps {
    /// `(gap in days, count)`, sorted by gap.
    gaps: Vec<(u32, u32)>,
}

impl DayGaps {
    /// Fewer gaps than this say nothing about a habit.
    pub const MIN_FOR_CADENCE: u32 = 2;

    /// The raw `(gap, count)` pairs, for storage.
    pub(crate) fn gaps(&self) -> &[(u32, u32)] {
        &self.gaps
    }

    /// Rebuilds a histogram from stored pairs.
    pub(crate) fn from_gaps(pairs: &[(u32, u32)]) -> Self {
        let mut g = DayGaps::default();
        for &(days, count) in pairs {
            g.add_count(days, count);
        }
        g
    }

    /// Records one gap.
    pub fn add(&mut self, days: u32) {
        self.add_count(days, 1);
    }

    fn add_count(&mut self, days: u32, count: u32) {
        match self.gaps.binary_search_by_key(&days, |&(d, _)| d) {
            Ok(i) => self.gaps[i].1 += count,
            Err(i) => self.gaps.insert(i, (days, count)),
        }
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &DayGaps) {
        for &(days, count) in &other.gaps {
            self.add_count(days, count);
        }
    }

    /// The median gap in days, once there are at least [`Self::MIN_FOR_CADENCE`] gaps.
    pub fn cadence_days(&self) -> Option<f64> {
        let total: u32 = self.gaps.iter().map(|&(_, c)| c).sum();
        if total < Self::MIN_FOR_CADENCE {
            return None;
        }
        median_key(&self.gaps).map(f64::from)
    }
}

/// The key at the middle of a sorted `(key, count)` histogram (the lower middle for even totals).
fn median_key<K: Copy>(histogram: &[(K, u32)]) -> Option<K> {
    let total: u32 = histogram.iter().map(|&(_, c)| c).sum();
    if total == 0 {
        return None;
    }
    let middle = total.div_ceil(2);
    let mut seen = 0;
    for &(key, count) in histogram {
        seen += count;
        if seen >= middle {
            return Some(key);
        }
    }
    None
}

/// What one author did in one chat.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorStats {
    /// The author's cleaned name.
    pub name: String,
    /// Messages written (notices and calls excluded).
    pub messages: u32,
    /// Call records attributed to the author.
    pub calls: u32,
    /// Earliest message or call.
    pub first_at: Option<i64>,
    /// Latest message or call.
    pub last_at: Option<i64>,
    /// Latest message (calls excluded).
    pub last_message_at: Option<i64>,
    /// How quickly this author answered others.
    pub replies: ReplyTimes,
}

impl AuthorStats {
    /// A new, empty record for `name`.
    pub fn named(name: &str) -> Self {
        AuthorStats { name: name.to_string(), ..AuthorStats::default() }
    }

    /// Counts one message or call at `at`.
    pub fn record(&mut self, at: i64, is_call: bool) {
        if is_call {
            self.calls += 1;
        } else {
            self.messages += 1;
            self.last_message_at = max_opt(self.last_message_at, Some(at));
        }
        self.first_at = min_opt(self.first_at, Some(at));
        self.last_at = max_opt(self.last_at, Some(at));
    }

    /// Adds another record of the same author.
    pub fn merge(&mut self, other: &AuthorStats) {
        self.messages += other.messages;
        self.calls += other.calls;
        self.first_at = min_opt(self.first_at, other.first_at);
        self.last_at = max_opt(self.last_at, other.last_at);
        self.last_message_at = max_opt(self.last_message_at, other.last_message_at);
        self.replies.merge(&other.replies);
    }

    /// Whether the author wrote or called at all (authors of notices only do not count).
    pub fn is_active(&self) -> bool {
        self.messages + self.calls > 0
    }
}

/// The later of two optional times.
pub fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The earlier of two optional times.
pub fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_median_is_close() {
        let mut r = ReplyTimes::default();
        for minutes in [1, 2, 3, 10, 120] {
            r.add(minutes * 60);
        }
        let median = r.median_minutes().expect("median");
        assert!((median - 3.0).abs() / 3.0 < 0.1, "{median}");
        assert_eq!(r.count(), 5);
    }

    #[test]
    fn cadence_needs_two_gaps_and_is_the_median() {
        let mut g = DayGaps::default();
        g.add(7);
        assert_eq!(g.cadence_days(), None);
        g.add(7);
        g.add(30);
        assert_eq!(g.cadence_days(), Some(7.0));
        let mut h = DayGaps::default();
        h.merge(&g);
        h.add(30);
        h.add(30);
        assert_eq!(h.cadence_days(), Some(30.0));
    }

    #[test]
    fn author_merge_adds_counts_and_widens_times() {
        let mut a = AuthorStats::named("Ann");
        a.record(100, false);
        let mut b = AuthorStats::named("Ann");
        b.record(50, true);
        b.record(200, false);
        a.merge(&b);
        assert_eq!(
            (a.messages, a.calls, a.first_at, a.last_at, a.last_message_at),
            (2, 1, Some(50), Some(200), Some(200))
        );
    }
}
