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

export const BATCH_SIZE = 500;
export const RETRY_ALARM = "kith-sync-retry";
export const PERIODIC_ALARM = "kith-sync-periodic";
/** A sync soon after the user changed something (a merge, a correction, an import). */
export const SOON_ALARM = "kith-sync-soon";
/** How long after the last change: a burst of edits goes out as one sync (Chrome's shortest alarm). */
export const SOON_MINUTES = 0.5;
const LEDGER_LIMIT = 200;

/** @typedef {import("../pkg/kith.js").SyncBatch} SyncBatch */
/** @typedef {{ serverUrl: string, token: string, enabled: boolean, periodicMinutes: number }} SyncSettings */
/** @typedef {{ batch: SyncBatch, attempts: number }} QueueItem */
/** @typedef {{ state: "idle" | "syncing" | "done" | "waiting" | "error" | "off", sent: number, total: number, refused: number, message: string }} SyncStatus */

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
  /** @type {SyncStatus} */
  let status = { state: "idle", sent: 0, total: 0, refused: 0, message: "" };
  /** @type {Promise<SyncStatus> | null} */
  let running = null;
  /** @type {AbortController | null} */
  let inflight = null;
  /** Counts calls of stop(): a drain that sees it change leaves the (dropped) queue alone. */
  let generation = 0;

  /** @returns {Promise<SyncSettings>} */
  async function settings() {
    return (await deps.db.get("sync-settings")) ?? { serverUrl: "", token: "", enabled: false, periodicMinutes: 0 };
  }

  /** @returns {Promise<QueueItem[]>} */
  async function queue() {
    return (await deps.db.get("sync-queue")) ?? [];
  }

  /** Cuts the changes into batches of at most BATCH_SIZE, each with a fresh key. @param {import("../pkg/kith.js").SyncChanges} changes */
  function split(changes) {
    /** @type {SyncBatch[]} */
    const batches = [];
    for (let i = 0; i < changes.upserts.length; i += BATCH_SIZE) {
      batches.push({ batchKey: deps.newKey(), upserts: changes.upserts.slice(i, i + BATCH_SIZE), deletions: [] });
    }
    for (let i = 0; i < changes.deletions.length; i += BATCH_SIZE) {
      batches.push({ batchKey: deps.newKey(), upserts: [], deletions: changes.deletions.slice(i, i + BATCH_SIZE) });
    }
    return batches;
  }

  /** Stops everything: no queue, no alarms, the request in flight aborted. */
  async function stop() {
    generation++;
    inflight?.abort();
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
    const saved = { serverUrl: checked.base, token, enabled: next.enabled, periodicMinutes: next.periodicMinutes };
    if (saved.serverUrl !== previous.serverUrl || saved.token !== previous.token) {
      // Another server (or account) has acknowledged nothing yet: send everything there.
      deps.engine().resetSync();
      await deps.persist();
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

  /** @param {Record<string, unknown>} entry */
  async function record(entry) {
    /** @type {Record<string, unknown>[]} */
    const ledger = (await deps.db.get("sync-ledger")) ?? [];
    ledger.unshift(entry);
    await deps.db.put("sync-ledger", ledger.slice(0, LEDGER_LIMIT));
  }

  /** @param {QueueItem[]} items @param {string} message @param {number} [retryAfterSeconds] @returns {Promise<SyncStatus>} */
  async function retryLater(items, message, retryAfterSeconds) {
    const attempts = (items[0]?.attempts ?? 0) + 1;
    items[0] = { ...items[0], attempts };
    await deps.db.put("sync-queue", items);
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
    if (items.length === 0 && build) {
      items = split(deps.engine().syncChanges()).map((batch) => ({ batch, attempts: 0 }));
      await deps.db.put("sync-queue", items);
    }
    const total = items.reduce((n, i) => n + i.batch.upserts.length + i.batch.deletions.length, 0);
    status = { state: "syncing", sent: 0, total, refused: 0, message: "" };
    let sent = 0;
    let refused = 0;
    while (items.length) {
      const current = await settings();
      if (started !== generation || !current.enabled || current.serverUrl !== s.serverUrl) {
        status = { state: "off", sent, total, refused, message: "Sync was turned off." };
        return status;
      }
      const { batch } = items[0];
      let response;
      inflight = new AbortController();
      try {
        response = await deps.fetch(`${s.serverUrl}/v1/sync/push`, {
          method: "POST",
          headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
          body: JSON.stringify(batch),
          signal: inflight.signal,
          credentials: "omit",
          cache: "no-store",
          redirect: "error",
        });
      } catch (e) {
        if (/** @type {Error} */ (e).name === "AbortError" || started !== generation) return status;
        return retryLater(items, "The server could not be reached.");
      } finally {
        inflight = null;
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
        await record({ at: new Date().toISOString(), server: s.serverUrl, batchKey: batch.batchKey, ok: false, status: 401, code, reason, ...counts });
        throw failure("SyncRejected", status.message);
      }
      if (!response.ok) {
        const { code, reason } = refusalOf(reply, batch);
        items = items.slice(1);
        await deps.db.put("sync-queue", items);
        refused += 1;
        status = { state: "syncing", sent, total, refused, message: "" };
        await record({
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
      deps.engine().acknowledgeSync(batch);
      await deps.persist();
      items = items.slice(1);
      await deps.db.put("sync-queue", items);
      sent += counts.upserts + counts.deletions;
      status = { state: "syncing", sent, total, refused, message: "" };
      await record({
        at: new Date().toISOString(),
        server: s.serverUrl,
        batchKey: batch.batchKey,
        ok: true,
        replayed: Boolean(reply.replayed),
        ...counts,
        fields: batch.upserts.length ? Object.keys(batch.upserts[0]) : [],
        payload: batch,
      });
    }
    await deps.alarms.clear(RETRY_ALARM);
    const summary = sent ? `Synced ${sent} change(s).` : refused ? "Nothing was synced." : "Everything was already up to date.";
    const refusals = refused ? ` The server refused ${refused} batch(es); the sync ledger in Options says why, and their contacts are sent again next time.` : "";
    status = { state: "done", sent, total, refused, message: summary + refusals };
    return status;
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
