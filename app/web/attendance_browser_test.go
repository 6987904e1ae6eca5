package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// waitFor polls cond until it holds or the time runs out.
func attWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A trainer at the venue checks someone in on a phone; the network drops,
// two more check-ins wait on the phone, and they land when it returns.
func TestBrowserCheckinOffline(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		anh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Thị Anh"})
		binh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Trần Văn Bình"})
		chi := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Lê Thị Chi"})
		dung := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Phạm Dũng"})
		present := func(id uint) bool {
			var n int64
			db.Model(&attendance.Attendance{}).Where("registration_id = ?", id).Count(&n)
			return n == 1
		}

		b.login(t, "en", tr)
		page := fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID)
		b.navigate(t, page)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		b.noHorizontalScroll(t)

		// Online: tap "Present" on the roster.
		b.click(t, fmt.Sprintf("#roster-%d form.mark button", anh.ID))
		attWaitFor(t, "Anh's check-in on the server", func() bool { return present(anh.ID) })
		attWaitFor(t, "the count to show 1", func() bool { return evalAs[string](t, b, `document.getElementById("present-n").textContent`) == "1" })

		// The network drops: a tick on the roster and a typed code wait on the phone.
		b.setOffline(t, true)
		attWaitFor(t, "navigator.onLine to be false", func() bool { return !evalAs[bool](t, b, `navigator.onLine`) })
		b.click(t, fmt.Sprintf("#roster-%d form.mark button", binh.ID))
		b.fill(t, "#code", strings.ToLower(chi.Code))
		b.click(t, "#code-form button[type=submit]")
		attWaitFor(t, "two check-ins queued", func() bool { return b.queueLen(t, ev.ID) == 2 })
		if got := b.text(t, "#code-ok"); !strings.Contains(got, "Lê Thị Chi") {
			t.Errorf("typed code feedback = %q, want Chi's name", got)
		}
		b.waitText(t, "#sync", "Waiting to be sent: 2")
		b.waitText(t, fmt.Sprintf("#roster-%d .state", binh.ID), "waiting to be sent")
		time.Sleep(500 * time.Millisecond)
		if present(binh.ID) || present(chi.ID) {
			t.Fatal("offline check-ins reached the server while the network was cut")
		}

		// Tickets are checked on the phone with the event key (WebCrypto):
		// a forged one is refused, a genuine one is queued.
		qr := registration.TicketQRText(b.ta.srv.cfg.SecretKey, ev.ID, dung.Code)
		b.fill(t, "#code", qr[:len(qr)-3]+"AAA")
		b.click(t, "#code-form button[type=submit]")
		attWaitFor(t, "the forged ticket message", func() bool {
			return strings.Contains(evalAs[string](t, b, `document.getElementById("code-msg").textContent`), "not a genuine ticket")
		})
		evalAs[string](t, b, `document.getElementById("code").value = ""`)
		b.fill(t, "#code", qr)
		b.click(t, "#code-form button[type=submit]")
		attWaitFor(t, "the genuine ticket queued", func() bool {
			return strings.Contains(evalAs[string](t, b, `document.getElementById("code-ok").textContent`), "Phạm Dũng")
		})

		// The phone reloads the page with no network: the service worker's
		// copy opens, with the queue still there.
		attWaitFor(t, "the page in the service worker's cache", func() bool {
			return evalAs[bool](t, b, `window.__cached === true`) || evalAs[bool](t, b,
				`(caches.match(location.pathname).then(function(r){ window.__cached = !!r; }), window.__cached === true)`)
		})
		b.navigate(t, page)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		if !strings.Contains(b.text(t, fmt.Sprintf("#roster-%d .state", binh.ID)), "waiting to be sent") {
			t.Error("after an offline reload, Bình's line must still show the waiting check-in")
		}

		// The network returns: both land, once.
		b.setOffline(t, false)
		attWaitFor(t, "the queued check-ins on the server", func() bool { return present(binh.ID) && present(chi.ID) && present(dung.ID) })
		attWaitFor(t, "the queue to empty", func() bool { return b.queueLen(t, ev.ID) == 0 })
		var a attendance.Attendance
		db.Where("registration_id = ?", chi.ID).Take(&a)
		if a.Source != attendance.SourceOffline || a.ClientID == nil {
			t.Errorf("Chi's attendance = %+v, want source offline with the phone's client id", a)
		}
		var n int64
		db.Model(&attendance.Attendance{}).Where("event_id = ?", ev.ID).Count(&n)
		if n != 4 {
			t.Errorf("attendances = %d, want 4", n)
		}
		attWaitFor(t, "the sent message", func() bool {
			return strings.Contains(evalAs[string](t, b, `document.getElementById("sync").textContent`), "Everything has been sent")
		})
	})
}

// Ticks sent one after another fetch the roster once, not once each; a
// check-in made on another phone still shows within ten seconds.
func TestBrowserCheckinRosterFollowsAtMostEvery10s(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	b := newBrowser(t, db)
	now := time.Now().UTC()
	ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
	tr := testutil.Staff(t, db, user.RoleTrainer)
	testutil.AssignTrainer(t, db, ev.ID, tr.ID)
	var people []uint
	for i := 0; i < 4; i++ {
		people = append(people, testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{}).ID)
	}
	present := func(id uint) bool {
		var n int64
		db.Model(&attendance.Attendance{}).Where("registration_id = ?", id).Count(&n)
		return n == 1
	}
	rosterFetches := func() int {
		return evalAs[int](t, b, `performance.getEntriesByType("resource").filter(function (e) { return e.name.indexOf("/roster") >= 0; }).length`)
	}

	b.login(t, "en", tr)
	b.navigate(t, fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID))
	b.waitVisible(t, "#roster")
	b.waitQueue(t)
	start := time.Now()
	for _, id := range people[:3] {
		b.click(t, fmt.Sprintf("#roster-%d form.mark button", id))
		attWaitFor(t, "the check-in on the server", func() bool { return present(id) })
	}
	attWaitFor(t, "the first roster fetch", func() bool { return rosterFetches() >= 1 })
	if n := rosterFetches(); n != 1 && time.Since(start) < 10*time.Second {
		t.Errorf("%d roster fetches for 3 ticks in %v, want 1", n, time.Since(start).Round(time.Millisecond))
	}
	// Another phone checks the fourth person in.
	if _, err := attendance.CheckIn(t.Context(), db, attendance.DefaultWindow, attendance.CheckInInput{EventID: ev.ID, RegistrationID: people[3]}, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	attWaitFor(t, "the other phone's check-in on this roster", func() bool {
		return evalAs[bool](t, b, fmt.Sprintf(`document.getElementById("roster-%d").classList.contains("present")`, people[3]))
	})
}
