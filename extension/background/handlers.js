// @ts-check
// The worker's logic, apart from Chrome's messaging so it reads (and could be tested) plainly:
// each handler takes a checked message and returns the reply. Every change is persisted to
// IndexedDB before the handler returns, so an acknowledged change survives the worker being
// stopped at any moment after.
import { MSG, checkServerUrl } from "../lib/messages.js";
import { fromBase64, toBase64 } from "../lib/bytes.js";
import { createSync } from "./sync.js";
import { createReminders } from "./reminders.js";
import { ORDERS } from "../lib/format.js";

/** @typedef {import("../pkg/kith.js").Kith} Kith */
/** @typedef {{ owner: string[], exclusions: string[] }} Settings */

/** How many ranked rows are kept for a popup opened while the worker is stopped. */
export const FIRST_PAGE_KEPT = 20;

/**
 * @param {{
 *   Kith: typeof import("../pkg/kith.js").Kith,
 *   db: typeof import("../lib/db.js"),
 *   engine: Kith,
 *   alarms: Parameters<typeof createSync>[0]["alarms"],
 *   fetch: typeof fetch,
 *   newKey: () => string,
 *   notifications?: () => (typeof chrome.notifications | undefined),
 *   hasNotificationPermission?: () => Promise<boolean>,
 *   openKith?: () => Promise<unknown>,
 *   saveFirstPage?: (page: { total: number, contacts: import("../pkg/kith.js").Contact[] } | null) => Promise<unknown>,
 *   remoteStates?: Record<string, import("./sync.js").RemoteState>,
 * }} deps
 */
export function createHandlers(deps) {
  // This device's own knowledge: what it imported and captured, and what the user decided on
  // it. It is what gets persisted, and what this device publishes to its other devices.
  let engine = deps.engine;
  // The account's other devices, as their sealed states last read (sync.js keeps them current).
  /** @type {Map<string, import("./sync.js").RemoteState>} */
  let remotes = new Map(Object.entries(deps.remoteStates ?? {}));
  // Own knowledge with every other device's absorbed: what the pages show and what sync sends.
  // Built when first needed, and built again after this device's own knowledge changes.
  /** @type {Kith | null} */
  let merged = null;
  /** What absorbing other devices warned of (counts only, never names), for Options. */
  /** @type {string[]} */
  let absorbWarnings = [];
  function current() {
    if (remotes.size === 0) return engine;
    if (!merged) {
      const built = deps.Kith.restore(engine.snapshot(), {});
      absorbWarnings = [];
      for (const [, remote] of [...remotes].sort(([a], [b]) => (a < b ? -1 : 1))) {
        try {
          absorbWarnings.push(...(built.absorb(remote.state).warnings ?? []));
        } catch (e) {
          // A state this version cannot read leaves that device out, and says so.
          absorbWarnings.push(`${remote.name}: ${/** @type {Error} */ (e).message}`);
        }
      }
      merged = built;
    }
    return merged;
  }
  /** Own knowledge changed (an import, a setting): the union is built again when next needed. */
  function ownChanged() {
    merged?.free();
    merged = null;
    view = null;
  }

  // The contacts as last computed, ranked for "Needs attention": the popup's first screenful
  // comes from here without computing anything. Any change drops it; it is also recomputed
  // after a minute, since attention and its reasons depend on the time.
  /** @type {{ at: number, contacts: import("../pkg/kith.js").Contact[], ranked: import("../pkg/kith.js").Contact[] } | null} */
  let view = null;
  const VIEW_MAX_AGE_MS = 60_000;
  function contacts() {
    if (!view || Date.now() - view.at > VIEW_MAX_AGE_MS) {
      const all = current().contacts();
      view = { at: Date.now(), contacts: all, ranked: rankByAttention(all) };
      // Kept for a popup opened while this worker is stopped: it paints these rows at once,
      // before the worker has started and restored the engine.
      void deps.saveFirstPage?.({ total: all.length, contacts: view.ranked.slice(0, FIRST_PAGE_KEPT) })?.catch(() => {});
    }
    return view.contacts;
  }
  function ranked() {
    contacts();
    return /** @type {NonNullable<typeof view>} */ (view).ranked;
  }

  async function persist() {
    view = null;
    await deps.saveFirstPage?.(null)?.catch(() => {});
    await deps.db.put("snapshot", engine.snapshot());
  }

  const sync = createSync({
    engine: current,
    own: () => engine,
    remotesChanged: (next) => {
      remotes = next;
      ownChanged();
    },
    persist,
    db: deps.db,
    checkServerUrl,
    alarms: deps.alarms,
    fetch: deps.fetch,
    newKey: deps.newKey,
  });

  /**
   * A decision made on what the pages show (own knowledge and the other devices'): its ids
   * resolve there. With other devices present, the decision is also written into own
   * knowledge, by the handles it names, so it is persisted and travels to them.
   * @param {(k: Kith) => import("../pkg/kith.js").Applied} make
   */
  function decide(make) {
    const target = current();
    const applied = make(target);
    if (target !== engine) engine.recordDecision(target.decisionRecord(applied.decision));
    return applied;
  }

  /**
   * A decision made: stored, then synced soon (an absorbed contact's id goes out as a
   * deletion, a corrected one as its new record). The reply carries the contact as it is now,
   * for the page to show.
   * @param {import("../pkg/kith.js").Applied} applied
   */
  async function decided(applied) {
    await persist();
    await sync.schedule();
    const contact = applied.contactId ? contacts().find((c) => c.id === applied.contactId) ?? null : null;
    return { ...applied, contact };
  }

  const reminders = createReminders({
    db: deps.db,
    contacts,
    alarms: deps.alarms,
    notifications: deps.notifications ?? (() => undefined),
    hasPermission: deps.hasNotificationPermission ?? (async () => false),
    openKith: deps.openKith ?? (async () => undefined),
  });

  /** @param {string} name @param {string} message */
  const fail = (name, message) => Object.assign(new Error(message), { name });

  /** @type {Record<string, (m: Record<string, any>) => Promise<unknown>>} */
  const handlers = {
    [MSG.CONTACTS]: async () => contacts(),
    [MSG.FIRST_PAGE]: async (m) => ({ contacts: ranked().slice(0, m.limit), total: ranked().length }),
    [MSG.KEEP_IN_TOUCH]: async (m) => {
      const target = current();
      target.keepInTouch(m.contactId, m.change);
      if (target !== engine) engine.recordKeep(target.keepRecord(m.contactId));
      await persist();
      await sync.schedule();
      return { contact: contacts().find((c) => c.id === m.contactId) ?? null };
    },
    [MSG.HISTORY]: async (m) => current().history(m.contactId, m.months),
    [MSG.REMINDERS]: async () => reminders.settings(),
    [MSG.SET_REMINDERS]: async (m) => reminders.setSettings({ enabled: m.enabled, hour: m.hour }),
    [MSG.SETTINGS]: async () => ({ owner: engine.owner(), exclusions: engine.exclusions() }),
    [MSG.SNAPSHOT]: async () => ({ snapshot: toBase64(engine.snapshot()) }),
    [MSG.APPLY_JOURNAL]: async (m) => {
      const reports = engine.applyJournal(fromBase64(m.journal));
      ownChanged();
      await persist();
      await sync.schedule();
      return { reports };
    },
    [MSG.SET_OWNER]: async (m) => {
      engine.setOwner(m.owner);
      ownChanged();
      await persist();
      return { owner: engine.owner() };
    },
    [MSG.SET_EXCLUSIONS]: async (m) => {
      engine.setExclusions(m.exclusions);
      ownChanged();
      await persist();
      return { exclusions: engine.exclusions() };
    },
    [MSG.EXPORT]: async () => ({
      format: "kith-export",
      version: 1,
      exportedAt: new Date().toISOString(),
      owner: engine.owner(),
      exclusions: engine.exclusions(),
      contacts: contacts(),
      snapshot: toBase64(engine.snapshot()),
    }),
    [MSG.RESTORE]: async (m) => {
      if (contacts().length > 0) {
        throw fail("NotEmpty", "kith already holds contacts. Delete all local data first, then import the kith export.");
      }
      const restored = deps.Kith.restore(fromBase64(m.snapshot), {});
      engine.free();
      engine = restored;
      ownChanged();
      await persist();
      return { contacts: contacts().length };
    },
    [MSG.DELETE_ALL]: async () => {
      // The engine is replaced before any await: a message handled meanwhile must not see
      // the old contacts (and cache them again, or keep them in session storage).
      const old = engine;
      engine = new deps.Kith({});
      remotes = new Map();
      ownChanged();
      old.free();
      await sync.stop();
      await reminders.setSettings({ enabled: false, hour: 18 });
      await deps.saveFirstPage?.(null)?.catch(() => {});
      await deps.db.clear();
      view = null;
      return { remaining: (await deps.db.dump()).length };
    },
    [MSG.SYNC_SETTINGS]: async () => sync.settings(),
    [MSG.SET_SYNC_SETTINGS]: async (m) => sync.setSettings({ serverUrl: m.serverUrl, token: m.token, enabled: m.enabled, periodicMinutes: m.periodicMinutes }),
    [MSG.SYNC_PREVIEW]: async () => sync.preview(),
    [MSG.SYNC_NOW]: async () => sync.syncNow(),
    [MSG.SYNC_STATUS]: async () => sync.status(),
    [MSG.LEDGER]: async () => sync.ledger(),
    [MSG.DEVICES]: async () => ({ ...(await sync.devices()), warnings: absorbWarnings }),
    [MSG.FORGET_DEVICE]: async (m) => sync.forgetDevice(m.deviceId),
    [MSG.REJOIN]: async () => {
      await sync.rejoin();
      return sync.devices();
    },
    [MSG.SYNC_KEY]: async () => sync.syncKey(),
    [MSG.SET_SYNC_KEY]: async (m) => sync.setSyncKey(m.syncKey, m.deviceName),
    [MSG.SUGGESTIONS]: async () => current().suggestions(),
    [MSG.DECISIONS]: async () => current().decisions(),
    [MSG.MERGE]: async (m) => decided(decide((k) => k.merge(m.contactId, m.otherId))),
    [MSG.ACCEPT_SUGGESTION]: async (m) => decided(decide((k) => k.acceptSuggestion(m.id))),
    [MSG.REJECT_SUGGESTION]: async (m) => decided(decide((k) => k.rejectSuggestion(m.id))),
    [MSG.SPLIT]: async (m) => decided(decide((k) => k.split(m.contactId, m.handleKey))),
    [MSG.CORRECT]: async (m) => decided(decide((k) => k.correct(m.contactId, m.correction))),
    [MSG.UNDO]: async (m) => {
      const target = current();
      // A decision made on another device is undone there: this device holds no copy of it
      // to take back (own knowledge refuses, by name, before anything changes).
      if (target !== engine) engine.undoRecorded(target.decisionRecord(m.decision ?? null));
      return decided(target.undo(m.decision));
    },
    [MSG.PHONE_COUNTRY]: async () => current().phoneCountry(),
    [MSG.SET_DEFAULT_COUNTRY]: async (m) => {
      // Numbers without a country code may now match across sources: contacts can join.
      engine.setDefaultCountry(m.country);
      ownChanged();
      await persist();
      await sync.schedule();
      return engine.phoneCountry();
    },
    [MSG.LIVE_EVENTS]: async (m) => {
      const report = engine.ingest(m.events);
      if (report.accepted > 0) {
        ownChanged();
        await persist();
      }
      return report;
    },
  };

  /** @param {{ type: string } & Record<string, any>} message */
  async function handle(message) {
    const handler = handlers[message.type];
    if (!handler) throw fail("UnknownMessage", `No handler for ${message.type}.`);
    return handler(message);
  }
  /** @param {string} name */
  async function onAlarm(name) {
    if (!(await reminders.onAlarm(name))) await sync.onAlarm(name);
  }
  return { handle, onAlarm, onNotificationButton: reminders.onButton, onNotificationClicked: reminders.onClicked, resumeReminders: reminders.resume };
}

/**
 * "Needs attention" order: the core's attention score, then the most recent interaction.
 * @param {import("../pkg/kith.js").Contact[]} contacts
 */
export const rankByAttention = (contacts) => contacts.slice().sort(ORDERS.attention);
