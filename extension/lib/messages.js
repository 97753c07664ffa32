// @ts-check
// Every message between extension contexts: named by route, checked by guards on arrival.
// Content scripts may send only LIVE_EVENTS; everything else comes from extension pages.

export const MSG = Object.freeze({
  CONTACTS: "kith/contacts",
  SETTINGS: "kith/settings",
  SNAPSHOT: "kith/snapshot",
  APPLY_JOURNAL: "kith/apply-journal",
  SET_OWNER: "kith/set-owner",
  SET_EXCLUSIONS: "kith/set-exclusions",
  EXPORT: "kith/export",
  RESTORE: "kith/restore",
  DELETE_ALL: "kith/delete-all",
  LIVE_EVENTS: "kith/live-events",
  SYNC_SETTINGS: "kith/sync-settings",
  SET_SYNC_SETTINGS: "kith/set-sync-settings",
  SYNC_PREVIEW: "kith/sync-preview",
  SYNC_NOW: "kith/sync-now",
  SYNC_STATUS: "kith/sync-status",
  LEDGER: "kith/ledger",
  // Who is who: the user's decisions (each undoable) and kith's suggestions.
  SUGGESTIONS: "kith/suggestions",
  DECISIONS: "kith/decisions",
  MERGE: "kith/merge",
  ACCEPT_SUGGESTION: "kith/accept-suggestion",
  REJECT_SUGGESTION: "kith/reject-suggestion",
  SPLIT: "kith/split",
  CORRECT: "kith/correct",
  UNDO: "kith/undo",
  PHONE_COUNTRY: "kith/phone-country",
  SET_DEFAULT_COUNTRY: "kith/set-default-country",
  // Keep in touch: the first screenful at once, goals and snoozes, history, reminders.
  FIRST_PAGE: "kith/first-page",
  KEEP_IN_TOUCH: "kith/keep-in-touch",
  HISTORY: "kith/history",
  REMINDERS: "kith/reminders",
  SET_REMINDERS: "kith/set-reminders",
  // Several devices on one account (sync protocol version 2).
  DEVICES: "kith/devices",
  FORGET_DEVICE: "kith/forget-device",
  REJOIN: "kith/rejoin",
  SYNC_KEY: "kith/sync-key",
  SET_SYNC_KEY: "kith/set-sync-key",
});

/** Where the worker keeps the ranked first rows for the popup (chrome.storage.session). */
export const FIRST_PAGE_KEY = "kith.firstPage";

/**
 * The server address rule: https, or plain http only to this computer (loopback), so contacts
 * never cross a network unencrypted. Returns the base URL without a trailing slash.
 * @param {string} text @returns {{ base: string, origin: string } | { error: string }}
 */
export function checkServerUrl(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return { error: "Enter the server's address, like https://kith.example.com." };
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    return { error: "Use an https:// address: kith sends contacts only over an encrypted connection (http:// is allowed only for a server on this computer)." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { error: "The address must start with https://." };
  if (url.username || url.password || url.search || url.hash) return { error: "Give the server's address only, without a user name, query or #fragment." };
  return { base: `${url.origin}${url.pathname}`.replace(/\/+$/, ""), origin: url.origin };
}

/** Messages a content script may send: metadata events only. */
export const CONTENT_SCRIPT_MESSAGES = /** @type {Set<string>} */ (new Set([MSG.LIVE_EVENTS]));

/** @typedef {{ type: string }} Message */

export const WHATSAPP_ORIGIN = "https://web.whatsapp.com";

/**
 * Who may ask for what: this extension's own pages anything; the content script on WhatsApp
 * Web only its metadata events; any other sender nothing.
 * @param {{ id?: string, origin?: string, tab?: { url?: string } }} sender
 * @param {string} type
 * @param {{ extensionId: string, extensionOrigin: string }} self
 */
export function senderMayAsk(sender, type, self) {
  if (sender.id !== self.extensionId) return false;
  if (sender.origin === self.extensionOrigin && !sender.tab?.url?.startsWith(WHATSAPP_ORIGIN)) return true;
  return sender.origin === WHATSAPP_ORIGIN && sender.tab !== undefined && CONTENT_SCRIPT_MESSAGES.has(type);
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
/** @param {unknown} v @param {number} max @returns {v is string} */
const isShortString = (v, max) => typeof v === "string" && v.length > 0 && v.length <= max;
/** @param {unknown} v @returns {v is string[]} */
const isNameList = (v) => Array.isArray(v) && v.length <= 1000 && v.every((s) => typeof s === "string" && s.length <= 200);
/** Base64 of a journal or snapshot. @param {unknown} v @returns {v is string} */
const isBase64 = (v) => typeof v === "string" && v.length <= 200_000_000 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);

/** A contact id, a handle key or a suggestion id, as the core made them. @param {unknown} v @returns {v is string} */
const isId = (v) => isShortString(v, 1000);

/** The one field a correction may carry. */
const CORRECTION_FIELDS = ["name", "addPhone", "removePhone", "addEmail", "removeEmail"];

/**
 * Exactly one of the correction fields, as a string (an empty name reaches the core, which
 * says why it is refused).
 * @param {unknown} c @returns {c is import("../pkg/kith.js").Correction}
 */
export function isCorrection(c) {
  if (!isObject(c)) return false;
  const keys = Object.keys(c);
  return keys.length === 1 && CORRECTION_FIELDS.includes(keys[0]) && typeof c[keys[0]] === "string" && /** @type {string} */ (c[keys[0]]).length <= 500;
}

/**
 * Exactly one keep-in-touch change: a goal (1–3650 days, or null), a snooze (an ISO date, epoch
 * milliseconds, or null), "not now" or reminders (true or false).
 * @param {unknown} c @returns {c is import("../pkg/kith.js").KeepChange}
 */
export function isKeepChange(c) {
  if (!isObject(c)) return false;
  const keys = Object.keys(c);
  if (keys.length !== 1) return false;
  const v = c[keys[0]];
  switch (keys[0]) {
    case "goalDays":
      return v === null || (Number.isInteger(v) && /** @type {number} */ (v) >= 1 && /** @type {number} */ (v) <= 3650);
    case "snoozeUntil":
      // The core refuses a date in the past or over ten years ahead, and says so.
      return v === null || (typeof v === "string" && v.length <= 40) || (typeof v === "number" && Number.isFinite(v) && Math.abs(v) < 8.64e15);
    case "notNow":
    case "reminders":
      return typeof v === "boolean";
    default:
      return false;
  }
}

/** Fields a live event may carry, each checked: the worker never sees anything else.
 * @param {unknown} e @returns {e is import("../pkg/kith.js").LiveEvent} */
export function isLiveEvent(e) {
  return (
    isObject(e) &&
    Object.keys(e).length === 4 &&
    isShortString(e.chat, 200) &&
    isShortString(e.id, 200) &&
    /^(true|false)_[\w.@-]+$/.test(/** @type {string} */ (e.id)) &&
    (e.direction === "in" || e.direction === "out") &&
    isShortString(e.header, 300) &&
    /^\[[^\]]{5,60}\] [^\n]{1,200}: $/.test(/** @type {string} */ (e.header))
  );
}

/** @param {unknown} m @returns {m is Message & Record<string, unknown>} */
export function isMessage(m) {
  if (!isObject(m) || typeof m.type !== "string") return false;
  switch (m.type) {
    case MSG.CONTACTS:
    case MSG.SETTINGS:
    case MSG.SNAPSHOT:
    case MSG.EXPORT:
    case MSG.DELETE_ALL:
      return true;
    case MSG.APPLY_JOURNAL:
      return isBase64(m.journal);
    case MSG.RESTORE:
      return isBase64(m.snapshot);
    case MSG.SET_OWNER:
      return isNameList(m.owner);
    case MSG.SET_EXCLUSIONS:
      return isNameList(m.exclusions);
    case MSG.SYNC_SETTINGS:
    case MSG.SYNC_PREVIEW:
    case MSG.SYNC_NOW:
    case MSG.SYNC_STATUS:
    case MSG.LEDGER:
      return true;
    case MSG.SET_SYNC_SETTINGS:
      return typeof m.serverUrl === "string" && m.serverUrl.length <= 2000 &&
        typeof m.token === "string" && m.token.length <= 200 &&
        typeof m.enabled === "boolean" &&
        [0, 60, 1440].includes(/** @type {number} */ (m.periodicMinutes));
    case MSG.SUGGESTIONS:
    case MSG.DECISIONS:
    case MSG.PHONE_COUNTRY:
      return true;
    case MSG.MERGE:
      return isId(m.contactId) && isId(m.otherId);
    case MSG.ACCEPT_SUGGESTION:
    case MSG.REJECT_SUGGESTION:
      return isId(m.id);
    case MSG.SPLIT:
      return isId(m.contactId) && isId(m.handleKey);
    case MSG.CORRECT:
      return isId(m.contactId) && isCorrection(m.correction);
    case MSG.UNDO:
      return m.decision === undefined || (Number.isSafeInteger(m.decision) && /** @type {number} */ (m.decision) > 0);
    case MSG.SET_DEFAULT_COUNTRY:
      return m.country === null || (typeof m.country === "string" && /^[A-Z]{2}$/.test(m.country));
    case MSG.FIRST_PAGE:
      return Number.isInteger(m.limit) && /** @type {number} */ (m.limit) > 0 && /** @type {number} */ (m.limit) <= 500;
    case MSG.KEEP_IN_TOUCH:
      return isId(m.contactId) && isKeepChange(m.change);
    case MSG.HISTORY:
      return isId(m.contactId) && Number.isInteger(m.months) && /** @type {number} */ (m.months) >= 1 && /** @type {number} */ (m.months) <= 120;
    case MSG.REMINDERS:
      return true;
    case MSG.SET_REMINDERS:
      return typeof m.enabled === "boolean" && Number.isInteger(m.hour) && /** @type {number} */ (m.hour) >= 0 && /** @type {number} */ (m.hour) <= 23;
    case MSG.DEVICES:
    case MSG.REJOIN:
    case MSG.SYNC_KEY:
      return true;
    case MSG.FORGET_DEVICE:
      return typeof m.deviceId === "string" && /^[A-Za-z0-9-]{8,64}$/.test(m.deviceId);
    case MSG.SET_SYNC_KEY:
      return typeof m.syncKey === "string" && m.syncKey.length <= 200 &&
        (m.deviceName === undefined || (typeof m.deviceName === "string" && m.deviceName.length <= 100 && !/[\u0000-\u001f]/.test(m.deviceName)));
    case MSG.LIVE_EVENTS:
      return Array.isArray(m.events) && m.events.length > 0 && m.events.length <= 500 && m.events.every(isLiveEvent);
    default:
      return false;
  }
}
