// @ts-check
// Who is who in the extension, without Chrome: the message guards, the worker's handlers on the
// real engine (pkg/ through initSync) with an in-memory store and recorded alarms, and the
// popup's search. `node --test tests/js/identity-ui.test.js` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../../pkg/kith.js";
import { MSG, isMessage } from "../../extension/lib/messages.js";
import { createHandlers } from "../../extension/background/handlers.js";
import { SOON_ALARM } from "../../extension/background/sync.js";
import { matches } from "../../extension/lib/format.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });
const fixtures = `${root}tests/fixtures/identity/`;

test("who-is-who messages are checked field by field", () => {
  const good = [
    { type: MSG.SUGGESTIONS }, { type: MSG.DECISIONS }, { type: MSG.PHONE_COUNTRY },
    { type: MSG.MERGE, contactId: "c1", otherId: "c2" },
    { type: MSG.ACCEPT_SUGGESTION, id: "s1" }, { type: MSG.REJECT_SUGGESTION, id: "s1" },
    { type: MSG.SPLIT, contactId: "c1", handleKey: "email:ann@example.com" },
    { type: MSG.CORRECT, contactId: "c1", correction: { name: "Ann" } },
    { type: MSG.CORRECT, contactId: "c1", correction: { name: "" } },
    { type: MSG.CORRECT, contactId: "c1", correction: { removeEmail: "ann@example.com" } },
    { type: MSG.UNDO }, { type: MSG.UNDO, decision: 3 },
    { type: MSG.SET_DEFAULT_COUNTRY, country: "GB" }, { type: MSG.SET_DEFAULT_COUNTRY, country: null },
  ];
  for (const m of good) assert.ok(isMessage(m), JSON.stringify(m));
  const bad = [
    { type: MSG.MERGE, contactId: "c1" },
    { type: MSG.MERGE, contactId: "", otherId: "c2" },
    { type: MSG.MERGE, contactId: "c1", otherId: "x".repeat(1001) },
    { type: MSG.ACCEPT_SUGGESTION, id: 7 },
    { type: MSG.SPLIT, contactId: "c1" },
    { type: MSG.CORRECT, contactId: "c1", correction: { name: "Ann", addPhone: "+44" } },
    { type: MSG.CORRECT, contactId: "c1", correction: { nickname: "Annie" } },
    { type: MSG.CORRECT, contactId: "c1", correction: { name: 5 } },
    { type: MSG.CORRECT, contactId: "c1", correction: ["name", "Ann"] },
    { type: MSG.CORRECT, contactId: "c1", correction: { name: "x".repeat(501) } },
    { type: MSG.UNDO, decision: 0 }, { type: MSG.UNDO, decision: "1" }, { type: MSG.UNDO, decision: 1.5 },
    { type: MSG.SET_DEFAULT_COUNTRY, country: "gb" }, { type: MSG.SET_DEFAULT_COUNTRY, country: "GBR" },
    { type: MSG.SET_DEFAULT_COUNTRY },
  ];
  for (const m of bad) assert.ok(!isMessage(m), JSON.stringify(m));
});

/** The worker's handlers on a real engine holding the identity fixtures. @param {{ syncOn: boolean }} o */
function worker({ syncOn }) {
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
  if (syncOn) store.set("sync-settings", { serverUrl: "https://kith.example.com", token: "kith_t", enabled: true, periodicMinutes: 0 });
  const engine = new Kith({ utcOffsetMinutes: 0 });
  for (const name of ["Connections.csv", "rosa-and-priya.mbox", "WhatsApp Chat with Priya Shah.txt"]) {
    engine.importFile(name, readFileSync(fixtures + name));
  }
  /** @type {string[]} */
  const alarms = [];
  const { handle } = createHandlers({
    Kith, db: /** @type {any} */ (db), engine,
    alarms: { create: (name) => alarms.push(name), clear: () => true },
    fetch: async () => { throw new Error("no network in this test"); },
    newKey: () => "key-00000001",
  });
  /** The contacts as stored: what a restarted worker would load. */
  const stored = () => Kith.restore(/** @type {Uint8Array} */ (store.get("snapshot")), {}).contacts();
  return { handle: /** @type {(m: { type: string } & Record<string, unknown>) => Promise<any>} */ (handle), alarms, stored, engine };
}

test("each decision is stored before the reply and answered with the contact as it is now", async () => {
  const w = worker({ syncOn: false });
  const [suggestion] = await w.handle({ type: MSG.SUGGESTIONS });
  assert.deepEqual(suggestion.reasons, ["same name, “Priya Shah”, in WhatsApp and Email"]);
  const accepted = await w.handle({ type: MSG.ACCEPT_SUGGESTION, id: suggestion.id });
  assert.equal(accepted.contact.id, accepted.contactId);
  assert.equal(accepted.contact.handles.length, 2);
  assert.equal(w.stored().filter((c) => c.name === "Priya Shah").length, 1, "the merge was stored before the reply");
  assert.deepEqual(w.alarms, [], "no sync is scheduled while sync is off");

  const renamed = await w.handle({ type: MSG.CORRECT, contactId: accepted.contactId, correction: { name: "Priya S." } });
  assert.equal(renamed.contact.name, "Priya S.");
  assert.ok(w.stored().some((c) => c.name === "Priya S."));
  const decisions = await w.handle({ type: MSG.DECISIONS });
  assert.deepEqual(decisions.map((/** @type {any} */ d) => d.kind), ["acceptSuggestion", "rename"]);

  await w.handle({ type: MSG.UNDO, decision: accepted.decision });
  assert.equal(w.stored().filter((c) => c.name.startsWith("Priya")).length, 2, "the undo was stored");
  await assert.rejects(w.handle({ type: MSG.UNDO, decision: accepted.decision }), { name: "UnknownDecision" });
  await assert.rejects(w.handle({ type: MSG.MERGE, contactId: "nobody", otherId: accepted.contactId }), { name: "UnknownContact" });
  await assert.rejects(w.handle({ type: MSG.CORRECT, contactId: renamed.contactId, correction: { addPhone: "07700 900123" } }), (e) => {
    assert.equal(/** @type {Error} */ (e).name, "InvalidPhone");
    assert.match(/** @type {Error} */ (e).message, /country code/, "a message a person can act on");
    return true;
  });
  const pc = await w.handle({ type: MSG.SET_DEFAULT_COUNTRY, country: "GB" });
  assert.equal(pc.country, "GB");
  assert.deepEqual(await w.handle({ type: MSG.PHONE_COUNTRY }), pc);
  await assert.rejects(w.handle({ type: MSG.SET_DEFAULT_COUNTRY, country: "ZZ" }), { name: "UnknownCountry" });
});

test("with sync on, a decision schedules a sync soon, and the merge's absorbed id goes out as a deletion", async () => {
  const w = worker({ syncOn: true });
  const before = (await w.handle({ type: MSG.CONTACTS })).filter((/** @type {any} */ c) => c.name === "Priya Shah");
  // As if the server had acknowledged every contact already.
  const { batches } = await w.handle({ type: MSG.SYNC_PREVIEW });
  assert.equal(batches[0].upserts.length, 3);
  w.engine.acknowledgeSync({ ...batches[0], batchKey: "key-00000000" });
  assert.deepEqual((await w.handle({ type: MSG.SYNC_PREVIEW })).batches, []);

  const merged = await w.handle({ type: MSG.MERGE, contactId: before[0].id, otherId: before[1].id });
  assert.deepEqual(w.alarms, [SOON_ALARM]);
  const absorbed = before.find((/** @type {any} */ c) => c.id !== merged.contactId).id;
  const next = (await w.handle({ type: MSG.SYNC_PREVIEW })).batches;
  assert.deepEqual(next.flatMap((/** @type {any} */ b) => b.deletions), [absorbed], "the absorbed id is deleted on the server");
  const upserts = next.flatMap((/** @type {any} */ b) => b.upserts);
  assert.deepEqual(upserts.map((/** @type {any} */ u) => [u.id, u.receivedCount]), [[merged.contactId, 3]], "the merged record, counts added up");

  const split = await w.handle({ type: MSG.SPLIT, contactId: merged.contactId, handleKey: merged.contact.handles[1].key });
  assert.ok(split.contact, "the handle split off is a contact of its own");
  assert.deepEqual(w.alarms, [SOON_ALARM, SOON_ALARM], "each change sets the alarm again");
});

test("search finds a contact by any handle, phone however spaced, or address", () => {
  const c = /** @type {any} */ ({
    name: "Rosa Diaz", phones: ["+447700900123"], emails: ["rosa.diaz@example.org"],
    handles: [
      { key: "email:rosa.diaz@example.org", name: "Rosa Diaz", sources: ["email"], lastInteractionAt: null },
      { key: "linkedin:https://www.linkedin.com/in/rosa-diaz-7", name: "Rosa D.", sources: ["linkedin"], lastInteractionAt: null },
    ],
  });
  for (const q of ["rosa", "rosa d.", "rosa-diaz-7", "example.org", "+44 7700 900123", "7700 900", "447700"]) assert.ok(matches(c, q), q);
  for (const q of ["linkedin:", "email:", "ann", "900 7700", "99"]) assert.ok(!matches(c, q), q);
});
