// Lantern check-in service worker. Scope: /{lang}/staff/events/. It keeps
// the last copy of each check-in page and the files it uses, so that a
// trainer can reload the page at a venue without a network. Pages are always
// fetched from the network first; the copy is used only when that fails.
// Check-ins themselves are never handled here: checkin.js queues them.
'use strict';
var CACHE = 'lantern-checkin-v1';
var PAGE = /\/staff\/events\/\d+\/checkin$/;

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (ev) { ev.waitUntil(self.clients.claim()); });

// checkin.js tells which URLs to keep: the page and its static files.
self.addEventListener('message', function (ev) {
  var urls = ((ev.data && ev.data.cache) || []).filter(function (u) {
    var path = new URL(u, self.location.origin).pathname;
    return u.indexOf('/static/') === 0 || PAGE.test(path);
  });
  ev.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(urls); }).catch(function () {}));
});

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  if (req.method !== 'GET') { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === 'navigate' && PAGE.test(url.pathname)) {
    ev.respondWith(fetch(req).then(function (res) {
      if (res.ok && !res.redirected) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (url.pathname.indexOf('/static/') === 0) {
    // Fingerprinted files never change: the cache may answer first.
    ev.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
  }
});
