// @ts-check
// One import of one file through importBlob in a fresh Node process: throughput and the wasm
// linear-memory high-water mark (linear memory only grows, so its size afterwards is the
// peak of the whole import). `node bench/format-memory.mjs FILE FILE_NAME [OWNER]`
import { openAsBlob, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../pkg/kith.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const [path, fileName, owner] = process.argv.slice(2);
const wasm = initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });
const before = wasm.memory.buffer.byteLength;
const kith = new Kith({ owner: owner ? [owner] : [], utcOffsetMinutes: 0 });
const start = performance.now();
const report = await kith.importBlob(await openAsBlob(path), { fileName });
const seconds = (performance.now() - start) / 1000;
const mb = statSync(path).size / 1e6;
console.log(JSON.stringify({
  messages: report.messages,
  contacts: report.contacts,
  wasmMemoryBeforeMB: Number((before / 1048576).toFixed(1)),
  wasmMemoryAfterMB: Number((wasm.memory.buffer.byteLength / 1048576).toFixed(1)),
  importBlobMBps: Number((mb / seconds).toFixed(1)),
}));
