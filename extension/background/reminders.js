// @ts-check
// Keep-in-touch reminders. Off until the user turns them on in Options, which asks Chrome for
// the optional `notifications` permission at that moment. When on, one daily alarm at the hour
// the user picked builds a digest: at most one notification a day, naming up to three people
// who need attention and why ("waiting on you 3 days"). Names and reasons only: a notification
// never holds message text (the core never has any to give). Its buttons are "Open kith" and
// "Stop these reminders"; stopping, or the switch in Options, clears the alarm and every
// notification kith has showing.

export const DIGEST_ALARM = "kith-digest";
export const DIGEST_NOTIFICATION = "kith-digest";
/** People one digest names at most. */
export const DIGEST_PEOPLE = 3;

/** @typedef {import("../pkg/kith.js").Contact} Contact */
/** @typedef {{ enabled: boolean, hour: number, lastDigestDay: string | null }} ReminderState */
/** @typedef {{ enabled: boolean, hour: number, permission: boolean, next: string | null }} ReminderSettings */

/** @param {string} name @param {string} message */
const failure = (name, message) => Object.assign(new Error(message), { name });

/** The local calendar day of a time, "2026-11-26". @param {Date} d */
const localDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** The next time the clock shows `hour`:00 locally, after `now`. @param {number} hour @param {Date} now */
export function nextDigestAt(hour, now) {
  const at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hour, 0, 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at.getTime();
}

/**
 * Who a digest names: people who need attention and may be reminded of (not snoozed, not
 * "not now", reminders not turned off for them), most in need first.
 * @param {Contact[]} contacts
 */
export function digestOf(contacts) {
  return contacts
    .filter((c) => c.attention > 0 && c.reminders && c.attentionReason)
    .sort((a, b) => b.attention - a.attention || a.name.localeCompare(b.name))
    .slice(0, DIGEST_PEOPLE);
}

/**
 * The notification for a digest: names and reasons, nothing else.
 * @param {Contact[]} people
 */
export function digestNotification(people) {
  return {
    type: /** @type {const} */ ("basic"),
    iconUrl: "/icons/icon-128.png",
    title: people.length === 1 ? "Keep in touch with 1 person" : `Keep in touch with ${people.length} people`,
    message: people.map((c) => `${c.name} — ${c.attentionReason}`).join("\n"),
    buttons: [{ title: "Open kith" }, { title: "Stop these reminders" }],
    priority: 0,
  };
}

/**
 * @param {{
 *   db: typeof import("../lib/db.js"),
 *   contacts: () => Contact[],
 *   alarms: { create: (name: string, info: { when?: number, periodInMinutes?: number }) => unknown, clear: (name: string) => unknown, get?: (name: string) => Promise<unknown> },
 *   notifications: () => (typeof chrome.notifications | undefined),
 *   hasPermission: () => Promise<boolean>,
 *   openKith: () => Promise<unknown>,
 *   now?: () => Date,
 * }} deps
 */
export function createReminders(deps) {
  const now = deps.now ?? (() => new Date());

  /** @returns {Promise<ReminderState>} */
  async function state() {
    return { enabled: false, hour: 18, lastDigestDay: null, ...(await deps.db.get("reminders")) };
  }

  /** What Options shows. @returns {Promise<ReminderSettings>} */
  async function settings() {
    const s = await state();
    return { enabled: s.enabled, hour: s.hour, permission: await deps.hasPermission(), next: s.enabled ? new Date(nextDigestAt(s.hour, now())).toISOString() : null };
  }

  /** Every notification kith has showing, gone. */
  async function clearNotifications() {
    const notifications = deps.notifications();
    if (!notifications) return;
    for (const id of Object.keys(await notifications.getAll())) await notifications.clear(id);
  }

  /**
   * Turns reminders on at `hour` (the permission must have been granted, from a click in
   * Options) or off: off clears the alarm and every notification showing.
   * @param {{ enabled: boolean, hour: number }} change
   */
  async function setSettings({ enabled, hour }) {
    if (enabled && !(await deps.hasPermission())) {
      throw failure("NotificationsNotAllowed", "Chrome has not allowed kith to show notifications. Turn reminders on again and choose Allow.");
    }
    await deps.db.put("reminders", { ...(await state()), enabled, hour });
    await deps.alarms.clear(DIGEST_ALARM);
    if (enabled) await schedule(hour);
    else await clearNotifications();
    return settings();
  }

  /**
   * The next digest, as a one-shot alarm at the chosen hour, set again after each: a repeating
   * alarm drifts after sleep and across daylight-saving changes.
   * @param {number} hour
   */
  async function schedule(hour) {
    await deps.alarms.create(DIGEST_ALARM, { when: nextDigestAt(hour, now()) });
  }

  /** At the worker's start: Chrome may drop alarms on an update or a restart, so a missing one is set again. */
  async function resume() {
    const s = await state();
    if (s.enabled && deps.alarms.get && !(await deps.alarms.get(DIGEST_ALARM))) await schedule(s.hour);
  }

  /**
   * The daily alarm: a digest, unless reminders are off (then the alarm goes too), one was
   * shown today already, or nobody needs attention. Returns whether the alarm was this one's.
   * @param {string} name
   */
  async function onAlarm(name) {
    if (name !== DIGEST_ALARM) return false;
    const s = await state();
    const notifications = deps.notifications();
    if (!s.enabled) {
      await deps.alarms.clear(DIGEST_ALARM);
      return true;
    }
    if (!notifications || !(await deps.hasPermission())) {
      // The permission was taken back in Chrome's settings: reminders are off, and Options says so.
      await deps.db.put("reminders", { ...s, enabled: false });
      await deps.alarms.clear(DIGEST_ALARM);
      return true;
    }
    const today = localDay(now());
    if (s.lastDigestDay !== today) {
      const people = digestOf(deps.contacts());
      if (people.length) await notifications.create(DIGEST_NOTIFICATION, digestNotification(people));
      await deps.db.put("reminders", { ...s, lastDigestDay: today });
    }
    await schedule(s.hour);
    return true;
  }

  /** A button of the digest: 0 opens kith, 1 stops reminders. @param {string} id @param {number} index */
  async function onButton(id, index) {
    if (id !== DIGEST_NOTIFICATION) return;
    if (index === 0) {
      await deps.notifications()?.clear(id);
      await deps.openKith();
    } else {
      await setSettings({ enabled: false, hour: (await state()).hour });
    }
  }

  /** The digest itself was clicked: open kith. @param {string} id */
  async function onClicked(id) {
    if (id !== DIGEST_NOTIFICATION) return;
    await deps.notifications()?.clear(id);
    await deps.openKith();
  }

  return { settings, setSettings, onAlarm, onButton, onClicked, resume };
}
