// @ts-check
// kith's importFile against whatsapp-chat-parser 4.x (+ a loop taking each author's last
// message) on the same generated Android export, in this one Node (V8) process.
// `node bench/compare.mjs [megabytes]` — run by `npm run bench`; `SHAPE=group` runs the shapes
// whose name starts so.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { parseString } from "whatsapp-chat-parser";
import { initSync, Kith } from "../pkg/kith.js";
import { generateExport } from "../www/bench-export.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const wasmBytes = readFileSync(`${root}pkg/kith_bg.wasm`);
initSync({ module: wasmBytes });

const megabytes = Number(process.argv[2] ?? 50);
const RUNS = 9;

/** The shapes compared: the audit asked for ≥ 15x on every one. */
const SHAPES = [
  { shape: "direct chat", name: "WhatsApp Chat with Alex Example.txt", options: {} },
  { shape: "group of 300", name: "WhatsApp Chat with Book Club.txt", options: { members: 300 } },
  { shape: "long lines (up to 60 words)", name: "WhatsApp Chat with Alex Example.txt", options: { maxWords: 60 } },
  { shape: "short lines (up to 3 words)", name: "WhatsApp Chat with Alex Example.txt", options: { maxWords: 3 } },
  { shape: "media-heavy (30% media)", name: "WhatsApp Chat with Alex Example.txt", options: { media: 0.3 } },
];

// A full collection before every measured run, so neither side pays for the garbage the other
// left (the JS parser makes about 700,000 objects per run, whose collection otherwise fell into
// whichever run came next). Exposed at run time: `npm run bench` passes no node flags.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = /** @type {() => void} */ (runInNewContext("gc"));
/** Pause after each collection: V8 sweeps the freed pages on a background thread, which on a
 * two-core machine could compete with a measured run that started at once. */
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 500);

/** Times `kith` and `parser` in alternation, after two unmeasured warm-up runs of each: both
 * engines JIT (V8 tiers wasm up from its baseline compiler, and JS from its interpreter) on
 * first use, in background threads, and on two cores one warm-up run was not always enough.
 * Alternating puts each pair of runs in the same moment of a shared machine, whose load moved
 * the JS parser's figure by up to 30% between shapes measured one side after the other.
 * Returns the median seconds of `RUNS` runs of each, the least, median and greatest of the
 * rounds' own ratios, and the last results.
 * @template K, P @param {() => K} kith @param {() => P} parser */
async function timeBoth(kith, parser) {
  /** @param {() => unknown} f */
  const once = async (f) => {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const start = performance.now();
    const result = f();
    return { seconds: (performance.now() - start) / 1000, result };
  };
  for (let i = 0; i < 2; i++) {
    await once(kith);
    await once(parser);
  }
  const runs = { kith: /** @type {number[]} */ ([]), parser: /** @type {number[]} */ ([]) };
  let last = { kith: /** @type {K | undefined} */ (undefined), parser: /** @type {P | undefined} */ (undefined) };
  for (let i = 0; i < RUNS; i++) {
    const k = await once(kith);
    const p = await once(parser);
    runs.kith.push(k.seconds);
    runs.parser.push(p.seconds);
    last = { kith: /** @type {K} */ (k.result), parser: /** @type {P} */ (p.result) };
  }
  if (process.env.VERBOSE) console.error(JSON.stringify({ kithSeconds: runs.kith, parserSeconds: runs.parser }));
  // Each round's own ratio: the two runs of a round shared the machine's state of the moment.
  const paired = runs.kith.map((k, i) => runs.parser[i] / k);
  const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    kith: median(runs.kith),
    parser: median(runs.parser),
    paired: { min: Math.min(...paired), median: median(paired), max: Math.max(...paired) },
    results: last,
  };
}

for (const { shape, name, options } of SHAPES.filter((s) => !process.env.SHAPE || s.shape.startsWith(process.env.SHAPE))) {
  const bytes = generateExport(megabytes * 1e6, options);
  const mb = bytes.length / 1e6;
  const timed = await timeBoth(
    () => {
      const engine = new Kith({ owner: ["Sam Lee"], utcOffsetMinutes: 0 });
      engine.importFile(name, bytes);
      const contacts = engine.contacts();
      engine.free();
      return contacts;
    },
    () => {
      const messages = parseString(new TextDecoder().decode(bytes));
      /** @type {Map<string, Date>} */
      const last = new Map();
      for (const m of messages) if (m.author) last.set(m.author, m.date);
      return { messages: messages.length, last };
    },
  );
  const kithContacts = /** @type {import("../pkg/kith.js").Contact[]} */ (timed.results.kith);
  const parsed = /** @type {{ messages: number, last: Map<string, Date> }} */ (timed.results.parser);
  console.log(JSON.stringify({
    shape,
    exportMB: Number(mb.toFixed(1)),
    kithMBps: Number((mb / timed.kith).toFixed(1)),
    whatsappChatParserMBps: Number((mb / timed.parser).toFixed(1)),
    ratio: Number((timed.parser / timed.kith).toFixed(1)),
    roundRatios: [timed.paired.min, timed.paired.median, timed.paired.max].map((r) => Number(r.toFixed(1))),
    kithMessages: kithContacts.reduce((n, c) => n + c.sentCount + c.receivedCount + c.groupMessageCount, 0),
    parserMessages: parsed.messages,
  }));
}
console.log(JSON.stringify({ wasmBytes: wasmBytes.length, wasmGzipBytes: gzipSync(wasmBytes, { level: 9 }).length }));
