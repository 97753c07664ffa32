// @ts-check
// WhatsApp Web content script (a classic script: content scripts cannot be ES modules).
// Reads ONLY metadata attributes of message rows: `data-id`, `data-pre-plain-text` on the
// `.copyable-text` element, the row's `message-in` / `message-out` class, and the open chat's
// title attribute. It never reads a text node, textContent, innerText or innerHTML of a
// message, so message text cannot reach the extension from here (privacy invariant P4).
(() => {
  const SEND_AFTER_MS = 400;
  const MAX_BATCH = 500;
  /** @type {Set<string>} */
  const sent = new Set();
  /** @type {Array<{ chat: string, id: string, direction: "in" | "out", header: string }>} */
  let queue = [];
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  function chatTitle() {
    return document.querySelector("#main header span[title]")?.getAttribute("title") ?? "";
  }

  /** @param {Element} row */
  function eventOf(row) {
    const id = row.getAttribute("data-id") ?? "";
    if (!/^(true|false)_/.test(id) || sent.has(id)) return null;
    const header = row.querySelector(".copyable-text[data-pre-plain-text]")?.getAttribute("data-pre-plain-text") ?? "";
    const chat = chatTitle();
    if (!header || !chat) return null;
    const marked = row.matches(".message-out, .message-in") ? row : row.querySelector(".message-out, .message-in");
    const direction = marked ? (marked.classList.contains("message-out") ? "out" : "in") : id.startsWith("true_") ? "out" : "in";
    sent.add(id);
    return { chat, id, direction: /** @type {"in" | "out"} */ (direction), header };
  }

  /** @param {ParentNode} root */
  function scan(root) {
    const rows = root instanceof Element && root.hasAttribute("data-id") ? [root] : [];
    rows.push(...root.querySelectorAll("[data-id]"));
    for (const row of rows) {
      const event = eventOf(row);
      if (event) queue.push(event);
    }
    if (queue.length && timer === undefined) timer = setTimeout(flush, SEND_AFTER_MS);
  }

  function flush() {
    timer = undefined;
    while (queue.length) {
      const events = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      chrome.runtime.sendMessage({ type: "kith/live-events", events }).catch(() => {
        // The extension was reloaded or its worker is restarting: forget these ids so the
        // rows are sent again when they are next seen.
        for (const e of events) sent.delete(e.id);
      });
    }
  }

  new MutationObserver((mutations) => {
    for (const m of mutations) {
      for (const node of m.addedNodes) {
        if (node instanceof Element) scan(node);
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  scan(document);
})();
