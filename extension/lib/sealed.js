// @ts-check
// The account sync key and sealing (docs/sync-protocol.md, version 2). A device's own knowledge
// travels to the account's other devices through the server, sealed with AES-256-GCM under a
// key the server never sees: the user copies it from one device's Options to the other's.
// WebCrypto only; no network here.

const PREFIX = "kith-key-";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648 base32
const KEY_BYTES = 32;
/** Ciphertext is uploaded in chunks of at most this many bytes (the server's chunk limit). */
export const CHUNK_BYTES = 512 * 1024;

/**
 * WebCrypto takes bytes over an ArrayBuffer, not a shared one; every array here is one.
 * @param {Uint8Array} bytes @returns {Uint8Array<ArrayBuffer>}
 */
const plain = (bytes) => /** @type {Uint8Array<ArrayBuffer>} */ (bytes);

/** @param {string} name @param {string} message */
const failure = (name, message) => Object.assign(new Error(message), { name });

/** 32 random bytes, written for people: `kith-key-` and 52 base32 letters in groups of four. */
export function newKeyText() {
  return keyText(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

/** @param {Uint8Array} bytes */
export function keyText(bytes) {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return PREFIX + (out.match(/.{1,4}/g) ?? []).join("-");
}

/**
 * The key's bytes from what the user pasted: case, spaces and dashes do not matter; anything
 * else is a named error that says what a key looks like (and never repeats what was typed).
 * @param {string} text @returns {Uint8Array}
 */
export function parseKeyText(text) {
  const wrong = () => failure("InvalidSyncKey", "A sync key starts with kith-key- followed by 52 letters and digits 2–7 (copy it from Options on your other device).");
  const body = text.trim().toLowerCase().startsWith(PREFIX) ? text.trim().slice(PREFIX.length) : text.trim();
  const letters = body.replace(/[\s-]/g, "").toUpperCase();
  if (letters.length !== 52) throw wrong();
  const bytes = new Uint8Array(KEY_BYTES);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const letter of letters) {
    const digit = ALPHABET.indexOf(letter);
    if (digit < 0) throw wrong();
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      if (at < KEY_BYTES) bytes[at++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // 52 letters carry 260 bits: the last 4 must be the zero padding the writer put there.
  if ((value & ((1 << bits) - 1)) !== 0) throw wrong();
  return bytes;
}

/** @param {ArrayBuffer | Uint8Array} bytes */
export const hex = (bytes) => Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 as hex. @param {Uint8Array} bytes */
export async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", plain(bytes)));
}

/**
 * What the server keeps to tell a device with another key before it uploads anything: the
 * first 16 bytes of HMAC-SHA-256(key, "kith key check v1"). It reveals nothing of the key.
 * @param {Uint8Array} key
 */
export async function keyCheck(key) {
  const hmac = await crypto.subtle.importKey("raw", plain(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode("kith key check v1"));
  return hex(new Uint8Array(mac).subarray(0, 16));
}

/** @param {Uint8Array} key */
const aesKey = (key) => crypto.subtle.importKey("raw", plain(key), "AES-GCM", false, ["encrypt", "decrypt"]);
/** Binds a sealed state to its device and generation: one cannot be passed off as another. @param {string} deviceId @param {number} generation */
const aad = (deviceId, generation) => new TextEncoder().encode(`${deviceId}/${generation}`);

/**
 * Seals a device's state: 12 random IV bytes, then the AES-256-GCM ciphertext and tag.
 * @param {Uint8Array} key @param {Uint8Array} state @param {string} deviceId @param {number} generation
 */
export async function seal(key, state, deviceId, generation) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(deviceId, generation) }, await aesKey(key), plain(state));
  const out = new Uint8Array(12 + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), 12);
  return out;
}

/**
 * Opens what {@link seal} made, or fails with a named error (a different key, or bytes changed
 * on the way: AES-GCM tells both apart from a good state, not from each other).
 * @param {Uint8Array} key @param {Uint8Array} sealed @param {string} deviceId @param {number} generation
 */
export async function open(key, sealed, deviceId, generation) {
  if (sealed.length < 12 + 16) throw failure("SealedStateDamaged", "Another device's state arrived cut short; kith will fetch it again at the next sync.");
  try {
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: plain(sealed.subarray(0, 12)), additionalData: aad(deviceId, generation) },
      await aesKey(key),
      plain(sealed.subarray(12)),
    );
    return new Uint8Array(opened);
  } catch {
    throw failure("SealedStateUnreadable", "Another device's state could not be opened with this device's sync key. Check that both show the same key in Options.");
  }
}

/** How a state is packed before sealing: 1 = deflate (raw), the only format so far. */
const PACKED_DEFLATE = 1;
/** An opened state larger than this is refused: no state of 100,000 contacts comes near it. */
const MAX_STATE_BYTES = 512 * 1024 * 1024;

/** @param {Uint8Array} bytes @param {CompressionStream | DecompressionStream} stream */
async function through(bytes, stream, limit = Infinity) {
  const writer = stream.writable.getWriter();
  void writer.write(plain(bytes)).then(() => writer.close()).catch(() => {});
  /** @type {Uint8Array[]} */
  const parts = [];
  let size = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw failure("SealedStateDamaged", "Another device's state is larger than kith accepts; it is left out.");
    }
    parts.push(value);
  }
  return concat(parts);
}

/** Bytes in one array. @param {Uint8Array[]} parts */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Packs a state for sealing: a format byte, then the state deflated (a snapshot shrinks about
 * fourfold, and uploads are most of a first sync's time). Compressed before it is encrypted:
 * the server sees the sealed size only, which says how much a device knows, as the plain size
 * would.
 * @param {Uint8Array} state
 */
export async function pack(state) {
  const deflated = await through(state, new CompressionStream("deflate-raw"));
  const out = new Uint8Array(1 + deflated.length);
  out[0] = PACKED_DEFLATE;
  out.set(deflated, 1);
  return out;
}

/** Reverses {@link pack}. @param {Uint8Array} packed */
export async function unpack(packed) {
  if (packed[0] !== PACKED_DEFLATE) throw failure("UnsupportedSealedState", "Another device's state was written by a newer kith. Update kith on this device.");
  try {
    return await through(packed.subarray(1), new DecompressionStream("deflate-raw"), MAX_STATE_BYTES);
  } catch (e) {
    if (/** @type {Error} */ (e).name === "SealedStateDamaged") throw e;
    throw failure("SealedStateDamaged", "Another device's state could not be unpacked; kith will fetch it again at the next sync.");
  }
}

/** Cuts bytes into upload chunks. @param {Uint8Array} bytes @returns {Uint8Array[]} */
export function chunks(bytes) {
  const out = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) out.push(bytes.subarray(at, at + CHUNK_BYTES));
  return out.length ? out : [bytes];
}
