// @ts-check
// IndexedDB for the worker's state: one store of named values (the engine snapshot, settings).
// It never holds message text: the snapshot is aggregates (see src/store.rs).

const DB_NAME = "kith";
const STORE = "state";

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** @template T @param {IDBTransactionMode} mode @param {(store: IDBObjectStore) => IDBRequest<T>} run @returns {Promise<T>} */
async function withStore(mode, run) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = run(tx.objectStore(STORE));
      // Resolve on commit, not on the request: a write is durable only once its transaction is.
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** @param {string} key */
export const get = (key) => withStore("readonly", (s) => s.get(key));
/** @param {string} key @param {unknown} value */
export const put = (key, value) => withStore("readwrite", (s) => s.put(value, key));
export const clear = () => withStore("readwrite", (s) => s.clear());
/** Every key and value, for export and for tests that prove what is stored. */
export async function dump() {
  const keys = await withStore("readonly", (s) => s.getAllKeys());
  const values = await withStore("readonly", (s) => s.getAll());
  return keys.map((k, i) => [String(k), values[i]]);
}
