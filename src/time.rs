//! Time: exports carry local wall-clock times without an offset. The core turns them into UTC
//! instants through a [`LocalZone`] that the host supplies (the browser's zone in wasm, a fixed
//! offset in tests), and formats instants as ISO 8601 UTC strings for the JS API.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Maps a local wall-clock time to its offset from UTC. The host decides what "local" means.
pub trait LocalZone {
    /// Seconds to add to UTC to get this local time (UTC+02:00 gives 7200).
    fn offset_seconds(&self, local: NaiveDateTime) -> i32;
}

/// A zone with one offset all year round; `FixedZone(0)` is UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedZone(pub i32);

impl LocalZone for FixedZone {
    fn offset_seconds(&self, _local: NaiveDateTime) -> i32 {
        self.0
    }
}

/// Remembers the last answer per (day, hour): daylight-saving changes fall on hour boundaries,
/// and consecutive messages mostly share an hour, so the host is asked about once an hour of chat.
pub(crate) struct ZoneCache {
    zone: Box<dyn LocalZone>,
    last: Option<(i64, i32)>,
}

impl ZoneCache {
    pub(crate) fn new(zone: Box<dyn LocalZone>) -> Self {
        ZoneCache { zone, last: None }
    }

    /// UTC seconds of a local date and second of day.
    pub(crate) fn to_utc(&mut self, date: NaiveDate, seconds_of_day: u32) -> i64 {
        let local_secs = date_to_days(date) * 86_400 + i64::from(seconds_of_day);
        let hour_key = local_secs.div_euclid(3600);
        let offset = match self.last {
            Some((key, offset)) if key == hour_key => offset,
            _ => {
                let local = date.and_hms_opt(seconds_of_day / 3600, (seconds_of_day / 60) % 60, seconds_of_day % 60);
                let offset = local.map_or(0, |l| self.zone.offset_seconds(l));
                self.last = Some((hour_key, offset));
                offset
            }
        };
        local_secs - i64::from(offset)
    }
}

/// Days since 1970-01-01 of a date (negative before).
pub(crate) fn date_to_days(date: NaiveDate) -> i64 {
    date.signed_duration_since(NaiveDate::default()).num_days()
}

/// An instant (seconds since the Unix epoch) as `2024-03-05T14:07:00Z`.
pub fn iso(seconds: i64) -> String {
    match DateTime::<Utc>::from_timestamp(seconds, 0) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => String::from("invalid-time"),
    }
}

/// Serde helper: `Option<i64>` seconds serialized as an ISO string or `null`.
pub(crate) mod iso_opt {
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(secs) => s.serialize_str(&super::iso(*secs)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_iso() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_709_647_620), "2024-03-05T14:07:00Z");
    }

    #[test]
    fn local_to_utc_uses_the_offset() {
        let mut cache = ZoneCache::new(Box::new(FixedZone(3600)));
        let day = NaiveDate::from_ymd_opt(2024, 3, 5).expect("valid date");
        assert_eq!(iso(cache.to_utc(day, 15 * 3600 + 7 * 60)), "2024-03-05T14:07:00Z");
    }
}
