// @ts-check
// Deterministic, realistic exports of every source for benchmarks, written to bench-data/ once:
// a Telegram result.json, a Messenger thread, a LinkedIn messages.csv and a Gmail Takeout
// mbox. Bodies are varied text (never read by kith beyond finding where they end).
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { random, WORDS } from "../www/bench-export.js";

export const dataDir = fileURLToPath(new URL("../bench-data/", import.meta.url));

/** @param {() => number} next @param {number} n */
const words = (next, n) => Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" ");
const PEOPLE = ["Ann Lee", "Bob Stone", "Cara Diaz", "Dev Patel", "Eve Moss", "Finn Hale", "Gus Ward", "Hana Ito"];

/**
 * Writes `bytes` of a generated export to bench-data/`name` unless it exists; returns its path.
 * @param {string} name @param {number} bytes @param {(next: () => number, i: number) => string} record
 * @param {string} [head] @param {(written: number) => string} [tail]
 */
async function write(name, bytes, record, head = "", tail = () => "") {
  const path = `${dataDir}${name}`;
  if (existsSync(path)) return path;
  mkdirSync(dataDir, { recursive: true });
  const out = createWriteStream(path);
  const next = random(7);
  let written = 0;
  let piece = head;
  for (let i = 0; written + piece.length < bytes; i++) {
    piece += record(next, i);
    if (piece.length > 1 << 20) {
      written += piece.length;
      if (!out.write(piece)) await new Promise((r) => out.once("drain", () => r(undefined)));
      piece = "";
    }
  }
  piece += tail(written);
  await new Promise((r) => out.end(piece, () => r(undefined)));
  return path;
}

const t0 = 1_600_000_000;

/** A full Telegram export: one personal chat after another, 2,000 messages each. @param {number} bytes */
export function telegram(bytes) {
  const head = '{\n "about": "Here is the data you requested.",\n "personal_information": {"user_id": 1, "first_name": "Sam", "last_name": "Lee", "phone_number": "+44 7700 900000", "username": "sam"},\n "chats": {\n  "about": "This page lists all chats from this export.",\n  "list": [\n';
  return write(`telegram-${bytes / 1e6}mb.json`, bytes, (next, i) => {
    const chat = Math.floor(i / 2000);
    const peer = 1000 + chat;
    let out = i % 2000 === 0 ? `${chat ? "\n    ]\n   },\n" : ""}   {\n    "name": "${PEOPLE[chat % 8]} ${chat}",\n    "type": "personal_chat",\n    "id": ${peer},\n    "messages": [\n` : ",\n";
    const at = t0 + i * 97;
    const mine = next() < 0.5;
    const text = next() < 0.2 ? `[{"type": "bold", "text": "${words(next, 2)}"}, " ${words(next, 6)}"]` : `"${words(next, 1 + Math.floor(next() * 14))}"`;
    out += `     {\n      "id": ${i + 1},\n      "type": "message",\n      "date": "2020-09-13T12:26:40",\n      "date_unixtime": "${at}",\n      "from": "${mine ? "Sam Lee" : PEOPLE[chat % 8]}",\n      "from_id": "user${mine ? 1 : peer}",\n      "text": ${text},\n      "text_entities": []\n     }`;
    return out;
  }, head, () => "\n    ]\n   }\n  ]\n }\n}\n");
}

/** One large Messenger thread (newest first), as message_1.json. @param {number} bytes */
export function messenger(bytes) {
  const head = '{\n  "participants": [{"name": "Sam Lee"}, {"name": "Ann Lee"}],\n  "messages": [\n';
  return write(`messenger-${bytes / 1e6}mb.json`, bytes, (next, i) => {
    const sender = next() < 0.5 ? "Sam Lee" : "Ann Lee";
    const reactions = next() < 0.1 ? `,\n      "reactions": [{"reaction": "\\u00e2\\u009d\\u00a4", "actor": "${sender}"}]` : "";
    return `${i ? ",\n" : ""}    {\n      "sender_name": "${sender}",\n      "timestamp_ms": ${(t0 + 1e8 - i * 61) * 1000},\n      "content": "${words(next, 1 + Math.floor(next() * 14))}"${reactions},\n      "is_geoblocked_for_viewer": false\n    }`;
  }, head, () => '\n  ],\n  "title": "Ann Lee",\n  "is_still_participant": true,\n  "thread_path": "inbox/annlee_1"\n}\n');
}

/** LinkedIn messages.csv: many two-person conversations, some multi-line content. @param {number} bytes */
export function linkedin(bytes) {
  const head = "\uFEFF\"CONVERSATION ID\",\"CONVERSATION TITLE\",\"FROM\",\"SENDER PROFILE URL\",\"TO\",\"RECIPIENT PROFILE URLS\",\"DATE\",\"SUBJECT\",\"CONTENT\",\"FOLDER\",\"ATTACHMENTS\",\"IS MESSAGE DRAFT\",\"IS CONVERSATION DRAFT\"\r\n";
  return write(`linkedin-${bytes / 1e6}mb.csv`, bytes, (next, i) => {
    const conv = Math.floor(i / 40);
    const peer = `https://www.linkedin.com/in/person-${conv}`;
    const me = "https://www.linkedin.com/in/sam-lee";
    const mine = next() < 0.5;
    const date = new Date((t0 + i * 3600) * 1000).toISOString().replace("T", " ").slice(0, 19);
    const content = next() < 0.2 ? `${words(next, 20)}\r\n\r\n${words(next, 12)}` : words(next, 5 + Math.floor(next() * 30));
    return `"2-${conv}","","${mine ? "Sam Lee" : `Person ${conv}`}","${mine ? me : peer}","${mine ? `Person ${conv}` : "Sam Lee"}","${mine ? peer : me}","${date} UTC","","${content.replaceAll('"', '""')}","INBOX","","No","No"\r\n`;
  }, head);
}

/** A Gmail Takeout mbox: Gmail's long header blocks, text and HTML parts, base64 attachments. @param {number} bytes */
export function mbox(bytes) {
  return write(`takeout-${bytes / 1e6}mb.mbox`, bytes, (next, i) => {
    const other = `${PEOPLE[i % 8].toLowerCase().replace(" ", ".")}${i % 300}@example.com`;
    const mine = next() < 0.4;
    const date = new Date((t0 + i * 1800) * 1000).toUTCString().replace("GMT", "+0000");
    const bulk = i % 6 === 0 ? "List-Unsubscribe: <mailto:unsubscribe@news.example.com>\n" : "";
    const text = Array.from({ length: 8 + Math.floor(next() * 30) }, () => words(next, 12)).join("\n");
    const attachment = i % 3 === 0 ? `--b1\nContent-Type: application/pdf; name="doc.pdf"\nContent-Transfer-Encoding: base64\n\n${"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+CnN0cmVhbQp4nCtUMFAwAAAAAP//\n".repeat(40)}` : "";
    return `From 17798736332369${i}@xxx ${date.replace(",", "")}\nX-GM-THRID: 17798736${i}\nX-Gmail-Labels: ${mine ? "Sent" : "Inbox,Category Personal"}\nDelivered-To: sam.lee@example.com\nReceived: by 2002:a05:6a10:1234 with SMTP id abc;\n        ${date}\nARC-Seal: i=1; a=rsa-sha256; t=1600000000; cv=none;\n        d=google.com; s=arc-20160816;\n        b=${"A".repeat(300)}\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n        d=example.com; s=20210112;\n        bh=${"B".repeat(44)}\n${bulk}From: ${mine ? "Sam Lee <sam.lee@example.com>" : `"${PEOPLE[i % 8]}" <${other}>`}\nTo: ${mine ? other : "sam.lee@example.com"}\nDate: ${date}\nSubject: ${words(next, 5)}\nMessage-ID: <m${i}@mail.example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset="UTF-8"\n\n${text}\n--b1\nContent-Type: text/html; charset="UTF-8"\n\n<div dir="ltr">${text.replaceAll("\n", "<br>")}</div>\n${attachment}--b1--\n\n`;
  });
}
