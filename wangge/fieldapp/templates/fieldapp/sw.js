/* 网格通 service worker. Caches the app shell only (no personal data: that lives in IndexedDB), so the
   app opens with no network, even after the browser was closed while offline. */
const VERSION = "{{ version }}";
const CACHE = "wangge-field-shell-" + VERSION;
const SHELL_URL = "{{ shell_url }}";
const PRECACHE = {{ precache|safe }};
const PRECACHED = new Set(PRECACHE.map((path) => new URL(path, self.location.origin).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // "reload" skips the HTTP cache, so a new version never precaches an old file.
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  return hit || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL_URL) {
    // Routes live in the fragment, so every screen of the app is this one page.
    event.respondWith(fromCache(new Request(SHELL_URL)));
    return;
  }
  url.search = "";
  if (PRECACHED.has(url.href)) event.respondWith(fromCache(request));
  // Anything else (the API above all) goes to the network untouched: answers with personal data are never
  // put in a cache.
});

// Background Sync where the browser has it: wake the open app to push its outbox. The app also syncs on
// the "online" event and on a timer, so nothing depends on this.
self.addEventListener("sync", (event) => {
  if (event.tag !== "wangge-outbox") return;
  event.waitUntil(
    (async () => {
      for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "sync" });
    })(),
  );
});
