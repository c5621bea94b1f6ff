// The synced grid as the screens read it: records flattened to {key, id, ref, version, local, …data},
// references resolved to record keys, ended residences and finished tasks left out.
import { linkKey } from "./changes.js";
import { buildCoverage } from "./coverage.js";
import { getMeta, recordsOf } from "./store.js";
import { OPEN_STATES } from "./tasks.js";

function flat(record) {
  return { ...record.data, key: record.key, id: record.id, ref: record.ref, version: record.version, local: !!record.local };
}

export async function snapshot() {
  const [addresses, houses, people, residences, tasks, visits, verifications, refs] = await Promise.all([
    recordsOf("address"),
    recordsOf("house"),
    recordsOf("person"),
    recordsOf("residence"),
    recordsOf("task"),
    recordsOf("visit"),
    recordsOf("verification"),
    getMeta("refs"),
  ]);
  const known = refs || {};
  const link = (type, data, field) => linkKey(type, data, field, known);
  const grid = {
    addresses: addresses.map(flat),
    houses: houses.map(flat),
    people: new Map(people.map((r) => [r.key, flat(r)])),
    residences: residences
      .map((r) => ({ ...flat(r), house_key: link("house", r.data, "house"), person_key: link("person", r.data, "person") }))
      .filter((r) => !r.ended_on),
    tasks: tasks.map(flat).filter((task) => OPEN_STATES.has(task.state)),
    visits: visits.map(flat),
    verifications: verifications.map((r) => ({
      ...flat(r),
      person_key: r.data.kind === "person" ? link("person", r.data, "person") : null,
      house_key: r.data.kind === "house" ? link("house", r.data, "house") : null,
    })),
  };
  grid.addressById = new Map(grid.addresses.map((a) => [a.id, a]));
  grid.houseByKey = new Map(grid.houses.map((house) => [house.key, house]));
  grid.coverage = buildCoverage(grid);
  return grid;
}

export function housesAt(grid, addressId) {
  return grid.houses.filter((house) => house.address_id === addressId);
}

export function residentsOf(grid, houseKey) {
  return grid.residences
    .filter((r) => r.house_key === houseKey)
    .map((r) => ({ residence: r, person: grid.people.get(r.person_key) }))
    .filter((pair) => pair.person && pair.person.status !== "deregistered");
}

export function isVerified(grid, kind, key) {
  return grid.verifications.some((mark) => mark.kind === kind && mark[`${kind}_key`] === key);
}

export function visitsAt(grid, addressId) {
  return grid.visits
    .filter((visit) => visit.address_id === addressId)
    .sort((a, b) => (String(a.visited_at) < String(b.visited_at) ? 1 : -1));
}
