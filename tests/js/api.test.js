// @ts-check
// The built package (pkg/, the same files the extension and www load) driven from Node through
// initSync: `node --test tests/js/`. Runs after `npm run build`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../../pkg/kith.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });

const fixtures = `${root}tests/fixtures/whatsapp/`;
/** @type {{ now: string, cases: Array<{ file: string, fileName: string, options?: { owner?: string[] }, report: Record<string, unknown>, contacts: Array<Record<string, unknown>> }> }} */
const expected = JSON.parse(readFileSync(`${fixtures}cases.json`, "utf8"));

/** @param {string[]} [owner] */
function engine(owner) {
  return new Kith({ owner, utcOffsetMinutes: 0, now: expected.now, dateOrder: "dmy" });
}

test("importFile gives every fixture's expected report and contacts", () => {
  for (const c of expected.cases) {
    const kith = engine(c.options?.owner);
    const report = kith.importFile(c.fileName, readFileSync(fixtures + c.file));
    for (const [key, value] of Object.entries(c.report)) {
      assert.deepEqual(report[/** @type {keyof typeof report} */ (key)], value, `${c.file}: report.${key}`);
    }
    const contacts = kith.contacts();
    assert.equal(contacts.length, c.contacts.length, `${c.file}: number of contacts`);
    c.contacts.forEach((want, i) => {
      for (const [key, value] of Object.entries(want)) {
        assert.deepEqual(contacts[i][/** @type {keyof typeof contacts[0]} */ (key)], value, `${c.file}: contacts[${i}].${key}`);
      }
    });
  }
});

test("data crosses as plain objects with camelCase fields and ISO times", () => {
  const kith = engine();
  kith.importFile("WhatsApp Chat with Ann Lee.txt", readFileSync(`${fixtures}android-24h-dmy.txt`));
  const [ann] = kith.contacts();
  assert.equal(Object.getPrototypeOf(ann), Object.prototype);
  assert.match(ann.id, /^c[0-9a-f]{16}$/);
  assert.equal(ann.lastSentAt, "2017-03-13T18:02:00Z");
  assert.deepEqual(ann.sources, ["whatsapp"]);
});

test("errors are Error objects with stable names and no message text", () => {
  const kith = engine();
  const cases = [
    ["empty.txt", new Uint8Array(), "Empty"],
    ["photo.txt", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), "UnknownFormat"],
    ["bad.zip", readFileSync(`${fixtures}ios-seconds-dmy-crlf.zip`).subarray(0, 200), "CorruptArchive"],
  ];
  for (const [name, bytes, errorName] of cases) {
    assert.throws(() => kith.importFile(/** @type {string} */ (name), /** @type {Uint8Array} */ (bytes)), (/** @type {any} */ e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, errorName);
      assert.ok(!String(e.message).includes("CANARY"));
      return true;
    });
  }
  assert.deepEqual(kith.contacts(), []);
});

test("importBlob reads a Blob in slices with progress", async () => {
  const kith = engine();
  const bytes = readFileSync(`${fixtures}ios-seconds-dmy-crlf.zip`);
  /** @type {Array<[number, number]>} */
  const progress = [];
  const report = await kith.importBlob(new Blob([bytes]), {
    fileName: "WhatsApp Chat - Ann.zip",
    onProgress: (read, total) => progress.push([read, total]),
  });
  assert.equal(report.messages, 3);
  assert.equal(kith.contacts()[0].lastReceivedAt, "2022-03-19T10:00:00Z");
  assert.ok(progress.length > 0);
  const [read, total] = progress[progress.length - 1];
  assert.equal(read, total);
});

test("no canary from any fixture reaches any output", () => {
  const kith = engine();
  let seen = "";
  for (const file of readdirSync(fixtures).filter((f) => /\.(txt|zip)$/.test(f))) {
    try {
      seen += JSON.stringify(kith.importFile(`WhatsApp Chat with ${file}`, readFileSync(fixtures + file)));
    } catch (e) {
      seen += String(e);
    }
  }
  seen += JSON.stringify(kith.contacts());
  assert.ok(seen.includes("Ann Lee"));
  assert.ok(!seen.includes("CANARY"));
});

test("syncChanges fits a 250-character name and a year-10000 time to the server's limits, and says so", () => {
  const kith = new Kith({ owner: ["Sam"], utcOffsetMinutes: -300, now: expected.now, dateOrder: "dmy" });
  const long = "L".repeat(250);
  kith.importFile(`WhatsApp Chat with ${long}.txt`, new TextEncoder().encode(`31/12/9999, 23:00 - ${long}: a\n31/12/9999, 23:10 - Sam: b\n`));
  const { upserts, warnings } = kith.syncChanges();
  assert.equal(upserts.length, 1);
  assert.equal(upserts[0].name, "L".repeat(200));
  assert.equal(upserts[0].lastInteractionAt, null);
  assert.equal(warnings.length, 3, warnings.join("\n"));
  assert.ok(warnings.every((w) => w.startsWith(`contact ${upserts[0].id}: `) && !w.includes("LLL")), warnings.join("\n"));
});

test("a sync batch and live events are read field by field: wrong types and unknown fields are named errors", () => {
  const kith = new Kith({ owner: ["Sam"], utcOffsetMinutes: 0 });
  kith.importFile("WhatsApp Chat with Ann Lee.txt", new TextEncoder().encode("05/03/2024, 09:00 - Ann Lee: CANARY-batch hi\n05/03/2024, 09:01 - Sam: ok\n"));
  const { upserts } = kith.syncChanges();
  const batch = { batchKey: "key-00000001", upserts, deletions: [] };
  /** @param {unknown} b @param {RegExp} message */
  const refused = (b, message) => assert.throws(() => kith.acknowledgeSync(/** @type {any} */ (b)), (e) => {
    assert.equal(/** @type {Error} */ (e).name, "InvalidBatch");
    assert.match(/** @type {Error} */ (e).message, message);
    assert.ok(!/** @type {Error} */ (e).message.includes("Ann"), "no value in the message");
    return true;
  });
  refused({ ...batch, upserts: [{ ...upserts[0], messages: ["Ann"] }] }, /upserts\[0\] has an unknown field `messages`/);
  refused({ ...batch, upserts: [{ ...upserts[0], sentCount: "Ann" }] }, /upserts\[0\]\.sentCount must be a whole number/);
  refused({ ...batch, upserts: [{ ...upserts[0], name: 7 }] }, /upserts\[0\]\.name must be a string/);
  refused({ ...batch, deletions: "Ann" }, /deletions must be an array of strings/);
  refused([batch], /the batch must be an object/);
  kith.acknowledgeSync(batch);
  assert.deepEqual(kith.syncChanges().upserts, [], "an acknowledged contact is not sent again");
  assert.throws(() => kith.ingest(/** @type {any} */ ([{ chat: "Ann Lee", id: "true_1@c.us_A", direction: "in" }])),
    (e) => /** @type {Error} */ (e).name === "InvalidEvents" && /events\[0\]\.header must be a string/.test(/** @type {Error} */ (e).message));
});
