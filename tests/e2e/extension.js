// @ts-check
// Loads the unpacked extension in Debian Chromium (headless) on a given profile, recording
// every network request any page or the worker makes.
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { chromiumArgs, root } from "./browser.js";

export const extensionDir = `${root}extension`;
export const fixtures = `${root}tests/fixtures/whatsapp/`;

export function newProfile() {
  return mkdtempSync(`${tmpdir()}/kith-profile-`);
}

/** @param {string} profile @param {string} [dir] the unpacked extension (a test may load a modified copy) */
export async function launchExtension(profile, dir = extensionDir) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...chromiumArgs, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
  });
  /** @type {string[]} */
  const requests = [];
  context.on("request", (r) => requests.push(r.url()));
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  const id = new URL(worker.url()).host;
  const base = `chrome-extension://${id}`;
  return { context, worker, id, base, requests };
}

/** Requests that left the browser: anything but the extension's own files and data: URLs. @param {string[]} urls */
export const external = (urls) => urls.filter((u) => !u.startsWith("chrome-extension://") && !u.startsWith("data:") && !u.startsWith("blob:"));

/**
 * Imports files through the options page's file input and waits for each file's result;
 * fails if any import failed. Returns the options page.
 * @param {import("playwright-core").BrowserContext} context @param {string} base
 * @param {Array<{ name: string, mimeType: string, buffer: Buffer }>} files
 */
export async function importThroughOptions(context, base, files) {
  const options = await context.newPage();
  await options.goto(`${base}/options/options.html`);
  await options.waitForSelector("body[data-ready=true]");
  await options.setInputFiles("#files", files);
  await options.waitForFunction((n) => document.querySelectorAll("#imports li .ok, #imports li .bad").length >= n, files.length);
  const failed = await options.locator("#imports .bad").count();
  if (failed) throw new Error(`import failed: ${await options.locator("#imports").innerText()}`);
  return options;
}

/** Installs, in the running worker, a recorder of every message it receives. @param {import("playwright-core").Worker} worker */
export async function recordWorkerMessages(worker) {
  await worker.evaluate(() => {
    const g = /** @type {any} */ (globalThis);
    g.__received = [];
    chrome.runtime.onMessage.addListener((m) => {
      g.__received.push(JSON.stringify(m));
    });
  });
}

/** Every message the worker received, with base64 fields decoded so bytes are searched too. @param {import("playwright-core").Worker} worker */
export async function receivedText(worker) {
  const received = /** @type {string[]} */ (await worker.evaluate(() => /** @type {any} */ (globalThis).__received));
  return received.map((json) => {
    const m = JSON.parse(json);
    const decoded = ["journal", "snapshot"].filter((k) => typeof m[k] === "string").map((k) => Buffer.from(m[k], "base64").toString("latin1"));
    return [json, ...decoded].join("\n");
  }).join("\n");
}

/** IndexedDB and chrome.storage, as text (bytes as latin1). @param {import("playwright-core").Worker} worker */
export async function storageDump(worker) {
  return worker.evaluate(async () => {
    /** @param {unknown} v @returns {string} */
    const text = (v) => v instanceof Uint8Array ? Array.from(v, (b) => String.fromCharCode(b)).join("") : JSON.stringify(v);
    const out = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(/** @type {string} */ (info.name));
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of /** @type {IDBDatabase} */ (db).objectStoreNames) {
        const values = await new Promise((resolve) => {
          const r = /** @type {IDBDatabase} */ (db).transaction(store).objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result);
        });
        out.push(`${info.name}/${store}:`, .../** @type {unknown[]} */ (values).map(text));
      }
      /** @type {IDBDatabase} */ (db).close();
    }
    out.push(JSON.stringify(await chrome.storage.local.get(null)), JSON.stringify(await chrome.storage.sync.get(null)),
      JSON.stringify(await chrome.storage.session.get(null)));
    return out.join("\n");
  });
}

/** @param {import("playwright-core").BrowserContext} context @param {string} base */
export async function openPopup(context, base) {
  const popup = await context.newPage();
  await popup.setViewportSize({ width: 380, height: 560 });
  await popup.goto(`${base}/popup/popup.html`);
  await popup.waitForSelector("body[data-ready=true]");
  return popup;
}

/** @param {import("playwright-core").Page} options @param {string} url @param {string} token @param {boolean} enabled */
export async function configure(options, url, token, enabled) {
  await options.fill("#server-url", url);
  if (token) await options.fill("#server-token", token);
  await options.setChecked("#sync-enabled", enabled);
  await options.click("#sync-save");
  await options.waitForFunction((on) => document.getElementById("sync-message")?.textContent?.includes(on ? "Sync is on" : "Sync is off"), enabled);
}

/** Presses Sync in a fresh popup and returns the result line. @param {import("playwright-core").BrowserContext} context @param {string} base */
export async function pressSync(context, base) {
  const popup = await context.newPage();
  await popup.goto(`${base}/popup/popup.html`);
  await popup.waitForSelector("body[data-ready=true]");
  await popup.click("#sync");
  // Done when the button is back: progress lines ("Syncing…", "Reading Laptop…") come first.
  await popup.waitForFunction(() => {
    const text = document.getElementById("sync-result")?.textContent ?? "";
    return text !== "" && !(/** @type {HTMLButtonElement} */ (document.getElementById("sync")).disabled);
  }, undefined, { timeout: 60_000 });
  const text = await popup.locator("#sync-result").innerText();
  await popup.close();
  return text;
}
