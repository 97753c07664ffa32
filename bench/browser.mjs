// @ts-check
// Runs www/bench.html in headless Debian Chromium and prints its figures: `node bench/browser.mjs [MB]`.
import { launch, serveWww } from "../tests/e2e/browser.js";

const megabytes = Number(process.argv[2] ?? 50);
const server = await serveWww();
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}bench.html`);
  await page.waitForFunction(() => "kithBench" in window);
  const result = await page.evaluate((mb) => /** @type {any} */ (window).kithBench(mb), megabytes);
  console.log(JSON.stringify({ engine: `Chromium ${browser.version()}`, ...result }));
} finally {
  await browser.close();
  server.stop();
}
