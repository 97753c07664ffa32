//! Mail dates: the RFC 2822 `Date` header and the asctime date of an mbox `From ` line.
//!
//! Real headers stray from RFC 2822 in known ways, and every one of them is read here: a
//! missing weekday, two- and three-digit years (obsolete syntax: `23` is 2023, `99` is 1999,
//! `123` is 2023), obsolete zone names (`GMT`, `EST`, military letters), a zone repeated as a
//! comment (`+0000 (UTC)`), seconds left out, and the asctime order of `From ` lines
//! (`Mon Oct 16 01:29:30 +0000 2023`, older ones without the zone). The tokens are read in any
//! order, so one parser serves both shapes.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::time::{date_to_days, LocalZone};

/// The fields of a date, before they are turned into an instant.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Parts {
    month: Option<u32>,
    /// Day and year in the order they appeared (both shapes put the day first).
    numbers: [Option<(u32, usize)>; 2],
    time: Option<(u32, u32, u32)>,
    /// Seconds east of UTC, when the date names its zone.
    offset: Option<i32>,
}

/// Reads a date in either shape and returns UTC seconds. A date without a zone is wall-clock
/// time in `zone` (old `From ` lines, broken mailers). With `strict`, any token that is not
/// part of a date makes it fail: detection uses that to tell a `From ` line from prose.
pub(crate) fn parse_date(raw: &[u8], zone: &dyn LocalZone, strict: bool) -> Option<i64> {
    let parts = tokens(raw, strict)?;
    let month = parts.month?;
    let (Some((a, a_len)), Some((b, b_len))) = (parts.numbers[0], parts.numbers[1]) else {
        return None;
    };
    // Day before year in both shapes; a leading 4-digit number is a year (`2023 Oct 16`).
    let (day, (year, year_len)) = if a_len >= 3 { (b, (a, a_len)) } else { (a, (b, b_len)) };
    let year = match year_len {
        // RFC 2822 §4.3: 00-49 are 2000-2049, 50-99 are 1950-1999, three digits add 1900.
        1 | 2 if year < 50 => year + 2000,
        1 | 2 => year + 1900,
        3 => year + 1900,
        _ => year,
    };
    if !(1900..=2200).contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let (h, m, s) = parts.time?;
    let seconds_of_day = i64::from(h * 3600 + m * 60 + s);
    let local = date_to_days(date) * 86_400 + seconds_of_day;
    let offset = match parts.offset {
        Some(offset) => offset,
        None => zone.offset_seconds(NaiveDateTime::new(date, NaiveTime::from_hms_opt(h, m, s)?)),
    };
    Some(local - i64::from(offset))
}

/// Splits on whitespace and commas, drops `(comments)` (nested ones too), and sorts each token
/// into its field. `None` when a field comes twice or, with `strict`, a token is unknown.
fn tokens(raw: &[u8], strict: bool) -> Option<Parts> {
    let mut parts = Parts::default();
    let mut depth = 0u32;
    let mut start = None;
    // One past the end with a separator, so the last token is flushed by the same code.
    for i in 0..=raw.len() {
        let b = raw.get(i).copied().unwrap_or(b' ');
        let separator = depth > 0 || matches!(b, b' ' | b'\t' | b',' | b'(' | b')' | b'\r' | b'\n');
        if separator {
            if let Some(s) = start.take() {
                token(&raw[s..i], &mut parts, strict)?;
            }
        } else if start.is_none() {
            start = Some(i);
        }
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Some(parts)
}

fn token(t: &[u8], parts: &mut Parts, strict: bool) -> Option<()> {
    if t.iter().all(u8::is_ascii_digit) {
        let value = digits(t)?;
        let slot = parts.numbers.iter_mut().find(|n| n.is_none())?;
        *slot = Some((value, t.len()));
        return Some(());
    }
    if t.contains(&b':') {
        if parts.time.is_some() {
            return None;
        }
        parts.time = Some(time(t)?);
        return Some(());
    }
    if let [sign @ (b'+' | b'-'), rest @ ..] = t {
        if rest.len() == 4 && rest.iter().all(u8::is_ascii_digit) {
            let hours = digits(&rest[..2])?;
            let minutes = digits(&rest[2..])?;
            if minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            // A numeric zone wins over a zone name that some mailers add without parentheses.
            parts.offset = Some(if *sign == b'-' { -seconds } else { seconds });
            return Some(());
        }
        return if strict { None } else { Some(()) };
    }
    let lower = t.to_ascii_lowercase();
    // `Oct.` and `Mon.` appear in a few mailers' dates.
    let word = lower.strip_suffix(b".").unwrap_or(&lower);
    if let Some(month) = month(word) {
        if parts.month.is_some() {
            return None;
        }
        parts.month = Some(month);
        return Some(());
    }
    if is_weekday(word) {
        return Some(());
    }
    if let Some(offset) = zone_name(word) {
        if parts.offset.is_none() {
            parts.offset = Some(offset);
        }
        return Some(());
    }
    if strict {
        None
    } else {
        Some(())
    }
}

fn digits(t: &[u8]) -> Option<u32> {
    if t.is_empty() || t.len() > 9 {
        return None;
    }
    t.iter().try_fold(0u32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
}

/// `HH:MM` or `HH:MM:SS`; a leap second `:60` is read as `:59`.
fn time(t: &[u8]) -> Option<(u32, u32, u32)> {
    let mut fields = t.split(|&b| b == b':');
    let h = digits(fields.next()?)?;
    let m = digits(fields.next()?)?;
    let s = match fields.next() {
        Some(s) => digits(s)?,
        None => 0,
    };
    if fields.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h, m, s.min(59)))
}

fn month(word: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8]; 12] =
        [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    const FULL: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];
    let i = MONTHS.iter().position(|m| *m == word).or_else(|| FULL.iter().position(|m| *m == word))?;
    Some(i as u32 + 1)
}

fn is_weekday(word: &[u8]) -> bool {
    const DAYS: [&[u8]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];
    const FULL: [&[u8]; 7] = [b"monday", b"tuesday", b"wednesday", b"thursday", b"friday", b"saturday", b"sunday"];
    DAYS.contains(&word) || FULL.contains(&word)
}

/// Zone names: RFC 2822's obsolete ones, military letters (which RFC 2822 §4.3 says to read as
/// UTC, since their signs were used both ways), and a few that mailers write though no RFC
/// names them.
fn zone_name(word: &[u8]) -> Option<i32> {
    let hours = match word {
        b"ut" | b"utc" | b"gmt" | b"z" => 0,
        b"est" => -5,
        b"edt" => -4,
        b"cst" => -6,
        b"cdt" => -5,
        b"mst" => -7,
        b"mdt" => -6,
        b"pst" => -8,
        b"pdt" => -7,
        b"cet" | b"met" | b"bst" => 1,
        b"cest" | b"mest" | b"eet" => 2,
        b"eest" => 3,
        b"jst" => 9,
        [b'a'..=b'i' | b'k'..=b'z'] => 0,
        _ => return None,
    };
    Some(hours * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FixedZone;

    fn at(raw: &str) -> Option<String> {
        parse_date(raw.as_bytes(), &FixedZone(3600), false).map(crate::time::iso)
    }

    #[test]
    fn reads_rfc_2822_and_its_obsolete_forms() {
        assert_eq!(at("Mon, 16 Oct 2023 01:29:30 +0000").as_deref(), Some("2023-10-16T01:29:30Z"));
        assert_eq!(at("Mon, 16 Oct 2023 01:29:30 -0700 (PDT)").as_deref(), Some("2023-10-16T08:29:30Z"));
        assert_eq!(at("16 Oct 2023 01:29 +0530").as_deref(), Some("2023-10-15T19:59:00Z"));
        assert_eq!(at("Tue, 3 Jan 23 10:00:00 GMT").as_deref(), Some("2023-01-03T10:00:00Z"));
        assert_eq!(at("Sun, 3 Jan 99 10:00:00 EST").as_deref(), Some("1999-01-03T15:00:00Z"));
        assert_eq!(at("Sun, 3 Jan 123 10:00:00 Z").as_deref(), Some("2023-01-03T10:00:00Z"));
        assert_eq!(at("Fri, 13 Mar 2020 12:00:60 +0000 (UTC)").as_deref(), Some("2020-03-13T12:00:59Z"));
        assert_eq!(at("Fri, 13 Mar. 2020 12:00:00 +0100 CET").as_deref(), Some("2020-03-13T11:00:00Z"));
        assert_eq!(at("13 Mar 2020 12:00:00").as_deref(), Some("2020-03-13T11:00:00Z"), "no zone: local");
    }

    #[test]
    fn reads_from_line_asctime() {
        assert_eq!(at("Mon Oct 16 01:29:30 +0000 2023").as_deref(), Some("2023-10-16T01:29:30Z"));
        assert_eq!(at("Sat Jan  3 01:05:34 1996").as_deref(), Some("1996-01-03T00:05:34Z"));
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        assert_eq!(at(""), None);
        assert_eq!(at("soon"), None);
        assert_eq!(at("31 Feb 2020 10:00 +0000"), None);
        assert_eq!(at("16 Oct 2023"), None, "no time");
        assert_eq!(at("16 Oct 2023 25:00 +0000"), None);
        let strict = |s: &str| parse_date(s.as_bytes(), &FixedZone(0), true);
        assert!(strict("Mon Oct 16 01:29:30 +0000 2023").is_some());
        assert_eq!(strict("with love Oct 16 01:29:30 2023"), None);
    }
}
