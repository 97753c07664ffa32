// @ts-check
// Extension benchmarks with 10,000 contacts: snapshot size per contact, service-worker cold
// start to ready (wasm init + restore), and popup open to first rows painted.
// `node bench/extension.mjs [contacts]` (after `npm run build`).
import { launchExtension, newProfile } from "../tests/e2e/extension.js";
import { snapshotWithContacts } from "./contacts.mjs";

const count = Number(process.argv[2] ?? 10_000);
const { snapshot, contacts } = snapshotWithContacts(count);

const { context, base } = await launchExtension(newProfile());
try {
  const page = await context.newPage();
  await page.goto(`${base}/options/options.html`);
  // The same path as importing a kith export: the worker restores and stores the snapshot.
  await page.evaluate((b64) => chrome.runtime.sendMessage({ type: "kith/restore", snapshot: b64 }), Buffer.from(snapshot).toString("base64"));
  const cdp = await context.newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  /** Stops the worker, then times one message: start, wasm init, restore, reply. */
  const coldStart = async () => {
    await cdp.send("ServiceWorker.stopAllWorkers");
    await page.waitForTimeout(300);
    return page.evaluate(async () => {
      const t = performance.now();
      await chrome.runtime.sendMessage({ type: "kith/settings" });
      return performance.now() - t;
    });
  };
  const colds = [await coldStart(), await coldStart(), await coldStart()].sort((a, b) => a - b);
  /** Opens the popup and reads when its first rows were painted, from navigation start. */
  const popupOpen = async () => {
    const popup = await context.newPage();
    await popup.setViewportSize({ width: 380, height: 560 });
    await popup.goto(`${base}/popup/popup.html`);
    await popup.waitForSelector("body[data-painted-at]");
    const ms = Number(await popup.evaluate(() => document.body.dataset.paintedAt));
    const rows = await popup.locator(".row").count();
    await popup.close();
    return { ms, rows };
  };
  const opens = [await popupOpen(), await popupOpen(), await popupOpen()].sort((a, b) => a.ms - b.ms);
  console.log(JSON.stringify({
    contacts,
    snapshotBytes: snapshot.length,
    snapshotBytesPerContact: Number((snapshot.length / contacts).toFixed(1)),
    workerColdStartMs: Math.round(colds[1]),
    popupFirstRowsPaintedMs: Math.round(opens[1].ms),
    rowsInDom: opens[1].rows,
  }));
} finally {
  await context.close();
}
