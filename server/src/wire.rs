//! The push body, checked field by field before it becomes a [`SyncBatch`].
//!
//! The `SyncContact` type limits which fields exist; this module limits what they may hold, so a
//! modified client cannot store text in a field meant for a phone, an address, a source or a
//! time. Each rule here is the one `docs/openapi.yaml` states, and `scripts/test api` runs
//! schemathesis to keep the two in agreement.
//!
//! Errors name the field's path (`upserts[3].phones[0]`) and the rule, never the submitted
//! value: serde's own messages quote values (`invalid type: string "…"`), so no serde message
//! reaches a client. An unknown field is named only when its name looks like a field name.
//!
//! Parsing goes through `serde_json::Value` rather than deriving straight into the struct,
//! because serde treats a missing `Option` field as `null` and the protocol requires every
//! field to be present (the spec lists them all as required, and the client always sends them).

use kith::sync::{SyncBatch, SyncContact, MAX_BATCH_ITEMS, MAX_ID_BYTES, MAX_LIST_ITEMS};
use serde_json::{Map, Value};

pub use kith::sync::rules::{
    email_ok, name_ok, phone_ok, time_ok, FIRST_YEAR, LAST_YEAR, MAX_CADENCE_DAYS, MAX_EMAIL_CHARS, SOURCES,
};

const BATCH_FIELDS: [&str; 3] = ["batchKey", "upserts", "deletions"];

/// Parses and checks a push body; the error is a message for the client.
pub fn parse_batch(body: &[u8]) -> Result<SyncBatch, String> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "The body is not valid JSON.".to_string())?;
    let top = object(&value, "", "the body: a JSON object with batchKey, upserts and deletions")?;
    only(top, "", &BATCH_FIELDS)?;
    let batch_key = string(required(top, "", "batchKey")?, "batchKey", "8 to 64 characters of A-Z, a-z, 0-9 or '-'")?;
    let key_ok =
        (8..=64).contains(&batch_key.len()) && batch_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !key_ok {
        return Err("batchKey: 8 to 64 characters of A-Z, a-z, 0-9 or '-'".into());
    }
    let upserts = array(required(top, "", "upserts")?, "upserts", MAX_BATCH_ITEMS, "contact records")?;
    let deletions = array(required(top, "", "deletions")?, "deletions", MAX_BATCH_ITEMS, "contact ids")?;
    if upserts.len() + deletions.len() > MAX_BATCH_ITEMS {
        return Err(format!("upserts + deletions: at most {MAX_BATCH_ITEMS} per batch"));
    }
    let upserts =
        upserts.iter().enumerate().map(|(i, c)| contact(c, &format!("upserts[{i}]"))).collect::<Result<_, _>>()?;
    let deletions =
        deletions.iter().enumerate().map(|(i, d)| id(d, &format!("deletions[{i}]"))).collect::<Result<Vec<_>, _>>()?;
    let batch = SyncBatch { batch_key: batch_key.to_string(), upserts, deletions };
    // The core's own checks too; its messages name fields and never hold values.
    batch.validate()?;
    Ok(batch)
}

/// `PUT /v2/devices/{deviceId}`: the device's name and its key check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRegistration {
    /// As the user named the device.
    pub name: String,
    /// 32 hex digits, lower-cased.
    pub key_check: String,
}

/// `POST /v2/devices/{deviceId}/state/{generation}/commit`: how many chunks, and their hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCommit {
    /// 1 to 4096.
    pub chunks: i64,
    /// 64 hex digits, lower-cased.
    pub sha256: String,
}

/// The largest generation: the largest whole number a JavaScript client holds exactly.
pub const MAX_GENERATION: i64 = (1 << 53) - 1;

/// Parses and checks a device registration body.
pub fn parse_device(body: &[u8]) -> Result<DeviceRegistration, String> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "The body is not valid JSON.".to_string())?;
    let top = object(&value, "", "a JSON object with name and keyCheck")?;
    only(top, "", &["name", "keyCheck"])?;
    let name = string(required(top, "", "name")?, "name", NAME_RULE)?;
    if !name_ok(name) {
        return Err(format!("name: {NAME_RULE}"));
    }
    let key_check = hex_digits(required(top, "", "keyCheck")?, "keyCheck", 32)?;
    Ok(DeviceRegistration { name: name.to_string(), key_check })
}

/// Parses and checks a commit body.
pub fn parse_commit(body: &[u8]) -> Result<StateCommit, String> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "The body is not valid JSON.".to_string())?;
    let top = object(&value, "", "a JSON object with chunks and sha256")?;
    only(top, "", &["chunks", "sha256"])?;
    let rule = "chunks: a whole number from 1 to 4096";
    let chunks = count(required(top, "", "chunks")?, "chunks").map_err(|_| rule.to_string())?;
    if !(1..=4096).contains(&chunks) {
        return Err(rule.into());
    }
    let sha256 = hex_digits(required(top, "", "sha256")?, "sha256", 64)?;
    Ok(StateCommit { chunks: i64::from(chunks), sha256 })
}

/// A device id: 8 to 64 characters of `A-Z a-z 0-9 -`.
pub fn device_id_ok(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A path segment of decimal digits (no sign, no spaces) with a value up to `max`.
pub fn whole_number(segment: &str, max: i64) -> Option<i64> {
    let digits = (1..=16).contains(&segment.len()) && segment.bytes().all(|b| b.is_ascii_digit());
    segment.parse().ok().filter(|n| digits && *n <= max)
}

fn hex_digits(value: &Value, path: &str, digits: usize) -> Result<String, String> {
    let rule = format!("{path}: {digits} hexadecimal digits");
    match value.as_str() {
        Some(s) if s.len() == digits && s.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(s.to_ascii_lowercase()),
        _ => Err(rule),
    }
}

fn contact(value: &Value, path: &str) -> Result<SyncContact, String> {
    let fields = object(value, path, "a contact record")?;
    only(fields, path, &kith::sync::SYNC_FIELDS)?;
    let field = |name: &str| required(fields, path, name);
    let at = |name: &str| format!("{path}.{name}");
    let name = string(field("name")?, &at("name"), NAME_RULE)?;
    if !name_ok(name) {
        return Err(format!("{}: {NAME_RULE}", at("name")));
    }
    Ok(SyncContact {
        id: id(field("id")?, &at("id"))?,
        name: name.to_string(),
        phones: list(field("phones")?, &at("phones"), PHONE_RULE, phone_ok)?,
        emails: list(field("emails")?, &at("emails"), EMAIL_RULE, email_ok)?,
        sources: list(field("sources")?, &at("sources"), SOURCE_RULE, |s| SOURCES.contains(&s))?,
        last_sent_at: time(field("lastSentAt")?, &at("lastSentAt"))?,
        last_received_at: time(field("lastReceivedAt")?, &at("lastReceivedAt"))?,
        last_interaction_at: time(field("lastInteractionAt")?, &at("lastInteractionAt"))?,
        sent_count: count(field("sentCount")?, &at("sentCount"))?,
        received_count: count(field("receivedCount")?, &at("receivedCount"))?,
        group_message_count: count(field("groupMessageCount")?, &at("groupMessageCount"))?,
        cadence_days: cadence(field("cadenceDays")?, &at("cadenceDays"))?,
    })
}

const NAME_RULE: &str = "1 to 200 characters, not only spaces, and no control characters";
const PHONE_RULE: &str = "'+' and 7 to 15 digits";
const EMAIL_RULE: &str = "an email address such as ann@example.com (ASCII, at most 254 characters)";
const SOURCE_RULE: &str = "one of whatsapp, telegram, messenger, instagram, linkedin, email, contacts";
const TIME_RULE: &str = "a UTC time to the second, such as 2024-03-05T14:07:00Z (years 1970 to 2099), or null";
const COUNT_RULE: &str = "a whole number from 0 to 4294967295";
const CADENCE_RULE: &str = "a number from 0 to 36500, or null";

fn object<'a>(value: &'a Value, path: &str, what: &str) -> Result<&'a Map<String, Value>, String> {
    value.as_object().ok_or_else(|| {
        if path.is_empty() {
            format!("The body must be {what}.")
        } else {
            format!("{path}: {what}")
        }
    })
}

/// Refuses any field not in `known`, naming it when the name looks like a field name (a name is
/// not a value, but a key can carry text too, so an odd one is not repeated).
fn only(fields: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), String> {
    let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) else {
        return Ok(());
    };
    let plain = (1..=32).contains(&unknown.len()) && unknown.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let name = if plain { format!("unknown field `{unknown}`") } else { "an unknown field".to_string() };
    let at = if path.is_empty() { String::new() } else { format!("{path}: ") };
    Err(format!("{at}{name}; the fields are {}", known.join(", ")))
}

fn required<'a>(fields: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a Value, String> {
    let at = if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
    fields.get(name).ok_or_else(|| format!("{at}: required (send null for an empty time or cadence)"))
}

fn string<'a>(value: &'a Value, path: &str, rule: &str) -> Result<&'a str, String> {
    value.as_str().ok_or_else(|| format!("{path}: {rule}"))
}

fn array<'a>(value: &'a Value, path: &str, max: usize, what: &str) -> Result<&'a Vec<Value>, String> {
    match value.as_array() {
        Some(items) if items.len() <= max => Ok(items),
        _ => Err(format!("{path}: an array of at most {max} {what}")),
    }
}

fn id(value: &Value, path: &str) -> Result<String, String> {
    let rule = "1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or ':'";
    let s = string(value, path, rule)?;
    let ok = (1..=MAX_ID_BYTES).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{path}: {rule}"))
    }
}

fn list(value: &Value, path: &str, rule: &str, ok: impl Fn(&str) -> bool) -> Result<Vec<String>, String> {
    let items = array(value, path, MAX_LIST_ITEMS, "items")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.as_str() {
            Some(s) if ok(s) => Ok(s.to_string()),
            _ => Err(format!("{path}[{i}]: {rule}")),
        })
        .collect()
}

fn time(value: &Value, path: &str) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(t) if time_ok(t) => Ok(Some(t.clone())),
        _ => Err(format!("{path}: {TIME_RULE}")),
    }
}

/// A count: a JSON number with no fraction, 0 to `u32::MAX`. JSON has one number type, and
/// JSON Schema counts `3.0` as the integer 3, so `3.0` is accepted (and stored as `3`).
fn count(value: &Value, path: &str) -> Result<u32, String> {
    let n = value.as_u64().or_else(|| {
        value.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX)).map(|f| f as u64)
    });
    n.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| format!("{path}: {COUNT_RULE}"))
}

fn cadence(value: &Value, path: &str) -> Result<Option<f64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_f64() {
            Some(d) if (0.0..=MAX_CADENCE_DAYS).contains(&d) => Ok(Some(d)),
            _ => Err(format!("{path}: {CADENCE_RULE}")),
        },
        _ => Err(format!("{path}: {CADENCE_RULE}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_rules() {
        assert!(phone_ok("+447700900123") && !phone_ok("447700900123") && !phone_ok("+44 7700") && !phone_ok("+1"));
        assert!(email_ok("ann.lee+kith@mail.example.co") && email_ok("o'brien@example.ie"));
        for bad in
            ["ann", "ann@", "@example.com", "ann@example", "a..b@example.com", "ann lee@example.com", "ann@-x.com"]
        {
            assert!(!email_ok(bad), "{bad}");
        }
        assert!(time_ok("2024-03-05T14:07:00Z") && time_ok("2024-02-29T23:59:59Z"));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-03-05T14:07:00.5Z",
            "2024-03-05T14:07:00+01:00",
            "1969-12-31T23:59:59Z",
            "2100-01-01T00:00:00Z",
            "2024-03-05T24:00:00Z",
            "2024-03-05t14:07:00z",
        ] {
            assert!(!time_ok(bad), "{bad}");
        }
        assert!(name_ok("Zoë 😀") && !name_ok(" \u{a0} ") && !name_ok("two\nlines") && !name_ok("bell\u{85}"));
    }
}
