// @ts-check
// The overview's three pictures: messages per month (uPlot), your own messages by weekday and
// hour (a CSS grid: a heatmap is cells, not a plot), and reply times across people (uPlot).
// Each is a focusable box labelled with a summary in words, a caption the arrow keys move
// through (aria-live), and the numbers as a visually hidden table, as the history chart does.
import uPlot from "./vendor/uplot/uPlot.esm.js";
import { monthLabel } from "./shared/history-chart.js";

/** @typedef {import("./pkg/kith.js").MonthCount} MonthCount */
/** @typedef {import("./pkg/kith.js").Contact} Contact */

/** A CSS custom property of `host`, or `fallback`. @param {Element} host @param {string} name @param {string} fallback */
const cssVar = (host, name, fallback) => getComputedStyle(host).getPropertyValue(name).trim() || fallback;

/**
 * Puts a chart's frame into `host`: the focusable box (returned, for the drawing), the caption
 * the keys move, and the table. `step(key, at)` gives the next position or null for keys the
 * chart does not use; `words(at)` says that position.
 * @param {HTMLElement} host @param {string} summary @param {HTMLTableElement} table
 * @param {{ start: number, step: (key: string, at: number) => number | null, words: (at: number) => string, onMove?: (at: number) => void, hint: string }} keys
 */
function frame(host, summary, table, keys) {
  const box = document.createElement("div");
  box.className = "chart";
  box.tabIndex = 0;
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", `${summary} ${keys.hint}`);
  const caption = document.createElement("p");
  caption.className = "chart-caption";
  caption.setAttribute("aria-live", "polite");
  caption.textContent = summary;
  host.replaceChildren(box, caption, table);
  let at = keys.start;
  box.addEventListener("keydown", (e) => {
    const next = keys.step(e.key, at);
    if (next === null) return;
    e.preventDefault();
    at = next;
    caption.textContent = keys.words(at);
    keys.onMove?.(at);
  });
  return box;
}

/** Left, Right, Home and End over `n` positions. @param {number} n */
const alongLine = (n) => (/** @type {string} */ key, /** @type {number} */ at) => {
  const moves = /** @type {Record<string, number>} */ ({ ArrowLeft: -1, ArrowRight: 1, Home: -n, End: n });
  return key in moves ? Math.max(0, Math.min(n - 1, at + moves[key])) : null;
};

/** A table with a caption, a header row and body rows of text. @param {string} caption @param {string[]} head @param {string[][]} rows */
function textTable(caption, head, rows) {
  const table = document.createElement("table");
  table.className = "visually-hidden";
  const cap = document.createElement("caption");
  cap.textContent = caption;
  const tr = document.createElement("tr");
  for (const text of head) tr.append(Object.assign(document.createElement("th"), { textContent: text, scope: "col" }));
  table.append(cap, tr);
  for (const row of rows) {
    const line = document.createElement("tr");
    row.forEach((text, i) => line.append(Object.assign(document.createElement(i === 0 ? "th" : "td"), { textContent: text })));
    table.append(line);
  }
  return table;
}

/** Axis and grid colours for uPlot, from the page's theme. @param {Element} host */
function axes(host) {
  const ink = cssVar(host, "--muted", "#777");
  const grid = cssVar(host, "--line", "rgba(127,127,127,0.25)");
  /** @param {(ticks: number[]) => string[]} values @returns {uPlot.Axis[]} */
  return (values) => [
    { stroke: ink, grid: { show: false }, ticks: { show: false }, size: 24, space: 56, values: (_, ticks) => values(ticks) },
    // Counts of messages and people: whole numbers only on the scale.
    { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 40, space: 24, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6] },
  ];
}

/** A bar series for uPlot: yours lean left (align -1), theirs right. @param {string} label @param {string} color @param {-1 | 1} align */
const bars = (label, color, align) => ({
  label, fill: color, stroke: color, width: 0, points: { show: false },
  paths: uPlot.paths.bars?.({ size: [0.42, 18], align }),
});

// ——— Activity over time ———

/** "2024-03" → the next month's label. @param {string} month */
function nextMonth(month) {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

/**
 * Totals per month over every source, from the first month with a message to the last, the
 * months between included (a quiet month is a zero, not a gap).
 * @param {MonthCount[]} activity
 */
export function activityTable(activity) {
  /** @type {Map<string, { sent: number, received: number, group: number }>} */
  const by = new Map();
  for (const m of activity) {
    const cell = by.get(m.month) ?? { sent: 0, received: 0, group: 0 };
    cell.sent += m.sent;
    cell.received += m.received;
    cell.group += m.group;
    by.set(m.month, cell);
  }
  const keys = [...by.keys()].sort();
  /** @type {string[]} */
  const months = [];
  if (keys.length) for (let m = keys[0]; m <= keys[keys.length - 1]; m = nextMonth(m)) months.push(m);
  const get = (/** @type {"sent" | "received" | "group"} */ k) => months.map((m) => by.get(m)?.[k] ?? 0);
  return { months, sent: get("sent"), received: get("received"), group: get("group") };
}

/** @param {ReturnType<typeof activityTable>} t */
export function activitySummary(t) {
  const sum = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0);
  if (!t.months.length) return "No messages in direct chats yet.";
  const busiest = t.months.reduce((best, _, i) => (t.sent[i] + t.received[i] > t.sent[best] + t.received[best] ? i : best), 0);
  const span = t.months.length === 1 ? monthLabel(t.months[0]) : `${monthLabel(t.months[0])} to ${monthLabel(t.months[t.months.length - 1])}`;
  return `${span}: you sent ${sum(t.sent)}, they sent ${sum(t.received)} in direct chats; ${sum(t.group)} by others in groups. Busiest month ${monthLabel(t.months[busiest])}.`;
}

/** @param {ReturnType<typeof activityTable>} t @param {number} i */
const activityWords = (t, i) => `${monthLabel(t.months[i])}: you ${t.sent[i]}, them ${t.received[i]}, in groups ${t.group[i]}`;

/**
 * Draws messages per month into `host`; returns a function that removes the chart.
 * @param {HTMLElement} host @param {MonthCount[]} activity
 */
export function drawActivity(host, activity) {
  const t = activityTable(activity);
  const table = textTable("Messages per month", ["Month", "You", "Them", "In groups"],
    t.months.flatMap((m, i) => (t.sent[i] + t.received[i] + t.group[i] ? [[monthLabel(m), String(t.sent[i]), String(t.received[i]), String(t.group[i])]] : [])));
  const box = frame(host, activitySummary(t), table, {
    start: t.months.length - 1, step: alongLine(t.months.length), words: (i) => activityWords(t, i),
    hint: "Use the arrow keys to hear each month.",
  });
  if (!t.months.length) return () => {};
  const n = t.months.length;
  const plot = new uPlot({
    width: host.clientWidth || 600, height: 190, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, n - 0.4] }, y: { range: (_, __, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
    axes: axes(host)((ticks) => ticks.map((i) => (Number.isInteger(i) && t.months[i] ? monthLabel(t.months[i]).replace(" ", "\u00a0") : ""))),
    series: [{}, bars("You", cssVar(host, "--you", "#2f6bd8"), -1), bars("Them", cssVar(host, "--them", "#d9822b"), 1)],
  }, [t.months.map((_, i) => i), t.sent, t.received], box);
  return () => plot.destroy();
}

// ——— When you write ———

const weekdayName = new Intl.DateTimeFormat(undefined, { weekday: "long", timeZone: "UTC" });
const weekdayShort = new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" });
/** Monday first: 2024-01-01 was a Monday. */
const WEEKDAYS = Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)));
const hourSpan = (/** @type {number} */ h) => `${String(h).padStart(2, "0")}:00–${String((h + 1) % 24).padStart(2, "0")}:00`;

/** One hour of the week in words: "Monday 09:00–10:00: 3 messages". @param {number[]} hours @param {number} i */
export function weekHourWords(hours, i) {
  const n = hours[i] ?? 0;
  return `${weekdayName.format(WEEKDAYS[Math.floor(i / 24)])} ${hourSpan(i % 24)}: ${n} message${n === 1 ? "" : "s"}`;
}

/** The heatmap in a sentence. @param {number[]} hours 168 counts, Monday 00h first */
export function weekSummary(hours) {
  const total = hours.reduce((a, b) => a + b, 0);
  if (!total) return "You wrote 0 messages in these imports, or kith does not yet know which writer is you.";
  const top = hours.reduce((best, n, i) => (n > hours[best] ? i : best), 0);
  const days = WEEKDAYS.map((_, d) => hours.slice(d * 24, d * 24 + 24).reduce((a, b) => a + b, 0));
  const day = days.reduce((best, n, d) => (n > days[best] ? d : best), 0);
  const parts = [["at night (0–6h)", 0, 6], ["in the morning (6–12h)", 6, 12], ["in the afternoon (12–18h)", 12, 18], ["in the evening (18–24h)", 18, 24]]
    .map(([words, from, to]) => ({ words: String(words), n: hours.reduce((s, c, i) => (i % 24 >= Number(from) && i % 24 < Number(to) ? s + c : s), 0) }));
  const part = parts.reduce((best, p) => (p.n > best.n ? p : best));
  return `You wrote ${total} message${total === 1 ? "" : "s"}, most ${part.words}: ${Math.round((100 * part.n) / total)}%. `
    + `Busiest day ${weekdayName.format(WEEKDAYS[day])}; busiest hour ${weekdayName.format(WEEKDAYS[Math.floor(top / 24)])} ${hourSpan(top % 24)} (${hours[top]}).`;
}

/**
 * Draws the weekday × hour grid of `hours` (168 counts, Monday 00h first) into `host`. The
 * arrow keys move a cell at a time: left and right by hour, up and down by day.
 * @param {HTMLElement} host @param {number[]} hours
 */
export function drawWeekHours(host, hours) {
  const max = Math.max(1, ...hours);
  const table = textTable("Your messages by weekday and hour", ["Day", ...Array.from({ length: 24 }, (_, h) => `${h}h`), "Total"],
    WEEKDAYS.map((d, day) => {
      const row = hours.slice(day * 24, day * 24 + 24);
      return [weekdayName.format(d), ...row.map(String), String(row.reduce((a, b) => a + b, 0))];
    }));
  const grid = document.createElement("div");
  grid.className = "heatmap";
  grid.setAttribute("aria-hidden", "true");
  /** @type {HTMLElement[]} */
  const cells = [];
  grid.append(document.createElement("span"));
  for (let h = 0; h < 24; h++) grid.append(Object.assign(document.createElement("span"), { className: "hour", textContent: h % 6 === 0 ? String(h) : "" }));
  WEEKDAYS.forEach((d, day) => {
    grid.append(Object.assign(document.createElement("span"), { className: "day", textContent: weekdayShort.format(d) }));
    for (let h = 0; h < 24; h++) {
      const i = day * 24 + h;
      const cell = document.createElement("span");
      cell.className = "cell";
      // Square root, so a few messages at an odd hour still show beside a busy evening.
      cell.style.setProperty("--level", String(Math.sqrt(hours[i] / max)));
      cell.title = weekHourWords(hours, i);
      cells.push(cell);
      grid.append(cell);
    }
  });
  const top = hours.reduce((best, n, i) => (n > hours[best] ? i : best), 0);
  const box = frame(host, weekSummary(hours), table, {
    start: top,
    hint: "Use the arrow keys to hear each hour: left and right by hour, up and down by day.",
    step: (key, at) => {
      const moves = /** @type {Record<string, number>} */ ({ ArrowLeft: -1, ArrowRight: 1, ArrowUp: -24, ArrowDown: 24, Home: -(at % 24), End: 23 - (at % 24) });
      if (!(key in moves)) return null;
      const next = at + moves[key];
      return next < 0 || next >= 168 ? at : next;
    },
    words: (i) => weekHourWords(hours, i),
    onMove: (i) => cells.forEach((c, j) => c.classList.toggle("at", j === i)),
  });
  box.append(grid);
  box.addEventListener("blur", () => cells.forEach((c) => c.classList.remove("at")));
}

// ——— Reply times ———

/** Upper bounds in minutes of the reply-time bands, and their names. */
const BANDS = /** @type {Array<[number, string, string]>} */ ([
  [5, "under 5 min", "<5m"], [30, "5–30 min", "5–30m"], [120, "30 min–2 h", "½–2h"], [720, "2–12 h", "2–12h"],
  [1440, "12–24 h", "12–24h"], [4320, "1–3 days", "1–3d"], [Infinity, "over 3 days", ">3d"],
]);

/** "14 min", "2.5 h", "3 days". @param {number} minutes */
export function duration(minutes) {
  if (minutes < 60) return `${Math.max(1, Math.round(minutes))} min`;
  if (minutes < 1440) return `${Math.round(minutes / 6) / 10} h`;
  const days = Math.round(minutes / 144) / 10;
  return `${days} day${days === 1 ? "" : "s"}`;
}

/** The middle of some numbers (the lower middle of an even count). @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];

/**
 * How many people each reply-time band applies to, yours and theirs, from each contact's
 * typical (median) reply time.
 * @param {Contact[]} contacts
 */
export function replyTable(contacts) {
  const band = (/** @type {number} */ m) => BANDS.findIndex(([upTo]) => m < upTo);
  const mine = BANDS.map(() => 0);
  const theirs = BANDS.map(() => 0);
  /** @type {number[]} */ const myTimes = [];
  /** @type {number[]} */ const theirTimes = [];
  for (const c of contacts) {
    if (c.myReplyMinutes !== null) { mine[band(c.myReplyMinutes)]++; myTimes.push(c.myReplyMinutes); }
    if (c.theirReplyMinutes !== null) { theirs[band(c.theirReplyMinutes)]++; theirTimes.push(c.theirReplyMinutes); }
  }
  return { bands: BANDS.map(([, name]) => name), short: BANDS.map(([, , short]) => short), mine, theirs, myTimes, theirTimes };
}

/** @param {ReturnType<typeof replyTable>} t */
export function replySummary(t) {
  if (!t.myTimes.length && !t.theirTimes.length) return "No replies yet: a reply is a message that answers someone else's within 30 days.";
  const people = (/** @type {number} */ n) => `${n} ${n === 1 ? "person" : "people"}`;
  const typical = (/** @type {number[]} */ times) => (times.length ? `${duration(median(times))} (the middle of ${people(times.length)})` : "no replies yet");
  const fast = t.myTimes.filter((m) => m < 60).length;
  return `You typically reply in ${typical(t.myTimes)}; they reply to you in ${typical(t.theirTimes)}.`
    + (t.myTimes.length ? ` You answer within the hour to ${fast} of ${people(t.myTimes.length)}.` : "");
}

/** @param {ReturnType<typeof replyTable>} t @param {number} i */
const replyWords = (t, i) => `${t.bands[i]}: you reply this fast to ${t.mine[i]}, ${t.theirs[i]} reply this fast to you`;

/**
 * Draws the reply-time histogram into `host`; returns a function that removes it.
 * @param {HTMLElement} host @param {Contact[]} contacts
 */
export function drawReplies(host, contacts) {
  const t = replyTable(contacts);
  const table = textTable("People by typical reply time", ["Reply time", "Your replies", "Their replies"],
    t.bands.map((b, i) => [b, String(t.mine[i]), String(t.theirs[i])]));
  const box = frame(host, replySummary(t), table, {
    start: 0, step: alongLine(t.bands.length), words: (i) => replyWords(t, i),
    hint: "Use the arrow keys to hear each reply time.",
  });
  const plot = new uPlot({
    width: host.clientWidth || 320, height: 170, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, t.bands.length - 0.4] }, y: { range: (_, __, max) => [0, Math.max(2, max)] } },
    axes: axes(host)((ticks) => ticks.map((i) => (Number.isInteger(i) ? t.short[i] ?? "" : ""))),
    series: [{}, bars("You", cssVar(host, "--you", "#2f6bd8"), -1), bars("Them", cssVar(host, "--them", "#d9822b"), 1)],
  }, [t.bands.map((_, i) => i), t.mine, t.theirs], box);
  return () => plot.destroy();
}
