// @ts-check
// Shared Playwright helpers: Debian's Chromium, never a downloaded browser, with the flags
// this machine's closed network needs.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
}

/** Starts scripts/serve.mjs on a free loopback port. @returns {Promise<{ url: string, stop: () => void }>} */
export function serveWww() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}scripts/serve.mjs`, "0"], { stdio: ["ignore", "pipe", "inherit"] });
    child.on("error", reject);
    child.stdout.on("data", (/** @type {Buffer} */ chunk) => {
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(chunk.toString());
      if (match) resolve({ url: match[0], stop: () => child.kill() });
    });
  });
}
