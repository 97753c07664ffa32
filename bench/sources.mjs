// @ts-check
// Deterministic, realistic exports of every source for benchmarks, written to bench-data/ once:
// a Telegram result.json, a Messenger thread, a LinkedIn messages.csv, a Gmail Takeout mbox, and
// contacts files (vCard with photos, Google Contacts CSV). Bodies are varied text (never read by
// kith beyond finding where they end).
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

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** @param {() => number} next @param {number} n */
const base64 = (next, n) => Array.from({ length: n }, () => B64[Math.floor(next() * 64)]).join("");
/** A reserved-range phone: UK +44 7700 900xxx or US +1 415 555 01xx. @param {number} i */
const phone = (i) => (i % 2 ? `+44 7700 900${String(i % 1000).padStart(3, "0")}` : `+1 415 555 01${String(i % 100).padStart(2, "0")}`);

/**
 * A vCard file as phones and Takeout write them: 3.0 cards (Gmail/iPhone style, item groups,
 * X-ABLabel, a NOTE and an ADR), every 8th an Android 2.1 card in quoted-printable UTF-8, and
 * every 4th card with a 20-60 KB base64 PHOTO folded at 75 columns (iPhone) — photos are most
 * of the bytes, as in real exports.
 * @param {number} bytes
 */
export function vcard(bytes) {
  return write(`contacts-${bytes / 1e6}mb.vcf`, bytes, (next, i) => {
    const name = `${PEOPLE[i % 8]} ${i}`;
    const [first, last] = name.split(" ");
    const mail = `${first.toLowerCase()}.${i}@example.com`;
    if (i % 8 === 7) {
      const qp = [...new TextEncoder().encode(`${first} Łódź-${i}`)].map((b) => `=${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
      return `BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:${qp.slice(0, 30)}=\r\n${qp.slice(30)};;;;\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:${qp}\r\nTEL;CELL:${phone(i)}\r\nEMAIL;HOME:${mail}\r\nNOTE;ENCODING=QUOTED-PRINTABLE:${words(next, 12)}=\r\n${words(next, 8)}\r\nEND:VCARD\r\n`;
    }
    let card = `BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.4//EN\r\nN:${last};${first};;;\r\nFN:${name}\r\nORG:Example Ltd;\r\n` +
      `item1.TEL;type=pref:${phone(i)}\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\nTEL;type=HOME;type=VOICE:${phone(i + 7)}\r\n` +
      `item2.EMAIL;type=INTERNET;type=pref:${mail}\r\nitem2.X-ABLabel:_$!<Home>!$_\r\n` +
      `item3.ADR;type=HOME:;;${i} ${words(next, 2)} St;Springfield;;0${i % 10000};US\r\nitem3.X-ABLabel:_$!<Home>!$_\r\n` +
      `NOTE:${words(next, 20).replaceAll(",", "\\,")}\\n${words(next, 10)}\r\nBDAY:1990-01-${String(1 + (i % 28)).padStart(2, "0")}\r\n`;
    if (i % 4 === 0) {
      const photo = base64(next, 20000 + Math.floor(next() * 40000));
      card += `PHOTO;ENCODING=b;TYPE=JPEG:${photo.slice(0, 48)}`;
      for (let at = 48; at < photo.length; at += 75) card += `\r\n ${photo.slice(at, at + 75)}`;
      card += "\r\n";
    }
    return `${card}END:VCARD\r\n`;
  });
}

/** A Google Contacts CSV (current header) with multi-values, notes and addresses. @param {number} bytes */
export function googleCsv(bytes) {
  const head = "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address\r\n";
  return write(`google-contacts-${bytes / 1e6}mb.csv`, bytes, (next, i) => {
    const [first, last] = `${PEOPLE[i % 8]} ${i}`.split(" ");
    const note = next() < 0.3 ? `"${words(next, 30)}\n${words(next, 20)}"` : words(next, 6);
    const phones = i % 3 === 0 ? `${phone(i)} ::: ${phone(i + 3)}` : phone(i);
    return `${first},,${last},,,,,,,,Example Ltd,Engineer,,1990-01-01,${note},https://lh3.googleusercontent.com/contacts/${base64(next, 40)},* myContacts ::: Friends,* Home,${first.toLowerCase()}.${i}@example.com,Work,${first.toLowerCase()}@work${i % 50}.example.com,Mobile,${phones},Home,${phone(i + 5)},Home,"${i} ${words(next, 2)} St\nSpringfield 0${i}\nUS",${i} ${words(next, 2)} St,Springfield,,,0${i},US,\r\n`;
  }, head);
}
