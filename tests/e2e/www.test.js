// @ts-check
// The www analyzer in headless Chromium: `node --test --test-concurrency=1 tests/e2e/www.test.js`
// (after `bash scripts/build`). `UPDATE_SCREENSHOTS=1` writes its screenshots to docs/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { launch, root, serveWww } from "./browser.js";

const screenshots = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
const fixtures = `${root}tests/fixtures/whatsapp/`;

/** @typedef {import("playwright-core").Page} Page */

/** Opens the page; `offHost` collects every request that left the page's own origin. */
async function open() {
  const server = await serveWww();
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  /** @type {string[]} */
  const offHost = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url)) offHost.push(r.url());
  });
  /** @type {string[]} */
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(server.url);
  await page.getByText("Nothing imported yet").waitFor();
  return { page, offHost, errors, close: async () => { await browser.close(); server.stop(); } };
}

/** Numbers in a visually hidden chart table's column, summed. @param {Page} page @param {string} host @param {number} column */
async function columnSum(page, host, column) {
  const cells = await page.locator(`${host} table.visually-hidden tr`).evaluateAll(
    (rows, c) => rows.slice(1).map((r) => Number(r.children[c]?.textContent ?? "0")), column);
  return cells.reduce((a, b) => a + b, 0);
}

/** The DOM's text and attributes, for the canary check. @param {Page} page */
const everything = (page) => page.evaluate(() => document.documentElement.outerHTML + document.body.innerText);

test("the overview, the people and a person's history from two fixtures, with no message text and no request off the page", async () => {
  const { page, offHost, errors, close } = await open();
  try {
    const files = [
      { name: "WhatsApp Chat with Ann Lee.txt", mimeType: "text/plain", buffer: await readFile(`${fixtures}android-24h-dmy.txt`) },
      { name: "WhatsApp Chat - Ann.zip", mimeType: "application/zip", buffer: await readFile(`${fixtures}ios-seconds-dmy-crlf.zip`) },
    ];
    assert.ok(files[0].buffer.includes("CANARY"), "positive control: the fixture's message bodies hold canaries");
    await page.setInputFiles("#files", files);
    await page.locator("#rows tr").nth(1).waitFor();
    await page.locator("#imports li").nth(1).waitFor();
    await page.locator("#progress").waitFor({ state: "hidden" });

    // People, most recent first, with relative times; sortable and searchable.
    const names = () => page.locator("#rows tr th").allTextContents();
    assert.deepEqual((await names()).sort(), ["Ann", "Ann Lee"]);
    const annLee = page.locator("#rows tr", { hasText: "Ann Lee" });
    assert.deepEqual((await annLee.locator("td.num").allTextContents()).slice(0, 3), ["2", "3", "0"]);
    assert.match(await annLee.locator("td").first().innerText(), /ago/);
    await page.getByRole("button", { name: "Name", exact: true }).click();
    assert.deepEqual(await names(), ["Ann", "Ann Lee"]);
    assert.equal(await page.locator('th[data-sort="name"]').getAttribute("aria-sort"), "ascending");
    await page.getByRole("button", { name: "Name", exact: true }).click();
    assert.deepEqual(await names(), ["Ann Lee", "Ann"]);
    await page.fill("#search", "lee");
    assert.deepEqual(await names(), ["Ann Lee"]);
    await page.fill("#search", "");

    const sentCounts = (await page.locator("#rows tr td:nth-child(3)").allTextContents()).map(Number);
    const receivedCounts = (await page.locator("#rows tr td:nth-child(4)").allTextContents()).map(Number);
    const sent = sentCounts.reduce((a, b) => a + b, 0);
    const received = receivedCounts.reduce((a, b) => a + b, 0);
    assert.ok(sent > 0 && received > 0);
    assert.match(await page.locator("#totals").innerText(), /^2 people · you sent \d+ and received \d+/);

    // Activity over time: its label and its table say the same totals as the people.
    const activity = page.locator("#activity .chart");
    assert.match(await activity.getAttribute("aria-label") ?? "", new RegExp(`you sent ${sent}, they sent ${received} in direct chats`));
    assert.equal(await columnSum(page, "#activity", 1), sent);
    assert.equal(await columnSum(page, "#activity", 2), received);
    assert.equal(await page.locator("#activity canvas").count(), 1, "drawn by uPlot");
    await activity.focus();
    await activity.press("Home");
    assert.match(await page.locator("#activity .chart-caption").innerText(), /^Mar 2017: you \d+, them \d+, in groups 0$/);

    // The heatmap counts the user's own messages: as many as they sent.
    const heatmap = page.locator("#heatmap .chart");
    assert.match(await heatmap.getAttribute("aria-label") ?? "", new RegExp(`^You wrote ${sent} messages`));
    assert.equal(await columnSum(page, "#heatmap", 25), sent, "the table's Total column");
    assert.equal(await page.locator("#heatmap .cell").count(), 168);
    await heatmap.focus();
    const caption = page.locator("#heatmap .chart-caption");
    await heatmap.press("ArrowDown");
    const down = await caption.innerText();
    assert.match(down, /^\w+day \d\d:00–\d\d:00: \d+ messages?$/);
    await heatmap.press("ArrowUp");
    assert.notEqual(await caption.innerText(), down, "up and down move by a day");
    assert.equal(await page.locator("#heatmap .cell.at").count(), 1, "the cell the keys reached is marked");

    // Reply times: the people each band counts add up to the people with a reply time.
    const replying = (await page.locator("#rows tr td:nth-child(6)").allTextContents()).filter((t) => t !== "—").length;
    assert.equal(await columnSum(page, "#replies", 1), replying);
    assert.match(await page.locator("#replies .chart").getAttribute("aria-label") ?? "", /You typically reply in|No replies yet/);
    await page.locator("#replies .chart").focus();
    await page.keyboard.press("ArrowRight");
    assert.match(await page.locator("#replies .chart-caption").innerText(), /^5–30 min: you reply this fast to \d+, \d+ reply this fast to you$/);

    // A person's history, drawn by the popup's own chart, answering the arrow keys.
    await page.getByRole("button", { name: "Ann Lee", exact: true }).click();
    const history = page.locator("#detail .history-chart");
    await history.waitFor();
    assert.match(await history.getAttribute("aria-label") ?? "", /you sent 2, they sent 3/);
    assert.match(await page.locator("#detail-span").innerText(), /to Mar 2017/);
    assert.match(await page.locator("#detail-facts").innerText(), /^You sent 2, they sent 3/);
    await history.focus();
    await page.keyboard.press("ArrowLeft");
    assert.equal(await page.locator("#detail .history-caption").innerText(), "Feb 2017: you 0, them 0");
    await page.keyboard.press("End");
    assert.equal(await page.locator("#detail .history-caption").innerText(), "Mar 2017: you 2, them 3");

    assert.ok(!(await everything(page)).includes("CANARY"), "no message text anywhere in the page");
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: `${screenshots}www-contacts.png`, fullPage: true });
    assert.deepEqual(offHost, [], "every request stayed on the page's own loopback origin");
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("when kith asks which writer is you, the answer puts your messages in the heatmap; errors say what to do", async () => {
  const { page, errors, close } = await open();
  try {
    const chat = "01/02/2023, 10:00 - Ann: CANARY-ask-1\n01/02/2023, 21:05 - Sam: CANARY-ask-2\n02/02/2023, 21:10 - Sam: CANARY-ask-3\n";
    await page.setInputFiles("#files", [
      { name: "_chat.txt", mimeType: "text/plain", buffer: Buffer.from(chat) },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("shopping list: CANARY-not-a-chat\n") },
    ]);
    await page.locator("#imports li").nth(1).waitFor();
    assert.match(await page.locator("#imports li", { hasText: "notes.txt" }).innerText(), /kith cannot read this file.*Pick a chat export/s);
    await page.locator(".ask").waitFor();
    assert.equal(await page.locator("#empty-title").innerText(), "No people yet", "an unanswered question lists nobody");
    assert.ok(await page.locator("#empty-why").isVisible());
    await page.getByRole("button", { name: "Sam", exact: true }).click();
    await page.getByText("You are Sam").waitFor();
    const label = await page.locator("#heatmap .chart").getAttribute("aria-label") ?? "";
    assert.match(label, /^You wrote 2 messages, most in the evening \(18–24h\): 100%\. Busiest day (Wednesday|Thursday)/);
    assert.equal(await page.inputValue("#owner"), "Sam");
    assert.deepEqual(await page.locator("#rows tr th").allTextContents(), ["Ann"]);
    assert.ok(!(await everything(page)).includes("CANARY"));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

/** A small deterministic generator (xorshift), so the screenshots are the same every run. */
function rng(seed = 7) {
  let x = seed;
  return (/** @type {number} */ n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

/**
 * WhatsApp exports for the screenshots: Sam and eight people over eighteen months, written
 * mostly in the evenings and at lunch, each chat at its own pace. Bodies are canaries.
 */
function demoChats(now = new Date()) {
  const next = rng();
  const people = [["Ann Lee", 2], ["Bo Kim", 4], ["Carmen Ruiz", 9], ["Dev Patel", 15], ["Eli Cohen", 30], ["Femi Adeyemi", 6], ["Grace Ho", 45], ["Hugo Martin", 12]];
  const hours = [8, 9, 12, 12, 13, 17, 18, 19, 19, 20, 20, 20, 21, 21, 21, 22, 22, 23, 7, 10];
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 17, 1);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return people.map(([name, every], p) => {
    let text = "";
    let at = start + next(5) * 86_400_000;
    const end = now.getTime() - (p === 6 ? 200 : p === 4 ? 40 : 1) * 86_400_000;
    while (at < end) {
      const d = new Date(at);
      let minute = hours[next(hours.length)] * 60 + next(60);
      const burst = 2 + next(7);
      for (let i = 0; i < burst && minute < 1440; i++) {
        const mine = next(2) === 0;
        const stamp = `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
        text += `${stamp} - ${mine ? "Sam" : name}: CANARY-demo-${p}-${i}\n`;
        minute += 1 + next(i % 3 === 0 ? 90 : 8);
      }
      at += (1 + next(Number(every) * 2)) * 86_400_000;
    }
    return { name: `WhatsApp Chat with ${name}.txt`, mimeType: "text/plain", buffer: Buffer.from(text) };
  });
}

test("the overview screenshots, light and dark", async () => {
  const { page, errors, close } = await open();
  try {
    await page.fill("#owner", "Sam");
    await page.setInputFiles("#files", demoChats());
    await page.locator("#imports li").nth(7).waitFor();
    await page.locator("#progress").waitFor({ state: "hidden" });
    await page.locator("#imports").evaluate((list) => list.replaceChildren());
    await page.getByRole("button", { name: "Carmen Ruiz", exact: true }).click();
    await page.locator("#detail .history-chart canvas").waitFor();
    await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
    assert.match(await page.locator("#heatmap .chart").getAttribute("aria-label") ?? "", /^You wrote \d+ messages/);
    assert.ok(!(await everything(page)).includes("CANARY"));
    mkdirSync(screenshots, { recursive: true });
    for (const colorScheme of /** @type {const} */ (["light", "dark"])) {
      await page.emulateMedia({ colorScheme });
      // The page draws its canvases again when the theme changes.
      await page.waitForFunction((dark) => matchMedia("(prefers-color-scheme: dark)").matches === dark, colorScheme === "dark");
      await page.locator("#detail .history-chart canvas").waitFor();
      await page.screenshot({ path: `${screenshots}www-overview-${colorScheme}.png`, fullPage: true });
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
