// @ts-check
// Throughput of every format, natively (examples/import_file, release build, median of 3 after
// a warm-up) and in Node through importBlob (a fresh process each, with its wasm memory peak):
// `node bench/formats.mjs [scale]` (scale 1 = the README's sizes: mbox 1 GB, result.json 300 MB).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { googleCsv, linkedin, mbox, messenger, telegram, vcard } from "./sources.mjs";
import { dataDir } from "./sources.mjs";
import { createWriteStream, existsSync } from "node:fs";
import { exportPieces } from "../www/bench-export.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const scale = Number(process.argv[2] ?? 1);
/** @param {number} n */
const mb = (n) => Math.round(n * scale) * 1e6;

/** A bare _chat.txt (a name that names no chat) of `bytes`: the case that once held every message. @param {number} bytes */
async function bareWhatsApp(bytes) {
  const path = `${dataDir}android-bare-${bytes / 1e6}mb.txt`;
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  for (const piece of exportPieces(bytes)) if (!out.write(piece)) await new Promise((r) => out.once("drain", () => r(undefined)));
  await new Promise((r) => out.end(() => r(undefined)));
  return path;
}

execFileSync("cargo", ["build", "--release", "--example", "import_file", "-q"], { cwd: root, stdio: "inherit" });
const targetDir = process.env.CARGO_TARGET_DIR ?? `${root}target`;
const cases = [
  { format: "mbox (Gmail Takeout)", path: await mbox(mb(1000)), name: "All mail Including Spam and Trash.mbox", owner: "" },
  { format: "Telegram result.json", path: await telegram(mb(300)), name: "result.json", owner: "" },
  { format: "Messenger thread JSON", path: await messenger(mb(60)), name: "message_1.json", owner: "Sam Lee" },
  { format: "LinkedIn messages.csv", path: await linkedin(mb(100)), name: "messages.csv", owner: "" },
  { format: "WhatsApp bare _chat.txt", path: await bareWhatsApp(mb(200)), name: "_chat.txt", owner: "Sam Lee" },
  { format: "vCard .vcf (with photos)", path: await vcard(mb(50)), name: "contacts.vcf", owner: "" },
  { format: "Google Contacts .csv", path: await googleCsv(mb(50)), name: "contacts.csv", owner: "" },
];
for (const c of cases) {
  const native = JSON.parse(execFileSync(`${targetDir}/release/examples/import_file`, [c.path, c.name, c.owner, "3"], { encoding: "utf8", maxBuffer: 1 << 20 }));
  const node = JSON.parse(execFileSync(process.execPath, [`${root}bench/format-memory.mjs`, c.path, c.name, c.owner], { encoding: "utf8" }));
  console.log(JSON.stringify({ source: c.format, ...native, ...node }));
}
