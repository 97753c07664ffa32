// @ts-check
// A zip bomb for the hardening test and the benchmark, built in memory (nothing committed).
import { deflateRawSync, constants } from "node:zlib";

/**
 * A zip of one deflated entry. The deflate stream is `copies` repeats of 64 MiB of zeros, each
 * compressed once and ended with a full flush (so repeats are valid, independent blocks): 7.5
 * MiB of data that inflates to gigabytes.
 * @param {number} copies @param {number} declaredSize
 */
export function bombZip(copies, declaredSize) {
  const block = deflateRawSync(Buffer.alloc(64 << 20, 0x30), { finishFlush: constants.Z_FULL_FLUSH });
  const data = Buffer.concat([...Array(copies).fill(block), deflateRawSync(Buffer.alloc(0))]);
  const name = Buffer.from("_chat.txt");
  /** @param {boolean} central */
  const header = (central) => {
    const b = Buffer.alloc(central ? 46 : 30);
    b.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, 0);
    let at = 4;
    if (central) { b.writeUInt16LE(20, at); at += 2; }
    b.writeUInt16LE(20, at); b.writeUInt16LE(0, at + 2); b.writeUInt16LE(8, at + 4);
    at += 10; // flags, method, time, date
    b.writeUInt32LE(0, at); b.writeUInt32LE(data.length, at + 4); b.writeUInt32LE(declaredSize, at + 8);
    b.writeUInt16LE(name.length, at + 12);
    return Buffer.concat([b, name]);
  };
  const local = Buffer.concat([header(false), data]);
  const central = header(true);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length, 12); end.writeUInt32LE(local.length, 16);
  return Buffer.concat([local, central, end]);
}

