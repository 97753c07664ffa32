// @ts-check
// A relationship over time: messages per month, yours (left bar) and theirs (right bar), each
// stacked by source. Drawn with uPlot (a small canvas chart library, loaded as a local module);
// the numbers are also a table for screen readers, and the chart takes keyboard focus: the
// arrow keys step through the months and say each one's counts.
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { SOURCE_NAMES } from "./format.js";

/** @typedef {import("../pkg/kith.js").MonthCount} MonthCount */

/** One colour per source, readable on light and dark backgrounds. */
const SOURCE_COLORS = /** @type {Record<string, string>} */ ({
  whatsapp: "#25a35a", whatsappWeb: "#1f8a4c", telegram: "#2a9fd6", messenger: "#7a5af5", instagram: "#d6457a",
  linkedin: "#3b73b9", email: "#c98a1b", mbox: "#c98a1b", contacts: "#888888",
});
const colorOf = (/** @type {string} */ source) => SOURCE_COLORS[source] ?? "#999999";

const monthName = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" });
const monthShort = new Intl.DateTimeFormat(undefined, { month: "short", year: "2-digit", timeZone: "UTC" });
/** "Mar 2024" for "2024-03". @param {string} month */
export const monthLabel = (month) => monthName.format(new Date(`${month}-01T00:00:00Z`));
/** "Mar 24", for the axis. @param {string} month */
const axisLabel = (month) => monthShort.format(new Date(`${month}-01T00:00:00Z`));

/**
 * The last `months` months up to `now`, as "YYYY-MM", oldest first.
 * @param {number} months @param {Date} now
 */
export function lastMonths(months, now) {
  const out = [];
  for (let i = months - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`);
  }
  return out;
}

/**
 * Counts per month, side and source, over `months` (missing months are zero).
 * @param {MonthCount[]} history @param {string[]} months
 */
export function monthTable(history, months) {
  const at = new Map(months.map((m, i) => [m, i]));
  const sources = [...new Set(history.map((h) => h.source))];
  /** @type {Record<string, { sent: number[], received: number[] }>} */
  const bySource = {};
  for (const s of sources) bySource[s] = { sent: months.map(() => 0), received: months.map(() => 0) };
  for (const h of history) {
    const i = at.get(h.month);
    if (i === undefined) continue;
    bySource[h.source].sent[i] += h.sent;
    bySource[h.source].received[i] += h.received;
  }
  const total = (/** @type {"sent" | "received"} */ side) => months.map((_, i) => sources.reduce((n, s) => n + bySource[s][side][i], 0));
  return { months, sources, bySource, sent: total("sent"), received: total("received") };
}

/** One month in words: "Mar 2024: you 12, them 9 (WhatsApp 15, Telegram 6)". @param {ReturnType<typeof monthTable>} t @param {number} i */
export function monthWords(t, i) {
  const per = t.sources
    .map((s) => [s, t.bySource[s].sent[i] + t.bySource[s].received[i]])
    .filter(([, n]) => Number(n) > 0)
    .map(([s, n]) => `${SOURCE_NAMES[s] ?? s} ${n}`);
  return `${monthLabel(t.months[i])}: you ${t.sent[i]}, them ${t.received[i]}${per.length > 1 ? ` (${per.join(", ")})` : ""}`;
}

/** The whole history in a sentence, for the chart's label. @param {ReturnType<typeof monthTable>} t */
export function historySummary(t) {
  const sent = t.sent.reduce((a, b) => a + b, 0);
  const received = t.received.reduce((a, b) => a + b, 0);
  if (sent + received === 0) return `No direct messages in the last ${t.months.length} months.`;
  const busiest = t.months.reduce((best, _, i) => (t.sent[i] + t.received[i] > t.sent[best] + t.received[best] ? i : best), 0);
  return `Last ${t.months.length} months: you sent ${sent}, they sent ${received}; busiest ${monthLabel(t.months[busiest])}.`;
}

/** uPlot's own stylesheet, added to the page with the first chart (the module loads lazily). */
function addChartStyles() {
  if (document.querySelector("link[data-uplot]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("../vendor/uplot/uPlot.min.css", import.meta.url).href;
  link.dataset.uplot = "";
  document.head.append(link);
}

/**
 * Draws the chart into `host` (replacing what was there) and returns a function that removes
 * it. `host` gets the canvas, a caption that follows the keyboard, and a table of the numbers.
 * @param {HTMLElement} host
 * @param {MonthCount[]} history
 * @param {{ months?: number, now?: Date, width?: number, height?: number }} [options]
 */
export function drawHistory(host, history, options = {}) {
  addChartStyles();
  const months = lastMonths(options.months ?? 24, options.now ?? new Date());
  const t = monthTable(history, months);
  const style = getComputedStyle(host);
  const ink = style.getPropertyValue("--muted").trim() || "#777";
  const grid = style.getPropertyValue("--line").trim() || "rgba(127,127,127,0.25)";

  // Stacks drawn tallest first, each later series over the one before: the visible band of
  // each is its source's share. Yours lean left of the month, theirs right.
  /** @type {uPlot.Series[]} */
  const series = [{}];
  /** @type {number[][]} */
  const data = [months.map((_, i) => i)];
  for (const [side, align] of /** @type {const} */ ([["sent", -1], ["received", 1]])) {
    const running = months.map(() => 0);
    const stacks = t.sources.map((s) => {
      t.bySource[s][side].forEach((n, i) => (running[i] += n));
      return { source: s, values: running.slice() };
    });
    for (const { source, values } of stacks.reverse()) {
      series.push({
        label: `${side === "sent" ? "You" : "Them"} · ${SOURCE_NAMES[source] ?? source}`,
        fill: side === "sent" ? colorOf(source) : `${colorOf(source)}99`,
        stroke: colorOf(source),
        width: 0,
        paths: uPlot.paths.bars?.({ size: [0.42, 14], align }),
        points: { show: false },
      });
      data.push(values);
    }
  }

  const chartBox = document.createElement("div");
  chartBox.className = "history-chart";
  chartBox.tabIndex = 0;
  chartBox.setAttribute("role", "img");
  chartBox.setAttribute("aria-label", `${historySummary(t)} Use the arrow keys to hear each month.`);
  const caption = document.createElement("p");
  caption.className = "history-caption";
  caption.setAttribute("aria-live", "polite");
  caption.textContent = historySummary(t);
  const legend = document.createElement("p");
  legend.className = "history-legend";
  legend.textContent = `Left bars: you · right bars: them${t.sources.length > 1 ? ` · ${t.sources.map((s) => SOURCE_NAMES[s] ?? s).join(", ")}` : ""}`;
  host.replaceChildren(chartBox, caption, legend, numbersTable(t));

  const plot = new uPlot({
    width: options.width ?? (host.clientWidth || 320),
    height: options.height ?? 120,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, months.length - 0.4] }, y: { range: (_, __, max) => [0, Math.max(4, max)] } },
    axes: [
      { stroke: ink, grid: { show: false }, ticks: { show: false }, size: 22, space: 56, incrs: [1, 2, 3, 6, 12],
        values: (_, ticks) => ticks.map((i) => (Number.isInteger(i) && months[i] ? axisLabel(months[i]) : "")) },
      { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 30, space: 24 },
    ],
    series,
  }, /** @type {uPlot.AlignedData} */ (data), chartBox);

  let at = months.length - 1;
  chartBox.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -months.length, End: months.length };
    if (!(e.key in moves)) return;
    e.preventDefault();
    at = Math.max(0, Math.min(months.length - 1, at + moves[/** @type {keyof typeof moves} */ (e.key)]));
    caption.textContent = monthWords(t, at);
  });
  return () => plot.destroy();
}

/** The numbers behind the chart, as a table (visually hidden; read by screen readers). @param {ReturnType<typeof monthTable>} t */
function numbersTable(t) {
  const table = document.createElement("table");
  table.className = "visually-hidden";
  const caption = document.createElement("caption");
  caption.textContent = "Messages per month";
  const head = document.createElement("tr");
  for (const text of ["Month", "You", "Them"]) head.append(Object.assign(document.createElement("th"), { textContent: text }));
  table.append(caption, head);
  t.months.forEach((m, i) => {
    if (t.sent[i] + t.received[i] === 0) return;
    const tr = document.createElement("tr");
    for (const text of [monthLabel(m), String(t.sent[i]), String(t.received[i])]) tr.append(Object.assign(document.createElement("td"), { textContent: text }));
    table.append(tr);
  });
  return table;
}
