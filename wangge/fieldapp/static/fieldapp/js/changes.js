// The worker's changes: each is queued in the outbox with a UUID made here, and its effect is shown on
// the phone at once (and shown again after every pull until the server has it).
import { isoLocal, makeChange, predecessorOf } from "./outbox.js";
import { maskIdNumber, maskPhone } from "./mask.js";
import { getMeta, getRecord, outboxItems, putRecords, queueChange, recordKey } from "./store.js";

/** The key of the record a data field points at: "person_id": 812 or "person_ref": "<uuid>". */
export function linkKey(type, data, field, refs = {}) {
  const id = data[`${field}_id`];
  if (id != null) return recordKey(type, id);
  const ref = data[`${field}_ref`];
  if (!ref) return null;
  return refs[ref] != null ? recordKey(type, refs[ref]) : recordKey(type, null, ref);
}

/** {"id": n} or {"ref": "<uuid>"}, as payloads name other records. */
export function pointer(record) {
  return record.id != null ? { id: record.id } : { ref: record.ref };
}

function local(type, ref, data) {
  return { key: recordKey(type, null, ref), type, id: null, ref, version: 0, local: true, data };
}

function pointerFields(field, value) {
  if (!value) return { [`${field}_id`]: null };
  return value.id != null ? { [`${field}_id`]: value.id } : { [`${field}_id`]: null, [`${field}_ref`]: value.ref };
}

function masked(fields) {
  const shown = { ...fields };
  if ("phone" in shown) shown.phone = maskPhone(shown.phone);
  if ("id_number" in shown) shown.id_number = maskIdNumber(shown.id_number);
  if ("owner_phone" in shown) shown.owner_phone = maskPhone(shown.owner_phone);
  delete shown.visit;
  return shown;
}

function verificationMark(item, kind, target) {
  const data = { kind, verified_on: item.made_at.slice(0, 10), local: true };
  if (target.id != null) data[`${kind}_id`] = target.id;
  else data[`${kind}_ref`] = target.ref;
  return local("verification", item.uuid, data);
}

async function edited(target, fields) {
  let record = await getRecord(recordKey(target.type, target.id, target.ref));
  if (!record && target.ref) {
    // Created on this phone and since known to the server under its id.
    const refs = (await getMeta("refs")) || {};
    if (refs[target.ref] != null) record = await getRecord(recordKey(target.type, refs[target.ref]));
  }
  if (!record) return [];
  return [{ ...record, local: true, data: { ...record.data, ...fields } }];
}

/** The records a queued change shows on the phone before the server has answered. */
export async function localEffect(item) {
  const p = item.payload || {};
  const target = item.target;
  const me = (await getMeta("me")) || {};
  switch (item.op) {
    case "visit.record":
      return [
        local("visit", target.ref, {
          address_id: p.address.id,
          ...pointerFields("task", p.task),
          outcome: p.outcome,
          visited_at: p.visited_at,
          visitor_id: me.id ?? null,
          visitor_name: me.name || me.username || "",
          note: p.note || "",
        }),
      ];
    case "task.start":
      return edited(target, { state: "in_progress" });
    case "task.done":
      return edited(target, { state: "done" });
    case "task.cannot":
      return edited(target, { state: "cannot_be_done", cannot_reason: p.reason });
    case "person.create":
      return [
        local("person", target.ref, { ...masked(p), grid_id: p.grid.id, status: "active" }),
        verificationMark(item, "person", target),
      ];
    case "person.update":
      return [...(await edited(target, masked(p))), verificationMark(item, "person", target)];
    case "person.verify":
      return [verificationMark(item, "person", target)];
    case "person.end":
      return [...(await edited(target, { status: "deregistered" })), verificationMark(item, "person", target)];
    case "residence.create":
      return [
        local("residence", target.ref, {
          ...pointerFields("person", p.person),
          ...pointerFields("house", p.house),
          relation: p.relation,
          started_on: p.started_on,
          is_primary: p.is_primary ?? true,
          source: "collected",
        }),
      ];
    case "residence.end":
      return edited(target, { ended_on: p.on || item.made_at.slice(0, 10), end_reason: p.reason });
    case "house.update":
      return [...(await edited(target, masked(p))), verificationMark(item, "house", target)];
    case "house.verify":
      return [verificationMark(item, "house", target)];
    case "recheck.record":
      // Recording the item finishes its task on the server; the phone shows that at once.
      return edited(target, { state: "done" });
    default:
      return [];
  }
}

let announce = () => {};

/** main.js passes a function that schedules a sync and refreshes the badge. */
export function onQueued(fn) {
  announce = fn;
}

/** Queue one change: {op, target, payload, summary}. Returns the queued item. */
export async function queue({ op, target, payload, summary, baseVersion = null }) {
  const pending = (await outboxItems()).filter((item) => item.state === "pending");
  const previous = predecessorOf(pending, op, target);
  const item = makeChange({
    uuid: crypto.randomUUID(),
    seq: 0,
    op,
    target,
    payload,
    baseVersion,
    after: previous ? previous.uuid : null,
    summary,
    madeAt: isoLocal(),
  });
  const queued = await queueChange(item, await localEffect(item));
  announce();
  return queued;
}

/** After a pull replaced records, show the still-unsent changes on top of them again. */
export async function replayPending() {
  for (const item of await outboxItems()) {
    if (item.state === "pending") await putRecords(await localEffect(item));
  }
}

export function newRef() {
  return crypto.randomUUID();
}
