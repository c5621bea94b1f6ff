// Pieces every screen uses: the top bar, the bottom tabs, labels and times.
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function bar({ title, back = null, pending = 0, online = navigator.onLine }) {
  return h(
    "header",
    { class: "bar" },
    back ? h("button", { class: "back", type: "button", "aria-label": t("back"), onclick: () => history.back() }, "‹") : null,
    h("span", { class: "title" }, title),
    h("span", { class: online ? "net" : "net offline", id: "net" }, online ? t("online") : t("offline")),
    h(
      "a",
      { class: "pending", href: "#/outbox", id: "pending", "aria-label": t("pending_changes") },
      t("pending_short"),
      h("span", { class: pending ? "badge" : "badge zero", id: "pending-count" }, String(pending)),
    ),
  );
}

const TABS = [
  ["tasks", "#/tasks"],
  ["tree", "#/tree"],
  ["outbox", "#/outbox"],
  ["me", "#/me"],
];

export function tabs(current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": t("nav") },
    TABS.map(([name, href]) =>
      h("a", { href, "aria-current": name === current ? "page" : null, id: `tab-${name}` }, t(`tab.${name}`)),
    ),
  );
}

/** A choice value's label, or the value itself when the dictionary has none. */
export function label(group, value) {
  if (value === null || value === undefined || value === "") return "—";
  const text = t(`${group}.${value}`);
  return text === `${group}.${value}` ? String(value) : text;
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(Boolean).map(([name, value]) => [h("dt", null, name), h("dd", null, value ?? "—")]),
  );
}

export function field(name, labelText, control, hint = null) {
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: `f-${name}` }, labelText),
    control,
    hint ? h("small", null, hint) : null,
    h("div", { class: "error", id: `err-${name}`, role: "alert" }),
  );
}

export function input(name, props = {}) {
  return h("input", { id: `f-${name}`, name, ...props });
}

export function select(name, group, values, selected, props = {}) {
  return h(
    "select",
    { id: `f-${name}`, name, ...props },
    values.map((value) => h("option", { value, selected: value === selected }, label(group, value))),
  );
}

export function showErrors(form, errors) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  for (const el of form.querySelectorAll(".field.invalid")) el.classList.remove("invalid");
  let first = null;
  for (const [name, message] of Object.entries(errors)) {
    const box = form.querySelector(`#err-${name}`);
    if (!box) continue;
    box.textContent = message;
    box.parentElement.classList.add("invalid");
    first = first || box.parentElement.querySelector("input, select, textarea");
  }
  if (first) first.focus();
  return Object.keys(errors).length > 0;
}
