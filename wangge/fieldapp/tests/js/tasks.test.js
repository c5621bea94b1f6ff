import assert from "node:assert/strict";
import { test } from "node:test";

import { inCurrentShift, orderTasks, shiftAt } from "../../static/fieldapp/js/tasks.js";

const at = (hh, mm) => new Date(2026, 10, 22, hh, mm);

test("the shift running now follows the grid's hours, or the default ones", () => {
  assert.equal(shiftAt([], 1, at(9, 0)), "day");
  assert.equal(shiftAt([], 1, at(19, 0)), "night");
  assert.equal(shiftAt([], 1, at(18, 0)), "any");
  const own = [{ grid_id: 1, shift: "night", starts: "22:00", ends: "02:00" }];
  assert.equal(shiftAt(own, 1, at(23, 30)), "night");
  assert.equal(shiftAt(own, 1, at(1, 30)), "night");
  assert.equal(shiftAt(own, 2, at(23, 30)), "any");
});

test("tasks come in the server's work order: overdue, due day, priority, this shift, address", () => {
  const now = at(19, 0);
  const tasks = [
    { id: 1, due_on: "2026-11-30", priority: 2, shift: "day", grid_id: 1, code: "b" },
    { id: 2, due_on: "2026-11-30", priority: 2, shift: "night", grid_id: 1, code: "c" },
    { id: 3, due_on: "2026-11-20", priority: 3, shift: "day", grid_id: 1, code: "z" },
    { id: 4, due_on: null, priority: 1, shift: "any", grid_id: 1, code: "a" },
    { id: 5, due_on: "2026-11-30", priority: 1, shift: "day", grid_id: 1, code: "d" },
    { id: 6, due_on: "2026-11-30", priority: 2, shift: "night", grid_id: 1, code: "a" },
  ];
  const ordered = orderTasks(tasks, { now, codeOf: (task) => task.code });
  assert.deepEqual(ordered.map((task) => task.id), [3, 5, 6, 2, 1, 4]);
  assert.equal(inCurrentShift(tasks[1], [], now), true);
  assert.equal(inCurrentShift(tasks[0], [], now), false);
  assert.equal(inCurrentShift(tasks[3], [], now), true);
});
