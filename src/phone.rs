//! Phone numbers in E.164 (`+<country code><number>`), so that a national `07700 900123` in a
//! contacts file and a WhatsApp author `+44 7700 900123` are seen to be one number.
//!
//! Why not a full phone library: a wasm module that does nothing but parse one number with the
//! `phonenumber` crate (0.3.10, libphonenumber's metadata and a regex engine) and format it as
//! E.164 measured 2.09 MB, 584 KB gzipped (release, LTO, wasm-opt -O3, 2026-11-26): twice kith's
//! whole 300 KB budget. Matching needs much less: each country's calling code, its trunk prefix
//! (the national `0` that the international form drops) and its international call prefix (`00`,
//! `011`…). That table is a few kilobytes. What it cannot do is tell a valid number from an
//! invalid one of the right length; two people never share a mistyped number, so a wrong number
//! costs no false merge, only a missed one.

/// What turning a national number into an international one needs to know about a country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code (`GB`).
    pub iso: &'static str,
    /// Country calling code, digits only (`44`).
    pub calling_code: &'static str,
    /// Trunk prefix dropped in the international form (`0`), empty where numbers keep every
    /// digit (Italy, Spain…).
    pub trunk: &'static str,
    /// Prefix dialled before an international number (`00`, `011` in North America).
    pub international: &'static str,
}

/// `ISO code trunk international`, one country per line, `-` for no trunk prefix. Where several
/// countries share a calling code, the first listed is the one proposed for it.
const TABLE: &str = "\
US 1 1 011|CA 1 1 011|PR 1 1 011|DO 1 1 011|JM 1 1 011|TT 1 1 011|BS 1 1 011|BB 1 1 011|\
GB 44 0 00|IE 353 0 00|FR 33 0 00|DE 49 0 00|NL 31 0 00|BE 32 0 00|CH 41 0 00|AT 43 0 00|\
LU 352 - 00|IT 39 - 00|SM 378 - 00|VA 379 - 00|ES 34 - 00|PT 351 - 00|GR 30 - 00|MT 356 - 00|\
CY 357 - 00|SE 46 0 00|NO 47 - 00|DK 45 - 00|FI 358 0 00|IS 354 - 00|EE 372 - 00|LV 371 - 00|\
LT 370 0 00|PL 48 - 00|CZ 420 - 00|SK 421 0 00|HU 36 06 00|RO 40 0 00|BG 359 0 00|HR 385 0 00|\
SI 386 0 00|RS 381 0 00|BA 387 0 00|ME 382 0 00|MK 389 0 00|AL 355 0 00|MD 373 0 00|UA 380 0 00|\
RU 7 8 810|KZ 7 8 810|BY 375 8 810|GE 995 0 00|AM 374 0 00|AZ 994 0 00|UZ 998 - 00|TR 90 0 00|\
IL 972 0 00|PS 970 0 00|JO 962 0 00|LB 961 0 00|SY 963 0 00|IQ 964 0 00|IR 98 0 00|SA 966 0 00|\
AE 971 0 00|QA 974 - 00|KW 965 - 00|BH 973 - 00|OM 968 - 00|YE 967 0 00|EG 20 0 00|LY 218 0 00|\
TN 216 - 00|DZ 213 0 00|MA 212 0 00|SN 221 - 00|CI 225 - 00|GH 233 0 00|NG 234 0 009|CM 237 - 00|\
ET 251 0 00|KE 254 0 000|UG 256 0 000|TZ 255 0 000|RW 250 - 00|ZM 260 0 00|ZW 263 0 00|\
MZ 258 - 00|AO 244 - 00|NA 264 0 00|BW 267 - 00|ZA 27 0 00|MU 230 - 00|IN 91 0 00|PK 92 0 00|\
BD 880 0 00|LK 94 0 00|NP 977 0 00|AF 93 0 00|CN 86 0 00|HK 852 - 001|MO 853 - 00|TW 886 0 002|\
JP 81 0 010|KR 82 0 001|MN 976 0 001|SG 65 - 000|MY 60 0 00|TH 66 0 001|VN 84 0 00|KH 855 0 001|\
PH 63 0 00|ID 62 0 001|AU 61 0 0011|NZ 64 0 00|FJ 679 - 00|MX 52 - 00|GT 502 - 00|SV 503 - 00|\
HN 504 - 00|NI 505 - 00|CR 506 - 00|PA 507 - 00|CU 53 0 119|BR 55 0 0014|AR 54 0 00|CL 56 - 00|\
CO 57 - 00|PE 51 0 00|VE 58 0 00|EC 593 0 00|BO 591 0 00|PY 595 0 00|UY 598 0 00";

/// Every country kith knows the numbering of.
pub fn countries() -> impl Iterator<Item = Country> {
    TABLE.split('|').filter_map(|line| {
        let mut fields = line.split(' ');
        let iso = fields.next()?;
        let calling_code = fields.next()?;
        let trunk = fields.next()?;
        let international = fields.next()?;
        Some(Country { iso, calling_code, trunk: if trunk == "-" { "" } else { trunk }, international })
    })
}

/// The country with this ISO code (any case), if kith knows it.
pub fn country(iso: &str) -> Option<Country> {
    countries().find(|c| c.iso.eq_ignore_ascii_case(iso.trim()))
}

/// E.164 allows at most 15 digits; the shortest numbers in use have 7 with their code.
const DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// More digits than this never make a number: at most four of them are a prefix that is
/// dropped (`0011`), and what remains may have at most fifteen.
const MOST_DIGITS_READ: usize = 4 + 15;

/// A phone number as `+<digits>`, or `None` when it cannot be one: too short or long, letters
/// in it, or a national number and no `country` to place it in.
///
/// ```
/// use kith::phone::{country, normalize};
/// let gb = country("GB");
/// assert_eq!(normalize("07700 900123", gb).as_deref(), Some("+447700900123"));
/// assert_eq!(normalize("+44 (0)7700 900123", None).as_deref(), Some("+447700900123"));
/// assert_eq!(normalize("0044 7700 900123", gb).as_deref(), Some("+447700900123"));
/// assert_eq!(normalize("07700 900123", None), None);
/// assert_eq!(normalize("(555) 010-0199", country("US")).as_deref(), Some("+15550100199"));
/// ```
pub fn normalize(raw: &str, country: Option<Country>) -> Option<String> {
    if is_e164(raw) {
        // What every phone-number handle is keyed by: its own normal form.
        return Some(raw.to_string());
    }
    let text = raw.trim();
    let text = text.strip_prefix("tel:").unwrap_or(text).trim_start();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    // The digits are read into the stack, not a String: this runs for every number of every
    // handle each time the contacts are computed.
    let mut read = [0u8; MOST_DIGITS_READ];
    let mut count = 0;
    // `+44 (0)7700…`: the bracketed trunk prefix is written for national callers only. Its first
    // occurrence is skipped.
    let mut trunk_skipped = !plus;
    let bytes = rest.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        let width = match b {
            b'(' if !trunk_skipped && bytes[at + 1..].starts_with(b"0)") => {
                trunk_skipped = true;
                3
            }
            b'0'..=b'9' if count == MOST_DIGITS_READ => return None,
            b'0'..=b'9' => {
                read[count] = b;
                count += 1;
                1
            }
            b' ' | b'-' | b'(' | b')' | b'.' | b'/' => 1,
            _ => match rest[at..].chars().next() {
                Some(c @ ('\u{a0}' | '\u{2009}' | '\u{202f}' | '\u{2011}')) => c.len_utf8(),
                // An extension or a note after the number: the number ends here.
                _ if count >= *DIGITS.start() => break,
                _ => return None,
            },
        };
        at += width;
    }
    let digits = &read[..count];
    // The number after its `+`: a calling code to add (for a national number) and the rest.
    let (code, rest): (&str, &[u8]) = if plus {
        ("", digits)
    } else if let Some(rest) = country.and_then(|c| digits.strip_prefix(c.international.as_bytes())) {
        ("", rest)
    } else if let Some(rest) = digits.strip_prefix(b"00") {
        // Most of the world dials 00 abroad; people write it even where another prefix applies.
        ("", rest)
    } else {
        let country = country?;
        let national = if country.calling_code == "1" {
            // North America has no trunk zero: `1 555 010 0199` and `555 010 0199` are one number.
            if digits.len() == 11 {
                digits.strip_prefix(b"1").unwrap_or(digits)
            } else {
                digits
            }
        } else {
            digits.strip_prefix(country.trunk.as_bytes()).filter(|_| !country.trunk.is_empty()).unwrap_or(digits)
        };
        (country.calling_code, national)
    };
    // No calling code starts with 0.
    let length = code.len() + rest.len();
    if !DIGITS.contains(&length) || (code.is_empty() && rest.first() == Some(&b'0')) {
        return None;
    }
    let mut out = String::with_capacity(length + 1);
    out.push('+');
    out.push_str(code);
    // Digits are ASCII: never the default.
    out.push_str(std::str::from_utf8(rest).unwrap_or_default());
    Some(out)
}

/// Whether `raw` is already what [`normalize`] makes of it, whatever the country: `+`, then 7
/// to 15 digits, the first not 0.
fn is_e164(raw: &str) -> bool {
    raw.strip_prefix('+').is_some_and(|digits| {
        DIGITS.contains(&digits.len()) && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The calling code an international number starts with, as the country kith would propose
/// for it (`+44…` → GB; `+1…` → US).
pub fn country_of(international: &str) -> Option<Country> {
    let digits = international.strip_prefix('+')?;
    // Calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is one.
    (1..=3).filter_map(|n| digits.get(..n)).find_map(|code| countries().find(|c| c.calling_code == code))
}

/// The country most of these international numbers are from: what to propose as the default
/// country for national numbers. `None` when no number is international.
pub fn propose_country<'a>(numbers: impl Iterator<Item = &'a str>) -> Option<Country> {
    // Count by the first three digits (a calling code is at most three), then look each
    // distinct prefix up once: there are thousands of numbers and a few prefixes.
    let mut prefixes: Vec<&str> =
        numbers.filter_map(|n| n.strip_prefix('+')).map(|d| d.get(..3).unwrap_or(d)).collect();
    crate::sort::sort(&mut prefixes);
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for same in prefixes.chunk_by(|a, b| a == b) {
        let Some(c) = country_of(&format!("+{}", same[0])) else { continue };
        match counts.iter_mut().find(|(iso, _)| *iso == c.iso) {
            Some((_, n)) => *n += same.len(),
            None => counts.push((c.iso, same.len())),
        }
    }
    // Most numbers; ties to the country listed first, so the answer does not depend on order.
    let order = |iso: &str| countries().position(|c| c.iso == iso).unwrap_or(usize::MAX);
    counts.iter().max_by(|a, b| a.1.cmp(&b.1).then(order(b.0).cmp(&order(a.0)))).and_then(|(iso, _)| country(iso))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_forms_meet_the_international_one() {
        let cases = [
            ("GB", "07700 900123", "+447700900123"),
            ("GB", "+44 7700 900123", "+447700900123"),
            ("GB", "00 44 7700 900123", "+447700900123"),
            ("DE", "0151 23456789", "+4915123456789"),
            ("IT", "333 123 4567", "+393331234567"),
            ("IT", "06 1234 5678", "+390612345678"),
            ("US", "1 (555) 010-0199", "+15550100199"),
            ("US", "011 44 7700 900123", "+447700900123"),
            ("RU", "8 912 345-67-89", "+79123456789"),
            ("HU", "06 30 123 4567", "+36301234567"),
            ("AU", "0412 345 678", "+61412345678"),
            ("AU", "0011 44 7700 900123", "+447700900123"),
            ("JP", "090-1234-5678", "+819012345678"),
            ("IN", "098765 43210", "+919876543210"),
        ];
        for (iso, raw, want) in cases {
            assert_eq!(normalize(raw, country(iso)).as_deref(), Some(want), "{iso} {raw}");
        }
    }

    #[test]
    fn what_cannot_be_a_number_is_none() {
        assert_eq!(normalize("07700 900123", None), None, "national, and no country to place it");
        assert_eq!(normalize("call me", country("GB")), None);
        assert_eq!(normalize("123", country("GB")), None, "too short");
        assert_eq!(normalize("+1234567890123456", None), None, "too long for E.164");
        assert_eq!(normalize("+0770 0900123", None), None, "no calling code starts with 0");
        assert_eq!(
            normalize("+44 7700 900123 ext. 12", None).as_deref(),
            Some("+447700900123"),
            "an extension is not part of the number"
        );
        assert_eq!(normalize("tel:+1-555-010-0199", None).as_deref(), Some("+15550100199"));
    }

    /// `normalize` as first written, reading the digits into a String: the reference the
    /// stack-buffered reading must agree with.
    fn normalize_into_strings(raw: &str, country: Option<Country>) -> Option<String> {
        let text = raw.trim();
        let text = text.strip_prefix("tel:").unwrap_or(text).trim_start();
        let (plus, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let unbracketed = if plus { rest.replacen("(0)", "", 1) } else { rest.to_string() };
        let mut digits = String::new();
        for c in unbracketed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' | '/' | '\u{a0}' | '\u{2009}' | '\u{202f}' | '\u{2011}' => {}
                _ if digits.len() >= *DIGITS.start() => break,
                _ => return None,
            }
        }
        let (code, rest): (&str, &str) = if plus {
            ("", &digits)
        } else if let Some(rest) = country.and_then(|c| digits.strip_prefix(c.international)) {
            ("", rest)
        } else if let Some(rest) = digits.strip_prefix("00") {
            ("", rest)
        } else {
            let country = country?;
            let national = if country.calling_code == "1" {
                if digits.len() == 11 {
                    digits.strip_prefix('1').unwrap_or(&digits)
                } else {
                    &digits
                }
            } else {
                digits.strip_prefix(country.trunk).filter(|_| !country.trunk.is_empty()).unwrap_or(&digits)
            };
            (country.calling_code, national)
        };
        let length = code.len() + rest.len();
        if !DIGITS.contains(&length) || (code.is_empty() && rest.starts_with('0')) {
            return None;
        }
        Some(format!("+{code}{rest}"))
    }

    #[test]
    fn reading_digits_on_the_stack_agrees_with_reading_them_into_a_string() {
        let mut raws: Vec<String> = [
            "07700 900123",
            "+44 (0)7700 900123",
            "+44 7700 (0)900 (0)123",
            "(0)7700 900123",
            "+(0)",
            "+44 (0 7700 900123",
            "0044 7700 900123",
            "0011 44 7700 900123",
            "0014 55 11 91234 5678",
            "011 44 7700 900123",
            "1 (555) 010-0199",
            "555.010.0199",
            "06 30 123 4567",
            "8 912 345-67-89",
            "tel:+1-555-010-0199",
            "  tel: +15550100199 ",
            "+44 7700 900123 ext. 12",
            "+44 7700 900123x12",
            "+44 77x00 900123",
            "+44\u{a0}7700\u{202f}900\u{2011}123",
            "+44 7700 900123 ✓",
            "+0770 0900123",
            "+447700900123",
            "+07700900123",
            "+123456",
            "+1234567",
            "+123456789012345",
            "+1234567890123456",
            "+44770090012a",
            "+٤٤7700900123",
            "call me",
            "",
            "+",
            "123",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Around the most digits read, with each kind of prefix.
        for n in 14..=26 {
            let digits = "9".repeat(n);
            for prefix in ["+", "", "00", "0011", "011", "0", "06", "1", "+44 (0)"] {
                raws.push(format!("{prefix}{digits}"));
                raws.push(format!("{prefix}{digits} ext 5"));
            }
        }
        for raw in &raws {
            for iso in [None, Some("GB"), Some("US"), Some("AU"), Some("HU"), Some("IT"), Some("BR"), Some("NG")] {
                let country = iso.and_then(country);
                assert_eq!(normalize(raw, country), normalize_into_strings(raw, country), "{iso:?} {raw:?}");
            }
        }
    }

    #[test]
    fn the_table_is_well_formed() {
        let all: Vec<Country> = countries().collect();
        assert!(all.len() > 120, "{}", all.len());
        assert_eq!(TABLE.split('|').count(), all.len(), "every line parses");
        for c in &all {
            assert_eq!(c.iso.len(), 2, "{c:?}");
            assert!(c.calling_code.bytes().all(|b| b.is_ascii_digit()) && !c.calling_code.starts_with('0'), "{c:?}");
            assert!(c.international.bytes().all(|b| b.is_ascii_digit()), "{c:?}");
            assert_eq!(all.iter().filter(|o| o.iso == c.iso).count(), 1, "{} listed twice", c.iso);
        }
    }

    #[test]
    fn the_proposal_is_where_most_numbers_are_from() {
        let seen = ["+447700900123", "+447700900456", "+15550100199", "+4915123456789"];
        assert_eq!(propose_country(seen.iter().copied()).map(|c| c.iso), Some("GB"));
        assert_eq!(propose_country(["+15550100199"].iter().copied()).map(|c| c.iso), Some("US"));
        assert_eq!(propose_country(["+79123456789"].iter().copied()).map(|c| c.iso), Some("RU"));
        assert_eq!(propose_country(std::iter::empty()), None);
        assert_eq!(country_of("+3531234567").map(|c| c.iso), Some("IE"), "3-digit code, not 35");
    }
}
