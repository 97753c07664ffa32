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

/** @param {string} profile */
export async function launchExtension(profile) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...chromiumArgs, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
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
