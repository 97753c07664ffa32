// @ts-check
// Generates a realistic, deterministic Android WhatsApp export for benchmarks: a direct chat,
// 24-hour `dd/mm/yyyy, HH:MM - Author: body` lines, bodies of varied length, some multi-line,
// media placeholders and system lines. Shared by bench/compare.mjs (Node) and bench.html.

export const WORDS = ("ok sure thanks tomorrow tonight dinner call later running late see you soon " +
  "what about the weekend sounds good haha really no way love it where are you on my way " +
  "did you see the news meeting moved to friday can you send the file photo later").split(" ");

/** xorshift32: fast, seedable, the same sequence everywhere. @param {number} seed */
export function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** @param {number} n */
const two = (n) => String(n).padStart(2, "0");

/**
 * Yields export text in pieces of about `pieceBytes` until `totalBytes` are produced. The
 * shape is a direct chat by default; `members` above 2 makes a group of that many writers,
 * `maxWords` sets how long bodies run, `media` the share of media placeholders.
 * @param {number} totalBytes
 * @param {{ seed?: number, pieceBytes?: number, members?: number, maxWords?: number, media?: number }} [options]
 * @returns {Generator<string>}
 */
export function* exportPieces(totalBytes, { seed = 42, pieceBytes = 1 << 20, members = 2, maxWords = 14, media = 0.03 } = {}) {
  const next = random(seed);
  const names = members <= 2 ? ["Sam Lee", "Alex Example"] : ["Sam Lee", ...Array.from({ length: members - 1 }, (_, i) => `Member ${i + 1}`)];
  let time = Date.UTC(2019, 0, 1, 8, 0) / 1000;
  let produced = 0;
  let piece = "";
  const stamp = () => {
    const d = new Date(time * 1000);
    return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  };
  piece += `${stamp()} - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n`;
  while (produced + piece.length < totalBytes) {
    time += Math.floor(next() * next() * 7200);
    const author = names[Math.floor(next() * names.length)];
    const roll = next();
    let body;
    if (roll < media) body = "<Media omitted>";
    else if (roll < media + 0.005) body = "This message was deleted";
    else {
      const words = 1 + Math.floor(next() * maxWords);
      body = Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" ");
      if (roll > 0.95) body += `\n${WORDS[Math.floor(next() * WORDS.length)]} and more on a second line`;
    }
    piece += `${stamp()} - ${author}: ${body}\n`;
    if (piece.length >= pieceBytes) {
      produced += piece.length;
      yield piece;
      piece = "";
    }
  }
  if (piece) yield piece;
}

/**
 * The whole export as UTF-8 bytes (all ASCII, so length in characters = bytes).
 * @param {number} totalBytes @param {Parameters<typeof exportPieces>[1]} [shape]
 */
export function generateExport(totalBytes, shape) {
  const out = new Uint8Array(totalBytes + (1 << 20));
  const encoder = new TextEncoder();
  let at = 0;
  for (const piece of exportPieces(totalBytes, shape)) {
    at += encoder.encodeInto(piece, out.subarray(at)).written;
  }
  return out.subarray(0, at);
}
