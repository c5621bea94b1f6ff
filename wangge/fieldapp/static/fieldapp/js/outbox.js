// The outbox's rules, kept free of IndexedDB and the network so they can be tested on their own
// (wangge/fieldapp/tests/js/). The protocol is docs/sync.md section 4.

export const MAX_BATCH = 100;
// Backoff after a failed push or pull (network down, 5xx): 2 s, 4 s, 8 s … at most 5 minutes.
export const FIRST_RETRY_MS = 2000;
export const MAX_RETRY_MS = 5 * 60 * 1000;

// Ops that carry a base_version when their target is a record the server knows (docs/sync.md "v").
export const VERSIONED_OPS = new Set(["person.update", "person.end", "residence.end", "house.update"]);

export function backoffDelay(failures) {
  if (failures <= 0) return 0;
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 20));
}

/** Local time with its offset, as the protocol wants: 2026-11-22T19:02:11+08:00. */
export function isoLocal(date = new Date()) {
  const pad = (n) => String(Math.abs(Math.trunc(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

export function targetKey(target) {
  return target.id != null ? `${target.type}:${target.id}` : `${target.type}:ref:${target.ref}`;
}

/**
 * A change as queued on the device. `seq` keeps the order the worker made them in. For a second edit of
 * the same record while the first is still queued, the edit was made on top of the first one, so its
 * base_version is the version the first one produces: `after` names that change and the base is filled
 * in when the first one's answer is known (baseVersionFor).
 */
export function makeChange({ uuid, seq, op, target, payload, baseVersion = null, after = null, summary, madeAt }) {
  return {
    uuid,
    seq,
    op,
    target,
    payload,
    base_version: target.id != null && VERSIONED_OPS.has(op) ? baseVersion : null,
    after,
    made_at: madeAt || isoLocal(),
    summary,
    state: "pending",
    detail: "",
    errors: null,
    conflict_id: null,
    result_version: null,
  };
}

/** The queued change an edit of `target` must follow, if any (the latest pending versioned one). */
export function predecessorOf(pending, op, target) {
  if (target.id == null || !VERSIONED_OPS.has(op)) return null;
  const key = targetKey(target);
  let found = null;
  for (const item of pending) {
    if (item.state === "pending" && VERSIONED_OPS.has(item.op) && targetKey(item.target) === key) found = item;
  }
  return found;
}

export function baseVersionFor(item, byUuid) {
  if (!item.after) return item.base_version;
  const previous = byUuid.get(item.after);
  if (!previous) return item.base_version;
  if (previous.state === "sent" && previous.result_version != null) return previous.result_version;
  // The first edit was not applied (conflict, rejected): this one was made on what the worker saw then.
  return previous.base_version ?? baseVersionFor(previous, byUuid);
}

/**
 * The next push: pending changes in order, at most MAX_BATCH, stopping before a change whose base depends
 * on the answer to a change in this same batch.
 */
export function nextBatch(items, limit = MAX_BATCH) {
  const pending = items.filter((item) => item.state === "pending").sort((a, b) => a.seq - b.seq);
  const batch = [];
  const inBatch = new Set();
  for (const item of pending) {
    if (batch.length >= limit) break;
    if (item.after && inBatch.has(item.after)) break;
    batch.push(item);
    inBatch.add(item.uuid);
  }
  return batch;
}

export function wireChange(item, byUuid) {
  return {
    uuid: item.uuid,
    op: item.op,
    target: item.target,
    base_version: item.target.id != null ? baseVersionFor(item, byUuid) : null,
    made_at: item.made_at,
    payload: item.payload,
  };
}

/**
 * The queued change after the server's answer. Final answers drop the payload (it may hold an ID number or
 * a phone in full, which the device keeps no longer than needed) and keep what the worker must read.
 */
export function settle(item, result) {
  const status = result && result.status;
  if (status === "retry" || !status) return { ...item };
  const settled = { ...item, payload: null, settled_at: isoLocal() };
  if (status === "applied") {
    settled.state = "sent";
    settled.result_version = result.target ? result.target.version ?? null : null;
    settled.result_id = result.target ? result.target.id ?? null : null;
    settled.warnings = result.warnings || [];
  } else if (status === "conflict") {
    settled.state = "conflict";
    settled.conflict_id = result.conflict_id ?? null;
    settled.detail = result.detail || "";
  } else {
    // "rejected", and "refused" (the same uuid used for another change: a bug, shown rather than hidden).
    settled.state = "rejected";
    settled.detail = result.detail || "";
    settled.errors = result.errors || null;
  }
  return settled;
}

export function pendingCount(items) {
  return items.filter((item) => item.state === "pending").length;
}
