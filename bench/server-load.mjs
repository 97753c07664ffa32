// @ts-check
// kith-server under load on loopback: upserts per second and resident memory. A fixed number
// of concurrent clients push batches of 100 distinct contacts for a fixed time, then stop.
// `node bench/server-load.mjs [seconds] [clients]` (after `npm run build`).
import { readFileSync } from "node:fs";
import { createToken, freePort, newDatabase, startServer } from "../tests/e2e/server.js";

const seconds = Number(process.argv[2] ?? 10);
const clients = Number(process.argv[3] ?? 16);
const BATCH = 100;

const db = newDatabase();
const token = createToken(db, "load");
const port = await freePort();
// The rate limits are lifted for this measurement: it measures the server, not the limiter.
const server = /** @type {any} */ (await startServerWithLimits(db, port));

/** @param {string} db @param {number} port */
async function startServerWithLimits(db, port) {
  const { spawn } = await import("node:child_process");
  const { serverBinary } = await import("../tests/e2e/server.js");
  return new Promise((resolve) => {
    const child = spawn(serverBinary, ["serve", "--addr", `127.0.0.1:${port}`, "--db", db, "--per-token-per-minute", "100000000", "--per-address-per-minute", "100000000"], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.once("data", () => resolve({ child, stop: () => child.kill("SIGKILL") }));
  });
}

/** @param {number} client @param {number} n */
function batch(client, n) {
  const upserts = Array.from({ length: BATCH }, (_, i) => ({
    id: `c${client}-${n}-${i}`, name: `Load ${client} ${n} ${i}`, phones: [`+4477009${String(i).padStart(5, "0")}`], emails: [], sources: ["whatsapp"],
    lastSentAt: "2024-03-05T14:07:00Z", lastReceivedAt: "2024-03-06T09:00:00Z", lastInteractionAt: "2024-03-06T09:00:00Z",
    sentCount: i, receivedCount: n, groupMessageCount: 0, cadenceDays: 7,
  }));
  return JSON.stringify({ batchKey: `load-${client}-${n}-${Date.now()}`, upserts, deletions: [] });
}

let upserts = 0;
let failures = 0;
let peakRssKb = 0;
const deadline = Date.now() + seconds * 1000;
const sampler = setInterval(() => {
  const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  peakRssKb = Math.max(peakRssKb, rss);
}, 100);
const start = performance.now();
await Promise.all(Array.from({ length: clients }, async (_, client) => {
  for (let n = 0; Date.now() < deadline; n++) {
    const r = await fetch(`http://127.0.0.1:${port}/v1/sync/push`, {
      method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: batch(client, n),
    });
    if (r.ok) upserts += (await r.json()).upserted;
    else failures++;
  }
}));
const elapsed = (performance.now() - start) / 1000;
clearInterval(sampler);
server.stop();
console.log(JSON.stringify({ clients, batchSize: BATCH, seconds: Number(elapsed.toFixed(1)), upserts, failures, upsertsPerSecond: Math.round(upserts / elapsed), serverPeakRssMB: Number((peakRssKb / 1024).toFixed(1)) }));
