// @ts-check
// The popup: who needs attention, searchable, keyboard-driven. Only rows in view are in the
// DOM, so 10,000 contacts open as fast as 10.
import { WorkerError, ask, fetchContacts, openOptions } from "../lib/ext.js";
import { FIRST_PAGE_KEY, MSG } from "../lib/messages.js";
import { ORDERS, ago, handleText, matches, plural, prepareSearch, sourceNames } from "../lib/format.js";

/** @typedef {import("../pkg/kith.js").Contact} Contact */

// The first screenful is asked for before anything else is set up: the worker keeps the
// ranked list ready, and its answer travels while the rest of this module runs. When the
// worker was stopped (MV3 stops it after 30 s idle), the rows it kept in session storage
// are painted first, while it starts.
const FIRST_ROWS = 20;
performance.mark("kith:asked");
// first-page.js, a classic script in <head>, asked already (for 20 rows, from FIRST_PAGE_KEY).
const early = /** @type {{ kithFirstPage?: Promise<any>, kithKeptPage?: Promise<Record<string, any>> }} */ (globalThis);
/** @type {Promise<{ total: number, contacts: Contact[] }>} */
const firstPage = early.kithFirstPage
  ? early.kithFirstPage.then((reply) => {
      if (reply && typeof reply === "object" && "error" in reply) throw new WorkerError(reply.error.name, reply.error.message);
      return reply;
    })
  : ask({ type: MSG.FIRST_PAGE, limit: FIRST_ROWS });
/** @type {Promise<{ total: number, contacts: Contact[] } | null>} */
const keptPage = (early.kithKeptPage ?? chrome.storage.session.get(FIRST_PAGE_KEY)).then((r) => /** @type {any} */ (r[FIRST_PAGE_KEY]) ?? null, () => null);

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
/** Every contact, once it has arrived (the first screenful comes first, the rest after). */
let complete = false;
/** `all` sorted by each order, made once per list: a keystroke only filters. @type {Map<string, Contact[]>} */
let sorted = new Map();
/** How many contacts there are, known before they all arrive. */
let total = 0;
/** Settles once every contact has arrived. */
let everyone = Promise.resolve();

/** @param {Contact[]} contacts @param {boolean} whole */
function setContacts(contacts, whole) {
  all = contacts;
  complete = whole;
  sorted = new Map();
}

function applyView() {
  const query = search.value.trim().toLowerCase();
  let inOrder = sorted.get(order);
  if (!inOrder) {
    inOrder = all.slice().sort(ORDERS[order]);
    sorted.set(order, inOrder);
  }
  shown = query ? inOrder.filter((c) => matches(c, query)) : inOrder;
  selected = Math.min(selected, Math.max(0, shown.length - 1));
  spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
  empty.hidden = all.length > 0;
  noMatch.hidden = all.length === 0 || shown.length > 0;
  list.hidden = shown.length === 0;
  const waiting = all.filter((c) => c.waitingOn === "me").length;
  foot.textContent = !all.length ? "" : complete ? `${all.length} contacts · ${waiting} waiting on you` : `${total} contacts`;
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
  if (c.snoozedUntil) top.append(span("snoozed", "badge quiet"));
  else if (c.notNow) top.append(span("not now", "badge quiet"));
  else if (c.attentionReason) {
    const badge = span(c.attentionReason, "badge");
    badge.title = c.attentionReason;
    top.append(badge);
  }
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

/** The contact the detail shows. @type {Contact | null} */
let current = null;

/** @template {HTMLElement} T @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));

/** Shows a contact's detail; `focus` moves the keyboard to it (when it is opened, not updated). @param {Contact} c */
function openDetail(c, focus = true) {
  current = c;
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
  $("detail-name").textContent = c.name;
  $("detail-ids").textContent = [...c.phones, ...c.emails].join(" · ");
  const dl = $("detail-stats");
  dl.replaceChildren(...stats.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    return [dt, dd];
  }));
  renderHandles(c);
  renderKeep(c);
  $("detail-facts").textContent = factsInWords(c);
  if (focus || c.id !== historyOf) void showHistory(c);
  $("detail-why").textContent = c.mergedBecause.length ? `One person because: ${c.mergedBecause.join("; ")}.` : "";
  if (!$("edit-form").hidden) renderEdit(c);
  detail.hidden = false;
  if (focus) {
    showStatus("");
    closePanels();
    $("back").focus();
  }
}

/** Each handle with its sources and its own last interaction; Split when there is more than one. @param {Contact} c */
function renderHandles(c) {
  const several = c.handles.length > 1;
  $("detail-handles").replaceChildren(...c.handles.map((h) => {
    const li = document.createElement("li");
    const key = handleText(h.key);
    const last = h.lastInteractionAt ? `last talked ${ago(h.lastInteractionAt)}` : "no messages yet";
    const meta = [key.toLowerCase() === h.name.toLowerCase() ? "" : key, sourceNames(h.sources), last].filter(Boolean).join(" · ");
    li.append(span(h.name, "handle-name"), span(meta, "handle-meta"));
    if (several) {
      const split = document.createElement("button");
      split.type = "button";
      split.textContent = "Split";
      split.title = "This is someone else: make it a contact of its own";
      split.setAttribute("aria-label", `Split ${h.name} (${sourceNames(h.sources)}) off into a contact of its own`);
      split.addEventListener("click", () => splitOff(h));
      li.append(split);
    }
    return li;
  }));
}

// Keep in touch: the goal, snooze, "not now" and reminders of the contact shown. Each change
// goes to the worker, which stores it before it answers; the list is then reloaded.

const goal = /** @type {HTMLSelectElement} */ ($("goal"));
const goalDays = /** @type {HTMLInputElement} */ ($("goal-days"));
const snooze = /** @type {HTMLSelectElement} */ ($("snooze"));
const remind = /** @type {HTMLInputElement} */ ($("remind"));
const GOAL_NAMES = /** @type {Record<number, string>} */ ({ 7: "every week", 14: "every 2 weeks", 30: "every month", 91: "every 3 months", 182: "every 6 months", 365: "every year" });
const goalName = (/** @type {number} */ days) => GOAL_NAMES[days] ?? `every ${plural(days, "day")}`;
const dateName = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

/** @param {Contact} c */
function renderKeep(c) {
  $("keep-why").textContent = c.attentionReason ? `Needs attention: ${c.attentionReason}.` : "";
  const preset = c.goalDays === null ? "" : String(c.goalDays);
  goal.value = [...goal.options].some((o) => o.value === preset) ? preset : "custom";
  $("goal-custom").hidden = goal.value !== "custom";
  $("goal-set").hidden = goal.value === "custom";
  if (goal.value === "custom" && c.goalDays !== null) goalDays.value = String(c.goalDays);
  const suggestion = $("goal-suggestion");
  suggestion.hidden = c.goalDays !== null || c.suggestedGoalDays === null;
  if (c.goalDays === null && c.suggestedGoalDays !== null && c.cadenceDays !== null) {
    const use = document.createElement("button");
    use.type = "button";
    use.className = "suggest-use";
    use.textContent = "Use it";
    const days = c.suggestedGoalDays;
    use.setAttribute("aria-label", `Set the goal to ${goalName(days)}`);
    use.addEventListener("click", () => void keep({ goalDays: days }, $("goal-set")));
    suggestion.replaceChildren(`Suggested: ${goalName(days)} (you usually talk every ${plural(c.cadenceDays, "day")}).`, use);
  }
  const until = c.snoozedUntil ? new Date(c.snoozedUntil) : null;
  const snoozed = until && Number.isFinite(until.getTime()) ? until : null;
  snooze.replaceChildren(...[["", snoozed ? `Snoozed until ${dateName.format(snoozed)}` : "Not snoozed"], ["1", "For a day"], ["7", "For a week"], ["30", "For a month"], ["date", "Until a date…"], ...(snoozed ? [["wake", "Wake now"]] : [])]
    .map(([value, text]) => Object.assign(document.createElement("option"), { value, textContent: text })));
  snooze.value = "";
  $("snooze-date-form").hidden = true;
  $("snooze-set").hidden = false;
  $("not-now").setAttribute("aria-pressed", String(c.notNow));
  remind.checked = c.reminders;
  $("keep-status").textContent = "";
}

/**
 * Sends one keep-in-touch change, then reloads the list and keeps showing this contact; a
 * refusal is the core's message, shown under the section. `focusAfter` gets the focus back.
 * @param {import("../pkg/kith.js").KeepChange} change @param {HTMLElement} focusAfter
 */
async function keep(change, focusAfter) {
  if (!current) return;
  try {
    await ask({ type: MSG.KEEP_IN_TOUCH, contactId: current.id, change });
    await reload(current.id);
    focusAfter.focus();
  } catch (e) {
    // The controls show what is stored, not what was refused.
    if (current) renderKeep(current);
    $("keep-status").textContent = /** @type {Error} */ (e).message;
  }
}

// Menus change nothing by themselves: arrow keys on a closed menu step through its options,
// and each step would be saved. The button next to each applies the choice.
goal.addEventListener("change", () => {
  $("goal-custom").hidden = goal.value !== "custom";
  $("goal-set").hidden = goal.value === "custom";
  if (goal.value === "custom") goalDays.focus();
});
$("goal-set").addEventListener("click", () => void keep({ goalDays: goal.value ? Number(goal.value) : null }, $("goal-set")));
$("goal-custom").addEventListener("submit", (e) => {
  e.preventDefault();
  const days = Number(goalDays.value);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    $("keep-status").textContent = "A goal is a whole number of days from 1 to 3650.";
    return;
  }
  void keep({ goalDays: days }, goalDays);
});
const snoozeDate = /** @type {HTMLInputElement} */ ($("snooze-date"));
snooze.addEventListener("change", () => {
  $("snooze-date-form").hidden = snooze.value !== "date";
  $("snooze-set").hidden = snooze.value === "date";
  if (snooze.value === "date") {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = (/** @type {Date} */ d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    snoozeDate.min = day(tomorrow);
    snoozeDate.max = day(new Date(Date.now() + 3_649 * 86_400_000));
    snoozeDate.focus();
  }
});
$("snooze-set").addEventListener("click", () => {
  if (snooze.value === "wake") void keep({ snoozeUntil: null }, $("snooze-set"));
  else if (snooze.value && snooze.value !== "date") void keep({ snoozeUntil: Date.now() + Number(snooze.value) * 86_400_000 }, $("snooze-set"));
});
$("snooze-date-form").addEventListener("submit", (e) => {
  e.preventDefault();
  // Until the start of that day, in local time.
  const [y, m, d] = snoozeDate.value.split("-").map(Number);
  const until = y ? new Date(y, m - 1, d).getTime() : NaN;
  if (!Number.isFinite(until) || until <= Date.now()) {
    $("keep-status").textContent = "Pick a day after today.";
    return;
  }
  // A day over ten years ahead reaches the core, which refuses it in words.
  void keep({ snoozeUntil: until }, snooze);
});
$("not-now").addEventListener("click", () => void keep({ notNow: !current?.notNow }, $("not-now")));
remind.addEventListener("change", () => void keep({ reminders: remind.checked }, remind));

/** The contact whose history is drawn, and how to take the chart down. */
let historyOf = "";
let removeChart = () => {};

/** Draws the last 24 months of a contact. @param {Contact} c */
async function showHistory(c) {
  historyOf = c.id;
  const host = $("history-chart");
  try {
    // The chart module (and uPlot in it) loads at the first detail, not with the list: the
    // popup's first rows must not wait for it.
    const [history, { drawHistory }] = await Promise.all([ask({ type: MSG.HISTORY, contactId: c.id, months: 24 }), import("../lib/history-chart.js")]);
    if (historyOf !== c.id) return;
    removeChart();
    removeChart = drawHistory(host, history, { width: 340, height: 110 });
  } catch (e) {
    host.textContent = `The history could not be drawn: ${/** @type {Error} */ (e).message}`;
  }
}

/** Reply times and rhythm in a sentence. @param {Contact} c */
function factsInWords(c) {
  const parts = [];
  if (c.myReplyMinutes !== null && c.theirReplyMinutes !== null) parts.push(`You usually reply in ${minutes(c.myReplyMinutes)}; they reply in ${minutes(c.theirReplyMinutes)}.`);
  else if (c.myReplyMinutes !== null) parts.push(`You usually reply in ${minutes(c.myReplyMinutes)}.`);
  else if (c.theirReplyMinutes !== null) parts.push(`They usually reply in ${minutes(c.theirReplyMinutes)}.`);
  if (c.cadenceDays !== null) parts.push(`You talk about every ${plural(c.cadenceDays, "day")}${c.goalDays !== null ? `; your goal is ${goalName(c.goalDays)}` : ""}.`);
  else if (c.goalDays !== null) parts.push(`Your goal is ${goalName(c.goalDays)}.`);
  return parts.join(" ");
}

/** @param {number} m */
function minutes(m) {
  if (m < 60) return `${Math.round(m)} min`;
  if (m < 1440) return plural(Math.round(m / 60), "hour");
  return plural(Math.round(m / 1440), "day");
}

function closeDetail() {
  detail.hidden = true;
  current = null;
  historyOf = "";
  removeChart();
  removeChart = () => {};
  closePanels();
  list.focus();
}

// Changes to who is who. Each goes to the worker, which stores it before it answers; the popup
// then reloads the list and shows the contact the change left, with an Undo.

const status = $("detail-status");

/** @param {string} text @param {number} [decision] a decision to offer Undo for @param {string} [cls] */
function showStatus(text, decision, cls = "") {
  status.className = `detail-status ${cls}`;
  status.replaceChildren(text);
  if (decision === undefined) return null;
  const undo = document.createElement("button");
  undo.type = "button";
  undo.id = "undo";
  undo.textContent = "Undo";
  undo.setAttribute("aria-label", `Undo: ${text}`);
  undo.addEventListener("click", () => undoDecision(decision));
  status.append(undo);
  return undo;
}

/**
 * Reloads every contact and shows the one to follow: by id, else the one holding a handle.
 * @param {string | null} id @param {string} [key]
 */
async function reload(id, key) {
  setContacts(await fetchContacts(), true);
  applyView();
  const next = all.find((c) => c.id === id) ?? (key ? all.find((c) => c.handles.some((h) => h.key === key)) : undefined);
  if (next) openDetail(next, false);
  else closeDetail();
}

/**
 * Sends one decision; on success reloads, follows the contact and offers Undo. A refusal is
 * the core's message, shown where the user acted (or in the status line).
 * @param {{ type: string } & Record<string, unknown>} message
 * @param {(contact: Contact | null) => string} said what happened, in words
 * @param {{ error?: HTMLElement, follow?: string, focusUndo?: boolean }} [how]
 */
async function decide(message, said, how = {}) {
  if (how.error) how.error.textContent = "";
  try {
    const applied = await ask(message);
    await reload(how.follow ? null : applied.contactId, how.follow);
    const undo = showStatus(said(applied.contact), applied.decision, "ok");
    if (how.focusUndo) undo?.focus();
    return true;
  } catch (e) {
    const text = /** @type {Error} */ (e).message;
    if (how.error) how.error.textContent = text;
    else showStatus(text, undefined, "bad");
    return false;
  }
}

/** @param {number} decision */
async function undoDecision(decision) {
  const keep = current?.handles[0]?.key;
  try {
    const applied = await ask({ type: MSG.UNDO, decision });
    // Keep showing the person this detail was about (by their first handle).
    await reload(keep ? null : applied.contactId, keep);
    showStatus("Undone.", undefined, "ok");
    if (!detail.hidden) $("back").focus();
  } catch (e) {
    showStatus(/** @type {Error} */ (e).message, undefined, "bad");
  }
}

/** @param {import("../pkg/kith.js").ContactHandle} h */
function splitOff(h) {
  if (!current) return;
  const rest = current.handles.find((other) => other.key !== h.key)?.key;
  void decide({ type: MSG.SPLIT, contactId: current.id, handleKey: h.key },
    () => `${h.name} (${sourceNames(h.sources)}) is now a contact of its own.`, { follow: rest, focusUndo: true });
}

function closePanels() {
  for (const [panel, opener] of [["merge-form", "merge-open"], ["edit-form", "edit-open"]]) {
    $(panel).hidden = true;
    $(opener).setAttribute("aria-expanded", "false");
  }
}

/** @param {"merge-form" | "edit-form"} panel @param {"merge-open" | "edit-open"} opener */
function togglePanel(panel, opener) {
  const open = $(panel).hidden;
  closePanels();
  $(panel).hidden = !open;
  $(opener).setAttribute("aria-expanded", String(open));
  return open;
}

// Merge: find the other contact by anything it is known by, keyboard first.
const mergeSearch = /** @type {HTMLInputElement} */ ($("merge-search"));
const mergeResults = $("merge-results");
/** @type {Contact[]} */
let candidates = [];
let active = 0;

function renderCandidates() {
  const query = mergeSearch.value.trim().toLowerCase();
  candidates = query && current ? all.filter((c) => c.id !== current?.id && matches(c, query)).slice(0, 8) : [];
  active = Math.min(active, Math.max(0, candidates.length - 1));
  if (!candidates.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = query ? "No other contact matches. Try part of a name, a number or an address." : "Type to find the other contact: a name, number or address.";
    mergeResults.replaceChildren(li);
  } else {
    mergeResults.replaceChildren(...candidates.map((c, i) => {
      const li = document.createElement("li");
      li.id = `merge-option-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === active));
      li.append(span(c.name, "name"), span(sourceNames(c.sources), "sources"));
      li.addEventListener("mousedown", (e) => e.preventDefault());
      li.addEventListener("click", () => mergeWith(c));
      return li;
    }));
  }
  mergeSearch.setAttribute("aria-expanded", String(candidates.length > 0));
  if (candidates.length) mergeSearch.setAttribute("aria-activedescendant", `merge-option-${active}`);
  else mergeSearch.removeAttribute("aria-activedescendant");
}

/** @param {Contact} other */
function mergeWith(other) {
  if (!current) return;
  const name = other.name;
  const sources = sourceNames(other.sources);
  closePanels();
  void decide({ type: MSG.MERGE, contactId: current.id, otherId: other.id },
    (c) => `Merged “${name}” (${sources}) into ${c ? `“${c.name}”` : "this contact"}.`, { focusUndo: true });
}

$("merge-open").addEventListener("click", () => {
  if (!togglePanel("merge-form", "merge-open")) return;
  mergeSearch.value = "";
  active = 0;
  renderCandidates();
  mergeSearch.focus();
});
mergeSearch.addEventListener("input", () => {
  active = 0;
  renderCandidates();
});
mergeSearch.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    active = Math.max(0, Math.min(candidates.length - 1, active + (e.key === "ArrowDown" ? 1 : -1)));
    renderCandidates();
    document.getElementById(`merge-option-${active}`)?.scrollIntoView({ block: "nearest" });
  }
});
$("merge-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (candidates[active]) mergeWith(candidates[active]);
});
$("merge-cancel").addEventListener("click", () => {
  closePanels();
  $("merge-open").focus();
});

// Edit: rename; add or remove a phone number or an address. The core checks each and says
// what is wrong, shown under the field.
const editName = /** @type {HTMLInputElement} */ ($("edit-name"));
const addPhone = /** @type {HTMLInputElement} */ ($("add-phone"));
const addEmail = /** @type {HTMLInputElement} */ ($("add-email"));

/** @param {Contact} c */
function renderEdit(c) {
  /** @param {string[]} values @param {"removePhone" | "removeEmail"} field @param {string} none @param {HTMLElement} error */
  const items = (values, field, none, error) => values.length
    ? values.map((v) => {
      const li = document.createElement("li");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${v}`);
      remove.addEventListener("click", () => {
        if (!current) return;
        void decide({ type: MSG.CORRECT, contactId: current.id, correction: { [field]: v } }, () => `Removed ${v}.`, { error }).then((ok) => {
          if (ok) (field === "removePhone" ? addPhone : addEmail).focus();
        });
      });
      li.append(span(v, "value"), remove);
      return li;
    })
    : [Object.assign(document.createElement("li"), { className: "none", textContent: none })];
  $("edit-phones").replaceChildren(...items(c.phones, "removePhone", "None yet: add one below.", $("phone-error")));
  $("edit-emails").replaceChildren(...items(c.emails, "removeEmail", "None yet: add one below.", $("email-error")));
}

$("edit-open").addEventListener("click", () => {
  if (!current || !togglePanel("edit-form", "edit-open")) return;
  editName.value = current.name;
  addPhone.value = "";
  addEmail.value = "";
  for (const id of ["rename-error", "phone-error", "email-error"]) $(id).textContent = "";
  renderEdit(current);
  editName.focus();
  editName.select();
});
$("edit-done").addEventListener("click", () => {
  closePanels();
  $("edit-open").focus();
});
$("rename-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (!current) return;
  const name = editName.value.trim();
  void decide({ type: MSG.CORRECT, contactId: current.id, correction: { name } }, () => `Renamed to “${name}”.`, { error: $("rename-error") });
});
$("add-phone-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!current || !addPhone.value.trim()) return;
  const phone = addPhone.value.trim();
  if (await decide({ type: MSG.CORRECT, contactId: current.id, correction: { addPhone: phone } }, () => `Added ${phone}.`, { error: $("phone-error") })) addPhone.value = "";
});
$("add-email-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!current || !addEmail.value.trim()) return;
  const email = addEmail.value.trim();
  if (await decide({ type: MSG.CORRECT, contactId: current.id, correction: { addEmail: email } }, () => `Added ${email}.`, { error: $("email-error") })) addEmail.value = "";
});

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
search.addEventListener("input", async () => {
  selected = 0;
  list.scrollTop = 0;
  if (!complete) await everyone;
  applyView();
});
search.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown" || e.key === "Enter") {
    e.preventDefault();
    list.focus();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "/" && !(document.activeElement instanceof HTMLInputElement)) {
    e.preventDefault();
    search.focus();
  } else if (e.key === "Escape" && !detail.hidden) {
    // Escape closes the innermost thing open: a panel, then the detail.
    e.preventDefault();
    if (!$("merge-form").hidden) {
      closePanels();
      $("merge-open").focus();
    } else if (!$("edit-form").hidden) {
      closePanels();
      $("edit-open").focus();
    } else closeDetail();
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
    // Before records: reading the account's other devices, publishing this one's knowledge.
    else if (s.state === "syncing" && s.message) showSync(s.message);
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

void ask({ type: MSG.SYNC_SETTINGS }).then((s) => {
  if (!s.enabled) syncButton.title = "Sync is off. Set up your kith server in Options.";
});

// The first screenful first (asked for at the top): the rows a stopped worker kept are a
// preview only, replaced by the worker's own answer; every contact follows, for scrolling,
// search and the other orders.
const first = await Promise.race([firstPage, keptPage.then((kept) => kept ?? firstPage)]);
performance.mark("kith:answered");
total = first.total;
setContacts(first.contacts, false);
applyView();
if (all.length) list.focus();
else search.focus();
// The frame with the first rows is painted before every contact is asked for: the full list
// is a large message, and reading it on this thread would hold that frame back. A page that is
// not drawn (a hidden tab gets no animation frames) asks after 100 ms all the same.
/** @type {Promise<void>} */
const painted = new Promise((resolve) => {
  requestAnimationFrame(() =>
    setTimeout(() => {
      // For the benchmark: when the first rows have been painted (the frame after they render).
      document.body.dataset.paintedAt = String(performance.now());
      resolve();
    }),
  );
  setTimeout(resolve, 100);
});
everyone = (async () => {
  await painted;
  const live = await firstPage;
  total = live.total;
  // A list that fits the first page is whole; otherwise every contact follows. Both come
  // from the worker's one cached view, so the rows on screen stay where they are.
  const contacts = live.total <= live.contacts.length ? live.contacts : await fetchContacts();
  setContacts(contacts, true);
  total = contacts.length;
  applyView();
  requestIdleCallback(() => prepareSearch(contacts));
})().catch((e) => {
  foot.textContent = `kith could not load every contact: ${/** @type {Error} */ (e).message} Close and reopen the popup.`;
});
await everyone;
document.body.dataset.ready = "true";
