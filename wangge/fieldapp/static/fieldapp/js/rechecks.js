// Re-checks (抽查核实, docs/rechecks.md): a sampled person or house checked again, field by field, by a worker
// other than its collector. The items come from GET /api/v1/rechecks/mine on every sync; the verdicts go out
// as one `recheck.record` change through the outbox like every other change. Kept free of IndexedDB and the
// DOM so the rules can be tested on their own (wangge/fieldapp/tests/js/rechecks.test.js).

export const VERDICTS = ["right", "wrong", "corrected"];
export const OP = "recheck.record";
// A finding's found value is at most this long on the server (RecheckFinding.found_value).
export const MAX_VALUE = 500;
export const MAX_NOTE = 500;

// How the found value is typed for fields with a fixed set of values or a shape (a select, a number, a day);
// any other field is free text. `group` is the dictionary group that names the values (ui.js label()).
export const FIELD_INPUTS = {
  sex: { group: "sex", choices: ["male", "female"] },
  category: { group: "category", choices: ["registered", "migrant", "overseas", "unsettled"] },
  relation: { group: "relation", choices: ["tenant", "owner", "family", "staff_dormitory", "lodger"] },
  use: { group: "use", choices: ["dwelling", "shop", "factory", "dormitory", "office", "mixed", "other"] },
  rental_status: { group: "rental", choices: ["owner_occupied", "rented", "partly_rented", "empty", "lent", "other"] },
  birth_date: { type: "date" },
  rooms: { type: "number", integer: true },
  residents: { type: "number", integer: true },
  floor_area: { type: "number" },
  phone: { type: "tel" },
};

/** An item as the screens use it, whatever optional parts the server left out. */
export function normaliseItem(raw) {
  const fields = (raw.fields || []).map((f) => ({
    field: String(f.field),
    label: f.label || "",
    value: f.value ?? "",
    display: f.display || "",
    // Where a person lives, how many live in a house: wrong or right, never corrected on the spot.
    correctable: f.correctable !== false,
    choices: Array.isArray(f.choices) ? f.choices.map(([code, text]) => [String(code), String(text)]) : null,
  }));
  return {
    id: raw.id,
    kind: raw.kind || "",
    state: raw.state || "pending",
    task_id: raw.task_id ?? null,
    grid_id: raw.grid_id ?? null,
    grid_name: raw.grid_name || "",
    address_id: raw.address_id ?? null,
    address_text: raw.address_text || "",
    title: raw.title || "",
    due_on: raw.due_on || null,
    round_name: raw.round_name || "",
    fields,
  };
}

/** The item a queued change records: the item id while the payload is kept, else its task (the target). */
function recordedItemIds(outbox, items) {
  const byTask = new Map(items.filter((i) => i.task_id != null).map((i) => [i.task_id, i.id]));
  const ids = new Map();
  for (const change of outbox) {
    if (change.op !== OP || change.state === "rejected") continue;
    const id = change.payload && change.payload.item != null ? change.payload.item : byTask.get(change.target && change.target.id);
    if (id != null) ids.set(id, change.state);
  }
  return ids;
}

/** The verdicts a field offers: 对 / 错 / 已更正, or only 对 / 错 where it cannot be corrected here. */
export function verdictsFor(entry) {
  return entry.correctable === false ? VERDICTS.filter((v) => v !== "corrected") : VERDICTS;
}

/**
 * Where an item stands on this phone: "open" (to be checked), "queued" (recorded here, not sent yet), "sent"
 * (the server has it; the next fetch drops it) or the server's own state when it is not pending. A rejected
 * change leaves the item open, so the worker can record it again after reading why.
 */
export function itemState(item, outbox, items = [item]) {
  const local = recordedItemIds(outbox, items).get(item.id);
  if (local === "pending") return "queued";
  if (local) return "sent";
  return item.state === "pending" ? "open" : item.state;
}

export function openItems(items, outbox) {
  return items.filter((item) => itemState(item, outbox, items) === "open");
}

/**
 * The task list with re-checks: a re-check task is linked to its item (the list opens the re-check screen),
 * an open item whose task the phone does not hold is listed on its own, and a task whose item is already
 * recorded here leaves the list.
 */
export function withRechecks(tasks, items, outbox) {
  const states = new Map(items.map((item) => [item.id, itemState(item, outbox, items)]));
  const byTask = new Map(items.filter((i) => i.task_id != null).map((i) => [i.task_id, i]));
  const shown = [];
  const linked = new Set();
  for (const task of tasks) {
    const item = byTask.get(task.id);
    if (item) {
      linked.add(item.id);
      if (states.get(item.id) !== "open") continue;
      shown.push({ ...task, recheck: item });
    } else {
      shown.push(task);
    }
  }
  for (const item of items) {
    if (linked.has(item.id) || states.get(item.id) !== "open") continue;
    shown.push({
      id: null,
      kind: "recheck",
      state: "open",
      grid_id: item.grid_id,
      address_id: item.address_id,
      address_text: item.address_text,
      due_on: item.due_on,
      priority: 2,
      shift: "any",
      recheck: item,
    });
  }
  return shown;
}

/**
 * What is missing before the verdicts can go: a verdict on every field, and the value found for a field that
 * was corrected (it is written to the register). For a wrong field the value is asked for but may stay empty:
 * the checker may see that a number is wrong without being shown the right one. Returns {field: dictionary
 * key} (empty when all is well).
 */
export function findingErrors(item, findings) {
  const errors = {};
  for (const { field, correctable } of item.fields) {
    const finding = findings[field];
    if (!finding || !VERDICTS.includes(finding.verdict)) {
      errors[field] = "recheck.verdict_required";
      continue;
    }
    if (finding.verdict === "corrected" && !correctable) {
      errors[field] = "recheck.not_correctable";
      continue;
    }
    const value = String(finding.value ?? "").trim();
    if (finding.verdict === "right") continue;
    if (!value) {
      if (finding.verdict === "corrected") errors[field] = "recheck.value_required";
    } else if (value.length > MAX_VALUE) errors[field] = "recheck.value_too_long";
    else if (FIELD_INPUTS[field] && FIELD_INPUTS[field].integer && !/^\d+$/.test(value)) errors[field] = "recheck.value_integer";
    else if (FIELD_INPUTS[field] && FIELD_INPUTS[field].type === "number" && !Number.isFinite(Number(value))) {
      errors[field] = "recheck.value_number";
    }
  }
  return errors;
}

/** The change's payload (docs/sync.md, recheck.record): one finding per field, in the item's order. */
export function recheckPayload(item, findings, note = "") {
  return {
    item: item.id,
    findings: item.fields.map(({ field }) => {
      const finding = findings[field];
      const value = finding.verdict === "right" ? "" : String(finding.value ?? "").trim();
      return { field, verdict: finding.verdict, value };
    }),
    note: String(note || "").trim().slice(0, MAX_NOTE),
  };
}

/** The change as queued: the item's task is the target (a record the phone and the protocol know). */
export function recheckChange(item, findings, note = "") {
  return { op: OP, target: { type: "task", id: item.task_id }, payload: recheckPayload(item, findings, note) };
}

/** "3 对 · 1 错" as counts per verdict, for the outbox summary. */
export function verdictCounts(payload) {
  const counts = { right: 0, wrong: 0, corrected: 0 };
  for (const finding of payload.findings) counts[finding.verdict] += 1;
  return counts;
}
