// @ts-check
// Keep in touch in the extension, without Chrome: the message guards, the worker's handlers on
// the real engine (pkg/ through initSync) with an in-memory store, the ranked first page, and
// the reminders' digest (who it names, what it says, once a day, how it stops).
// `node --test tests/js/keep-ui.test.js` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../../pkg/kith.js";
import { MSG, isMessage } from "../../extension/lib/messages.js";
import { createHandlers, rankByAttention } from "../../extension/background/handlers.js";
import { DIGEST_ALARM, createReminders, digestNotification, digestOf, nextDigestAt } from "../../extension/background/reminders.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });

const NOW = Date.parse("2026-11-26T12:00:00Z");
const DAY = 86_400_000;

/** A WhatsApp export between Sam and `name`, `[daysAgo, mine]` each, with canaries. @param {string} name @param {Array<[number, boolean]>} messages */
function chat(name, messages) {
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return messages.map(([daysAgo, mine], i) => {
    const d = new Date(NOW - daysAgo * DAY);
    return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} - ${mine ? "Sam" : name}: CANARY-ui-${i}\n`;
  }).join("");
}

function worker() {
  /** @type {Map<string, unknown>} */
  const store = new Map();
  const db = {
    /** @param {string} key */
    get: async (key) => store.get(key),
    /** @param {string} key @param {unknown} value */
    put: async (key, value) => void store.set(key, value),
    clear: async () => store.clear(),
    dump: async () => [...store.entries()],
  };
  const engine = new Kith({ utcOffsetMinutes: 0, owner: ["Sam"], now: NOW });
  engine.importFile("WhatsApp Chat with Ann Lee.txt", new TextEncoder().encode(chat("Ann Lee", [[40, true], [30, false], [20, true], [2, false]])));
  engine.importFile("WhatsApp Chat with Bo Kim.txt", new TextEncoder().encode(chat("Bo Kim", [[60, false], [58, true], [56, false], [54, true], [52, false], [50, true]])));
  engine.importFile("WhatsApp Chat with Cy Park.txt", new TextEncoder().encode(chat("Cy Park", [[3, false], [1, true]])));
  /** What the worker keeps for a popup opened while it is stopped (chrome.storage.session). */
  const session = { page: /** @type {{ total: number, contacts: any[] } | null} */ (null) };
  const { handle } = createHandlers({
    Kith, db: /** @type {any} */ (db), engine,
    alarms: { create: () => true, clear: () => true },
    fetch: async () => { throw new Error("no network in this test"); },
    newKey: () => "key-00000001",
    saveFirstPage: async (page) => void (session.page = page),
  });
  const stored = () => Kith.restore(/** @type {Uint8Array} */ (store.get("snapshot")), { now: NOW }).contacts();
  return { handle: /** @type {(m: { type: string } & Record<string, unknown>) => Promise<any>} */ (handle), stored, session };
}

test("keep-in-touch messages are checked field by field", () => {
  const good = [
    { type: MSG.FIRST_PAGE, limit: 20 }, { type: MSG.REMINDERS },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { goalDays: 30 } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { goalDays: null } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { snoozeUntil: "2026-12-24" } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { snoozeUntil: NOW + DAY } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { notNow: true } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { reminders: false } },
    { type: MSG.HISTORY, contactId: "c1", months: 24 },
    { type: MSG.SET_REMINDERS, enabled: true, hour: 18 },
  ];
  for (const m of good) assert.ok(isMessage(m), JSON.stringify(m));
  const bad = [
    { type: MSG.FIRST_PAGE }, { type: MSG.FIRST_PAGE, limit: 0 }, { type: MSG.FIRST_PAGE, limit: 10_000 },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { goalDays: 0 } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { goalDays: 1.5 } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { goalDays: 30, notNow: true } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { notNow: "yes" } },
    { type: MSG.KEEP_IN_TOUCH, contactId: "c1", change: { nickname: "Annie" } },
    { type: MSG.KEEP_IN_TOUCH, change: { notNow: true } },
    { type: MSG.HISTORY, contactId: "c1", months: 0 }, { type: MSG.HISTORY, contactId: "c1" },
    { type: MSG.SET_REMINDERS, enabled: true, hour: 24 }, { type: MSG.SET_REMINDERS, enabled: "on", hour: 18 },
  ];
  for (const m of bad) assert.ok(!isMessage(m), JSON.stringify(m));
});

test("the first page is the top of the attention ranking, and a change is stored before the reply", async () => {
  const w = worker();
  const page = await w.handle({ type: MSG.FIRST_PAGE, limit: 2 });
  assert.equal(page.total, 3);
  assert.deepEqual(page.contacts.map((/** @type {any} */ c) => [c.name, c.attentionReason]), [
    ["Ann Lee", "waiting on you 2 days"],
    ["Bo Kim", "7 weeks quiet (usually every 2 days)"],
  ]);
  const all = await w.handle({ type: MSG.CONTACTS });
  assert.deepEqual(rankByAttention(all).slice(0, 2).map((c) => c.id), page.contacts.map((/** @type {any} */ c) => c.id));

  assert.deepEqual(w.session.page?.contacts.map((c) => c.name), ["Ann Lee", "Bo Kim", "Cy Park"], "kept for a stopped worker");
  assert.equal(w.session.page?.total, 3);
  const ann = page.contacts[0];
  const snoozed = await w.handle({ type: MSG.KEEP_IN_TOUCH, contactId: ann.id, change: { snoozeUntil: NOW + 7 * DAY } });
  assert.equal(snoozed.contact.attention, 0);
  assert.ok(w.stored().find((c) => c.id === ann.id)?.snoozedUntil, "stored before the reply");
  const after = await w.handle({ type: MSG.FIRST_PAGE, limit: 3 });
  assert.deepEqual(after.contacts.map((/** @type {any} */ c) => c.name), ["Bo Kim", "Cy Park", "Ann Lee"], "the cached view was dropped");
  assert.deepEqual(w.session.page?.contacts.map((c) => c.name), ["Bo Kim", "Cy Park", "Ann Lee"], "and the kept rows with it");
  assert.ok(!JSON.stringify(w.session.page).includes("CANARY"), "names and numbers only");
  await assert.rejects(w.handle({ type: MSG.KEEP_IN_TOUCH, contactId: ann.id, change: { snoozeUntil: NOW - DAY } }), { name: "InvalidSnooze" });
  await assert.rejects(w.handle({ type: MSG.KEEP_IN_TOUCH, contactId: "nobody", change: { goalDays: 7 } }), { name: "UnknownContact" });

  const history = await w.handle({ type: MSG.HISTORY, contactId: ann.id, months: 24 });
  assert.equal(history.reduce((/** @type {number} */ n, /** @type {any} */ m) => n + m.sent + m.received, 0), 4);
  assert.ok(history.every((/** @type {any} */ m) => m.source === "whatsapp" && /^\d{4}-\d{2}$/.test(m.month)));
  assert.ok(!JSON.stringify(history).includes("CANARY"));

  // Delete all: nothing is kept, and the next page is of the empty engine.
  await w.handle({ type: MSG.DELETE_ALL });
  assert.equal(w.session.page?.total ?? 0, 0);
  assert.deepEqual(await w.handle({ type: MSG.FIRST_PAGE, limit: 3 }), { contacts: [], total: 0 });
});

test("a digest names up to three people who need attention and may be reminded of, with reasons only", () => {
  /** @param {string} name @param {number} attention @param {Partial<import("../../pkg/kith.js").Contact>} [extra] */
  const c = (name, attention, extra = {}) => /** @type {import("../../pkg/kith.js").Contact} */ (/** @type {unknown} */ (
    { name, attention, reminders: true, attentionReason: attention ? `reason of ${name}` : null, ...extra }));
  const people = digestOf([c("Ann", 10), c("Bo", 3), c("Cy", 0), c("Dee", 12, { reminders: false }), c("Ed", 4), c("Flo", 2)]);
  assert.deepEqual(people.map((p) => p.name), ["Ann", "Ed", "Bo"]);
  const n = digestNotification(people);
  assert.equal(n.title, "Keep in touch with 3 people");
  assert.equal(n.message, "Ann — reason of Ann\nEd — reason of Ed\nBo — reason of Bo");
  assert.deepEqual(n.buttons.map((b) => b.title), ["Open kith", "Stop these reminders"]);
  const local = new Date(2026, 10, 26, 17, 30);
  assert.equal(nextDigestAt(18, local), new Date(2026, 10, 26, 18).getTime());
  assert.equal(nextDigestAt(9, local), new Date(2026, 10, 27, 9).getTime(), "tomorrow when today's hour has passed");
});

test("reminders: refused without the permission, one digest a day, stopped with no alarm or notification left", async () => {
  /** @type {Map<string, unknown>} */
  const store = new Map();
  const db = /** @type {any} */ ({ get: async (/** @type {string} */ k) => store.get(k), put: async (/** @type {string} */ k, /** @type {unknown} */ v) => void store.set(k, v) });
  /** @type {Map<string, unknown>} */
  const alarms = new Map();
  /** @type {Map<string, unknown>} */
  const showing = new Map();
  let allowed = false;
  let day = new Date(2026, 10, 26, 18);
  const notifications = /** @type {any} */ ({
    create: async (/** @type {string} */ id, /** @type {unknown} */ o) => void showing.set(id, o),
    clear: async (/** @type {string} */ id) => showing.delete(id),
    getAll: async () => Object.fromEntries(showing),
  });
  let opened = 0;
  const reminders = createReminders({
    db,
    contacts: () => [/** @type {any} */ ({ name: "Ann", attention: 10, reminders: true, attentionReason: "waiting on you 2 days" })],
    alarms: { create: (name, info) => void alarms.set(name, info), clear: (name) => alarms.delete(name), get: async (name) => alarms.get(name) },
    notifications: () => (allowed ? notifications : undefined),
    hasPermission: async () => allowed,
    openKith: async () => void opened++,
    now: () => day,
  });
  assert.deepEqual(await reminders.settings(), { enabled: false, hour: 18, permission: false, next: null });
  await assert.rejects(reminders.setSettings({ enabled: true, hour: 18 }), { name: "NotificationsNotAllowed" });
  assert.equal(alarms.size, 0);
  allowed = true;
  const on = await reminders.setSettings({ enabled: true, hour: 19 });
  assert.equal(on.enabled, true);
  assert.deepEqual(alarms.get(DIGEST_ALARM), { when: new Date(2026, 10, 26, 19).getTime() });
  assert.equal(await reminders.onAlarm("kith-sync-retry"), false, "another module's alarm is not this one's");
  day = new Date(2026, 10, 26, 19); // the alarm fires at the hour
  await reminders.onAlarm(DIGEST_ALARM);
  assert.equal(showing.size, 1, "the first digest");
  assert.deepEqual(alarms.get(DIGEST_ALARM), { when: new Date(2026, 10, 27, 19).getTime() }, "the next one, at the hour, set again");
  showing.clear();
  await reminders.onAlarm(DIGEST_ALARM);
  assert.equal(showing.size, 0, "not twice on one day");
  day = new Date(2026, 10, 27, 19);
  await reminders.onAlarm(DIGEST_ALARM);
  assert.equal(showing.size, 1, "again the next day");
  await reminders.onButton("kith-digest", 0);
  assert.equal(opened, 1);
  assert.equal(showing.size, 0, "opening kith clears the notification");
  day = new Date(2026, 10, 28, 19);
  await reminders.onAlarm(DIGEST_ALARM);
  assert.equal(showing.size, 1, "a digest is showing before Stop");
  await reminders.onButton("kith-digest", 1);
  assert.equal(alarms.size, 0, "stopping clears the alarm");
  assert.equal(showing.size, 0, "and every notification");
  assert.equal((await reminders.settings()).enabled, false);
  day = new Date(2026, 10, 29, 19);
  await reminders.onAlarm(DIGEST_ALARM);
  assert.equal(showing.size, 0, "nothing after stopping");

  // On again; a dropped alarm (an update, a restart) is set again when the worker starts; a
  // permission taken back in Chrome turns reminders off at the next alarm.
  await reminders.setSettings({ enabled: true, hour: 8 });
  alarms.clear();
  await reminders.resume();
  assert.ok(alarms.has(DIGEST_ALARM));
  allowed = false;
  await reminders.onAlarm(DIGEST_ALARM);
  assert.equal(alarms.size, 0);
  assert.equal((await reminders.settings()).enabled, false);
});
