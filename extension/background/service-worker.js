// @ts-check
// The service worker owns the one kith engine. It loads the wasm as the module is evaluated,
// registers every listener synchronously (MV3 drops events for listeners added later), and
// gates each handler on one ready-promise. State lives in IndexedDB; a handler replies only
// after its change is stored, so MV3 stopping the idle worker loses nothing acknowledged.
import init, { Kith } from "../pkg/kith.js";
import * as db from "../lib/db.js";
import { isMessage, senderMayAsk } from "../lib/messages.js";
import { createHandlers } from "./handlers.js";

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
    alarms: chrome.alarms,
    // The one fetch in the extension goes through the sync module (privacy invariant P3).
    fetch: (input, init) => fetch(input, init),
    newKey: () => crypto.randomUUID(),
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
