// @ts-check
// Sync end to end: the unpacked extension in headless Debian Chromium, the real kith-server
// on loopback with a SQLite file, and a recording proxy between them.
// `node --test tests/e2e/sync.test.js` (after `npm run build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { configure, external, fixtures, importThroughOptions, launchExtension, newProfile, pressSync } from "./extension.js";
import { createToken, databaseText, freePort, newDatabase, pullAll, startProxy, startServer } from "./server.js";

const CANARY = "CANARY-";
const files = [
  { name: "WhatsApp Chat with Ann Lee.txt", mimeType: "text/plain", buffer: readFileSync(`${fixtures}android-24h-dmy.txt`) },
  { name: "WhatsApp Chat - Ann.zip", mimeType: "application/zip", buffer: readFileSync(`${fixtures}ios-seconds-dmy-crlf.zip`) },
  { name: "WhatsApp Chat with Bob.txt", mimeType: "text/plain", buffer: readFileSync(`${fixtures}android-12h-mdy-spaces.txt`) },
];

/** A group chat with `n` members, each writing one canary message. @param {number} n */
function bigGroup(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const minute = String(i % 60).padStart(2, "0");
    const hour = String(8 + Math.floor(i / 60) % 12).padStart(2, "0");
    lines.push(`14/02/2024, ${hour}:${minute} - Member ${String(i).padStart(4, "0")}: hello ${CANARY}big-${i}`);
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

test("configure and sync from the popup: the server holds the contacts, and nothing else", async () => {
  const db = newDatabase();
  const token = createToken(db, "e2e");
  const port = await freePort();
  const server = /** @type {any} */ (await startServer(db, port));
  const proxy = /** @type {any} */ (await startProxy(port));
  const { context, base, requests } = await launchExtension(newProfile());
  try {
    const options = await importThroughOptions(context, base, files);
    assert.deepEqual(proxy.requests, [], "no request before sync is set up");

    const refused = await options.evaluate(async () => {
      /** @type {HTMLInputElement} */ (document.getElementById("server-url")).value = "http://example.com";
      document.getElementById("sync-save")?.click();
      await new Promise((r) => setTimeout(r, 300));
      return document.getElementById("sync-message")?.textContent ?? "";
    });
    assert.match(refused, /https:\/\//, "a plain-http remote server is refused with the reason");

    await configure(options, proxy.url, token, false);
    await options.click("#sync-preview");
    await options.waitForFunction(() => (document.getElementById("preview")?.textContent ?? "").length > 0);
    const preview = await options.locator("#preview").innerText();
    assert.match(preview, /"name": "Ann Lee"/);
    assert.match(preview, /"lastSentAt": "2017-03-13T18:02:00Z"/);
    assert.ok(!preview.includes(CANARY));
    assert.match(await pressSync(context, base), /Sync is off/);
    assert.deepEqual(proxy.requests, [], "no request while sync is off");

    await configure(options, proxy.url, "", true);
    assert.match(await pressSync(context, base), /Synced 3 change/);
    const stored = await pullAll(port, token);
    const annLee = stored.find((c) => c.contact?.name === "Ann Lee")?.contact;
    assert.equal(annLee.lastSentAt, "2017-03-13T18:02:00Z");
    assert.equal(annLee.lastReceivedAt, "2017-03-07T09:20:00Z");
    assert.equal(stored.find((c) => c.contact?.name === "Bob")?.contact.lastReceivedAt, "2022-03-20T00:01:00Z");
    assert.equal(stored.length, 3);
    assert.match(await pressSync(context, base), /already up to date/, "nothing changed, nothing sent");

    const bodies = proxy.requests.map((/** @type {any} */ r) => r.body).join("\n");
    assert.ok(bodies.includes("Ann Lee"), "the recorded bodies are the real payloads");
    for (const [what, text] of [["request bodies", bodies], ["server log", server.log.join("\n")], ["SQLite file", databaseText(db)]]) {
      assert.ok(!text.includes(CANARY), `no message text in the ${what}`);
    }
    assert.ok(!server.log.join("\n").includes("Ann Lee"), "the server log holds no values");
    assert.ok(server.log.some((/** @type {string} */ l) => l.includes("op=push") && l.includes("upserts=3")));
    await options.reload();
    await options.waitForSelector("body[data-ready=true]");
    assert.match(await options.locator("#ledger").innerText(), /3 contact\(s\), 0 deletion\(s\) · fields: id, name, phones/);
    const hosts = new Set(external(requests).map((u) => new URL(u).origin));
    assert.ok(hosts.has(proxy.url), "the worker's requests are observed (so the next check can fail)");
    hosts.delete(proxy.url);
    assert.deepEqual([...hosts], [], "only the configured server was contacted");
  } finally {
    await context.close();
    proxy.close();
    server.stop();
  }
});

test("the server dies mid-sync: after a restart the queue drains and every contact is stored once; turning sync off stops requests", async () => {
  const db = newDatabase();
  const token = createToken(db, "e2e");
  const port = await freePort();
  let server = /** @type {any} */ (await startServer(db, port));
  const proxy = /** @type {any} */ (await startProxy(port));
  const { context, base, worker } = await launchExtension(newProfile());
  try {
    const options = await importThroughOptions(context, base, [{ name: "WhatsApp Chat with Big Group.txt", mimeType: "text/plain", buffer: bigGroup(2400) }]);
    await configure(options, proxy.url, token, true);
    // The second batch reaches the server, which stores it and then dies before answering.
    proxy.hooks.afterUpstream = (/** @type {number} */ n) => {
      if (n !== 2) return false;
      server.stop();
      return true;
    };
    assert.match(await pressSync(context, base), /could not be reached/);
    const status = await options.evaluate(() => chrome.runtime.sendMessage({ type: "kith/sync-status" }));
    assert.equal(status.queued, 2, "the unacknowledged batch and the one after it wait in the queue");
    assert.ok((await worker.evaluate(() => chrome.alarms.getAll())).some((a) => a.name === "kith-sync-retry"), "a retry is scheduled");
    // The queue lives in IndexedDB: stopping the worker loses none of it.
    const cdp = await context.newCDPSession(options);
    await cdp.send("ServiceWorker.enable");
    await cdp.send("ServiceWorker.stopAllWorkers");
    const afterStop = await options.evaluate(() => chrome.runtime.sendMessage({ type: "kith/sync-status" }));
    assert.equal(afterStop.queued, 2, "the queue survived the worker being stopped");

    proxy.hooks.afterUpstream = () => false;
    server = await startServer(db, port);
    assert.match(await pressSync(context, base), /Synced 1400 change/);
    const stored = await pullAll(port, token);
    const ids = stored.map((c) => c.id);
    assert.equal(ids.length, 2400, "every contact is on the server");
    assert.equal(new Set(ids).size, 2400, "and each exactly once");
    const keys = proxy.requests.filter((/** @type {any} */ r) => r.method === "POST" && r.url === "/v1/sync/push").map((/** @type {any} */ r) => JSON.parse(r.body).batchKey);
    // Batch 1, batch 2 (stored, unanswered), batch 2 again, batch 3. Chromium itself may resend
    // a POST once when a reused connection dies without an answer: same body, same key.
    const distinct = [...new Set(keys)];
    assert.equal(distinct.length, 3, "three batches");
    assert.ok(keys.filter((/** @type {string} */ k) => k === distinct[1]).length >= 2, "the unanswered batch was sent again under the same key");
    const ledger = await options.evaluate(() => chrome.runtime.sendMessage({ type: "kith/ledger" }));
    assert.ok(ledger.some((/** @type {any} */ e) => e.batchKey === distinct[1] && e.replayed === true), "the server recognised the replay");
    assert.ok(!databaseText(db).includes(CANARY));

    // A new change, the server gone again: the batch waits. Then sync is turned off.
    server.stop();
    await importThroughOptions(context, base, files.slice(0, 1));
    assert.match(await pressSync(context, base), /could not be reached/);
    await configure(options, proxy.url, "", false);
    const count = proxy.requests.length;
    assert.equal((await options.evaluate(() => chrome.runtime.sendMessage({ type: "kith/sync-status" }))).queued, 0, "the queue was dropped");
    const liveWorker = context.serviceWorkers().at(-1) ?? worker;
    assert.deepEqual(await liveWorker.evaluate(() => chrome.alarms.getAll()), [], "no retry is pending");
    assert.match(await pressSync(context, base), /Sync is off/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(proxy.requests.length, count, "no request after sync was turned off");
  } finally {
    await context.close();
    proxy.close();
    server.stop();
  }
});
