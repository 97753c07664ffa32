//! Reading single LinkedIn export fields: profile URLs, names, dates, yes/no flags.

use std::borrow::Cow;

use chrono::NaiveDate;

/// A profile URL as a stable handle id.
///
/// The same profile is written in slightly different ways across rows and files, so the id is:
/// surrounding spaces trimmed; the query (`?…`) and fragment (`#…`) dropped (tracking
/// parameters); the scheme and host lowercased (`HTTPS://WWW.LinkedIn.com` is
/// `https://www.linkedin.com`); trailing `/` dropped. The path keeps its case: LinkedIn's
/// member ids (`/in/ACoAAB…`) are case-sensitive. `None` for an empty field.
pub(crate) fn normalise_url(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s.find(['?', '#']).map_or(s, |i| &s[..i]);
    let (scheme, rest) = match s.find("://") {
        Some(i) => (Some(&s[..i]), &s[i + 3..]),
        None => (None, s),
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    if host.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    if let Some(scheme) = scheme {
        out.push_str(&scheme.to_ascii_lowercase());
        out.push_str("://");
    }
    out.push_str(&host.to_ascii_lowercase());
    out.push_str(path);
    while out.ends_with('/') {
        out.pop();
    }
    Some(out)
}

/// A name with Meta-style mojibake undone: when every character is at most U+00FF and some
/// are not ASCII, the characters may be the bytes of UTF-8 text read as Latin-1
/// (`RadosÅ\u{82}aw`); if those bytes are valid UTF-8, that is the name (`Radosław`). A real
/// Latin-1 name (`José`) is not valid UTF-8 as bytes and is kept.
pub(crate) fn repair_mojibake(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || s.chars().any(|c| u32::from(c) > 0xFF) {
        return Cow::Borrowed(s);
    }
    let bytes: Vec<u8> = s.chars().map(|c| u32::from(c) as u8).collect();
    match String::from_utf8(bytes) {
        Ok(fixed) => Cow::Owned(fixed),
        Err(_) => Cow::Borrowed(s),
    }
}

/// A display name from the export: mojibake repaired, then cleaned like every author name.
pub(crate) fn display_name(raw: &str) -> String {
    crate::identity::clean_name(&repair_mojibake(raw))
}

/// The key names are compared by (the Profile's name against authors' names).
pub(crate) fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// `Yes` / `true` (any case): LinkedIn's draft flags.
pub(crate) fn is_yes(raw: &str) -> bool {
    let s = raw.trim();
    s.eq_ignore_ascii_case("yes") || s.eq_ignore_ascii_case("true")
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ymd(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('-');
    let y = number(parts.next()?)?;
    let m = number(parts.next()?)?;
    let d = number(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// `DATE` of `messages.csv`: `2023-06-11 15:33:58 UTC` (also with `T`, without seconds, and with
/// `Z`, `GMT` or `+00:00` or no zone: every export seen is UTC). UTC seconds; `None` when the
/// field is not such a date or names another zone.
pub(crate) fn message_time(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let s = ["UTC", "GMT", "Z", "+00:00", "+0000"].iter().find_map(|z| s.strip_suffix(z)).unwrap_or(s).trim_end();
    let (date, time) = s.split_once([' ', 'T'])?;
    let date = ymd(date)?;
    let mut parts = time.trim().split(':');
    let h = number(parts.next()?)?;
    let m = number(parts.next()?)?;
    let sec = match parts.next() {
        // Fractions of a second are dropped.
        Some(p) => number(p.split('.').next()?)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(date.and_hms_opt(h, m, sec)?.and_utc().timestamp())
}

fn month(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let position = MONTHS.iter().position(|m| lower.starts_with(m))?;
    Some(position as u32 + 1)
}

/// `Connected On` of `Connections.csv`: `12 Mar 2024` (English month names, short or long),
/// also `2024-03-12` and `Mar 12, 2024`. Midnight UTC of that day, in seconds.
pub(crate) fn connected_on(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let date = if let Some(date) = ymd(s) {
        date
    } else {
        let words: Vec<&str> = s.split([' ', ',', '-']).filter(|w| !w.is_empty()).collect();
        let [a, b, c] = words.as_slice() else {
            return None;
        };
        let (d, m) = match (number(a), month(a)) {
            (Some(d), _) => (d, month(b)?),
            (None, Some(m)) => (number(b)?, m),
            (None, None) => return None,
        };
        let y = number(c)?;
        // `12-Mar-24`: two-digit years are 20xx.
        let y = if c.len() == 2 { 2000 + y } else { y };
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?
    };
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised() {
        let n = |s: &str| normalise_url(s);
        assert_eq!(
            n(" HTTPS://WWW.LinkedIn.com/in/Ann-Lee/?trk=x#top ").as_deref(),
            Some("https://www.linkedin.com/in/Ann-Lee")
        );
        assert_eq!(n("https://www.linkedin.com/in/ACoAAB12").as_deref(), Some("https://www.linkedin.com/in/ACoAAB12"));
        assert_eq!(n("www.LinkedIn.com/in/bo//").as_deref(), Some("www.linkedin.com/in/bo"));
        assert_eq!(n("  "), None);
        assert_eq!(n("https://"), None);
        assert_eq!(n("?x=1"), None);
    }

    #[test]
    fn mojibake_is_repaired_and_real_latin1_kept() {
        assert_eq!(repair_mojibake("Rados\u{00C5}\u{0082}aw"), "Radosław");
        assert_eq!(repair_mojibake("Jos\u{00C3}\u{00A9}"), "José");
        assert_eq!(repair_mojibake("José"), "José");
        assert_eq!(repair_mojibake("Zoë Ωmega"), "Zoë Ωmega");
        assert_eq!(display_name(" Ann  Lee "), "Ann  Lee");
        assert_eq!(name_key(" Ann  LEE "), "ann lee");
    }

    #[test]
    fn message_times_are_utc() {
        assert_eq!(message_time("2023-06-11 15:33:58 UTC"), Some(1_686_497_638));
        assert_eq!(message_time("2023-06-11T15:33:58Z"), Some(1_686_497_638));
        assert_eq!(message_time("2023-06-11 15:33"), Some(1_686_497_580));
        assert_eq!(message_time("2023-06-11 15:33:58.250 UTC"), Some(1_686_497_638));
        assert_eq!(message_time("2023-06-11 15:33:58 PST"), None);
        assert_eq!(message_time("2023-02-30 10:00:00 UTC"), None);
        assert_eq!(message_time("yesterday"), None);
        assert_eq!(message_time(""), None);
    }

    #[test]
    fn connection_dates() {
        assert_eq!(connected_on("12 Mar 2024"), Some(1_710_201_600));
        assert_eq!(connected_on("2024-03-12"), Some(1_710_201_600));
        assert_eq!(connected_on("March 12, 2024"), Some(1_710_201_600));
        assert_eq!(connected_on("12-Mar-24"), Some(1_710_201_600));
        assert_eq!(connected_on("12 Foo 2024"), None);
        assert_eq!(connected_on(""), None);
        assert!(is_yes(" Yes") && is_yes("TRUE") && !is_yes("No") && !is_yes(""));
    }
}
