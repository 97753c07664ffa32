// @ts-check
// The few Chrome APIs the pages use, in one place.
import { MSG } from "./messages.js";

/** A named error from the worker, rethrown as a real Error. */
export class WorkerError extends Error {
  /** @param {string} name @param {string} message */
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

/**
 * Sends a typed message to the service worker and returns its answer.
 * @param {{ type: string } & Record<string, unknown>} message
 * @returns {Promise<any>}
 */
export async function ask(message) {
  const reply = await chrome.runtime.sendMessage(message);
  if (reply && typeof reply === "object" && "error" in reply) {
    throw new WorkerError(reply.error.name, reply.error.message);
  }
  return reply;
}

/** @returns {Promise<import("../pkg/kith.js").Contact[]>} */
export const fetchContacts = () => ask({ type: MSG.CONTACTS });

export function openOptions() {
  return chrome.runtime.openOptionsPage();
}
