// @ts-check
// Sync: the one way out (privacy invariant P3). This is the only module of the extension that
// talks to the network, and only to the server origin the user configured. What it sends is
// built by the core's one payload builder (`Kith.syncChanges`, from the `SyncContact`
// allowlist); this module only cuts it into batches, gives each a key, and delivers them.
//
// Delivery: batches wait in an IndexedDB queue that survives the worker being stopped. Each
// has a client-generated key, so sending it again after an unknown outcome changes nothing on
// the server. Failures are retried with exponential backoff and jitter through chrome.alarms.
// Turning sync off drops the queue, aborts the request in flight, and stops.
//
// What an answer does to the queue:
// - 2xx: the batch is acknowledged and leaves the queue.
// - 408, 429, 5xx, no answer: the queue waits and is retried (Retry-After is a floor).
// - 401: the queue waits for a new token; nothing is retried on its own.
// - any other 4xx: the server will never take this batch as it is, so waiting would block every
//   batch behind it for good. It leaves the queue, the ledger records it as refused with the
//   server's code and reason (never a contact's values), and the rest is sent. Its contacts are
//   not acknowledged, so the next sync builds them again.
//
// Several devices on one account (protocol version 2, docs/sync-protocol.md): before records
// are pushed, the device registers, reads every other device's sealed state (its own
// knowledge, opened with the account sync key), and publishes its own when it changed. Records
// are then computed from the union, so two devices push the same record and nothing
// flip-flops. A device that cannot read every other device's state pushes nothing, and says why.

import { chunks, concat, keyCheck, keyText, newKeyText, open, pack, parseKeyText, seal, sha256Hex, unpack } from "../lib/sealed.js";

/** The server's limit on records per batch (`MAX_BATCH_ITEMS` in src/sync.rs). */
export const BATCH_SIZE = 1000;
/** Under the server's 1 MiB body limit, with room for the batch's key and brackets. */
export const BATCH_BYTES = 1_000_000;

/**
 * At most how many bytes a record takes in a batch's JSON, without writing it: its free text
 * (name, phones, emails) at 6 bytes a UTF-16 unit (a `\uXXXX` escape, the worst case), and
 * the rest, which the schema bounds (an id of 64, three times, four numbers, 20 sources,
 * the field names), at 700.
 * @param {SyncBatch["upserts"][number]} record
 */
export function bytesAtMost(record) {
  let text = record.name.length;
  for (const v of record.phones) text += v.length + 3;
  for (const v of record.emails) text += v.length + 3;
  return 6 * text + 700;
}
export const RETRY_ALARM = "kith-sync-retry";
export const PERIODIC_ALARM = "kith-sync-periodic";
/** A sync soon after the user changed something (a merge, a correction, an import). */
export const SOON_ALARM = "kith-sync-soon";
/** How long after the last change: a burst of edits goes out as one sync (Chrome's shortest alarm). */
export const SOON_MINUTES = 0.5;
const LEDGER_LIMIT = 200;
/** Batches between two stores of what they did (acknowledgements, queue, ledger) during a drain. */
const PERSIST_EVERY = 5;
/** The name a device shows on the account until the user gives it one. */
export const DEFAULT_DEVICE_NAME = "kith in Chromium";

/** @typedef {import("../pkg/kith.js").SyncBatch} SyncBatch */
/**
 * `syncKey` (the account sync key, as text), `deviceId` and `deviceName` are version 2's; a
 * device that has none makes its id at its first sync.
 * @typedef {{ serverUrl: string, token: string, enabled: boolean, periodicMinutes: number, syncKey?: string, deviceId?: string, deviceName?: string }} SyncSettings
 */
/** @typedef {{ deviceId: string, name: string, createdAt: number, lastSeenAt: number, generation: number, chunks: number | null, bytes: number | null, sha256: string | null, updatedAt: number | null }} DeviceInfo */
/** Another device's state as last read: opened, so the view can absorb it. @typedef {{ name: string, generation: number, sha256: string, state: Uint8Array }} RemoteState */
/** @typedef {{ batch: SyncBatch, attempts: number }} QueueItem */
/** @typedef {{ state: "idle" | "syncing" | "done" | "waiting" | "error" | "off", sent: number, total: number, refused: number, message: string }} SyncStatus */

/** JSON with keys sorted, so two equal records compare equal whatever their key order. @param {unknown} v @returns {string} */
export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const o = /** @type {Record<string, unknown>} */ (v);
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** @param {string} name @param {string} message */
const failure = (name, message) => Object.assign(new Error(message), { name });

/** Whether an answer means "try again later" rather than "never like this". @param {number} status */
const isTransient = (status) => status === 408 || status === 429 || status >= 500;

/**
 * Why the server turned a batch away, fit for the ledger: the error code it sent, and its
 * message with every double-quoted part and every value the batch carries blanked (a server may echo
 * what it refused; the ledger must not keep a contact's values), cut to 300 characters.
 * @param {unknown} reply the parsed body, `{ error: { code, message } }` from kith-server
 * @param {SyncBatch} batch
 * @returns {{ code: string | null, reason: string }}
 */
export function refusalOf(reply, batch) {
  const error = /** @type {{ error?: { code?: unknown, message?: unknown } } | null} */ (reply)?.error;
  const code = typeof error?.code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(error.code) ? error.code : null;
  let reason = typeof error?.message === "string" ? error.message : "";
  // A double-quoted part is how serde (and most servers) quote a value they echo.
  reason = reason.replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
  /** @type {string[]} */
  const values = [...batch.deletions];
  for (const contact of batch.upserts) {
    for (const v of Object.values(contact)) values.push(...(Array.isArray(v) ? v : [v]).filter((x) => typeof x === "string"));
  }
  // Longest first, so a value is not left half-blanked by a shorter one inside it.
  for (const value of values.filter((v) => v.trim().length >= 3).sort((a, b) => b.length - a.length)) {
    reason = reason.replaceAll(value, "…");
  }
  return { code, reason: reason.slice(0, 300) };
}

/**
 * @param {{
 *   engine: () => import("../pkg/kith.js").Kith,
 *   own?: () => import("../pkg/kith.js").Kith,
 *   remotesChanged?: (remotes: Map<string, RemoteState>) => void,
 *   persist: () => Promise<void>,
 *   db: typeof import("../lib/db.js"),
 *   checkServerUrl: typeof import("../lib/messages.js").checkServerUrl,
 *   alarms: { create: (name: string, info: { delayInMinutes?: number, periodInMinutes?: number }) => unknown, clear: (name: string) => unknown },
 *   fetch: typeof fetch,
 *   newKey: () => string,
 *   random?: () => number,
 * }} deps
 */
export function createSync(deps) {
  const random = deps.random ?? Math.random;
  const own = deps.own ?? deps.engine;
  /** @type {SyncStatus} */
  let status = { state: "idle", sent: 0, total: 0, refused: 0, message: "" };
  /** @type {Promise<SyncStatus> | null} */
  let running = null;
  /** The requests on their way. @type {Set<AbortController>} */
  const inflight = new Set();
  /** Counts calls of stop(): a drain that sees it change leaves the (dropped) queue alone. */
  let generation = 0;
  /** Failed attempts at reading and publishing device states, for the backoff. */
  let deviceAttempts = 0;
  /** Whether the last look at the account found other devices (whose records may equal ours). */
  let othersListed = false;

  /** @returns {Promise<SyncSettings>} */
  async function settings() {
    return (await deps.db.get("sync-settings")) ?? { serverUrl: "", token: "", enabled: false, periodicMinutes: 0 };
  }

  /** @returns {Promise<QueueItem[]>} */
  async function queue() {
    return (await deps.db.get("sync-queue")) ?? [];
  }

  /**
   * Cuts the changes into batches of at most BATCH_SIZE records and BATCH_BYTES of JSON, each
   * with a fresh key. Fewer, larger batches make a first sync faster (each batch is a request
   * and a transaction); the byte cap keeps a batch of unusually long records under the
   * server's body limit.
   * @param {import("../pkg/kith.js").SyncChanges} changes
   */
  function split(changes) {
    /** @type {SyncBatch[]} */
    const batches = [];
    /** @type {SyncBatch["upserts"]} */
    let upserts = [];
    let bytes = 0;
    for (const record of changes.upserts) {
      const size = bytesAtMost(record);
      if (upserts.length && (upserts.length === BATCH_SIZE || bytes + size > BATCH_BYTES)) {
        batches.push({ batchKey: deps.newKey(), upserts, deletions: [] });
        upserts = [];
        bytes = 0;
      }
      upserts.push(record);
      bytes += size;
    }
    if (upserts.length) batches.push({ batchKey: deps.newKey(), upserts, deletions: [] });
    for (let i = 0; i < changes.deletions.length; i += BATCH_SIZE) {
      batches.push({ batchKey: deps.newKey(), upserts: [], deletions: changes.deletions.slice(i, i + BATCH_SIZE) });
    }
    return batches;
  }

  /** Stops everything: no queue, no alarms, the request in flight aborted. */
  async function stop() {
    generation++;
    for (const request of inflight) request.abort();
    await deps.db.put("sync-queue", []);
    await deps.alarms.clear(RETRY_ALARM);
    await deps.alarms.clear(PERIODIC_ALARM);
    await deps.alarms.clear(SOON_ALARM);
  }

  /**
   * Asks for a sync shortly after a change, when sync is on: the alarm is set again by each
   * change, so a burst of edits is sent once. An alarm, not a timer, so it fires even if MV3
   * stops the worker in between. While batches wait for a retry, their backoff is left alone.
   */
  async function schedule() {
    const s = await settings();
    if (!s.enabled || !s.serverUrl || !s.token || (await queue()).length) return;
    await deps.alarms.create(SOON_ALARM, { delayInMinutes: SOON_MINUTES });
  }

  /** @param {SyncSettings} next */
  async function setSettings(next) {
    const previous = await settings();
    const checked = next.serverUrl ? deps.checkServerUrl(next.serverUrl) : { base: "", origin: "" };
    if ("error" in checked) throw failure("InvalidServer", checked.error);
    // An empty token keeps the saved one for the same server: the page never sees it again.
    const token = next.token.trim() || (checked.base === previous.serverUrl ? previous.token : "");
    if (next.enabled && (!checked.base || !token)) throw failure("InvalidServer", "Set the server address and your token before turning sync on.");
    const sameServer = checked.base === previous.serverUrl;
    /** @type {SyncSettings} */
    const saved = {
      serverUrl: checked.base,
      token,
      enabled: next.enabled,
      periodicMinutes: next.periodicMinutes,
      // The sync key belongs to the account on that server, and so does this device's place on it.
      ...(sameServer ? { syncKey: previous.syncKey, deviceId: previous.deviceId } : {}),
      deviceName: previous.deviceName,
    };
    if (!sameServer || saved.token !== previous.token) {
      // Another server (or account) has acknowledged nothing yet: send everything there.
      deps.engine().resetSync();
      if (own() !== deps.engine()) own().resetSync();
      await deps.persist();
    }
    if (!sameServer) {
      await deps.db.put("own-state", undefined);
      await deps.db.put("remote-states", {});
      deps.remotesChanged?.(new Map());
    }
    await stop();
    await deps.db.put("sync-settings", saved);
    if (saved.enabled && saved.periodicMinutes) deps.alarms.create(PERIODIC_ALARM, { periodInMinutes: saved.periodicMinutes });
    status = saved.enabled
      ? { state: "idle", sent: 0, total: 0, refused: 0, message: "" }
      : { state: "off", sent: 0, total: 0, refused: 0, message: "Sync is off." };
    return { ...saved, token: saved.token ? "(saved)" : "" };
  }

  /** The exact batches a sync would send now (keys are drawn when they are queued). */
  async function preview() {
    const changes = deps.engine().syncChanges();
    return {
      batches: split(changes).map((b) => ({ ...b, batchKey: "(drawn when sent)" })),
      queued: (await queue()).length,
      warnings: changes.warnings ?? [],
    };
  }

  /** Adds entries to the ledger, newest first. @param {Record<string, unknown>[]} entries in the order they happened */
  async function record(...entries) {
    /** @type {Record<string, unknown>[]} */
    const ledger = (await deps.db.get("sync-ledger")) ?? [];
    ledger.unshift(...entries.reverse());
    await deps.db.put("sync-ledger", ledger.slice(0, LEDGER_LIMIT));
  }

  /** @param {QueueItem[]} items @param {string} message @param {number} [retryAfterSeconds] @returns {Promise<SyncStatus>} */
  async function retryLater(items, message, retryAfterSeconds) {
    // Before a queue is built (reading other devices) the attempts are counted apart.
    const attempts = (items.length ? items[0].attempts : deviceAttempts) + 1;
    if (items.length) {
      items[0] = { ...items[0], attempts };
      await deps.db.put("sync-queue", items);
    } else {
      deviceAttempts = attempts;
    }
    // Exponential backoff from 30 s (Chrome's shortest alarm) to an hour, with jitter so many
    // clients do not return at once; a server's Retry-After is respected as a floor.
    const backoff = Math.min(30 * 2 ** (attempts - 1), 3600) * (0.5 + random());
    const seconds = Math.max(backoff, retryAfterSeconds ?? 0, 30);
    deps.alarms.create(RETRY_ALARM, { delayInMinutes: seconds / 60 });
    status = { ...status, state: "waiting", message: `${message} kith will try again in about ${Math.round(seconds / 60) || 1} minute(s).` };
    return status;
  }

  /** Sends the queued batches in order; builds a new queue from the engine when it is empty. @param {boolean} build */
  async function drain(build) {
    const s = await settings();
    if (!s.enabled || !s.serverUrl || !s.token) {
      status = { state: "off", sent: 0, total: 0, refused: 0, message: "Sync is off. Turn it on in Options." };
      throw failure("SyncOff", status.message);
    }
    const started = generation;
    let items = await queue();
    /** @type {Promise<Error | null>} */
    let publishing = Promise.resolve(null);
    if (items.length === 0 && build) {
      status = { state: "syncing", sent: 0, total: 0, refused: 0, message: "Reading your other devices…" };
      let publishOwn;
      try {
        publishOwn = await devices(s, started);
      } catch (e) {
        return deviceFailure(/** @type {Error} */ (e), items, started, "");
      }
      if (publishOwn === false || started !== generation) return status;
      // Caught here and looked at once the records are sent.
      if (publishOwn) publishing = publishOwn().then(() => null, (/** @type {Error} */ e) => e);
      // Another device may have pushed records equal to this one's: those are not sent again.
      const changes = othersListed ? await adoptServerRecords(s, started) : deps.engine().syncChanges();
      if (started !== generation) return status;
      items = split(changes).map((batch) => ({ batch, attempts: 0 }));
      await deps.db.put("sync-queue", items);
    }
    const total = items.reduce((n, i) => n + i.batch.upserts.length + i.batch.deletions.length, 0);
    status = { state: "syncing", sent: 0, total, refused: 0, message: "" };
    let sent = 0;
    let refused = 0;
    // What the last batches did (the acknowledgements, the shorter queue, ledger entries) is
    // stored every few batches and when the drain ends, not after each: rewriting the state,
    // the queue and the ledger was most of a batch's time at 10,000 contacts. A worker stopped
    // in between only means those batches are sent again under their keys: the server answers
    // "replayed" and nothing changes.
    let unsaved = 0;
    /** @type {Record<string, unknown>[]} */
    let ledgered = [];
    async function flush() {
      if (unsaved) await deps.persist();
      // Turned off meanwhile: the queue was dropped, and stays so.
      if (unsaved && started === generation) await deps.db.put("sync-queue", items);
      if (ledgered.length) await record(...ledgered);
      unsaved = 0;
      ledgered = [];
    }
    let outcome;
    try {
      outcome = await deliver();
    } finally {
      await flush();
    }
    const unpublished = await publishing;
    if (unpublished && outcome.state === "done") return deviceFailure(unpublished, [], started, `${outcome.message} `);
    return outcome;

    async function deliver() {
      while (items.length) {
        const current = await settings();
        if (started !== generation || !current.enabled || current.serverUrl !== s.serverUrl) {
          status = { state: "off", sent, total, refused, message: "Sync was turned off." };
          return status;
        }
        const { batch } = items[0];
        let response;
        try {
          response = await request(s, "/v1/sync/push", { method: "POST", type: "application/json", body: JSON.stringify(batch) });
        } catch (e) {
          if (/** @type {Error} */ (e).name === "AbortError" || started !== generation) return status;
          return retryLater(items, "The server could not be reached.");
        }
        // Turned off (or another server set) while the request was out: the queue was dropped
        // and must stay so; nothing more is written or sent.
        if (started !== generation) return status;
        if (isTransient(response.status)) {
          return retryLater(items, `The server answered ${response.status}.`, Number(response.headers.get("retry-after")) || 0);
        }
        const reply = await response.json().catch(() => ({}));
        if (started !== generation) return status;
        const counts = { upserts: batch.upserts.length, deletions: batch.deletions.length };
        if (response.status === 401) {
          const { code, reason } = refusalOf(reply, batch);
          status = { state: "error", sent, total, refused, message: "The server refused the token. Check it in Options." };
          ledgered.push({ at: new Date().toISOString(), server: s.serverUrl, batchKey: batch.batchKey, ok: false, status: 401, code, reason, ...counts });
          throw failure("SyncRejected", status.message);
        }
        if (!response.ok) {
          const { code, reason } = refusalOf(reply, batch);
          items = items.slice(1);
          unsaved += 1;
          refused += 1;
          status = { state: "syncing", sent, total, refused, message: "" };
          ledgered.push({
            at: new Date().toISOString(),
            server: s.serverUrl,
            batchKey: batch.batchKey,
            ok: false,
            refused: true,
            status: response.status,
            code,
            reason,
            ...counts,
          });
          continue;
        }
        acknowledge(batch);
        items = items.slice(1);
        unsaved += 1;
        sent += counts.upserts + counts.deletions;
        status = { state: "syncing", sent, total, refused, message: "" };
        ledgered.push({
          at: new Date().toISOString(),
          server: s.serverUrl,
          batchKey: batch.batchKey,
          ok: true,
          replayed: Boolean(reply.replayed),
          ...counts,
          fields: batch.upserts.length ? Object.keys(batch.upserts[0]) : [],
          payload: batch,
        });
        if (unsaved >= PERSIST_EVERY) await flush();
      }
      await deps.alarms.clear(RETRY_ALARM);
      deviceAttempts = 0;
      const summary = sent ? `Synced ${sent} change(s).` : refused ? "Nothing was synced." : "Everything was already up to date.";
      const refusals = refused ? ` The server refused ${refused} batch(es); the sync ledger in Options says why, and their contacts are sent again next time.` : "";
      status = { state: "done", sent, total, refused, message: summary + refusals };
      return status;
    }
  }

  /**
   * A version 2 step failed: a transient failure is retried later, anything else is said and
   * thrown. `done` is what the sync did before it, if anything.
   * @param {Error} e @param {QueueItem[]} items @param {number} started @param {string} done
   * @returns {Promise<SyncStatus>}
   */
  async function deviceFailure(e, items, started, done) {
    if (e.name === "AbortError" || started !== generation) return status;
    if (e.name === "Transient") return retryLater(items, `${done}${e.message}`);
    status = { ...status, state: "error", message: `${done}${e.message}` };
    throw e;
  }

  /**
   * The one request site (privacy invariant P3): to the configured server only, with the
   * token, no cookies, no cache, no redirects; the request can be aborted by stop().
   * @param {SyncSettings} s @param {string} path
   * @param {{ method: string, type?: string, body?: string | Uint8Array }} init
   */
  async function request(s, path, init) {
    // Records and this device's state may be on their way at once: stop() aborts both.
    const controller = new AbortController();
    inflight.add(controller);
    try {
      /** @type {Record<string, string>} */
      const headers = { authorization: `Bearer ${s.token}` };
      if (init.type) headers["content-type"] = init.type;
      return await deps.fetch(`${s.serverUrl}${path}`, {
        method: init.method,
        headers,
        body: /** @type {string | Uint8Array<ArrayBuffer> | undefined} */ (init.body),
        signal: controller.signal,
        credentials: "omit",
        cache: "no-store",
        redirect: "error",
      });
    } finally {
      inflight.delete(controller);
    }
  }

  /**
   * A version 2 request whose failure stops this sync: transient failures are thrown as
   * `Transient` (retried with backoff), the rest by name with what the user can do.
   * @param {SyncSettings} s @param {string} path @param {{ method: string, type?: string, body?: string | Uint8Array }} init
   */
  async function deviceRequest(s, path, init) {
    let response;
    try {
      response = await request(s, path, init);
    } catch (e) {
      if (/** @type {Error} */ (e).name === "AbortError") throw e;
      throw failure("Transient", "The server could not be reached.");
    }
    if (isTransient(response.status)) throw failure("Transient", `The server answered ${response.status}.`);
    if (response.status === 401) throw failure("SyncRejected", "The server refused the token. Check it in Options.");
    return response;
  }

  /** @param {Response} response */
  const errorCode = async (response) => /** @type {{ error?: { code?: string } }} */ (await response.json().catch(() => ({}))).error?.code ?? "";

  /**
   * The devices on the account, or null when the server speaks only version 1.
   * @param {SyncSettings} s @returns {Promise<DeviceInfo[] | null>}
   */
  async function listDevices(s) {
    const response = await deviceRequest(s, "/v2/devices", { method: "GET" });
    if (response.status === 404) return null;
    if (!response.ok) throw failure("SyncRejected", `The server refused the device list (${response.status}).`);
    return (await response.json()).devices;
  }

  /**
   * Version 2, before any record is built: register this device and read every other
   * device's current state into the view. Returns how to publish this device's own knowledge
   * (null with a version 1 server, which has nowhere to keep it), or false when this sync must
   * stop here (its status says why).
   * @param {SyncSettings} s @param {number} started
   * @returns {Promise<false | null | (() => Promise<void>)>}
   */
  async function devices(s, started) {
    let { syncKey, deviceId } = s;
    othersListed = false;
    if (!syncKey) {
      const listed = await listDevices(s);
      if (listed === null) return null; // a version 1 server: records only, as before
      if (listed.some((d) => d.deviceId !== deviceId)) {
        throw failure(
          "NeedSyncKey",
          "This account already syncs from another device. Enter that device's sync key under Devices in Options, then sync again.",
        );
      }
      // The account's first device makes the key.
      syncKey = newKeyText();
    }
    deviceId ??= deps.newKey();
    if (syncKey !== s.syncKey || deviceId !== s.deviceId) await deps.db.put("sync-settings", { ...(await settings()), deviceId, syncKey });
    const key = parseKeyText(syncKey);
    const registered = await deviceRequest(s, `/v2/devices/${deviceId}`, {
      method: "PUT",
      type: "application/json",
      body: JSON.stringify({ name: s.deviceName || DEFAULT_DEVICE_NAME, keyCheck: await keyCheck(key) }),
    });
    if (registered.status === 404) return null;
    if (!registered.ok) {
      const code = await errorCode(registered);
      if (code === "key_mismatch") {
        throw failure("SyncKeyMismatch", "This device's sync key is not the one your other devices use. Enter the key shown under Devices in Options on another device.");
      }
      if (code === "device_forgotten") {
        throw failure("DeviceForgotten", "This device was removed from the account on another device. Choose Rejoin under Devices in Options to sync it again.");
      }
      throw failure("SyncRejected", `The server refused this device (${registered.status}${code ? `, ${code}` : ""}).`);
    }
    const listed = (await listDevices(s)) ?? [];
    if (started !== generation) return false;
    othersListed = listed.some((d) => d.deviceId !== deviceId);

    /** @type {Record<string, RemoteState>} */
    const remotes = (await deps.db.get("remote-states")) ?? {};
    let changed = false;
    for (const d of listed) {
      if (d.deviceId === deviceId || !d.generation || !d.chunks || !d.sha256) continue;
      const known = remotes[d.deviceId];
      if (known && known.generation === d.generation && known.sha256 === d.sha256) {
        if (known.name !== d.name) remotes[d.deviceId] = { ...known, name: d.name };
        continue;
      }
      status = { ...status, message: `Reading ${d.name}…` };
      const parts = [];
      for (let i = 0; i < d.chunks; i++) {
        const response = await deviceRequest(s, `/v2/devices/${d.deviceId}/state/${d.generation}/${i}`, { method: "GET" });
        // A newer state replaced this one while it was read: the next sync reads that.
        if (response.status === 404) throw failure("Transient", `${d.name} published a newer state meanwhile.`);
        if (!response.ok) throw failure("SyncRejected", `The server refused another device's state (${response.status}).`);
        parts.push(new Uint8Array(await response.arrayBuffer()));
      }
      const sealed = concat(parts);
      if ((await sha256Hex(sealed)) !== d.sha256) throw failure("Transient", `${d.name}'s state arrived damaged.`);
      const state = await unpack(await open(key, sealed, d.deviceId, d.generation));
      remotes[d.deviceId] = { name: d.name, generation: d.generation, sha256: d.sha256, state };
      changed = true;
    }
    // A device forgotten (or one that never published) no longer counts.
    for (const id of Object.keys(remotes)) {
      if (!listed.some((d) => d.deviceId === id && d.generation)) {
        delete remotes[id];
        changed = true;
      }
    }
    if (started !== generation) return false;
    await deps.db.put("remote-states", remotes);
    if (changed) deps.remotesChanged?.(new Map(Object.entries(remotes)));
    return () => publish(s, started, key, /** @type {string} */ (deviceId), listed);
  }

  /**
   * Publishes this device's own knowledge when it changed since its last commit. Runs while
   * the records are sent: nothing about them waits for it.
   * @param {SyncSettings} s @param {number} started @param {Uint8Array} key @param {string} deviceId @param {DeviceInfo[]} listed
   */
  async function publish(s, started, key, deviceId, listed) {
    const state = own().deviceState();
    const plainSha = await sha256Hex(state);
    const mine = listed.find((d) => d.deviceId === deviceId);
    /** @type {{ generation: number, plainSha: string } | undefined} */
    const published = await deps.db.get("own-state");
    if (published && mine && mine.generation === published.generation && published.plainSha === plainSha) return;
    const next = Math.max(mine?.generation ?? 0, published?.generation ?? 0) + 1;
    status = { ...status, message: "Publishing this device's knowledge…" };
    const sealed = await seal(key, await pack(state), deviceId, next);
    const pieces = chunks(sealed);
    for (let i = 0; i < pieces.length; i++) {
      const response = await deviceRequest(s, `/v2/devices/${deviceId}/state/${next}/${i}`, { method: "PUT", type: "application/octet-stream", body: pieces[i] });
      if (!response.ok) throw failure("SyncRejected", `The server refused this device's state (${response.status}, ${await errorCode(response)}).`);
      if (started !== generation) return;
    }
    const sha256 = await sha256Hex(sealed);
    const committed = await deviceRequest(s, `/v2/devices/${deviceId}/state/${next}/commit`, {
      method: "POST",
      type: "application/json",
      body: JSON.stringify({ chunks: pieces.length, sha256 }),
    });
    if (!committed.ok) {
      const code = await errorCode(committed);
      // "stale": this generation was committed already (an earlier try's answer was lost).
      const done = code === "stale" && (await listDevices(s))?.find((d) => d.deviceId === deviceId)?.sha256 === sha256;
      if (!done) throw failure(code === "quota_exceeded" ? "SyncRejected" : "Transient", `The server did not take this device's state (${committed.status}${code ? `, ${code}` : ""}).`);
    }
    await deps.db.put("own-state", { generation: next, plainSha });
  }

  /**
   * Records the server already holds exactly as this device would send them count as
   * acknowledged: a second device does not send 10,000 equal records again. Reads the record
   * feed from where this device last stopped. Returns what is left to send.
   * @param {SyncSettings} s @param {number} started
   * @returns {Promise<import("../pkg/kith.js").SyncChanges>}
   */
  async function adoptServerRecords(s, started) {
    const changes = deps.engine().syncChanges();
    if (!changes.upserts.length && !changes.deletions.length) return changes;
    const wanted = new Map(changes.upserts.map((c) => [c.id, canonical(c)]));
    const gone = new Set(changes.deletions);
    /** @type {{ server: string, cursor: string } | undefined} */
    const saved = await deps.db.get("sync-pull-cursor");
    let since = saved?.server === s.serverUrl ? saved.cursor : "0";
    /** @type {Map<string, SyncBatch["upserts"][number] | null>} */
    const held = new Map();
    for (;;) {
      let response;
      try {
        response = await request(s, `/v1/sync/pull?since=${encodeURIComponent(since)}&limit=1000`, { method: "GET" });
      } catch {
        return changes; // not needed to sync: the records are simply sent
      }
      if (!response.ok || started !== generation) return changes;
      /** @type {{ changes: Array<{ id: string, contact: SyncBatch["upserts"][number] | null }>, cursor: string, more: boolean }} */
      const page = await response.json();
      for (const change of page.changes) held.set(change.id, change.contact);
      since = page.cursor;
      if (!page.more) break;
    }
    const batch = { batchKey: "held-by-server", upserts: /** @type {SyncBatch["upserts"]} */ ([]), deletions: /** @type {string[]} */ ([]) };
    for (const [id, contact] of held) {
      if (contact && wanted.get(id) === canonical(contact)) batch.upserts.push(contact);
      if (!contact && gone.has(id)) batch.deletions.push(id);
    }
    await deps.db.put("sync-pull-cursor", { server: s.serverUrl, cursor: since });
    if (!batch.upserts.length && !batch.deletions.length) return changes;
    acknowledge(batch);
    await deps.persist();
    return deps.engine().syncChanges();
  }

  /** The devices on the account, for Options. */
  async function accountDevices() {
    const s = await settings();
    if (!s.serverUrl || !s.token) throw failure("SyncOff", "Set the server address and your token first.");
    const listed = await listDevices(s);
    if (listed === null) throw failure("SyncRejected", "This server syncs one device per account only (protocol version 1).");
    return { thisDevice: s.deviceId ?? null, devices: listed };
  }

  /** Forgets a device on the account: its state leaves the server and every device's view. @param {string} deviceId */
  async function forgetDevice(deviceId) {
    const s = await settings();
    if (!s.serverUrl || !s.token) throw failure("SyncOff", "Set the server address and your token first.");
    const response = await deviceRequest(s, `/v2/devices/${deviceId}`, { method: "DELETE" });
    if (!response.ok && response.status !== 404) throw failure("SyncRejected", `The server did not forget the device (${response.status}).`);
    /** @type {Record<string, RemoteState>} */
    const remotes = (await deps.db.get("remote-states")) ?? {};
    if (remotes[deviceId]) {
      delete remotes[deviceId];
      await deps.db.put("remote-states", remotes);
      deps.remotesChanged?.(new Map(Object.entries(remotes)));
    }
    if (deviceId === s.deviceId) await rejoin();
    return accountDevices();
  }

  /** Starts this device again under a new id (after another device forgot it). */
  async function rejoin() {
    const s = await settings();
    await deps.db.put("sync-settings", { ...s, deviceId: deps.newKey() });
    await deps.db.put("own-state", undefined);
  }

  /** The sync key, for the user to copy to another device (Options asks for it on a click). */
  async function syncKeyText() {
    return { syncKey: (await settings()).syncKey ?? null };
  }

  /** Takes the key the user copied from another device. @param {string} text @param {string} [deviceName] */
  async function setSyncKey(text, deviceName) {
    const key = parseKeyText(text);
    const s = await settings();
    const typed = keyText(key);
    if (typed !== s.syncKey) {
      // Another key: what was published or read under the old one is not reused.
      await deps.db.put("own-state", undefined);
      await deps.db.put("remote-states", {});
      deps.remotesChanged?.(new Map());
    }
    await deps.db.put("sync-settings", { ...s, syncKey: typed, deviceName: deviceName?.trim() || s.deviceName });
    return { saved: true };
  }

  /**
   * What the server acknowledged, on the view the records came from and on own knowledge
   * (which is what is stored, and what the view is built from again).
   * @param {SyncBatch} batch
   */
  function acknowledge(batch) {
    deps.engine().acknowledgeSync(batch);
    if (own() !== deps.engine()) own().acknowledgeSync(batch);
  }

  /** One drain at a time; a second caller waits for the first. @param {boolean} build */
  function run(build) {
    running ??= drain(build).finally(() => (running = null));
    return running;
  }

  return {
    settings: async () => {
      const s = await settings();
      return { ...s, token: s.token ? "(saved)" : "" };
    },
    setSettings,
    preview,
    syncNow: () => run(true),
    status: async () => ({ ...status, queued: (await queue()).length }),
    /** @returns {Promise<Array<Record<string, any>>>} */
    ledger: async () => (await deps.db.get("sync-ledger")) ?? [],
    stop,
    schedule,
    devices: accountDevices,
    forgetDevice,
    rejoin,
    syncKey: syncKeyText,
    setSyncKey,
    /** @param {string} name */
    onAlarm: async (name) => {
      if (name !== RETRY_ALARM && name !== PERIODIC_ALARM && name !== SOON_ALARM) return;
      try {
        await run(name !== RETRY_ALARM);
      } catch {
        // The status says what went wrong; the popup and options show it.
      }
    },
  };
}
