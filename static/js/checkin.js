// Lantern check-in and headcount pages: progressive enhancement for venues
// with a weak or no network. Every check-in, undo and headcount goes into a
// queue kept in IndexedDB (it survives the browser being closed and holds a
// whole day of a busy venue), each with an id made on the device
// (crypto.randomUUID) and the moment it happened; the queue is sent, in
// order, in batches, to POST /api/v1/events/{id}/checkins whenever the
// network allows, and the server ignores an id it has already received, so
// sending twice is safe. The server answers each item on its own: an item
// it refuses is set aside ("parked") with its reason, shown to the trainer
// to discard or send again, and never holds back the items behind it.
// Without this script (or without IndexedDB) the pages still work with
// plain forms.
(function () {
  'use strict';
  var root = document.getElementById('checkin') || document.getElementById('headcount');
  if (!root || !window.fetch || !window.indexedDB || !window.Promise) { return; }
  var d = root.dataset;
  var EVENT = String(d.event);
  var LEGACY = 'lantern.checkin.queue.'; // the localStorage queue of earlier versions
  var BATCH = 200;                         // items per request (the server takes 500)
  var csrf = d.csrf;
  var sending = false;
  var inflight = {}; // client ids being sent right now
  var ready = false; // the queue is open: the forms are handled here
  var Q = [];        // this event's items waiting, in order (a copy of the database's)
  var P = [];        // this event's parked items
  var idb = null;
  var chain = Promise.resolve(); // queue changes, one after the other
  var size = BATCH;  // smaller while looking for an item the server cannot read
  var failures = 0;  // failed sends in a row (network, server)
  var retryTimer = null;
  var offset = 0;    // the server's clock minus the phone's, when they differ
  try { offset = +localStorage.getItem('lantern.checkin.clock') || 0; } catch (e) { offset = 0; }

  function msg(name) { return d['msg' + name.charAt(0).toUpperCase() + name.slice(1)] || ''; }
  var parkedEl = document.getElementById('parked');
  function pmsg(name) {
    return (parkedEl && parkedEl.dataset['msg' + name.charAt(0).toUpperCase() + name.slice(1)]) || '';
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }
  // The search key of a name, as the server's textnorm.Fold makes it:
  // compatibility forms decomposed (full-width letters, ligatures), marks,
  // invisible and direction-control characters removed, đ → d, lowercase.
  function fold(s) {
    return (s || '').normalize('NFKD').replace(/[\u0300-\u036f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g, '')
      .replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
  }
  function normCode(s) { return (s || '').toUpperCase().replace(/[\s.\-]/g, ''); }

  // --- The queue, in IndexedDB: one store of items (key: an increasing
  // number, so the order they were made in), indexed by event and by
  // client id; a parked item carries "parked": {error, message}.
  function req(r) {
    return new Promise(function (ok, ko) { r.onsuccess = function () { ok(r.result); }; r.onerror = function () { ko(r.error); }; });
  }
  function openDB() {
    var r = indexedDB.open('lantern-checkin', 1);
    r.onupgradeneeded = function () {
      var s = r.result.createObjectStore('items', { keyPath: 'seq', autoIncrement: true });
      s.createIndex('event', 'event');
      s.createIndex('client_id', 'client_id', { unique: true });
    };
    return req(r);
  }
  // tx runs fn(store) in one transaction and resolves when it is committed.
  function tx(mode, fn) {
    return new Promise(function (ok, ko) {
      var t = idb.transaction('items', mode);
      var out = fn(t.objectStore('items'));
      t.oncomplete = function () { ok(out && out.result !== undefined ? out.result : undefined); };
      t.onerror = t.onabort = function () { ko(t.error); };
    });
  }
  function reload() {
    return tx('readonly', function (s) { return s.index('event').getAll(EVENT); }).then(function (items) {
      items = items || [];
      items.sort(function (a, b) { return a.seq - b.seq; });
      Q = items.filter(function (it) { return !it.parked; });
      P = items.filter(function (it) { return !!it.parked; });
    });
  }
  // change runs fn(store) after the changes before it, then reloads the copy.
  function change(fn) {
    var p = chain.then(function () { return tx('readwrite', fn); }).then(reload);
    chain = p.catch(function () {}); // a failed change does not stop the next ones
    return p;
  }
  // migrate moves the queues an earlier version kept in localStorage (any
  // event's) into IndexedDB, once, keeping their ids and times.
  function migrate() {
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        if (localStorage.key(i).indexOf(LEGACY) === 0) { keys.push(localStorage.key(i)); }
      }
    } catch (e) { return Promise.resolve(); }
    if (!keys.length) { return Promise.resolve(); }
    return tx('readwrite', function (s) {
      keys.forEach(function (k) {
        var items;
        try { items = JSON.parse(localStorage.getItem(k)) || []; } catch (e) { items = []; }
        if (!Array.isArray(items)) { items = []; }
        items.forEach(function (it) {
          if (!it || typeof it !== 'object') { return; }
          it.event = k.slice(LEGACY.length);
          delete it.seq;
          if (typeof it.client_id !== 'string' || !it.client_id) { it.client_id = uuid(); }
          var r = s.add(it);
          r.onerror = function (ev) { ev.preventDefault(); ev.stopPropagation(); }; // already moved
        });
      });
    }).then(function () { keys.forEach(function (k) { localStorage.removeItem(k); }); });
  }

  var syncEl = document.getElementById('sync');
  var presentEl = document.getElementById('present-n');
  function lines(id) { return document.querySelectorAll('li.line[data-id="' + id + '"]'); }

  function status(text) {
    if (!syncEl) { return; }
    syncEl.hidden = !text;
    syncEl.textContent = text;
  }
  function refreshStatus(extra) {
    var n = Q.length;
    var t = n ? msg('waiting').replace('#', n) : '';
    if (n && !navigator.onLine) { t += ' — ' + msg('offline'); }
    if (!n && extra) { t = extra; }
    status(extra && n ? extra + ' ' + t : t);
  }

  // setLine shows a person as present or not; pending: the change is not
  // yet on the server (a check-in or an undo waiting in the queue).
  function setLine(id, present, pending) {
    lines(id).forEach(function (li) {
      var was = li.classList.contains('present');
      if (was === present && li.classList.contains('pending') === !!pending) { return; }
      li.classList.toggle('present', present);
      li.classList.toggle('pending', !!pending);
      var st = li.querySelector('.state');
      if (st) {
        var who = li.querySelector('.who') ? li.querySelector('.who').textContent : '';
        var tpl = document.getElementById(present ? 'undo-tpl' : 'mark-tpl');
        st.textContent = present ? '✔ ' + (pending ? msg('pending') : msg('present')) + ' '
          : (pending ? msg('undoPending') + ' ' : '');
        if (tpl) {
          var f = tpl.content.firstElementChild.cloneNode(true);
          f.querySelector('[name=registration_id]').value = id;
          var src = f.querySelector('[name=source]');
          if (src) { src.value = li.closest('#roster') ? 'roster' : 'search'; }
          var b = f.querySelector('button');
          if (b && who) { b.setAttribute('aria-label', msg(present ? 'undoWho' : 'markWho').replace('#', who)); }
          st.appendChild(f);
        }
      }
      if (was !== present && presentEl && li.closest('#roster')) {
        presentEl.textContent = String(+presentEl.textContent + (present ? 1 : -1));
      }
    });
  }

  // showQueue shows what is still waiting: the last queued action about a
  // person decides how the line looks.
  function showQueue() {
    var last = {};
    Q.forEach(function (it) {
      if (it.registration_id) { last[it.registration_id] = it.op !== 'undo'; }
    });
    Object.keys(last).forEach(function (id) { setLine(id, last[id], true); });
    return last;
  }

  // describe says what a parked item was, for the trainer.
  function whoOf(id) {
    var li = document.querySelector('li.line[data-id="' + id + '"] .who');
    return li ? li.textContent : '#' + id;
  }
  function describe(it) {
    if (it.op === 'headcount') {
      var n = 0;
      (it.headcount || []).forEach(function (c) { n += +c.count || 0; });
      return pmsg('headcount').replace('#', n);
    }
    if (it.walk_in) { return pmsg('walkin') + (it.walk_in.name ? ' — ' + it.walk_in.name : ''); }
    if (it.code) { return pmsg('code').replace('#', it.code); }
    return pmsg(it.op === 'undo' ? 'undo' : 'checkin').replace('#', whoOf(it.registration_id));
  }
  // showParked lists the items the server refused, each with its reason,
  // a button to send it again and one to discard it.
  function showParked() {
    var list = document.getElementById('parked-list');
    var tpl = document.getElementById('parked-tpl');
    if (!parkedEl || !list || !tpl) { return; }
    list.textContent = '';
    P.forEach(function (it) {
      var li = tpl.content.firstElementChild.cloneNode(true);
      var what = describe(it);
      li.dataset.client = it.client_id;
      li.querySelector('.who').textContent = what;
      li.querySelector('.why').textContent = it.parked.message || '';
      var retry = li.querySelector('.retry'), discard = li.querySelector('.discard');
      retry.setAttribute('aria-label', pmsg('retryWho').replace('#', what));
      discard.setAttribute('aria-label', pmsg('discardWho').replace('#', what));
      retry.addEventListener('click', function () {
        change(function (s) { delete it.parked; s.put(it); }).then(function () { showParked(); showQueue(); refreshStatus(); sync(); });
      });
      discard.addEventListener('click', function () {
        change(function (s) { s.delete(it.seq); }).then(function () {
          showParked();
          var h = parkedEl.querySelector('h2');
          if (h && P.length) { h.focus(); }
        });
      });
      list.appendChild(li);
    });
    parkedEl.hidden = !P.length;
  }

  function deviceNow() { return new Date(Date.now() + offset).toISOString(); }
  // learnClock compares the phone's clock with the server's (the Date
  // header, to the second): items carry the server's time, as best known,
  // so that "the latest wins" compares like with like across phones.
  function learnClock(r) {
    var h = r && r.headers && r.headers.get('Date');
    var t = h ? Date.parse(h) : NaN;
    if (isNaN(t)) { return; }
    var o = t - Date.now();
    offset = Math.abs(o) > 2000 ? o : 0;
    try { localStorage.setItem('lantern.checkin.clock', String(offset)); } catch (e) { /* private mode */ }
  }

  function enqueue(item) {
    item.client_id = uuid();
    item.at = deviceNow();
    item.event = EVENT;
    return change(function (s) { s.add(item); }).then(function () {
      showQueue();
      refreshStatus();
      sync();
    });
  }

  // freshToken fetches the page again to get a valid CSRF token (the one in
  // the page may have expired while the phone was offline).
  function freshToken() {
    return fetch(location.pathname, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error('signin'); }
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var el = doc.getElementById(root.id);
      if (!el) { throw new Error('signin'); }
      csrf = el.dataset.csrf;
    });
  }

  // wire is what the server is sent of an item (not the local fields).
  function wire(it) {
    var w = {};
    Object.keys(it).forEach(function (k) { if (k !== 'seq' && k !== 'event' && k !== 'parked') { w[k] = it[k]; } });
    return w;
  }
  function post(batch) {
    return fetch(d.batch, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json' },
      body: JSON.stringify({ checkins: batch.map(wire) })
    });
  }

  // park sets items aside with the reason the server gave.
  function park(items, results) {
    return change(function (s) {
      items.forEach(function (it, i) {
        var res = results[i] || {};
        it.parked = { error: res.error || '', message: res.message || pmsg(res.error === 'server' ? 'serverError' : 'unreadable') };
        s.put(it);
      });
    });
  }

  function later() {
    failures++;
    var wait = Math.min(60000, 3000 * Math.pow(2, Math.min(failures - 1, 5)));
    if (!retryTimer) { retryTimer = setTimeout(function () { retryTimer = null; sync(); }, wait); }
  }

  function sync() {
    if (sending || !ready) { return; }
    sending = true;
    reload().then(function () { // items another tab of this event queued too
      var q = Q.slice(0, size);
      // navigator.onLine is only trusted when it says "offline": then no
      // request is tried (it would fail, and while it is in flight an undo
      // could not simply drop a check-in); the 'online' event syncs again.
      if (!q.length || !navigator.onLine) { sending = false; refreshStatus(); return null; }
      q.forEach(function (it) { inflight[it.client_id] = true; });
      return post(q).then(function (r) {
        if (r.status === 403) { return freshToken().then(function () { return post(q); }); }
        return r;
      }).then(function (r) {
        learnClock(r);
        if (r.ok) { return r.json().then(function (body) { return answered(q, body); }); }
        // A batch the server cannot read (400, 413, 422) hides an item it
        // cannot read: halve the batch until that item is alone, then park
        // it. The same for an item the server fails on (500) three times in
        // a row. Anything else (a network blip, 502-504 while the server
        // restarts) is tried again later, never given up.
        var unreadable = r.status === 400 || r.status === 413 || r.status === 422;
        if (unreadable || (r.status === 500 && failures >= 2)) {
          if (q.length > 1) { size = Math.max(1, Math.floor(q.length / 2)); return done(''); }
          failures = 0;
          return park(q, [{ error: unreadable ? '' : 'server' }]).then(function () { return done(msg('rejected').replace('#', 1)); });
        }
        throw new Error('http ' + r.status);
      });
    }).catch(function (e) {
      inflight = {};
      sending = false;
      refreshStatus(e && e.message === 'signin' ? msg('signin') : '');
      // A failed send (a network blip, a server restarting) is tried again
      // soon, then less often.
      if (!e || e.message !== 'signin') { later(); }
    });
  }

  // done ends a send and starts the next one if items are waiting.
  function done(m) {
    inflight = {};
    sending = false;
    showQueue();
    showParked();
    refreshStatus(m);
    if (Q.length) { sync(); } else { pullSoon(); }
  }

  // answered takes the server's answer to a batch: items accepted (or
  // received before) leave the queue, refused ones are parked.
  function answered(q, body) {
    failures = 0;
    var results = body.results || [];
    var byId = {};
    results.forEach(function (res) { if (res && res.client_id) { byId[res.client_id] = res; } });
    var gone = [], refused = [], why = [], lineState = {};
    var headcount = '';
    q.forEach(function (it, i) {
      var res = byId[it.client_id] || (results[i] && !results[i].client_id ? results[i] : null);
      if (!res) { return; } // not answered: stays in the queue
      if (res.status === 'rejected') {
        refused.push(it); why.push(res);
        if (it.op === 'headcount') { headcount = 'rejected'; }
        // Nothing changed for that person: the line goes back to what it
        // was (the roster, fetched below, says for sure).
        if (it.registration_id && !(it.registration_id in lineState)) { lineState[it.registration_id] = it.op === 'undo'; }
        return;
      }
      gone.push(it.seq);
      if (it.op === 'headcount') { headcount = 'sent'; return; }
      var id = res.registration_id || it.registration_id;
      if (id) { lineState[id] = 'present' in res ? !!res.present : it.op !== 'undo'; }
    });
    if (size < BATCH) { size = Math.min(BATCH, size * 2); }
    return change(function (s) {
      gone.forEach(function (k) { s.delete(k); });
      refused.forEach(function (it, i) {
        var res = why[i];
        it.parked = { error: res.error || '', message: res.message || pmsg('unreadable') };
        s.put(it);
      });
    }).then(function () {
      Object.keys(lineState).forEach(function (id) { setLine(id, lineState[id], false); });
      if (refused.length) { pull(); }
      var m = refused.length ? msg('rejected').replace('#', refused.length) : msg('sent');
      if (headcount) { m = headcount === 'sent' ? msg('headcountSent') : msg('headcountRejected'); }
      done(m);
    });
  }

  // Ticks on the roster and in search results.
  root.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (ready && f.classList.contains('mark')) {
      ev.preventDefault();
      enqueue({ registration_id: +f.querySelector('[name=registration_id]').value });
    }
  });

  // Undo. A check-in that never left the phone is just dropped; one the
  // server has (or is receiving right now) gets an undo queued behind it.
  root.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (!ready || !/\/checkin\/undo$/.test(f.action)) { return; }
    ev.preventDefault();
    var id = +f.querySelector('[name=registration_id]').value;
    var i = Q.length - 1;
    while (i >= 0 && Q[i].registration_id !== id) { i--; }
    var it = i >= 0 ? Q[i] : null;
    if (it && it.op !== 'undo' && !inflight[it.client_id]) {
      change(function (s) { s.delete(it.seq); }).then(function () {
        var still = showQueue();
        if (!(id in still)) { setLine(id, false, false); }
        refreshStatus(msg('undone'));
      });
    } else {
      enqueue({ op: 'undo', registration_id: id });
    }
    var last = document.getElementById('last');
    if (last && last.contains(f)) { last.hidden = true; }
  });

  // Offline verification of a ticket QR code: HMAC-SHA-256 under the event
  // key, base64url, first 16 characters (registration.TicketSignature).
  function b64url(bytes) {
    var s = '';
    new Uint8Array(bytes).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function fromB64url(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); });
  }
  function verifyTicket(text) {
    var p = text.split('.');
    if (p.length !== 4 || p[0] !== 'L1') { return Promise.resolve(null); }
    if (p[1] !== d.event) { return Promise.reject(new Error('other')); }
    if (!window.crypto || !crypto.subtle || !d.key) { return Promise.resolve(p[2]); } // the server checks it
    return crypto.subtle.importKey('raw', fromB64url(d.key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(function (k) { return crypto.subtle.sign('HMAC', k, new TextEncoder().encode(p[0] + '.' + p[1] + '.' + p[2])); })
      .then(function (sig) {
        if (b64url(sig).slice(0, 16) !== p[3]) { throw new Error('forged'); }
        return p[2];
      });
  }

  var codeForm = document.getElementById('code-form');
  var codeInput = document.getElementById('code');
  var codeMsg = document.getElementById('code-msg');
  var codeOk = document.getElementById('code-ok');
  function codeMessage(t) { if (codeMsg) { codeMsg.hidden = !t; codeMsg.textContent = t; } }
  function codeDone(t) { if (codeOk) { codeOk.hidden = !t; codeOk.textContent = t ? '✔ ' + t : ''; } }
  function handleCode(text) {
    text = (text || '').trim();
    if (!text) { return; }
    var isTicket = /^L1\./i.test(text);
    (isTicket ? verifyTicket(text) : Promise.resolve(null)).then(function (ticketCode) {
      var code = normCode(ticketCode || text);
      var li = document.querySelector('#roster li.line[data-code="' + code.replace(/"/g, '') + '"]');
      if (li) {
        enqueue({ registration_id: +li.dataset.id });
        codeMessage('');
        codeDone(li.querySelector('.who').textContent + ' (' + li.dataset.code + ')');
        codeInput.value = '';
        codeInput.focus();
      } else if (navigator.onLine) {
        codeForm.submit(); // the server says what is wrong with it
      } else {
        enqueue({ code: isTicket ? text : code });
        codeInput.value = '';
        codeDone('');
        codeMessage(msg('unknown'));
      }
    }).catch(function (e) {
      codeDone('');
      codeMessage(e.message === 'other' ? msg('other') : msg('forged'));
    });
  }
  if (codeForm) {
    codeForm.addEventListener('submit', function (ev) {
      if (!ready) { return; }
      ev.preventDefault();
      handleCode(codeInput.value);
    });
  }

  // Live filter of the roster: name (without diacritics), code, or the last
  // digits of the phone number.
  var filter = document.getElementById('filter');
  if (filter) {
    filter.hidden = false;
    var lbl = document.querySelector('label[for=filter]');
    if (lbl) { lbl.hidden = false; }
    filter.addEventListener('input', function () {
      var q = fold(filter.value);
      var digits = filter.value.replace(/\D/g, '');
      document.querySelectorAll('#roster li.line').forEach(function (li) {
        // People on the waiting list carry their code apart (data-waitlist-code):
        // a typed code must not check them in from the queue without the warning.
        var ok = !q || li.dataset.name.indexOf(q) >= 0 || fold(li.dataset.code || li.dataset.waitlistCode).indexOf(q) >= 0 ||
          (digits.length >= 3 && !!li.dataset.tail && li.dataset.tail.endsWith(digits.slice(-4)));
        li.hidden = !ok;
      });
    });
  }

  // Walk-ins: sent as usual when online; queued when offline.
  var wf = document.getElementById('walkin-form');
  if (wf) {
    var childBands = { under_16: true, '16_17': true };
    var adultFields = wf.querySelectorAll('.adult-only');
    wf.addEventListener('change', function () {
      var band = wf.querySelector('[name=age_band]:checked');
      var child = band && childBands[band.value];
      adultFields.forEach(function (p) { p.hidden = !!child; });
    });
    wf.addEventListener('submit', function (ev) {
      if (navigator.onLine || !ready) { return; }
      ev.preventDefault();
      var band = wf.querySelector('[name=age_band]:checked');
      var sex = wf.querySelector('[name=sex]:checked');
      if (!band || !sex) { status(msg('choose')); return; }
      var child = childBands[band.value];
      var w = { sex: sex.value, age_band: band.value };
      if (!child) { w.name = wf.elements.name.value; w.phone = wf.elements.phone.value; }
      enqueue({ walk_in: w });
      wf.reset();
      adultFields.forEach(function (p) { p.hidden = false; });
      status(msg('walkin'));
    });
  }

  // Camera scanner: the browser's own BarcodeDetector where it reads QR
  // codes; elsewhere the jsQR decoder (static/js/vendor/jsQR.js, ~57 KB
  // compressed), fetched only on such phones, then kept by the service worker.
  function loadScript(src) {
    return new Promise(function (ok, ko) {
      var s = document.createElement('script');
      s.src = src; s.async = true; s.onload = ok; s.onerror = ko;
      document.head.appendChild(s);
    });
  }
  function nativeReadsQR() {
    if (!('BarcodeDetector' in window)) { return Promise.resolve(false); }
    var f = window.BarcodeDetector.getSupportedFormats;
    return f ? f.call(window.BarcodeDetector).then(function (l) { return l.indexOf('qr_code') >= 0; }, function () { return false; })
      : Promise.resolve(true);
  }
  // jsqrDetector reads a video frame (or an image) through a canvas, with the
  // interface of BarcodeDetector: detect(source) -> [{rawValue}].
  function jsqrDetector() {
    var canvas = document.createElement('canvas');
    var ctx = canvas.getContext('2d', { willReadFrequently: true });
    return {
      detect: function (src) {
        var w = src.videoWidth || src.naturalWidth || src.width, h = src.videoHeight || src.naturalHeight || src.height;
        if (!w || !h) { return Promise.resolve([]); }
        var k = Math.min(1, 640 / Math.max(w, h)); // enough for a ticket, light on a cheap phone
        canvas.width = Math.round(w * k); canvas.height = Math.round(h * k);
        ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var r = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
        return Promise.resolve(r && r.data ? [{ rawValue: r.data }] : []);
      }
    };
  }
  var scanBtn = document.getElementById('scan');
  var video = document.getElementById('scan-video');
  var needLib = false;
  var detectorReady = (scanBtn && video && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) ? nativeReadsQR().then(function (native) {
    if (native) { return function () { return new window.BarcodeDetector({ formats: ['qr_code'] }); }; }
    if (!d.qrlib) { throw new Error('no decoder'); }
    needLib = true;
    return loadScript(d.qrlib).then(function () { return jsqrDetector; });
  }) : Promise.reject(new Error('no camera'));
  detectorReady.then(function (makeDetector) {
    root.dataset.scanner = needLib ? 'jsqr' : 'native';
    scanBtn.hidden = false;
    var stream = null;
    var stop = function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null; video.hidden = true;
    };
    scanBtn.addEventListener('click', function () {
      if (stream) { stop(); return; }
      var detector = makeDetector();
      navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (s) {
        stream = s; video.srcObject = s; video.hidden = false;
        return video.play();
      }).then(function () {
        var tick = function () {
          if (!stream) { return; }
          detector.detect(video).then(function (codes) {
            if (codes.length) { stop(); codeInput.value = codes[0].rawValue; handleCode(codes[0].rawValue); return; }
            setTimeout(tick, 250);
          }).catch(function () { setTimeout(tick, 500); });
        };
        tick();
      }).catch(function () { stop(); codeMessage(msg('camera')); });
    });
  }).catch(function () { /* no camera or no decoder (offline, never fetched): typing still works */ });

  // Headcount: the grid is queued like a check-in (the last one typed wins
  // on the server); the numbers waiting are shown again after a reload.
  var hc = document.getElementById('headcount-form');
  if (hc) {
    var hcInputs = hc.querySelectorAll('input[type=number]');
    var hcTotal = document.getElementById('hc-total');
    var hcUpdated = document.getElementById('hc-updated');
    var hcErr = document.getElementById('hc-err');
    var showTotal = function (n) { if (hcTotal) { hcTotal.textContent = msg('total').replace('#', n); } if (hcUpdated) { hcUpdated.hidden = true; } };
    var showWaiting = function () {
      var waiting = Q.filter(function (it) { return it.op === 'headcount'; }).pop();
      if (!waiting) { return; }
      var byName = {};
      waiting.headcount.forEach(function (c) { byName[c.sex + ' ' + c.age_band] = c.count; });
      var n0 = 0;
      hcInputs.forEach(function (inp) {
        var k = inp.dataset.sex + ' ' + inp.dataset.band;
        if (k in byName) { inp.value = byName[k]; n0 += byName[k]; }
      });
      showTotal(n0);
    };
    hc.addEventListener('submit', function (ev) {
      if (!ready) { return; }
      ev.preventDefault();
      var cells = [], bad = false, total = 0;
      hcInputs.forEach(function (inp) {
        var raw = inp.value.trim();
        var n = raw === '' ? 0 : Number(raw);
        var ok = /^\d*$/.test(raw) && n <= 100000 && !(inp.validity && inp.validity.badInput);
        if (ok) { inp.removeAttribute('aria-invalid'); } else { inp.setAttribute('aria-invalid', 'true'); }
        if (!ok) { bad = true; return; }
        cells.push({ sex: inp.dataset.sex, age_band: inp.dataset.band, count: n });
        total += n;
      });
      if (hcErr) { hcErr.hidden = !bad; }
      if (bad) { return; }
      // Only the last headcount counts: older ones not being sent are dropped.
      var older = Q.filter(function (it) { return it.op === 'headcount' && !inflight[it.client_id]; });
      change(function (st) { older.forEach(function (it) { st.delete(it.seq); }); });
      showTotal(total);
      enqueue({ op: 'headcount', headcount: cells });
    });
  }

  // Follow other phones' check-ins while online.
  var lastPull = 0, pullTimer = null;
  function pull() {
    if (!navigator.onLine || document.hidden || !d.roster) { return; }
    lastPull = Date.now();
    fetch(d.roster, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { learnClock(r); return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        // Lines with something still queued keep showing it.
        var queued = showQueue();
        body.roster.forEach(function (p) { if (!(p.id in queued)) { setLine(p.id, !!p.present, false); } });
      }).catch(function () {});
  }

  // After a send, the roster is fetched again at most every 10 s: with a
  // hundred phones ticking, one roster per tick would cost the server more
  // than the check-ins themselves.
  function pullSoon() {
    var wait = lastPull + 10000 - Date.now();
    if (wait <= 0) { pull(); return; }
    if (!pullTimer) { pullTimer = setTimeout(function () { pullTimer = null; pull(); }, wait); }
  }

  // Open the queue (moving an older localStorage queue into it), ask the
  // browser to keep it under storage pressure, show what waits and what was
  // refused, and send. Until then (a few milliseconds) the forms post as
  // they do without JavaScript.
  openDB().then(function (db) {
    idb = db;
    return migrate();
  }).then(reload).then(function () {
    ready = true;
    root.dataset.queue = 'indexeddb';
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persisted().then(function (p) { return p || navigator.storage.persist(); }).catch(function () {});
    }
    if (hc) { showWaiting(); }
    showQueue();
    showParked();
    refreshStatus();
    window.addEventListener('online', function () { failures = 0; sync(); pull(); });
    window.addEventListener('offline', function () { refreshStatus(); });
    setInterval(sync, 15000);
    setInterval(pull, 60000);
    sync();
  }).catch(function () { /* no IndexedDB here (some private modes): the plain forms work */ });

  // A service worker keeps this page, the other check-in page (check-in or
  // headcount) and their files for a reload or a visit without network.
  if ('serviceWorker' in navigator && d.sw) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(d.sw, { scope: d.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var settled = function () {
        if (!reg.active) { return; }
        // A page the worker served is in its cache already; the first one
        // (loaded before the worker) asks it to keep a copy.
        var urls = (d.pages ? d.pages.split(' ') : []).concat(d.assets.split(' '));
        if (!controlled) { urls.push(location.pathname); }
        if (needLib) { urls.push(d.qrlib); }
        reg.active.postMessage({ cache: urls });
      };
      detectorReady.then(settled, settled);
    }).catch(function () {});
  }
}());
