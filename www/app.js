// @ts-check
// The standalone analyzer: the same wasm package the extension uses, in a plain page. Files
// are read with Kith.importBlob, slice by slice, inside this tab; nothing is sent anywhere.
import init, { Kith } from "./pkg/kith.js";

/** @template {HTMLElement} T @param {string} id @returns {T} */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return /** @type {T} */ (el);
}

const drop = $("drop");
const picker = /** @type {HTMLInputElement} */ ($("files"));
const ownerInput = /** @type {HTMLInputElement} */ ($("owner"));
const imports = $("imports");
const rows = $("rows");

await init();
const kith = new Kith({});

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
/** "3 weeks ago" from an ISO time, or an em dash. @param {string | null} iso */
function ago(iso) {
  if (!iso) return "—";
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  /** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(0, "minute");
}

/** @param {string} tag @param {string} text @param {string} [className] */
function el(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function render() {
  const contacts = kith.contacts();
  $("count").textContent = contacts.length ? `(${contacts.length})` : "";
  $("empty").hidden = contacts.length > 0;
  $("table").hidden = contacts.length === 0;
  rows.replaceChildren(
    ...contacts.map((c) => {
      const tr = document.createElement("tr");
      const name = el("td", c.name);
      name.title = [...c.phones, ...c.emails].join(", ");
      const you = el("td", ago(c.lastSentAt));
      const them = el("td", ago(c.lastReceivedAt));
      if (c.lastSentAt) you.title = c.lastSentAt;
      if (c.lastReceivedAt) them.title = c.lastReceivedAt;
      const waiting = c.waitingOn === "me" ? "on you" : c.waitingOn === "them" ? "on them" : "";
      tr.append(name, you, them, el("td", String(c.sentCount), "num"), el("td", String(c.receivedCount), "num"),
        el("td", String(c.groupMessageCount), "num"), el("td", waiting));
      return tr;
    }),
  );
}

/**
 * "Which of these is you?", when an import could not tell: each writer is a button, and the
 * answer is applied with setOwner at once.
 * @param {string[]} writers
 */
function whichIsYou(writers) {
  const box = el("div", "Which of these is you? ", "ask");
  box.setAttribute("role", "group");
  for (const writer of writers) {
    const button = el("button", writer);
    button.addEventListener("click", () => {
      kith.setOwner([...kith.owner(), writer]);
      ownerInput.value = [...kith.owner()].join(", ");
      box.replaceChildren(el("span", `You are ${writer}; the contacts are updated.`));
      render();
    });
    box.append(button);
  }
  return box;
}

/** Imports files one after another, each with its own progress line. @param {FileList | File[]} files */
async function importAll(files) {
  const owner = ownerInput.value.trim();
  if (owner) kith.setOwner([owner]);
  for (const file of Array.from(files)) {
    const line = document.createElement("li");
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Reading ${file.name}`);
    line.append(el("span", `${file.name} `), bar);
    imports.prepend(line);
    try {
      const report = await kith.importBlob(file, { onProgress: (read, total) => (bar.value = total ? read / total : 1) });
      const who = report.chats > 1 ? `${report.chats} conversations` : report.group ? "group chat" : `chat with ${report.chatTitle ?? "one person"}`;
      line.replaceChildren(el("span", `${file.name}: ${who} — ${report.messages} messages, ${report.contacts} contact(s)` +
        (report.owner.length ? `; you are ${report.owner.join(", ")}` : "") + (report.duplicates ? `; ${report.duplicates} already imported` : "")));
      for (const warning of report.warnings) line.append(el("div", warning, "warn"));
      if (report.writers.length) line.append(whichIsYou(report.writers));
    } catch (e) {
      const error = /** @type {Error} */ (e);
      line.replaceChildren(el("span", `${file.name}: `), el("span", error.message, "bad"));
    }
    render();
  }
}

picker.addEventListener("change", () => {
  if (picker.files) void importAll(picker.files);
  picker.value = "";
});
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer?.files.length) void importAll(e.dataTransfer.files);
});
drop.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    picker.click();
  }
});
ownerInput.addEventListener("change", () => {
  kith.setOwner(ownerInput.value.trim() ? [ownerInput.value.trim()] : []);
  render();
});
render();
