// Everything the app keeps on the phone, in IndexedDB (through idb):
//   records  the worker's grid as the last pull left it, plus the app's own not-yet-sent edits,
//            keyed "type:id" ("type:ref:<uuid>" for a record created on the phone)
//   outbox   every change the worker made, in order, with its state (pending / sent / conflict / rejected)
//   meta     session (token, user), the sync cursor, the last successful sync, refs → ids, shifts
//   rechecks the re-check items assigned to this worker (GET /api/v1/rechecks/mine), replaced on each sync
// The device id is not personal and outlives a logout, so it sits in localStorage.
// idb from npm, served by Django under static vendor/ (a relative path rather than an import map, which
// older phone browsers lack).
import { deleteDB, openDB } from "../../vendor/idb/build/index.js";

export const DB_NAME = "wangge-field";
const DEVICE_KEY = "wangge-field-device";
// Bumped with each new store; upgrade() runs every step above the version the phone already has, so a phone
// with a queue of unsent changes keeps it across an app update.
const DB_VERSION = 2;

let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore("records", { keyPath: "key" }).createIndex("type", "type");
          database.createObjectStore("outbox", { keyPath: "uuid" }).createIndex("seq", "seq", { unique: true });
          database.createObjectStore("meta");
        }
        if (oldVersion < 2) database.createObjectStore("rechecks", { keyPath: "id" });
      },
      blocking() {
        // Another tab is wiping the database: let it.
        dbPromise.then((database) => database.close());
        dbPromise = null;
      },
    });
  }
  return dbPromise;
}

export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

export function recordKey(type, id, ref) {
  return id != null ? `${type}:${id}` : `${type}:ref:${ref}`;
}

export async function getMeta(key) {
  return (await db()).get("meta", key);
}

export async function setMeta(key, value) {
  return (await db()).put("meta", value, key);
}

export async function getRecord(key) {
  return (await db()).get("records", key);
}

export async function recordsOf(type) {
  return (await db()).getAllFromIndex("records", "type", type);
}

async function upsert(store, record) {
  const key = recordKey(record.type, record.id);
  const existing = await store.get(key);
  // A duplicate push answer may carry an old snapshot: never step back to a lower version.
  if (existing && existing.version > record.version) return;
  await store.put({ key, type: record.type, id: record.id, ref: null, version: record.version, data: record.data });
}

/** One pull page: records, removals and the new cursor in one transaction (docs/sync.md section 3). */
export async function applyPullPage(page) {
  const tx = (await db()).transaction(["records", "meta"], "readwrite");
  const records = tx.objectStore("records");
  if (page.reset) await records.clear();
  for (const record of page.records || []) await upsert(records, record);
  for (const gone of page.removed || []) await records.delete(recordKey(gone.type, gone.id));
  const meta = tx.objectStore("meta");
  await meta.put(page.cursor, "cursor");
  if (page.me) await meta.put(page.me, "me");
  if (page.shifts) await meta.put(page.shifts, "shifts");
  if (page.current_shift) await meta.put(page.current_shift, "current_shift");
  if (page.server_time) await meta.put(page.server_time, "server_time");
  await tx.done;
}

/** What a push answer teaches: the records it sent back, and the server id of a record made offline. */
export async function applyPushResult(item, result) {
  const tx = (await db()).transaction(["records", "outbox", "meta"], "readwrite");
  const records = tx.objectStore("records");
  for (const record of result.records || []) await upsert(records, record);
  const target = result.target;
  if (result.status === "applied" && target && target.ref && target.id != null) {
    await records.delete(recordKey(target.type, null, target.ref));
    const meta = tx.objectStore("meta");
    const refs = (await meta.get("refs")) || {};
    refs[target.ref] = target.id;
    await meta.put(refs, "refs");
  }
  await tx.objectStore("outbox").put(item);
  await tx.done;
}

/** Queue a change (numbered after the last one) and show its effect at once, or neither. */
export async function queueChange(item, localRecords) {
  const tx = (await db()).transaction(["records", "outbox"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const last = await outbox.index("seq").openCursor(null, "prev");
  const queued = { ...item, seq: last ? last.value.seq + 1 : 1 };
  await outbox.add(queued);
  for (const record of localRecords) await tx.objectStore("records").put(record);
  await tx.done;
  return queued;
}

export async function putRecords(localRecords) {
  const tx = (await db()).transaction("records", "readwrite");
  for (const record of localRecords) await tx.store.put(record);
  await tx.done;
}

export async function outboxItems() {
  return (await db()).getAllFromIndex("outbox", "seq");
}

/** Answered changes stay on show for a while, then go: the outbox must not grow for ever. */
export async function pruneOutbox(keepDays = 14) {
  const cutoff = Date.now() - keepDays * 24 * 3600 * 1000;
  const tx = (await db()).transaction("outbox", "readwrite");
  for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
    const item = cursor.value;
    if (item.state !== "pending" && item.settled_at && Date.parse(item.settled_at) < cutoff) await cursor.delete();
  }
  await tx.done;
}

export async function putOutboxItem(item) {
  return (await db()).put("outbox", item);
}

/** The worker's re-check items as the server listed them just now (the list is whole: what left it is gone). */
export async function replaceRechecks(items) {
  const tx = (await db()).transaction("rechecks", "readwrite");
  await tx.store.clear();
  for (const item of items) await tx.store.put(item);
  await tx.done;
}

export async function rechecksAll() {
  return (await db()).getAll("rechecks");
}

export async function getRecheck(id) {
  return (await db()).get("rechecks", id);
}

/** Logging out, a disabled account, another user: nothing of this user stays on the phone. */
export async function wipe() {
  if (dbPromise) {
    (await dbPromise).close();
    dbPromise = null;
  }
  await deleteDB(DB_NAME);
  if (self.caches) {
    // The service worker's shell cache holds no personal data; anything else cached goes.
    for (const name of await caches.keys()) {
      if (!name.startsWith("wangge-field-shell-")) await caches.delete(name);
    }
  }
}
