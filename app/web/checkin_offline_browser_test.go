package web

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"
	"rsc.io/qr"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// waitText waits until the text of the element css holds want (the page
// updates it once the queue has changed, asynchronously).
func (b *browserEnv) waitText(t *testing.T, css, want string) {
	t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css)
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := evalAs[string](t, b, js)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %q, want it to hold %q", css, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// evalPromise evaluates a JavaScript expression whose value is a promise,
// and returns what it resolves to.
func evalPromise[T any](t *testing.T, b *browserEnv, js string) T {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitQueue waits until checkin.js has opened the queue on the page (until
// then the page's forms post without it).
func (b *browserEnv) waitQueue(t *testing.T) {
	t.Helper()
	attWaitFor(t, "checkin.js to open the queue", func() bool {
		return evalAs[string](t, b, `((document.getElementById("checkin") || document.getElementById("headcount") || {}).dataset || {}).queue || ""`) == "indexeddb"
	})
}

// queueItemsJS reads the items the phone keeps for an event in IndexedDB
// (the page must have opened the queue: see waitQueue).
func queueItemsJS(eventID uint) string {
	return fmt.Sprintf(`new Promise(function (ok, ko) {
		var r = indexedDB.open("lantern-checkin");
		r.onerror = function () { ko(r.error); };
		r.onsuccess = function () {
			var db = r.result;
			var q = db.transaction("items").objectStore("items").index("event").getAll("%d");
			q.onsuccess = function () { db.close(); ok(q.result); };
			q.onerror = function () { db.close(); ko(q.error); };
		};
	})`, eventID)
}

// queueLen is the number of actions waiting on the phone for the event.
func (b *browserEnv) queueLen(t *testing.T, eventID uint) int {
	t.Helper()
	return evalPromise[int](t, b, queueItemsJS(eventID)+`.then(function (xs) { return xs.filter(function (x) { return !x.parked; }).length; })`)
}

// parkedLen is the number of actions the server refused, kept on the phone.
func (b *browserEnv) parkedLen(t *testing.T, eventID uint) int {
	t.Helper()
	return evalPromise[int](t, b, queueItemsJS(eventID)+`.then(function (xs) { return xs.filter(function (x) { return !!x.parked; }).length; })`)
}

// waitCached waits until the service worker holds a copy of path.
func (b *browserEnv) waitCached(t *testing.T, path string) {
	t.Helper()
	js := fmt.Sprintf(`(caches.match(%q).then(function(r){ window.__cached = window.__cached || {}; window.__cached[%q] = !!r; }),
		!!(window.__cached && window.__cached[%q]))`, path, path, path)
	attWaitFor(t, "a copy of "+path+" in the service worker's cache", func() bool { return evalAs[bool](t, b, js) })
}

// A check-in already on the server is undone on a phone without network:
// the undo waits on the phone and reaches the server when the network
// returns; a check-in, undo, check-in sequence ends checked in.
func TestBrowserCheckinUndoOffline(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), StartsIn: 30 * time.Minute})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		anh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Thị Anh"})
		binh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Trần Văn Bình"})
		chi := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Lê Thị Chi"})
		row := func(id uint) *attendance.Attendance {
			var as []attendance.Attendance
			db.Where("registration_id = ?", id).Find(&as)
			if len(as) == 0 {
				return nil
			}
			return &as[0]
		}
		line := func(id uint) string { return fmt.Sprintf("#roster-%d", id) }
		lineClass := func(id uint) string {
			return evalAs[string](t, b, fmt.Sprintf(`document.querySelector(%q).className`, line(id)))
		}

		b.login(t, "en", tr)
		pagePath := fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID)
		b.navigate(t, pagePath)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)

		// Online: Anh and Bình are checked in and on the server.
		b.click(t, line(anh.ID)+" form.mark button")
		// Anh's line grows when it turns "present": wait for it before the
		// next tap, or the tap lands where Bình's button was a moment ago.
		attWaitFor(t, "Anh's line confirmed", func() bool { return lineClass(anh.ID) == "line present" })
		b.click(t, line(binh.ID)+" form.mark button")
		attWaitFor(t, "both check-ins on the server", func() bool { return row(anh.ID) != nil && row(binh.ID) != nil })
		attWaitFor(t, "both lines confirmed", func() bool {
			return lineClass(anh.ID) == "line present" && lineClass(binh.ID) == "line present"
		})
		binhFirst := row(binh.ID).CheckedInAt
		b.waitCached(t, pagePath)

		// The network drops. Anh was ticked by mistake: undo.
		b.setOffline(t, true)
		attWaitFor(t, "navigator.onLine to be false", func() bool { return !evalAs[bool](t, b, `navigator.onLine`) })
		b.click(t, line(anh.ID)+` form[action$="/checkin/undo"] button`)
		attWaitFor(t, "the undo queued", func() bool { return b.queueLen(t, ev.ID) == 1 })
		b.waitText(t, line(anh.ID)+" .state", "undo waiting to be sent")
		b.waitText(t, "#present-n", "1")
		// Bình: undone, then ticked again (he was there after all).
		b.click(t, line(binh.ID)+` form[action$="/checkin/undo"] button`)
		b.click(t, line(binh.ID)+" form.mark button")
		// Chi: ticked and undone before anything was sent: nothing to send.
		b.click(t, line(chi.ID)+" form.mark button")
		attWaitFor(t, "four actions queued", func() bool { return b.queueLen(t, ev.ID) == 4 })
		b.click(t, line(chi.ID)+` form[action$="/checkin/undo"] button`)
		attWaitFor(t, "Chi's check-in dropped from the queue", func() bool { return b.queueLen(t, ev.ID) == 3 })
		attWaitFor(t, "Chi's line plain again", func() bool { return lineClass(chi.ID) == "line" })
		b.waitText(t, line(binh.ID)+" .state", "waiting to be sent")
		if got := b.text(t, line(binh.ID)+" .state"); strings.Contains(got, "undo") {
			t.Errorf("Bình's line = %q, want his new check-in waiting", got)
		}
		time.Sleep(500 * time.Millisecond)
		if row(anh.ID) == nil || !row(binh.ID).CheckedInAt.Equal(binhFirst) {
			t.Fatal("the undo reached the server while the network was cut")
		}

		// Reloaded without network: the service worker's copy, with the
		// waiting undo still shown.
		b.navigate(t, pagePath)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		if got := b.text(t, line(anh.ID)+" .state"); !strings.Contains(got, "undo waiting to be sent") {
			t.Errorf("after an offline reload, Anh's line = %q, want the undo waiting", got)
		}

		// The network returns: in the order they were made.
		b.setOffline(t, false)
		attWaitFor(t, "the queue to empty", func() bool { return b.queueLen(t, ev.ID) == 0 })
		if row(anh.ID) != nil {
			t.Error("Anh's check-in must be undone on the server")
		}
		if r := row(binh.ID); r == nil || !r.CheckedInAt.After(binhFirst) {
			t.Errorf("Bình = %+v, want checked in again after %v (undo then check-in, in that order)", r, binhFirst)
		}
		if row(chi.ID) != nil {
			t.Error("Chi's check-in was undone before it left the phone: the server must not have it")
		}
		attWaitFor(t, "the lines to show the server's state", func() bool {
			return lineClass(anh.ID) == "line" && lineClass(binh.ID) == "line present"
		})
		if got := b.text(t, "#present-n"); got != "1" {
			t.Errorf("present count = %s, want 1", got)
		}
		// Anh can be ticked again from the line the undo put back.
		if n := evalAs[int](t, b, fmt.Sprintf(`document.querySelectorAll(%q).length`, line(anh.ID)+" form.mark button")); n != 1 {
			t.Errorf("Anh's line has %d Present buttons, want 1", n)
		}
	})
}

// The headcount typed without network waits on the phone (shown again after
// a reload) and is saved when the network returns.
func TestBrowserHeadcountOffline(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), StartsIn: 30 * time.Minute})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		count := func(sex, band string) int {
			var h attendance.Headcount
			if db.Where("event_id = ? AND sex = ? AND age_band = ?", ev.ID, sex, band).Take(&h).Error != nil {
				return -1
			}
			return h.Count
		}
		typeIn := func(id, v string) {
			evalAs[bool](t, b, fmt.Sprintf(`(document.getElementById(%q).value = "", true)`, id))
			b.fill(t, "#"+id, v)
		}

		b.login(t, "en", tr)
		// The check-in page has the service worker keep the headcount page.
		hcPath := fmt.Sprintf("/en/staff/events/%d/checkin/headcount", ev.ID)
		b.navigate(t, fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID))
		b.waitVisible(t, "#roster-empty, #checkin")
		b.waitCached(t, hcPath)

		// Online, with the script: saved at once, no page change.
		b.navigate(t, hcPath)
		b.waitVisible(t, "#headcount-form")
		b.waitQueue(t)
		typeIn("hc_female_25_59", "5")
		b.click(t, "#headcount-form button[type=submit]")
		attWaitFor(t, "the online headcount on the server", func() bool { return count("female", "25_59") == 5 })
		attWaitFor(t, "the saved message", func() bool {
			return strings.Contains(evalAs[string](t, b, `document.getElementById("sync").textContent`), "saved on the server")
		})

		// No network: a bad number is refused on the phone, a good grid waits.
		b.setOffline(t, true)
		attWaitFor(t, "navigator.onLine to be false", func() bool { return !evalAs[bool](t, b, `navigator.onLine`) })
		typeIn("hc_female_25_59", "-3")
		b.click(t, "#headcount-form button[type=submit]")
		b.waitVisible(t, "#hc-err")
		if b.queueLen(t, ev.ID) != 0 || evalAs[string](t, b, `document.getElementById("hc_female_25_59").getAttribute("aria-invalid")`) != "true" {
			t.Error("a negative number must be marked and not queued")
		}
		typeIn("hc_female_25_59", "12")
		typeIn("hc_male_under_16", "7")
		b.click(t, "#headcount-form button[type=submit]")
		attWaitFor(t, "the headcount queued", func() bool { return b.queueLen(t, ev.ID) == 1 })
		b.waitText(t, "#sync", "Headcount saved on this device")
		if got := b.text(t, "#sync"); !strings.Contains(got, "No network") {
			t.Errorf("status = %q, want the headcount waiting and no network", got)
		}
		if got := b.text(t, "#hc-total"); got != "Total: 19 people" {
			t.Errorf("total = %q, want 19", got)
		}
		if evalAs[bool](t, b, `document.getElementById("hc-err").hidden`) != true {
			t.Error("the error must go once the numbers are right")
		}
		time.Sleep(500 * time.Millisecond)
		if count("female", "25_59") != 5 {
			t.Fatal("the offline headcount reached the server while the network was cut")
		}

		// Reloaded without network: the numbers waiting are in the boxes.
		b.navigate(t, hcPath)
		b.waitVisible(t, "#headcount-form")
		b.waitQueue(t)
		if got := evalAs[string](t, b, `document.getElementById("hc_female_25_59").value`); got != "12" {
			t.Errorf("after an offline reload the box holds %q, want the 12 waiting", got)
		}

		// The network returns: saved, and the phone says so.
		b.setOffline(t, false)
		attWaitFor(t, "the offline headcount on the server", func() bool {
			return count("female", "25_59") == 12 && count("male", "under_16") == 7
		})
		attWaitFor(t, "the queue to empty", func() bool { return b.queueLen(t, ev.ID) == 0 })
		attWaitFor(t, "the saved message", func() bool {
			return strings.Contains(evalAs[string](t, b, `document.getElementById("sync").textContent`), "The headcount is saved on the server")
		})
	})
}

// ticketY4M writes frames of a ticket QR code as a Y4M video, for
// chromium's fake camera.
func ticketY4M(t *testing.T, path, text string) {
	t.Helper()
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	const w, h, scale, quiet = 640, 480, 8, 4
	side := (code.Size + 2*quiet) * scale
	x0, y0 := (w-side)/2, (h-side)/2
	luma := bytes.Repeat([]byte{235}, w*h)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if !code.Black(x, y) {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					luma[(y0+(y+quiet)*scale+dy)*w+x0+(x+quiet)*scale+dx] = 16
				}
			}
		}
	}
	chroma := bytes.Repeat([]byte{128}, w*h/2) // U and V planes of 4:2:0
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for i := 0; i < 3; i++ {
		buf.WriteString("FRAME\n")
		buf.Write(luma)
		buf.Write(chroma)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The camera scanner on a phone without BarcodeDetector: the page fetches
// the vendored jsQR decoder (never where BarcodeDetector reads QR codes),
// the service worker keeps it, and it reads a ticket from the (fake) camera.
func TestBrowserCheckinScannerFallback(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	video := filepath.Join(t.TempDir(), "ticket.y4m")
	b := newBrowserWith(t, db,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
	)
	ev := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), StartsIn: 30 * time.Minute})
	tr := testutil.Staff(t, db, user.RoleTrainer)
	testutil.AssignTrainer(t, db, ev.ID, tr.ID)
	lan := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Trần Thị Lan"})
	ticketY4M(t, video, registration.TicketQRText(b.ta.srv.cfg.SecretKey, ev.ID, lan.Code))

	addScript := func(js string) page.ScriptIdentifier {
		ctx, cancel := b.step()
		defer cancel()
		res, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		if err != nil {
			t.Fatal(err)
		}
		return res.Identifier
	}
	fetchedLib := func() bool {
		return evalAs[bool](t, b, `performance.getEntriesByType("resource").some(function (e) { return e.name.indexOf("/static/js/vendor/jsQR.") >= 0; })
			|| !!document.querySelector('script[src*="/static/js/vendor/jsQR."]') || typeof window.jsQR !== "undefined"`)
	}
	cachedLib := func() bool {
		return evalAs[bool](t, b, `(caches.open("lantern-checkin-v1").then(function (c) { return c.keys(); }).then(function (ks) {
			window.__lib = ks.some(function (r) { return r.url.indexOf("/static/js/vendor/jsQR.") >= 0; }); }), window.__lib === true)`)
	}

	b.login(t, "en", tr)
	pagePath := fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID)

	// A phone whose browser reads QR codes itself: the decoder is never fetched.
	native := addScript(`window.BarcodeDetector = function () {};
		window.BarcodeDetector.getSupportedFormats = function () { return Promise.resolve(["qr_code", "ean_13"]); };
		window.BarcodeDetector.prototype.detect = function () { return Promise.resolve([]); };`)
	b.navigate(t, pagePath)
	b.waitVisible(t, "#scan")
	if got := evalAs[string](t, b, `document.getElementById("checkin").dataset.scanner`); got != "native" {
		t.Errorf("scanner = %q, want native", got)
	}
	b.waitCached(t, pagePath) // the worker has done what the page asked
	b.do(t, chromedp.Sleep(500*time.Millisecond))
	if fetchedLib() || cachedLib() {
		t.Error("a phone with BarcodeDetector must not download the jsQR decoder")
	}
	ctx, cancel := b.step()
	if _, err := chromedp.Call(ctx, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: native}); err != nil {
		t.Fatal(err)
	}
	cancel()

	// Without BarcodeDetector: the decoder is loaded and kept for offline use.
	addScript(`try { delete window.BarcodeDetector; } catch (e) {}`)
	b.navigate(t, pagePath)
	b.waitVisible(t, "#scan")
	attWaitFor(t, "the jsQR decoder", func() bool { return evalAs[bool](t, b, `typeof window.jsQR === "function"`) })
	if got := evalAs[string](t, b, `document.getElementById("checkin").dataset.scanner`); got != "jsqr" {
		t.Errorf("scanner = %q, want jsqr", got)
	}
	if !fetchedLib() {
		t.Error("the decoder must be fetched from the vendored static file")
	}
	attWaitFor(t, "the decoder in the service worker's cache", cachedLib)

	// The (fake) camera shows Lan's ticket: read, verified, checked in.
	b.click(t, "#scan")
	attWaitFor(t, "the ticket read by the camera", func() bool {
		return strings.Contains(evalAs[string](t, b, `document.getElementById("code-ok").textContent`), "Trần Thị Lan")
	})
	attWaitFor(t, "Lan's check-in on the server", func() bool {
		var n int64
		db.Model(&attendance.Attendance{}).Where("registration_id = ?", lan.ID).Count(&n)
		return n == 1
	})
	if evalAs[bool](t, b, `document.getElementById("scan-video").hidden`) != true {
		t.Error("the camera must stop once a code is read")
	}
}
