//! The two plain objects JS hands back to the core, read field by field with `Reflect`: a sync
//! batch (to acknowledge) and live events. serde-wasm-bindgen's deserializer, for these two
//! types alone, was 8.5 KB of the gzipped module. The rules are serde's for these types: every
//! field present with its type, no other field (a payload smuggling `messages` is refused), and
//! an error names the field, never its value.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::sync::{SyncBatch, SyncContact};
use crate::LiveEvent;

/// Where a value is, for the error: `upserts[3].name` is `At { list: "upserts", index: Some(3) }`
/// and the field `name`. The text is made only when there is an error.
#[derive(Clone, Copy)]
struct At {
    list: &'static str,
    index: Option<usize>,
}

impl At {
    #[inline(never)]
    fn path(self, field: &str) -> String {
        match (self.index, field.is_empty()) {
            (Some(i), true) => format!("{}[{i}]", self.list),
            (Some(i), false) => format!("{}[{i}].{field}", self.list),
            (None, true) => self.list.to_string(),
            (None, false) => field.to_string(),
        }
    }
}

#[inline(never)]
fn value(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// An object with exactly `fields`.
#[inline(never)]
fn object(v: &JsValue, fields: &[&str], at: At) -> Result<(), String> {
    if !v.is_object() || Array::is_array(v) {
        return Err(format!("{} must be an object", at.path("")));
    }
    for key in Object::keys(v.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !fields.contains(&key.as_str()) {
            return Err(format!("{} has an unknown field `{key}`", at.path("")));
        }
    }
    Ok(())
}

#[inline(never)]
fn string(v: &JsValue, at: At, field: &str) -> Result<String, String> {
    value(v, field).as_string().ok_or_else(|| format!("{} must be a string", at.path(field)))
}

#[inline(never)]
fn optional_string(v: &JsValue, at: At, field: &str) -> Result<Option<String>, String> {
    let x = value(v, field);
    if x.is_null() || x.is_undefined() {
        return Ok(None);
    }
    x.as_string().map(Some).ok_or_else(|| format!("{} must be a string or null", at.path(field)))
}

#[inline(never)]
fn strings(v: &JsValue, at: At, field: &str) -> Result<Vec<String>, String> {
    let x = value(v, field);
    let wrong = || format!("{} must be an array of strings", at.path(field));
    if !Array::is_array(&x) {
        return Err(wrong());
    }
    Array::from(&x).iter().map(|s| s.as_string().ok_or_else(wrong)).collect()
}

#[inline(never)]
fn count(v: &JsValue, at: At, field: &str) -> Result<u32, String> {
    value(v, field)
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| format!("{} must be a whole number from 0", at.path(field)))
}

#[inline(never)]
fn optional_number(v: &JsValue, at: At, field: &str) -> Result<Option<f64>, String> {
    let x = value(v, field);
    if x.is_null() || x.is_undefined() {
        return Ok(None);
    }
    x.as_f64().map(Some).ok_or_else(|| format!("{} must be a number or null", at.path(field)))
}

#[inline(never)]
fn items(v: &JsValue, at: At) -> Result<Array, String> {
    if Array::is_array(v) {
        Ok(Array::from(v))
    } else {
        Err(format!("{} must be an array", at.path("")))
    }
}

#[inline(never)]
fn contact(v: &JsValue, index: usize) -> Result<SyncContact, String> {
    let at = At { list: "upserts", index: Some(index) };
    object(v, &crate::sync::SYNC_FIELDS, at)?;
    Ok(SyncContact {
        id: string(v, at, "id")?,
        name: string(v, at, "name")?,
        phones: strings(v, at, "phones")?,
        emails: strings(v, at, "emails")?,
        sources: strings(v, at, "sources")?,
        last_sent_at: optional_string(v, at, "lastSentAt")?,
        last_received_at: optional_string(v, at, "lastReceivedAt")?,
        last_interaction_at: optional_string(v, at, "lastInteractionAt")?,
        sent_count: count(v, at, "sentCount")?,
        received_count: count(v, at, "receivedCount")?,
        group_message_count: count(v, at, "groupMessageCount")?,
        cadence_days: optional_number(v, at, "cadenceDays")?,
    })
}

/// A `SyncBatch` as `syncChanges` made it and the page kept it.
pub(super) fn sync_batch(v: &JsValue) -> Result<SyncBatch, String> {
    let at = At { list: "the batch", index: None };
    object(v, &["batchKey", "upserts", "deletions"], at)?;
    let upserts = items(&value(v, "upserts"), At { list: "upserts", index: None })?;
    let mut contacts = Vec::with_capacity(upserts.length() as usize);
    for (i, c) in upserts.iter().enumerate() {
        contacts.push(contact(&c, i)?);
    }
    Ok(SyncBatch { batch_key: string(v, at, "batchKey")?, upserts: contacts, deletions: strings(v, at, "deletions")? })
}

/// Live events as the content script reports them.
pub(super) fn live_events(v: &JsValue) -> Result<Vec<LiveEvent>, String> {
    let list = items(v, At { list: "the events", index: None })?;
    let mut events = Vec::with_capacity(list.length() as usize);
    for (index, e) in list.iter().enumerate() {
        let at = At { list: "events", index: Some(index) };
        object(&e, &["chat", "id", "direction", "header"], at)?;
        events.push(LiveEvent {
            chat: string(&e, at, "chat")?,
            id: string(&e, at, "id")?,
            direction: string(&e, at, "direction")?,
            header: string(&e, at, "header")?,
        });
    }
    Ok(events)
}
