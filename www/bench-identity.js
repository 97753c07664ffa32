// @ts-check
// Generates the identity benchmark's inputs: `people` people, each known by three handles in
// three sources — a phone-number author in a WhatsApp group, a mail address in an mbox, and a
// vCard listing both — so the engine groups 3 × people handles into `people` contacts.

const encoder = new TextEncoder();

/** @param {number} i */
const phone = (i) => `+44 7700 9${String(i).padStart(5, "0")}`;
/** @param {number} i */
const email = (i) => `person${i}@example.com`;

/**
 * @param {number} people
 * @returns {{ name: string, bytes: Uint8Array }[]}
 */
export function identityFiles(people) {
  const chat = [];
  const mail = [];
  const cards = [];
  for (let i = 0; i < people; i++) {
    const minute = String(i % 60).padStart(2, "0");
    const hour = String(8 + Math.floor(i / 60) % 12).padStart(2, "0");
    const day = String(1 + Math.floor(i / 720) % 28).padStart(2, "0");
    chat.push(`${day}/03/2024, ${hour}:${minute} - ${phone(i)}: hello from ${i}`);
    chat.push(`${day}/03/2024, ${hour}:${minute} - Sam Lee: hi`);
    mail.push(
      `From ${i}@xxx Fri Mar 08 08:00:00 +0000 2024\nFrom: Person ${i} <${email(i)}>\nTo: Sam Lee <sam@example.com>\n` +
      `Date: Fri, 08 Mar 2024 08:${minute}:00 +0000\nMessage-ID: <m${i}@example.com>\nSubject: hi\n\nbody\n`,
    );
    cards.push(`BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person ${i}\r\nTEL;TYPE=CELL:${phone(i)}\r\nEMAIL:${email(i)}\r\nEND:VCARD\r\n`);
  }
  return [
    { name: "WhatsApp Chat with Friends.txt", bytes: encoder.encode(chat.join("\n") + "\n") },
    { name: "mail.mbox", bytes: encoder.encode(mail.join("\n")) },
    { name: "contacts.vcf", bytes: encoder.encode(cards.join("")) },
  ];
}

/**
 * Imports the files into a fresh engine and times the merge (every handle grouped into people),
 * `contacts()` (the merge and the transfer to JS) and `suggestions()`: medians of `runs`, in
 * milliseconds.
 * @param {typeof import("./pkg/kith.js").Kith} Kith
 * @param {number} people
 * @param {number} [runs]
 */
export function measureIdentity(Kith, people, runs = 5) {
  const engine = new Kith({ owner: ["Sam Lee", "sam@example.com"], utcOffsetMinutes: 0 });
  for (const file of identityFiles(people)) engine.importFile(file.name, file.bytes);
  /** @param {() => unknown} f */
  const median = (f) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      f();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return Number(times[Math.floor(times.length / 2)].toFixed(1));
  };
  const contacts = engine.contacts();
  const handles = contacts.reduce((n, c) => n + c.handles.length, 0);
  const result = {
    people,
    handles,
    contacts: contacts.length,
    // decisions() computes the whole view (every handle grouped into people, their stats
    // combined) to name the people in the log, and returns the log (empty here): the merge
    // itself, without the transfer of the contacts to JS.
    mergeMs: median(() => engine.decisions()),
    contactsMs: median(() => engine.contacts()),
    suggestionsMs: median(() => engine.suggestions()),
  };
  engine.free();
  return result;
}
