// @ts-check
// The popup: who needs attention, searchable, keyboard-driven. Only rows in view are in the
// DOM, so 10,000 contacts open as fast as 10.
import { ask, fetchContacts, openOptions } from "../lib/ext.js";
import { MSG } from "../lib/messages.js";
import { ORDERS, ago, attention, sourceNames } from "../lib/format.js";

/** @typedef {import("../pkg/kith.js").Contact} Contact */

const ROW_HEIGHT = 58;
const OVERSCAN = 6;

const list = /** @type {HTMLElement} */ (document.getElementById("list"));
const spacer = /** @type {HTMLElement} */ (document.getElementById("spacer"));
const search = /** @type {HTMLInputElement} */ (document.getElementById("search"));
const detail = /** @type {HTMLElement} */ (document.getElementById("detail"));
const empty = /** @type {HTMLElement} */ (document.getElementById("empty"));
const noMatch = /** @type {HTMLElement} */ (document.getElementById("no-match"));
const foot = /** @type {HTMLElement} */ (document.getElementById("foot"));

/** @type {Contact[]} */
let all = [];
/** @type {Contact[]} */
let shown = [];
let order = "attention";
let selected = 0;

function applyView() {
  const query = search.value.trim().toLowerCase();
  const filtered = query ? all.filter((c) => c.name.toLowerCase().includes(query) || c.phones.some((p) => p.includes(query))) : all.slice();
  shown = filtered.sort(ORDERS[order]);
  selected = Math.min(selected, Math.max(0, shown.length - 1));
  spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
  empty.hidden = all.length > 0;
  noMatch.hidden = all.length === 0 || shown.length > 0;
  list.hidden = shown.length === 0;
  const waiting = all.filter((c) => c.waitingOn === "me").length;
  foot.textContent = all.length ? `${all.length} contacts · ${waiting} waiting on you` : "";
  render();
}

/** @param {string} text @param {string} cls */
function span(text, cls) {
  const el = document.createElement("span");
  el.className = cls;
  el.textContent = text;
  return el;
}

/** @param {Contact} c @param {number} index */
function row(c, index) {
  const el = document.createElement("div");
  el.className = "row";
  el.id = `row-${index}`;
  el.setAttribute("role", "option");
  el.setAttribute("aria-selected", String(index === selected));
  el.style.top = `${index * ROW_HEIGHT}px`;
  el.dataset.index = String(index);
  const top = document.createElement("div");
  top.className = "top";
  top.append(span(c.name, "name"), span(sourceNames(c.sources), "sources"));
  if (c.waitingOn === "me") top.append(span("waiting on you", "badge"));
  else if (attention(c) > 0) top.append(span("overdue", "badge"));
  const bottom = document.createElement("div");
  bottom.className = "top";
  const times = c.lastInteractionAt || c.lastSentAt || c.lastReceivedAt
    ? `you: ${ago(c.lastSentAt)} · them: ${ago(c.lastReceivedAt)}`
    : c.lastGroupMessageAt ? `in groups: ${ago(c.lastGroupMessageAt)}`
    : c.connectedAt ? `connected ${ago(c.connectedAt)}, no messages yet` : "no messages yet";
  bottom.append(span(times, "times"), span(`↑${c.sentCount} ↓${c.receivedCount}${c.groupMessageCount ? ` ·${c.groupMessageCount}` : ""}`, "counts"));
  el.append(top, bottom);
  return el;
}

function render() {
  const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((list.scrollTop + list.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(row(shown[i], i));
  spacer.replaceChildren(...rows);
  list.setAttribute("aria-activedescendant", `row-${selected}`);
}

/** @param {number} index */
function select(index) {
  if (shown.length === 0) return;
  selected = Math.max(0, Math.min(shown.length - 1, index));
  const top = selected * ROW_HEIGHT;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + ROW_HEIGHT > list.scrollTop + list.clientHeight) list.scrollTop = top + ROW_HEIGHT - list.clientHeight;
  render();
}

/** @param {Contact} c */
function openDetail(c) {
  /** @type {Array<[string, string]>} */
  const stats = [
    ["You last wrote", ago(c.lastSentAt)],
    ["They last wrote", ago(c.lastReceivedAt)],
    ["Last interaction", ago(c.lastInteractionAt)],
    ["First interaction", ago(c.firstInteractionAt)],
    ["Messages you sent", String(c.sentCount)],
    ["Messages they sent", String(c.receivedCount)],
    ["Calls", String(c.callCount)],
    ["Their messages in groups", `${c.groupMessageCount}${c.lastGroupMessageAt ? ` (last ${ago(c.lastGroupMessageAt)})` : ""}`],
    ["You usually reply in", c.myReplyMinutes === null ? "—" : minutes(c.myReplyMinutes)],
    ["They usually reply in", c.theirReplyMinutes === null ? "—" : minutes(c.theirReplyMinutes)],
    ["Waiting on", c.waitingOn === "me" ? "you" : c.waitingOn === "them" ? "them" : "—"],
    ["You usually talk every", c.cadenceDays === null ? "—" : plural(c.cadenceDays, "day")],
    ["Sources", sourceNames(c.sources)],
  ];
  if (c.connectedAt) stats.push(["Connected", ago(c.connectedAt)]);
  /** @type {HTMLElement} */ (document.getElementById("detail-name")).textContent = c.name;
  /** @type {HTMLElement} */ (document.getElementById("detail-ids")).textContent = [...c.phones, ...c.emails].join(" · ");
  const dl = /** @type {HTMLElement} */ (document.getElementById("detail-stats"));
  dl.replaceChildren(...stats.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    return [dt, dd];
  }));
  detail.hidden = false;
  /** @type {HTMLElement} */ (document.getElementById("back")).focus();
}

/** @param {number} n @param {string} unit */
const plural = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** @param {number} m */
function minutes(m) {
  if (m < 60) return `${Math.round(m)} min`;
  if (m < 1440) return plural(Math.round(m / 60), "hour");
  return plural(Math.round(m / 1440), "day");
}

function closeDetail() {
  detail.hidden = true;
  list.focus();
}

list.addEventListener("scroll", () => requestAnimationFrame(render));
list.addEventListener("click", (e) => {
  const target = /** @type {HTMLElement} */ (e.target).closest(".row");
  if (!(target instanceof HTMLElement)) return;
  select(Number(target.dataset.index));
  openDetail(shown[selected]);
});
list.addEventListener("keydown", (e) => {
  const page = Math.floor(list.clientHeight / ROW_HEIGHT);
  const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
  if (e.key in moves) select(selected + moves[/** @type {keyof typeof moves} */ (e.key)]);
  else if (e.key === "Home") select(0);
  else if (e.key === "End") select(shown.length - 1);
  else if (e.key === "Enter" && shown[selected]) openDetail(shown[selected]);
  else return;
  e.preventDefault();
});
search.addEventListener("input", () => {
  selected = 0;
  list.scrollTop = 0;
  applyView();
});
search.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown" || e.key === "Enter") {
    e.preventDefault();
    list.focus();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "/" && document.activeElement !== search) {
    e.preventDefault();
    search.focus();
  } else if (e.key === "Escape" && !detail.hidden) {
    e.preventDefault();
    closeDetail();
  }
});
document.querySelectorAll('[role="tab"]').forEach((tab) =>
  tab.addEventListener("click", () => {
    order = /** @type {HTMLElement} */ (tab).dataset.order ?? "attention";
    document.querySelectorAll('[role="tab"]').forEach((t) => t.setAttribute("aria-selected", String(t === tab)));
    applyView();
  }),
);
/** @type {HTMLElement} */ (document.getElementById("back")).addEventListener("click", closeDetail);
/** @type {HTMLElement} */ (document.getElementById("options")).addEventListener("click", () => openOptions());
/** @type {HTMLElement} */ (document.getElementById("import")).addEventListener("click", () => openOptions());

const syncButton = /** @type {HTMLButtonElement} */ (document.getElementById("sync"));
const syncResult = /** @type {HTMLElement} */ (document.getElementById("sync-result"));

/** @param {string} text @param {string} [cls] */
function showSync(text, cls = "") {
  syncResult.className = `sync-result ${cls}`;
  syncResult.textContent = text;
}

syncButton.addEventListener("click", async () => {
  syncButton.disabled = true;
  showSync("Syncing…");
  const progress = setInterval(async () => {
    const s = await ask({ type: MSG.SYNC_STATUS });
    if (s.state === "syncing" && s.total) showSync(`Syncing ${s.sent} of ${s.total}…`);
  }, 300);
  try {
    const result = await ask({ type: MSG.SYNC_NOW });
    showSync(result.message, result.state === "done" ? "ok" : "bad");
  } catch (e) {
    showSync(/** @type {Error} */ (e).message, "bad");
  } finally {
    clearInterval(progress);
    syncButton.disabled = false;
  }
});

const syncSettings = await ask({ type: MSG.SYNC_SETTINGS });
if (!syncSettings.enabled) syncButton.title = "Sync is off. Set up your kith server in Options.";

all = await fetchContacts();
applyView();
if (all.length) list.focus();
else search.focus();
document.body.dataset.ready = "true";
// For the benchmark: when the first rows have been painted (the frame after they render).
requestAnimationFrame(() => setTimeout(() => (document.body.dataset.paintedAt = String(performance.now()))));
