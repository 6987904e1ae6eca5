package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// link stands between the browser and the server, so that a test can cut
// the network for real (DevTools' emulation ends with the browser).
type link struct {
	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

// newLink starts a link to b's server and points b at it.
func newLink(t *testing.T, b *browserEnv) *link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	target := strings.TrimPrefix(b.base, "http://")
	l := &link{conns: map[net.Conn]bool{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.mu.Lock()
			if l.down {
				l.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				l.mu.Unlock()
				c.Close()
				continue
			}
			l.conns[c], l.conns[s] = true, true
			l.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	b.base = "http://" + ln.Addr().String()
	return l
}

// cut cuts the link (every connection, and new ones are refused) or mends it.
func (l *link) cut(down bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = down
	if down {
		for c := range l.conns {
			c.Close()
		}
		l.conns = map[net.Conn]bool{}
	}
}

func presentOn(db *gorm.DB, regID uint) bool {
	var n int64
	db.Model(&attendance.Attendance{}).Where("registration_id = ?", regID).Count(&n)
	return n == 1
}

// The queue lives in IndexedDB: check-ins and a walk-in made without
// network survive a reload and the browser being closed, and are sent when
// the network returns.
func TestBrowserCheckinQueueSurvivesRestart(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		link := newLink(t, b)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), StartsIn: 30 * time.Minute})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		anh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Thị Anh"})
		binh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Trần Văn Bình"})
		chi := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Lê Thị Chi"})
		line := func(id uint) string { return fmt.Sprintf("#roster-%d", id) }

		b.login(t, "en", tr)
		pagePath := fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID)
		b.navigate(t, pagePath)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		b.waitCached(t, pagePath)

		// No network: two ticks, one tick undone at once (dropped), a walk-in.
		b.setOffline(t, true)
		attWaitFor(t, "navigator.onLine to be false", func() bool { return !evalAs[bool](t, b, `navigator.onLine`) })
		b.click(t, line(anh.ID)+" form.mark button")
		attWaitFor(t, "Anh's line waiting", func() bool { return b.queueLen(t, ev.ID) == 1 })
		b.click(t, line(binh.ID)+" form.mark button")
		b.click(t, line(chi.ID)+" form.mark button")
		attWaitFor(t, "three ticks queued", func() bool { return b.queueLen(t, ev.ID) == 3 })
		b.click(t, line(chi.ID)+` form[action$="/checkin/undo"] button`)
		attWaitFor(t, "Chi's tick dropped", func() bool { return b.queueLen(t, ev.ID) == 2 })
		b.click(t, `#walkin-form input[name=age_band][value="25_59"]`)
		b.click(t, `#walkin-form input[name=sex][value="female"]`)
		b.click(t, "#walkin-form button[type=submit]")
		attWaitFor(t, "the walk-in queued", func() bool { return b.queueLen(t, ev.ID) == 3 })
		if n := evalAs[int](t, b, `Object.keys(localStorage).filter(function (k) { return k.indexOf("lantern.checkin.queue.") === 0; }).length`); n != 0 {
			t.Errorf("%d queues in localStorage, want none (the queue lives in IndexedDB)", n)
		}

		// Reloaded without network: the queue is still there.
		b.navigate(t, pagePath)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		if got := b.text(t, line(binh.ID)+" .state"); !strings.Contains(got, "waiting to be sent") {
			t.Errorf("after an offline reload, Bình's line = %q, want waiting", got)
		}
		if b.queueLen(t, ev.ID) != 3 {
			t.Fatalf("after an offline reload the phone holds %d items, want 3", b.queueLen(t, ev.ID))
		}

		// The browser is closed, and opened again still without network.
		// (The network is cut for real around the restart: closing the
		// browser ends DevTools' network emulation before the page goes,
		// and the page would see the network come back and send.)
		link.cut(true)
		b.restart(t)
		b.setOffline(t, true)
		link.cut(false)
		attWaitFor(t, "the new tab offline", func() bool { return !evalAs[bool](t, b, `navigator.onLine`) })
		b.navigate(t, pagePath)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		if n := b.queueLen(t, ev.ID); n != 3 {
			t.Fatalf("after the browser was closed the phone holds %d items, want 3", n)
		}
		if got := b.text(t, "#sync"); !strings.Contains(got, "Waiting to be sent: 3") {
			t.Errorf("status after a restart = %q, want 3 waiting", got)
		}
		time.Sleep(300 * time.Millisecond)
		if presentOn(db, anh.ID) || presentOn(db, binh.ID) {
			t.Fatal("check-ins reached the server without network")
		}

		// The network returns: everything is sent, once.
		b.setOffline(t, false)
		attWaitFor(t, "the queue on the server", func() bool { return presentOn(db, anh.ID) && presentOn(db, binh.ID) })
		attWaitFor(t, "the queue to empty", func() bool { return b.queueLen(t, ev.ID) == 0 })
		if presentOn(db, chi.ID) {
			t.Error("Chi's tick was undone before it left the phone")
		}
		var walkIns int64
		db.Model(&registration.Registration{}).Where("event_id = ? AND kind = ?", ev.ID, registration.KindWalkIn).Count(&walkIns)
		if walkIns != 1 {
			t.Errorf("walk-ins = %d, want 1", walkIns)
		}
	})
}

// A refused item does not hold back the items behind it: the good ones
// reach the server, the refused ones are set aside and listed with their
// reason, to send again or discard; the list survives a reload.
func TestBrowserCheckinBadItemDoesNotBlock(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		other := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		anh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Thị Anh"})
		binh := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Trần Văn Bình"})
		stranger := testutil.Registration(t, db, other.ID, testutil.RegistrationOpts{})

		b.login(t, "en", tr)
		pagePath := fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID)
		b.navigate(t, pagePath)
		b.waitVisible(t, "#roster")
		b.waitQueue(t)
		b.setOffline(t, true)
		attWaitFor(t, "navigator.onLine to be false", func() bool { return !evalAs[bool](t, b, `navigator.onLine`) })

		// At the head of the queue, three items the server will refuse (an
		// id no database holds, someone of another session, a damaged item),
		// then two good ticks made on the page.
		bad := []map[string]any{
			{"client_id": "bad-huge", "registration_id": json.Number("18446744073709551616")},
			{"client_id": "bad-stranger", "registration_id": stranger.ID},
			{"client_id": "bad-damaged", "registration_id": "abc"},
		}
		for _, it := range bad {
			it["event"] = fmt.Sprint(ev.ID)
			it["at"] = now.Format(time.RFC3339)
		}
		js, _ := json.Marshal(bad)
		evalPromise[bool](t, b, fmt.Sprintf(`new Promise(function (ok, ko) {
			var r = indexedDB.open("lantern-checkin");
			r.onsuccess = function () {
				var db = r.result, tx = db.transaction("items", "readwrite");
				%s.forEach(function (it) { tx.objectStore("items").add(it); });
				tx.oncomplete = function () { db.close(); ok(true); };
				tx.onerror = function () { db.close(); ko(tx.error); };
			};
		})`, js))
		b.click(t, fmt.Sprintf("#roster-%d form.mark button", anh.ID))
		attWaitFor(t, "Anh queued", func() bool { return b.queueLen(t, ev.ID) == 4 })
		b.click(t, fmt.Sprintf("#roster-%d form.mark button", binh.ID))
		attWaitFor(t, "five items queued", func() bool { return b.queueLen(t, ev.ID) == 5 })

		b.setOffline(t, false)
		attWaitFor(t, "the good check-ins on the server", func() bool { return presentOn(db, anh.ID) && presentOn(db, binh.ID) })
		attWaitFor(t, "the refused items parked", func() bool { return b.queueLen(t, ev.ID) == 0 && b.parkedLen(t, ev.ID) == 3 })
		if presentOn(db, stranger.ID) {
			t.Error("a person of another session was checked in")
		}
		b.waitVisible(t, "#parked")
		parked := func() []string {
			return evalAs[[]string](t, b, `Array.prototype.map.call(document.querySelectorAll("#parked-list li"), function (li) { return li.textContent; })`)
		}
		got := parked()
		if len(got) != 3 {
			t.Fatalf("parked list = %q, want 3 items", got)
		}
		for _, want := range []string{"This person is not on this session's list.", "could not be read"} {
			if !strings.Contains(strings.Join(got, "\n"), want) {
				t.Errorf("parked list = %q, want a reason %q", got, want)
			}
		}
		if s := evalAs[string](t, b, `document.getElementById("sync").textContent`); !strings.Contains(s, "refused 3") {
			t.Errorf("status = %q, want the refusals counted", s)
		}
		if n := evalAs[int](t, b, `document.querySelectorAll('#parked-list button.discard[aria-label^="Discard: "]').length`); n != 3 {
			t.Errorf("%d discard buttons named after their item, want 3", n)
		}

		// Discard the damaged one; send the stranger again: refused again.
		b.click(t, `#parked-list li[data-client="bad-damaged"] button.discard`)
		attWaitFor(t, "the damaged item gone", func() bool { return b.parkedLen(t, ev.ID) == 2 && len(parked()) == 2 })
		b.click(t, `#parked-list li[data-client="bad-stranger"] button.retry`)
		attWaitFor(t, "the stranger refused again", func() bool {
			return b.queueLen(t, ev.ID) == 0 && b.parkedLen(t, ev.ID) == 2 && len(parked()) == 2
		})

		// The list is still there after a reload.
		b.navigate(t, pagePath)
		b.waitQueue(t)
		b.waitVisible(t, "#parked")
		if got := parked(); len(got) != 2 || strings.Contains(strings.Join(got, ""), "could not be read") {
			t.Errorf("after a reload the parked list = %q, want the two refused check-ins", got)
		}
		if !presentOn(db, anh.ID) || !presentOn(db, binh.ID) {
			t.Error("the good check-ins must stay")
		}
	})
}

// A phone with the queue of an earlier version (localStorage) and a day of
// a busy venue in it: moved into IndexedDB on the first load, sent in
// batches, and for each person the latest item decides.
func TestBrowserCheckinLegacyQueueMigrated(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	b := newBrowser(t, db)
	now := time.Now().UTC()
	ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -2 * time.Hour, Duration: 3 * time.Hour})
	tr := testutil.Staff(t, db, user.RoleTrainer)
	testutil.AssignTrainer(t, db, ev.ID, tr.ID)
	var people []uint
	for i := 0; i < 30; i++ {
		people = append(people, testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{}).ID)
	}
	const n = 1500
	items := make([]map[string]any, n)
	want := map[uint]bool{}
	for i := range items {
		p := people[(i*7)%len(people)]
		it := map[string]any{"client_id": fmt.Sprintf("legacy-%04d", i), "registration_id": p,
			"at": now.Add(-100*time.Minute + time.Duration(i)*3*time.Second).Format(time.RFC3339Nano)}
		if i%5 == 3 {
			it["op"] = "undo"
		}
		items[i] = it
		want[p] = i%5 != 3 // the latest item about p decides
	}
	js, _ := json.Marshal(items)

	b.login(t, "en", tr)
	evalAs[bool](t, b, fmt.Sprintf(`(localStorage.setItem("lantern.checkin.queue.%d", %q), true)`, ev.ID, js))
	b.navigate(t, fmt.Sprintf("/en/staff/events/%d/checkin", ev.ID))
	b.waitQueue(t)
	if evalAs[bool](t, b, fmt.Sprintf(`localStorage.getItem("lantern.checkin.queue.%d") !== null`, ev.ID)) {
		t.Error("the localStorage queue must be removed once moved")
	}
	deadline := time.Now().Add(60 * time.Second)
	for b.queueLen(t, ev.ID) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d items still waiting after a minute", b.queueLen(t, ev.ID))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if p := b.parkedLen(t, ev.ID); p != 0 {
		t.Errorf("%d items refused, want none", p)
	}
	var receipts int64
	db.Model(&attendance.Receipt{}).Where("event_id = ?", ev.ID).Count(&receipts)
	if receipts != n {
		t.Errorf("receipts = %d, want %d (each item once)", receipts, n)
	}
	count := 0
	for _, p := range people {
		if presentOn(db, p) != want[p] {
			t.Errorf("registration %d present %v, want %v (its latest item)", p, presentOn(db, p), want[p])
		}
		if want[p] {
			count++
		}
	}
	st, _ := attendance.EventStats(t.Context(), db, ev.ID)
	if st.Attended != count {
		t.Errorf("attended %d, want %d", st.Attended, count)
	}
}
