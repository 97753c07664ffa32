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
/// Longest id, in bytes.
pub const MAX_ID_BYTES: usize = 64;
/// Most upserts plus deletions in one batch.
pub const MAX_BATCH_ITEMS: usize = 1000;

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
    /// The payload form of a contact: the one place a synced record is built.
    pub fn from_contact(c: &Contact) -> Self {
        SyncContact {
            id: c.id.clone(),
            name: c.name.clone(),
            phones: c.phones.clone(),
            emails: c.emails.clone(),
            sources: c.sources.clone(),
            last_sent_at: c.last_sent_at.map(iso),
            last_received_at: c.last_received_at.map(iso),
            last_interaction_at: c.last_interaction_at.map(iso),
            sent_count: c.sent_count,
            received_count: c.received_count,
            group_message_count: c.group_message_count,
            cadence_days: c.cadence_days,
        }
    }

    /// Checks lengths, counts and formats; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= MAX_ID_BYTES
            && self.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':');
        if !id_ok {
            return Err("id: 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or ':'".into());
        }
        if self.name.chars().count() > MAX_NAME_CHARS || self.name.trim().is_empty() {
            return Err(format!("name: 1 to {MAX_NAME_CHARS} characters"));
        }
        for (field, items, max_len) in
            [("phones", &self.phones, 32), ("emails", &self.emails, 254), ("sources", &self.sources, 32)]
        {
            if items.len() > MAX_LIST_ITEMS || items.iter().any(|i| i.is_empty() || i.chars().count() > max_len) {
                return Err(format!("{field}: at most {MAX_LIST_ITEMS} items of 1 to {max_len} characters"));
            }
        }
        for (field, value) in [
            ("lastSentAt", &self.last_sent_at),
            ("lastReceivedAt", &self.last_received_at),
            ("lastInteractionAt", &self.last_interaction_at),
        ] {
            if let Some(t) = value {
                if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                    return Err(format!("{field}: an ISO 8601 time such as 2024-03-05T14:07:00Z"));
                }
            }
        }
        if self.cadence_days.is_some_and(|d| !d.is_finite() || d < 0.0) {
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

/// A stable text form for fingerprints, without pulling a JSON crate into the wasm build.
fn serde_json_like(c: &SyncContact) -> String {
    format!(
        "{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{}|{}|{}|{:?}",
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
        c.cadence_days
    )
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
        if self.deletions.iter().any(|d| d.is_empty() || d.len() > MAX_ID_BYTES) {
            return Err("deletions: ids of 1 to 64 characters".into());
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
        let mut upserts = Vec::new();
        let mut present = std::collections::HashSet::new();
        for c in contacts {
            let record = SyncContact::from_contact(c);
            present.insert(record.id.clone());
            if self.acknowledged.get(&record.id) != Some(&record.fingerprint()) {
                upserts.push(record);
            }
        }
        let mut deletions: Vec<String> =
            self.acknowledged.keys().filter(|id| !present.contains(*id)).cloned().collect();
        deletions.sort();
        (upserts, deletions)
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

    #[test]
    fn field_list_matches_the_struct() {
        let mut value = format!("{:?}", record());
        for field in SYNC_FIELDS {
            let snake: String = field
                .chars()
                .flat_map(|c| if c.is_uppercase() { vec!['_', c.to_ascii_lowercase()] } else { vec![c] })
                .collect();
            assert!(value.contains(&format!("{snake}:")), "{field}");
            value = value.replacen(&format!("{snake}:"), "", 1);
        }
    }
}
