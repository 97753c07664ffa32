//! What leaves the device: the one allowlisted schema, [`SyncContact`], defined here and used
//! by both ends (the extension builds payloads with it; kith-server parses them with it and
//! rejects any field it does not list). Contact fields, derived numbers and timestamps only.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::Contact;
use crate::time::iso;

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Most phones, emails or sources per contact.
pub const MAX_LIST_ITEMS: usize = 20;
/// Longest phone number, in characters.
pub const MAX_PHONE_CHARS: usize = 32;
/// Longest email address, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest source name, in characters.
pub const MAX_SOURCE_CHARS: usize = 32;
/// Longest id, in bytes.
pub const MAX_ID_BYTES: usize = 64;
/// Most upserts plus deletions in one batch.
pub const MAX_BATCH_ITEMS: usize = 1000;

/// What each field may hold: the rules the server enforces and `docs/openapi.yaml` states,
/// kept here so that the payload builder and the server check with the same code.
pub mod rules {
    use super::{MAX_ID_BYTES, MAX_NAME_CHARS};

    /// A contact id: 1 to [`MAX_ID_BYTES`] of `A-Z a-z 0-9 - _ :` (the core makes `c` and 16
    /// hex digits). Upserts and deletions are held to the same rule.
    pub fn id_ok(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= MAX_ID_BYTES
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
    }

    /// The sources a contact may list: the formats the core reads, and the address book.
    pub const SOURCES: [&str; 7] = ["whatsapp", "telegram", "messenger", "instagram", "linkedin", "email", "contacts"];
    /// Earliest year a time may have.
    pub const FIRST_YEAR: i32 = 1970;
    /// Latest year a time may have.
    pub const LAST_YEAR: i32 = 2099;
    /// Largest `cadenceDays`: a hundred years.
    pub const MAX_CADENCE_DAYS: f64 = 36_500.0;
    /// Longest email address, in characters (RFC 5321's path limit less the brackets).
    pub const MAX_EMAIL_CHARS: usize = super::MAX_EMAIL_CHARS;

    /// A display name: 1 to 200 characters, not only whitespace, no C0 or C1 control characters
    /// (so no line breaks: a name is one line).
    pub fn name_ok(name: &str) -> bool {
        let chars = name.chars().count();
        (1..=MAX_NAME_CHARS).contains(&chars)
            && !name.chars().all(char::is_whitespace)
            && !name.chars().any(|c| c.is_control())
    }

    /// `+` and 7 to 15 digits: the form the core's phone normalisation produces.
    pub fn phone_ok(phone: &str) -> bool {
        phone.strip_prefix('+').is_some_and(|d| (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
    }

    /// An ASCII address: a dot-atom local part (RFC 5322's atext), `@`, and a domain of two or more
    /// labels of letters, digits and inner hyphens (each 1 to 63 characters).
    pub fn email_ok(email: &str) -> bool {
        if email.len() > MAX_EMAIL_CHARS {
            return false;
        }
        let Some((local, domain)) = email.split_once('@') else {
            return false;
        };
        let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b);
        let local_ok = local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(atext));
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            let b = l.as_bytes();
            (1..=63).contains(&b.len())
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        };
        local_ok && labels.len() >= 2 && labels.iter().all(label_ok)
    }

    /// A time exactly as the core writes it: `YYYY-MM-DDTHH:MM:SSZ`, a real calendar date, years
    /// [`FIRST_YEAR`] to [`LAST_YEAR`]. One form only, so a time cannot carry anything else
    /// (fractions, offsets, padding).
    pub fn time_ok(t: &str) -> bool {
        let b = t.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let shape = b.len() == 20
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19)
            && b[19] == b'Z';
        if !shape {
            return false;
        }
        let number = |r: std::ops::Range<usize>| t[r].parse::<u32>().unwrap_or(u32::MAX);
        let year = number(0..4) as i32;
        (FIRST_YEAR..=LAST_YEAR).contains(&year)
            && chrono::NaiveDate::from_ymd_opt(year, number(5..7), number(8..10)).is_some()
            && number(11..13) < 24
            && number(14..16) < 60
            && number(17..19) < 60
    }
}

/// One contact as synced. `deny_unknown_fields`: a payload smuggling any other field (say
/// `messages`) is refused, by name, wherever this type parses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncContact {
    /// The contact's stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Phone numbers as `+<digits>`.
    pub phones: Vec<String>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Sources (`whatsapp`, …).
    pub sources: Vec<String>,
    /// ISO 8601 UTC time of the user's last direct message, or null.
    pub last_sent_at: Option<String>,
    /// ISO 8601 UTC time of the contact's last direct message, or null.
    pub last_received_at: Option<String>,
    /// ISO 8601 UTC time of the last direct message or call either way, or null.
    pub last_interaction_at: Option<String>,
    /// Messages the user sent in direct chats.
    pub sent_count: u32,
    /// Messages the contact sent in direct chats.
    pub received_count: u32,
    /// Messages the contact wrote in group chats.
    pub group_message_count: u32,
    /// Median days between days of talking, or null.
    pub cadence_days: Option<f64>,
}

/// The names of [`SyncContact`]'s fields, as they appear on the wire (for audit logs: which
/// fields were sent, never their values).
pub const SYNC_FIELDS: [&str; 12] = [
    "id",
    "name",
    "phones",
    "emails",
    "sources",
    "lastSentAt",
    "lastReceivedAt",
    "lastInteractionAt",
    "sentCount",
    "receivedCount",
    "groupMessageCount",
    "cadenceDays",
];

impl SyncContact {
    /// The payload form of a contact: the one place a synced record is built. The record always
    /// passes [`SyncContact::validate`], so the server never refuses it: the name is trimmed
    /// and cut on a character boundary to [`MAX_NAME_CHARS`] (or, when blank, replaced by the
    /// first phone, email or the id); list items that are empty or too long are dropped and
    /// lists cut to [`MAX_LIST_ITEMS`]; times the wire format cannot carry (outside the years
    /// 1970 to 2099 the server accepts) and cadences it refuses are sent as null. Each
    /// such change adds a [`SyncWarning`]. `None` (with a warning) when the id is not valid.
    pub fn from_contact(c: &Contact, warnings: &mut Vec<SyncWarning>) -> Option<Self> {
        let mut warn = |field: &'static str, change: SyncChange| {
            warnings.push(SyncWarning { id: c.id.clone(), field, change });
        };
        let phones = fit_list(&c.phones, &rules::phone_ok, &mut |change| warn("phones", change));
        let emails = fit_list(&c.emails, &rules::email_ok, &mut |change| warn("emails", change));
        let sources = fit_list(&c.sources, &|s| rules::SOURCES.contains(&s), &mut |change| warn("sources", change));
        // Controls dropped and trimmed first, so a cut name is one line, starts with a visible
        // character and is never blank.
        let clean: String = c.name.chars().filter(|ch| !ch.is_control()).collect();
        let name = match clean.trim() {
            "" => {
                warn("name", SyncChange::EmptyNameReplaced);
                phones.first().or(emails.first()).unwrap_or(&c.id).as_str()
            }
            name => name,
        };
        let name = if name.chars().count() > MAX_NAME_CHARS {
            warn("name", SyncChange::NameCut);
            name.chars().take(MAX_NAME_CHARS).collect()
        } else {
            name.to_string()
        };
        let mut time = |field: &'static str, at: Option<i64>| {
            wire_time(at).unwrap_or_else(|()| {
                warn(field, SyncChange::TimeOutOfRange);
                None
            })
        };
        let last_sent_at = time("lastSentAt", c.last_sent_at);
        let last_received_at = time("lastReceivedAt", c.last_received_at);
        let last_interaction_at = time("lastInteractionAt", c.last_interaction_at);
        let cadence_days = c.cadence_days.filter(|d| {
            let ok = is_wire_cadence(*d);
            if !ok {
                warn("cadenceDays", SyncChange::NumberInvalid);
            }
            ok
        });
        let record = SyncContact {
            id: c.id.clone(),
            name,
            phones,
            emails,
            sources,
            last_sent_at,
            last_received_at,
            last_interaction_at,
            sent_count: c.sent_count,
            received_count: c.received_count,
            group_message_count: c.group_message_count,
            cadence_days,
        };
        // Only an invalid id is left to fail; the core makes ids that never do.
        if record.validate().is_err() {
            warn("id", SyncChange::NotSent);
            return None;
        }
        Some(record)
    }

    /// Checks lengths, counts and formats; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if !rules::id_ok(&self.id) {
            return Err("id: 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or ':'".into());
        }
        if !rules::name_ok(&self.name) {
            return Err(format!("name: 1 to {MAX_NAME_CHARS} characters on one line"));
        }
        let source_ok = |s: &str| rules::SOURCES.contains(&s);
        for (field, items, ok) in [
            ("phones", &self.phones, &rules::phone_ok as &dyn Fn(&str) -> bool),
            ("emails", &self.emails, &rules::email_ok),
            ("sources", &self.sources, &source_ok),
        ] {
            if items.len() > MAX_LIST_ITEMS || items.iter().any(|i| !ok(i)) {
                return Err(format!("{field}: at most {MAX_LIST_ITEMS} items, each as docs/openapi.yaml says"));
            }
        }
        for (field, value) in [
            ("lastSentAt", &self.last_sent_at),
            ("lastReceivedAt", &self.last_received_at),
            ("lastInteractionAt", &self.last_interaction_at),
        ] {
            if let Some(t) = value {
                if !rules::time_ok(t) {
                    return Err(format!("{field}: a UTC time such as 2024-03-05T14:07:00Z, years 1970 to 2099"));
                }
            }
        }
        if self.cadence_days.is_some_and(|d| !is_wire_cadence(d)) {
            return Err("cadenceDays: a non-negative number or null".into());
        }
        Ok(())
    }

    /// A fingerprint of the record: a contact needs syncing when its fingerprint differs from
    /// the one last acknowledged by the server.
    pub fn fingerprint(&self) -> u64 {
        let json = serde_json_like(self);
        crate::identity::fnv1a(json.as_bytes())
    }
}

/// Whether a cadence is one the wire format accepts: finite, 0 to [`rules::MAX_CADENCE_DAYS`].
fn is_wire_cadence(days: f64) -> bool {
    days.is_finite() && (0.0..=rules::MAX_CADENCE_DAYS).contains(&days)
}

/// The items of a list the wire format accepts: empty items and items over `max_chars` are
/// dropped (a cut phone or email would be someone else's), then the list is cut to
/// [`MAX_LIST_ITEMS`].
///
/// `dyn` arguments: one copy serves the three lists.
fn fit_list(items: &[String], ok: &dyn Fn(&str) -> bool, warn: &mut dyn FnMut(SyncChange)) -> Vec<String> {
    let fitting: Vec<String> = items.iter().filter(|i| ok(i)).cloned().collect();
    if fitting.len() < items.len() {
        warn(SyncChange::ItemsDropped);
    }
    if fitting.len() > MAX_LIST_ITEMS {
        warn(SyncChange::ListCut);
    }
    fitting.into_iter().take(MAX_LIST_ITEMS).collect()
}

/// A time as the wire writes it; `Err` for one outside the years the server accepts. Never
/// inlined: a record has three times, and each carried a copy of [`iso`].
#[inline(never)]
fn wire_time(at: Option<i64>) -> Result<Option<String>, ()> {
    let text = at.map(iso);
    if text.as_deref().is_some_and(|t| !rules::time_ok(t)) {
        return Err(());
    }
    Ok(text)
}

/// What the payload builder changed so a record fits the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncChange {
    /// The name was over [`MAX_NAME_CHARS`] and was cut to that many characters.
    NameCut,
    /// The name was empty and was replaced by the first phone, email or the id.
    EmptyNameReplaced,
    /// Empty items, or items over the length limit, were left out.
    ItemsDropped,
    /// The list had more than [`MAX_LIST_ITEMS`] items; the first ones were kept.
    ListCut,
    /// The time is outside the years 1970 to 2099 the server accepts; sent as null.
    TimeOutOfRange,
    /// The number was not finite and non-negative; sent as null.
    NumberInvalid,
    /// The contact was not sent at all.
    NotSent,
}

/// A change the payload builder made to one contact's record, for the UI to show. Names the
/// contact by id and the field by its wire name; never carries the field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncWarning {
    /// The contact's id.
    pub id: String,
    /// The field's wire name (`name`, `lastSentAt`, …).
    pub field: &'static str,
    /// What was done.
    pub change: SyncChange,
}

impl std::fmt::Display for SyncWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.change {
            SyncChange::NameCut => format!("is over {MAX_NAME_CHARS} characters; the first {MAX_NAME_CHARS} are sent"),
            SyncChange::EmptyNameReplaced => "is empty; the first phone, email or the id is sent instead".into(),
            SyncChange::ItemsDropped => "has empty or over-long items; they are not sent".into(),
            SyncChange::ListCut => format!("has more than {MAX_LIST_ITEMS} items; the first {MAX_LIST_ITEMS} are sent"),
            SyncChange::TimeOutOfRange => "is outside the years 1970 to 2099; it is sent as empty".into(),
            SyncChange::NumberInvalid => "is not a number of zero or more; it is sent as empty".into(),
            SyncChange::NotSent => "is not a valid id; the contact is not sent".into(),
        };
        write!(f, "contact {}: {} {what}", self.id, self.field)
    }
}

/// A stable text form for fingerprints, without pulling a JSON crate into the wasm build.
fn serde_json_like(c: &SyncContact) -> String {
    format!(
        "{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{}|{}|{}|{}",
        c.id,
        c.name,
        c.phones.join(","),
        c.emails.join(","),
        c.sources.join(","),
        c.last_sent_at,
        c.last_received_at,
        c.last_interaction_at,
        c.sent_count,
        c.received_count,
        c.group_message_count,
        cadence_text(c.cadence_days)
    )
}

/// What `{:?}` writes for an optional cadence ("Some(7.0)", "None"), as fingerprints always
/// had it, without the float formatter (about 5 KB of wasm): a cadence is a whole number of
/// days. Other values, which kith does not make, get a form of their own.
fn cadence_text(x: Option<f64>) -> String {
    match x {
        None => "None".to_string(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) => {
            format!("Some({}.0)", v as i64)
        }
        Some(v) => format!("Some(bits {:016x})", v.to_bits()),
    }
}

/// One push: upserts and deletions under a key the client generates; replaying the same key
/// changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncBatch {
    /// Client-generated idempotency key (8 to 64 characters of A-Z, a-z, 0-9, '-').
    pub batch_key: String,
    /// Contacts to create or replace.
    pub upserts: Vec<SyncContact>,
    /// Ids of contacts to delete.
    pub deletions: Vec<String>,
}

impl SyncBatch {
    /// Checks the key, the size and every contact; the error names what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let key_ok = (8..=64).contains(&self.batch_key.len())
            && self.batch_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !key_ok {
            return Err("batchKey: 8 to 64 characters of A-Z, a-z, 0-9 or '-'".into());
        }
        if self.upserts.len() + self.deletions.len() > MAX_BATCH_ITEMS {
            return Err(format!("upserts + deletions: at most {MAX_BATCH_ITEMS} per batch"));
        }
        for (i, c) in self.upserts.iter().enumerate() {
            c.validate().map_err(|e| format!("upserts[{i}].{e}"))?;
        }
        if let Some(i) = self.deletions.iter().position(|d| !rules::id_ok(d)) {
            return Err(format!("deletions[{i}]: 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or ':'"));
        }
        Ok(())
    }
}

/// Which contacts changed since the server last acknowledged them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// Fingerprint of each contact as last acknowledged, by id.
    pub acknowledged: HashMap<String, u64>,
}

impl SyncState {
    /// Upserts for contacts that are new or changed, and deletions for acknowledged contacts
    /// that no longer exist (deleted, or excluded since).
    pub fn changes(&self, contacts: &[Contact]) -> (Vec<SyncContact>, Vec<String>) {
        let (upserts, deletions, _) = self.changes_and_warnings(contacts);
        (upserts, deletions)
    }

    /// [`SyncState::changes`], with what the builder changed to make each record fit the schema
    /// (for every contact, sent now or not, so the UI can always show it).
    pub fn changes_and_warnings(&self, contacts: &[Contact]) -> (Vec<SyncContact>, Vec<String>, Vec<SyncWarning>) {
        let mut upserts = Vec::new();
        let mut warnings = Vec::new();
        let mut present = std::collections::HashSet::new();
        for c in contacts {
            present.insert(c.id.clone());
            let Some(record) = SyncContact::from_contact(c, &mut warnings) else { continue };
            if self.acknowledged.get(&record.id) != Some(&record.fingerprint()) {
                upserts.push(record);
            }
        }
        let mut deletions: Vec<String> =
            self.acknowledged.keys().filter(|id| !present.contains(*id)).cloned().collect();
        crate::sort::sort(&mut deletions);
        (upserts, deletions, warnings)
    }

    /// Records a batch the server acknowledged.
    pub fn acknowledge(&mut self, batch: &SyncBatch) {
        for c in &batch.upserts {
            self.acknowledged.insert(c.id.clone(), c.fingerprint());
        }
        for id in &batch.deletions {
            self.acknowledged.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn cadence_text_is_what_debug_wrote_for_every_cadence_kith_makes() {
        let mut days: Vec<f64> = (0..100_000).map(f64::from).collect();
        days.extend([f64::from(u32::MAX), 1e14, 123_456_789_012.0]);
        for d in days {
            assert_eq!(cadence_text(Some(d)), format!("{:?}", Some(d)));
        }
        assert_eq!(cadence_text(None), format!("{:?}", None::<f64>));
        // Values kith does not make still get one stable text each.
        assert_eq!(cadence_text(Some(2.5)), format!("Some(bits {:016x})", 2.5f64.to_bits()));
        assert_ne!(cadence_text(Some(-0.0)), cadence_text(Some(0.0)));
    }

    use super::*;

    fn record() -> SyncContact {
        SyncContact {
            id: "c0123456789abcdef".into(),
            name: "Ann".into(),
            phones: vec!["+447700900123".into()],
            emails: vec![],
            sources: vec!["whatsapp".into()],
            last_sent_at: Some("2024-03-05T14:07:00Z".into()),
            last_received_at: None,
            last_interaction_at: None,
            sent_count: 1,
            received_count: 0,
            group_message_count: 0,
            cadence_days: None,
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(record().validate(), Ok(()));
        let mut bad = record();
        bad.last_sent_at = Some("yesterday".into());
        assert!(bad.validate().expect_err("bad time").starts_with("lastSentAt"));
        let mut long = record();
        long.name = "x".repeat(201);
        assert!(long.validate().expect_err("long").starts_with("name"));
    }

    fn contact(name: &str) -> Contact {
        Contact {
            id: crate::identity::contact_id(&format!("name:{name}")),
            name: name.into(),
            phones: vec!["+447700900123".into()],
            emails: vec!["ann@example.com".into()],
            sources: vec!["whatsapp".into()],
            last_sent_at: Some(1_709_647_620),
            last_received_at: None,
            last_interaction_at: Some(1_709_647_620),
            first_interaction_at: Some(1_709_647_620),
            sent_count: 1,
            received_count: 0,
            call_count: 0,
            group_message_count: 0,
            last_group_message_at: None,
            my_reply_minutes: None,
            their_reply_minutes: None,
            waiting_on: None,
            cadence_days: Some(7.0),
            overdue_ratio: None,
            connected_at: None,
            handles: Vec::new(),
            merged_because: Vec::new(),
            goal_days: None,
            suggested_goal_days: None,
            snoozed_until: None,
            not_now: false,
            reminders: true,
            attention: 0.0,
            attention_reason: None,
        }
    }

    /// 9999-12-31T23:00 in UTC-05:00 is 10000-01-01T04:00Z, which formats as `+10000-…`.
    const YEAR_10000: i64 = 253_402_318_800;

    /// Contacts at and past every limit `validate` checks.
    fn extreme_contacts() -> Vec<Contact> {
        let mut out = Vec::new();
        for name in [
            "x".repeat(MAX_NAME_CHARS),
            "x".repeat(MAX_NAME_CHARS + 1),
            "é".repeat(MAX_NAME_CHARS + 50),
            format!("{}😀", "x".repeat(MAX_NAME_CHARS - 1)),
            "👨‍👩‍👧".repeat(100),
            String::new(),
            "   ".into(),
            format!("{}Ann", " ".repeat(MAX_NAME_CHARS)),
        ] {
            out.push(contact(&name));
        }
        for at in [YEAR_10000, i64::MAX, i64::MIN, -62_167_219_201, -62_167_219_200, 253_402_300_799, 253_402_300_800] {
            let mut c = contact("Ann");
            c.last_sent_at = Some(at);
            c.last_received_at = Some(at);
            c.last_interaction_at = Some(at);
            out.push(c);
        }
        let mut lists = contact("Ann");
        lists.phones = (0..30).map(|i| format!("+4477009{i:05}")).collect();
        lists.phones.insert(0, String::new());
        lists.phones.insert(1, format!("+{}", "1".repeat(40)));
        lists.emails = vec![format!("{}@example.com", "a".repeat(260)), String::new(), "ann@example.com".into()];
        lists.sources = (0..25).map(|i| format!("source{i}")).chain([String::new(), "s".repeat(33)]).collect();
        out.push(lists);
        let mut nameless = contact("");
        nameless.phones = vec![];
        nameless.emails = vec![];
        out.push(nameless);
        for cadence in [f64::NAN, f64::INFINITY, -1.0] {
            let mut c = contact("Ann");
            c.cadence_days = Some(cadence);
            out.push(c);
        }
        out
    }

    #[test]
    fn records_built_from_extreme_contacts_always_validate() {
        let contacts = extreme_contacts();
        let (upserts, _, warnings) = SyncState::default().changes_and_warnings(&contacts);
        let not_sent: Vec<String> =
            warnings.iter().filter(|w| w.change == SyncChange::NotSent).map(ToString::to_string).collect();
        assert_eq!(not_sent, Vec::<String>::new());
        assert_eq!(upserts.len(), contacts.len(), "every contact with a valid id is sent");
        let refused: Vec<String> = upserts
            .iter()
            .zip(&contacts)
            .filter_map(|(record, contact)| {
                assert_eq!(record.id, contact.id, "records keep the order of the contacts");
                record.validate().err().map(|e| format!("{}: {e}", record.id))
            })
            .collect();
        assert!(refused.is_empty(), "{} of {} records fail validation: {refused:#?}", refused.len(), upserts.len());
        let batch = SyncBatch { batch_key: "batch-0001".into(), upserts, deletions: vec![] };
        assert_eq!(batch.validate(), Ok(()));
    }

    #[test]
    fn field_list_matches_the_struct() {
        // Both directions: every listed field is on the wire, and nothing else is. The map is
        // compared sorted because serde_json's map orders its keys.
        let value = serde_json::to_value(record()).expect("a record serializes");
        let mut on_the_wire: Vec<&str> = value.as_object().expect("an object").keys().map(String::as_str).collect();
        on_the_wire.sort_unstable();
        let mut listed = SYNC_FIELDS.to_vec();
        listed.sort_unstable();
        assert_eq!(on_the_wire, listed);
    }

    #[test]
    fn the_builder_says_what_it_changed_and_never_the_value() {
        let mut long = contact(&format!("{}Ann", "é".repeat(MAX_NAME_CHARS)));
        long.last_received_at = Some(YEAR_10000);
        long.phones = vec![String::new(), "+15550100".into()];
        long.cadence_days = Some(f64::NAN);
        let mut warnings = Vec::new();
        let record = SyncContact::from_contact(&long, &mut warnings).expect("built");
        assert_eq!(record.name, "é".repeat(MAX_NAME_CHARS));
        assert_eq!(record.last_received_at, None);
        assert_eq!(record.last_sent_at.as_deref(), Some("2024-03-05T14:07:00Z"), "fitting fields are kept");
        assert_eq!(record.phones, vec!["+15550100"]);
        assert_eq!(record.cadence_days, None);
        let fields: Vec<(&str, SyncChange)> = warnings.iter().map(|w| (w.field, w.change)).collect();
        assert_eq!(
            fields,
            vec![
                ("phones", SyncChange::ItemsDropped),
                ("name", SyncChange::NameCut),
                ("lastReceivedAt", SyncChange::TimeOutOfRange),
                ("cadenceDays", SyncChange::NumberInvalid),
            ]
        );
        for w in &warnings {
            assert_eq!(w.id, long.id);
            assert!(!w.to_string().contains("éé"), "{w}");
        }

        // The server's own limits are kept, not dropped: the first and last second of 1970-2099.
        let mut edges = contact("Ann");
        edges.last_sent_at = Some(0);
        edges.last_received_at = Some(4_102_444_799);
        let mut warnings = Vec::new();
        let record = SyncContact::from_contact(&edges, &mut warnings).expect("built");
        assert_eq!(record.last_sent_at.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(record.last_received_at.as_deref(), Some("2099-12-31T23:59:59Z"));
        assert_eq!(warnings, vec![]);
        // One second beyond, and the time is dropped with a warning.
        edges.last_received_at = Some(4_102_444_800);
        let record = SyncContact::from_contact(&edges, &mut warnings).expect("built");
        assert_eq!(record.last_received_at, None);
        assert_eq!(warnings.len(), 1);

        let mut blank = contact("  ");
        blank.phones = vec![];
        let record = SyncContact::from_contact(&blank, &mut warnings).expect("built");
        assert_eq!(record.name, "ann@example.com");

        let mut bad_id = contact("Ann");
        bad_id.id = "not an id".into();
        let mut warnings = Vec::new();
        assert_eq!(SyncContact::from_contact(&bad_id, &mut warnings), None);
        assert_eq!(warnings.last().map(|w| w.change), Some(SyncChange::NotSent));
    }

    #[test]
    fn deletions_are_held_to_the_id_rule() {
        let batch = |d: &str| SyncBatch { batch_key: "batch-0001".into(), upserts: vec![], deletions: vec![d.into()] };
        assert!(batch("c0123456789abcdef").validate().is_ok());
        let err = batch("ann lee <script>").validate().expect_err("refused");
        assert!(err.starts_with("deletions[0]") && !err.contains("script"), "{err}");
    }
}
