// @ts-check
// A kith snapshot holding `count` contacts, as real imports make them: one short direct chat
// each, a few months of messages. Shared by the extension and sync benchmarks.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Kith } from "../pkg/kith.js";

const root = fileURLToPath(new URL("../", import.meta.url));
initSync({ module: readFileSync(`${root}pkg/kith_bg.wasm`) });

/** @param {number} count */
export function snapshotWithContacts(count) {
  const engine = new Kith({ owner: ["Sam Lee"], utcOffsetMinutes: 0 });
  for (let i = 0; i < count; i++) {
    const name = `Person ${String(i).padStart(5, "0")}`;
    const day = 1 + (i % 27);
    const lines = [];
    for (let m = 0; m < 6; m++) {
      lines.push(`${String(day).padStart(2, "0")}/${String(1 + m).padStart(2, "0")}/2024, ${String(8 + m).padStart(2, "0")}:${String(i % 60).padStart(2, "0")} - ${m % 2 ? "Sam Lee" : name}: hello`);
    }
    engine.importFile(`WhatsApp Chat with ${name}.txt`, new TextEncoder().encode(lines.join("\n") + "\n"));
  }
  const snapshot = engine.snapshot();
  const contacts = engine.contacts().length;
  engine.free();
  return { snapshot, contacts };
}
