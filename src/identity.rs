//! Who is who: cleaning author names as exports show them, recognising phone-number authors,
//! and the stable contact ids derived from them.
//!
//! A contact's key is its phone number (`tel:+<digits>`) when the author is a phone number, and
//! its case-folded name (`name:<lowercase>`) otherwise. The id is a hash of the key, so the same
//! person gets the same id in every session and on every device.

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
    if (7..=15).contains(&digits.len()) {
        Some(format!("+{digits}"))
    } else {
        None
    }
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
    let trimmed = raw.trim();
    let trimmed = trimmed.strip_prefix("mailto:").unwrap_or(trimmed);
    // Checked before any allocation: this runs for every address of every handle.
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

/// A stable, opaque contact id: `c` followed by 16 hex digits of the FNV-1a hash of the key.
pub fn contact_id(key: &str) -> String {
    format!("c{:016x}", fnv1a(key.as_bytes()))
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

    #[test]
    fn control_characters_are_dropped_from_names() {
        assert_eq!(clean_name("Ann\r\nLee"), "AnnLee");
        assert_eq!(clean_name("\tAnn\u{0}\u{7}\u{1b}\u{7f}"), "Ann");
        assert_eq!(clean_name("Ann\u{85}\u{9b}Lee"), "AnnLee", "C1 controls too");
        assert_eq!(clean_name("Ann Lee"), "Ann Lee", "the ordinary space stays");
    }
}
