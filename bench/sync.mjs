// @ts-check
// The first full sync of 10,000 contacts, end to end: the extension (headless Chromium) holding
// them, kith-server on loopback with SQLite, from pressing Sync to the last batch acknowledged.
// `node bench/sync.mjs [contacts]` (after `npm run build`).
import { launchExtension, newProfile } from "../tests/e2e/extension.js";
import { createToken, freePort, newDatabase, pullAll, startServer } from "../tests/e2e/server.js";
import { snapshotWithContacts } from "./contacts.mjs";

const { snapshot, contacts } = snapshotWithContacts(Number(process.argv[2] ?? 10_000));
const db = newDatabase();
const token = createToken(db, "bench");
const port = await freePort();
const server = /** @type {any} */ (await startServer(db, port));
const { context, base } = await launchExtension(newProfile());
try {
  const page = await context.newPage();
  await page.goto(`${base}/options/options.html`);
  await page.evaluate((b64) => chrome.runtime.sendMessage({ type: "kith/restore", snapshot: b64 }), Buffer.from(snapshot).toString("base64"));
  await page.evaluate(([url, t]) => chrome.runtime.sendMessage({ type: "kith/set-sync-settings", serverUrl: url, token: t, enabled: true, periodicMinutes: 0 }), [`http://127.0.0.1:${port}`, token]);
  const result = await page.evaluate(async () => {
    const start = performance.now();
    const status = await chrome.runtime.sendMessage({ type: "kith/sync-now" });
    return { ms: performance.now() - start, status };
  });
  const stored = (await pullAll(port, token)).length;
  console.log(JSON.stringify({ contacts, stored, firstFullSyncMs: Math.round(result.ms), batches: Math.ceil(contacts / 500), state: result.status.state }));
} finally {
  await context.close();
  server.stop();
}
