// The workbench's service worker (docs/offline.md): it keeps the pages a grid member fills in
// without a connection — the report forms and the app's own files — so that they open offline.
// Network first: online, every page comes from the server as always (and refreshes the copy kept);
// only when the network fails is the copy served. Nothing else passes through it: every other
// request, and every form sent, goes to the server untouched.
"use strict";
var CACHE = "fengqiao-pages-v1";
var KEPT = ["/app/disputes/new", "/app/incidents/new", "/app/patrols"];
var SHIFT = /^\/app\/patrols\/shifts\/[0-9a-f-]{36}$/; // a patrol shift's page: its sign-ins
var FILES = /^\/static\//;

self.addEventListener("install", function (event) {
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});
self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (KEPT.indexOf(url.pathname) < 0 && !SHIFT.test(url.pathname) && !FILES.test(url.pathname)) return;
  event.respondWith(
    fetch(request).then(function (answer) {
      if (answer.ok && !answer.redirected) {
        var copy = answer.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return answer;
    }, function () {
      return caches.match(request, { ignoreSearch: true }).then(function (kept) {
        return kept || Response.error();
      });
    })
  );
});
