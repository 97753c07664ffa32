// @ts-check
// One person across sources, end to end in the unpacked extension: exact links (a shared email
// address) make one contact; a shared name only is a "possible duplicate" the user accepts or
// rejects in the options page; merges, splits and renames from the popup are undoable, survive
// the worker being stopped, and reach the real kith-server (an absorbed id as a deletion).
// `node --test tests/e2e/identity.test.js` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { root } from "./browser.js";
import { external, importThroughOptions, launchExtension, newProfile, openPopup, storageDump } from "./extension.js";
import { createToken, databaseText, freePort, newDatabase, pullAll, startServer } from "./server.js";

const CANARY = "CANARY-";
const screenshots = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
mkdirSync(screenshots, { recursive: true });

/** @param {string} name @param {string} mimeType */
const fixture = (name, mimeType) => ({ name, mimeType, buffer: readFileSync(`${root}tests/fixtures/identity/${name}`) });
// Rosa Diaz: LinkedIn lists her address, and she mails from it (any case): one person.
// Priya Shah: a WhatsApp chat and a mail, nothing shared but the name: a suggestion.
const linkedin = fixture("Connections.csv", "text/csv");
const mbox = fixture("rosa-and-priya.mbox", "application/mbox");
const whatsapp = fixture("WhatsApp Chat with Priya Shah.txt", "text/plain");

/** @param {import("playwright-core").Page} page @returns {Promise<import("../../pkg/kith.js").Contact[]>} */
const contactsOf = (page) => page.evaluate(() => chrome.runtime.sendMessage({ type: "kith/contacts" }));
/** @param {import("playwright-core").Page} page @param {string} name */
const named = async (page, name) => (await contactsOf(page)).filter((c) => c.name === name);

/** @param {import("playwright-core").Page} popup @param {string} query */
async function search(popup, query) {
  await popup.fill("#search", query);
  return popup.locator(".row .name").allTextContents();
}

/** @param {import("playwright-core").Page} options */
async function reloadOptions(options) {
  await options.reload();
  await options.waitForSelector("body[data-ready=true]");
}

test("a shared address makes one contact; a shared name is a possible duplicate to accept, undo or reject for good", async () => {
  const { context, worker, base, requests } = await launchExtension(newProfile());
  try {
    const options = await importThroughOptions(context, base, [linkedin, mbox, whatsapp]);

    // Rosa: one contact, both handles, each with its source and its own last interaction.
    const popup = await openPopup(context, base);
    assert.deepEqual(await search(popup, "rosa"), ["Rosa Diaz"]);
    assert.deepEqual(await search(popup, "rosa-diaz-7"), ["Rosa Diaz"], "found by her LinkedIn profile");
    assert.deepEqual(await search(popup, "ROSA.DIAZ@example"), ["Rosa Diaz"], "found by her address");
    await popup.keyboard.press("Enter");
    await popup.keyboard.press("Enter");
    await popup.locator("#detail").waitFor();
    const handles = popup.locator("#detail-handles li");
    assert.equal(await handles.count(), 2);
    assert.match(await handles.nth(0).innerText(), /rosa\.diaz@example\.org · Email · last talked/);
    assert.match(await handles.nth(1).innerText(), /linkedin\.com\/in\/rosa-diaz-7 · LinkedIn · no messages yet/);
    assert.match(await popup.locator("#detail-why").innerText(), /One person because: same email address rosa\.diaz@example\.org/);
    assert.equal(await popup.getByRole("button", { name: /^Split / }).count(), 2, "each handle can be split off");
    await popup.screenshot({ path: `${screenshots}popup-identity.png` });

    // Split the LinkedIn handle off: two contacts; Undo: one again.
    await popup.getByRole("button", { name: /^Split Rosa Diaz \(LinkedIn\)/ }).click();
    await popup.locator("#detail-status", { hasText: "is now a contact of its own" }).waitFor();
    assert.equal((await named(popup, "Rosa Diaz")).length, 2);
    assert.equal(await handles.count(), 1, "the detail shows what is left");
    assert.equal(await popup.evaluate(() => document.activeElement?.id), "undo", "the keyboard is on Undo");
    await popup.keyboard.press("Enter");
    await popup.locator("#detail-status", { hasText: "Undone." }).waitFor();
    assert.equal((await named(popup, "Rosa Diaz")).length, 1);
    assert.equal(await handles.count(), 2);
    await popup.keyboard.press("Escape");
    assert.ok(await popup.locator("#detail").isHidden());

    // Priya: two contacts, one suggestion with both names, sources and the reason.
    assert.equal((await named(popup, "Priya Shah")).length, 2);
    await reloadOptions(options);
    const suggestions = options.locator("#suggestions > li:not(.empty)");
    assert.equal(await suggestions.count(), 1);
    const text = await suggestions.first().innerText();
    assert.match(text, /Priya Shah \(Email\)\s+and\s+Priya Shah \(WhatsApp\)/);
    assert.match(text, /same name, “Priya Shah”, in WhatsApp and Email/);
    assert.match(await options.locator("#decisions").innerText(), /No changes yet/);
    await options.setViewportSize({ width: 900, height: 700 });
    await options.locator("section", { has: options.locator("#duplicates-title") }).screenshot({ path: `${screenshots}options-duplicates.png` });

    // Accept by keyboard: one contact, announced, listed under your changes.
    await options.getByRole("button", { name: /^Accept: Priya Shah/ }).focus();
    await options.keyboard.press("Enter");
    await options.locator("#suggestions-status", { hasText: "they are one contact now" }).waitFor();
    assert.match(await options.locator("#suggestions").innerText(), /No possible duplicates\. kith suggests people who appear under the same or similar names in different sources\./);
    assert.equal(await options.evaluate(() => document.activeElement?.id), "duplicates-title", "focus stays in the section");
    const priya = await named(options, "Priya Shah");
    assert.equal(priya.length, 1);
    assert.deepEqual(priya[0].handles.map((h) => h.sources[0]).sort(), ["email", "whatsapp"]);
    assert.equal(priya[0].receivedCount, 3, "her messages add up across sources");
    await popup.reload();
    await popup.waitForSelector("body[data-ready=true]");
    assert.deepEqual(await search(popup, "priya"), ["Priya Shah"]);

    // Undo from "Your changes": two again, and the suggestion is back.
    const undo = options.getByRole("button", { name: /^Undo: Accepted that Priya Shah \(Email\) and Priya Shah \(WhatsApp\) are one person/ });
    await undo.click();
    await options.locator("#suggestions-status", { hasText: "Undone" }).waitFor();
    assert.equal((await named(options, "Priya Shah")).length, 2);
    assert.equal(await suggestions.count(), 1);

    // Reject: gone, and it does not come back when the same files are imported again.
    await options.getByRole("button", { name: /^Reject: Priya Shah/ }).click();
    await options.locator("#suggestions-status", { hasText: "kith will not suggest them again" }).waitFor();
    assert.equal(await suggestions.count(), 0);
    assert.match(await options.locator("#decisions").innerText(), /different people/);
    await options.setInputFiles("#files", [mbox, whatsapp]);
    await options.waitForFunction(() => document.querySelectorAll("#imports li .ok, #imports li .bad").length >= 2);
    await reloadOptions(options);
    assert.equal(await suggestions.count(), 0, "a rejected suggestion stays rejected after a re-import");
    assert.equal((await named(options, "Priya Shah")).length, 2);

    assert.ok(!(await storageDump(worker)).includes(CANARY), "no message text stored");
    assert.deepEqual(external(requests), [], "nothing left the browser");
  } finally {
    await context.close();
  }
});

test("merge and rename in the popup: undoable, kept across a worker stop, synced to kith-server with the absorbed id deleted", async () => {
  const db = newDatabase();
  const token = createToken(db, "e2e");
  const port = await freePort();
  const server = /** @type {any} */ (await startServer(db, port));
  const { context, worker, base } = await launchExtension(newProfile());
  try {
    const options = await importThroughOptions(context, base, [linkedin, mbox, whatsapp]);
    await options.fill("#server-url", `http://127.0.0.1:${port}`);
    await options.fill("#server-token", token);
    await options.setChecked("#sync-enabled", true);
    await options.click("#sync-save");
    await options.locator("#sync-message", { hasText: "Sync is on" }).waitFor();
    const pressSync = async () => {
      const popup = await openPopup(context, base);
      await popup.click("#sync");
      await popup.waitForFunction(() => {
        const t = document.getElementById("sync-result")?.textContent ?? "";
        return t !== "" && !t.startsWith("Syncing");
      }, undefined, { timeout: 30_000 });
      const result = await popup.locator("#sync-result").innerText();
      await popup.close();
      return result;
    };
    assert.match(await pressSync(), /Synced 3 change/);
    const before = await named(options, "Priya Shah");
    const waId = before.find((c) => c.sources.includes("whatsapp"))?.id;
    const mailId = before.find((c) => c.sources.includes("email"))?.id;
    assert.ok(waId && mailId);

    // Merge by keyboard: open the WhatsApp Priya, Merge…, type, Enter.
    const popup = await openPopup(context, base);
    await popup.fill("#search", "priya");
    await popup.locator(".row", { hasText: "WhatsApp" }).click();
    await popup.locator("#detail").waitFor();
    await popup.locator("#merge-open").focus();
    await popup.keyboard.press("Enter");
    assert.equal(await popup.evaluate(() => document.activeElement?.id), "merge-search");
    await popup.keyboard.type("priya.shah@");
    assert.deepEqual(await popup.locator("#merge-results [role=option]").allInnerTexts(), ["Priya Shah\nEmail"]);
    await popup.keyboard.press("Enter");
    await popup.locator("#detail-status", { hasText: "Merged “Priya Shah” (Email)" }).waitFor();
    assert.equal(await popup.locator("#detail-handles li").count(), 2);
    assert.match(await popup.locator("#detail-why").innerText(), /you merged them/i);
    assert.equal((await named(popup, "Priya Shah")).length, 1);
    assert.ok((await worker.evaluate(() => chrome.alarms.getAll())).some((a) => a.name === "kith-sync-soon"), "a sync is scheduled after the change");
    await popup.screenshot({ path: `${screenshots}popup-merged.png` });

    // Undo right there, then merge again.
    await popup.getByRole("button", { name: /^Undo: Merged/ }).click();
    await popup.locator("#detail-status", { hasText: "Undone." }).waitFor();
    assert.equal((await named(popup, "Priya Shah")).length, 2);
    await popup.click("#merge-open");
    await popup.fill("#merge-search", "priya");
    await popup.keyboard.press("Enter");
    await popup.locator("#detail-status", { hasText: "Merged" }).waitFor();

    // Edit Rosa: the core's refusals show inline; a rename holds.
    await popup.keyboard.press("Escape");
    await popup.fill("#search", "rosa");
    await popup.locator(".row", { hasText: "Rosa Diaz" }).click();
    await popup.click("#edit-open");
    assert.equal(await popup.evaluate(() => document.activeElement?.id), "edit-name");
    await popup.fill("#add-phone", "07700 900123");
    await popup.press("#add-phone", "Enter");
    await popup.locator("#phone-error", { hasText: "no country code" }).waitFor();
    // Setting the country in the options makes the national number readable.
    assert.match(await options.locator("#country-help").innerText(), /Every number in your contacts has its country code/);
    await options.selectOption("#country", "GB");
    await options.getByRole("button", { name: "Save" }).and(options.locator("#country-form button")).click();
    await options.locator("#country-saved", { hasText: "Saved: United Kingdom" }).waitFor();
    assert.match(await options.locator("#country-help").innerText(), /read as numbers of United Kingdom/);
    await options.locator("section", { has: options.locator("#phone-title") }).screenshot({ path: `${screenshots}options-phone-country.png` });
    await popup.press("#add-phone", "Enter");
    await popup.locator("#edit-phones li", { hasText: "+447700900123" }).waitFor();
    assert.equal(await popup.locator("#phone-error").innerText(), "", "the error is cleared");
    await popup.getByRole("button", { name: "Remove +447700900123" }).click();
    await popup.locator("#detail-status", { hasText: "Removed +447700900123" }).waitFor();
    await popup.fill("#edit-name", "   ");
    await popup.press("#edit-name", "Enter");
    await popup.locator("#rename-error", { hasText: "at least one visible character" }).waitFor();
    await popup.fill("#edit-name", "Rosa María Díaz");
    await popup.press("#edit-name", "Enter");
    await popup.locator("#detail-status", { hasText: "Renamed to “Rosa María Díaz”" }).waitFor();
    assert.equal(await popup.locator("#detail-name").innerText(), "Rosa María Díaz");
    await popup.screenshot({ path: `${screenshots}popup-edit.png` });
    await popup.fill("#add-email", "rosa@home.example");
    await popup.press("#add-email", "Enter");
    await popup.locator("#edit-emails li", { hasText: "rosa@home.example" }).waitFor();
    await popup.getByRole("button", { name: "Remove rosa@home.example" }).click();
    await popup.locator("#detail-status", { hasText: "Removed rosa@home.example" }).waitFor();
    assert.equal(await popup.locator("#edit-emails li", { hasText: "rosa@home.example" }).count(), 0);
    await popup.keyboard.press("Escape");
    assert.ok(await popup.locator("#edit-form").isHidden(), "Escape closes the panel first");
    await popup.keyboard.press("Escape");
    assert.deepEqual(await search(popup, "rosa-diaz-7"), ["Rosa María Díaz"]);
    const decisions = await popup.evaluate(() => chrome.runtime.sendMessage({ type: "kith/decisions" }));
    assert.deepEqual(decisions.map((/** @type {any} */ d) => d.kind), ["merge", "addPhone", "removePhone", "rename", "addEmail", "removeEmail"]);

    // MV3 stops idle workers: what was decided holds.
    const cdp = await context.newCDPSession(popup);
    await cdp.send("ServiceWorker.enable");
    await cdp.send("ServiceWorker.stopAllWorkers");
    const afterStop = await openPopup(context, base);
    assert.equal((await named(afterStop, "Rosa María Díaz")).length, 1, "the rename survived the worker stopping");
    const merged = await named(afterStop, "Priya Shah");
    assert.equal(merged.length, 1, "the merge survived the worker stopping");
    assert.equal(merged[0].id, waId, "the merged contact keeps the WhatsApp id");

    // The server: one Priya with the merged counts, the mail id deleted, Rosa renamed.
    assert.match(await pressSync(), /Synced \d+ change/);
    const stored = await pullAll(port, token);
    const record = (/** @type {string} */ id) => stored.filter((c) => c.id === id).at(-1);
    assert.equal(record(waId)?.contact?.receivedCount, 3);
    assert.equal(record(waId)?.contact?.sentCount, 1);
    assert.deepEqual(record(waId)?.contact?.emails, ["priya.shah@example.net"]);
    assert.equal(record(mailId)?.contact, null, "the absorbed contact is deleted on the server");
    assert.ok(record(mailId)?.deletedAt, "as a tombstone");
    const live = stored.filter((c) => c.contact);
    assert.deepEqual(live.map((c) => c.contact.name).sort(), ["Priya Shah", "Rosa María Díaz"]);
    assert.ok(!databaseText(db).includes(CANARY));
  } finally {
    await context.close();
    server.stop();
  }
});
