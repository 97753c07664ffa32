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

  /**
   * A decision made: stored, then synced soon (an absorbed contact's id goes out as a
   * deletion, a corrected one as its new record). The reply carries the contact as it is now,
   * for the page to show.
   * @param {import("../pkg/kith.js").Applied} applied
   */
  async function decided(applied) {
    await persist();
    await sync.schedule();
    const contact = applied.contactId ? engine.contacts().find((c) => c.id === applied.contactId) ?? null : null;
    return { ...applied, contact };
  }

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
      await sync.schedule();
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
    [MSG.SUGGESTIONS]: async () => engine.suggestions(),
    [MSG.DECISIONS]: async () => engine.decisions(),
    [MSG.MERGE]: async (m) => decided(engine.merge(m.contactId, m.otherId)),
    [MSG.ACCEPT_SUGGESTION]: async (m) => decided(engine.acceptSuggestion(m.id)),
    [MSG.REJECT_SUGGESTION]: async (m) => decided(engine.rejectSuggestion(m.id)),
    [MSG.SPLIT]: async (m) => decided(engine.split(m.contactId, m.handleKey)),
    [MSG.CORRECT]: async (m) => decided(engine.correct(m.contactId, m.correction)),
    [MSG.UNDO]: async (m) => decided(engine.undo(m.decision)),
    [MSG.PHONE_COUNTRY]: async () => engine.phoneCountry(),
    [MSG.SET_DEFAULT_COUNTRY]: async (m) => {
      // Numbers without a country code may now match across sources: contacts can join.
      engine.setDefaultCountry(m.country);
      await persist();
      await sync.schedule();
      return engine.phoneCountry();
    },
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
