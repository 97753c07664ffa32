// @ts-check
// Static guarantees of the extension, checked in Node: `node --test tests/js/`.
// Least privilege in the manifest (P2, P3), a content script that reads no text (P4), message
// guards and the sender rule (P3), and the only network code in extension pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MSG, checkServerUrl, isLiveEvent, isMessage, senderMayAsk } from "../../extension/lib/messages.js";

const root = fileURLToPath(new URL("../../extension/", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}manifest.json`, "utf8"));

/** @param {string} dir @returns {string[]} */
const jsFiles = (dir) => readdirSync(dir).flatMap((f) => {
  const path = `${dir}${f}`;
  if (statSync(path).isDirectory()) return f === "pkg" ? [] : jsFiles(`${path}/`);
  return f.endsWith(".js") ? [path] : [];
});

test("the manifest asks for the least it needs", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual(manifest.permissions.sort(), ["alarms", "storage", "unlimitedStorage"]);
  assert.ok(!JSON.stringify(manifest).includes("cookies"), "no cookies permission (P2)");
  assert.equal(manifest.host_permissions, undefined, "no host permissions beyond the content script's match");
  assert.deepEqual(manifest.optional_host_permissions, ["https://*/*", "http://127.0.0.1/*", "http://localhost/*"], "the sync server is asked for at runtime");
  assert.deepEqual(manifest.optional_permissions, ["notifications"], "notifications are asked for when reminders are turned on, never at install");
  assert.deepEqual(manifest.content_scripts.map((/** @type {any} */ c) => c.matches).flat(), ["https://web.whatsapp.com/*"]);
  assert.equal(manifest.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  assert.equal(manifest.web_accessible_resources, undefined);
  assert.equal(manifest.externally_connectable, undefined);
  assert.equal(manifest.background.type, "module");
  for (const size of ["16", "32", "48", "128"]) assert.ok(statSync(`${root}${manifest.icons[size]}`).size > 0);
});

test("the content script reads attributes only, never a message's text", () => {
  const source = readFileSync(`${root}content/whatsapp.js`, "utf8").replace(/^\s*\/\/.*$/gm, "");
  for (const forbidden of ["textContent", "innerText", "innerHTML", "outerHTML", "nodeValue", "selectable-text", ".data", "getSelection", "cookie", "localStorage", "indexedDB"]) {
    assert.ok(!source.includes(forbidden), `content script uses ${forbidden}`);
  }
  const attributes = [...source.matchAll(/getAttribute\("([^"]+)"\)/g)].map((m) => m[1]).sort();
  assert.deepEqual([...new Set(attributes)], ["data-id", "data-pre-plain-text", "title"]);
});

test("only the sync module talks to the network (one way out)", () => {
  const users = [];
  for (const file of jsFiles(root)) {
    const source = readFileSync(file, "utf8").replace(/^\s*(\/\/|\*).*$/gm, "");
    for (const api of ["fetch(", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource"]) {
      if (source.includes(api)) users.push(`${file.slice(root.length)}:${api}`);
    }
  }
  // The worker hands its fetch to the sync module and calls it nowhere else.
  assert.deepEqual(users.sort(), ["background/service-worker.js:fetch(", "background/sync.js:fetch("]);
  const worker = readFileSync(`${root}background/service-worker.js`, "utf8");
  assert.equal(worker.match(/fetch\(/g)?.length, 1);
  assert.match(worker, /fetch: \(input, init\) => fetch\(input, init\)/);
  const sync = readFileSync(`${root}background/sync.js`, "utf8");
  assert.equal(sync.match(/deps\.fetch\(/g)?.length, 1, "one request site");
  assert.match(sync, /deps\.fetch\(`\$\{s\.serverUrl\}\$\{path\}`/, "to the configured server only");
  // Every path is one of the protocol's, written out where it is asked for.
  // (deviceRequest hands its own path on to request: that one site passes a name, not a path.)
  const paths = [...sync.matchAll(/[rR]equest\(s, ([^,]+),/g)].map((m) => m[1]).filter((p) => p !== "path");
  assert.ok(paths.length >= 6, "the request sites are found (so the next check can fail)");
  for (const path of paths) assert.match(path, /^["`]\/v[12]\/[a-z]/, `a protocol path: ${path}`);
});

test("the server address must be https, or http on this computer", () => {
  assert.deepEqual(checkServerUrl("https://kith.example.com/"), { base: "https://kith.example.com", origin: "https://kith.example.com" });
  assert.deepEqual(checkServerUrl("http://127.0.0.1:8787"), { base: "http://127.0.0.1:8787", origin: "http://127.0.0.1:8787" });
  const refused = checkServerUrl("http://example.com");
  assert.ok("error" in refused && /https:\/\//.test(refused.error), "plain http to another machine is refused with a reason");
  assert.ok("error" in checkServerUrl("not a url"));
  assert.ok("error" in checkServerUrl("ftp://example.com"));
  assert.ok("error" in checkServerUrl("https://user:pw@example.com"));
});

test("live events are checked field by field", () => {
  const good = { chat: "Ann", id: "false_447700900123@c.us_3EB0", direction: "in", header: "[10:05, 13/03/2024] Ann: " };
  assert.ok(isLiveEvent(good));
  assert.ok(!isLiveEvent({ ...good, text: "hello" }), "an extra field (message text) is refused");
  assert.ok(!isLiveEvent({ ...good, direction: "up" }));
  assert.ok(!isLiveEvent({ ...good, header: "[10:05, 13/03/2024] Ann: hello there" }), "a header with a body is refused");
  assert.ok(!isLiveEvent({ ...good, id: "3EB0" }));
  assert.ok(isMessage({ type: MSG.LIVE_EVENTS, events: [good] }));
  assert.ok(!isMessage({ type: MSG.LIVE_EVENTS, events: [] }));
  assert.ok(!isMessage({ type: MSG.APPLY_JOURNAL, journal: "not base64!" }));
  assert.ok(!isMessage({ type: "kith/unknown" }));
  assert.ok(!isMessage("kith/contacts"));
});

test("senders: extension pages may ask anything, WhatsApp Web only for live events, others nothing", () => {
  const self = { extensionId: "abc", extensionOrigin: "chrome-extension://abc" };
  const page = { id: "abc", origin: "chrome-extension://abc" };
  const content = { id: "abc", origin: "https://web.whatsapp.com", tab: { url: "https://web.whatsapp.com/" } };
  assert.ok(senderMayAsk(page, MSG.DELETE_ALL, self));
  assert.ok(senderMayAsk(content, MSG.LIVE_EVENTS, self));
  assert.ok(!senderMayAsk(content, MSG.CONTACTS, self), "content scripts cannot read contacts");
  assert.ok(!senderMayAsk(content, MSG.DELETE_ALL, self));
  assert.ok(!senderMayAsk({ ...page, id: "other" }, MSG.CONTACTS, self), "another extension");
  assert.ok(!senderMayAsk({ id: "abc", origin: "https://evil.example", tab: { url: "https://evil.example/" } }, MSG.LIVE_EVENTS, self));
});
