// @ts-check
// Keep in touch, end to end in the unpacked extension: goals and snoozes reorder "Needs
// attention" with reasons in words; the contact's history is a chart with keyboard access;
// reminders are off until turned on, ask for the notifications permission at that moment, send
// at most one digest a day naming people and reasons only, and "Stop these reminders" ends
// them (no alarm, no notification left).
// `node --test tests/e2e/keep.test.js` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { root } from "./browser.js";
import { extensionDir, external, importThroughOptions, launchExtension, newProfile, openPopup } from "./extension.js";

const CANARY = "CANARY-";
const screenshots = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
mkdirSync(screenshots, { recursive: true });

const DAY = 86_400_000;
/** "05/03/2024, 09:00" in local time, as an Android export in day/month order writes it. @param {number} ms */
function stamp(ms) {
  const d = new Date(ms);
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}, ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * A WhatsApp export between Sam and `name`: messages `daysAgo` days back, by Sam when `mine`.
 * Every body holds a canary.
 * @param {string} name @param {Array<[number, boolean]>} messages
 */
function chat(name, messages) {
  const now = Date.now();
  const text = messages.map(([daysAgo, mine], i) => `${stamp(now - daysAgo * DAY)} - ${mine ? "Sam" : name}: ${CANARY}keep-${name.replace(" ", "")}-${i}\n`).join("");
  return { name: `WhatsApp Chat with ${name}.txt`, mimeType: "text/plain", buffer: Buffer.from(text) };
}

// Ann wrote last, two days ago: she is waiting on a reply. Bo: every two days, long ago:
// overdue against the rhythm. Dee: every 30 days or so, last 20 days ago: fine, until a weekly
// goal makes her overdue. Cy: yesterday.
const FILES = [
  chat("Ann Lee", [[40, true], [30, false], [20, true], [2, false]]),
  chat("Bo Kim", [[60, false], [58, true], [56, false], [54, true], [52, false], [50, true]]),
  chat("Dee Ray", [[110, false], [80, true], [50, false], [20, true]]),
  chat("Cy Park", [[3, false], [2, true], [1, false], [1, true]]),
];

/** @param {import("playwright-core").Page} popup */
const rows = (popup) => popup.locator(".row").evaluateAll((els) => els.map((el) => ({
  name: el.querySelector(".name")?.textContent ?? "",
  badge: el.querySelector(".badge")?.textContent ?? "",
})));

/** @param {import("playwright-core").Page} popup @param {string} name */
async function openContact(popup, name) {
  await popup.fill("#search", name);
  await popup.locator(".row", { hasText: name }).first().click();
  await popup.locator("#detail").waitFor();
}

/** @param {import("playwright-core").Page} popup */
async function backToList(popup) {
  await popup.locator("#back").click();
  await popup.fill("#search", "");
}

test("goals, snoozes and not now reorder Needs attention with reasons; the history chart is keyboard-readable", async () => {
  const { context, base, requests } = await launchExtension(newProfile());
  try {
    await importThroughOptions(context, base, FILES);
    const popup = await openPopup(context, base);
    let list = await rows(popup);
    assert.deepEqual(list.map((r) => r.name), ["Ann Lee", "Bo Kim", "Cy Park", "Dee Ray"]);
    assert.equal(list[0].badge, "waiting on you 2 days");
    assert.match(list[1].badge, /^\d+ weeks quiet \(usually every 2 days\)$/);
    assert.equal(list[3].badge, "", "Dee is on her usual rhythm");

    // A weekly goal for Dee: 20 days since, so she is overdue against it, and says so.
    await openContact(popup, "Dee Ray");
    await popup.selectOption("#goal", "7");
    assert.equal(await popup.locator("#keep-why").innerText(), "", "choosing in the menu saves nothing yet");
    await popup.locator("#goal-set").click();
    await popup.locator("#keep-why", { hasText: "past your weekly goal" }).waitFor();
    assert.equal(await popup.evaluate(() => document.activeElement?.id), "goal-set", "the focus stays on the goal");
    assert.match(await popup.locator("#detail-facts").innerText(), /your goal is every week/);

    // The chart: a canvas, a summary for screen readers, arrow keys read each month.
    const chart = popup.locator(".history-chart");
    assert.equal(await chart.locator("canvas").count(), 1);
    assert.match(await chart.getAttribute("aria-label") ?? "", /^Last 24 months: you sent 2, they sent 2; busiest /);
    await chart.focus();
    await popup.keyboard.press("ArrowLeft");
    assert.match(await popup.locator(".history-caption").innerText(), /^[A-Z][a-z]{2} \d{4}: you \d+, them \d+$/);
    await popup.screenshot({ path: `${screenshots}popup-keep.png` });
    // The chart takes its colours from the theme when it is drawn: draw it again in dark.
    await popup.emulateMedia({ colorScheme: "dark" });
    await backToList(popup);
    await openContact(popup, "Dee Ray");
    await popup.screenshot({ path: `${screenshots}popup-keep-dark.png` });
    await popup.emulateMedia({ colorScheme: "light" });
    await backToList(popup);
    list = await rows(popup);
    assert.deepEqual(list.map((r) => r.name), ["Ann Lee", "Bo Kim", "Dee Ray", "Cy Park"], "Dee's goal puts her before Cy");
    assert.equal(list[2].badge, "13 days past your weekly goal");
    await popup.screenshot({ path: `${screenshots}popup-attention.png` });

    // Snoozing Ann takes her out of the top until the date; "not now" on Dee likewise.
    await openContact(popup, "Ann Lee");
    await popup.selectOption("#snooze", "7");
    await popup.locator("#snooze-set").click();
    await popup.locator("#snooze option", { hasText: /^Snoozed until / }).waitFor({ state: "attached" });
    await backToList(popup);
    await openContact(popup, "Dee Ray");
    await popup.locator("#not-now").click();
    await popup.locator('#not-now[aria-pressed="true"]').waitFor();
    await backToList(popup);
    list = await rows(popup);
    assert.deepEqual(list.map((r) => r.name), ["Bo Kim", "Cy Park", "Ann Lee", "Dee Ray"]);
    assert.deepEqual(list.map((r) => r.badge).filter((b) => b === "snoozed" || b === "not now").length, 2);
    assert.equal(list.find((r) => r.name === "Ann Lee")?.badge, "snoozed");

    // Snoozing until a date: a day in the past is refused in words; a later one is taken.
    await openContact(popup, "Cy Park");
    await popup.selectOption("#snooze", "date");
    await popup.fill("#snooze-date", "2020-01-01");
    await popup.locator("#snooze-date-form button").click();
    await popup.locator("#keep-status", { hasText: "Pick a day after today." }).waitFor();
    const later = new Date(Date.now() + 10 * DAY);
    await popup.fill("#snooze-date", `${later.getFullYear()}-${String(later.getMonth() + 1).padStart(2, "0")}-${String(later.getDate()).padStart(2, "0")}`);
    await popup.locator("#snooze-date-form button").click();
    await popup.locator("#snooze option", { hasText: /^Snoozed until / }).waitFor({ state: "attached" });
    await popup.selectOption("#snooze", "wake");
    await popup.locator("#snooze-set").click();
    await popup.locator("#snooze option", { hasText: /^Not snoozed$/ }).waitFor({ state: "attached" });
    await backToList(popup);

    // Refused values are named, under the section, and change nothing.
    await openContact(popup, "Cy Park");
    await popup.selectOption("#goal", "custom");
    await popup.fill("#goal-days", "0");
    await popup.keyboard.press("Enter");
    await popup.locator("#keep-status", { hasText: "from 1 to 3650" }).waitFor();

    // Everything survives the worker stopping: the rows it kept in session storage are
    // removed first, so that these come from the restored engine.
    await popup.evaluate(() => chrome.storage.session.clear());
    const cdp = await context.newCDPSession(popup);
    await cdp.send("ServiceWorker.enable");
    await cdp.send("ServiceWorker.stopAllWorkers");
    const again = await openPopup(context, base);
    assert.deepEqual((await rows(again)).map((r) => r.name), ["Bo Kim", "Cy Park", "Ann Lee", "Dee Ray"]);
    const text = await again.locator("body").innerText();
    assert.ok(!text.includes(CANARY), "no message text in the popup");
    assert.deepEqual(external(requests), [], "nothing left the browser");
  } finally {
    await context.close();
  }
});

test("reminders are off by default, and turning them on asks Chrome for the notifications permission at that click", async () => {
  const { context, worker, base } = await launchExtension(newProfile());
  try {
    const options = await importThroughOptions(context, base, FILES);
    assert.equal(await options.locator("#reminders-on").isChecked(), false);
    assert.equal(await worker.evaluate(() => chrome.permissions.contains({ permissions: ["notifications"] })), false);
    assert.equal(await worker.evaluate(async () => (await chrome.alarms.getAll()).filter((a) => a.name === "kith-digest").length), 0);
    // A digest alarm fired anyway shows nothing and sets no next alarm: there is no
    // notifications API to show with, and reminders are off.
    assert.equal(await worker.evaluate(() => typeof chrome.notifications), "undefined");
    await worker.evaluate(() => /** @type {any} */ (globalThis).kithTest.fireAlarm("kith-digest"));
    assert.equal(await worker.evaluate(async () => (await chrome.alarms.getAll()).filter((a) => a.name === "kith-digest").length), 0);
    assert.match(await options.locator("#reminders-status").innerText(), /^Off\./);
    // The click asks (observed, then passed to Chrome). Chrome's prompt cannot be answered by
    // automation (playwright#32755), so it stays open and reminders stay off meanwhile.
    await options.evaluate(() => {
      const g = /** @type {any} */ (globalThis);
      g.__asked = [];
      const request = chrome.permissions.request.bind(chrome.permissions);
      chrome.permissions.request = /** @type {any} */ ((/** @type {chrome.permissions.Permissions} */ p) => {
        g.__asked.push(JSON.stringify(p));
        return request(p);
      });
    });
    await options.locator("#reminders-on").check();
    await options.waitForFunction(() => /** @type {any} */ (globalThis).__asked.length > 0);
    assert.deepEqual(await options.evaluate(() => /** @type {any} */ (globalThis).__asked), [JSON.stringify({ permissions: ["notifications"] })]);
  } finally {
    await context.close();
  }
});

/** A copy of the extension whose manifest grants `notifications` at install: what a user's Allow gives. */
function extensionWithNotificationsAllowed() {
  const dir = mkdtempSync(`${tmpdir()}/kith-extension-`);
  cpSync(extensionDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8"));
  manifest.permissions.push("notifications");
  delete manifest.optional_permissions;
  writeFileSync(`${dir}/manifest.json`, JSON.stringify(manifest));
  return dir;
}

test("reminders, once allowed: one digest a day with names and reasons only, stopped from the notification", async () => {
  const { context, worker, base } = await launchExtension(newProfile(), extensionWithNotificationsAllowed());
  try {
    const options = await importThroughOptions(context, base, FILES);
    const digestAlarms = () => worker.evaluate(async () => (await chrome.alarms.getAll()).filter((a) => a.name === "kith-digest").length);
    assert.equal(await options.locator("#reminders-on").isChecked(), false, "off by default, even when allowed");
    assert.equal(await digestAlarms(), 0);

    // On: the daily alarm exists.
    await options.locator("#reminders-on").check();
    await options.locator("#reminders-status", { hasText: /^On\. The next one comes / }).waitFor();
    assert.equal(await digestAlarms(), 1);
    // The alarm fires: one notification, naming the people who need attention, and why.
    await worker.evaluate(() => {
      const g = /** @type {any} */ (globalThis);
      g.__notifications = [];
      const create = chrome.notifications.create.bind(chrome.notifications);
      chrome.notifications.create = /** @type {any} */ ((/** @type {string} */ id, /** @type {any} */ opts) => {
        g.__notifications.push(JSON.stringify({ id, ...opts }));
        return create(id, opts);
      });
    });
    await worker.evaluate(() => /** @type {any} */ (globalThis).kithTest.fireAlarm("kith-digest"));
    await worker.evaluate(() => /** @type {any} */ (globalThis).kithTest.fireAlarm("kith-digest"));
    const shown = /** @type {string[]} */ (await worker.evaluate(() => /** @type {any} */ (globalThis).__notifications));
    assert.equal(shown.length, 1, "at most one digest a day");
    const digest = JSON.parse(shown[0]);
    assert.equal(digest.title, "Keep in touch with 2 people");
    assert.deepEqual(digest.message.split("\n").map((/** @type {string} */ l) => l.replace(/\d+ weeks/, "N weeks")),
      ["Ann Lee — waiting on you 2 days", "Bo Kim — N weeks quiet (usually every 2 days)"]);
    assert.deepEqual(digest.buttons.map((/** @type {{ title: string }} */ b) => b.title), ["Open kith", "Stop these reminders"]);
    assert.ok(!shown[0].includes(CANARY), "no message text in a notification");
    assert.deepEqual(Object.keys(await worker.evaluate(() => chrome.notifications.getAll())), ["kith-digest"]);

    // "Stop these reminders" on the notification: off, no alarm, nothing showing, nothing more.
    await worker.evaluate(() => /** @type {any} */ (globalThis).kithTest.clickNotificationButton("kith-digest", 1));
    assert.equal(await digestAlarms(), 0);
    assert.deepEqual(Object.keys(await worker.evaluate(() => chrome.notifications.getAll())), []);
    await worker.evaluate(() => /** @type {any} */ (globalThis).kithTest.fireAlarm("kith-digest"));
    assert.equal((await worker.evaluate(() => /** @type {any} */ (globalThis).__notifications)).length, 1, "no further notification");
    await options.reload();
    await options.waitForSelector("body[data-ready=true]");
    assert.equal(await options.locator("#reminders-on").isChecked(), false);
    assert.match(await options.locator("#reminders-status").innerText(), /^Off\./);
  } finally {
    await context.close();
  }
});
