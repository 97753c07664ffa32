// @ts-check
// Extension benchmarks with 10,000 contacts: snapshot size per contact, service-worker cold
// start to ready (wasm init + restore), popup open to first rows painted (median of 5, the
// worker running) beside two floors (an empty page marking its paint as the popup does, and a
// page without any script, by Chromium's first-contentful-paint), and search: each
// keystroke's filter and render over every contact.
// `node bench/extension.mjs [contacts]` (after `npm run build`).
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extensionDir, launchExtension, newProfile } from "../tests/e2e/extension.js";
import { snapshotWithContacts } from "./contacts.mjs";

const count = Number(process.argv[2] ?? 10_000);
const { snapshot, contacts } = snapshotWithContacts(count);

// A copy of the extension with one more page: empty but for a script that marks its first
// paint the way the popup does. It is the floor any extension page has on this machine.
const dir = `${mkdtempSync(`${tmpdir()}/kith-bench-ext-`)}/extension`;
cpSync(extensionDir, dir, { recursive: true });
writeFileSync(`${dir}/popup/bench-empty.html`, '<!doctype html><html><head><meta charset="utf-8"><title>empty</title></head><body><p>x</p><script src="bench-empty.js"></script></body></html>\n');
writeFileSync(`${dir}/popup/bench-empty.js`, "requestAnimationFrame(() => setTimeout(() => (document.body.dataset.paintedAt = String(performance.now()))));\n");
// And a page with no script at all, whose first contentful paint Chromium itself reports.
writeFileSync(`${dir}/popup/bench-static.html`, '<!doctype html><html><head><meta charset="utf-8"><title>static</title></head><body><p>x</p></body></html>\n');
const { context, base } = await launchExtension(newProfile(), dir);
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
  /** Opens the popup (or another page) and reads when its first rows were painted, from navigation start. */
  const popupOpen = async (page = "popup.html") => {
    const popup = await context.newPage();
    await popup.setViewportSize({ width: 380, height: 560 });
    await popup.goto(`${base}/popup/${page}`);
    await popup.waitForSelector("body[data-painted-at]");
    const ms = Number(await popup.evaluate(() => document.body.dataset.paintedAt));
    const marks = await popup.evaluate(() => {
      const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType("navigation")[0]);
      const mark = (/** @type {string} */ name) => Math.round(performance.getEntriesByName(name)[0]?.startTime ?? -1);
      return { domInteractive: Math.round(nav.domInteractive), asked: mark("kith:asked"), answered: mark("kith:answered") };
    });
    if (process.env.KITH_BENCH_VERBOSE) console.error(JSON.stringify({ paintedMs: Math.round(ms), ...marks }));
    const rows = await popup.locator(".row").count();
    await popup.close();
    return { ms, rows };
  };
  // With the worker stopped (as MV3 leaves it after 30 s idle): the popup paints the rows the
  // worker kept in session storage while the worker starts.
  const colds2 = [];
  for (let i = 0; i < 5; i++) {
    await popupOpen();
    await cdp.send("ServiceWorker.stopAllWorkers");
    await page.waitForTimeout(300);
    colds2.push(await popupOpen());
  }
  colds2.sort((a, b) => a.ms - b.ms);
  /** Opens the page without a script, and reads its first contentful paint from navigation start. */
  const staticOpen = async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 380, height: 560 });
    await page.goto(`${base}/popup/bench-static.html`);
    const ms = await page.evaluate(() => new Promise((resolve) => {
      new PerformanceObserver((list, observer) => {
        const paint = list.getEntriesByName("first-contentful-paint")[0];
        if (paint) (observer.disconnect(), resolve(paint.startTime));
      }).observe({ type: "paint", buffered: true });
    }));
    await page.close();
    return { ms: Number(ms) };
  };
  const opens = [];
  const empties = [];
  const statics = [];
  for (let i = 0; i < 5; i++) {
    opens.push(await popupOpen());
    empties.push(await popupOpen("bench-empty.html"));
    statics.push(await staticOpen());
  }
  opens.sort((a, b) => a.ms - b.ms);
  empties.sort((a, b) => a.ms - b.ms);
  statics.sort((a, b) => a.ms - b.ms);
  // Search: type a name a letter at a time (then other queries) once every contact is in; each
  // keystroke is timed from the input event to the rows rendered and laid out.
  const popup = await context.newPage();
  await popup.setViewportSize({ width: 380, height: 560 });
  await popup.goto(`${base}/popup/popup.html`);
  await popup.waitForSelector("body[data-ready=true]");
  const keystrokes = await popup.evaluate(() => {
    const search = /** @type {HTMLInputElement} */ (document.getElementById("search"));
    const times = [];
    for (const query of ["p", "pe", "per", "pers", "person", "person 1", "person 12", "person 123", "0999", "zz", ""]) {
      const t = performance.now();
      search.value = query;
      search.dispatchEvent(new Event("input"));
      void document.body.offsetHeight;
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  });
  await popup.close();
  console.log(JSON.stringify({
    contacts,
    snapshotBytes: snapshot.length,
    snapshotBytesPerContact: Number((snapshot.length / contacts).toFixed(1)),
    workerColdStartMs: Math.round(colds[1]),
    popupFirstRowsPaintedMs: Math.round(opens[2].ms),
    popupFirstRowsPaintedAllMs: opens.map((o) => Math.round(o.ms)),
    popupFirstRowsWorkerStoppedMs: Math.round(colds2[2].ms),
    emptyExtensionPagePaintedMs: Math.round(empties[2].ms),
    emptyExtensionPagePaintedAllMs: empties.map((o) => Math.round(o.ms)),
    staticExtensionPageFirstContentfulPaintMs: Math.round(statics[2].ms),
    staticExtensionPageFirstContentfulPaintAllMs: statics.map((o) => Math.round(o.ms)),
    rowsInDom: opens[2].rows,
    searchKeystrokeMedianMs: Number(keystrokes[Math.floor(keystrokes.length / 2)].toFixed(1)),
    searchKeystrokeMaxMs: Number(keystrokes[keystrokes.length - 1].toFixed(1)),
  }));
} finally {
  await context.close();
}
