// @ts-check
// The sync queue of extension/background/sync.js, in Node with its injected seams (fetch,
// IndexedDB, alarms, the engine): `node --test tests/js/sync-queue.test.js`.
// What a server's answer does to the queue: a refused batch (4xx) leaves it and is recorded in
// the ledger while the rest is sent; 401 keeps it and asks for a token; 408/429/5xx and network
// errors keep it and retry later (Retry-After respected); turning sync off mid-drain sends
// nothing more. The e2e suite runs the same module against the real kith-server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesAtMost, createSync, PERIODIC_ALARM, RETRY_ALARM } from "../../extension/background/sync.js";
import { checkServerUrl } from "../../extension/lib/messages.js";

const SERVER = "https://kith.example";
/** A value that must never reach the ledger, even when a server echoes it. */
const CANARY = "Zelda Canary-7731";

/** @returns {import("../../pkg/kith.js").SyncContact} */
function record(id = "c0123456789abcdef", name = CANARY) {
  return {
    id, name, phones: ["+447700900123"], emails: [], sources: ["whatsapp"], lastSentAt: "2024-03-05T14:07:00Z",
    lastReceivedAt: null, lastInteractionAt: null, sentCount: 1, receivedCount: 0, groupMessageCount: 0, cadenceDays: null,
  };
}

/**
 * A world for one sync module: an in-memory IndexedDB, alarms that are only recorded, an engine
 * holding fixed changes, and a server scripted one answer per request.
 * @param {Array<(init: RequestInit, call: number) => Promise<Response> | Response>} answers
 * @param {{ upserts: ReturnType<typeof record>[], deletions: string[] }} [changes]
 */
function world(answers, changes = { upserts: [record()], deletions: ["cdeleted00000000"] }) {
  /** @type {Map<string, unknown>} */
  const store = new Map();
  const db = {
    /** @param {string} key */
    get: async (key) => structuredClone(store.get(key)),
    /** @param {string} key @param {unknown} value */
    put: async (key, value) => void store.set(key, structuredClone(value)),
    clear: async () => store.clear(),
    dump: async () => [...store.entries()].map(([k, v]) => [k, structuredClone(v)]),
  };
  /** @type {Array<{ name: string, info: { delayInMinutes?: number, periodInMinutes?: number } }>} */
  const alarms = [];
  /** @type {Array<{ url: string, body: any }>} */
  const requests = [];
  /** @type {unknown[]} */
  const acknowledged = [];
  const engine = {
    syncChanges: () => structuredClone(changes),
    /** @param {unknown} batch */
    acknowledgeSync: (batch) => void acknowledged.push(batch),
    resetSync: () => {},
  };
  let keys = 0;
  const sync = createSync({
    engine: () => /** @type {any} */ (engine),
    persist: async () => {},
    db: /** @type {any} */ (db),
    checkServerUrl,
    alarms: { create: (name, info) => alarms.push({ name, info }), clear: () => true },
    fetch: async (url, init = {}) => {
      // The scripted answers are for pushes. Around them this is a version 1 server: no
      // device endpoints (sync goes on with records only), and a record feed that is empty.
      const path = new URL(String(url)).pathname;
      if (path.startsWith("/v2/")) return new Response(JSON.stringify({ error: { code: "not_found", message: "Not found." } }), { status: 404 });
      if (path === "/v1/sync/pull") return new Response(JSON.stringify({ changes: [], cursor: "0/", more: false }), { status: 200 });
      requests.push({ url: String(url), body: JSON.parse(String(init.body)) });
      const answer = answers[requests.length - 1];
      if (!answer) throw new Error(`unexpected request ${requests.length}`);
      return answer(init, requests.length);
    },
    newKey: () => `key-${String(++keys).padStart(8, "0")}`,
    random: () => 0,
  });
  store.set("sync-settings", { serverUrl: SERVER, token: "kith_token", enabled: true, periodicMinutes: 0 });
  return { sync, store, alarms, requests, acknowledged, queue: () => /** @type {any[]} */ (store.get("sync-queue") ?? []) };
}

/** @param {number} status @param {unknown} [body] @param {Record<string, string>} [headers] */
const reply = (status, body = {}, headers = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const ok = reply(200, { replayed: false });

test("a batch the server refuses (400) leaves the queue, is ledgered with the reason, and the next batch is sent", async () => {
  const refusal = { error: { code: "invalid", message: `upserts[0].name: invalid type: string "${CANARY}", expected 1 to 200 characters` } };
  const w = world([reply(400, refusal), ok]);
  const result = await w.sync.syncNow();
  assert.equal(w.requests.length, 2, "the next batch is sent");
  assert.deepEqual(w.requests[1].body.deletions, ["cdeleted00000000"]);
  assert.deepEqual(w.queue(), [], "the refused batch left the queue");
  assert.equal(w.acknowledged.length, 1, "only the accepted batch is acknowledged: the refused contact stays unsynced");
  assert.equal(result.state, "done");
  assert.equal(result.refused, 1);
  const ledger = await w.sync.ledger();
  const refused = ledger.find((e) => e.refused);
  assert.ok(refused, JSON.stringify(ledger));
  assert.equal(refused.ok, false);
  assert.equal(refused.status, 400);
  assert.equal(refused.code, "invalid");
  assert.equal(refused.batchKey, "key-00000001");
  assert.equal(refused.upserts, 1);
  assert.match(refused.reason, /^upserts\[0\]\.name: invalid type: string/);
  for (const entry of ledger.filter((e) => !e.ok)) {
    assert.ok(!JSON.stringify(entry).includes(CANARY), `no contact value in a refused entry: ${JSON.stringify(entry)}`);
  }
  // The positive control: the accepted batch's entry shows what was sent, so the check above can fail.
  assert.ok(ledger.some((e) => e.ok && e.payload));
});

test("every 4xx but 401, 408 and 429 is a refusal that does not stop the queue", async () => {
  for (const status of [403, 404, 413, 415, 422]) {
    const w = world([reply(status, { error: { code: "nope", message: "No." } }), ok]);
    const result = await w.sync.syncNow();
    assert.equal(w.requests.length, 2, `${status}`);
    assert.deepEqual(w.queue(), [], `${status}`);
    assert.equal(result.refused, 1, `${status}`);
    assert.ok(!w.alarms.some((a) => a.name === RETRY_ALARM), `${status}: no retry`);
  }
});

test("401 keeps the queue and asks for a new token", async () => {
  const w = world([reply(401, { error: { code: "unauthorized", message: "This token is not valid." } })]);
  await assert.rejects(w.sync.syncNow(), (e) => e instanceof Error && e.name === "SyncRejected");
  assert.equal(w.requests.length, 1, "nothing more is sent");
  assert.equal(w.queue().length, 2, "both batches wait for a new token");
  const status = await w.sync.status();
  assert.equal(status.state, "error");
  assert.match(status.message, /token/);
  assert.ok(!w.alarms.some((a) => a.name === RETRY_ALARM), "a bad token is not retried on its own");
});

test("429 with Retry-After keeps the queue and retries no sooner than asked", async () => {
  const w = world([reply(429, { error: { code: "rate_limited", message: "Too many requests." } }, { "retry-after": "300" }), ok, ok]);
  const waiting = await w.sync.syncNow();
  assert.equal(waiting.state, "waiting");
  assert.equal(w.requests.length, 1);
  assert.equal(w.queue().length, 2, "nothing was dropped");
  assert.equal(w.queue()[0].attempts, 1);
  const retry = w.alarms.filter((a) => a.name === RETRY_ALARM);
  assert.equal(retry.length, 1);
  assert.equal(retry[0].info.delayInMinutes, 5, "Retry-After: 300 is a floor over the 15-30 s backoff");
  await w.sync.onAlarm(RETRY_ALARM);
  assert.equal(w.requests.length, 3, "the retry sends the same two batches");
  assert.equal(w.requests[1].body.batchKey, w.requests[0].body.batchKey, "under the same key");
  assert.deepEqual(w.queue(), []);
  assert.deepEqual((await w.sync.ledger()).filter((e) => !e.ok), [], "a rate limit is not a refusal");
});

test("408, 5xx and network errors keep the queue and retry with backoff", async () => {
  /** @type {Array<() => Promise<Response> | Response>} */
  const failures = [reply(408), reply(500), reply(503), () => Promise.reject(new TypeError("Failed to fetch"))];
  for (const failure of failures) {
    const w = world([failure]);
    const result = await w.sync.syncNow();
    assert.equal(result.state, "waiting");
    assert.equal(w.queue().length, 2);
    assert.equal(w.alarms.filter((a) => a.name === RETRY_ALARM)[0]?.info.delayInMinutes, 0.5, "30 s, Chrome's shortest alarm");
  }
});

test("turning sync off mid-drain aborts the request and sends nothing more", async () => {
  /** @type {ReturnType<typeof world>} */
  let w;
  const turnOffWhileInFlight = /** @param {RequestInit} init */ async (init) => {
    const aborted = new Promise((_, reject) =>
      init.signal?.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" }))));
    await w.sync.setSettings({ serverUrl: SERVER, token: "", enabled: false, periodicMinutes: 0 });
    return /** @type {Promise<Response>} */ (aborted);
  };
  w = world([turnOffWhileInFlight]);
  await w.sync.syncNow();
  assert.equal(w.requests.length, 1);
  assert.deepEqual(w.queue(), [], "the queue is dropped");
  assert.equal((await w.sync.status()).state, "off");
  await w.sync.onAlarm(RETRY_ALARM);
  await w.sync.onAlarm(PERIODIC_ALARM);
  assert.equal(w.requests.length, 1, "alarms that fire later send nothing");
});

test("turning sync off while a request succeeds sends nothing more and leaves no queue behind", async () => {
  /** @type {ReturnType<typeof world>} */
  let w;
  const turnOffThenAnswer = async () => {
    await w.sync.setSettings({ serverUrl: SERVER, token: "", enabled: false, periodicMinutes: 0 });
    return ok();
  };
  w = world([turnOffThenAnswer]);
  await w.sync.syncNow();
  assert.equal(w.requests.length, 1);
  assert.deepEqual(w.queue(), [], "the drain does not write back a queue that turning off dropped");
  assert.equal((await w.sync.status()).state, "off");
  await w.sync.onAlarm(RETRY_ALARM);
  assert.equal(w.requests.length, 1);
});

test("a refusal's reason keeps the server's words and blanks any value of the batch", async () => {
  const { refusalOf } = await import("../../extension/background/sync.js");
  const batch = { batchKey: "key-00000001", upserts: [record("c0123456789abcdef", CANARY)], deletions: ["cdeleted00000000"] };
  const unquoted = refusalOf({ error: { code: "invalid", message: `upserts[0].name: ${CANARY} is too long; +447700900123 too` } }, batch);
  assert.deepEqual(unquoted, { code: "invalid", reason: "upserts[0].name: … is too long; … too" });
  assert.deepEqual(refusalOf({ error: { code: { x: 1 }, message: 7 } }, batch), { code: null, reason: "" });
  assert.deepEqual(refusalOf("not json", batch), { code: null, reason: "" });
  assert.equal(refusalOf({ error: { code: "invalid", message: "x".repeat(1000) } }, batch).reason.length, 300);
});

test("batches hold at most 1,000 records and stay under the server's body limit however long the records", async () => {
  const long = Array.from({ length: 2500 }, (_, i) => ({
    ...record(`c${String(i).padStart(16, "0")}`, `Ünïcödé ${"名".repeat(150)} ${i}`),
    emails: Array.from({ length: 20 }, (_, j) => `${"x".repeat(200)}.${j}@example.com`),
  }));
  const short = Array.from({ length: 2500 }, (_, i) => record(`s${String(i).padStart(16, "0")}`, `Person ${i}`));
  for (const upserts of [long, short]) {
    const w = world([], { upserts, deletions: [] });
    const { batches } = await w.sync.preview();
    assert.deepEqual(batches.flatMap((b) => b.upserts.map((c) => c.id)), upserts.map((c) => c.id), "every record once, in order");
    for (const b of batches) {
      assert.ok(b.upserts.length <= 1000);
      assert.ok(Buffer.byteLength(JSON.stringify(b)) < 1024 * 1024, `${Buffer.byteLength(JSON.stringify(b))} bytes`);
    }
    if (upserts === short) assert.equal(batches.length, 3, "short records go 1,000 to a batch");
  }
});

test("bytesAtMost bounds a record's JSON in bytes, for the largest and the most escaped records", () => {
  const widest = {
    id: "c".repeat(64), name: "\u0001\"\\名😀".repeat(40), phones: Array.from({ length: 20 }, () => "+123456789012345"),
    emails: Array.from({ length: 20 }, () => `${"\u0002".repeat(60)}@example.com`), sources: Array.from({ length: 20 }, () => "instagram"),
    lastSentAt: "2099-12-31T23:59:59Z", lastReceivedAt: "2099-12-31T23:59:59Z", lastInteractionAt: "2099-12-31T23:59:59Z",
    sentCount: 4294967295, receivedCount: 4294967295, groupMessageCount: 4294967295, cadenceDays: 36499.123456789,
  };
  for (const r of [widest, record(), record("c1", "")]) {
    assert.ok(Buffer.byteLength(JSON.stringify(r)) + 1 <= bytesAtMost(/** @type {any} */ (r)), `${Buffer.byteLength(JSON.stringify(r))} > ${bytesAtMost(/** @type {any} */ (r))}`);
  }
});
