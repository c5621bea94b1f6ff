// Push the outbox, then pull what changed (docs/sync.md sections 3, 4 and 6): on start, when the network
// returns, every minute while online, when the service worker's Background Sync fires, and on demand.
// A failed attempt is retried with backoff; nothing is dropped until the server has given a final answer.
import { ApiError, call } from "./api.js";
import { replayPending } from "./changes.js";
import { backoffDelay, isoLocal, nextBatch, settle, wireChange } from "./outbox.js";
import { normaliseItem } from "./rechecks.js";
import {
  applyPullPage,
  applyPushResult,
  getMeta,
  outboxItems,
  pruneOutbox,
  putOutboxItem,
  replaceRechecks,
  setMeta,
} from "./store.js";

const PULL_LIMIT = 500;
const RECHECK_PAGE = 100;
const PERIOD_MS = 60 * 1000;

export const status = { running: false, failures: 0, error: null, progress: 0 };

let again = false;
let retryTimer = null;
let listeners = [];
let authLost = () => {};

export function onSyncChange(fn) {
  listeners.push(fn);
}

/** main.js decides what a 401 does (wipe or ask for the password again). */
export function onAuthLost(fn) {
  authLost = fn;
}

function changed() {
  for (const fn of listeners) fn(status);
}

async function push(token) {
  for (;;) {
    const items = await outboxItems();
    const batch = nextBatch(items);
    if (!batch.length) return;
    const byUuid = new Map(items.map((item) => [item.uuid, item]));
    const changes = batch.map((item) => wireChange(item, byUuid));
    const answer = await call("sync/push", { method: "POST", token, body: { changes } });
    let retry = false;
    for (const [i, result] of (answer.results || []).entries()) {
      const item = { ...batch[i], base_version: changes[i].base_version };
      if (result.status === "retry") {
        retry = true;
        await putOutboxItem(item);
        continue;
      }
      if (result.status === "refused") console.error("sync: uuid reused for another change", item.uuid);
      await applyPushResult(settle(item, result), result);
    }
    changed();
    if (retry) throw new ApiError("server", 503);
  }
}

async function pull(token) {
  let cursor = (await getMeta("cursor")) || "";
  for (;;) {
    const query = `sync/pull?limit=${PULL_LIMIT}&cursor=${encodeURIComponent(cursor)}`;
    const page = await call(query, { token });
    await applyPullPage(page);
    status.progress += (page.records || []).length;
    changed();
    if (!page.more) break;
    cursor = page.cursor;
  }
  // The pull may have replaced records the worker changed since: show those changes again.
  await replayPending();
}

/**
 * The re-check items assigned to me, fetched whole after the pull (they are few, and not part of the pull's
 * record types: the records checked may lie outside my own grid). A server that answers 4xx (an older one
 * without the endpoint) leaves the list as it was and does not fail the sync.
 */
async function fetchRechecks(token) {
  const items = [];
  for (let page = 1; ; page += 1) {
    let answer;
    try {
      answer = await call(`rechecks/mine?page=${page}&page_size=${RECHECK_PAGE}`, { token });
    } catch (error) {
      if (error instanceof ApiError && error.kind === "client") {
        console.error("rechecks/mine", error.status);
        return;
      }
      throw error;
    }
    const list = Array.isArray(answer) ? answer : (answer && answer.items) || [];
    items.push(...list.map(normaliseItem));
    if (Array.isArray(answer) || !list.length || items.length >= (answer.count ?? 0)) break;
  }
  await replaceRechecks(items);
}

/**
 * One sync at a time, in this tab (the running flag is set before anything is awaited) and across tabs
 * (a Web Lock where the browser has one): two pushes of the same queue racing each other would let the
 * server see the changes out of order.
 */
export async function syncNow() {
  if (status.running) {
    again = true;
    return;
  }
  status.running = true;
  clearTimeout(retryTimer);
  try {
    if (navigator.locks) await navigator.locks.request("wangge-field-sync", syncOnce);
    else await syncOnce();
  } finally {
    status.running = false;
    changed();
  }
  if (again) {
    again = false;
    syncNow();
  }
}

async function syncOnce() {
  const session = await getMeta("session");
  if (!session || !session.token) return;
  status.progress = 0;
  changed();
  try {
    await push(session.token);
    await pull(session.token);
    await fetchRechecks(session.token);
    await setMeta("lastSync", isoLocal());
    await pruneOutbox();
    status.failures = 0;
    status.error = null;
  } catch (error) {
    if (error instanceof ApiError && error.kind === "auth") {
      await authLost(error.code);
      return;
    }
    status.failures += 1;
    status.error = error instanceof ApiError ? error : new ApiError("offline");
    if (!(error instanceof ApiError)) console.error(error);
    retryTimer = setTimeout(syncNow, backoffDelay(status.failures));
  }
}

export function startSyncLoop() {
  window.addEventListener("online", () => {
    status.failures = 0;
    syncNow();
  });
  setInterval(() => {
    if (navigator.onLine) syncNow();
  }, PERIOD_MS);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "sync") syncNow();
    });
  }
}

/** Ask for a Background Sync where the browser offers one (Chromium); nothing relies on it. */
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register("wangge-outbox");
  } catch {
    // Not offered, or refused: the online event and the timer still sync.
  }
}
