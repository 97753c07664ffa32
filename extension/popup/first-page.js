// @ts-check
// Runs first, as the popup's <head> is read: asks the service worker for the first screenful
// (and reads the rows a stopped worker kept in session storage) before the page's module has
// loaded, so the answer travels while the rest of the page is parsed and popup.js starts.
// A classic script, so it can run this early; popup.js takes the two promises from here.
// Message checks are the worker's, as for every message (lib/messages.js).
Object.assign(globalThis, {
  kithFirstPage: chrome.runtime.sendMessage({ type: "kith/first-page", limit: 20 }),
  kithKeptPage: chrome.storage.session.get("kith.firstPage"),
});
