// @ts-check
// kith-server for e2e tests: the real binary on loopback with a SQLite file, and a recording
// reverse proxy in front of it that sees every request body and can cut a sync short.
import { execFileSync, spawn } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { root } from "./browser.js";

// Where scripts/build put it: cargo's target directory, which CARGO_TARGET_DIR may move.
export const serverBinary = resolve(root, process.env.CARGO_TARGET_DIR ?? "target", "release/kith-server");

export function newDatabase() {
  return `${mkdtempSync(`${tmpdir()}/kith-server-`)}/kith.db`;
}

/** @param {string} db @param {string} account */
export function createToken(db, account) {
  return execFileSync(serverBinary, ["token", "create", account, "--db", db], { encoding: "utf8" }).trim();
}

/** Starts kith-server; resolves once it listens. @param {string} db @param {number} port */
export function startServer(db, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(serverBinary, ["serve", "--addr", `127.0.0.1:${port}`, "--db", db], { stdio: ["ignore", "pipe", "pipe"] });
    /** @type {string[]} */
    const log = [];
    child.stdout.on("data", (/** @type {Buffer} */ d) => {
      log.push(...d.toString().split("\n").filter(Boolean));
      if (log.some((l) => l.includes("listening"))) resolve({ child, log, stop: () => child.kill("SIGKILL") });
    });
    child.stderr.on("data", (/** @type {Buffer} */ d) => log.push(d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => code && reject(new Error(`kith-server exited ${code}: ${log.join("\n")}`)));
  });
}

/** A free loopback port. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A reverse proxy to 127.0.0.1:upstreamPort that records every request. `afterUpstream(n)`
 * runs after the n-th push was answered by the server; returning true drops the answer, as if
 * the server died before replying.
 * @param {number} upstreamPort
 */
export function startProxy(upstreamPort) {
  /** @type {Array<{ method: string, url: string, body: string }>} */
  const requests = [];
  let pushes = 0;
  /** @type {{ afterUpstream: (n: number) => boolean }} */
  const hooks = { afterUpstream: () => false };
  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", url: req.url ?? "", body: body.toString("utf8") });
      const isPush = req.method === "POST" && req.url === "/v1/sync/push";
      const upstream = httpRequest({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
        /** @type {Buffer[]} */
        const parts = [];
        up.on("data", (c) => parts.push(c));
        up.on("end", () => {
          if (isPush && hooks.afterUpstream(++pushes)) {
            req.socket.destroy();
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(parts));
        });
      });
      upstream.on("error", () => req.socket.destroy());
      upstream.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, requests, hooks, close: () => server.close() });
    });
  });
}

/** Every change on the server for a token, through all pages. @param {number} port @param {string} token */
export async function pullAll(port, token) {
  const all = [];
  let since = "0";
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${port}/v1/sync/pull?since=${encodeURIComponent(since)}&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
    const page = await r.json();
    all.push(...page.changes);
    if (!page.more) return all;
    since = page.cursor;
  }
}

/** @param {string} db */
export const databaseText = (db) => readFileSync(db).toString("latin1");
