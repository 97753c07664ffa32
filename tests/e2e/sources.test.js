// @ts-check
// One export of every source through the options page, seen in the popup with its source:
// `node --test tests/e2e/sources.test.js` (after `npm run build`). The privacy checks of
// extension.test.js hold for every format: no canary in any message the worker received or in
// its storage, and no request leaves the browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { root } from "./browser.js";
import {
  external, importThroughOptions, launchExtension, newProfile, openPopup, receivedText, recordWorkerMessages, storageDump,
} from "./extension.js";

const CANARY = "CANARY-";
// As in extension.test.js: test-results/ on every run; `UPDATE_SCREENSHOTS=1 npm test` refreshes
// the committed ones the README shows.
const screenshots = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
mkdirSync(screenshots, { recursive: true });
/** @param {string} path */
const fixture = (path) => readFileSync(`${root}tests/fixtures/${path}`);

/** One file per source, named as the app names it, and a contact each must produce. */
const sources = [
  { source: "whatsapp", contact: "Ann Lee", file: { name: "WhatsApp Chat with Ann Lee.txt", mimeType: "text/plain", buffer: fixture("whatsapp/android-24h-dmy.txt") } },
  { source: "telegram", contact: "Bob Stone", file: { name: "result.json", mimeType: "application/json", buffer: fixture("telegram/full-new-ids-unixtime.json") } },
  { source: "messenger", contact: "Kofi Mensah", file: { name: "facebook-samrivera-20240701.zip", mimeType: "application/zip", buffer: fixture("messenger/facebook-samrivera-20240701.zip") } },
  { source: "instagram", contact: "Theo Park", file: { name: "instagram-sam.rivera-20240701.zip", mimeType: "application/zip", buffer: fixture("instagram/instagram-sam.rivera-20240701.zip") } },
  { source: "linkedin", contact: "Mia Novak", file: { name: "Basic_LinkedInDataExport_06-10-2024.zip", mimeType: "application/zip", buffer: fixture("linkedin/linkedin-export.zip") } },
  { source: "email", contact: "José Núñez", file: { name: "All mail Including Spam and Trash.mbox", mimeType: "application/mbox", buffer: fixture("mbox/takeout-direct-encoded-names.mbox") } },
];

test("one export of every source imports through the options page and its contacts show in the popup with their source", async () => {
  const { context, worker, base, requests } = await launchExtension(newProfile());
  try {
    await recordWorkerMessages(worker);
    for (const { file } of sources) assert.ok(file.buffer.toString("latin1").includes(CANARY) || file.name.endsWith(".zip"), file.name);
    const options = await importThroughOptions(context, base, sources.map((s) => s.file));
    const results = await options.locator("#imports li").allInnerTexts();
    assert.equal(results.length, sources.length);
    for (const text of results) assert.ok(!text.includes(CANARY), text);

    const popup = await openPopup(context, base);
    for (const { source, contact } of sources) {
      await popup.fill("#search", contact);
      const row = popup.locator(".row", { hasText: contact }).filter({ hasText: source });
      await row.first().waitFor({ timeout: 5000 });
      assert.ok(await row.count() >= 1, `${contact} from ${source}`);
    }
    await popup.fill("#search", "");
    await popup.click("#tab-recent");
    await popup.screenshot({ path: `${screenshots}popup-sources.png` });
    await options.setViewportSize({ width: 900, height: 900 });
    await options.locator("#imports").screenshot({ path: `${screenshots}options-sources.png` });

    assert.ok(!(await receivedText(worker)).includes(CANARY), "no canary in anything the worker received");
    const stored = await storageDump(worker);
    assert.ok(stored.includes("Kofi Mensah") && stored.includes("Mia Novak"), "the dump holds the state (positive control)");
    assert.ok(!stored.includes(CANARY), "no canary in any stored byte");
    assert.deepEqual(external(requests), [], "nothing left the browser");
  } finally {
    await context.close();
  }
});

test("when kith cannot tell which writer is you, the options page asks, and the answer fixes the contacts", async () => {
  const { context, base } = await launchExtension(newProfile());
  try {
    // A bare _chat.txt: its name names nobody, and two people write in it.
    const chat = "13/02/2020, 10:00 - Ann Lee: CANARY-1\n13/02/2020, 10:05 - Sam Lee: CANARY-2\n14/02/2020, 09:00 - Ann Lee: CANARY-3\n";
    const options = await importThroughOptions(context, base, [{ name: "_chat.txt", mimeType: "text/plain", buffer: Buffer.from(chat) }]);
    const question = options.getByRole("group", { name: "Which of these is you?" });
    await question.waitFor();
    assert.deepEqual(await question.getByRole("button").allInnerTexts(), ["Ann Lee", "Sam Lee"]);
    const popup = await openPopup(context, base);
    assert.ok(await popup.locator("#empty").isVisible(), "no contacts while nobody is known to be you");
    await question.getByRole("button", { name: "Sam Lee" }).click();
    await options.getByText("Thanks: you are Sam Lee").waitFor();
    await popup.reload();
    await popup.waitForSelector("body[data-ready=true]");
    const row = popup.locator(".row", { hasText: "Ann Lee" });
    await row.waitFor();
    assert.match(await row.innerText(), /↑1 ↓2/, "one message from you, two from Ann");
    assert.equal(await popup.locator(".row", { hasText: "Sam Lee" }).count(), 0, "you are not a contact");
  } finally {
    await context.close();
  }
});
