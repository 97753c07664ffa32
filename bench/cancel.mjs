// @ts-check
// How fast Cancel acts during a 1 GB import, and what a 7.5 MiB zip bomb costs: `node bench/cancel.mjs`.
// Cancel: importBlob of a 1 GB WhatsApp export held as a Blob, aborted half-way from the
// progress callback; the figure is the time from abort() to the rejection. Bomb: see
// tests/js/hardening.test.js, which builds it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../pkg/kith.js";
import { exportPieces } from "../www/bench-export.js";
import { bombZip } from "../tests/js/zip-bomb.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const wasm = initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });
const chunk = [...exportPieces(8 << 20)].join("");
const blob = new Blob(Array(Math.ceil(1e9 / chunk.length)).fill(chunk));
const times = [];
for (let run = 0; run < 5; run++) {
  const kith = new Kith({ owner: ["Sam Lee"], utcOffsetMinutes: 0 });
  const controller = new AbortController();
  let abortedAt = 0;
  const started = kith.importBlob(blob, {
    fileName: "WhatsApp Chat with Alex Example.txt",
    signal: controller.signal,
    onProgress: (read) => {
      if (read > blob.size / 2 && !abortedAt) {
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  await started.catch((e) => { if (e.name !== "Aborted") throw e; });
  times.push(performance.now() - abortedAt);
}
times.sort((a, b) => a - b);
const bomb = bombZip(115, 4_000_000_000);
const kith = new Kith({ utcOffsetMinutes: 0 });
const start = performance.now();
const name = await kith.importBlob(new Blob([bomb]), { fileName: "WhatsApp Chat - Ann.zip" }).then(() => "imported", (e) => e.name);
console.log(JSON.stringify({
  blobMB: Math.round(blob.size / 1e6),
  cancelMsMedianOf5: Number(times[2].toFixed(1)),
  cancelMsMax: Number(times[4].toFixed(1)),
  bombMiB: Number((bomb.length / 1048576).toFixed(2)),
  bombResult: name,
  bombMs: Number((performance.now() - start).toFixed(1)),
  wasmMemoryMB: Number((wasm.memory.buffer.byteLength / 1048576).toFixed(1)),
}));
