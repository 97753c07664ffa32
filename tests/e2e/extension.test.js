// @ts-check
// The unpacked extension in headless Debian Chromium: `node --test tests/e2e/` (after
// `npm run build`). Import, ranking, persistence across a worker stop and a browser restart,
// live capture, export/delete/re-import, and the privacy checks: canaries in every message
// body appear in no storage, no message the worker received, no export; no request leaves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { root } from "./browser.js";
import { external, fixtures, importThroughOptions, launchExtension, newProfile, openPopup, receivedText, recordWorkerMessages, storageDump } from "./extension.js";
import { ago } from "../../extension/lib/format.js";

// Screenshots go to test-results/ on every run; `UPDATE_SCREENSHOTS=1 npm test` refreshes the
// committed ones the README shows.
const screenshots = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
mkdirSync(screenshots, { recursive: true });
const CANARY = "CANARY-";

/** Named like WhatsApp names them: the name tells kith who the chat is with. */
const files = [
  { name: "WhatsApp Chat with Ann Lee.txt", mimeType: "text/plain", buffer: readFileSync(`${fixtures}android-24h-dmy.txt`) },
  { name: "WhatsApp Chat - Ann.zip", mimeType: "application/zip", buffer: readFileSync(`${fixtures}ios-seconds-dmy-crlf.zip`) },
  { name: "WhatsApp Chat with Bob.txt", mimeType: "text/plain", buffer: readFileSync(`${fixtures}android-12h-mdy-spaces.txt`) },
];


/** @param {import("playwright-core").Page} page */
const contactsOf = (page) => page.evaluate(() => chrome.runtime.sendMessage({ type: "kith/contacts" }));

/**
 * Polls the worker's contacts until `predicate` holds (live events arrive asynchronously).
 * @param {import("playwright-core").Page} page @param {(contacts: any[]) => boolean} predicate
 */
async function waitForContacts(page, predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const contacts = await contactsOf(page);
    if (predicate(contacts)) return contacts;
    if (Date.now() > deadline) throw new Error(`contacts never matched: ${JSON.stringify(contacts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("import through options, rank in the popup, survive a worker stop and a restart, keep no text", async () => {
  const profile = newProfile();
  const first = await launchExtension(profile);
  let context = first.context;
  const { worker, base, requests } = first;
  try {
    const empty = await openPopup(context, base);
    await empty.getByText("No contacts yet").waitFor();
    await empty.screenshot({ path: `${screenshots}popup-empty.png` });
    await recordWorkerMessages(worker);

    const options = await importThroughOptions(context, base, files);
    assert.match(await options.locator("#imports").innerText(), /chat with Ann Lee: 5 messages · 1 contact · you are Sam \(inferred\)/);
    await options.screenshot({ path: `${screenshots}options.png`, fullPage: true });

    const popup = await openPopup(context, base);
    const names = () => popup.locator(".row .name").allTextContents();
    // Needs attention: Bob and Ann wrote last (waiting on you); Bob is also overdue against a daily habit.
    assert.deepEqual(await names(), ["Bob", "Ann", "Ann Lee"]);
    const bob = popup.locator(".row", { hasText: "Bob" });
    assert.equal(await bob.locator(".times").innerText(), `you: ${ago("2022-03-19T12:30:00Z")} · them: ${ago("2022-03-20T00:01:00Z")}`);
    // Since 2022-03-20: the row says how long, in the largest whole unit.
    assert.match(await bob.locator(".badge").innerText(), /^waiting on you \d+ years$/);
    await popup.screenshot({ path: `${screenshots}popup-contacts.png` });
    await popup.getByRole("tab", { name: "A–Z" }).click();
    assert.deepEqual(await names(), ["Ann", "Ann Lee", "Bob"]);
    await popup.getByRole("tab", { name: "Recent" }).click();
    assert.deepEqual(await names(), ["Bob", "Ann", "Ann Lee"]);
    await popup.locator("#search").fill("lee");
    assert.deepEqual(await names(), ["Ann Lee"]);
    await popup.keyboard.press("Enter");
    await popup.keyboard.press("Enter");
    await popup.locator("#detail").waitFor();
    assert.match(await popup.locator("#detail").innerText(), /Messages you sent\s+2/);
    await popup.screenshot({ path: `${screenshots}popup-detail.png` });
    await popup.keyboard.press("Escape");
    assert.ok(await popup.locator("#detail").isHidden());

    const before = await contactsOf(popup);
    const stored = await storageDump(worker);
    assert.ok(stored.includes("Ann Lee"), "the dump holds the real state");
    assert.ok(!stored.includes(CANARY), "no message text in IndexedDB or chrome.storage");
    const received = await receivedText(worker);
    assert.ok(received.includes("kith/apply-journal"), "the worker's messages were recorded");
    assert.ok(!received.includes(CANARY), "no message text in any message the worker received");

    // MV3 stops idle workers; stop it now and ask again.
    const cdp = await context.newCDPSession(popup);
    await cdp.send("ServiceWorker.enable");
    await cdp.send("ServiceWorker.stopAllWorkers");
    const afterStop = await openPopup(context, base);
    assert.deepEqual(await contactsOf(afterStop), before);

    // Close the browser and start it again on the same profile.
    await context.close();
    const relaunched = await launchExtension(profile);
    context = relaunched.context;
    const afterRestart = await openPopup(context, relaunched.base);
    assert.deepEqual(await contactsOf(afterRestart), before);
    assert.deepEqual(await afterRestart.locator(".row .name").allTextContents(), ["Bob", "Ann", "Ann Lee"]);
    assert.deepEqual(external([...requests, ...relaunched.requests]), [], "no request left the browser");
  } finally {
    await context.close();
  }
});

test("WhatsApp Web rows update the stats live, and their text goes nowhere", async () => {
  const { context, worker, base, requests } = await launchExtension(newProfile());
  try {
    await recordWorkerMessages(worker);
    await context.route("https://web.whatsapp.com/**", (route) =>
      route.fulfill({ contentType: "text/html", body: readFileSync(`${root}tests/fixtures/web/whatsapp-web.html`) }),
    );
    const web = await context.newPage();
    await web.goto("https://web.whatsapp.com/");
    const probe = await openPopup(context, base);
    const dana = async () => /** @type {any[]} */ (await contactsOf(probe)).find((c) => c.name === "Dana Fixture");
    await waitForContacts(probe, (cs) => cs.some((c) => c.name === "Dana Fixture" && c.receivedCount === 1 && c.sentCount === 1));
    assert.equal((await dana()).sentCount, 1);
    assert.equal((await dana()).lastReceivedAt, new Date(2024, 2, 13, 9, 0).toISOString().replace(".000", ""));

    await web.evaluate(() => {
      const row = document.createElement("div");
      row.setAttribute("data-id", "false_447700900555@c.us_3EB0AA03");
      row.innerHTML = '<div class="message-in"><div class="copyable-text" data-pre-plain-text="[18:30, 14/03/2024] Dana Fixture: "><span class="selectable-text">CANARY-web-03 evening</span></div></div>';
      document.getElementById("rows")?.append(row);
    });
    await waitForContacts(probe, (cs) => cs.some((c) => c.name === "Dana Fixture" && c.receivedCount === 2));
    const live = await dana();
    assert.equal(live.lastReceivedAt, new Date(2024, 2, 14, 18, 30).toISOString().replace(".000", ""));
    assert.equal(live.waitingOn, "me");
    // The same rows seen again (a re-render) are not counted twice.
    await web.reload();
    await web.waitForTimeout(1000);
    assert.equal((await dana()).receivedCount, 2);

    assert.ok(!(await receivedText(worker)).includes(CANARY), "the content script sent no message text");
    assert.ok((await receivedText(worker)).includes("kith/live-events"));
    assert.ok(!(await storageDump(worker)).includes(CANARY));
    assert.deepEqual(external(requests).filter((u) => !u.startsWith("https://web.whatsapp.com/")), [], "only the routed page was requested");
  } finally {
    await context.close();
  }
});

test("export, delete everything, import the JSON export: the same contacts come back", async () => {
  const { context, worker, base, requests } = await launchExtension(newProfile());
  try {
    const options = await importThroughOptions(context, base, files);
    const before = await contactsOf(options);
    assert.equal(before.length, 3);

    /** @param {string} button */
    const exported = async (button) => {
      const [download] = await Promise.all([options.waitForEvent("download"), options.click(button)]);
      return readFileSync(/** @type {string} */ (await download.path()), "utf8");
    };
    const json = await exported("#export-json");
    const csv = await exported("#export-csv");
    const vcard = await exported("#export-vcard");
    assert.match(csv, /^name,phones,emails/);
    assert.match(vcard, /BEGIN:VCARD\r\nVERSION:3\.0\r\nFN:/);
    for (const text of [json, csv, vcard, Buffer.from(JSON.parse(json).snapshot, "base64").toString("latin1")]) {
      assert.ok(text.includes("Ann Lee"));
      assert.ok(!text.includes(CANARY), "no message text in exports");
    }

    await options.click("#delete-all");
    await options.click("#confirm-delete-button");
    await options.getByText("All local data was deleted").waitFor();
    assert.deepEqual(await contactsOf(options), []);
    assert.ok(!(await storageDump(worker)).includes("Ann Lee"), "storage holds nothing of the user's");

    await options.setInputFiles("#files", [{ name: "kith-export.json", mimeType: "application/json", buffer: Buffer.from(json) }]);
    await options.getByText("restored from a kith export").waitFor();
    assert.deepEqual(await contactsOf(options), before);
    assert.deepEqual(external(requests), []);
  } finally {
    await context.close();
  }
});
