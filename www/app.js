// @ts-check
// The standalone analyzer: the same wasm package the extension uses, in a plain page. Files
// are read with Kith.importBlob, slice by slice, inside this tab; nothing is sent anywhere.
// What it shows is numbers the engine aggregated: an overview, the people, and each person's
// history drawn by the extension's own chart module (copied to shared/ by scripts/build).
import init, { Kith } from "./pkg/kith.js";
import { drawHistory, monthLabel } from "./shared/history-chart.js";
import { ago, matches, plural, sourceNames } from "./shared/format.js";
import { drawActivity, drawReplies, drawWeekHours, duration } from "./overview.js";

/** @typedef {import("./pkg/kith.js").Contact} Contact */
/** @typedef {import("./pkg/kith.js").ImportReport} ImportReport */

/** @template {HTMLElement} T @param {string} id @returns {T} */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return /** @type {T} */ (el);
}

/** @param {string} tag @param {string} text @param {string} [className] */
function el(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

const drop = $("drop");
const picker = /** @type {HTMLInputElement} */ ($("files"));
const ownerInput = /** @type {HTMLInputElement} */ ($("owner"));
const search = /** @type {HTMLInputElement} */ ($("search"));
const bar = /** @type {HTMLProgressElement} */ ($("progress-bar"));
const imports = $("imports");
const rows = $("rows");

await init();
const kith = new Kith({});

/** Your own messages by hour of the week, summed over this page's imports (the core keeps none). */
const weekHours = new Array(168).fill(0);
/** Per import that asked "Which of these is you?": each writer's hours, added once answered. */
const askedHours = /** @type {Array<ImportReport["writerWeekHours"]>} */ ([]);
/** @param {number[]} hours */
const addHours = (hours) => hours.forEach((n, i) => (weekHours[i] += n));

/** The people table's order: a column and a direction (1 ascending, -1 descending). */
const sort = { key: "last", dir: -1 };
/** @param {Contact} c */
const lastOf = (c) => c.lastInteractionAt ?? c.lastGroupMessageAt;
/**
 * Each column's ascending comparison, the direction it starts in, and who has no value for it
 * (they sort last either way).
 * @type {Record<string, { compare: (a: Contact, b: Contact) => number, first: 1 | -1, words: string, none?: (c: Contact) => boolean }>}
 */
const SORTS = ({
  name: { compare: (a, b) => a.name.localeCompare(b.name), first: 1, words: "name" },
  last: { compare: (a, b) => (lastOf(a) ?? "").localeCompare(lastOf(b) ?? ""), first: -1, words: "last interaction", none: (c) => !lastOf(c) },
  sent: { compare: (a, b) => a.sentCount - b.sentCount, first: -1, words: "messages you sent" },
  received: { compare: (a, b) => a.receivedCount - b.receivedCount, first: -1, words: "messages they sent" },
  group: { compare: (a, b) => a.groupMessageCount - b.groupMessageCount, first: -1, words: "messages in groups" },
  reply: { compare: (a, b) => (a.myReplyMinutes ?? 0) - (b.myReplyMinutes ?? 0), first: 1, words: "how fast you reply", none: (c) => c.myReplyMinutes === null },
});
/** Rows drawn at most: the search finds the rest. */
const MAX_ROWS = 300;

/** The contacts as last drawn: search and sorting reuse them (10,000 cost ~100 ms to fetch). */
let contacts = /** @type {Contact[]} */ ([]);
/** @type {string | null} */
let selected = null;
/** @type {Array<() => void>} */
let undraw = [];
/** @type {() => void} */
let undrawDetail = () => {};

function render() {
  contacts = kith.contacts();
  const any = contacts.length > 0;
  $("empty").hidden = any;
  $("overview").hidden = !any;
  $("people-section").hidden = !any;
  $("count").textContent = any ? `(${contacts.length})` : "";
  const tried = imports.children.length > 0;
  $("empty-title").textContent = tried ? "No people yet" : "Nothing imported yet";
  $("empty-why").hidden = !tried;
  if (!any) return;
  renderOverview(contacts);
  renderPeople(contacts);
  const person = contacts.find((c) => c.id === selected);
  if (person) showDetail(person, false);
  else $("detail").hidden = true;
}

/** "1 person", "3 people". @param {number} n */
const people = (n) => `${n} ${n === 1 ? "person" : "people"}`;

/** @param {Contact[]} contacts */
function renderOverview(contacts) {
  const sum = (/** @type {(c: Contact) => number} */ f) => contacts.reduce((n, c) => n + f(c), 0);
  const waiting = contacts.filter((c) => c.waitingOn === "me").length;
  $("totals").textContent = `${people(contacts.length)} · you sent ${sum((c) => c.sentCount)} and received ${sum((c) => c.receivedCount)} direct messages`
    + (waiting ? ` · ${people(waiting)} waiting on your reply` : "");
  for (const f of undraw) f();
  undraw = [drawActivity($("activity"), kith.activity()), drawReplies($("replies"), contacts)];
  drawWeekHours($("heatmap"), weekHours);
  const unknown = askedHours.length;
  if (unknown) $("heatmap").append(el("p", `${plural(unknown, "import")} where kith asked which writer is you ${unknown === 1 ? "is" : "are"} not in it until you answer.`, "muted"));
}

/** @param {Contact[]} contacts */
function renderPeople(contacts) {
  const query = search.value.trim().toLowerCase();
  const { compare, none = () => false } = SORTS[sort.key];
  const shown = contacts.filter((c) => matches(c, query))
    .sort((a, b) => Number(none(a)) - Number(none(b)) || compare(a, b) * sort.dir || a.name.localeCompare(b.name));
  for (const th of document.querySelectorAll("#table th[data-sort]")) {
    const key = /** @type {HTMLElement} */ (th).dataset.sort ?? "";
    if (key === sort.key) th.setAttribute("aria-sort", sort.dir === 1 ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
  $("sorted-by").textContent = SORTS[sort.key].words;
  rows.replaceChildren(...shown.slice(0, MAX_ROWS).map(row));
  const more = $("more");
  more.hidden = shown.length <= MAX_ROWS && shown.length > 0;
  more.textContent = shown.length ? `Showing ${MAX_ROWS} of ${shown.length}; search to find the others.` : `Nobody matches “${search.value.trim()}”.`;
}

/** @param {Contact} c */
function row(c) {
  const tr = document.createElement("tr");
  if (c.id === selected) tr.className = "selected";
  const name = document.createElement("th");
  name.scope = "row";
  const button = /** @type {HTMLButtonElement} */ (el("button", c.name, "name"));
  button.type = "button";
  button.title = [...c.phones, ...c.emails].join(", ");
  if (c.id === selected) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => {
    selected = c.id;
    for (const r of rows.querySelectorAll("tr")) r.classList.toggle("selected", r === tr);
    for (const b of rows.querySelectorAll("button[aria-current]")) b.removeAttribute("aria-current");
    button.setAttribute("aria-current", "true");
    showDetail(c, true);
  });
  name.append(button);
  const last = el("td", lastOf(c) ? ago(lastOf(c)) : "never");
  last.title = [c.lastSentAt && `you wrote ${ago(c.lastSentAt)}`, c.lastReceivedAt && `they wrote ${ago(c.lastReceivedAt)}`].filter(Boolean).join("; ");
  const waiting = c.waitingOn === "me" ? "on you" : c.waitingOn === "them" ? "on them" : "";
  tr.append(name, last, el("td", String(c.sentCount), "num"), el("td", String(c.receivedCount), "num"),
    el("td", String(c.groupMessageCount), "num"), el("td", c.myReplyMinutes === null ? "—" : duration(c.myReplyMinutes), "num"),
    el("td", waiting, waiting === "on you" ? "waiting" : "muted"));
  return tr;
}

/** Whole months from `a` to `b`. @param {Date} a @param {Date} b */
const monthsBetween = (a, b) => (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();

/**
 * The person's facts in words and their months drawn by the popup's chart. A relationship
 * that ended over two years ago is drawn to its last month, not as 24 empty ones.
 * @param {Contact} c @param {boolean} focus
 */
function showDetail(c, focus) {
  const detail = $("detail");
  detail.hidden = false;
  $("detail-name").textContent = c.name;
  const facts = [`You sent ${c.sentCount}, they sent ${c.receivedCount}`];
  if (c.groupMessageCount) facts.push(`${c.groupMessageCount} by them in groups`);
  if (c.myReplyMinutes !== null) facts.push(`you typically reply in ${duration(c.myReplyMinutes)}`);
  if (c.theirReplyMinutes !== null) facts.push(`they reply in ${duration(c.theirReplyMinutes)}`);
  if (c.cadenceDays !== null) {
    const days = Math.max(1, Math.round(c.cadenceDays));
    facts.push(`you talk about every ${days === 1 ? "day" : plural(days, "day")}`);
  }
  if (c.waitingOn === "me") facts.push("waiting on your reply");
  facts.push(`last talked ${ago(lastOf(c))}`, `on ${sourceNames(c.sources) || "—"}`);
  $("detail-facts").textContent = `${facts.join(" · ")}.`;
  const now = new Date();
  const last = lastOf(c);
  const end = last && monthsBetween(new Date(last), now) >= 24 ? new Date(last) : now;
  const months = monthsBetween(end, now) + 24;
  const endLabel = monthLabel(`${end.getUTCFullYear()}-${String(end.getUTCMonth() + 1).padStart(2, "0")}`);
  $("detail-span").textContent = end === now ? "The last 24 months:" : `The 24 months to ${endLabel}, when you last talked:`;
  undrawDetail();
  undrawDetail = drawHistory($("detail-chart"), kith.history(c.id, months), { now: end });
  if (focus) $("detail-name").focus();
}

/**
 * "Which of these is you?", when an import could not tell: each writer is a button, and the
 * answer is applied with setOwner at once; that writer's hours join the heatmap.
 * @param {string[]} writers @param {ImportReport["writerWeekHours"]} hours
 */
function whichIsYou(writers, hours) {
  const box = el("div", "Which of these is you? ", "ask");
  box.setAttribute("role", "group");
  askedHours.push(hours);
  for (const writer of writers) {
    const button = el("button", writer);
    button.addEventListener("click", () => {
      kith.setOwner([...kith.owner(), writer]);
      ownerInput.value = [...kith.owner()].join(", ");
      const at = askedHours.indexOf(hours);
      if (at >= 0) {
        askedHours.splice(at, 1);
        addHours(hours.find((w) => w.name === writer)?.hours ?? []);
      }
      box.replaceChildren(el("span", `You are ${writer}; the contacts are updated.`));
      render();
    });
    box.append(button);
  }
  return box;
}

/** What an import found, in one line. @param {File} file @param {ImportReport} report */
function reportLine(file, report) {
  const who = report.chats > 1 ? `${report.chats} conversations` : report.group ? "group chat" : `chat with ${report.chatTitle ?? "one person"}`;
  return `${file.name}: ${who} — ${plural(report.messages, "message")}, ${report.contacts} contact(s)`
    + (report.owner.length ? `; you are ${report.owner.join(", ")}` : "")
    + (report.duplicates ? `; ${report.duplicates} already imported` : "");
}

/** @type {AbortController | null} */
let running = null;

/** Imports files one after another, with one progress bar and a line per file. @param {FileList | File[]} files */
async function importAll(files) {
  if (running) return; // the button and drop zone are disabled meanwhile; a second drop waits for none
  const list = Array.from(files);
  const owner = ownerInput.value.trim();
  if (owner) kith.setOwner([owner]);
  running = new AbortController();
  const { signal } = running;
  $("progress").hidden = false;
  drop.classList.add("busy");
  try {
    for (const [n, file] of list.entries()) {
      const line = el("li", "");
      imports.prepend(line);
      if (signal.aborted) {
        line.append(el("span", `${file.name}: not read (cancelled).`, "muted"));
        continue;
      }
      const label = list.length > 1 ? `Reading ${file.name} (${n + 1} of ${list.length})` : `Reading ${file.name}`;
      $("progress-text").textContent = `${label}…`;
      bar.value = 0;
      try {
        const report = await kith.importBlob(file, {
          signal,
          onProgress: (read, total) => {
            bar.value = total ? read / total : 1;
            $("progress-text").textContent = `${label}: ${Math.round(bar.value * 100)}%`;
          },
        });
        addHours(report.yourWeekHours);
        line.append(el("span", reportLine(file, report)));
        for (const warning of report.warnings) line.append(el("div", warning, "warn"));
        if (report.writers.length) line.append(whichIsYou(report.writers, report.writerWeekHours));
      } catch (e) {
        const error = /** @type {Error} */ (e);
        // kith's errors say what to do; anything else is a bug or the browser, said plainly.
        const known = typeof error?.name === "string" && error.name !== "Error" && error.name !== "RuntimeError";
        const text = known ? error.message : `Something went wrong reading this file (${String(error?.message ?? error)}). Reload the page and try again; nothing was uploaded.`;
        line.append(el("span", `${file.name}: `), el("span", text, error?.name === "Aborted" ? "muted" : "bad"));
      }
      render();
    }
  } finally {
    running = null;
    $("progress").hidden = true;
    drop.classList.remove("busy");
  }
}

picker.addEventListener("change", () => {
  if (picker.files) void importAll(picker.files);
  picker.value = "";
});
$("cancel").addEventListener("click", () => running?.abort());
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
  if (e.target === drop && (e.key === "Enter" || e.key === " ")) {
    e.preventDefault();
    picker.click();
  }
});
ownerInput.addEventListener("change", () => {
  const owner = ownerInput.value.trim() ? [ownerInput.value.trim()] : [];
  // An import sets the typed owner already; drawing the page again as the field loses focus
  // would replace the row under a click on a name, and the click would be lost.
  if (owner.join("\n") === [...kith.owner()].join("\n")) return;
  kith.setOwner(owner);
  render();
});
search.addEventListener("input", () => renderPeople(contacts));
for (const th of document.querySelectorAll("#table th[data-sort]")) {
  const key = /** @type {HTMLElement} */ (th).dataset.sort ?? "last";
  th.querySelector("button")?.addEventListener("click", () => {
    sort.dir = sort.key === key ? -sort.dir : SORTS[key].first;
    sort.key = key;
    renderPeople(contacts);
  });
}
// Canvas colours are read from the theme when drawn: draw again when it changes.
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", render);
render();
