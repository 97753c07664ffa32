// @ts-check
// The service worker owns the one kith engine. It loads the wasm as the module is evaluated,
// registers every listener synchronously (MV3 drops events for listeners added later), and
// gates each handler on one ready-promise. State lives in IndexedDB; a handler replies only
// after its change is stored, so MV3 stopping the idle worker loses nothing acknowledged.
import init, { Kith } from "../pkg/kith.js";
import * as db from "../lib/db.js";
import { isMessage, senderMayAsk } from "../lib/messages.js";
import { createHandlers } from "./handlers.js";
import { FIRST_PAGE_KEY } from "../lib/messages.js";

const SELF = { extensionId: chrome.runtime.id, extensionOrigin: new URL(chrome.runtime.getURL("")).origin };

const ready = (async () => {
  await init({ module_or_path: chrome.runtime.getURL("pkg/kith_bg.wasm") });
  const saved = await db.get("snapshot");
  let engine;
  try {
    engine = saved ? Kith.restore(saved, {}) : new Kith({});
  } catch (e) {
    // A damaged snapshot must not brick the extension: start empty, keep the bytes aside.
    console.error("kith: could not restore saved state", e);
    await db.put(`damaged-snapshot-${Date.now()}`, saved);
    engine = new Kith({});
  }
  return createHandlers({
    Kith,
    db,
    engine,
    // The account's other devices, as the last sync read them (sync protocol version 2).
    remoteStates: (await db.get("remote-states")) ?? {},
    alarms: chrome.alarms,
    // The one fetch in the extension goes through the sync module (privacy invariant P3).
    fetch: (input, init) => fetch(input, init),
    newKey: () => crypto.randomUUID(),
    // Optional: present only once the user allowed notifications (turning reminders on).
    notifications: () => chrome.notifications,
    hasNotificationPermission: () => chrome.permissions.contains({ permissions: ["notifications"] }),
    openKith: () => chrome.tabs.create({ url: chrome.runtime.getURL("popup/popup.html") }),
    // In memory only (cleared when the browser closes), readable by kith's own pages only.
    saveFirstPage: (page) => (page ? chrome.storage.session.set({ [FIRST_PAGE_KEY]: page }) : chrome.storage.session.remove(FIRST_PAGE_KEY)),
  });
})();

/** @param {unknown} message @param {chrome.runtime.MessageSender} sender */
async function onMessage(message, sender) {
  const { handle } = await ready;
  if (!isMessage(message)) throw Object.assign(new Error("Malformed message."), { name: "BadMessage" });
  if (!senderMayAsk(sender, message.type, SELF)) throw Object.assign(new Error("Sender not allowed."), { name: "Forbidden" });
  return handle(message);
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  onMessage(message, sender).then(sendResponse, (/** @type {Error} */ e) =>
    sendResponse({ error: { name: e?.name ?? "Error", message: e?.message ?? String(e) } }),
  );
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  ready.then(({ onAlarm }) => onAlarm(alarm.name)).catch((e) => console.error("kith: alarm", e));
});

// chrome.notifications exists only while the optional permission is granted: listen at start
// when it is, and as soon as it is granted otherwise (Options asks when reminders are turned on).
let listeningToNotifications = false;
function listenToNotifications() {
  if (listeningToNotifications || !chrome.notifications) return;
  listeningToNotifications = true;
  chrome.notifications.onButtonClicked.addListener((id, index) => {
    ready.then(({ onNotificationButton }) => onNotificationButton(id, index)).catch((e) => console.error("kith: notification", e));
  });
  chrome.notifications.onClicked.addListener((id) => {
    ready.then(({ onNotificationClicked }) => onNotificationClicked(id)).catch((e) => console.error("kith: notification", e));
  });
}
listenToNotifications();
chrome.permissions.onAdded.addListener(listenToNotifications);
ready.then(({ resumeReminders }) => resumeReminders()).catch((e) => console.error("kith: reminders", e));

// For the end-to-end tests, which cannot wait a day for an alarm or click a system
// notification: the same handlers Chrome's events call. Reachable only from the extension's
// own worker context (a test evaluates it there); no page or content script can call it.
Object.assign(globalThis, {
  kithTest: {
    /** @param {string} name */
    fireAlarm: async (name) => (await ready).onAlarm(name),
    /** @param {string} id @param {number} index */
    clickNotificationButton: async (id, index) => (await ready).onNotificationButton(id, index),
  },
});
