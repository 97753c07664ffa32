// @ts-check
// The version 2 steps of extension/background/sync.js, in Node with its injected seams and a
// scripted server: what a device does on `key_mismatch` and `device_forgotten`, that an
// unchanged state is neither published again nor another device's fetched again, and that a
// changed one is. The e2e suite (tests/e2e/devices.test.js) runs the same module against the
// real kith-server. `node --test tests/js/sync-devices.test.js`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSync } from "../../extension/background/sync.js";
import { checkServerUrl } from "../../extension/lib/messages.js";
import { keyCheck, newKeyText, pack, parseKeyText, seal, sha256Hex } from "../../extension/lib/sealed.js";

const SERVER = "https://kith.example";

/** @param {number} status @param {unknown} body */
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * One device's sync module against a scripted account: `others` are the other devices listed,
 * each with its sealed chunks; `register` answers the device's PUT.
 * @param {{ syncKey?: string, others?: Array<{ deviceId: string, name: string, generation: number, chunks: Uint8Array[] }>, register?: () => Response, state?: () => Uint8Array }} setup
 */
function world(setup) {
  /** @type {Map<string, unknown>} */
  const store = new Map();
  const db = {
    /** @param {string} key */
    get: async (key) => structuredClone(store.get(key)),
    /** @param {string} key @param {unknown} value */
    put: async (key, value) => void store.set(key, structuredClone(value)),
  };
  /** @type {string[]} */
  const requests = [];
  /** @type {Map<string, { generation: number, sha256: string, chunks: number }>} */
  const committed = new Map();
  /** @type {Map<string, Uint8Array>} */
  const uploaded = new Map();
  /** @type {Array<Map<string, unknown>>} */
  const remoteViews = [];
  const engine = {
    // One record to send, so that the server's records are worth reading first.
    syncChanges: () => ({ upserts: [], deletions: ["c0123456789abcdef"] }),
    acknowledgeSync: () => {},
    resetSync: () => {},
    deviceState: setup.state ?? (() => new TextEncoder().encode("own state v1")),
  };
  const sync = createSync({
    engine: () => /** @type {any} */ (engine),
    remotesChanged: (remotes) => remoteViews.push(remotes),
    persist: async () => {},
    db: /** @type {any} */ (db),
    checkServerUrl,
    alarms: { create: () => true, clear: () => true },
    fetch: async (url, init = {}) => {
      const path = new URL(String(url)).pathname;
      requests.push(`${init.method} ${path}`);
      const me = /** @type {{ deviceId: string }} */ (store.get("sync-settings")).deviceId;
      if (path === "/v2/devices" && init.method === "GET") {
        const mine = committed.get(me);
        const listed = (setup.others ?? []).map((d) => ({ deviceId: d.deviceId, name: d.name, createdAt: 1, lastSeenAt: 1, generation: d.generation, chunks: d.chunks.length, bytes: 1, sha256: "", updatedAt: 1 }));
        for (const d of listed) {
          const other = /** @type {NonNullable<typeof setup.others>} */ (setup.others).find((o) => o.deviceId === d.deviceId);
          d.sha256 = await sha256Hex(Buffer.concat(/** @type {NonNullable<typeof other>} */ (other).chunks));
        }
        if (me) listed.push({ deviceId: me, name: "me", createdAt: 1, lastSeenAt: 1, generation: mine?.generation ?? 0, chunks: mine?.chunks ?? 0, bytes: 1, sha256: mine?.sha256 ?? "", updatedAt: 1 });
        return json(200, { devices: listed });
      }
      const chunk = path.match(/^\/v2\/devices\/([^/]+)\/state\/(\d+)\/(\d+)$/);
      if (chunk && init.method === "GET") {
        const other = (setup.others ?? []).find((d) => d.deviceId === chunk[1]);
        const bytes = other?.chunks[Number(chunk[3])];
        return new Response(bytes ? /** @type {Uint8Array<ArrayBuffer>} */ (bytes) : null, { status: other ? 200 : 404 });
      }
      if (chunk && init.method === "PUT") {
        uploaded.set(`${chunk[2]}/${chunk[3]}`, /** @type {Uint8Array} */ (init.body));
        return new Response(null, { status: 204 });
      }
      const commit = path.match(/^\/v2\/devices\/([^/]+)\/state\/(\d+)\/commit$/);
      if (commit) {
        const { chunks, sha256 } = JSON.parse(String(init.body));
        committed.set(commit[1], { generation: Number(commit[2]), sha256, chunks });
        return json(200, {});
      }
      if (path.startsWith("/v2/devices/") && init.method === "PUT") return setup.register ? setup.register() : json(200, {});
      if (path === "/v1/sync/pull") return json(200, { changes: [], cursor: "0/", more: false });
      if (path === "/v1/sync/push") return json(200, { upserted: 0, deleted: 1, version: 1, replayed: false });
      throw new Error(`unexpected ${init.method} ${path}`);
    },
    newKey: () => "device-0000-0001",
    random: () => 0,
  });
  store.set("sync-settings", { serverUrl: SERVER, token: "kith_token", enabled: true, periodicMinutes: 0, syncKey: setup.syncKey });
  return { sync, store, requests, committed, uploaded, remoteViews };
}

test("a key the account does not use stops the sync by name, before anything is published", async () => {
  const w = world({ syncKey: newKeyText(), register: () => json(409, { error: { code: "key_mismatch", message: "…" } }) });
  await assert.rejects(w.sync.syncNow(), { name: "SyncKeyMismatch", message: /Enter the key shown under Devices/ });
  assert.ok(!w.requests.some((r) => r.includes("/state/")), w.requests.join("\n"));
  assert.equal((await w.sync.status()).state, "error");
});

test("a device another device forgot is told so, and publishes nothing", async () => {
  const w = world({ syncKey: newKeyText(), register: () => json(410, { error: { code: "device_forgotten", message: "…" } }) });
  await assert.rejects(w.sync.syncNow(), { name: "DeviceForgotten", message: /removed from the account on another device/ });
  assert.ok(!w.requests.some((r) => r.includes("/state/")));
});

test("another device's state is read once per generation, and this device's published once per change", async () => {
  const keyText = newKeyText();
  const key = parseKeyText(keyText);
  const theirs = new TextEncoder().encode("their state");
  const other = { deviceId: "laptop-0000-0001", name: "Laptop", generation: 3, chunks: [await seal(key, await pack(theirs), "laptop-0000-0001", 3)] };
  let state = new TextEncoder().encode("own state v1");
  const w = world({ syncKey: keyText, others: [other], state: () => state });

  assert.equal((await w.sync.syncNow()).state, "done");
  assert.equal(w.remoteViews.length, 1, "the view took the other device's state");
  assert.deepEqual(/** @type {any} */ (w.remoteViews[0].get("laptop-0000-0001")).state, theirs);
  assert.equal(w.committed.get("device-0000-0001")?.generation, 1, "this device's state was published");
  assert.ok(w.requests.includes("GET /v1/sync/pull"), "with another device listed, the server's records are read for equals");

  w.requests.length = 0;
  assert.equal((await w.sync.syncNow()).state, "done");
  assert.deepEqual(w.requests.filter((r) => r.includes("/state/")), [], "nothing read or published again");
  assert.equal(w.remoteViews.length, 1);

  state = new TextEncoder().encode("own state v2");
  other.generation = 4;
  other.chunks = [await seal(key, await pack(new TextEncoder().encode("their state v2")), "laptop-0000-0001", 4)];
  assert.equal((await w.sync.syncNow()).state, "done");
  assert.equal(w.committed.get("device-0000-0001")?.generation, 2, "a changed state is published as the next generation");
  assert.equal(w.remoteViews.length, 2, "a newer generation of the other device is read");
  assert.equal(await keyCheck(key), await keyCheck(parseKeyText(keyText)));
});

test("a state sealed with another key leaves the view as it was and says why", async () => {
  const wrong = parseKeyText(newKeyText());
  const other = { deviceId: "laptop-0000-0001", name: "Laptop", generation: 1, chunks: [await seal(wrong, await pack(Uint8Array.of(1)), "laptop-0000-0001", 1)] };
  const w = world({ syncKey: newKeyText(), others: [other] });
  await assert.rejects(w.sync.syncNow(), { name: "SealedStateUnreadable" });
  assert.equal(w.remoteViews.length, 0);
  assert.equal(w.committed.size, 0, "nothing published while another device cannot be read");
});
