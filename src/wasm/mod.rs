//! The JavaScript API: a thin `#[wasm_bindgen]` facade over [`crate::Engine`]. Data crosses as
//! plain camelCase objects, errors as JS `Error`s with a stable `name`, bytes as `Uint8Array`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

mod from_js;

use crate::error::ImportError;
use crate::import::container::{Session, Step};
use crate::import::{CoverageLookup, ImportOptions};
use crate::time::{FixedZone, LocalZone};
use crate::{DateOrder, Engine};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
// Hand-written because serde-wasm-bindgen objects are typed `any` by wasm-bindgen; these are the
// shapes `src/model.rs` serializes, kept next to the code that produces them.
export interface KithOptions {
  /** Names or phone numbers that are you, as the exports show them. */
  owner?: string[];
  /** Day/month order for files where every date could be read either way. Default: from the browser's locale. */
  dateOrder?: "dmy" | "mdy";
  /** Read export times at this fixed offset from UTC instead of the browser's time zone. */
  utcOffsetMinutes?: number;
  /** A fixed "now" (ISO 8601 string or epoch milliseconds) instead of the clock: for tests and replays. */
  now?: string | number;
}
export interface ImportBlobOptions {
  /** The file name, when the Blob is not a File (it names the chat: "WhatsApp Chat with Ann.txt"). */
  fileName?: string;
  /** Called after each slice is read with bytes read so far and the total. */
  onProgress?: (read: number, total: number) => void;
  /** Abort the import; the engine is left unchanged. */
  signal?: AbortSignal;
}
export interface ImportReport {
  /** The format read. */
  format: "whatsapp" | "telegram" | "messenger" | "instagram" | "linkedin" | "mbox" | "whatsappWeb";
  /** Conversations read. */
  chats: number; messages: number; calls: number; systemMessages: number;
  duplicates: number; contacts: number; owner: string[];
  ownerSource: "option" | "fileName" | "earlierImport" | "commonAuthor" | "profile" | "chatName"
    | "inEveryChat" | "deliveredTo" | "sentMail" | null;
  /** When kith could not tell which writer is you: ask "Which of these is you?" and call setOwner. */
  writers: string[];
  /** What was left out on purpose, by reason (channels, bots, drafts, spam, trash, bulkMail, …). */
  skipped: Record<string, number>;
  /** "none" when the chat was excluded and not read; "exact" for sources that give instants. */
  dateOrder: "dmy" | "mdy" | "ymd" | "monthName" | "none" | "exact";
  dateOrderSource: "unambiguous" | "dayAbove12" | "dayDecreases" | "dayChangesMore" | "fallback" | "excluded" | "live";
  chatTitle: string | null; group: boolean; warnings: string[];
  /**
   * Your own messages in this import (not those already imported), by local hour of the week:
   * 168 counts, Monday 00:00–00:59 first (index = weekday × 24 + hour, Monday = 0), in the time
   * zone the import was read in. Kept by no one: add them up over your imports. Writers kith
   * could not tell were you are not in it.
   */
  yourWeekHours: number[];
  /** One per name in `writers`: that writer's messages by hour of the week, as `yourWeekHours`, to add once you say which is you. */
  writerWeekHours: { name: string; hours: number[] }[];
}
export interface LiveEvent {
  /** The open chat's title. */ chat: string;
  /** The message row's data-id. */ id: string;
  /** From the row's message-in / message-out class. */ direction: "in" | "out";
  /** The row's data-pre-plain-text, e.g. "[10:05, 13/03/2024] Ann: ". */ header: string;
}
export interface IngestReport { accepted: number; duplicates: number; rejected: number; }
/** One contact as synced: the allowlist of src/sync.rs, nothing else. */
export interface SyncContact {
  id: string; name: string; phones: string[]; emails: string[]; sources: string[];
  lastSentAt: string | null; lastReceivedAt: string | null; lastInteractionAt: string | null;
  sentCount: number; receivedCount: number; groupMessageCount: number; cadenceDays: number | null;
}
export interface SyncChanges {
  upserts: SyncContact[]; deletions: string[];
  /** What the builder changed so every record fits the server's limits (a contact's id and a field, never a value). */
  warnings: string[];
}
export interface SyncBatch { batchKey: string; upserts: SyncContact[]; deletions: string[]; }
export interface Contact {
  id: string; name: string; phones: string[]; emails: string[]; sources: string[];
  lastSentAt: string | null; lastReceivedAt: string | null;
  lastInteractionAt: string | null; firstInteractionAt: string | null;
  sentCount: number; receivedCount: number; callCount: number;
  groupMessageCount: number; lastGroupMessageAt: string | null;
  myReplyMinutes: number | null; theirReplyMinutes: number | null;
  waitingOn: "me" | "them" | null; cadenceDays: number | null; overdueRatio: number | null;
  /** When you connected (LinkedIn); not an interaction. */
  connectedAt: string | null;
  /** Every handle the contact is known by (its id comes from the first), each with its own last interaction. */
  handles: ContactHandle[];
  /** Why those handles are one person, in words; empty for a contact of one handle. */
  mergedBecause: string[];
  /** Your keep-in-touch goal: talk at least every this many days (set with keepInTouch). */
  goalDays: number | null;
  /** A goal the measured cadence suggests (7, 14, 30, 91, 182 or 365); never set without you. */
  suggestedGoalDays: number | null;
  /** Out of "Needs attention" until then. */
  snoozedUntil: string | null;
  /** Marked "not now": out of "Needs attention" until the next interaction (30 days at most). */
  notNow: boolean;
  /** false when you said "don't remind me about this person". */
  reminders: boolean;
  /** How much the contact needs attention now (waiting on you: 10, plus how overdue); 0 when not. */
  attention: number;
  /** Why, in a few words: "waiting on you 3 days", "2 weeks past your monthly goal". */
  attentionReason: string | null;
}
/** Exactly one field. A goal is 1 to 3650 days; a snooze ends in the future, within ten years (epoch ms, or an ISO string: a date alone is read as UTC midnight, as Date.parse does). */
export type KeepChange =
  | { goalDays: number | null } | { snoozeUntil: string | number | null } | { notNow: boolean } | { reminders: boolean };
/** One month of a contact's history on one source: counts only. */
export interface MonthCount {
  /** "2024-03" */ month: string; source: string;
  /** Yours to them and theirs to you in direct chats; theirs in groups. */ sent: number; received: number; group: number;
}
export interface ContactHandle {
  /** Identity key: "tel:+447700900123", "telegram:user123", "email:ann@example.com", … Pass it to split(). */
  key: string; name: string; sources: string[]; lastInteractionAt: string | null;
}
/** Two contacts kith thinks are one person. It never merges them without you. */
export interface Suggestion {
  id: string;
  contacts: [{ id: string; name: string; sources: string[] }, { id: string; name: string; sources: string[] }];
  /** Why, in words: "same name, “Ann Lee”, in WhatsApp and Telegram". */
  reasons: string[];
}
/** Exactly one field: a new name, or a phone or email address added or removed. */
export type Correction =
  | { name: string } | { addPhone: string } | { removePhone: string } | { addEmail: string } | { removeEmail: string };
/** What a decision did: its number for undo(), and the contact it is about as it is now. */
export interface Applied { decision: number; contactId: string | null; }
export interface Decision {
  id: number;
  kind: "merge" | "acceptSuggestion" | "rejectSuggestion" | "split" | "rename" | "addPhone" | "removePhone" | "addEmail" | "removeEmail";
  /** When it was made, ISO 8601. */ at: string;
  /** What it did, in words. */ summary: string;
}
/** What absorb() did with another device's state. */
export interface AbsorbReport {
  /** Chats only the other device knew. */ chatsAdded: number;
  /** Chats both knew, combined: different periods added, or messages captured live beyond an export. */ chatsMerged: number;
  /** Chats both knew where one device's copy covered the other's. */ chatsKept: number;
  /** What could not be combined exactly (exports overlapping in part), in words, with counts only. */ warnings: string[];
}
export interface PhoneCountry {
  /** The country national numbers are read in (ISO code), when you set one. */ country: string | null;
  /** The country most international numbers kith has seen are from: what to propose. */ proposed: string | null;
  /** Numbers written without a country code, waiting for a country. */ waiting: number;
}
"#;

/// The browser's time zone, asked through `Date` (works in pages, workers and Node).
struct HostZone;

impl LocalZone for HostZone {
    fn offset_seconds(&self, local: NaiveDateTime) -> i32 {
        let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
            local.year() as u32,
            local.month0() as i32,
            local.day() as i32,
            local.hour() as i32,
            local.minute() as i32,
            local.second() as i32,
        );
        -(date.get_timezone_offset() as i32) * 60
    }
}

/// Settings read once from the constructor's options.
#[derive(Clone)]
struct Settings {
    date_order: Option<DateOrder>,
    utc_offset_minutes: Option<i32>,
    /// Seconds since the epoch, when the caller fixed the clock.
    fixed_now: Option<i64>,
}

impl Settings {
    fn zone(&self) -> Box<dyn LocalZone> {
        match self.utc_offset_minutes {
            Some(minutes) => Box::new(FixedZone(minutes * 60)),
            None => Box::new(HostZone),
        }
    }

    fn now_seconds(&self) -> i64 {
        self.fixed_now.unwrap_or_else(|| (js_sys::Date::now() / 1000.0) as i64)
    }

    fn import_options(&self) -> ImportOptions {
        let now = js_sys::Date::new(&JsValue::from_f64(self.now_seconds() as f64 * 1000.0));
        let today = NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, now.get_date())
            .unwrap_or_default();
        ImportOptions {
            date_order_fallback: self.date_order.unwrap_or_else(locale_date_order),
            today,
            exclude: Vec::new(),
            owner: Vec::new(),
        }
    }
}

/// Month-first where the browser's locale writes dates that way (the US and a few others).
fn locale_date_order() -> DateOrder {
    let language = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|nav| Reflect::get(&nav, &"language".into()))
        .ok()
        .and_then(|l| l.as_string())
        .unwrap_or_default();
    let region = language.rsplit('-').next().unwrap_or_default().to_ascii_uppercase();
    if ["US", "PH", "FM", "MH", "PW", "CA"].contains(&region.as_str()) {
        DateOrder::MonthDay
    } else {
        DateOrder::DayMonth
    }
}

/// A core error as a JS `Error` whose `name` is the variant's stable name: the one place
/// import errors cross the boundary.
impl From<ImportError> for JsValue {
    fn from(err: ImportError) -> JsValue {
        named_error(err.name(), &err.to_string())
    }
}

impl From<crate::store::StoreError> for JsValue {
    fn from(err: crate::store::StoreError) -> JsValue {
        named_error(err.name(), &err.to_string())
    }
}

fn js_error(err: ImportError) -> JsValue {
    err.into()
}

fn named_error(name: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name(name);
    error.into()
}

fn type_error(message: &str) -> JsValue {
    named_error("InvalidOptions", message)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| type_error(&e.to_string()))
}

fn get(object: &JsValue, key: &str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The kith engine: import chat exports, read per-contact stats. Everything stays in this
/// object, in this page or worker; nothing is sent anywhere.
///
/// ```js
/// import init, { Kith } from "./pkg/kith.js";
/// await init();
/// const kith = new Kith({ owner: ["Sam Lee"] });
/// const report = kith.importFile(file.name, new Uint8Array(await file.arrayBuffer()));
/// console.log(report.messages, kith.contacts()[0]?.lastReceivedAt);
/// ```
#[wasm_bindgen]
pub struct Kith {
    engine: Rc<RefCell<Engine>>,
    busy: Rc<Cell<bool>>,
    settings: Settings,
}

#[wasm_bindgen]
impl Kith {
    /// Creates an empty engine.
    ///
    /// ```js
    /// const kith = new Kith({ owner: ["Sam Lee", "+44 7700 900123"], dateOrder: "dmy" });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "KithOptions | undefined")] options: JsValue,
    ) -> Result<Kith, JsValue> {
        let owner = owner_list(&get(&options, "owner"))?;
        let date_order = match get(&options, "dateOrder").as_string().as_deref() {
            None => None,
            Some("dmy") => Some(DateOrder::DayMonth),
            Some("mdy") => Some(DateOrder::MonthDay),
            Some(_) => return Err(type_error("dateOrder must be \"dmy\" or \"mdy\".")),
        };
        let offset = get(&options, "utcOffsetMinutes");
        let utc_offset_minutes = match offset.as_f64() {
            Some(m) if (-16.0 * 60.0..=16.0 * 60.0).contains(&m) => Some(m as i32),
            Some(_) => return Err(type_error("utcOffsetMinutes must be between -960 and 960.")),
            None if offset.is_undefined() || offset.is_null() => None,
            None => return Err(type_error("utcOffsetMinutes must be a number.")),
        };
        let now = get(&options, "now");
        let fixed_now = if now.is_undefined() || now.is_null() {
            None
        } else {
            let millis = match now.as_f64() {
                Some(ms) => ms,
                None => js_sys::Date::parse(&now.as_string().unwrap_or_default()),
            };
            if !millis.is_finite() {
                return Err(type_error("now must be an ISO 8601 date string or epoch milliseconds."));
            }
            Some((millis / 1000.0).floor() as i64)
        };
        Ok(Kith {
            engine: Rc::new(RefCell::new(Engine::new(&owner))),
            busy: Rc::new(Cell::new(false)),
            settings: Settings { date_order, utc_offset_minutes, fixed_now },
        })
    }

    /// Imports one export held in memory: a WhatsApp `.txt`, or the `.zip` WhatsApp made. The
    /// file name matters: `WhatsApp Chat with Ann.txt` tells kith the chat is with Ann.
    /// Throws an `Error` with a stable `name` (`Empty`, `UnknownFormat`, `CorruptArchive`,
    /// `NoChatInArchive`, `UnsupportedArchive`, `Busy`) and leaves the engine unchanged.
    ///
    /// ```js
    /// const bytes = new Uint8Array(await file.arrayBuffer());
    /// try { const report = kith.importFile(file.name, bytes); }
    /// catch (e) { if (e.name === "UnknownFormat") showHint(e.message); }
    /// ```
    #[wasm_bindgen(js_name = importFile, unchecked_return_type = "ImportReport")]
    pub fn import_file(
        &mut self,
        file_name: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | number[]")] bytes: JsValue,
    ) -> Result<JsValue, JsValue> {
        if self.busy.get() {
            return Err(js_error(ImportError::Busy));
        }
        let bytes = match bytes.dyn_into::<Uint8Array>() {
            Ok(bytes) => bytes,
            Err(other) if other.is_array() => Uint8Array::new(&other),
            Err(_) => return Err(type_error("bytes must be a Uint8Array.")),
        };
        let report = import_array(&self.engine, &self.settings, file_name, &bytes)?;
        to_js(&report)
    }

    /// Imports a `File` or `Blob` read slice by slice, so a file of any size passes through a
    /// small, fixed amount of memory. For a zip only the central directory and the chat entry
    /// are read. Resolves to an `ImportReport`; rejects like `importFile`, or with `Aborted`.
    ///
    /// ```js
    /// const report = await kith.importBlob(file, {
    ///   onProgress: (read, total) => (bar.value = read / total),
    ///   signal: controller.signal,
    /// });
    /// ```
    #[wasm_bindgen(js_name = importBlob, unchecked_return_type = "Promise<ImportReport>")]
    pub fn import_blob(
        &self,
        file: web_sys::Blob,
        #[wasm_bindgen(unchecked_param_type = "ImportBlobOptions | undefined")] options: JsValue,
    ) -> Promise {
        if self.busy.get() {
            return Promise::reject(&js_error(ImportError::Busy));
        }
        let busy = BusyGuard::hold(Rc::clone(&self.busy));
        let engine = Rc::clone(&self.engine);
        let settings = self.settings.clone();
        future_to_promise(async move {
            let result = import_blob(&engine, &settings, &file, &options).await;
            drop(busy);
            to_js(&result?)
        })
    }

    /// Every contact with their stats, most recent interaction first.
    ///
    /// ```js
    /// for (const c of kith.contacts()) console.log(c.name, c.lastSentAt, c.lastReceivedAt);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Contact[]")]
    pub fn contacts(&self) -> Result<JsValue, JsValue> {
        // As JSON text and one JSON.parse: building 10,000 objects a property at a time across
        // the boundary took longer than computing them (see `crate::json`).
        let json = crate::json::contacts_json(&self.engine.borrow().contacts(self.settings.now_seconds()));
        js_sys::JSON::parse(&json)
    }

    /// The engine's whole state as bytes, to keep in IndexedDB; holds no message text.
    /// Restore it with `Kith.restore`.
    ///
    /// ```js
    /// await db.put("state", kith.snapshot(), "snapshot");
    /// ```
    pub fn snapshot(&self) -> Vec<u8> {
        self.engine.borrow().snapshot()
    }

    /// Rebuilds an engine from `snapshot()` bytes. Throws `CorruptSnapshot` or
    /// `UnsupportedSnapshot` (written by a newer kith).
    ///
    /// ```js
    /// const kith = saved ? Kith.restore(saved, { dateOrder: "dmy" }) : new Kith();
    /// ```
    pub fn restore(
        bytes: &[u8],
        #[wasm_bindgen(unchecked_param_type = "KithOptions | undefined")] options: JsValue,
    ) -> Result<Kith, JsValue> {
        let kith = Kith::new(options)?;
        let restored = Engine::restore(bytes)?;
        *kith.engine.borrow_mut() = restored;
        Ok(kith)
    }

    /// What this device knows itself, as bytes to seal and publish to the account's other
    /// devices (sync protocol version 2): the snapshot without what the server acknowledged,
    /// holding no message text. Take it from the engine of this device's own imports, never
    /// from a view that absorbed other devices' states.
    ///
    /// ```js
    /// const sealed = await seal(accountKey, own.deviceState());
    /// ```
    #[wasm_bindgen(js_name = deviceState)]
    pub fn device_state(&self) -> Vec<u8> {
        self.engine.borrow().device_state()
    }

    /// Absorbs another device's `deviceState()`: a view is this device's own state restored,
    /// with every other device's absorbed. The order does not matter, and absorbing a state
    /// twice changes nothing, so devices that read the same states show the same contacts.
    /// Throws `CorruptSnapshot` or `UnsupportedSnapshot` (as `restore` does), or `Busy` during
    /// an import, and the engine is unchanged.
    ///
    /// ```js
    /// const view = Kith.restore(own.deviceState(), options);
    /// for (const state of otherDevicesStates) view.absorb(state);
    /// const contacts = view.contacts();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "AbsorbReport")]
    pub fn absorb(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        // An import in flight counts against the coverage it read: replacing the chats under it
        // would let it count again what the absorbed state holds.
        if self.busy.get() {
            return Err(js_error(ImportError::Busy));
        }
        let report = self.engine.borrow_mut().absorb(bytes)?;
        to_js(&report)
    }

    /// Counts message rows seen on WhatsApp Web, deduplicated by `id` and against imported
    /// exports. Malformed events are dropped and counted as `rejected`.
    ///
    /// ```js
    /// kith.ingest([{ chat: "Ann", id: "false_447700900123@c.us_3EB0", direction: "in",
    ///                header: "[10:05, 13/03/2024] Ann: " }]);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "IngestReport")]
    pub fn ingest(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "LiveEvent[]")] events: JsValue,
    ) -> Result<JsValue, JsValue> {
        let events = from_js::live_events(&events).map_err(|e| {
            named_error("InvalidEvents", &format!("Live events must be {{chat, id, direction, header}} objects: {e}."))
        })?;
        let fallback = self.settings.date_order.unwrap_or_else(locale_date_order);
        let report = self.engine.borrow_mut().ingest(&events, self.settings.zone(), fallback);
        to_js(&report)
    }

    /// Chats (by title) and people (by name or number) to leave out: imports skip them before
    /// counting, and `contacts()` hides what was counted before.
    ///
    /// ```js
    /// kith.setExclusions(["Work group", "+44 7700 900123"]);
    /// ```
    #[wasm_bindgen(js_name = setExclusions)]
    pub fn set_exclusions(&mut self, exclusions: Vec<String>) {
        self.engine.borrow_mut().set_exclusions(&exclusions);
    }

    /// The exclusion list.
    pub fn exclusions(&self) -> Vec<String> {
        self.engine.borrow().exclusions().to_vec()
    }

    /// The names or numbers given as the user's own (`setOwner`).
    pub fn owner(&self) -> Vec<String> {
        self.engine.borrow().owner().to_vec()
    }

    /// Starts keeping a journal of imports, so an import made in one page can be applied to
    /// the engine in another with `applyJournal(takeJournal())`: only aggregates travel.
    #[wasm_bindgen(js_name = setJournaling)]
    pub fn set_journaling(&mut self, on: bool) {
        self.engine.borrow_mut().set_journaling(on);
    }

    /// The imports committed since the last call, as bytes holding no message text.
    #[wasm_bindgen(js_name = takeJournal)]
    pub fn take_journal(&mut self) -> Vec<u8> {
        self.engine.borrow_mut().take_journal()
    }

    /// Applies a journal from `takeJournal()`: each import in it is committed here as if this
    /// engine had read the file. Returns one report per import.
    #[wasm_bindgen(js_name = applyJournal, unchecked_return_type = "ImportReport[]")]
    pub fn apply_journal(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        if self.busy.get() {
            return Err(js_error(ImportError::Busy));
        }
        let reports = self.engine.borrow_mut().apply_journal(bytes)?;
        to_js(&reports)
    }

    /// What the server has not acknowledged yet: new or changed contacts as sync records
    /// (built by the one payload builder, from the `SyncContact` allowlist), ids to delete, and
    /// warnings for what the builder changed so every record fits the server's limits.
    ///
    /// ```js
    /// const { upserts, deletions, warnings } = kith.syncChanges();
    /// ```
    #[wasm_bindgen(js_name = syncChanges, unchecked_return_type = "SyncChanges")]
    pub fn sync_changes(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Changes {
            upserts: Vec<crate::sync::SyncContact>,
            deletions: Vec<String>,
            warnings: Vec<String>,
        }
        let engine = self.engine.borrow();
        let (upserts, deletions, warnings) =
            engine.sync.changes_and_warnings(&engine.contacts(self.settings.now_seconds()));
        to_js(&Changes { upserts, deletions, warnings: warnings.iter().map(ToString::to_string).collect() })
    }

    /// Records a batch the server acknowledged, so its contacts are not sent again until they
    /// change. Throws `InvalidBatch` for anything that is not a `SyncBatch`.
    #[wasm_bindgen(js_name = acknowledgeSync)]
    pub fn acknowledge_sync(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "SyncBatch")] batch: JsValue,
    ) -> Result<(), JsValue> {
        let batch =
            from_js::sync_batch(&batch).map_err(|e| named_error("InvalidBatch", &format!("Not a sync batch: {e}.")))?;
        self.engine.borrow_mut().acknowledge_sync(&batch);
        Ok(())
    }

    /// Forgets what any server acknowledged: the next sync sends every contact.
    #[wasm_bindgen(js_name = resetSync)]
    pub fn reset_sync(&mut self) {
        self.engine.borrow_mut().reset_sync();
    }

    /// Says who you are (names or phone numbers as the exports show them). Replaces the owner
    /// given to the constructor; contacts are recomputed at once, nothing needs re-importing.
    ///
    /// ```js
    /// kith.setOwner(["Sam Lee"]);
    /// ```
    #[wasm_bindgen(js_name = setOwner)]
    pub fn set_owner(&mut self, owner: Vec<String>) {
        self.engine.borrow_mut().set_owner(&owner);
    }

    /// Possible duplicates: pairs of contacts kith thinks are one person (the same name in two
    /// sources, "Ann L." and "Ann Lee", names that differ by accents), with reasons. kith never
    /// merges these without you; a rejected suggestion does not come back.
    ///
    /// ```js
    /// for (const s of kith.suggestions()) console.log(s.contacts[0].name, s.contacts[1].name, s.reasons);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Suggestion[]")]
    pub fn suggestions(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.borrow().suggestions())
    }

    /// Merges two contacts (by id) into one person. The result keeps one of the two ids; the
    /// other is deleted on the server at the next sync.
    ///
    /// ```js
    /// const { contactId, decision } = kith.merge(a.id, b.id);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn merge(&mut self, contact_id: &str, other_id: &str) -> Result<JsValue, JsValue> {
        let at = self.settings.now_seconds();
        to_js(&self.engine.borrow_mut().merge_contacts(contact_id, other_id, at).map_err(identity_error)?)
    }

    /// Accepts a suggestion: its two contacts become one.
    ///
    /// ```js
    /// kith.acceptSuggestion(kith.suggestions()[0].id);
    /// ```
    #[wasm_bindgen(js_name = acceptSuggestion, unchecked_return_type = "Applied")]
    pub fn accept_suggestion(&mut self, id: &str) -> Result<JsValue, JsValue> {
        let at = self.settings.now_seconds();
        to_js(&self.engine.borrow_mut().accept_suggestion(id, at).map_err(identity_error)?)
    }

    /// Rejects a suggestion: the two stay apart and it is not suggested again.
    ///
    /// ```js
    /// kith.rejectSuggestion(suggestion.id);
    /// ```
    #[wasm_bindgen(js_name = rejectSuggestion, unchecked_return_type = "Applied")]
    pub fn reject_suggestion(&mut self, id: &str) -> Result<JsValue, JsValue> {
        let at = self.settings.now_seconds();
        to_js(&self.engine.borrow_mut().reject_suggestion(id, at).map_err(identity_error)?)
    }

    /// Takes one handle (`contact.handles[i].key`) out of a contact; it becomes its own contact
    /// and is not joined to the others again automatically.
    ///
    /// ```js
    /// kith.split(contact.id, contact.handles[1].key);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn split(&mut self, contact_id: &str, handle_key: &str) -> Result<JsValue, JsValue> {
        let at = self.settings.now_seconds();
        to_js(&self.engine.borrow_mut().split_contact(contact_id, handle_key, at).map_err(identity_error)?)
    }

    /// Corrects a contact: a new name, or a phone or address added or removed. The next sync
    /// sends the corrected record.
    ///
    /// ```js
    /// kith.correct(contact.id, { name: "Ann Lee" });
    /// kith.correct(contact.id, { addPhone: "+44 7700 900123" });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn correct(
        &mut self,
        contact_id: &str,
        #[wasm_bindgen(unchecked_param_type = "Correction")] correction: JsValue,
    ) -> Result<JsValue, JsValue> {
        use crate::Correction;
        type Make = fn(String) -> Correction;
        let fields: [(&str, Make); 5] = [
            ("name", Correction::Rename),
            ("addPhone", Correction::AddPhone),
            ("removePhone", Correction::RemovePhone),
            ("addEmail", Correction::AddEmail),
            ("removeEmail", Correction::RemoveEmail),
        ];
        let given: Vec<Correction> =
            fields.iter().filter_map(|(field, make)| get(&correction, field).as_string().map(make)).collect();
        let [one] = <[Correction; 1]>::try_from(given).map_err(|_| {
            type_error(
                "A correction has exactly one of name, addPhone, removePhone, addEmail or removeEmail, as a string.",
            )
        })?;
        let at = self.settings.now_seconds();
        to_js(&self.engine.borrow_mut().correct_contact(contact_id, one, at).map_err(identity_error)?)
    }

    /// Takes back a decision (a merge, split, rejection or correction): the latest when no
    /// number is given. The contacts are exactly as they were before it.
    ///
    /// ```js
    /// const { decision } = kith.merge(a.id, b.id);
    /// kith.undo(decision);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn undo(&mut self, decision: Option<f64>) -> Result<JsValue, JsValue> {
        let id = decision.map(|d| d as u64);
        to_js(&self.engine.borrow_mut().undo(id).map_err(identity_error)?)
    }

    /// Every decision made about who is who, oldest first, each with what it did in words.
    ///
    /// ```js
    /// for (const d of kith.decisions()) console.log(d.at, d.summary);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Decision[]")]
    pub fn decisions(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.borrow().decisions())
    }

    /// A decision as bytes (the latest when no number is given), for `recordDecision` on
    /// another engine: the extension copies a decision made on the view of several devices
    /// into this device's own knowledge this way.
    ///
    /// ```js
    /// const { decision } = view.merge(a.id, b.id);
    /// own.recordDecision(view.decisionRecord(decision));
    /// ```
    #[wasm_bindgen(js_name = decisionRecord)]
    pub fn decision_record(&self, decision: Option<f64>) -> Result<Vec<u8>, JsValue> {
        self.engine.borrow().decision_record(decision.map(|d| d as u64)).map_err(identity_error)
    }

    /// Adds a decision from `decisionRecord` to this engine's log (once: a decision already
    /// here is not added again). Damaged bytes are `CorruptSnapshot`, changing nothing.
    #[wasm_bindgen(js_name = recordDecision)]
    pub fn record_decision(&mut self, record: &[u8]) -> Result<(), JsValue> {
        Ok(self.engine.borrow_mut().record_decision(record)?)
    }

    /// Undoes this engine's copy of a decision from `decisionRecord`; `MadeOnAnotherDevice`,
    /// changing nothing, when this engine never made it.
    #[wasm_bindgen(js_name = undoRecorded, unchecked_return_type = "Applied")]
    pub fn undo_recorded(&mut self, record: &[u8]) -> Result<JsValue, JsValue> {
        to_js(&self.engine.borrow_mut().undo_recorded(record).map_err(identity_error)?)
    }

    /// Sets the country that phone numbers written without a country code are from (an ISO
    /// code like "GB"), or clears it with `null`. Then `07700 900123` in a contacts file and a
    /// WhatsApp `+44 7700 900123` are one number.
    ///
    /// ```js
    /// kith.setDefaultCountry(kith.phoneCountry().proposed);
    /// ```
    #[wasm_bindgen(js_name = setDefaultCountry)]
    pub fn set_default_country(&mut self, iso: Option<String>) -> Result<(), JsValue> {
        self.engine.borrow_mut().set_default_country(iso.as_deref()).map_err(identity_error)
    }

    /// The keep-in-touch settings that apply to a contact, as bytes for `recordKeep` on another
    /// engine (how a change made on the view of several devices reaches own knowledge).
    #[wasm_bindgen(js_name = keepRecord)]
    pub fn keep_record(&self, contact_id: &str) -> Result<Vec<u8>, JsValue> {
        let now = self.settings.now_seconds();
        self.engine.borrow().keep_record(contact_id, now).map_err(identity_error)
    }

    /// Takes settings from `keepRecord`: each setting as most recently changed. Damaged bytes
    /// are `CorruptSnapshot`, changing nothing.
    #[wasm_bindgen(js_name = recordKeep)]
    pub fn record_keep(&mut self, record: &[u8]) -> Result<(), JsValue> {
        Ok(self.engine.borrow_mut().record_keep(record)?)
    }

    /// Changes a contact's keep-in-touch settings: a goal in days (or `null` to clear it), a
    /// snooze until a time (or `null` to wake), "not now", or whether reminders may name them.
    /// Nothing is set without being asked; the contact's `attention` follows.
    ///
    /// ```js
    /// kith.keepInTouch(contact.id, { goalDays: 30 });
    /// kith.keepInTouch(contact.id, { snoozeUntil: new Date(2026, 11, 24).getTime() }); // local midnight
    /// kith.keepInTouch(contact.id, { reminders: false });
    /// ```
    #[wasm_bindgen(js_name = keepInTouch)]
    pub fn keep_in_touch(
        &mut self,
        contact_id: &str,
        #[wasm_bindgen(unchecked_param_type = "KeepChange")] change: JsValue,
    ) -> Result<(), JsValue> {
        use crate::keep::KeepChange;
        let field = |name: &str| Reflect::has(&change, &name.into()).unwrap_or(false).then(|| get(&change, name));
        let fields = ["goalDays", "snoozeUntil", "notNow", "reminders"];
        let given: Vec<(&str, JsValue)> = fields.iter().filter_map(|f| field(f).map(|v| (*f, v))).collect();
        let wrong = || {
            type_error("A change has exactly one of goalDays (days or null), snoozeUntil (a date or null), notNow or reminders (true or false).")
        };
        let [(name, value)] = <[(&str, JsValue); 1]>::try_from(given).map_err(|_| wrong())?;
        let none = value.is_null() || value.is_undefined();
        let change = match name {
            "goalDays" if none => KeepChange::Goal(None),
            "goalDays" => {
                let days = value
                    .as_f64()
                    .filter(|d| d.fract() == 0.0 && *d >= 0.0 && *d <= f64::from(u32::MAX))
                    .ok_or_else(wrong)?;
                KeepChange::Goal(Some(days as u32))
            }
            "snoozeUntil" if none => KeepChange::Snooze(None),
            "snoozeUntil" => {
                let millis = match value.as_f64() {
                    Some(ms) => ms,
                    None => js_sys::Date::parse(&value.as_string().ok_or_else(wrong)?),
                };
                if !millis.is_finite() {
                    return Err(wrong());
                }
                KeepChange::Snooze(Some((millis / 1000.0) as i64))
            }
            "notNow" => KeepChange::NotNow(value.as_bool().ok_or_else(wrong)?),
            _ => KeepChange::Reminders(value.as_bool().ok_or_else(wrong)?),
        };
        let now = self.settings.now_seconds();
        self.engine.borrow_mut().keep_in_touch(contact_id, change, now).map_err(identity_error)
    }

    /// A contact's messages per month and source over the last `months` months (24 when not
    /// given), oldest first: counts each way in direct chats and theirs in groups. Months with
    /// no message are left out.
    ///
    /// ```js
    /// for (const m of kith.history(contact.id, 24)) console.log(m.month, m.source, m.sent, m.received);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "MonthCount[]")]
    pub fn history(&self, contact_id: &str, months: Option<u32>) -> Result<JsValue, JsValue> {
        let now = crate::months::month_of_instant(self.settings.now_seconds());
        let span = i32::try_from(months.unwrap_or(24)).unwrap_or(i32::MAX).saturating_sub(1);
        let from = now.map(|m| m.saturating_sub(span));
        let months = self.engine.borrow().history(contact_id, from).map_err(identity_error)?;
        js_sys::JSON::parse(&crate::json::months_json(&months))
    }

    /// Everybody's messages per month and source, summed over every contact, oldest first:
    /// `history` for all contacts at once (asking `history` of each contact in turn is slow at
    /// thousands). Over the last `months` months, or every month when not given.
    ///
    /// ```js
    /// const byMonth = new Map();
    /// for (const m of kith.activity()) byMonth.set(m.month, (byMonth.get(m.month) ?? 0) + m.sent + m.received);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "MonthCount[]")]
    pub fn activity(&self, months: Option<u32>) -> Result<JsValue, JsValue> {
        let from = months.and_then(|months| {
            let now = crate::months::month_of_instant(self.settings.now_seconds())?;
            Some(now.saturating_sub(i32::try_from(months).unwrap_or(i32::MAX).saturating_sub(1)))
        });
        js_sys::JSON::parse(&crate::json::months_json(&self.engine.borrow().activity(from)))
    }

    /// The default phone country, kith's proposal for it, and how many numbers wait for one.
    ///
    /// ```js
    /// const { country, proposed, waiting } = kith.phoneCountry();
    /// ```
    #[wasm_bindgen(js_name = phoneCountry, unchecked_return_type = "PhoneCountry")]
    pub fn phone_country(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.borrow().phone_country())
    }
}

fn identity_error(err: crate::IdentityError) -> JsValue {
    named_error(err.name(), &err.to_string())
}

fn owner_list(value: &JsValue) -> Result<Vec<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(value) {
        return Err(type_error("owner must be an array of names or phone numbers."));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|v| v.as_string().ok_or_else(|| type_error("owner must contain only strings.")))
        .collect()
}

/// Holds the engine's busy flag for one import and lets it go however the import ends:
/// finished, failed, or dropped half-way (a page that goes away mid-import).
struct BusyGuard(Rc<Cell<bool>>);

impl BusyGuard {
    fn hold(flag: Rc<Cell<bool>>) -> Self {
        flag.set(true);
        BusyGuard(flag)
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The engine as the import session sees it: borrowed only inside a step, never across an
/// `await`, so the page may read contacts (or change the owner) while a file is read.
struct SharedEngine(Rc<RefCell<Engine>>);

impl CoverageLookup for SharedEngine {
    fn coverage(&self, chat_key: &str) -> crate::coverage::Covered {
        self.0.borrow().coverage(chat_key)
    }
}

fn read_failed(e: JsValue) -> ImportError {
    ImportError::ReadFailed {
        detail: e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).unwrap_or_else(|| "unknown error".into()),
    }
}

/// Starts reading `[start, end)` of a Blob.
fn request(blob: &web_sys::Blob, start: u64, end: u64) -> Result<JsFuture, ImportError> {
    let slice = blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(read_failed)?;
    Ok(JsFuture::from(slice.array_buffer()))
}

/// Progress and cancellation, from the options object.
struct Control {
    on_progress: Option<Function>,
    signal: JsValue,
}

impl Control {
    fn check(&self, (read, total): (u64, u64)) -> Result<(), ImportError> {
        if get(&self.signal, "aborted").as_bool() == Some(true) {
            return Err(ImportError::Aborted);
        }
        if let Some(f) = &self.on_progress {
            // A throwing progress callback is the page's bug, not a reason to lose the import.
            let _ = f.call2(&JsValue::NULL, &(read as f64).into(), &(total as f64).into());
        }
        Ok(())
    }
}

/// Bytes of a byte array copied into wasm memory at a time: small enough that the copy and
/// the parse that follows it both stay in the processor's cache.
const ARRAY_SLICE_BYTES: u64 = 256 * 1024;

/// Reads a byte array through the import session slice by slice: each slice is copied into
/// one reused buffer in wasm memory, which stays in the processor's cache while it is parsed,
/// instead of the whole file being copied in (and a file-sized buffer allocated) first.
fn import_array(
    engine: &Rc<RefCell<Engine>>,
    settings: &Settings,
    file_name: &str,
    bytes: &Uint8Array,
) -> Result<crate::ImportReport, ImportError> {
    let size = u64::from(bytes.length());
    let import_options = engine.borrow().import_options(settings.import_options());
    let zone_settings = settings.clone();
    let make_zone = Box::new(move || zone_settings.zone());
    let mut session =
        Session::new(file_name, size, Box::new(SharedEngine(Rc::clone(engine))), import_options, make_zone)?
            .read_slices_of(ARRAY_SLICE_BYTES);
    let mut buffer = Vec::new();
    while let Step::Read { start, end } = session.next_step()? {
        // Kept within `size`, a u32 (the array's length), so the casts lose nothing.
        let start = start.min(size);
        let end = end.clamp(start, size);
        buffer.resize((end - start) as usize, 0);
        bytes.subarray(start as u32, end as u32).copy_to(&mut buffer);
        session.feed(&buffer)?;
    }
    let delta = session.finish();
    Ok(engine.borrow_mut().commit(delta))
}

/// Reads a Blob through the same step-by-step session as `importFile`, one read ahead: while
/// the engine parses a slice, the browser fetches the next one. Each read is a trip through
/// the event loop, so a Cancel click is seen between any two slices.
async fn import_blob(
    engine: &Rc<RefCell<Engine>>,
    settings: &Settings,
    file: &web_sys::Blob,
    options: &JsValue,
) -> Result<crate::ImportReport, ImportError> {
    let file_name = get(options, "fileName").as_string().or_else(|| get(file, "name").as_string()).unwrap_or_default();
    let control =
        Control { on_progress: get(options, "onProgress").dyn_into::<Function>().ok(), signal: get(options, "signal") };
    let size = file.size() as u64;
    let import_options = engine.borrow().import_options(settings.import_options());
    let zone_settings = settings.clone();
    let make_zone = Box::new(move || zone_settings.zone());
    let mut session =
        Session::new(&file_name, size, Box::new(SharedEngine(Rc::clone(engine))), import_options, make_zone)?;
    let mut ahead: Option<(u64, u64, JsFuture)> = None;
    loop {
        control.check(session.progress())?;
        let (start, end) = match session.next_step()? {
            Step::Read { start, end } => (start, end.min(size)),
            Step::Done => break,
        };
        let current = match ahead.take() {
            Some((s, e, read)) if s == start && e == end => read,
            _ => request(file, start, end)?,
        };
        // Data is read in runs of equal slices: guess the next one and start reading it now.
        let len = end - start;
        if len >= 64 * 1024 && end < size {
            let next_end = (end + len).min(size);
            ahead = Some((end, next_end, request(file, end, next_end)?));
        }
        let buffer = current.await.map_err(read_failed)?;
        session.feed(&Uint8Array::new(&buffer).to_vec())?;
    }
    control.check(session.progress())?;
    let delta = session.finish();
    Ok(engine.borrow_mut().commit(delta))
}
