//! Time: exports carry local wall-clock times without an offset. The core turns them into UTC
//! instants through a [`LocalZone`] that the host supplies (the browser's zone in wasm, a fixed
//! offset in tests), and formats instants as ISO 8601 UTC strings for the JS API.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

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

/// Remembers offsets so the host is asked about twice per day of chat: when a day's first and
/// last minute share an offset, no daylight-saving change falls inside it and every time that
/// day has that offset; otherwise the day is asked about hour by hour (changes fall on hours).
pub(crate) struct ZoneCache {
    zone: Box<dyn LocalZone>,
    /// The last day looked at, and its offset when it is the same all day.
    day: Option<(i64, Option<i32>)>,
    last: Option<(i64, i32)>,
}

impl ZoneCache {
    pub(crate) fn new(zone: Box<dyn LocalZone>) -> Self {
        ZoneCache { zone, day: None, last: None }
    }

    /// UTC seconds of a local date and second of day.
    pub(crate) fn utc_seconds(&mut self, date: NaiveDate, seconds_of_day: u32) -> i64 {
        let day = date_to_days(date);
        let local_secs = day * 86_400 + i64::from(seconds_of_day);
        let uniform = match self.day {
            Some((d, uniform)) if d == day => uniform,
            _ => {
                let at = |h, m| date.and_hms_opt(h, m, 0).map(|t| self.zone.offset_seconds(t));
                let uniform = match (at(0, 0), at(23, 59)) {
                    (Some(a), Some(b)) if a == b => Some(a),
                    _ => None,
                };
                self.day = Some((day, uniform));
                uniform
            }
        };
        if let Some(offset) = uniform {
            return local_secs - i64::from(offset);
        }
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

/// An instant (seconds since the Unix epoch) as `2024-03-05T14:07:00Z`. Years outside
/// 0000–9999 take a sign, as RFC 3339 extended years do (`+10000-01-01T00:00:00Z`).
///
/// Written out by hand: chrono's `format` brings its whole strftime machinery into the wasm
/// module (about 10 KB gzipped) for this one layout.
pub fn iso(seconds: i64) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp(seconds, 0) else {
        return String::from("invalid-time");
    };
    let y = t.year();
    let sign = if y > 9999 {
        "+"
    } else if y < 0 {
        "-"
    } else {
        ""
    };
    format!(
        "{sign}{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        y.unsigned_abs(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
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
        assert_eq!(iso(-62_167_219_200), "0000-01-01T00:00:00Z");
        assert_eq!(iso(253_402_318_800), "+10000-01-01T05:00:00Z");
        assert_eq!(iso(-62_198_755_200), "-0001-01-01T00:00:00Z");
    }

    /// Central European time for 2024: UTC+1, UTC+2 from 31 March 02:00 local.
    struct Cet;
    impl LocalZone for Cet {
        fn offset_seconds(&self, local: NaiveDateTime) -> i32 {
            let change = NaiveDate::from_ymd_opt(2024, 3, 31).and_then(|d| d.and_hms_opt(2, 0, 0));
            if Some(local) >= change {
                7200
            } else {
                3600
            }
        }
    }

    #[test]
    fn daylight_saving_changes_inside_a_day_are_honoured() {
        let mut cache = ZoneCache::new(Box::new(Cet));
        let day = NaiveDate::from_ymd_opt(2024, 3, 31).expect("date");
        assert_eq!(iso(cache.utc_seconds(day, 3600)), "2024-03-31T00:00:00Z");
        assert_eq!(iso(cache.utc_seconds(day, 12 * 3600)), "2024-03-31T10:00:00Z");
        let before = NaiveDate::from_ymd_opt(2024, 3, 30).expect("date");
        assert_eq!(iso(cache.utc_seconds(before, 12 * 3600)), "2024-03-30T11:00:00Z");
    }

    #[test]
    fn local_to_utc_uses_the_offset() {
        let mut cache = ZoneCache::new(Box::new(FixedZone(3600)));
        let day = NaiveDate::from_ymd_opt(2024, 3, 5).expect("valid date");
        assert_eq!(iso(cache.utc_seconds(day, 15 * 3600 + 7 * 60)), "2024-03-05T14:07:00Z");
    }
}
