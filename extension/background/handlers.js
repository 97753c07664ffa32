// @ts-check
// The worker's logic, apart from Chrome's messaging so it reads (and could be tested) plainly:
// each handler takes a checked message and returns the reply. Every change is persisted to
// IndexedDB before the handler returns, so an acknowledged change survives the worker being
// stopped at any moment after.
import { MSG, checkServerUrl } from "../lib/messages.js";
import { fromBase64, toBase64 } from "../lib/bytes.js";
import { createSync } from "./sync.js";

/** @typedef {import("../pkg/kith.js").Kith} Kith */
/** @typedef {{ owner: string[], exclusions: string[] }} Settings */

/**
 * @param {{
 *   Kith: typeof import("../pkg/kith.js").Kith,
 *   db: typeof import("../lib/db.js"),
 *   engine: Kith,
 *   alarms: Parameters<typeof createSync>[0]["alarms"],
 *   fetch: typeof fetch,
 *   newKey: () => string,
 * }} deps
 */
export function createHandlers(deps) {
  let engine = deps.engine;

  async function persist() {
    await deps.db.put("snapshot", engine.snapshot());
  }

  const sync = createSync({ engine: () => engine, persist, db: deps.db, checkServerUrl, alarms: deps.alarms, fetch: deps.fetch, newKey: deps.newKey });

  /** @param {string} name @param {string} message */
  const fail = (name, message) => Object.assign(new Error(message), { name });

  /** @type {Record<string, (m: Record<string, any>) => Promise<unknown>>} */
  const handlers = {
    [MSG.CONTACTS]: async () => engine.contacts(),
    [MSG.SETTINGS]: async () => ({ owner: engine.owner(), exclusions: engine.exclusions() }),
    [MSG.SNAPSHOT]: async () => ({ snapshot: toBase64(engine.snapshot()) }),
    [MSG.APPLY_JOURNAL]: async (m) => {
      const reports = engine.applyJournal(fromBase64(m.journal));
      await persist();
      return { reports };
    },
    [MSG.SET_OWNER]: async (m) => {
      engine.setOwner(m.owner);
      await persist();
      return { owner: engine.owner() };
    },
    [MSG.SET_EXCLUSIONS]: async (m) => {
      engine.setExclusions(m.exclusions);
      await persist();
      return { exclusions: engine.exclusions() };
    },
    [MSG.EXPORT]: async () => ({
      format: "kith-export",
      version: 1,
      exportedAt: new Date().toISOString(),
      owner: engine.owner(),
      exclusions: engine.exclusions(),
      contacts: engine.contacts(),
      snapshot: toBase64(engine.snapshot()),
    }),
    [MSG.RESTORE]: async (m) => {
      if (engine.contacts().length > 0) {
        throw fail("NotEmpty", "kith already holds contacts. Delete all local data first, then import the kith export.");
      }
      const restored = deps.Kith.restore(fromBase64(m.snapshot), {});
      engine.free();
      engine = restored;
      await persist();
      return { contacts: engine.contacts().length };
    },
    [MSG.DELETE_ALL]: async () => {
      await sync.stop();
      engine.free();
      engine = new deps.Kith({});
      await deps.db.clear();
      return { remaining: (await deps.db.dump()).length };
    },
    [MSG.SYNC_SETTINGS]: async () => sync.settings(),
    [MSG.SET_SYNC_SETTINGS]: async (m) => sync.setSettings({ serverUrl: m.serverUrl, token: m.token, enabled: m.enabled, periodicMinutes: m.periodicMinutes }),
    [MSG.SYNC_PREVIEW]: async () => sync.preview(),
    [MSG.SYNC_NOW]: async () => sync.syncNow(),
    [MSG.SYNC_STATUS]: async () => sync.status(),
    [MSG.LEDGER]: async () => sync.ledger(),
    [MSG.LIVE_EVENTS]: async (m) => {
      const report = engine.ingest(m.events);
      if (report.accepted > 0) await persist();
      return report;
    },
  };

  /** @param {{ type: string } & Record<string, any>} message */
  async function handle(message) {
    const handler = handlers[message.type];
    if (!handler) throw fail("UnknownMessage", `No handler for ${message.type}.`);
    return handler(message);
  }
  return { handle, onAlarm: sync.onAlarm };
}
