import assert from "node:assert/strict";
import { test } from "node:test";

import { makeChange, nextBatch, settle, wireChange } from "../../static/fieldapp/js/outbox.js";
import {
  findingErrors,
  itemState,
  normaliseItem,
  openItems,
  recheckChange,
  recheckPayload,
  verdictCounts,
  verdictsFor,
  withRechecks,
} from "../../static/fieldapp/js/rechecks.js";

const person = normaliseItem({
  id: 7,
  kind: "person",
  state: "pending",
  task_id: 70,
  grid_id: 3,
  address_text: "海沧路8号1号楼301室",
  title: "张三",
  due_on: "2026-11-30",
  fields: [
    { field: "name", label: "姓名", value: "张三" },
    { field: "phone", label: "电话", value: "138****0001" },
    { field: "category", label: "人员类别", value: "migrant" },
    { field: "rooms", label: "房间数", value: 2 },
  ],
});

let seq = 0;
function queued(change, state = "pending") {
  seq += 1;
  const item = makeChange({ uuid: `u-${seq}`, seq, ...change, summary: "x" });
  return state === "pending" ? item : { ...settle(item, { status: state === "sent" ? "applied" : state }), state };
}

test("an item from the server keeps its fields in order, missing parts filled in", () => {
  assert.deepEqual(
    person.fields.map((f) => f.field),
    ["name", "phone", "category", "rooms"],
  );
  const bare = normaliseItem({
    id: 9,
    fields: [
      { field: "use", value: "dwelling", display: "住宅", choices: [["dwelling", "住宅"]] },
      { field: "residents", value: null, correctable: false },
    ],
  });
  assert.equal(bare.state, "pending");
  assert.equal(bare.task_id, null);
  assert.deepEqual(bare.fields, [
    { field: "use", label: "", value: "dwelling", display: "住宅", correctable: true, choices: [["dwelling", "住宅"]] },
    { field: "residents", label: "", value: "", display: "", correctable: false, choices: null },
  ]);
  assert.deepEqual(verdictsFor(bare.fields[0]), ["right", "wrong", "corrected"]);
  assert.deepEqual(verdictsFor(bare.fields[1]), ["right", "wrong"]);
  // Where someone lives cannot be corrected from a re-check: wrong, with what was found, or right.
  assert.deepEqual(findingErrors(bare, { use: { verdict: "right" }, residents: { verdict: "corrected", value: "2" } }), {
    residents: "recheck.not_correctable",
  });
  assert.deepEqual(findingErrors(bare, { use: { verdict: "right" }, residents: { verdict: "wrong", value: "2" } }), {});
});

test("every field needs a verdict; a corrected one needs the value found, a wrong one may go without", () => {
  assert.deepEqual(findingErrors(person, {}), {
    name: "recheck.verdict_required",
    phone: "recheck.verdict_required",
    category: "recheck.verdict_required",
    rooms: "recheck.verdict_required",
  });
  const findings = {
    name: { verdict: "right", value: "ignored" },
    phone: { verdict: "wrong", value: "" },
    category: { verdict: "corrected", value: "  " },
    rooms: { verdict: "corrected", value: "2.5" },
  };
  assert.deepEqual(findingErrors(person, findings), {
    category: "recheck.value_required",
    rooms: "recheck.value_integer",
  });
  findings.category.value = "registered";
  findings.rooms.value = "3";
  findings.phone.value = "x".repeat(501);
  assert.deepEqual(findingErrors(person, findings), { phone: "recheck.value_too_long" });
  findings.phone.value = "13912345678";
  assert.deepEqual(findingErrors(person, findings), {});
  assert.deepEqual(findingErrors(person, { ...findings, name: { verdict: "maybe" } }), { name: "recheck.verdict_required" });
});

test("the change targets the item's task and carries one finding per field, a right one without a value", () => {
  const findings = {
    name: { verdict: "right", value: "张三丰" },
    phone: { verdict: "wrong", value: " 13912345678 " },
    category: { verdict: "corrected", value: "registered" },
    rooms: { verdict: "right", value: "" },
  };
  const change = recheckChange(person, findings, "  本人在家 ");
  assert.equal(change.op, "recheck.record");
  assert.deepEqual(change.target, { type: "task", id: 70 });
  assert.deepEqual(change.payload, {
    item: 7,
    findings: [
      { field: "name", verdict: "right", value: "" },
      { field: "phone", verdict: "wrong", value: "13912345678" },
      { field: "category", verdict: "corrected", value: "registered" },
      { field: "rooms", verdict: "right", value: "" },
    ],
    note: "本人在家",
  });
  assert.deepEqual(verdictCounts(change.payload), { right: 2, wrong: 1, corrected: 1 });
  assert.deepEqual(recheckPayload(person, findings).note, "");
});

test("queued like any change: no base version, sent once in order with the others", () => {
  const findings = Object.fromEntries(person.fields.map((f) => [f.field, { verdict: "right" }]));
  const visit = queued({ op: "visit.record", target: { type: "visit", ref: "v1" }, payload: {} });
  const recheck = queued({ ...recheckChange(person, findings), baseVersion: 4 });
  assert.equal(recheck.base_version, null);
  assert.deepEqual(nextBatch([recheck, visit]).map((i) => i.uuid), [visit.uuid, recheck.uuid]);
  assert.equal(wireChange(recheck, new Map()).base_version, null);
  const sent = settle(recheck, { status: "applied", target: { type: "task", id: 70, version: 3 } });
  assert.equal(sent.payload, null);
  assert.deepEqual(sent.target, { type: "task", id: 70 });
});

test("an item is open until recorded here; a rejected recording opens it again", () => {
  const findings = Object.fromEntries(person.fields.map((f) => [f.field, { verdict: "right" }]));
  const other = normaliseItem({ id: 8, task_id: 80, fields: [] });
  const items = [person, other];
  assert.equal(itemState(person, [], items), "open");

  const pending = queued(recheckChange(person, findings));
  assert.equal(itemState(person, [pending], items), "queued");
  assert.equal(itemState(other, [pending], items), "open");
  assert.deepEqual(openItems(items, [pending]).map((i) => i.id), [8]);

  // Once answered the payload is gone: the task (the target) still tells which item it was.
  const sent = queued(recheckChange(person, findings), "sent");
  assert.equal(sent.payload, null);
  assert.equal(itemState(person, [sent], items), "sent");

  const rejected = queued(recheckChange(person, findings), "rejected");
  assert.equal(itemState(person, [rejected], items), "open");

  const done = normaliseItem({ id: 9, state: "done", fields: [] });
  assert.equal(itemState(done, [], [done]), "done");
});

test("the task list links a re-check task to its item and lists items whose task the phone lacks", () => {
  const findings = Object.fromEntries(person.fields.map((f) => [f.field, { verdict: "right" }]));
  const visitTask = { id: 1, kind: "visit_address", state: "open" };
  const recheckTask = { id: 70, kind: "recheck", state: "open", due_on: "2026-11-30" };
  const lonely = normaliseItem({ id: 8, task_id: 80, kind: "house", title: "HC-1", due_on: "2026-11-29", fields: [] });
  const shown = withRechecks([visitTask, recheckTask], [person, lonely], []);
  assert.deepEqual(
    shown.map((t) => [t.id, t.recheck ? t.recheck.id : null]),
    [
      [1, null],
      [70, 7],
      [null, 8],
    ],
  );
  assert.equal(shown[2].kind, "recheck");
  assert.equal(shown[2].due_on, "2026-11-29");

  // Recorded on the phone: both the task and the item leave the list at once.
  const pending = queued(recheckChange(person, findings));
  assert.deepEqual(
    withRechecks([visitTask, recheckTask], [person, lonely], [pending]).map((t) => t.id),
    [1, null],
  );
});
