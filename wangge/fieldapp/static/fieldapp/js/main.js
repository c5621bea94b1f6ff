// 网格通: boot, the router, login and logout. Routes live in the fragment (#/tasks, #/address/12 …) so
// the service worker serves one cached page for all of them.
import { ApiError, call } from "./api.js";
import { onQueued } from "./changes.js";
import { h } from "./dom.js";
import { currentLanguage, setLanguage, t } from "./i18n.js";
import { pendingCount } from "./outbox.js";
import * as screens from "./screens.js";
import { getMeta, outboxItems, setMeta, wipe } from "./store.js";
import { onAuthLost, onSyncChange, requestBackgroundSync, startSyncLoop, status, syncNow } from "./sync.js";
import { bar, facts, field, input, tabs, when } from "./ui.js";

const app = document.getElementById("app");

const ROUTES = [
  [/^tasks$/, screens.tasksScreen],
  [/^task\/(?<id>\d+)$/, screens.taskScreen],
  [/^tree(?:\/(?<id>\d*))?$/, screens.treeScreen],
  [/^address\/(?<id>\d+)$/, screens.addressScreen],
  [/^visit\/(?<id>\d+)$/, screens.visitScreen],
  [/^in-visit\/(?<id>\d+)$/, screens.inVisitScreen],
  [/^person-edit\/(?<id>[^/]+)$/, screens.personEditScreen],
  [/^person-add\/(?<id>[^/]+)$/, screens.personAddScreen],
  [/^residence-end\/(?<id>[^/]+)$/, screens.residenceEndScreen],
  [/^house-edit\/(?<id>[^/]+)$/, screens.houseEditScreen],
  [/^recheck\/(?<id>\d+)$/, screens.recheckScreen],
  [/^outbox$/, screens.outboxScreen],
  [/^me$/, meScreen],
];

let current = null;
let shownRoute = null;
let rendering = Promise.resolve();

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const params = Object.fromEntries(new URLSearchParams(query));
  return { path: path || "tasks", params };
}

async function pending() {
  return pendingCount(await outboxItems());
}

async function render() {
  const session = await getMeta("session");
  const { path, params } = parseHash();
  if (!session || path === "login") {
    current = { live: false };
    return show(loginScreen(session), null, 0);
  }
  for (const [pattern, screen] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const decoded = Object.fromEntries(Object.entries(match.groups || {}).map(([k, v]) => [k, v && decodeURIComponent(v)]));
    current = await screen({ ...params, ...decoded });
    return show(current, current.tab, await pending());
  }
  location.replace("#/tasks");
}

function show(screen, tab, count) {
  document.documentElement.lang = currentLanguage() === "en" ? "en" : "zh-Hans";
  document.title = `${screen.title} · ${t("app_name")}`;
  const notice = sessionStorage.getItem("wangge-field-notice");
  app.replaceChildren(
    bar({ title: screen.title, back: screen.back, pending: count }),
    h("main", { class: "view", id: "view", "data-route": location.hash }, notice && tab === null ? h("p", { class: "notice danger", id: "notice" }, notice) : null, screen.body),
    tab === null ? null : tabs(tab),
  );
  // A background refresh of the same screen keeps the worker's place in a long list.
  if (shownRoute !== location.hash) window.scrollTo(0, 0);
  shownRoute = location.hash;
}

let refreshQueued = false;

/** Renders the current route; calls that come while one is waiting share it (a pull fires many). */
function refresh() {
  if (refreshQueued) return rendering;
  refreshQueued = true;
  rendering = rendering
    .then(() => {
      refreshQueued = false;
      return render();
    })
    .catch((error) => console.error(error));
  return rendering;
}

/** After a sync or a queued change: the badge always, the screen only if it is a list (never a half-filled form). */
async function update() {
  const count = await pending();
  const badge = document.getElementById("pending-count");
  if (badge) {
    badge.textContent = String(count);
    badge.className = count ? "badge" : "badge zero";
  }
  const net = document.getElementById("net");
  if (net) {
    net.textContent = navigator.onLine ? t("online") : t("offline");
    net.className = navigator.onLine ? "net" : "net offline";
  }
  if (current && current.live) refresh();
}

// --- login, me, logout ---------------------------------------------------------------------------------------

function loginScreen(session) {
  const username = input("username", { autocomplete: "username", autocapitalize: "none", required: true, value: session ? session.username : "" });
  const password = input("password", { type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { class: "error", id: "login-error", role: "alert" });
  const form = h(
    "form",
    {
      class: "stacked card",
      id: "login-form",
      onsubmit: async (event) => {
        event.preventDefault();
        message.textContent = "";
        const name = username.value.trim();
        try {
          const answer = await call("auth/token", { method: "POST", body: { username: name, password: password.value } });
          const previous = (await getMeta("session")) || (await getMeta("me"));
          if (previous && previous.username && previous.username !== name) await wipe();
          await setMeta("session", { token: answer.token, expires_at: answer.expires_at, username: name });
          sessionStorage.removeItem("wangge-field-notice");
          location.hash = "#/tasks";
          await refresh();
          await syncNow();
        } catch (error) {
          if (error instanceof ApiError && error.kind === "offline") message.textContent = t("login_offline");
          else message.textContent = (error.body && error.body.detail) || t("login_failed");
        }
      },
    },
    field("username", t("username"), username),
    field("password", t("password"), password),
    message,
    h("button", { class: "btn primary block", type: "submit", id: "login" }, t("login")),
  );
  const body = [h("h1", null, t("app_name")), h("p", { class: "muted" }, t("tagline")), form, languageSwitch()];
  if (session && session.token === null) {
    // The password is asked for again, but the grid and the unsent changes stay: work can go on offline.
    body.push(h("a", { class: "btn block", href: "#/tasks", id: "work-offline", onclick: continueOffline }, t("continue_offline")));
  }
  return { title: t("login"), body };
}

async function continueOffline(event) {
  event.preventDefault();
  const session = await getMeta("session");
  await setMeta("session", { ...session, token: null, offline: true });
  location.hash = "#/tasks";
  refresh();
}

function languageSwitch() {
  const other = currentLanguage() === "en" ? "zh-hans" : "en";
  return h(
    "button",
    {
      class: "btn block",
      type: "button",
      id: "language",
      onclick: () => {
        setLanguage(other);
        refresh();
      },
    },
    other === "en" ? "English" : "中文",
  );
}

async function meScreen() {
  const me = (await getMeta("me")) || {};
  const session = (await getMeta("session")) || {};
  const lastSync = await getMeta("lastSync");
  const body = [
    h(
      "section",
      { class: "card" },
      facts([
        [t("username"), me.username || session.username],
        [t("name"), me.name],
        [t("my_grids"), (me.grids || []).map((g) => g.name).join("、")],
        [t("last_sync"), lastSync ? when(lastSync) : t("never")],
      ]),
    ),
    !session.token ? h("a", { class: "btn primary block", href: "#/login", id: "relogin" }, t("login_again")) : null,
    languageSwitch(),
    h("button", { class: "btn block", type: "button", id: "logout", onclick: logout }, t("logout")),
  ];
  return { title: t("tab.me"), tab: "me", body, live: true };
}

async function logout() {
  const count = await pending();
  if (count && !confirm(t("logout_pending", { count }))) return;
  // Revoke the token on the server when there is a connection (waiting at most 3 s for a poor one); the device
  // is wiped either way.
  const session = (await getMeta("session")) || {};
  if (session.token && navigator.onLine) {
    const revoke = call("auth/logout", { method: "POST", token: session.token }).catch(() => {});
    await Promise.race([revoke, new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
  await wipe();
  sessionStorage.removeItem("wangge-field-notice");
  location.hash = "#/login";
  refresh();
}

async function authLost(code) {
  if (code === "account_disabled") {
    // An administrator disabled the account (lost phone, worker left): nothing of it may stay.
    await wipe();
    sessionStorage.setItem("wangge-field-notice", t("account_disabled"));
  } else {
    const session = (await getMeta("session")) || {};
    await setMeta("session", { ...session, token: null });
    sessionStorage.setItem("wangge-field-notice", t("token_expired"));
  }
  location.hash = "#/login";
  refresh();
}

// --- boot -----------------------------------------------------------------------------------------------------

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(document.body.dataset.sw, { scope: document.body.dataset.scope, updateViaCache: "none" });
  } catch (error) {
    console.error("service worker", error);
  }
}

onQueued(() => {
  update();
  if (navigator.onLine) syncNow();
  else requestBackgroundSync();
});
onSyncChange(update);
onAuthLost(authLost);
window.addEventListener("hashchange", refresh);
window.addEventListener("offline", update);
window.addEventListener("online", update);
registerServiceWorker();
startSyncLoop();
refresh().then(async () => {
  const session = await getMeta("session");
  if (session && session.token && navigator.onLine) syncNow();
});
window.wanggeField = { status, syncNow };
