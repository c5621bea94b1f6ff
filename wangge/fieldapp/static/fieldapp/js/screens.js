// The screens. Each takes the route's parameters and returns {title, tab, back, body}; main.js frames it.
import { newRef, pointer, queue } from "./changes.js";
import { countsOf, pathTo } from "./coverage.js";
import { housesAt, isVerified, residentsOf, snapshot, visitsAt } from "./data.js";
import { h } from "./dom.js";
import { checkResidentId } from "./idcard.js";
import { t } from "./i18n.js";
import { isoLocal, pendingCount } from "./outbox.js";
import { FIELD_INPUTS, MAX_VALUE, findingErrors, itemState, recheckChange, verdictCounts, verdictsFor, withRechecks } from "./rechecks.js";
import { getMeta, getRecheck, getRecord, outboxItems, rechecksAll, recordKey } from "./store.js";
import { status as syncStatus, syncNow } from "./sync.js";
import { inCurrentShift, orderTasks, shiftAt } from "./tasks.js";
import { facts, field, input, label, select, showErrors, today, when } from "./ui.js";

const OUTCOMES = ["met", "nobody_home", "empty", "refused", "note_left"];
const CATEGORIES = ["registered", "migrant", "overseas", "unsettled"];
const RELATIONS = ["tenant", "owner", "family", "staff_dormitory", "lodger"];
const USES = ["dwelling", "shop", "factory", "dormitory", "office", "mixed", "other"];
const RENTAL = ["owner_occupied", "rented", "partly_rented", "empty", "lent", "other"];

function go(hash) {
  location.hash = hash;
}

function addressTitle(address) {
  return address ? address.full_text || address.name : t("unknown_address");
}

// --- today's tasks ---------------------------------------------------------------------------------------

export async function tasksScreen() {
  const grid = await snapshot();
  const shifts = (await getMeta("shifts")) || [];
  const [rechecks, outbox] = await Promise.all([rechecksAll(), outboxItems()]);
  const now = new Date();
  const codeOf = (task) => (grid.addressById.get(task.address_id) || {}).code;
  const tasks = orderTasks(withRechecks(grid.tasks, rechecks, outbox), { shifts, now, codeOf });
  const body = [];
  const gridIds = [...new Set(tasks.map((task) => task.grid_id))];
  const shiftNames = gridIds.map((id) => label("shift", shiftAt(shifts, id, now)));
  body.push(h("p", { class: "muted", id: "current-shift" }, t("current_shift"), "：", [...new Set(shiftNames)].join(" / ") || "—"));
  if (!tasks.length) body.push(h("p", { class: "empty" }, t("no_tasks")));
  body.push(
    h(
      "ul",
      { class: "list", id: "task-list" },
      tasks.map((task) => {
        const current = inCurrentShift(task, shifts, now);
        const recheck = task.recheck;
        return h(
          "li",
          null,
          h(
            "a",
            {
              class: current ? "item current-shift" : "item",
              href: recheck ? `#/recheck/${recheck.id}` : `#/task/${task.id}`,
              "data-task": task.id,
              "data-recheck": recheck ? recheck.id : null,
            },
            h(
              "div",
              { class: "row" },
              h("span", { class: "name" }, recheck ? recheck.title || label("recheck.kind", recheck.kind) : label("kind", task.kind)),
              recheck
                ? h("span", { class: "tag info", "data-badge": "recheck" }, t("recheck.badge"))
                : h("span", { class: task.state === "in_progress" ? "tag info" : "tag" }, label("state", task.state)),
            ),
            h("div", null, task.address_text || addressTitle(grid.addressById.get(task.address_id))),
            h(
              "div",
              { class: "row muted" },
              h("small", null, t("due"), " ", task.due_on || "—", " · ", label("priority", task.priority)),
              h("span", { class: current ? "tag danger" : "tag" }, current ? t("this_shift") : label("shift", task.shift)),
            ),
            task.appointment ? h("small", null, t("appointment"), " ", when(task.appointment.starts_at)) : null,
          ),
        );
      }),
    ),
  );
  return { title: t("tab.tasks"), tab: "tasks", body, live: true };
}

export async function taskScreen({ id }) {
  const record = await getRecord(recordKey("task", Number(id)));
  if (!record) return notFound();
  const task = { ...record.data, id: record.id, version: record.version };
  const grid = await snapshot();
  const address = grid.addressById.get(task.address_id);
  const open = task.state === "open" || task.state === "in_progress";
  // A re-check task is finished by recording its item, not by "task done".
  const recheck = task.kind === "recheck" ? (await rechecksAll()).find((item) => item.task_id === task.id) : null;
  const reason = h("textarea", { id: "f-reason", name: "reason", maxlength: 500 });
  const note = h("textarea", { id: "f-note", name: "note", maxlength: 500 });
  const body = [
    h(
      "section",
      { class: "card" },
      h("h1", null, label("kind", task.kind)),
      facts([
        [t("address"), task.address_text || addressTitle(address)],
        [t("state_label"), label("state", task.state)],
        [t("due"), task.due_on],
        [t("priority_label"), label("priority", task.priority)],
        [t("shift_label"), label("shift", task.shift)],
        task.note ? [t("note"), task.note] : null,
        task.appointment ? [t("appointment"), `${when(task.appointment.starts_at)} – ${when(task.appointment.ends_at)}`] : null,
        task.appointment && task.appointment.note ? [t("appointment_note"), task.appointment.note] : null,
      ]),
    ),
  ];
  if (open) {
    body.push(
      h(
        "div",
        { class: "actions" },
        task.state === "open"
          ? h("button", { class: "btn", type: "button", id: "task-start", onclick: () => taskOp(task, "task.start", {}) }, t("task_start"))
          : null,
        task.address_id
          ? h("a", { class: "btn primary", href: `#/visit/${task.address_id}?task=${task.id}`, id: "task-visit" }, t("record_visit"))
          : null,
      ),
      recheck
        ? h("a", { class: "btn primary block", href: `#/recheck/${recheck.id}`, id: "task-recheck" }, t("recheck.open"))
        : h(
            "form",
            { class: "stacked card", id: "task-done-form", onsubmit: (e) => (e.preventDefault(), taskOp(task, "task.done", note.value.trim() ? { note: note.value.trim() } : {})) },
            field("note", t("done_note"), note),
            h("button", { class: "btn primary block", type: "submit", id: "task-done" }, t("task_done")),
          ),
      h(
        "form",
        {
          class: "stacked card",
          id: "task-cannot-form",
          onsubmit: (e) => {
            e.preventDefault();
            const text = reason.value.trim();
            if (showErrors(e.target, text ? {} : { reason: t("reason_required") })) return;
            taskOp(task, "task.cannot", { reason: text });
          },
        },
        field("reason", t("cannot_reason"), reason),
        h("button", { class: "btn block", type: "submit", id: "task-cannot" }, t("task_cannot")),
      ),
    );
  }
  return { title: t("task"), tab: "tasks", back: true, body };
}

async function taskOp(task, op, payload) {
  await queue({ op, target: { type: "task", id: task.id }, payload, summary: `${t(`op.${op}`)} · ${task.address_text || ""}` });
  go(op === "task.start" ? `#/task/${task.id}` : "#/tasks");
}

// --- a re-check, field by field ----------------------------------------------------------------------------

function fieldLabel(field, fallback) {
  const key = `rfield.${field}`;
  const text = t(key);
  return text === key ? fallback || field : text;
}

/** A recorded or chosen value in the app's language: choice codes through the dictionary, else the server's label. */
function choiceText(field, value, fallback) {
  const spec = FIELD_INPUTS[field];
  const text = spec && spec.group ? label(spec.group, value) : String(value);
  return text === String(value) && fallback ? fallback : text;
}

function shownValue(entry) {
  if (entry.value === "" || entry.value === null || entry.value === undefined) return "—";
  return choiceText(entry.field, entry.value, entry.display);
}

function foundInput(entry) {
  const field = entry.field;
  const spec = FIELD_INPUTS[field] || {};
  const props = { id: `f-rf-${field}`, name: `found-${field}`, autocomplete: "off", "data-found": field };
  const choices = entry.choices || (spec.choices ? spec.choices.map((code) => [code, ""]) : null);
  if (choices) {
    return h(
      "select",
      props,
      h("option", { value: "" }, t("recheck.choose")),
      choices.map(([value, text]) => h("option", { value }, choiceText(field, value, text))),
    );
  }
  const type = spec.type === "number" ? "text" : spec.type || "text";
  return h("input", {
    ...props,
    type,
    maxlength: MAX_VALUE,
    inputmode: spec.type === "number" ? (spec.integer ? "numeric" : "decimal") : spec.type === "tel" ? "tel" : null,
  });
}

/** One field of the item: what was recorded, three big buttons, and the value found when it is not right. */
function fieldChecker(entry, findings) {
  const finding = { verdict: null, value: "" };
  findings[entry.field] = finding;
  const input = foundInput(entry);
  const hint = h("small", null);
  const found = h("div", { class: "found", hidden: true }, h("label", { for: input.id }, t("recheck.found_value")), input, hint);
  input.addEventListener("input", () => (finding.value = input.value));
  input.addEventListener("change", () => (finding.value = input.value));
  const buttons = verdictsFor(entry).map((verdict) =>
    h(
      "button",
      {
        class: `btn verdict-${verdict}`,
        type: "button",
        "data-verdict": verdict,
        "aria-pressed": "false",
        onclick: () => choose(verdict),
      },
      t(`verdict.${verdict}`),
    ),
  );
  function choose(verdict) {
    finding.verdict = verdict;
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.verdict === verdict));
    found.hidden = verdict === "right";
    hint.textContent = verdict === "corrected" ? t("recheck.found_hint_corrected") : t("recheck.found_hint_wrong");
  }
  const section = h(
    "section",
    { class: "card field recheck-field", "data-field": entry.field },
    h("div", { class: "row" }, h("strong", null, fieldLabel(entry.field, entry.label))),
    h("div", null, h("small", null, t("recheck.recorded_as")), " ", h("span", { class: "recorded" }, shownValue(entry))),
    h("div", { class: buttons.length === 2 ? "verdicts two" : "verdicts", role: "group", "aria-label": fieldLabel(entry.field, entry.label) }, buttons),
    found,
    h("div", { class: "error", id: `err-rf-${entry.field}`, role: "alert" }),
  );
  section.choose = choose;
  return section;
}

export async function recheckScreen({ id }) {
  const item = await getRecheck(Number(id));
  if (!item) return notFound();
  const state = itemState(item, await outboxItems());
  const head = h(
    "section",
    { class: "card" },
    h("div", { class: "row" }, h("h1", { id: "recheck-title" }, item.title || label("recheck.kind", item.kind)), h("span", { class: "tag info" }, t("recheck.badge"))),
    facts([
      [t("recheck.record_kind"), label("recheck.kind", item.kind)],
      item.address_text ? [t("address"), item.address_text] : null,
      item.grid_name ? [t("recheck.grid"), item.grid_name] : null,
      item.round_name ? [t("recheck.round"), item.round_name] : null,
      [t("due"), item.due_on || "—"],
    ]),
  );
  if (state !== "open") {
    const text = state === "queued" ? t("recheck.queued") : state === "sent" ? t("recheck.sent") : t("recheck.closed");
    return { title: t("recheck.title"), tab: "tasks", back: true, body: [head, h("p", { class: "notice ok", id: "recheck-state" }, text)] };
  }
  const findings = {};
  const checkers = item.fields.map((entry) => fieldChecker(entry, findings));
  const note = h("textarea", { id: "f-note", name: "note", maxlength: 500 });
  const form = h(
    "form",
    {
      class: "stacked",
      id: "recheck-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const problems = findingErrors(item, findings);
        const errors = Object.fromEntries(Object.entries(problems).map(([name, key]) => [`rf-${name}`, t(key)]));
        if (item.task_id == null) errors.note = t("recheck.no_task");
        if (showErrors(form, errors)) {
          const first = form.querySelector(".field.invalid");
          if (first) first.scrollIntoView({ block: "center" });
          return;
        }
        const change = recheckChange(item, findings, note.value);
        const counts = verdictCounts(change.payload);
        await queue({ ...change, summary: `${t("op.recheck.record")} · ${item.title || ""} · ${t("recheck.summary", counts)}` });
        go("#/tasks");
      },
    },
    h("p", { class: "muted" }, t("recheck.intro")),
    h(
      "button",
      { class: "btn block", type: "button", id: "recheck-all-right", onclick: () => checkers.forEach((section) => section.choose("right")) },
      t("recheck.all_right"),
    ),
    checkers,
    field("note", t("recheck.note"), note),
    h("button", { class: "btn primary block", type: "submit", id: "save-recheck" }, t("recheck.submit")),
  );
  return { title: t("recheck.title"), tab: "tasks", back: true, body: [head, form] };
}

// --- the coverage tree -------------------------------------------------------------------------------------

export async function treeScreen({ id, all }) {
  const grid = await snapshot();
  const coverage = grid.coverage;
  const showAll = all === "1";
  const node = id ? coverage.nodes.get(Number(id)) : null;
  if (id && !node) return notFound();
  const children = node ? node.children : coverage.roots;
  const total = children.reduce(
    (sum, child) => {
      const c = countsOf(child);
      return { doors: sum.doors + c.doors, doorsLeft: sum.doorsLeft + c.doorsLeft, peopleLeft: sum.peopleLeft + c.peopleLeft };
    },
    { doors: 0, doorsLeft: 0, peopleLeft: 0 },
  );
  const here = node ? countsOf(node) : total;
  const trail = node ? pathTo(coverage, node.id) : [];
  const toggle = `#/tree${node ? `/${node.id}` : ""}${showAll ? "" : "?all=1"}`;
  const body = [
    h(
      "nav",
      { class: "crumbs", "aria-label": t("path") },
      h("a", { href: "#/tree" }, t("my_grid")),
      trail.map((step) => [" › ", h("a", { href: `#/tree/${step.id}` }, step.name)]),
    ),
    h(
      "p",
      { id: "tree-summary" },
      t("doors_left", { left: here.doorsLeft, total: here.doors }),
      " · ",
      t("people_left", { left: here.peopleLeft }),
    ),
    h(
      "div",
      { class: "actions" },
      node ? h("a", { class: "btn", href: `#/address/${node.id}` }, t("open_address")) : null,
      h("a", { class: "btn", href: toggle, id: "tree-toggle" }, showAll ? t("only_left") : t("show_all")),
    ),
  ];
  const shown = children.filter((child) => showAll || child.doorsLeft > 0 || countsOf(child).peopleLeft > 0);
  if (!shown.length) body.push(h("p", { class: "empty" }, children.length ? t("all_visited") : t("no_addresses")));
  body.push(
    h(
      "ul",
      { class: "list", id: "tree-list" },
      shown.map((child) => {
        const c = countsOf(child);
        const leaf = !child.children.length;
        return h(
          "li",
          null,
          h(
            "a",
            { class: "item", href: leaf ? `#/address/${child.id}` : `#/tree/${child.id}`, "data-address": child.id },
            h(
              "div",
              { class: "row" },
              h("span", { class: "name" }, child.name),
              h("span", { class: c.doorsLeft ? "count" : "count done" }, c.doorsLeft ? `${c.doorsLeft}/${c.doors}` : "✓"),
            ),
            h(
              "div",
              { class: "row muted" },
              h("small", null, label("level", child.level)),
              h(
                "small",
                null,
                c.peopleLeft ? t("people_left", { left: c.peopleLeft }) : "",
                child.lastVisit ? ` ${label("outcome", child.lastVisit.outcome)}` : "",
              ),
            ),
          ),
        );
      }),
    ),
  );
  return { title: t("tab.tree"), tab: "tree", back: !!node, body, live: true };
}

// --- an address: its houses and people ---------------------------------------------------------------------

function personLine(grid, person, residence) {
  return [
    h("div", { class: "row" }, h("span", { class: "name" }, person.name), isVerified(grid, "person", person.key) ? h("span", { class: "tag ok" }, t("verified")) : h("span", { class: "tag warn" }, t("not_verified"))),
    h(
      "small",
      { class: "muted" },
      [label("relation", residence.relation), label("category", person.category), person.id_number, person.phone].filter(Boolean).join(" · "),
    ),
  ];
}

export async function addressScreen({ id }) {
  const grid = await snapshot();
  const addressId = Number(id);
  const address = grid.addressById.get(addressId);
  if (!address) return notFound();
  const node = grid.coverage.nodes.get(addressId);
  const houses = housesAt(grid, addressId);
  const visits = visitsAt(grid, addressId);
  const body = [
    h(
      "section",
      { class: "card" },
      h("h1", { id: "address-title" }, addressTitle(address)),
      facts([
        [t("level_label"), label("level", address.level)],
        [t("doors_left_label"), `${node.doorsLeft}/${node.doors}`],
      ]),
    ),
    h("a", { class: "btn primary block", href: `#/visit/${addressId}`, id: "record-visit" }, t("record_visit")),
  ];
  if (node.children.length) body.push(h("p", null, h("a", { class: "btn block", href: `#/tree/${addressId}` }, t("below_here"))));
  body.push(h("h2", null, t("houses")));
  if (!houses.length) body.push(h("p", { class: "muted" }, t("no_houses")));
  for (const house of houses) {
    body.push(
      h(
        "section",
        { class: "card", "data-house": house.key },
        facts([
          [t("house_use"), label("use", house.use)],
          [t("rental_status"), label("rental", house.rental_status)],
          [t("rooms"), house.rooms],
          [t("owner"), [house.owner_name, house.owner_phone].filter(Boolean).join(" ")],
        ]),
        h(
          "ul",
          { class: "list" },
          residentsOf(grid, house.key).map(({ person, residence }) => h("li", { class: "item", "data-person": person.key }, personLine(grid, person, residence))),
        ),
      ),
    );
  }
  body.push(h("h2", null, t("visits")));
  if (!visits.length) body.push(h("p", { class: "muted" }, t("no_visits")));
  body.push(
    h(
      "ul",
      { class: "list", id: "visit-list" },
      visits.map((visit) =>
        h(
          "li",
          { class: "item" },
          h("div", { class: "row" }, h("span", { class: "name" }, label("outcome", visit.outcome)), visit.local ? h("span", { class: "tag warn" }, t("state.pending")) : null),
          h("small", { class: "muted" }, when(visit.visited_at), " · ", visit.visitor_name || ""),
        ),
      ),
    ),
  );
  return { title: address.name, tab: "tree", back: true, body, live: true };
}

// --- recording a visit -------------------------------------------------------------------------------------

function locate() {
  // Never waits on the worker: the visit is saved with whatever position is known by then, or none.
  const position = { latitude: null, longitude: null, accuracy_m: null, state: "locating" };
  if (!navigator.geolocation) {
    position.state = "unavailable";
    return position;
  }
  navigator.geolocation.getCurrentPosition(
    (found) => {
      position.latitude = Number(found.coords.latitude.toFixed(6));
      position.longitude = Number(found.coords.longitude.toFixed(6));
      position.accuracy_m = Math.min(100000, Math.round(found.coords.accuracy));
      position.state = "found";
      const shown = document.getElementById("position");
      if (shown) shown.textContent = t("position_found", { accuracy: position.accuracy_m });
    },
    () => {
      position.state = "unavailable";
      const shown = document.getElementById("position");
      if (shown) shown.textContent = t("position_unavailable");
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
  return position;
}

export async function visitScreen({ id, task: taskId }) {
  const grid = await snapshot();
  const addressId = Number(id);
  const address = grid.addressById.get(addressId);
  if (!address) return notFound();
  const task = taskId ? grid.tasks.find((item) => item.id === Number(taskId)) : null;
  const position = locate();
  let outcome = null;
  const note = h("textarea", { id: "f-note", name: "note", maxlength: 500 });
  const buttons = OUTCOMES.map((value) =>
    h(
      "button",
      {
        class: "btn",
        type: "button",
        "data-outcome": value,
        "aria-pressed": "false",
        onclick: (event) => {
          outcome = value;
          for (const other of buttons) other.setAttribute("aria-pressed", String(other === event.currentTarget));
        },
      },
      label("outcome", value),
    ),
  );
  const form = h(
    "form",
    {
      class: "stacked",
      id: "visit-form",
      onsubmit: async (event) => {
        event.preventDefault();
        if (showErrors(form, outcome ? {} : { outcome: t("choose_outcome") })) return;
        const ref = newRef();
        const now = isoLocal();
        await queue({
          op: "visit.record",
          target: { type: "visit", ref },
          payload: {
            address: { id: addressId },
            outcome,
            visited_at: now,
            latitude: position.latitude,
            longitude: position.longitude,
            accuracy_m: position.accuracy_m,
            note: note.value.trim(),
            task: task ? { id: task.id } : null,
            task_result: null,
          },
          summary: `${t("op.visit.record")} · ${label("outcome", outcome)} · ${address.name}`,
        });
        go(`#/in-visit/${addressId}?visit=${ref}${task ? `&task=${task.id}` : ""}`);
      },
    },
    h("div", { class: "field", "data-field": "outcome" }, h("span", { class: "label" }, t("outcome")), h("div", { class: "outcomes", role: "group" }, buttons), h("div", { class: "error", id: "err-outcome", role: "alert" })),
    field("note", t("note"), note),
    h("p", { class: "muted", id: "position" }, position.state === "unavailable" ? t("position_unavailable") : t("position_locating")),
    h("button", { class: "btn primary block", type: "submit", id: "save-visit" }, t("save_visit")),
  );
  return {
    title: t("record_visit"),
    tab: "tree",
    back: true,
    body: [h("p", { class: "card" }, h("strong", null, addressTitle(address)), task ? h("div", null, h("small", null, label("kind", task.kind))) : null), form],
  };
}

/** Within a recorded visit: confirm, correct, add and end people; update the houses; finish the task. */
export async function inVisitScreen({ id, visit: visitRef, task: taskId }) {
  const grid = await snapshot();
  const addressId = Number(id);
  const address = grid.addressById.get(addressId);
  if (!address || !visitRef) return notFound();
  const visit = { ref: visitRef };
  const query = `visit=${visitRef}&address=${addressId}`;
  const body = [
    h("p", { class: "notice ok", id: "visit-saved" }, t("visit_saved")),
    h("p", null, h("strong", null, addressTitle(address))),
  ];
  for (const house of housesAt(grid, addressId)) {
    const houseVerified = isVerified(grid, "house", house.key);
    body.push(
      h(
        "section",
        { class: "card", "data-house": house.key },
        h("div", { class: "row" }, h("strong", null, label("use", house.use), " · ", label("rental", house.rental_status)), houseVerified ? h("span", { class: "tag ok" }, t("verified")) : null),
        h(
          "div",
          { class: "actions" },
          h("button", { class: "btn", type: "button", "data-action": "verify-house", disabled: houseVerified, onclick: () => verifyHouse(house, visit) }, t("verify_house")),
          h("a", { class: "btn", href: `#/house-edit/${encodeURIComponent(house.key)}?${query}`, "data-action": "edit-house" }, t("edit_house")),
        ),
        h(
          "ul",
          { class: "list" },
          residentsOf(grid, house.key).map(({ person, residence }) => {
            const verified = isVerified(grid, "person", person.key);
            return h(
              "li",
              { class: "item", "data-person": person.key },
              personLine(grid, person, residence),
              h(
                "div",
                { class: "actions" },
                h("button", { class: "btn", type: "button", "data-action": "verify-person", disabled: verified, onclick: () => verifyPerson(person, visit) }, t("confirm_person")),
                h("a", { class: "btn", href: `#/person-edit/${encodeURIComponent(person.key)}?${query}`, "data-action": "edit-person" }, t("correct_person")),
                h("a", { class: "btn", href: `#/residence-end/${encodeURIComponent(residence.key)}?${query}`, "data-action": "end-residence" }, t("end_residence")),
              ),
            );
          }),
        ),
        h("a", { class: "btn block", href: `#/person-add/${encodeURIComponent(house.key)}?${query}`, "data-action": "add-person" }, t("add_person")),
      ),
    );
  }
  if (taskId) body.push(h("a", { class: "btn block", href: `#/task/${taskId}` }, t("back_to_task")));
  body.push(h("a", { class: "btn primary block", href: `#/tree/${grid.addressById.get(addressId).parent_id ?? ""}`, id: "visit-finish" }, t("visit_finish")));
  return { title: t("in_visit"), tab: "tree", body, live: true };
}

async function verifyPerson(person, visit) {
  await queue({ op: "person.verify", target: flatTarget("person", person), payload: { visit }, summary: `${t("op.person.verify")} · ${person.name}` });
}

async function verifyHouse(house, visit) {
  await queue({ op: "house.verify", target: flatTarget("house", house), payload: { visit }, summary: `${t("op.house.verify")} · ${house.house_code || ""}` });
}

function flatTarget(type, record) {
  return record.id != null ? { type, id: record.id } : { type, ref: record.ref };
}

function backToVisit(params) {
  go(`#/in-visit/${params.address}?visit=${params.visit}`);
}

// --- corrections within a visit ------------------------------------------------------------------------------

export async function personEditScreen(params) {
  const record = await getRecord(params.id);
  if (!record) return notFound();
  const person = record.data;
  const name = input("name", { value: person.name || "", maxlength: 50, required: true });
  const phone = input("phone", { type: "tel", inputmode: "tel", maxlength: 20, placeholder: person.phone || "", autocomplete: "off" });
  const idNumber = input("id_number", { maxlength: 18, placeholder: person.id_number || "", autocomplete: "off", inputmode: "text" });
  const category = select("category", "category", CATEGORIES, person.category);
  const hukou = input("hukou_address", { value: person.hukou_address || "", maxlength: 200 });
  const form = h(
    "form",
    {
      class: "stacked",
      id: "person-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const changes = {};
        const errors = {};
        if (!name.value.trim()) errors.name = t("required");
        else if (name.value.trim() !== person.name) changes.name = name.value.trim();
        if (phone.value.trim()) {
          if (!/^\+?[\d\s-]{7,20}$/.test(phone.value.trim())) errors.phone = t("phone_invalid");
          else changes.phone = phone.value.replace(/[\s-]/g, "");
        }
        if (idNumber.value.trim()) {
          const checked = checkResidentId(idNumber.value);
          if (!checked.ok) errors.id_number = t(checked.error);
          else Object.assign(changes, { id_number: checked.number, sex: checked.sex, birth_date: checked.birthDate });
        }
        if (category.value !== person.category) changes.category = category.value;
        if (hukou.value.trim() !== (person.hukou_address || "")) changes.hukou_address = hukou.value.trim();
        if (showErrors(form, errors)) return;
        if (!Object.keys(changes).length) {
          showErrors(form, { name: t("nothing_changed") });
          return;
        }
        await queue({
          op: "person.update",
          target: flatTarget("person", record),
          payload: { ...changes, visit: { ref: params.visit } },
          baseVersion: record.version,
          summary: `${t("op.person.update")} · ${person.name}`,
        });
        backToVisit(params);
      },
    },
    field("name", t("name"), name),
    field("phone", t("phone"), phone, t("blank_keeps", { value: person.phone || "—" })),
    field("id_number", t("id_number"), idNumber, t("blank_keeps", { value: person.id_number || "—" })),
    field("category", t("category_label"), category),
    field("hukou_address", t("hukou_address"), hukou),
    h("button", { class: "btn primary block", type: "submit", id: "save-person" }, t("save")),
  );
  return { title: t("correct_person"), tab: "tree", back: true, body: [form] };
}

export async function personAddScreen(params) {
  const house = await getRecord(params.id);
  if (!house) return notFound();
  const name = input("name", { maxlength: 50, required: true });
  const idNumber = input("id_number", { maxlength: 18, autocomplete: "off", required: true });
  const phone = input("phone", { type: "tel", inputmode: "tel", maxlength: 20, autocomplete: "off" });
  const category = select("category", "category", CATEGORIES, "migrant");
  const relation = select("relation", "relation", RELATIONS, "tenant");
  const started = input("started_on", { type: "date", value: today(), max: today() });
  const form = h(
    "form",
    {
      class: "stacked",
      id: "person-add-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const errors = {};
        if (!name.value.trim()) errors.name = t("required");
        const checked = checkResidentId(idNumber.value);
        if (!checked.ok) errors.id_number = t(checked.error);
        if (phone.value.trim() && !/^\+?[\d\s-]{7,20}$/.test(phone.value.trim())) errors.phone = t("phone_invalid");
        if (!started.value) errors.started_on = t("required");
        if (showErrors(form, errors)) return;
        const personRef = newRef();
        const visit = { ref: params.visit };
        await queue({
          op: "person.create",
          target: { type: "person", ref: personRef },
          payload: {
            grid: { id: house.data.grid_id },
            name: name.value.trim(),
            id_type: "resident_id",
            id_number: checked.number,
            sex: checked.sex,
            birth_date: checked.birthDate,
            phone: phone.value.replace(/[\s-]/g, ""),
            category: category.value,
            visit,
          },
          summary: `${t("op.person.create")} · ${name.value.trim()}`,
        });
        await queue({
          op: "residence.create",
          target: { type: "residence", ref: newRef() },
          payload: { person: { ref: personRef }, house: pointer(house), relation: relation.value, started_on: started.value, visit },
          summary: `${t("op.residence.create")} · ${name.value.trim()}`,
        });
        backToVisit(params);
      },
    },
    field("name", t("name"), name),
    field("id_number", t("id_number"), idNumber, t("id_hint")),
    field("phone", t("phone"), phone),
    field("category", t("category_label"), category),
    field("relation", t("relation_label"), relation),
    field("started_on", t("started_on"), started),
    h("button", { class: "btn primary block", type: "submit", id: "save-new-person" }, t("save")),
  );
  return { title: t("add_person"), tab: "tree", back: true, body: [form] };
}

export async function residenceEndScreen(params) {
  const record = await getRecord(params.id);
  if (!record) return notFound();
  const reason = h("textarea", { id: "f-reason", name: "reason", maxlength: 200, required: true });
  const on = input("on", { type: "date", value: today(), max: today() });
  const form = h(
    "form",
    {
      class: "stacked",
      id: "residence-end-form",
      onsubmit: async (event) => {
        event.preventDefault();
        if (showErrors(form, reason.value.trim() ? {} : { reason: t("reason_required") })) return;
        await queue({
          op: "residence.end",
          target: flatTarget("residence", record),
          payload: { reason: reason.value.trim(), on: on.value || today(), visit: { ref: params.visit } },
          baseVersion: record.version,
          summary: t("op.residence.end"),
        });
        backToVisit(params);
      },
    },
    field("reason", t("end_reason"), reason),
    field("on", t("moved_out_on"), on),
    h("button", { class: "btn primary block", type: "submit", id: "save-end" }, t("end_residence")),
  );
  return { title: t("end_residence"), tab: "tree", back: true, body: [form] };
}

export async function houseEditScreen(params) {
  const record = await getRecord(params.id);
  if (!record) return notFound();
  const house = record.data;
  const use = select("use", "use", USES, house.use);
  const rental = select("rental_status", "rental", RENTAL, house.rental_status);
  const rooms = input("rooms", { type: "number", inputmode: "numeric", min: 0, max: 999, value: house.rooms ?? "" });
  const form = h(
    "form",
    {
      class: "stacked",
      id: "house-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const changes = {};
        if (use.value !== house.use) changes.use = use.value;
        if (rental.value !== house.rental_status) changes.rental_status = rental.value;
        if (rooms.value !== "" && Number(rooms.value) !== house.rooms) {
          if (!Number.isInteger(Number(rooms.value)) || Number(rooms.value) < 0) {
            showErrors(form, { rooms: t("rooms_invalid") });
            return;
          }
          changes.rooms = Number(rooms.value);
        }
        if (!Object.keys(changes).length) {
          showErrors(form, { use: t("nothing_changed") });
          return;
        }
        await queue({
          op: "house.update",
          target: flatTarget("house", record),
          payload: { ...changes, visit: { ref: params.visit } },
          baseVersion: record.version,
          summary: `${t("op.house.update")} · ${house.house_code || ""}`,
        });
        backToVisit(params);
      },
    },
    field("use", t("house_use"), use),
    field("rental_status", t("rental_status"), rental),
    field("rooms", t("rooms"), rooms),
    h("button", { class: "btn primary block", type: "submit", id: "save-house" }, t("save")),
  );
  return { title: t("edit_house"), tab: "tree", back: true, body: [form] };
}

// --- what is still waiting ---------------------------------------------------------------------------------

const STATE_TAG = { pending: "tag warn", sent: "tag ok", conflict: "tag info", rejected: "tag danger" };

export async function outboxScreen() {
  const items = (await outboxItems()).reverse();
  const lastSync = await getMeta("lastSync");
  const pending = pendingCount(items);
  const error = syncStatus.error;
  const session = (await getMeta("session")) || {};
  const body = [
    session.token ? null : h("p", { class: "notice danger", id: "login-needed" }, h("a", { href: "#/login" }, t("login_again"))),
    h(
      "section",
      { class: "card" },
      facts([
        [t("pending_changes"), h("strong", { id: "outbox-pending" }, String(pending))],
        [t("last_sync"), h("span", { id: "last-sync" }, lastSync ? when(lastSync) : t("never"))],
        [t("sync_state"), syncStatus.running ? t("syncing") : error ? t(`sync_error.${error.kind}`) : t("sync_idle")],
      ]),
      h("button", { class: "btn primary block", type: "button", id: "sync-now", disabled: syncStatus.running, onclick: () => syncNow() }, t("sync_now")),
    ),
  ];
  if (!items.length) body.push(h("p", { class: "empty" }, t("outbox_empty")));
  body.push(
    h(
      "ul",
      { class: "list", id: "outbox-list" },
      items.map((item) =>
        h(
          "li",
          { class: "item", "data-state": item.state, "data-uuid": item.uuid },
          h("div", { class: "row" }, h("span", { class: "name" }, item.summary || t(`op.${item.op}`)), h("span", { class: STATE_TAG[item.state] || "tag" }, t(`state.${item.state}`))),
          h("small", { class: "muted" }, when(item.made_at)),
          item.detail ? h("div", { class: "error" }, item.detail) : null,
          item.errors
            ? h("ul", { class: "error" }, Object.entries(item.errors).map(([name, messages]) => h("li", null, `${name}: ${[].concat(messages).join(" ")}`)))
            : null,
          item.state === "conflict" ? h("small", null, t("conflict_note")) : null,
        ),
      ),
    ),
  );
  return { title: t("tab.outbox"), tab: "outbox", body, live: true };
}

function notFound() {
  return { title: t("not_found"), back: true, body: [h("p", { class: "empty" }, t("not_found_text"))] };
}
