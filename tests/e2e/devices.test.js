// @ts-check
// One account on two devices (sync protocol version 2), end to end: two browser profiles with
// the unpacked extension, the real kith-server on loopback, and a third profile as the single
// engine both must agree with. Profile A imports X, profile B imports Y, both import Z; after
// both sync, in either order and twice, the server and both popups hold the same counts and
// times for every contact, equal to one engine that imported X, Y and Z. Decisions made on A
// (a merge, a rename) hold on B. Message text is in no storage, request or server row.
// `node --test tests/e2e/devices.test.js` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { root } from "./browser.js";
import { configure, importThroughOptions, launchExtension, newProfile, openPopup, pressSync, storageDump } from "./extension.js";
import { createToken, databaseText, freePort, newDatabase, pullAll, startProxy, startServer } from "./server.js";

const CANARY = "CANARY-";
const screenshots = process.env.UPDATE_SCREENSHOTS ? `${root}docs/screenshots/` : `${root}test-results/`;
mkdirSync(screenshots, { recursive: true });

/** @param {string} dir @param {string} name @param {string} mimeType */
const file = (dir, name, mimeType) => ({ name, mimeType, buffer: readFileSync(`${root}tests/fixtures/${dir}/${name}`) });
// X: Rosa's and Priya's mail, and Ann Lee's WhatsApp chat. Y: Bob's WhatsApp chat and the
// LinkedIn connections. Z, on both: Priya's WhatsApp chat.
const X = [file("identity", "rosa-and-priya.mbox", "application/mbox"), file("whatsapp", "android-24h-dmy.txt", "text/plain")];
const Y = [file("whatsapp", "android-12h-mdy-spaces.txt", "text/plain"), file("identity", "Connections.csv", "text/csv")];
const Z = [file("identity", "WhatsApp Chat with Priya Shah.txt", "text/plain")];
// The fixtures' file names say whose chat it is.
X[1].name = "WhatsApp Chat with Ann Lee.txt";
Y[0].name = "WhatsApp Chat with Bob.txt";

/** @param {import("playwright-core").Page} page @param {Record<string, unknown>} message */
const ask = (page, message) => page.evaluate((m) => chrome.runtime.sendMessage(m), message);

/**
 * A contact (or a server record) as a line of what must agree between devices: name, counts
 * and times.
 * @param {{ name: string, sentCount: number, receivedCount: number, groupMessageCount: number, lastSentAt: string | null, lastReceivedAt: string | null, lastInteractionAt: string | null, sources: string[] }} c
 */
const line = (c) => [c.name, c.sentCount, c.receivedCount, c.groupMessageCount, c.lastSentAt, c.lastReceivedAt, c.lastInteractionAt, c.sources.join("+")].join(" | ");

/** Every contact a profile holds, as lines. @param {import("playwright-core").Page} page */
async function facts(page) {
  /** @type {import("../../pkg/kith.js").Contact[]} */
  const contacts = await ask(page, { type: "kith/contacts" });
  return contacts.map(line).sort();
}

/** The same lines from the server's records. @param {number} port @param {string} token */
async function serverFacts(port, token) {
  const live = new Map();
  for (const change of await pullAll(port, token)) live.set(change.id, change.contact);
  return [...live.values()].filter(Boolean).map(line).sort();
}

/** The popup's rows, as the user reads them. @param {import("playwright-core").BrowserContext} context @param {string} base */
async function popupRows(context, base) {
  const popup = await openPopup(context, base);
  const rows = await popup.locator(".row").allInnerTexts();
  await popup.close();
  return rows.sort();
}

/** Accepts the one "possible duplicate" (Priya in mail and in WhatsApp) and renames Ann Lee. @param {import("playwright-core").Page} options */
async function decideOn(options) {
  await options.reload();
  await options.waitForSelector("body[data-ready=true]");
  await options.getByRole("button", { name: /^Accept: Priya Shah/ }).click();
  await options.locator("#suggestions-status", { hasText: "they are one contact now" }).waitFor();
  /** @type {import("../../pkg/kith.js").Contact[]} */
  const contacts = await ask(options, { type: "kith/contacts" });
  const ann = contacts.find((c) => c.name === "Ann Lee");
  assert.ok(ann, "Ann Lee is there to rename");
  const renamed = await ask(options, { type: "kith/correct", contactId: ann.id, correction: { name: "Ann Lee-Park" } });
  assert.ok(!renamed?.error, JSON.stringify(renamed));
}

test("two devices on one account: the union of what each knows, the same everywhere, decisions included; forgetting a device", async () => {
  const db = newDatabase();
  const token = createToken(db, "two-devices");
  const port = await freePort();
  const server = /** @type {any} */ (await startServer(db, port));
  const proxy = /** @type {any} */ (await startProxy(port));
  const a = await launchExtension(newProfile());
  const b = await launchExtension(newProfile());
  const single = await launchExtension(newProfile());
  try {
    // The single engine: X, Y and Z in one profile, with the same decisions. It never syncs.
    const singleOptions = await importThroughOptions(single.context, single.base, [...X, ...Y, ...Z]);
    await decideOn(singleOptions);
    const want = await facts(singleOptions);
    assert.ok(want.some((l) => l.startsWith("Priya Shah | ") && /email/.test(l) && /whatsapp/.test(l)), want.join("\n"));
    assert.ok(want.some((l) => l.startsWith("Ann Lee-Park | ")), "the rename holds in the single engine");

    const optionsA = await importThroughOptions(a.context, a.base, [...X, ...Z]);
    const optionsB = await importThroughOptions(b.context, b.base, [...Y, ...Z]);
    await configure(optionsA, proxy.url, token, true);
    await configure(optionsB, proxy.url, token, true);

    // A is the account's first device: it makes the key, publishes, and pushes its records.
    assert.match(await pressSync(a.context, a.base), /Synced \d+ change/);
    // B without the key: told what to do, and nothing of B reaches the server.
    const before = proxy.requests.length;
    assert.match(await pressSync(b.context, b.base), /already syncs from another device.*sync key/);
    assert.deepEqual(proxy.requests.slice(before).filter((/** @type {any} */ r) => r.method !== "OPTIONS").map((/** @type {any} */ r) => `${r.method} ${r.url}`), ["GET /v2/devices"], "B only looked");

    // The key, copied from A's options to B's.
    await optionsA.click("#sync-key-show");
    await optionsA.locator("#sync-key-text", { hasText: "kith-key-" }).waitFor();
    const key = (await optionsA.locator("#sync-key-text").innerText()).trim();
    assert.match(key, /^kith-key-([A-Z2-7]{4}-){12}[A-Z2-7]{4}$/);
    await optionsB.fill("#sync-key", key.toLowerCase());
    await optionsB.fill("#device-name", "Desktop");
    await optionsB.click("#sync-key-save");
    await optionsB.locator("#devices-message", { hasText: "Saved" }).waitFor();

    // Decisions on A, then every order of syncs, twice.
    await decideOn(optionsA);
    for (const [context, base] of [[b.context, b.base], [a.context, a.base], [b.context, b.base], [a.context, a.base]]) {
      assert.match(await pressSync(/** @type {any} */ (context), /** @type {string} */ (base)), /Synced \d+ change|already up to date/);
    }
    const onA = await facts(optionsA);
    const onB = await facts(optionsB);
    assert.deepEqual(onA, want, "A holds the union of X, Y and Z, with A's decisions");
    assert.deepEqual(onB, want, "B holds the same: A's merge and rename hold on B");
    assert.deepEqual(await serverFacts(port, token), want, "the server's records are the union, counted once");
    assert.deepEqual(await popupRows(a.context, a.base), await popupRows(b.context, b.base), "both popups show the same rows");

    // Nothing flip-flops: another round of syncs changes nothing anywhere.
    const versions = JSON.stringify(await pullAll(port, token));
    assert.match(await pressSync(a.context, a.base), /already up to date/);
    assert.match(await pressSync(b.context, b.base), /already up to date/);
    assert.equal(JSON.stringify(await pullAll(port, token)), versions, "no record was pushed again");

    // A decision made on B about a contact B knows only through A (a keep-in-touch goal for
    // Ann, whose chat only A imported) is B's own, and reaches A.
    /** @type {import("../../pkg/kith.js").Contact[]} */
    const seenOnB = await ask(optionsB, { type: "kith/contacts" });
    const annOnB = seenOnB.find((c) => c.name === "Ann Lee-Park");
    assert.ok(annOnB);
    await ask(optionsB, { type: "kith/keep-in-touch", contactId: annOnB.id, change: { goalDays: 7 } });
    assert.match(await pressSync(b.context, b.base), /Synced \d+ change|already up to date/);
    assert.match(await pressSync(a.context, a.base), /Synced \d+ change|already up to date/);
    /** @type {import("../../pkg/kith.js").Contact[]} */
    const seenOnA = await ask(optionsA, { type: "kith/contacts" });
    assert.equal(seenOnA.find((c) => c.name === "Ann Lee-Park")?.goalDays, 7, "B's goal holds on A");

    // Options on B lists both devices.
    await optionsB.click("#devices-refresh");
    await optionsB.locator("#devices li", { hasText: "Desktop (this device)" }).waitFor();
    assert.equal(await optionsB.locator("#devices li button").count(), 2);
    await optionsB.setViewportSize({ width: 900, height: 900 });
    await optionsB.locator("section", { has: optionsB.locator("#devices-title") }).screenshot({ path: `${screenshots}options-devices.png` });

    // Privacy: no message text in either profile's storage, any request, or the database.
    const bodies = proxy.requests.map((/** @type {any} */ r) => r.body).join("\n");
    for (const [what, text] of [
      ["A's storage", await storageDump(a.worker)],
      ["B's storage", await storageDump(b.worker)],
      ["request bodies", bodies],
      ["server log", server.log.join("\n")],
      ["SQLite file", databaseText(db)],
    ]) {
      assert.ok(!text.includes(CANARY), `no message text in ${what}`);
    }
    // A LinkedIn profile address is in the devices' states (so in the sealed bytes) but in no
    // record: the server holds it only sealed.
    assert.ok((await storageDump(b.worker)).includes("rosa-diaz-7"), "B's own state holds the profile address");
    assert.ok(!databaseText(db).includes("rosa-diaz-7"), "the server cannot read the sealed states");
    assert.ok(!bodies.includes(key.slice(9)), "the sync key never crossed the wire");

    // B forgets A: A's knowledge leaves B's view at once, and A is told at its next sync.
    optionsB.once("dialog", (d) => d.accept());
    await optionsB.getByRole("button", { name: /^Forget: kith in Chromium/ }).click();
    await optionsB.locator("#devices-message", { hasText: "was forgotten" }).waitFor();
    const bOnly = await facts(optionsB);
    assert.ok(!bOnly.some((l) => l.startsWith("Ann Lee")), "A's chat with Ann left B's view");
    assert.ok(bOnly.some((l) => l.startsWith("Bob")), "B's own knowledge stays");
    assert.match(await pressSync(a.context, a.base), /removed from the account on another device/);
  } finally {
    for (const p of [a, b, single]) await p.context.close();
    proxy.close();
    server.stop();
  }
});
