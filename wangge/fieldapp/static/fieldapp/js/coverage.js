// The coverage tree computed on the phone from the synced records: for every address, how many
// doors under it are not yet visited this month and how many people living there are not yet verified.
//
// A door is an address with no address below it (a flat, or a door plate with no buildings): that is where
// one knocks. A door counts as visited when a visit was recorded at that very address, so a visit to a
// building's door plate never hides a flat on the fourth floor. A person counts as verified when a
// verification mark of this month names them; people are counted at the address of the house they live in.

/**
 * addresses: {id, parent_id, level, name, code, grid_id}; houses: {key, address_id};
 * residences: {house_key, person_key}; visits: {address_id, visited_at, outcome};
 * verifications: {kind, person_key}. Keys are the device's record keys ("person:812", "person:ref:<uuid>").
 */
export function buildCoverage({ addresses, houses, residences, visits, verifications }) {
  const nodes = new Map();
  for (const address of addresses) {
    nodes.set(address.id, {
      id: address.id,
      level: address.level,
      name: address.name,
      code: address.code || "",
      gridId: address.grid_id,
      parentId: address.parent_id,
      children: [],
      lastVisit: null,
      doors: 0,
      doorsLeft: 0,
      people: 0,
      peopleLeft: 0,
    });
  }
  const roots = [];
  for (const node of nodes.values()) {
    const parent = node.parentId != null ? nodes.get(node.parentId) : null;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }

  for (const visit of visits) {
    const node = nodes.get(visit.address_id);
    if (node && (!node.lastVisit || String(visit.visited_at) > String(node.lastVisit.visited_at))) {
      node.lastVisit = visit;
    }
  }

  const verified = new Set(
    verifications.filter((mark) => mark.kind === "person").map((mark) => String(mark.person_key)),
  );
  // Each person counts once under every address above where they live, even with two residences there:
  // collect the addresses per person, then count (cheaper than merging sets up the tree).
  const houseAddress = new Map(houses.map((house) => [String(house.key), house.address_id]));
  const placesOf = new Map();
  for (const residence of residences) {
    const person = String(residence.person_key);
    if (!placesOf.has(person)) placesOf.set(person, new Set());
    const places = placesOf.get(person);
    for (let node = nodes.get(houseAddress.get(String(residence.house_key))); node && !places.has(node); ) {
      places.add(node);
      node = node.parentId != null ? nodes.get(node.parentId) : null;
    }
  }
  for (const [person, places] of placesOf) {
    const left = verified.has(person) ? 0 : 1;
    for (const node of places) {
      node.people += 1;
      node.peopleLeft += left;
    }
  }

  const byCode = (a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.id - b.id);
  const total = (node) => {
    node.children.sort(byCode);
    if (!node.children.length) {
      node.doors = 1;
      node.doorsLeft = node.lastVisit ? 0 : 1;
    }
    for (const child of node.children) {
      total(child);
      node.doors += child.doors;
      node.doorsLeft += child.doorsLeft;
    }
  };
  roots.sort(byCode);
  for (const root of roots) total(root);
  return { roots, nodes };
}

/** The counts a screen shows for a node. */
export function countsOf(node) {
  return {
    doors: node.doors,
    doorsLeft: node.doorsLeft,
    people: node.people,
    peopleLeft: node.peopleLeft,
  };
}

/** From the root down to the node: the trail a worker walked. */
export function pathTo(coverage, id) {
  const trail = [];
  let node = coverage.nodes.get(id);
  while (node) {
    trail.unshift(node);
    node = node.parentId != null ? coverage.nodes.get(node.parentId) : null;
  }
  return trail;
}
