//! Per-chat, per-author aggregates, updated incrementally and mergeable across imports. Every
//! number here is a count, a time or a histogram of gaps: nothing that can hold message text.

/// Replies slower than this start a new conversation rather than answer the last one.
pub const MAX_REPLY_GAP_SECONDS: i64 = 30 * 86_400;

/// A histogram kept as `(key, count)` pairs sorted by key: small when few keys occur, and
/// mergeable across imports by adding counts.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedCounts<K> {
    pairs: Vec<(K, u32)>,
}

impl<K> Default for SortedCounts<K> {
    fn default() -> Self {
        SortedCounts { pairs: Vec::new() }
    }
}

impl<K: Ord + Copy> SortedCounts<K> {
    /// Adds `count` at `key`. Keys mostly arrive in order (messages run oldest first), so the
    /// last key is tried before the search.
    pub fn add_count(&mut self, key: K, count: u32) {
        match self.pairs.last_mut() {
            Some(last) if last.0 == key => {
                last.1 = last.1.saturating_add(count);
                return;
            }
            // A key past the last (the next month of a chat read oldest first) is appended
            // without the search.
            Some(last) if last.0 < key => {
                self.pairs.push((key, count));
                return;
            }
            _ => {}
        }
        match self.pairs.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(i) => self.pairs[i].1 = self.pairs[i].1.saturating_add(count),
            Err(i) => self.pairs.insert(i, (key, count)),
        }
    }

    /// Adds another histogram's counts: one merge of two sorted lists, linear in both.
    pub fn merge(&mut self, other: &SortedCounts<K>) {
        if other.pairs.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.pairs.len() + other.pairs.len());
        let (mut a, mut b) = (self.pairs.iter().peekable(), other.pairs.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&(ka, ca)), Some(&&(kb, cb))) => match ka.cmp(&kb) {
                    std::cmp::Ordering::Less => {
                        a.next();
                        (ka, ca)
                    }
                    std::cmp::Ordering::Greater => {
                        b.next();
                        (kb, cb)
                    }
                    std::cmp::Ordering::Equal => {
                        a.next();
                        b.next();
                        (ka, ca.saturating_add(cb))
                    }
                },
                (Some(&&p), None) => {
                    a.next();
                    p
                }
                (None, Some(&&p)) => {
                    b.next();
                    p
                }
                (None, None) => break,
            };
            out.push(next);
        }
        self.pairs = out;
    }

    /// The raw pairs, for storage.
    pub(crate) fn pairs(&self) -> &[(K, u32)] {
        &self.pairs
    }

    /// Rebuilds from stored pairs, sorted and merged whatever their order, in O(n log n):
    /// stored bytes may be crafted (keys in descending order made one insert per pair at the
    /// front, quadratic in the pairs).
    pub(crate) fn from_pairs(pairs: &[(K, u32)]) -> Self {
        let mut sorted = pairs.to_vec();
        crate::sort::sort_by_key(&mut sorted, |&(k, _)| k);
        let mut merged: Vec<(K, u32)> = Vec::with_capacity(sorted.len());
        for (key, count) in sorted {
            match merged.last_mut() {
                Some(last) if last.0 == key => last.1 = last.1.saturating_add(count),
                _ => merged.push((key, count)),
            }
        }
        SortedCounts { pairs: merged }
    }

    /// The total of all counts (saturating: counts in stored bytes may be crafted).
    pub fn total(&self) -> u32 {
        self.pairs.iter().fold(0u32, |sum, &(_, c)| sum.saturating_add(c))
    }

    /// The key at the middle (the lower middle for even totals); `None` when empty.
    pub fn median(&self) -> Option<K> {
        let middle = self.total().div_ceil(2);
        if middle == 0 {
            return None;
        }
        let mut seen: u32 = 0;
        self.pairs
            .iter()
            .find(|&&(_, count)| {
                seen = seen.saturating_add(count);
                seen >= middle
            })
            .map(|&(key, _)| key)
    }
}

/// Reply times, as a histogram with log-spaced buckets about 9% wide.
///
/// Definition: a *reply* is a message that follows, in the chat, a message by somebody else,
/// within [`MAX_REPLY_GAP_SECONDS`]; its reply time is the gap between the two. Keeping a
/// histogram instead of the gaps keeps memory per contact fixed and merges across imports by
/// adding counts. The median read from it is within about 5% of the exact one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplyTimes(pub SortedCounts<u8>);

impl ReplyTimes {
    /// `floor(8 × log2(1 + minutes))`, from the float's exponent and a comparison of its
    /// mantissa with the eight steps 2^(k/8): in wasm, `log2` is slow software code.
    pub(crate) fn bucket_of(seconds: i64) -> u8 {
        const STEPS: [f64; 7] = [
            1.090_507_732_665_257_7,
            1.189_207_115_002_721,
            1.296_839_554_651_009_6,
            std::f64::consts::SQRT_2,
            1.542_210_825_407_940_8,
            1.681_792_830_507_429,
            1.834_008_086_409_342_4,
        ];
        let x = 1.0 + seconds.max(0) as f64 / 60.0;
        let bits = x.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023 << 52));
        let step = STEPS.iter().filter(|&&t| mantissa >= t).count() as i64;
        (exponent * 8 + step).clamp(0, 255) as u8
    }

    /// 2^(bucket/8 + 1/16) - 1: the bucket's middle. Not `exp2`, whose wasm code brings a 4 KB
    /// table; the middles are 2^(n + j/16) for whole n and odd j, so a table of the eight
    /// 2^(j/16) times an exact power of two gives them (the test checks it against `exp2`).
    fn minutes_of(bucket: u8) -> f64 {
        /// 2^((2k+1)/16), correctly rounded.
        const MIDDLES: [f64; 8] = [
            1.044_273_782_427_413_8,
            1.138_788_634_756_691_6,
            1.241_857_812_073_484,
            1.354_255_546_936_892_7,
            1.476_826_145_939_499_3,
            1.610_490_331_949_254_3,
            1.756_252_160_373_299_5,
            1.915_206_561_397_147_4,
        ];
        // 2^(bucket / 8) for bucket <= 255 is at most 2^31: a normal double, built exactly.
        let power = f64::from_bits((1023 + u64::from(bucket / 8)) << 52);
        MIDDLES[usize::from(bucket % 8)] * power - 1.0
    }

    /// Records one reply time.
    pub fn add(&mut self, seconds: i64) {
        self.0.add_count(Self::bucket_of(seconds), 1);
    }

    /// Records many replies given as buckets ([`ReplyTimes::bucket_of`]): counted into a
    /// dense table, then merged once, instead of one sorted insert per reply.
    // Not inlined: it runs once per 4,096 replies and at the end, and inlined it was twice.
    #[inline(never)]
    pub(crate) fn add_buckets(&mut self, buckets: &[u8]) {
        if buckets.is_empty() {
            return;
        }
        let mut counts = [0u32; 256];
        for &b in buckets {
            counts[usize::from(b)] = counts[usize::from(b)].saturating_add(1);
        }
        let pairs: Vec<(u8, u32)> =
            counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(b, &c)| (b as u8, c)).collect();
        self.0.merge(&SortedCounts { pairs });
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &ReplyTimes) {
        self.0.merge(&other.0);
    }

    /// How many replies were recorded.
    pub fn count(&self) -> u32 {
        self.0.total()
    }

    /// The median reply time in minutes, rounded to one decimal; `None` with no replies.
    pub fn median_minutes(&self) -> Option<f64> {
        let bucket = self.0.median()?;
        Some((Self::minutes_of(bucket) * 10.0).round() / 10.0)
    }
}

/// Gaps, in days, between consecutive days on which a chat was active.
///
/// Definition: the *cadence* of a chat is the median gap between consecutive calendar days (in
/// the export's local time) with at least one message or call. Someone you talk to daily has
/// cadence 1; weekly, 7. Exact: gaps are whole days, and a chat has few distinct gap values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayGaps(pub SortedCounts<u32>);

impl DayGaps {
    /// The gaps between consecutive days of an ascending set of day numbers.
    pub fn from_days(days: &[i32]) -> DayGaps {
        let mut gaps = DayGaps::default();
        for pair in days.windows(2) {
            gaps.add(u32::try_from(i64::from(pair[1]) - i64::from(pair[0])).unwrap_or(u32::MAX));
        }
        gaps
    }

    /// Fewer gaps than this say nothing about a habit.
    pub const MIN_FOR_CADENCE: u32 = 2;

    /// Records one gap.
    pub fn add(&mut self, days: u32) {
        self.0.add_count(days, 1);
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &DayGaps) {
        self.0.merge(&other.0);
    }

    /// The median gap in days, once there are at least [`Self::MIN_FOR_CADENCE`] gaps.
    pub fn cadence_days(&self) -> Option<f64> {
        if self.0.total() < Self::MIN_FOR_CADENCE {
            return None;
        }
        self.0.median().map(f64::from)
    }
}

/// What one author did in one chat.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorStats {
    /// The author's identity key ([`crate::identity::handle_key`]): what the author is known by.
    pub key: String,
    /// The author's cleaned display name.
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
    /// Messages (calls excluded) per local calendar month, keyed by [`crate::months::Month`]:
    /// counts only, so a relationship can be drawn over time without keeping any message.
    pub months: SortedCounts<i32>,
}

impl AuthorStats {
    /// A new, empty record for a WhatsApp author `name` (its key derived from the name).
    pub fn named(name: &str) -> Self {
        AuthorStats { key: crate::identity::contact_key(name), name: name.to_string(), ..AuthorStats::default() }
    }

    /// Counts one message or call at `at`.
    pub fn record(&mut self, at: i64, is_call: bool) {
        if is_call {
            self.calls = self.calls.saturating_add(1);
        } else {
            self.messages = self.messages.saturating_add(1);
            self.last_message_at = max_opt(self.last_message_at, Some(at));
        }
        self.first_at = min_opt(self.first_at, Some(at));
        self.last_at = max_opt(self.last_at, Some(at));
    }

    /// Adds another record of the same author.
    pub fn merge(&mut self, other: &AuthorStats) {
        self.messages = self.messages.saturating_add(other.messages);
        self.calls = self.calls.saturating_add(other.calls);
        self.first_at = min_opt(self.first_at, other.first_at);
        self.last_at = max_opt(self.last_at, other.last_at);
        self.last_message_at = max_opt(self.last_message_at, other.last_message_at);
        self.replies.merge(&other.replies);
        self.months.merge(&other.months);
    }

    /// Whether the author wrote or called at all (authors of notices only do not count).
    pub fn is_active(&self) -> bool {
        self.messages > 0 || self.calls > 0
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

/// Adds the days of `more` to the ascending set `days` (both ascending, without repeats).
pub fn union_days(days: &mut Vec<i32>, more: &[i32]) {
    if more.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(days.len() + more.len());
    let (mut a, mut b) = (0, 0);
    while a < days.len() || b < more.len() {
        let next = match (days.get(a), more.get(b)) {
            (Some(&x), Some(&y)) if x == y => {
                a += 1;
                b += 1;
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                a += 1;
                x
            }
            (Some(_), Some(&y)) | (None, Some(&y)) => {
                b += 1;
                y
            }
            (Some(&x), None) => {
                a += 1;
                x
            }
            (None, None) => break,
        };
        out.push(next);
    }
    *days = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_middles_give_the_medians_exp2_gives() {
        for bucket in 0..=255u8 {
            let by_exp2 = ((f64::from(bucket) + 0.5) / 8.0).exp2() - 1.0;
            let ours = ReplyTimes::minutes_of(bucket);
            // Medians are rounded to a tenth: the rounding must not depend on the last bits
            // of exp2, which differ between libms (wasm's is not the host's).
            let median = |m: f64| (m * 10.0).round() / 10.0;
            for ulps in -4i64..=4 {
                let near = f64::from_bits((ours + 1.0).to_bits().wrapping_add_signed(ulps)) - 1.0;
                assert_eq!(median(near), median(by_exp2), "bucket {bucket}, {ulps} ulps");
            }
        }
    }

    #[test]
    fn integer_buckets_match_log2() {
        for seconds in (0..200_000).step_by(37).chain([59, 60, 61, 3600, 86_400, 2_592_000]) {
            let exact = (8.0 * (1.0 + seconds as f64 / 60.0).log2()).floor() as u8;
            let fast = ReplyTimes::bucket_of(seconds);
            assert!(exact.abs_diff(fast) <= 1, "{seconds}: {exact} vs {fast}");
        }
    }

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
