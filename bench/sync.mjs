// @ts-check
// Sync of 10,000 contacts, end to end, with the real kith-server on loopback:
// - the first full sync: the extension (headless Chromium) holding the contacts, from pressing
//   Sync to the last batch acknowledged. With protocol version 2 this includes registering the
//   device and publishing its sealed state;
// - a second device receiving them: a new profile on the same account, given the sync key,
//   from pressing Sync to holding every contact (it reads and opens the first device's state,
//   absorbs it, and counts the server's equal records as acknowledged instead of sending them).
// `node bench/sync.mjs [contacts] [--db postgres://…]` (after `npm run build`); SQLite by default.
import { launchExtension, newProfile } from "../tests/e2e/extension.js";
import { createToken, freePort, newDatabase, pullAll, startServer } from "../tests/e2e/server.js";
import { snapshotWithContacts } from "./contacts.mjs";

const args = process.argv.slice(2);
const dbFlag = args.indexOf("--db");
const db = dbFlag >= 0 ? args.splice(dbFlag, 2)[1] : newDatabase();
const { snapshot, contacts } = snapshotWithContacts(Number(args[0] ?? 10_000));
// On a shared PostgreSQL database, each run is an account of its own.
const token = createToken(db, `bench-${Date.now()}`);
const port = await freePort();
const server = /** @type {any} */ (await startServer(db, port));
const first = await launchExtension(newProfile());
first.worker.on("console", (m) => process.env.KITH_BENCH_VERBOSE && console.error("first:", m.text()));
const second = await launchExtension(newProfile());
/** @param {import("playwright-core").Page} page */
const timedSync = (page) =>
  page.evaluate(async () => {
    const start = performance.now();
    const status = await chrome.runtime.sendMessage({ type: "kith/sync-now" });
    return { ms: performance.now() - start, status };
  });
try {
  const page = await first.context.newPage();
  await page.goto(`${first.base}/options/options.html`);
  await page.evaluate((b64) => chrome.runtime.sendMessage({ type: "kith/restore", snapshot: b64 }), Buffer.from(snapshot).toString("base64"));
  const settings = { type: "kith/set-sync-settings", serverUrl: `http://127.0.0.1:${port}`, token, enabled: true, periodicMinutes: 0 };
  await page.evaluate((m) => chrome.runtime.sendMessage(m), settings);
  const firstSync = await timedSync(page);
  const stored = (await pullAll(port, token)).length;
  const { syncKey } = await page.evaluate(() => chrome.runtime.sendMessage({ type: "kith/sync-key" }));

  const other = await second.context.newPage();
  await other.goto(`${second.base}/options/options.html`);
  await other.evaluate((m) => chrome.runtime.sendMessage(m), settings);
  await other.evaluate((key) => chrome.runtime.sendMessage({ type: "kith/set-sync-key", syncKey: key, deviceName: "Second" }), syncKey);
  const secondSync = await timedSync(other);
  const received = (await other.evaluate(() => chrome.runtime.sendMessage({ type: "kith/contacts" }))).length;
  console.log(JSON.stringify({
    backend: db.startsWith("postgres") ? "postgresql" : "sqlite",
    contacts,
    stored,
    firstFullSyncMs: Math.round(firstSync.ms),
    firstSyncState: firstSync.status.state,
    secondDeviceReceivedContacts: received,
    secondDeviceSyncMs: Math.round(secondSync.ms),
    secondSyncMessage: secondSync.status.message,
  }));
} finally {
  await first.context.close();
  await second.context.close();
  server.stop();
}
