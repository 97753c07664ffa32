// @ts-check
// The account sync key and sealed device states (extension/lib/sealed.js), with Node's
// WebCrypto: `node --test tests/js/sealed.test.js`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CHUNK_BYTES, chunks, keyCheck, keyText, newKeyText, open, pack, parseKeyText, seal, sha256Hex, unpack } from "../../extension/lib/sealed.js";

test("a key written for people reads back to the same bytes, however it is pasted", () => {
  for (let i = 0; i < 200; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const text = keyText(bytes);
    assert.match(text, /^kith-key-([A-Z2-7]{4}-){12}[A-Z2-7]{4}$/);
    assert.deepEqual(parseKeyText(text), bytes);
    assert.deepEqual(parseKeyText(`  ${text.toLowerCase().replaceAll("-", " ")} `.replace("kith key ", "kith-key-")), bytes);
    assert.deepEqual(parseKeyText(text.slice("kith-key-".length)), bytes, "the prefix may be left out");
  }
  assert.notEqual(newKeyText(), newKeyText());
});

test("a mistyped key is a named error that repeats nothing typed", () => {
  const good = newKeyText();
  const wrong = [
    "",
    good.slice(0, -1), // a letter short
    `${good}A`, // a letter long
    good.replace(/[A-Z2-7](?=[^-]*$)/, "1"), // a letter outside base32
    good.slice(0, -1) + "B", // the last letter's padding bits set (B = 00001)
  ];
  for (const text of wrong) {
    assert.throws(() => parseKeyText(text), (e) => {
      assert.equal(/** @type {Error} */ (e).name, "InvalidSyncKey");
      if (text.length > 12) assert.ok(!/** @type {Error} */ (e).message.includes(text.slice(9, 21)));
      return true;
    });
  }
});

test("sealed states open with the key, device and generation they were sealed for, and nothing else", async () => {
  const key = parseKeyText(newKeyText());
  const other = parseKeyText(newKeyText());
  const state = new TextEncoder().encode("kith state: counts and times only");
  const sealed = await seal(key, state, "device-aaaa", 3);
  assert.ok(!Buffer.from(sealed).includes(Buffer.from("counts and times")), "the plain state is not in the sealed bytes");
  assert.deepEqual(await open(key, sealed, "device-aaaa", 3), state);
  const unreadable = { name: "SealedStateUnreadable" };
  await assert.rejects(open(other, sealed, "device-aaaa", 3), unreadable, "another key");
  await assert.rejects(open(key, sealed, "device-bbbb", 3), unreadable, "passed off as another device's");
  await assert.rejects(open(key, sealed, "device-aaaa", 2), unreadable, "passed off as another generation");
  const flipped = sealed.slice();
  flipped[20] ^= 1;
  await assert.rejects(open(key, flipped, "device-aaaa", 3), unreadable, "a changed byte");
  await assert.rejects(open(key, sealed.subarray(0, 20), "device-aaaa", 3), { name: "SealedStateDamaged" });
  assert.notDeepEqual(await seal(key, state, "device-aaaa", 3), sealed, "a fresh IV each time");
});

test("the key check is the same for one key, differs between keys, and is not the key", async () => {
  const text = newKeyText();
  const key = parseKeyText(text);
  const check = await keyCheck(key);
  assert.match(check, /^[0-9a-f]{32}$/);
  assert.equal(await keyCheck(parseKeyText(text)), check);
  assert.notEqual(await keyCheck(parseKeyText(newKeyText())), check);
  assert.ok(!Buffer.from(key).toString("hex").includes(check));
});

test("chunks cut at the server's chunk size and join back", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(60_000));
  const big = new Uint8Array(CHUNK_BYTES * 2 + 5);
  for (let at = 0; at < big.length; at += bytes.length) big.set(bytes.subarray(0, Math.min(bytes.length, big.length - at)), at);
  const parts = chunks(big);
  assert.deepEqual(parts.map((p) => p.length), [CHUNK_BYTES, CHUNK_BYTES, 5]);
  assert.equal(await sha256Hex(Buffer.concat(parts)), await sha256Hex(big));
  assert.equal(chunks(new Uint8Array(0)).length, 1, "an empty state is one empty chunk");
});

test("a state is packed smaller before sealing and unpacked exactly; damaged or unknown packing is a named error", async () => {
  const state = new TextEncoder().encode("counts per month, per chat, per author; ".repeat(5000));
  const packed = await pack(state);
  assert.ok(packed.length < state.length / 10, `${packed.length} bytes from ${state.length}`);
  assert.deepEqual(await unpack(packed), state);
  const random = crypto.getRandomValues(new Uint8Array(5000));
  assert.deepEqual(await unpack(await pack(random)), random, "incompressible bytes round-trip too");
  await assert.rejects(unpack(Uint8Array.of(9, ...packed.subarray(1))), { name: "UnsupportedSealedState" });
  await assert.rejects(unpack(packed.subarray(0, packed.length / 2)), { name: "SealedStateDamaged" });
});
