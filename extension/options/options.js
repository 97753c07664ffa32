// @ts-check
// The options page. Chat files are parsed here, in this page's own kith engine: the service
// worker never receives message text. The page restores the worker's state (aggregates only),
// imports each file against it, and sends back the import's journal, the deltas in counts and
// times, which the worker applies and stores.
import init, { Kith } from "../pkg/kith.js";
import { ask } from "../lib/ext.js";
import { MSG, checkServerUrl } from "../lib/messages.js";
import { fromBase64, toBase64 } from "../lib/bytes.js";
import { SOURCE_NAMES, ago, plural, sourceNames, toCsv, toVcard } from "../lib/format.js";

/** @template {HTMLElement} T @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));

await init({ module_or_path: chrome.runtime.getURL("pkg/kith_bg.wasm") });

const imports = $("imports");
const picker = /** @type {HTMLInputElement} */ ($("files"));
const drop = $("drop");

/** @param {string} tag @param {string} text @param {string} [cls] */
function el(tag, text, cls) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

/** A local engine holding the worker's current state, recording what imports add. */
async function localEngine() {
  const { snapshot } = await ask({ type: MSG.SNAPSHOT });
  const engine = Kith.restore(fromBase64(snapshot), {});
  engine.setJournaling(true);
  return engine;
}

/** What the report's `skipped` counts mean, for people. */
const SKIP_NAMES = /** @type {Record<string, string>} */ ({
  channels: "channels", bots: "bot chats", savedMessages: "saved messages", repliesChats: "replies chats",
  drafts: "drafts", spam: "spam", trash: "trash", bulkMail: "newsletters and automatic mail",
  duplicateIds: "repeated copies", unreadable: "unreadable records",
});

/** @param {import("../pkg/kith.js").ImportReport} r */
function describe(r) {
  if (r.dateOrderSource === "excluded") return "skipped: this chat is on your leave-out list";
  const source = SOURCE_NAMES[r.format] ?? r.format;
  const kind = r.chats > 1
    ? `${source}: ${r.chats} conversations`
    : r.group ? `${source} group${r.chatTitle ? ` “${r.chatTitle}”` : ""}` : `${source} chat with ${r.chatTitle ?? "one person"}`;
  const parts = [`${kind}: ${r.messages} messages`, `${r.contacts} contact${r.contacts === 1 ? "" : "s"}`];
  const skipped = Object.entries(r.skipped ?? {}).map(([what, n]) => `${n} ${SKIP_NAMES[what] ?? what}`);
  if (skipped.length) parts.push(`left out: ${skipped.join(", ")}`);
  if (r.calls) parts.push(`${r.calls} calls`);
  if (r.duplicates) parts.push(`${r.duplicates} already imported`);
  if (r.owner.length) parts.push(`you are ${r.owner.join(", ")}${r.ownerSource === "option" ? "" : " (inferred)"}`);
  if (r.dateOrder === "dmy" || r.dateOrder === "mdy") parts.push(`dates read ${r.dateOrder === "dmy" ? "day/month" : "month/day"}${r.dateOrderSource === "fallback" ? " (assumed)" : ""}`);
  return parts.join(" · ");
}

/** Imports the files one by one, each with progress, a cancel button and its result. @param {File[]} files */
async function importFiles(files) {
  /** @type {Kith | null} */
  let engine = null;
  const lines = files.map((file) => {
    const li = document.createElement("li");
    li.append(el("span", file.name, "file"), el("span", " waiting…", "muted"));
    imports.prepend(li);
    return li;
  });
  for (const [i, file] of files.entries()) {
    const li = lines[i];
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Reading ${file.name}`);
    const controller = new AbortController();
    const cancel = el("button", "Cancel");
    cancel.addEventListener("click", () => controller.abort());
    li.replaceChildren(el("span", file.name, "file"), bar, cancel);
    try {
      if (await isKithExport(file)) {
        await importKithExport(file);
        li.replaceChildren(el("span", file.name, "file"), el("span", " restored from a kith export", "ok"));
        engine?.free();
        engine = null;
        continue;
      }
      engine ??= await localEngine();
      const report = await engine.importBlob(file, {
        signal: controller.signal,
        onProgress: (read, total) => (bar.value = total ? read / total : 1),
      });
      const { reports } = await ask({ type: MSG.APPLY_JOURNAL, journal: toBase64(engine.takeJournal()) });
      const result = reports[0] ?? report;
      li.replaceChildren(el("span", file.name, "file"), el("span", ` ${describe(result)}`, "ok"));
      for (const warning of result.warnings) li.append(el("div", warning, "warn"));
      if (result.writers.length) li.append(whichIsYou(result.writers));
    } catch (e) {
      const error = /** @type {Error} */ (e);
      li.replaceChildren(el("span", file.name, "file"), el("span", ` ${error.name === "Aborted" ? "cancelled; nothing was changed" : error.message}`, "bad"));
      // A failed import leaves the local engine unchanged, but re-sync with the worker anyway.
      engine?.free();
      engine = null;
    }
  }
  engine?.free();
  // New people may look like people kith already knew.
  await Promise.all([renderIdentity(), loadCountry()]);
}

/**
 * "Which of these is you?": when kith could not tell which writer is the user, each writer is
 * a button; choosing one sets the owner, and every contact is recomputed at once.
 * @param {string[]} writers
 */
function whichIsYou(writers) {
  const box = el("div", "Which of these is you? ", "ask");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Which of these is you?");
  for (const writer of writers) {
    const button = el("button", writer);
    button.addEventListener("click", async () => {
      const owner = [...new Set([...settings.owner, writer])];
      await ask({ type: MSG.SET_OWNER, owner });
      settings.owner = owner;
      ownerInput.value = owner.join(", ");
      box.replaceChildren(el("span", `Thanks: you are ${writer}. Your contacts are updated.`, "ok"));
    });
    box.append(button);
  }
  return box;
}

/** Whether a file is a kith JSON export (not a Telegram or Messenger JSON): by its first bytes. @param {File} file */
async function isKithExport(file) {
  if (!file.name.toLowerCase().endsWith(".json")) return false;
  return /"format"\s*:\s*"kith-export"/.test(await file.slice(0, 1024).text());
}

/** A kith JSON export: its snapshot restores the worker's state. @param {File} file */
async function importKithExport(file) {
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch {
    throw Object.assign(new Error("This .json file is not a kith export."), { name: "UnknownFormat" });
  }
  if (data?.format !== "kith-export" || typeof data.snapshot !== "string") {
    throw Object.assign(new Error("This .json file is not a kith export (made by Export JSON)."), { name: "UnknownFormat" });
  }
  await ask({ type: MSG.RESTORE, snapshot: data.snapshot });
}

picker.addEventListener("change", () => {
  const files = Array.from(picker.files ?? []);
  picker.value = "";
  if (files.length) void importFiles(files);
});
drop.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    picker.click();
  }
});
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const files = Array.from(e.dataTransfer?.files ?? []);
  if (files.length) void importFiles(files);
});

const ownerInput = /** @type {HTMLInputElement} */ ($("owner"));
const exclusionsInput = /** @type {HTMLTextAreaElement} */ ($("exclusions"));
const settings = await ask({ type: MSG.SETTINGS });
ownerInput.value = settings.owner.join(", ");
exclusionsInput.value = settings.exclusions.join("\n");

$("owner-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const owner = ownerInput.value.split(",").map((s) => s.trim()).filter(Boolean);
  await ask({ type: MSG.SET_OWNER, owner });
  $("owner-saved").textContent = " Saved.";
});
$("exclude-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const exclusions = exclusionsInput.value.split("\n").map((s) => s.trim()).filter(Boolean);
  await ask({ type: MSG.SET_EXCLUSIONS, exclusions });
  $("exclude-saved").textContent = " Saved. New imports skip these; they are hidden from your contacts.";
});

/** @param {string} name @param {string} type @param {string} text */
function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const stamp = () => new Date().toISOString().slice(0, 10);
$("export-json").addEventListener("click", async () => {
  const data = await ask({ type: MSG.EXPORT });
  download(`kith-export-${stamp()}.json`, "application/json", JSON.stringify(data, null, 1));
  $("data-status").textContent = `Exported ${data.contacts.length} contacts as JSON.`;
});
$("export-csv").addEventListener("click", async () => {
  const data = await ask({ type: MSG.EXPORT });
  download(`kith-contacts-${stamp()}.csv`, "text/csv", toCsv(data.contacts));
  $("data-status").textContent = `Exported ${data.contacts.length} contacts as CSV.`;
});
$("export-vcard").addEventListener("click", async () => {
  const data = await ask({ type: MSG.EXPORT });
  download(`kith-contacts-${stamp()}.vcf`, "text/vcard", toVcard(data.contacts));
  $("data-status").textContent = `Exported ${data.contacts.length} contacts as vCard.`;
});
const dialog = /** @type {HTMLDialogElement} */ ($("confirm-delete"));
$("delete-all").addEventListener("click", () => dialog.showModal());
dialog.addEventListener("close", async () => {
  if (dialog.returnValue !== "delete") return;
  const { remaining } = await ask({ type: MSG.DELETE_ALL });
  const contacts = await ask({ type: MSG.CONTACTS });
  ownerInput.value = "";
  exclusionsInput.value = "";
  await loadReminders();
  $("data-status").textContent = remaining === 0 && contacts.length === 0
    ? "All local data was deleted. kith's storage is empty."
    : `Deletion incomplete: ${remaining} stored item(s) remain. Try again.`;
});
const serverUrl = /** @type {HTMLInputElement} */ ($("server-url"));
const serverToken = /** @type {HTMLInputElement} */ ($("server-token"));
const syncEnabled = /** @type {HTMLInputElement} */ ($("sync-enabled"));
const periodic = /** @type {HTMLSelectElement} */ ($("periodic"));
const syncMessage = $("sync-message");

async function loadSync() {
  const s = await ask({ type: MSG.SYNC_SETTINGS });
  serverUrl.value = s.serverUrl;
  serverToken.value = "";
  serverToken.placeholder = s.token ? "saved (type to replace)" : "kith_…";
  syncEnabled.checked = s.enabled;
  periodic.value = String(s.periodicMinutes);
  await renderLedger();
}

async function renderLedger() {
  /** @type {Array<Record<string, any>>} */
  const entries = await ask({ type: MSG.LEDGER });
  const list = $("ledger");
  if (!entries.length) {
    list.replaceChildren(el("li", "No syncs yet.", "muted"));
    return;
  }
  list.replaceChildren(...entries.map((e) => {
    const li = document.createElement("li");
    const when = new Date(e.at).toLocaleString();
    if (!e.ok) {
      // A refused batch left the queue; its contacts were not acknowledged and go again next
      // time. The entry holds the server's code and reason only, never the contacts' values.
      const why = [e.code, e.reason ?? e.error].filter(Boolean).join(": ") || "no reason given";
      const what = e.refused
        ? `batch of ${e.upserts ?? 0} contact(s), ${e.deletions ?? 0} deletion(s) refused (${e.status}) and dropped from the queue`
        : `refused (${e.status})`;
      li.append(el("span", `${when} · ${e.server} · ${what}: ${why}`, "bad"));
      if (e.refused) li.append(el("div", "Its contacts are sent again at the next sync.", "muted"));
      return li;
    }
    li.append(el("span", `${when} · ${e.server} · ${e.upserts} contact(s), ${e.deletions} deletion(s)${e.replayed ? " · replayed" : ""} · fields: ${e.fields.join(", ") || "—"}`));
    const details = document.createElement("details");
    details.append(el("summary", "What was sent"), el("pre", JSON.stringify(e.payload, null, 1)));
    li.append(details);
    return li;
  }));
}

$("sync-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const checked = checkServerUrl(serverUrl.value);
  if (serverUrl.value && "error" in checked) {
    syncMessage.className = "bad";
    syncMessage.textContent = checked.error;
    return;
  }
  // The server's origin is asked for at runtime, during this click. kith-server also allows
  // the extension by CORS, so sync works if the user declines.
  if ("origin" in checked && checked.origin) {
    chrome.permissions.request({ origins: [`${checked.origin}/*`] }).catch(() => false);
  }
  try {
    // An empty token field keeps the saved token (it never comes back to this page).
    await ask({
      type: MSG.SET_SYNC_SETTINGS,
      serverUrl: serverUrl.value,
      token: serverToken.value,
      enabled: syncEnabled.checked,
      periodicMinutes: Number(periodic.value),
    });
    syncMessage.className = "ok";
    syncMessage.textContent = syncEnabled.checked ? "Saved. Sync is on: press Sync in the popup, or wait for the schedule." : "Saved. Sync is off: nothing is sent.";
    await loadSync();
  } catch (err) {
    syncMessage.className = "bad";
    syncMessage.textContent = /** @type {Error} */ (err).message;
  }
});

$("sync-preview").addEventListener("click", async () => {
  const { batches, queued, warnings = [] } = await ask({ type: MSG.SYNC_PREVIEW });
  const pre = $("preview");
  pre.hidden = false;
  // What the core changed so each record fits the server's limits (a cut name, a date it
  // cannot carry): said here, before it is sent.
  const adjusted = warnings.length ? `Adjusted to fit the server's limits:\n${warnings.join("\n")}\n\n` : "";
  pre.textContent = adjusted + (batches.length
    ? `${batches.length} batch(es) would be sent${queued ? ` after ${queued} queued one(s)` : ""}, exactly as follows:\n\n${JSON.stringify(batches, null, 1)}`
    : "Nothing to send: the server has every contact as it is now.");
});

// Devices on the account (sync protocol version 2): who else syncs, forgetting one, and the
// sync key that lets this device read the others' sealed states.
const devicesMessage = $("devices-message");
/** @param {string} text @param {boolean} [bad] */
function sayDevices(text, bad = false) {
  devicesMessage.className = bad ? "bad" : "ok";
  devicesMessage.textContent = text;
}

/** @param {{ thisDevice: string | null, devices: Array<Record<string, any>>, warnings?: string[] }} listed */
function showDevices(listed) {
  const list = $("devices");
  if (!listed.devices.length) {
    list.replaceChildren(el("li", "No device has synced to this account yet. Press Sync in the popup to add this one.", "muted"));
    return;
  }
  list.replaceChildren(...listed.devices.map((d) => {
    const li = document.createElement("li");
    const mine = d.deviceId === listed.thisDevice;
    const state = d.generation ? `${Math.ceil((d.bytes ?? 0) / 1024)} KB published ${ago(new Date(d.updatedAt * 1000).toISOString())}` : "nothing published yet";
    li.append(el("strong", d.name + (mine ? " (this device)" : "")), el("span", ` · last seen ${ago(new Date(d.lastSeenAt * 1000).toISOString())} · ${state}`, "muted"));
    const forget = document.createElement("button");
    forget.type = "button";
    forget.textContent = mine ? "Remove this device" : "Forget";
    forget.setAttribute("aria-label", `${mine ? "Remove this device" : "Forget"}: ${d.name}`);
    forget.addEventListener("click", async () => {
      const what = mine ? "This device's knowledge leaves the account; it joins again at its next sync." : `${d.name}'s knowledge leaves the account and every device's numbers. It cannot sync again until it rejoins.`;
      if (!confirm(`${what} Continue?`)) return;
      try {
        showDevices(await ask({ type: MSG.FORGET_DEVICE, deviceId: d.deviceId }));
        sayDevices(mine ? "This device was removed. It joins again at the next sync." : `${d.name} was forgotten.`);
      } catch (err) {
        sayDevices(/** @type {Error} */ (err).message, true);
      }
    });
    li.append(" ", forget);
    return li;
  }));
  for (const warning of listed.warnings ?? []) list.append(el("li", warning, "bad"));
}

$("devices-refresh").addEventListener("click", async () => {
  try {
    showDevices(await ask({ type: MSG.DEVICES }));
    sayDevices("");
  } catch (err) {
    sayDevices(/** @type {Error} */ (err).message, true);
  }
});

$("sync-key-show").addEventListener("click", async () => {
  const { syncKey } = await ask({ type: MSG.SYNC_KEY });
  const shown = $("sync-key-text");
  shown.hidden = false;
  shown.textContent = syncKey ?? "No sync key yet: this device makes one at its first sync, if it is the account's first device.";
  shown.focus();
});

$("sync-key-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("sync-key"));
  try {
    await ask({ type: MSG.SET_SYNC_KEY, syncKey: input.value, deviceName: /** @type {HTMLInputElement} */ ($("device-name")).value });
    input.value = "";
    sayDevices("Saved. Press Sync in the popup: this device reads your other devices' knowledge, then publishes its own.");
  } catch (err) {
    sayDevices(/** @type {Error} */ (err).message, true);
  }
});

// Who is who: kith's suggestions, the user's decisions (each undoable), and the country that
// numbers without a country code are read in. The worker decides; this page shows and asks.

/** @typedef {import("../pkg/kith.js").Suggestion} Suggestion */
/** @typedef {import("../pkg/kith.js").Decision} Decision */

const suggestionsStatus = $("suggestions-status");

/** Says what happened, through the section's live region. @param {string} text @param {"ok" | "bad"} cls */
function announce(text, cls) {
  suggestionsStatus.className = cls;
  suggestionsStatus.textContent = text;
}

/** @param {string} text @param {string} label @param {() => void} onClick @param {string} [cls] */
function button(text, label, onClick, cls) {
  const b = el("button", text, cls);
  /** @type {HTMLButtonElement} */ (b).type = "button";
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

/** "Ann Lee (WhatsApp)". @param {{ name: string, sources: string[] }} c */
const who = (c) => `${c.name} (${sourceNames(c.sources)})`;

/**
 * Both lists again; then the keyboard goes to the same place in `focusIn` (the next row's
 * first button), or to the section's heading when that list is now empty.
 * @param {{ list: "suggestions" | "decisions", index: number }} [focusIn]
 */
async function renderIdentity(focusIn) {
  /** @type {[Suggestion[], Decision[]]} */
  const [suggestions, decisions] = await Promise.all([ask({ type: MSG.SUGGESTIONS }), ask({ type: MSG.DECISIONS })]);
  const list = $("suggestions");
  list.replaceChildren(...(suggestions.length ? suggestions.map((s) => {
    const [a, b] = s.contacts;
    const li = document.createElement("li");
    const pair = el("div", "", "pair");
    const names = el("span", "", "who");
    names.append(who(a), el("span", " and ", "muted"), who(b));
    const reasons = document.createElement("ul");
    reasons.className = "reasons";
    reasons.append(...s.reasons.map((r) => el("li", r)));
    pair.append(names, reasons);
    const pairText = `${who(a)} and ${who(b)}`;
    li.append(pair,
      button("Accept", `Accept: ${pairText} are one person`, () => void decide(
        { type: MSG.ACCEPT_SUGGESTION, id: s.id }, `Merged ${pairText}: they are one contact now.`, { list: "suggestions", index: suggestions.indexOf(s) }), "primary"),
      button("Reject", `Reject: ${pairText} are different people`, () => void decide(
        { type: MSG.REJECT_SUGGESTION, id: s.id }, `${pairText} stay apart; kith will not suggest them again.`, { list: "suggestions", index: suggestions.indexOf(s) })));
    return li;
  }) : [el("li", "No possible duplicates. kith suggests people who appear under the same or similar names in different sources.", "empty")]));

  const newest = decisions.slice().reverse();
  $("decisions").replaceChildren(...(newest.length ? newest.map((d, i) => {
    const li = document.createElement("li");
    li.append(el("span", d.summary, "summary"), el("span", ago(d.at), "muted"),
      button("Undo", `Undo: ${d.summary}`, () => void decide({ type: MSG.UNDO, decision: d.id }, `Undone: ${d.summary}.`, { list: "decisions", index: i })));
    return li;
  }) : [el("li", "No changes yet. Merges, splits and corrections you make, here or in the popup, are listed here, each with Undo.", "empty")]));

  if (focusIn) {
    const buttons = $(focusIn.list).querySelectorAll("li button:first-of-type");
    const next = /** @type {HTMLElement | undefined} */ (buttons[Math.min(focusIn.index, buttons.length - 1)]);
    (next ?? $(focusIn.list === "suggestions" ? "duplicates-title" : "decisions-title")).focus();
  }
}

/**
 * One decision in the worker, announced; the lists follow.
 * @param {{ type: string } & Record<string, unknown>} message @param {string} done
 * @param {{ list: "suggestions" | "decisions", index: number }} focusIn
 */
async function decide(message, done, focusIn) {
  try {
    await ask(message);
    announce(done, "ok");
  } catch (e) {
    announce(/** @type {Error} */ (e).message, "bad");
  }
  await renderIdentity(focusIn);
}
$("duplicates-title").tabIndex = -1;
$("decisions-title").tabIndex = -1;

/** The countries kith knows the numbering of (src/phone.rs), by ISO code. */
const COUNTRIES = ("US CA PR DO JM TT BS BB GB IE FR DE NL BE CH AT LU IT SM VA ES PT GR MT CY SE NO DK FI IS EE LV LT PL CZ SK HU " +
  "RO BG HR SI RS BA ME MK AL MD UA RU KZ BY GE AM AZ UZ TR IL PS JO LB SY IQ IR SA AE QA KW BH OM YE EG LY TN DZ MA SN CI " +
  "GH NG CM ET KE UG TZ RW ZM ZW MZ AO NA BW ZA MU IN PK BD LK NP AF CN HK MO TW JP KR MN SG MY TH VN KH PH ID AU NZ FJ MX " +
  "GT SV HN NI CR PA CU BR AR CL CO PE VE EC BO PY UY").split(" ");
const regionNames = new Intl.DisplayNames(undefined, { type: "region" });
/** "United Kingdom". @param {string} code */
const countryName = (code) => regionNames.of(code) ?? code;
const countrySelect = /** @type {HTMLSelectElement} */ ($("country"));

/** @param {import("../pkg/kith.js").PhoneCountry} pc */
function showCountry(pc) {
  const byName = COUNTRIES.slice().sort((a, b) => countryName(a).localeCompare(countryName(b)));
  /** @param {string} value @param {string} text */
  const option = (value, text) => Object.assign(document.createElement("option"), { value, textContent: text });
  countrySelect.replaceChildren(option("", "Not set: numbers need their country code"),
    ...byName.map((code) => option(code, `${countryName(code)} (${code})${code === pc.proposed && code !== pc.country ? " — proposed" : ""}`)));
  countrySelect.value = pc.country ?? pc.proposed ?? "";
  const waiting = pc.waiting
    ? `${plural(pc.waiting, "number")} in your contacts ${pc.waiting === 1 ? "has" : "have"} no country code.`
    : "Every number in your contacts has its country code.";
  const proposal = !pc.country && pc.proposed
    ? ` kith proposes ${countryName(pc.proposed)}: most numbers it has seen with a country code are from there. Save to use it.`
    : pc.country ? ` Numbers written without one are read as numbers of ${countryName(pc.country)}.` : "";
  $("country-help").textContent = waiting + proposal;
}

async function loadCountry() {
  showCountry(await ask({ type: MSG.PHONE_COUNTRY }));
}

$("country-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    showCountry(await ask({ type: MSG.SET_DEFAULT_COUNTRY, country: countrySelect.value || null }));
    $("country-saved").textContent = countrySelect.value ? ` Saved: ${countryName(countrySelect.value)}.` : " Saved: no country.";
    await renderIdentity();
  } catch (err) {
    $("country-saved").textContent = ` ${/** @type {Error} */ (err).message}`;
  }
});

// Reminders: turning them on asks Chrome for the notifications permission right then (it is
// an optional permission, never granted at install); turning them off clears the alarm and
// every notification showing.
const remindersOn = /** @type {HTMLInputElement} */ ($("reminders-on"));
const remindersHour = /** @type {HTMLSelectElement} */ ($("reminders-hour"));
const hourName = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
remindersHour.replaceChildren(...Array.from({ length: 24 }, (_, h) =>
  Object.assign(document.createElement("option"), { value: String(h), textContent: hourName.format(new Date(2000, 0, 1, h)) })));

/** @param {{ enabled: boolean, hour: number, permission: boolean, next: string | null }} r */
function showReminders(r) {
  remindersOn.checked = r.enabled;
  remindersHour.value = String(r.hour);
  $("reminders-status").textContent = r.enabled && !r.permission
    ? "On, but Chrome no longer allows kith's notifications. Turn reminders off and on again, and choose Allow."
    : r.enabled && r.next
      ? `On. The next one comes ${new Intl.DateTimeFormat(undefined, { weekday: "long", hour: "numeric", minute: "2-digit" }).format(new Date(r.next))}, if anyone needs attention.`
      : "Off. kith shows no notifications.";
}

async function saveReminders() {
  const enabled = remindersOn.checked;
  try {
    if (enabled) {
      // Must run in the click's user gesture: Chrome shows its prompt here.
      const granted = await chrome.permissions.request({ permissions: ["notifications"] });
      if (!granted) {
        remindersOn.checked = false;
        $("reminders-status").textContent = "Chrome did not allow notifications, so reminders stay off. Turn them on again and choose Allow.";
        return;
      }
    }
    showReminders(await ask({ type: MSG.SET_REMINDERS, enabled, hour: Number(remindersHour.value) }));
  } catch (e) {
    // Show what the worker holds, then why the change was refused.
    await loadReminders().catch(() => {});
    $("reminders-status").textContent = /** @type {Error} */ (e).message;
  }
}
remindersOn.addEventListener("change", () => void saveReminders());
remindersHour.addEventListener("change", () => {
  if (remindersOn.checked) void saveReminders();
});

async function loadReminders() {
  showReminders(await ask({ type: MSG.REMINDERS }));
}

await Promise.all([loadSync(), renderIdentity(), loadCountry(), loadReminders()]);
// A sync pressed in the popup while this page stays open: its ledger is current when the page
// is looked at again.
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) void renderLedger().catch(() => {});
});
document.body.dataset.ready = "true";
