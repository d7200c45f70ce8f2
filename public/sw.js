// PatrolDesk service worker. The post-build step replaces the two placeholders below with
// this build's id and the exact list of its files (hashed names from trunk), so a new
// build is a new worker with a new cache, and old and new files never mix.
'use strict';
const BUILD = '__PATROLDESK_BUILD__';
const FILES = ['__PATROLDESK_FILES__'];
const CACHE = 'patroldesk-' + BUILD;

self.addEventListener('install', (event) => {
  // cache: 'reload' — a host may have let the browser keep index.html or register-sw.js
  // fresh for a while; precaching that copy would pin the old build under the new id.
  event.waitUntil(caches.open(CACHE).then((cache) =>
    cache.addAll(FILES.map((file) => new Request(file, { cache: 'reload' })))));
  // No skipWaiting here: the app asks the user first (see register-sw.js).
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('patroldesk-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Live sync's same-origin proxy: the network's own, never a cached file. Passing it through
  // here would also keep a long-poll the page has aborted held open in the worker.
  if (url.pathname === '/couch' || url.pathname.startsWith('/couch/')) return;
  if (request.mode === 'navigate') {
    // Every route is the same single page: answer with this build's index.html.
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match('/index.html'))
        .then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((cache) => cache.match(request, { ignoreSearch: true }))
      .then((hit) => hit || fetch(request)));
});
