// @ts-check
// importFile copies a byte array into wasm memory a slice at a time, so importing a large
// array does not grow wasm memory by the array's size: `node --test tests/js/import-memory.test.js`.
// A file of its own, so the memory it reads is this test's alone (wasm memory never shrinks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../../pkg/kith.js";
import { generateExport } from "../../www/bench-export.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const wasm = initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });

test("importing a 40 MB array grows wasm memory by far less than 40 MB", () => {
  const bytes = generateExport(40e6, {});
  const kith = new Kith({ owner: ["Sam Lee"], utcOffsetMinutes: 0 });
  const before = wasm.memory.buffer.byteLength;
  const report = kith.importFile("WhatsApp Chat with Alex Example.txt", bytes);
  const grownMB = (wasm.memory.buffer.byteLength - before) / 1048576;
  console.log(`40 MB import: ${report.messages} messages, wasm memory grew ${grownMB.toFixed(1)} MB`);
  assert.ok(report.messages > 500_000, `${report.messages}`);
  assert.ok(grownMB < 16, `wasm memory grew ${grownMB.toFixed(1)} MB`);
  kith.free();
});

test("importFile takes a plain array of bytes too, and refuses anything else by name", () => {
  const kith = new Kith({ owner: ["Sam"], utcOffsetMinutes: 0 });
  const text = "05/03/2024, 09:00 - Ann Lee: hi\n05/03/2024, 09:01 - Sam: ok\n";
  const report = kith.importFile("WhatsApp Chat with Ann Lee.txt", [...new TextEncoder().encode(text)]);
  assert.equal(report.messages, 2);
  for (const wrong of ["05/03/2024, 09:00 - Ann Lee: hi\n", 42, null, { length: 3 }]) {
    assert.throws(() => kith.importFile("WhatsApp Chat with Ann Lee.txt", /** @type {any} */ (wrong)), { name: "InvalidOptions" });
  }
  assert.equal(kith.contacts().length, 1);
  kith.free();
});
