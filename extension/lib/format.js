// @ts-check
// Presentation helpers shared by popup and options: relative times, ranking, exports.

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
/** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

/** "3 weeks ago" for an ISO time; "never" for null. @param {string | null} iso @param {number} [now] */
export function ago(iso, now = Date.now()) {
  if (!iso) return "never";
  const seconds = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

/** @typedef {import("../pkg/kith.js").Contact} Contact */

/**
 * How much a contact needs attention, as the core ranks it (src/keep.rs): waiting on you, then
 * how far past your goal or your usual rhythm; 0 when snoozed, "not now", or fine.
 * @param {Contact} c
 */
export const attention = (c) => c.attention;

/** The latest of a contact's times, as an ISO string ("" for none). @param {Contact} c */
const latest = (c) => c.lastInteractionAt ?? c.lastGroupMessageAt ?? "";

/** Most recent first. ISO times in UTC compare as text; `localeCompare` would cost 100 ms on 10,000 contacts. @param {Contact} a @param {Contact} b */
const byRecent = (a, b) => {
  const x = latest(a);
  const y = latest(b);
  return x < y ? 1 : x > y ? -1 : 0;
};

/** @type {Record<string, (a: Contact, b: Contact) => number>} */
export const ORDERS = {
  attention: (a, b) => b.attention - a.attention || byRecent(a, b),
  recent: byRecent,
  name: (a, b) => a.name.localeCompare(b.name),
};

/**
 * One CSV cell. A spreadsheet runs a cell that starts with = + - @ tab or CR as a formula
 * (CSV injection), so such a cell gets a leading `'` that keeps it text (OWASP's advice; phone
 * numbers starting with + are exported as '+…). Cells with a quote, comma or line break are
 * quoted, quotes doubled (RFC 4180).
 * @param {string} v
 */
export const csvCell = (v) => {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** All contacts as CSV, one row each. @param {Contact[]} contacts */
export function toCsv(contacts) {
  /** @type {Array<keyof Contact>} */
  const columns = ["name", "phones", "emails", "sources", "lastSentAt", "lastReceivedAt", "lastInteractionAt", "firstInteractionAt",
    "sentCount", "receivedCount", "callCount", "groupMessageCount", "lastGroupMessageAt", "myReplyMinutes", "theirReplyMinutes",
    "waitingOn", "cadenceDays", "id"];
  const rows = contacts.map((c) => columns.map((k) => {
    const v = c[k];
    return csvCell(Array.isArray(v) ? v.join(";") : v === null ? "" : String(v));
  }).join(","));
  return [columns.join(","), ...rows].join("\r\n") + "\r\n";
}

/**
 * A vCard 3.0 text value (RFC 2426 §5): backslash, comma and semicolon escaped, every line break
 * (CRLF, CR or LF) written as `\n`, other control characters but tab dropped, so no value can
 * end its line and start a property of its own.
 * @param {string} v
 */
export const vcardText = (v) =>
  v.replace(/[\\,;]/g, (m) => `\\${m}`).replace(/\r\n|\r|\n/g, "\\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");

/** All contacts as vCard 3.0. @param {Contact[]} contacts */
export function toVcard(contacts) {
  return contacts.map((c) => [
    "BEGIN:VCARD", "VERSION:3.0", `FN:${vcardText(c.name)}`, `N:;${vcardText(c.name)};;;`,
    ...c.phones.map((p) => `TEL;TYPE=CELL:${vcardText(p)}`),
    ...c.emails.map((e) => `EMAIL;TYPE=INTERNET:${vcardText(e)}`),
    `NOTE:${vcardText(`kith: last sent ${c.lastSentAt ?? "never"}, last received ${c.lastReceivedAt ?? "never"}`)}`,
    `UID:kith-${vcardText(c.id)}`, "END:VCARD",
  ].join("\r\n")).join("\r\n") + "\r\n";
}

/** How people know each source (`Contact.sources`) and each format (`ImportReport.format`). */
export const SOURCE_NAMES = /** @type {Record<string, string>} */ ({
  whatsapp: "WhatsApp", whatsappWeb: "WhatsApp Web", telegram: "Telegram", messenger: "Messenger",
  instagram: "Instagram", linkedin: "LinkedIn", email: "Email", mbox: "Mail", contacts: "Contacts",
});

/** A list of sources for people: "WhatsApp · Telegram". @param {string[]} sources */
export const sourceNames = (sources) => sources.map((s) => SOURCE_NAMES[s] ?? s).join(" · ");

/** A handle key without its kind: "tel:+447700900123" → "+447700900123". @param {string} key */
export const handleText = (key) => key.slice(key.indexOf(":") + 1);

/** @type {WeakMap<Contact, string>} */
const searchTexts = new WeakMap();

/** Everything a contact may be searched by, lower case: its name, every handle's name and key, phones, emails. @param {Contact} c */
function searchText(c) {
  let text = searchTexts.get(c);
  if (text === undefined) {
    const handles = (c.handles ?? []).flatMap((h) => [h.name, handleText(h.key)]);
    text = [c.name, ...handles, ...c.phones, ...c.emails].join("\n").toLowerCase();
    searchTexts.set(c, text);
  }
  return text;
}

/**
 * Builds every contact's search text ahead of the first keystroke, which would otherwise pay
 * for all of them at once (15 ms at 10,000 contacts). Call it when the page is idle.
 * @param {Contact[]} contacts
 */
export function prepareSearch(contacts) {
  for (const c of contacts) searchText(c);
}

/**
 * Whether a contact matches what was typed: any of its names, handles, phones or emails
 * contains it; a number matches however it is spaced ("07700 900" finds +44 7700 900123 only
 * by its digits: "7700 900").
 * @param {Contact} c @param {string} query lower case, trimmed
 */
export function matches(c, query) {
  if (!query) return true;
  if (searchText(c).includes(query)) return true;
  const digits = query.replace(/[\s().-]/g, "");
  return /^\+?\d{3,}$/.test(digits) && c.phones.some((p) => p.includes(digits));
}

/** "1 number", "12 numbers". @param {number} n @param {string} unit */
export const plural = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;
