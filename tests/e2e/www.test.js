// @ts-check
// The www page in headless Chromium: `node --test tests/e2e/` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launch, root, serveWww } from "./browser.js";

test("importing fixtures on the www page shows their contacts, and nothing leaves the machine", async () => {
  const server = await serveWww();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    /** @type {string[]} */
    const offHost = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url)) offHost.push(r.url());
    });
    await page.goto(server.url);
    await page.getByText("No contacts yet").waitFor();
    const fixtures = `${root}tests/fixtures/whatsapp/`;
    await page.setInputFiles("#files", [
      { name: "WhatsApp Chat with Ann Lee.txt", mimeType: "text/plain", buffer: await readFixture(`${fixtures}android-24h-dmy.txt`) },
      { name: "WhatsApp Chat - Ann.zip", mimeType: "application/zip", buffer: await readFixture(`${fixtures}ios-seconds-dmy-crlf.zip`) },
    ]);
    await page.locator("#rows tr").nth(1).waitFor();
    const names = await page.locator("#rows tr td:first-child").allTextContents();
    assert.deepEqual(names.sort(), ["Ann", "Ann Lee"]);
    const annLee = page.locator("#rows tr", { hasText: "Ann Lee" });
    assert.deepEqual(await annLee.locator("td.num").allTextContents(), ["2", "3", "0"]);
    assert.match(await annLee.locator("td").nth(1).innerText(), /ago/);
    const body = await page.content();
    assert.ok(!body.includes("CANARY"), "no message text on the page");
    const dir = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: `${dir}www-contacts.png`, fullPage: true });
    assert.deepEqual(offHost, [], "every request stayed on the page's own loopback origin");
  } finally {
    await browser.close();
    server.stop();
  }
});

/** @param {string} path */
async function readFixture(path) {
  const { readFile } = await import("node:fs/promises");
  return readFile(path);
}
