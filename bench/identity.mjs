// @ts-check
// One person across sources at scale: `people` people × 3 handles (WhatsApp phone author, mail
// address, vCard) grouped into contacts. Times contacts() and suggestions() in headless
// Chromium (www/bench.html) and in Node: `node bench/identity.mjs [people]`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launch, serveWww } from "../tests/e2e/browser.js";
import { initSync, Kith } from "../pkg/kith.js";
import { measureIdentity } from "../www/bench-identity.js";

const people = Number(process.argv[2] ?? 10000);
const root = fileURLToPath(new URL("../", import.meta.url));
initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });
console.log(JSON.stringify({ engine: `Node ${process.version}`, ...measureIdentity(Kith, people) }));

const server = await serveWww();
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}bench.html`);
  await page.waitForFunction(() => "kithIdentityBench" in window);
  const result = await page.evaluate((n) => /** @type {any} */ (window).kithIdentityBench(n), people);
  console.log(JSON.stringify({ engine: `Chromium ${browser.version()}`, ...result }));
} finally {
  await browser.close();
  server.stop();
}
