// @ts-check
// Draws kith's icon (a rounded square with two overlapping circles: two people in touch) at
// each size the manifest lists and writes PNGs with Node's zlib. `node scripts/make-icons.mjs`
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

/** @param {number} n */
const u32 = (n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const table = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** @param {Buffer} b */
function crc(b) {
  let c = 0xffffffff;
  for (const x of b) c = table[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** @param {string} type @param {Buffer} data */
const chunk = (type, data) => Buffer.concat([u32(data.length), Buffer.from(type), data, u32(crc(Buffer.concat([Buffer.from(type), data])))]);

/** @param {number} size */
function icon(size) {
  const rows = [];
  const r = size * 0.22;
  for (let y = 0; y < size; y++) {
    const row = [0];
    for (let x = 0; x < size; x++) {
      const cx = Math.min(Math.max(x + 0.5, r), size - r), cy = Math.min(Math.max(y + 0.5, r), size - r);
      const inside = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r;
      const d1 = Math.hypot(x + 0.5 - size * 0.38, y + 0.5 - size * 0.5), d2 = Math.hypot(x + 0.5 - size * 0.62, y + 0.5 - size * 0.5);
      const ring = size * 0.22, width = Math.max(1, size * 0.07);
      const onRing = Math.abs(d1 - ring) < width || Math.abs(d2 - ring) < width;
      if (!inside) row.push(0, 0, 0, 0);
      else if (onRing) row.push(255, 255, 255, 255);
      else row.push(37, 99, 201, 255);
    }
    rows.push(Buffer.from(row));
  }
  const header = Buffer.concat([u32(size), u32(size), Buffer.from([8, 6, 0, 0, 0])]);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

for (const size of [16, 32, 48, 128]) {
  writeFileSync(new URL(`../extension/icons/icon-${size}.png`, import.meta.url), icon(size));
}
