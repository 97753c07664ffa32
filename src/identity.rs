//! Who is who: cleaning author names as exports show them, recognising phone-number authors,
//! and the stable contact ids derived from them.
//!
//! A contact's key is its phone number (`tel:+<digits>`) when the author is a phone number, and
//! its case-folded name (`name:<lowercase>`) otherwise. The id is a hash of the key, so the same
//! person gets the same id in every session and on every device.

use std::borrow::Cow;

/// Characters that only steer text direction or join words invisibly. Exports sprinkle them
/// around names and dates; they never belong to a name.
pub(crate) fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Spaces that are not U+0020 but mean one (no-break, narrow no-break, thin).
pub(crate) fn is_odd_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2009}')
}

/// A display name as the export shows it, cleaned: direction marks and control characters (C0
/// and C1, tab and line breaks included) removed, odd spaces made plain, the `~ ` that WhatsApp
/// puts before unsaved group members dropped, and trimmed.
///
/// ```
/// assert_eq!(kith::identity::clean_name("~\u{202F}Ann Lee "), "Ann Lee");
/// assert_eq!(kith::identity::clean_name("\u{202A}+1 555 0100\u{202C}"), "+1 555 0100");
/// ```
pub fn clean_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_invisible_mark(c) || c.is_control() {
            continue;
        }
        out.push(if is_odd_space(c) { ' ' } else { c });
    }
    let trimmed = out.trim();
    let without_tilde = trimmed.strip_prefix('~').map(str::trim_start).unwrap_or(trimmed);
    without_tilde.to_string()
}

/// The phone number an author name stands for, as `+<digits>`, when the name is nothing but a
/// phone number (digits with the usual `+ - ( ) .` and spaces, 7 to 15 digits).
///
/// ```
/// assert_eq!(kith::identity::phone_of("+91 94096 54949").as_deref(), Some("+919409654949"));
/// assert_eq!(kith::identity::phone_of("Ann"), None);
/// ```
pub fn phone_of(name: &str) -> Option<String> {
    if !is_phone_number(name) {
        return None;
    }
    let mut phone = String::with_capacity(16);
    phone.push('+');
    phone.extend(name.chars().filter(char::is_ascii_digit));
    Some(phone)
}

/// Whether [`phone_of`] reads a number in `name`, found without building it: the grouping asks
/// this of every handle's name.
pub(crate) fn is_phone_number(name: &str) -> bool {
    let rest = name.strip_prefix('+').unwrap_or(name);
    let mut digits = 0;
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' | b'(' | b')' | b'.' => {}
            // Any other byte, the first of a multi-byte character included, is not a number's.
            _ => return false,
        }
    }
    (7..=15).contains(&digits)
}

/// The identity key of a cleaned author name: its phone number if it is one, else its
/// lower-cased name.
pub fn contact_key(clean: &str) -> String {
    match phone_of(clean) {
        Some(phone) => format!("tel:{phone}"),
        None => format!("name:{}", clean.to_lowercase()),
    }
}

/// The identity key of a handle: what a contact is known by. WhatsApp authors keep the keys of
/// [`contact_key`] (`tel:+…` or `name:…`), so contact ids made before other sources existed stay
/// the same; every other kind is prefixed with its source: `telegram:user123`,
/// `messenger:ann lee`, `instagram:ann lee`, `linkedin:https://www.linkedin.com/in/ann`,
/// `email:ann@example.com`.
///
/// ```
/// use kith::import::event::HandleKind;
/// assert_eq!(kith::identity::handle_key(HandleKind::Email, " Ann@Example.COM"), "email:ann@example.com");
/// assert_eq!(kith::identity::handle_key(HandleKind::WhatsApp, "+44 7700 900123"), "tel:+447700900123");
/// ```
pub fn handle_key(kind: crate::import::event::HandleKind, id: &str) -> String {
    use crate::import::event::HandleKind;
    let id = clean_name(id);
    match kind {
        HandleKind::WhatsApp => contact_key(&id),
        other => format!("{}:{}", other.as_str(), id.to_lowercase()),
    }
}

/// The identity key of something the user gave as their own: an email address, a phone
/// number, or a name.
pub fn owner_key(given: &str) -> String {
    let clean = clean_name(given);
    if clean.contains('@') && !clean.contains(' ') {
        format!("email:{}", clean.to_lowercase())
    } else {
        contact_key(&clean)
    }
}

/// An email address in the form two spellings of one mailbox share: lower case, and for
/// Gmail (`gmail.com`, `googlemail.com`) without the dots and `+tag` Gmail ignores. `None` when
/// it is not an address.
///
/// ```
/// use kith::identity::canonical_email;
/// assert_eq!(canonical_email(" Ann.Lee+work@GoogleMail.com").as_deref(), Some("annlee@gmail.com"));
/// assert_eq!(canonical_email("ann.lee+work@example.com").as_deref(), Some("ann.lee+work@example.com"));
/// assert_eq!(canonical_email("not an address"), None);
/// ```
pub fn canonical_email(raw: &str) -> Option<String> {
    canonical_email_borrowed(raw).map(Cow::into_owned)
}

/// [`canonical_email`], borrowing `raw` where it is its own canonical form (trimmed, lower
/// case ASCII, not Gmail's), as nearly every address kith keeps already is: the grouping and the
/// contacts view compare every address of every handle by this form.
pub(crate) fn canonical_email_borrowed(raw: &str) -> Option<Cow<'_, str>> {
    let trimmed = raw.trim();
    let trimmed = trimmed.strip_prefix("mailto:").unwrap_or(trimmed);
    let at = trimmed.bytes().rposition(|b| b == b'@')?;
    let (raw_local, raw_domain) = (&trimmed[..at], &trimmed[at + 1..]);
    if raw_local.is_empty() || !raw_domain.contains('.') {
        return None;
    }
    let kinds = trimmed.bytes().fold(0, |kinds, b| kinds | ADDRESS_BYTE_KINDS[usize::from(b)]);
    if kinds & BEYOND_ASCII != 0 {
        return canonical_of_lowered(trimmed.to_lowercase()).map(Cow::Owned);
    }
    // Lower-casing ASCII changes no byte's position or kind, so the address is checked as given.
    if kinds & SPACE != 0 {
        return None;
    }
    if raw_domain.eq_ignore_ascii_case("gmail.com") || raw_domain.eq_ignore_ascii_case("googlemail.com") {
        let mailbox = raw_local.split('+').next().unwrap_or(raw_local);
        let mut address = String::with_capacity(mailbox.len() + "@gmail.com".len());
        address.extend(mailbox.bytes().filter(|&b| b != b'.').map(|b| char::from(b.to_ascii_lowercase())));
        address.push_str("@gmail.com");
        return Some(Cow::Owned(address));
    }
    if kinds & UPPER != 0 {
        Some(Cow::Owned(trimmed.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(trimmed))
    }
}

/// What each byte of an address tells about its canonical form: the kinds of all its bytes are
/// found with one lookup each, rather than one scan of the address per kind.
const ADDRESS_BYTE_KINDS: [u8; 256] = {
    let mut kinds = [0; 256];
    let mut b = 0;
    while b < 256 {
        kinds[b] = match b as u8 {
            b'A'..=b'Z' => UPPER,
            // What `char::is_whitespace` says of ASCII.
            b'\t'..=b'\r' | b' ' => SPACE,
            0x80.. => BEYOND_ASCII,
            _ => 0,
        };
        b += 1;
    }
    kinds
};
const UPPER: u8 = 1;
const SPACE: u8 = 2;
const BEYOND_ASCII: u8 = 4;

/// The canonical form of an address already lower-cased (beyond ASCII, lower-casing can move
/// an `@` or make a space, so the checks are made again on the result).
fn canonical_of_lowered(address: String) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    if local.is_empty() || !domain.contains('.') || address.contains(char::is_whitespace) {
        return None;
    }
    if domain == "gmail.com" || domain == "googlemail.com" {
        let local = local.split('+').next().unwrap_or(local).replace('.', "");
        return Some(format!("{local}@gmail.com"));
    }
    Some(address)
}

/// A stable, opaque contact id: `c` followed by 16 hex digits of the FNV-1a hash of the key.
pub fn contact_id(key: &str) -> String {
    hex_id('c', fnv1a(key.as_bytes()))
}

/// `prefix` and the 16 lower-case hex digits of `hash`, as `format!("{prefix}{hash:016x}")`
/// writes them, without the formatting machinery: every contact of every view gets one.
pub(crate) fn hex_id(prefix: char, hash: u64) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0; 16];
    for (at, digit) in hex.iter_mut().enumerate() {
        *digit = DIGITS[(hash >> (60 - 4 * at)) as usize & 0xf];
    }
    let mut id = String::with_capacity(prefix.len_utf8() + 16);
    id.push(prefix);
    // Hex digits are ASCII: never the default.
    id.push_str(std::str::from_utf8(&hex).unwrap_or_default());
    id
}

/// FNV-1a, 64 bit: tiny, stable across platforms and versions, good enough for ids that only
/// need to be distinct among one person's contacts.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Whether a cleaned author name is one of the user's own identities (names, phones).
/// Comparison is by [`contact_key`], so `+1 555 0100` matches `+15550100` and `ann` matches `Ann`.
pub fn is_owner(clean: &str, owner_keys: &[String]) -> bool {
    let key = contact_key(clean);
    owner_keys.contains(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_marks_tilde_and_spaces() {
        assert_eq!(clean_name("\u{200E}~ Bob"), "Bob");
        assert_eq!(clean_name("Ann\u{00A0}Lee"), "Ann Lee");
        assert_eq!(clean_name("  😀 "), "😀");
    }

    #[test]
    fn phones_are_recognised_only_when_the_name_is_a_number() {
        assert_eq!(phone_of("+1 (555) 010-0199").as_deref(), Some("+15550100199"));
        assert_eq!(phone_of("123"), None);
        assert_eq!(phone_of("Room 1234567"), None);
        assert_eq!(contact_key("+1 555 0100 99"), "tel:+1555010099");
        assert_eq!(contact_key("ANN"), "name:ann");
    }

    #[test]
    fn ids_are_stable() {
        // Pinned: ids are stored and synced, so the same key must give this id in every build.
        // Computed independently (FNV-1a 64 of the key's UTF-8 bytes, in Python).
        assert_eq!(contact_id("name:ann"), "c4e938bef8288aac7");
        assert_eq!(contact_id("tel:+15550100"), "cad0b24cddaf0dbc6");
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c, "the published FNV-1a 64 test vector");
        assert_ne!(contact_id("name:ann"), contact_id("name:bob"));
    }

    /// `phone_of` as first written, building the digits whatever the name: the reference the
    /// non-allocating test must agree with.
    fn phone_of_by_building(name: &str) -> Option<String> {
        let mut digits = String::new();
        let mut chars = name.chars().peekable();
        if chars.peek() == Some(&'+') {
            chars.next();
        }
        for c in chars {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return None,
            }
        }
        (7..=15).contains(&digits.len()).then(|| format!("+{digits}"))
    }

    #[test]
    fn the_phone_test_agrees_with_reading_the_number() {
        let names = [
            "+44 7700 900123",
            "+1 (555) 010-0199",
            "(555) 010-0199",
            ".5550100199",
            "-1234567",
            "123456",
            "1234567",
            "123456789012345",
            "1234567890123456",
            "++447700900123",
            " +447700900123",
            "+447700900123 ",
            "4477009001２3",
            "٠١٢٣٤٥٦٧٨٩",
            "Ann",
            "Room 1234567",
            "1234567 Ann",
            "+",
            "",
            "()-. ",
            "+44\u{a0}7700900123",
            "+44 7700 900123 ✓",
        ];
        for name in names {
            let want = phone_of_by_building(name);
            assert_eq!(phone_of(name), want, "{name:?}");
            assert_eq!(is_phone_number(name), want.is_some(), "{name:?}");
        }
    }

    #[test]
    fn hex_ids_are_what_format_writes() {
        for hash in [0, 1, 0xf, 0x10, 0xabc, 0x0123_4567_89ab_cdef, 0x8000_0000_0000_0000, u64::MAX] {
            assert_eq!(hex_id('c', hash), format!("c{hash:016x}"));
            assert_eq!(hex_id('s', hash), format!("s{hash:016x}"));
        }
        for key in ["", "name:ann", "tel:+15550100", "email:zoë@example.com"] {
            assert_eq!(contact_id(key), format!("c{:016x}", fnv1a(key.as_bytes())), "{key}");
        }
    }

    /// `canonical_email` as first written, lower-casing a copy before any check: the reference
    /// the borrowing form must agree with.
    fn canonical_email_by_copying(raw: &str) -> Option<String> {
        let trimmed = raw.trim();
        let trimmed = trimmed.strip_prefix("mailto:").unwrap_or(trimmed);
        let (raw_local, raw_domain) = trimmed.rsplit_once('@')?;
        if raw_local.is_empty() || !raw_domain.contains('.') {
            return None;
        }
        let address = if trimmed.is_ascii() { trimmed.to_ascii_lowercase() } else { trimmed.to_lowercase() };
        let (local, domain) = address.rsplit_once('@')?;
        if local.is_empty() || !domain.contains('.') || address.contains(char::is_whitespace) {
            return None;
        }
        if domain == "gmail.com" || domain == "googlemail.com" {
            let local = local.split('+').next().unwrap_or(local).replace('.', "");
            return Some(format!("{local}@gmail.com"));
        }
        Some(address)
    }

    #[test]
    fn the_borrowed_canonical_address_agrees_with_the_copied_one() {
        let addresses = [
            "ann@example.com",
            "Ann@Example.COM",
            "  ann@example.com\n",
            "mailto:ann@example.com",
            "MAILTO:ann@example.com",
            "mailto: ann@example.com",
            "ann.lee+work@gmail.com",
            "Ann.Lee+Work@GoogleMail.COM",
            "a.n.n@gmail.com.au",
            "+tag@gmail.com",
            ".@gmail.com",
            "ann lee@example.com",
            "ann\u{b}lee@example.com",
            "ann\u{c}@example.com",
            "ann\u{1f}@example.com",
            "ann@exa mple.com",
            "a@b@example.com",
            "a@b@examplecom",
            "@example.com",
            "ann@",
            "ann@localhost",
            "ann@example.",
            "not an address",
            "",
            "zoë@example.com",
            "ZOË@EXAMPLE.COM",
            "İlker@example.com",
            "ΟΔΥΣΣΕΥΣ@example.gr",
            "ann@ＥＸＡＭＰＬＥ.com",
            "ann\u{a0}lee@example.com",
            "Zoë.Park+x@GMAIL.com",
        ];
        for raw in addresses {
            let got = canonical_email_borrowed(raw);
            assert_eq!(got.as_deref(), canonical_email_by_copying(raw).as_deref(), "{raw:?}");
            assert_eq!(canonical_email(raw), canonical_email_by_copying(raw), "{raw:?}");
        }
        assert!(matches!(canonical_email_borrowed("ann@example.com"), Some(Cow::Borrowed(_))));
        assert!(matches!(canonical_email_borrowed(" mailto:ann@example.com "), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn control_characters_are_dropped_from_names() {
        assert_eq!(clean_name("Ann\r\nLee"), "AnnLee");
        assert_eq!(clean_name("\tAnn\u{0}\u{7}\u{1b}\u{7f}"), "Ann");
        assert_eq!(clean_name("Ann\u{85}\u{9b}Lee"), "AnnLee", "C1 controls too");
        assert_eq!(clean_name("Ann Lee"), "Ann Lee", "the ordinary space stays");
    }
}
