import assert from "node:assert/strict";
import { test } from "node:test";

import { buildCoverage, countsOf, pathTo } from "../../static/fieldapp/js/coverage.js";

// One lane, one door plate with a building of two floors (two flats each), and a single-house door plate.
function address(id, parent, level, name, code) {
  return { id, parent_id: parent, level, name, code, grid_id: 1 };
}
const addresses = [
  address(1, null, 1, "海沧路", "a"),
  address(2, 1, 2, "8号", "a1"),
  address(3, 2, 4, "1号楼", "a1b"),
  address(4, 3, 6, "3层", "a1b3"),
  address(5, 4, 7, "301室", "a1b3a"),
  address(6, 4, 7, "302室", "a1b3b"),
  address(7, 3, 6, "4层", "a1b4"),
  address(8, 7, 7, "401室", "a1b4a"),
  address(9, 7, 7, "402室", "a1b4b"),
  address(10, 1, 2, "9号", "a2"),
];
const houses = [
  { key: "house:1", address_id: 5 },
  { key: "house:2", address_id: 10 },
];
const residences = [
  { house_key: "house:1", person_key: "person:1" },
  { house_key: "house:1", person_key: "person:2" },
  { house_key: "house:2", person_key: "person:ref:new" },
];

test("every flat and every single-house door counts once, visited or not", () => {
  const coverage = buildCoverage({ addresses, houses, residences, visits: [], verifications: [] });
  assert.deepEqual(coverage.roots.map((n) => n.id), [1]);
  assert.deepEqual(countsOf(coverage.nodes.get(1)), { doors: 5, doorsLeft: 5, people: 3, peopleLeft: 3 });
  assert.deepEqual(countsOf(coverage.nodes.get(4)), { doors: 2, doorsLeft: 2, people: 2, peopleLeft: 2 });
});

test("a visit counts for its own flat only: visiting the building's door plate misses no flat", () => {
  const visits = [
    { address_id: 5, visited_at: "2026-11-22T19:00:00+08:00", outcome: "met" },
    { address_id: 2, visited_at: "2026-11-22T18:00:00+08:00", outcome: "met" },
    { address_id: 10, visited_at: "2026-11-22T18:30:00+08:00", outcome: "nobody_home" },
  ];
  const verifications = [{ kind: "person", person_key: "person:1" }, { kind: "house", house_key: "house:1" }];
  const coverage = buildCoverage({ addresses, houses, residences, visits, verifications });
  assert.deepEqual(countsOf(coverage.nodes.get(1)), { doors: 5, doorsLeft: 3, people: 3, peopleLeft: 2 });
  assert.deepEqual(countsOf(coverage.nodes.get(4)), { doors: 2, doorsLeft: 1, people: 2, peopleLeft: 1 });
  assert.deepEqual(countsOf(coverage.nodes.get(7)), { doors: 2, doorsLeft: 2, people: 0, peopleLeft: 0 });
  assert.equal(coverage.nodes.get(10).lastVisit.outcome, "nobody_home");
});

test("children come in code order and the path leads back to the lane", () => {
  const shuffled = [...addresses].reverse();
  const coverage = buildCoverage({ addresses: shuffled, houses, residences, visits: [], verifications: [] });
  assert.deepEqual(coverage.nodes.get(1).children.map((n) => n.name), ["8号", "9号"]);
  assert.deepEqual(pathTo(coverage, 8).map((n) => n.name), ["海沧路", "8号", "1号楼", "4层", "401室"]);
});

test("an address whose parent is not on the phone becomes a root instead of vanishing", () => {
  const coverage = buildCoverage({ addresses: [address(20, 999, 4, "2号楼", "z")], houses: [], residences: [], visits: [], verifications: [] });
  assert.deepEqual(coverage.roots.map((n) => n.id), [20]);
  assert.equal(countsOf(coverage.roots[0]).doorsLeft, 1);
});
