// @ts-check
// kith-server measured from outside, on either backend and with one or more instances over one
// database (the release binary, real HTTP on loopback, Node's keep-alive fetch as the client):
//
//   node server/bench/load.mjs load --db <file|postgres://…> [--instances 1] [--clients 16] [--seconds 10] [--accounts 1]
//     Push throughput: each client pushes batches of 100 new contacts for the given time, the
//     clients spread over the instances and the accounts; upserts per second, and each
//     instance's peak resident memory (VmRSS sampled every 50 ms). Rate limits and the contact
//     quota are lifted by flag: this measures the server, not the limits. Pushes to one
//     account take turns (each holds the account's row lock until it commits), so one account
//     measures that path and several accounts measure what instances can do side by side.
//   node server/bench/load.mjs first-sync --db <file|postgres://…> [--contacts 10000]
//     A first sync as the extension sends it: batches of 500 new contacts, one after another,
//     from the first request to the last acknowledgement; then a second device's pull of them
//     all, in pages of 1000.
//
// The database must be new (an SQLite path that does not exist yet, or an empty PostgreSQL
// database). Build first: `cargo build --release -p kith-server` (CARGO_TARGET_DIR is honoured).
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const binary = resolve(root, process.env.CARGO_TARGET_DIR ?? "target", "release/kith-server");
const [mode, ...rest] = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const flag = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 && rest[i + 1] !== undefined ? rest[i + 1] : fallback;
};
const db = flag("db", "");
if (!["load", "first-sync"].includes(mode) || !db) {
  console.error("usage: node server/bench/load.mjs load|first-sync --db <file|postgres://…> [options]");
  process.exit(2);
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** One instance, once it answers its health check. @param {number} port */
async function startInstance(port) {
  const limits = ["--per-token-per-minute", "100000000", "--per-address-per-minute", "100000000", "--max-contacts", "100000000"];
  const child = spawn(binary, ["serve", "--addr", `127.0.0.1:${port}`, "--db", db, ...limits], { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1/health`)).ok) return { child, port, peakRssKb: 0 };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("kith-server did not start");
}

/** @param {string} prefix @param {number} count */
function contacts(prefix, count) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`, name: `Person ${prefix} ${i}`, phones: [`+4477009${String(i % 100000).padStart(5, "0")}`], emails: [`p${i}@example.com`], sources: ["whatsapp"],
    lastSentAt: "2024-03-05T14:07:00Z", lastReceivedAt: "2024-03-06T09:00:00Z", lastInteractionAt: "2024-03-06T09:00:00Z",
    sentCount: i, receivedCount: i % 7, groupMessageCount: 0, cadenceDays: 7,
  }));
}

/** @param {number} port @param {string} token @param {string} batchKey @param {object[]} upserts */
async function push(port, token, batchKey, upserts) {
  const r = await fetch(`http://127.0.0.1:${port}/v1/sync/push`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ batchKey, upserts, deletions: [] }),
  });
  if (!r.ok) throw new Error(`push ${batchKey}: ${r.status} ${await r.text()}`);
  return r.json();
}

const accounts = Number(flag("accounts", "1"));
const tokens = Array.from({ length: accounts }, (_, i) => execFileSync(binary, ["token", "create", `bench-${i}`, "--db", db], { encoding: "utf8" }).trim());
const token = tokens[0];
const instances = [];
for (let i = 0; i < Number(flag("instances", "1")); i++) instances.push(await startInstance(await freePort()));
const sampler = setInterval(() => {
  for (const instance of instances) {
    const status = readFileSync(`/proc/${instance.child.pid}/status`, "utf8");
    instance.peakRssKb = Math.max(instance.peakRssKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
  }
}, 50);
const backend = db.startsWith("postgres") ? "postgresql" : "sqlite";
try {
  if (mode === "load") {
    const clients = Number(flag("clients", "16"));
    const seconds = Number(flag("seconds", "10"));
    let upserts = 0;
    const deadline = Date.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, async (_, client) => {
      const { port } = instances[client % instances.length];
      const token = tokens[client % tokens.length];
      for (let n = 0; Date.now() < deadline; n++) {
        // Awaited first, then added: `upserts += await …` would read the total before the
        // await and lose the other clients' additions made meanwhile.
        const result = await push(port, token, `load-${client}-${n}`, contacts(`c${client}-${n}`, 100));
        upserts += result.upserted;
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    console.log(JSON.stringify({
      mode, backend, instances: instances.length, clients, accounts, batchSize: 100, seconds: Number(elapsed.toFixed(1)), upserts,
      upsertsPerSecond: Math.round(upserts / elapsed), peakRssMB: instances.map((i) => Number((i.peakRssKb / 1024).toFixed(1))),
    }));
  } else {
    const count = Number(flag("contacts", "10000"));
    const all = contacts("first", count);
    const started = performance.now();
    for (let i = 0; i * 500 < count; i++) await push(instances[0].port, token, `first-sync-${i}`, all.slice(i * 500, (i + 1) * 500));
    const ms = performance.now() - started;
    const pullStarted = performance.now();
    let pulled = 0;
    for (let cursor = "0", more = true; more;) {
      const r = await fetch(`http://127.0.0.1:${instances[0].port}/v1/sync/pull?since=${cursor}&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
      const page = await r.json();
      pulled += page.changes.length;
      ({ cursor, more } = page);
    }
    const pullMs = performance.now() - pullStarted;
    console.log(JSON.stringify({
      mode, backend, contacts: count, batches: Math.ceil(count / 500), ms: Math.round(ms), pulled, pullMs: Math.round(pullMs),
      peakRssMB: Number((instances[0].peakRssKb / 1024).toFixed(1)),
    }));
  }
} finally {
  clearInterval(sampler);
  for (const instance of instances) instance.child.kill("SIGKILL");
}
