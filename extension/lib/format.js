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
 * How much a contact needs attention: waiting on you first, then how overdue against your
 * own habit with them (overdueRatio above 1), then nothing.
 * @param {Contact} c
 */
export function attention(c) {
  const waiting = c.waitingOn === "me" ? 10 : 0;
  const overdue = c.overdueRatio && c.overdueRatio > 1 ? Math.min(c.overdueRatio, 9) : 0;
  return waiting + overdue;
}

/** @param {Contact} a @param {Contact} b */
const byRecent = (a, b) => (b.lastInteractionAt ?? b.lastGroupMessageAt ?? "").localeCompare(a.lastInteractionAt ?? a.lastGroupMessageAt ?? "");

/** @type {Record<string, (a: Contact, b: Contact) => number>} */
export const ORDERS = {
  attention: (a, b) => attention(b) - attention(a) || byRecent(a, b),
  recent: byRecent,
  name: (a, b) => a.name.localeCompare(b.name),
};

/** @param {string} v */
const csvCell = (v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

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

/** @param {string} v */
const vcardText = (v) => v.replace(/[\\,;]/g, (m) => `\\${m}`).replace(/\n/g, "\\n");

/** All contacts as vCard 3.0. @param {Contact[]} contacts */
export function toVcard(contacts) {
  return contacts.map((c) => [
    "BEGIN:VCARD", "VERSION:3.0", `FN:${vcardText(c.name)}`, `N:;${vcardText(c.name)};;;`,
    ...c.phones.map((p) => `TEL;TYPE=CELL:${p}`),
    ...c.emails.map((e) => `EMAIL;TYPE=INTERNET:${e}`),
    `NOTE:${vcardText(`kith: last sent ${c.lastSentAt ?? "never"}, last received ${c.lastReceivedAt ?? "never"}`)}`,
    `UID:kith-${c.id}`, "END:VCARD",
  ].join("\r\n")).join("\r\n") + "\r\n";
}
