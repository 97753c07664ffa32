// @ts-check
// wasm linear memory while importBlob streams a large export from disk. Linear memory only
// grows, so its size afterwards is the high-water mark of the whole import. Run in a fresh
// process so nothing else has grown it: `node bench/blob-memory.mjs [megabytes]`.
import { createWriteStream, existsSync, openAsBlob, readFileSync, statSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../pkg/kith.js";
import { exportPieces } from "../www/bench-export.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const megabytes = Number(process.argv[2] ?? 200);
const path = `${root}bench-data/android-${megabytes}mb.txt`;
if (!existsSync(path)) {
  mkdirSync(`${root}bench-data`, { recursive: true });
  const out = createWriteStream(path);
  for (const piece of exportPieces(megabytes * 1e6)) {
    if (!out.write(piece)) await new Promise((r) => out.once("drain", () => r(undefined)));
  }
  await new Promise((r) => out.end(() => r(undefined)));
}
const wasm = initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });
const before = wasm.memory.buffer.byteLength;
const kith = new Kith({ owner: ["Sam Lee"], utcOffsetMinutes: 0 });
const blob = await openAsBlob(path);
const start = performance.now();
const report = await kith.importBlob(blob, { fileName: "WhatsApp Chat with Alex Example.txt" });
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({
  exportMB: Number((statSync(path).size / 1e6).toFixed(1)),
  messages: report.messages,
  wasmMemoryBeforeMB: Number((before / 1048576).toFixed(1)),
  wasmMemoryAfterMB: Number((wasm.memory.buffer.byteLength / 1048576).toFixed(1)),
  importBlobMBps: Number((statSync(path).size / 1e6 / seconds).toFixed(1)),
}));
