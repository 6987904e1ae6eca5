// Lantern check-in service worker. Scope: /{lang}/staff/events/. It keeps
// the last copy of each check-in page and headcount page and the files they
// use (the jsQR decoder too, on phones that need it), so that a trainer can
// reload or open them at a venue without a network. Pages are always
// fetched from the network first; the copy is used only when that fails.
// Check-ins, undos and headcounts are never handled here: checkin.js queues them.
'use strict';
var CACHE = 'lantern-checkin-v1';
var PAGE = /\/staff\/events\/\d+\/checkin(\/headcount)?$/;
// A copy older than a day is not shown: it holds participants' names.
var MAX_AGE = 24 * 3600 * 1000;
// A page asked for by checkin.js is fetched again when its copy is older.
var REFRESH = 10 * 60 * 1000;
var STAMP = '?cached-at';

function keep(path, res) {
  return caches.open(CACHE).then(function (c) {
    return Promise.all([c.put(path, res), c.put(path + STAMP, new Response(String(Date.now())))]);
  });
}
function forget(path) {
  return caches.open(CACHE).then(function (c) { return Promise.all([c.delete(path), c.delete(path + STAMP)]); });
}

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (ev) { ev.waitUntil(self.clients.claim()); });

// fresh tells whether the copy of a page was kept less than REFRESH ago.
function fresh(path) {
  return caches.open(CACHE).then(function (c) { return c.match(path + STAMP); }).then(function (hit) {
    return hit ? hit.text().then(function (t) { return Date.now() - Number(t) < REFRESH; }) : false;
  });
}

// checkin.js tells which URLs to keep: pages (the check-in and headcount
// pages of an event) and static files.
self.addEventListener('message', function (ev) {
  var urls = ((ev.data && ev.data.cache) || []).filter(function (u) {
    var path = new URL(u, self.location.origin).pathname;
    return u.indexOf('/static/') === 0 || PAGE.test(path);
  });
  ev.waitUntil(Promise.all(urls.map(function (u) {
    var page = u.indexOf('/static/') !== 0;
    var path = new URL(u, self.location.origin).pathname;
    return (page ? fresh(path) : caches.match(u)).then(function (hit) {
      return hit ? null : fetch(u, { credentials: 'same-origin' });
    }).then(function (res) {
      if (!res) { return null; }
      if (page && res.redirected) { return forget(path); } // signed out
      if (!res.ok || res.redirected) { return null; }
      return page ? keep(path, res) : caches.open(CACHE).then(function (c) { return c.put(u, res); });
    }).catch(function () {});
  })));
});

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  if (req.method !== 'GET') { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === 'navigate' && PAGE.test(url.pathname)) {
    ev.respondWith(fetch(req).then(function (res) {
      if (res.ok && !res.redirected) {
        keep(url.pathname, res.clone());
      } else if (res.redirected) {
        // Signed out: the copy (names of participants) goes too.
        forget(url.pathname);
      }
      return res;
    }).catch(function () {
      return caches.open(CACHE).then(function (c) {
        return Promise.all([c.match(url.pathname), c.match(url.pathname + STAMP)]);
      }).then(function (hit) {
        return hit[1] ? hit[1].text().then(function (t) {
          return Date.now() - Number(t) < MAX_AGE && hit[0] ? hit[0] : Response.error();
        }) : Response.error();
      });
    }));
    return;
  }
  if (url.pathname.indexOf('/static/') === 0) {
    // Fingerprinted files never change: the cache may answer first.
    ev.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) {
          var copy = res.clone();
          caches.open(CACHE).then(function (c) { c.put(req, copy); });
        }
        return res;
      });
    }));
  }
});
