// Lantern check-in page: progressive enhancement for venues with a weak or
// no network. Every check-in goes into a queue kept in localStorage, each
// with an id made on the device (crypto.randomUUID); the queue is sent to
// POST /api/v1/events/{id}/checkins whenever the network allows, and the
// server ignores an id it has already received, so sending twice is safe.
// Without this script the page still works with plain forms.
(function () {
  'use strict';
  var root = document.getElementById('checkin');
  if (!root || !window.localStorage || !window.fetch) { return; }
  var d = root.dataset;
  var QKEY = 'lantern.checkin.queue.' + d.event;
  var csrf = d.csrf;
  var sending = false;

  function msg(name) { return d['msg' + name.charAt(0).toUpperCase() + name.slice(1)] || ''; }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }
  function fold(s) {
    return (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().trim();
  }
  function normCode(s) { return (s || '').toUpperCase().replace(/[\s.\-]/g, ''); }
  function load() { try { return JSON.parse(localStorage.getItem(QKEY)) || []; } catch (e) { return []; } }
  function save(q) { localStorage.setItem(QKEY, JSON.stringify(q)); }

  var syncEl = document.getElementById('sync');
  var presentEl = document.getElementById('present-n');
  function lines(id) { return document.querySelectorAll('li.line[data-id="' + id + '"]'); }

  function status(text) {
    if (!syncEl) { return; }
    syncEl.hidden = !text;
    syncEl.textContent = text;
  }
  function refreshStatus(extra) {
    var n = load().length;
    var t = n ? msg('waiting').replace('#', n) : '';
    if (n && !navigator.onLine) { t += ' — ' + msg('offline'); }
    if (!n && extra) { t = extra; }
    status(extra && n ? extra + ' ' + t : t);
  }

  // markLine shows a person as present (pending: not yet on the server).
  function markLine(id, pending) {
    lines(id).forEach(function (li) {
      var was = li.classList.contains('present');
      if (was && !pending && !li.classList.contains('pending')) { return; }
      li.classList.add('present');
      li.classList.toggle('pending', !!pending);
      var st = li.querySelector('.state');
      if (!st) { return; }
      st.textContent = '✔ ' + (pending ? msg('pending') : msg('present')) + ' ';
      var tpl = document.getElementById('undo-tpl');
      if (tpl) {
        var f = tpl.content.firstElementChild.cloneNode(true);
        f.querySelector('[name=registration_id]').value = id;
        st.appendChild(f);
      }
      if (!was && presentEl && li.closest('#roster')) { presentEl.textContent = String(+presentEl.textContent + 1); }
    });
  }

  function enqueue(item) {
    item.client_id = uuid();
    item.at = new Date().toISOString();
    var q = load();
    q.push(item);
    save(q);
    if (item.registration_id) { markLine(item.registration_id, true); }
    refreshStatus();
    sync();
  }

  // freshToken fetches the page again to get a valid CSRF token (the one in
  // the page may have expired while the phone was offline).
  function freshToken() {
    return fetch(location.pathname, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error('signin'); }
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var el = doc.getElementById('checkin');
      if (!el) { throw new Error('signin'); }
      csrf = el.dataset.csrf;
    });
  }

  function post(batch) {
    return fetch(d.batch, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json' },
      body: JSON.stringify({ checkins: batch })
    });
  }

  function sync() {
    var q = load();
    if (sending || !q.length) { refreshStatus(); return; }
    sending = true;
    var batch = q.slice(0, 200);
    post(batch).then(function (r) {
      if (r.status === 403) { return freshToken().then(function () { return post(batch); }); }
      return r;
    }).then(function (r) {
      if (!r.ok) { throw new Error('http ' + r.status); }
      return r.json();
    }).then(function (body) {
      var done = {};
      var rejected = [];
      (body.results || []).forEach(function (res) {
        done[res.client_id] = true;
        if (res.status === 'rejected') { rejected.push(res.error); return; }
        if (res.registration_id) { markLine(res.registration_id, false); }
      });
      save(load().filter(function (it) { return !done[it.client_id]; }));
      sending = false;
      refreshStatus(rejected.length ? msg('rejected').replace('#', rejected.length) : msg('sent'));
      if (load().length) { sync(); }
    }).catch(function (e) {
      sending = false;
      refreshStatus(e && e.message === 'signin' ? msg('signin') : '');
    });
  }

  // Ticks on the roster and in search results.
  root.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (f.classList.contains('mark')) {
      ev.preventDefault();
      enqueue({ registration_id: +f.querySelector('[name=registration_id]').value });
    }
  });

  // Undo of a check-in that never left the phone: just drop it.
  root.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (!/\/checkin\/undo$/.test(f.action)) { return; }
    var id = +f.querySelector('[name=registration_id]').value;
    var q = load();
    var rest = q.filter(function (it) { return it.registration_id !== id; });
    if (rest.length !== q.length) { ev.preventDefault(); save(rest); location.reload(); }
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
    codeForm.addEventListener('submit', function (ev) { ev.preventDefault(); handleCode(codeInput.value); });
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
        var ok = !q || li.dataset.name.indexOf(q) >= 0 || fold(li.dataset.code).indexOf(q) >= 0 ||
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
      if (navigator.onLine) { return; }
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

  // Camera scanner where the browser has one built in (BarcodeDetector).
  var scanBtn = document.getElementById('scan');
  var video = document.getElementById('scan-video');
  if (scanBtn && video && 'BarcodeDetector' in window && navigator.mediaDevices) {
    scanBtn.hidden = false;
    var stream = null;
    var stop = function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null; video.hidden = true;
    };
    scanBtn.addEventListener('click', function () {
      if (stream) { stop(); return; }
      var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
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
  }

  // Follow other phones' check-ins while online.
  function pull() {
    if (!navigator.onLine || document.hidden) { return; }
    fetch(d.roster, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        body.roster.forEach(function (p) { if (p.present) { markLine(p.id, false); } });
      }).catch(function () {});
  }

  window.addEventListener('online', function () { sync(); pull(); });
  window.addEventListener('offline', function () { refreshStatus(); });
  setInterval(sync, 15000);
  setInterval(pull, 60000);
  load().forEach(function (it) { if (it.registration_id) { markLine(it.registration_id, true); } });
  refreshStatus();
  sync();

  // A service worker keeps this page and its files for a reload offline.
  if ('serviceWorker' in navigator && d.sw) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(d.sw, { scope: d.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // A page the worker already served is in its cache; the first one
      // (loaded before the worker) asks it to keep a copy.
      if (reg.active && !controlled) {
        reg.active.postMessage({ cache: [location.pathname].concat(d.assets.split(' ')) });
      }
    }).catch(function () {});
  }
}());
