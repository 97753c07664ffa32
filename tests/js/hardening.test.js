// @ts-check
// The audit's failures, through the built package in Node: `node --test tests/js/hardening.test.js`.
// A zip bomb ends in a named error with flat memory; Cancel stops a long import and the
// engine takes the next one (never stuck "Busy").
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../../pkg/kith.js";
import { bombZip } from "./zip-bomb.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const wasm = initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });

for (const [what, declared] of [["declares its real size", 4_000_000_000], ["lies about its size", 1_000_000]]) {
  test(`a 7.5 MiB zip bomb that ${what} ends in TooLarge, with wasm memory flat`, async () => {
    const zip = bombZip(115, /** @type {number} */ (declared));
    assert.ok(zip.length > 7 << 20 && zip.length < 8 << 20, `${zip.length}`);
    const kith = new Kith({ utcOffsetMinutes: 0 });
    const start = performance.now();
    await assert.rejects(kith.importBlob(new Blob([zip]), { fileName: "WhatsApp Chat - Ann.zip" }), { name: "TooLarge" });
    const ms = performance.now() - start;
    const memoryMB = wasm.memory.buffer.byteLength / 1048576;
    console.log(`bomb that ${what}: TooLarge after ${ms.toFixed(0)} ms, wasm memory ${memoryMB.toFixed(1)} MB`);
    assert.ok(memoryMB <= 64, `${memoryMB} MB`);
    assert.throws(() => kith.importFile("WhatsApp Chat - Ann.zip", zip), { name: "TooLarge" });
    assert.equal(kith.contacts().length, 0, "nothing was counted");
  });
}

test("Cancel stops a long import, nothing is changed, and the next import runs (never stuck Busy)", async () => {
  const line = "13/02/2020, 10:00 - Ann: CANARY-a message of ordinary length here\n13/02/2020, 10:01 - Sam: and a reply\n";
  const chunk = line.repeat(Math.ceil((8 << 20) / line.length));
  const blob = new Blob(Array(25).fill(chunk)); // 200 MB
  const kith = new Kith({ owner: ["Sam"], utcOffsetMinutes: 0 });
  const controller = new AbortController();
  let abortedAt = 0;
  const running = kith.importBlob(blob, {
    fileName: "WhatsApp Chat with Ann.txt",
    signal: controller.signal,
    onProgress: (read) => {
      if (read > 20e6 && !abortedAt) {
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  await assert.rejects(running, { name: "Aborted" });
  console.log(`Cancel took effect ${(performance.now() - abortedAt).toFixed(1)} ms after abort()`);
  assert.equal(kith.contacts().length, 0, "a cancelled import changes nothing");
  const report = kith.importFile("WhatsApp Chat with Ann.txt", Buffer.from(line));
  assert.equal(report.messages, 2, "the engine is free for the next import");
});
