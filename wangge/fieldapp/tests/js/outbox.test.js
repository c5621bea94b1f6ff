import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_BATCH,
  backoffDelay,
  baseVersionFor,
  isoLocal,
  makeChange,
  nextBatch,
  pendingCount,
  predecessorOf,
  settle,
  wireChange,
} from "../../static/fieldapp/js/outbox.js";

let seq = 0;
function change(op, target, extra = {}) {
  seq += 1;
  return makeChange({ uuid: `u-${seq}`, seq, op, target, payload: { note: "x" }, summary: op, ...extra });
}

test("a change carries its uuid, op, target, made_at with a zone, and starts pending", () => {
  const item = change("visit.record", { type: "visit", ref: "r1" });
  assert.equal(item.state, "pending");
  assert.match(item.made_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.equal(item.base_version, null);
  const wire = wireChange(item, new Map());
  assert.deepEqual(Object.keys(wire).sort(), ["base_version", "made_at", "op", "payload", "target", "uuid"]);
});

test("only versioned ops on known records send a base_version", () => {
  assert.equal(change("person.update", { type: "person", id: 5 }, { baseVersion: 3 }).base_version, 3);
  assert.equal(change("person.update", { type: "person", ref: "p" }, { baseVersion: 3 }).base_version, null);
  assert.equal(change("person.verify", { type: "person", id: 5 }, { baseVersion: 3 }).base_version, null);
});

test("a second edit of the same record is based on the version the first one produced", () => {
  const first = change("person.update", { type: "person", id: 5 }, { baseVersion: 3 });
  assert.equal(predecessorOf([first], "person.update", { type: "person", id: 5 }), first);
  assert.equal(predecessorOf([first], "person.update", { type: "person", id: 6 }), null);
  assert.equal(predecessorOf([first], "person.verify", { type: "person", id: 5 }), null);
  const second = change("person.update", { type: "person", id: 5 }, { baseVersion: 3, after: first.uuid });

  // Both queued: the second waits for the first's answer, it is not in the same push.
  assert.deepEqual(nextBatch([second, first]).map((i) => i.uuid), [first.uuid]);

  const applied = settle(first, { status: "applied", target: { type: "person", id: 5, version: 4 }, records: [] });
  const byUuid = new Map([[applied.uuid, applied], [second.uuid, second]]);
  assert.deepEqual(nextBatch([applied, second]).map((i) => i.uuid), [second.uuid]);
  assert.equal(wireChange(second, byUuid).base_version, 4);

  // Had the first one been a conflict, the second was still made on what the worker saw: version 3.
  const conflicted = settle(first, { status: "conflict", conflict_id: 9, detail: "改了" });
  assert.equal(baseVersionFor(second, new Map([[conflicted.uuid, conflicted]])), 3);
});

test("a push holds at most 100 changes, in the order they were made", () => {
  const items = [];
  for (let i = 0; i < MAX_BATCH + 20; i += 1) items.push(change("visit.record", { type: "visit", ref: `r${i}` }));
  const batch = nextBatch([...items].reverse());
  assert.equal(batch.length, MAX_BATCH);
  assert.deepEqual(batch.map((i) => i.seq), items.slice(0, MAX_BATCH).map((i) => i.seq));
});

test("answers settle a change: sent, conflict, rejected with the server's words; retry keeps it pending", () => {
  const item = change("person.update", { type: "person", id: 5 }, { baseVersion: 1 });
  const sent = settle(item, { status: "applied", duplicate: true, target: { type: "person", id: 5, version: 2 } });
  assert.equal(sent.state, "sent");
  assert.equal(sent.payload, null, "the payload (maybe a full phone number) does not outlive the answer");
  const conflict = settle(item, { status: "conflict", conflict_id: 17, detail: "记录已被他人修改" });
  assert.equal(conflict.state, "conflict");
  assert.equal(conflict.conflict_id, 17);
  const rejected = settle(item, { status: "rejected", code: 422, detail: "证件号码：校验位不对。", errors: { id_number: ["校验位不对。"] } });
  assert.equal(rejected.state, "rejected");
  assert.deepEqual(rejected.errors, { id_number: ["校验位不对。"] });
  assert.equal(settle(item, { status: "refused", code: 409, detail: "已用于另一项" }).state, "rejected");
  const retry = settle(item, { status: "retry" });
  assert.equal(retry.state, "pending");
  assert.deepEqual(retry.payload, item.payload);
  assert.equal(pendingCount([sent, conflict, rejected, retry]), 1);
  assert.deepEqual(nextBatch([sent, conflict, rejected, retry]).map((i) => i.uuid), [item.uuid]);
});

test("backoff doubles from 2 s and stops at 5 minutes", () => {
  assert.deepEqual([0, 1, 2, 3, 4].map(backoffDelay), [0, 2000, 4000, 8000, 16000]);
  assert.equal(backoffDelay(50), 5 * 60 * 1000);
});

test("times are local with their offset", () => {
  const date = new Date(2026, 10, 22, 19, 2, 11);
  const text = isoLocal(date);
  assert.equal(new Date(text).getTime(), date.getTime());
  assert.ok(text.startsWith("2026-11-22T19:02:11"));
});
