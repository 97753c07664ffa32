// @ts-check
// Two devices of one account through the built package (pkg/, as the extension loads it):
// deviceState() on each, a view per device made of its own state with the other's absorbed.
// `node --test tests/js/devices.test.js`, after `npm run build`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../../pkg/kith.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });

const dir = `${root}tests/fixtures/identity/cross-source/`;
const X = "WhatsApp Chat with +44 7700 900123.txt";
const Y = "result.json";
const Z = "WhatsApp Chat with Bo Kim.txt";
const options = { utcOffsetMinutes: 0, now: "2024-04-01T00:00:00Z", dateOrder: /** @type {"dmy"} */ ("dmy") };

/** @param {string[]} files */
function device(files) {
  const kith = new Kith(options);
  kith.setDefaultCountry("GB");
  for (const name of files) kith.importFile(name, readFileSync(dir + name));
  return kith;
}

/** @param {Kith} own @param {Kith[]} others */
function view(own, others) {
  const v = Kith.restore(own.deviceState(), options);
  for (const other of others) v.absorb(other.deviceState());
  return v;
}

test("two devices' views agree, count a shared export once, and match one engine", () => {
  const a = device([X, Z]);
  const b = device([Y, Z]);
  const state = a.deviceState();
  assert.ok(state instanceof Uint8Array);
  assert.ok(!Buffer.from(state).toString("latin1").includes("CANARY"), "no message text in a device state");
  const viewA = view(a, [b]);
  const viewB = view(b, [a]);
  assert.deepEqual(viewA.contacts(), viewB.contacts());
  const single = device([X, Y, Z]).contacts();
  const numbers = (/** @type {import("../../pkg/kith.js").Contact[]} */ list) =>
    list.map((c) => [c.id, c.sentCount, c.receivedCount, c.lastSentAt, c.lastReceivedAt, c.lastInteractionAt]).sort();
  assert.deepEqual(numbers(viewA.contacts()), numbers(single));
});

test("absorb reports in camelCase, changes nothing the second time, and refuses damaged bytes by name", () => {
  const a = device([X, Z]);
  const b = device([Y, Z]);
  const v = Kith.restore(a.deviceState(), options);
  // B knows two Telegram chats A does not, and the WhatsApp chat with Bo A knows too.
  const report = v.absorb(b.deviceState());
  assert.equal(Object.getPrototypeOf(report), Object.prototype);
  assert.deepEqual(report, { chatsAdded: 2, chatsMerged: 0, chatsKept: 1, warnings: [] });
  const before = v.contacts();
  assert.deepEqual(v.absorb(b.deviceState()), { chatsAdded: 0, chatsMerged: 0, chatsKept: 3, warnings: [] });
  assert.deepEqual(v.contacts(), before, "absorbing again changes nothing");
  const bytes = b.deviceState();
  for (const [damaged, name] of [
    [bytes.subarray(0, bytes.length - 3), "CorruptSnapshot"],
    [new Uint8Array([0x4b, 0x49, 0x54, 0x48, 99]), "UnsupportedSnapshot"],
  ]) {
    assert.throws(
      () => v.absorb(/** @type {Uint8Array} */ (damaged)),
      (/** @type {any} */ e) => e instanceof Error && e.name === name,
    );
  }
  assert.deepEqual(v.contacts(), before, "a refused state changes nothing");
});
