// @ts-check
// The browser benchmark: parse + aggregate throughput and wasm memory in this engine (V8 in
// Chromium). bench/browser.mjs drives it headless for `npm run bench`; it also runs by hand.
import init, { Kith } from "./pkg/kith.js";
import { generateExport } from "./bench-export.js";
import { measureIdentity } from "./bench-identity.js";

const wasm = await init();
const out = /** @type {HTMLElement} */ (document.getElementById("out"));
const sizeInput = /** @type {HTMLInputElement} */ (document.getElementById("mb"));

/** @param {number} megabytes */
async function run(megabytes) {
  const bytes = generateExport(megabytes * 1e6);
  const mb = bytes.length / 1e6;
  const name = "WhatsApp Chat with Alex Example.txt";
  // Warm up: V8 first runs wasm on its baseline compiler and tiers up hot code in the background.
  const warmupBytes = generateExport(5e6);
  for (let i = 0; i < 2; i++) {
    const warmup = new Kith({});
    warmup.importFile(name, warmupBytes);
    await warmup.importBlob(new Blob([warmupBytes]), { fileName: name });
    warmup.free();
  }
  const memoryBefore = wasm.memory.buffer.byteLength;
  let start = performance.now();
  const streamed = new Kith({ owner: ["Sam Lee"] });
  await streamed.importBlob(new Blob([bytes]), { fileName: name });
  const blobSeconds = (performance.now() - start) / 1000;
  const memoryAfterBlob = wasm.memory.buffer.byteLength;
  streamed.free();
  start = performance.now();
  const engine = new Kith({ owner: ["Sam Lee"] });
  const report = engine.importFile(name, bytes);
  engine.contacts();
  const fileSeconds = (performance.now() - start) / 1000;
  engine.free();
  return {
    exportMB: Number(mb.toFixed(1)),
    messages: report.messages,
    importFileMBps: Number((mb / fileSeconds).toFixed(1)),
    importBlobMBps: Number((mb / blobSeconds).toFixed(1)),
    wasmMemoryBeforeMB: Number((memoryBefore / 1048576).toFixed(1)),
    wasmMemoryAfterBlobMB: Number((memoryAfterBlob / 1048576).toFixed(1)),
  };
}

/** @type {any} */ (window).kithBench = run;
/** @type {any} */ (window).kithIdentityBench = (/** @type {number} */ people) => measureIdentity(Kith, people);
document.getElementById("run")?.addEventListener("click", async () => {
  out.textContent = "running…";
  out.textContent = JSON.stringify(await run(Number(sizeInput.value)), null, 2);
});
