package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// A trainer at the door types into the roster's filter a name without its
// accents, the last four digits shown on a line ("…5678") or part of a code:
// only the matching lines stay on screen. The server's search (the form
// that works without JavaScript) finds the same people.
func TestBrowserRosterFilter(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		duc := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức", Phone: "+84912345678"})
		lan := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Trần Thị Lan", Phone: "+84987652468"})
		hoa := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa", Phone: "+84903111222"})
		// Codes as registration makes them.
		for r, code := range map[uint]string{duc.ID: "K7M2QX", lan.ID: "HR4W9P", hoa.ID: "ZT3N8B"} {
			if err := db.Exec("UPDATE registrations SET code = ? WHERE id = ?", code, r).Error; err != nil {
				t.Fatal(err)
			}
		}
		b.login(t, "vi", tr)
		page := fmt.Sprintf("/vi/staff/events/%d/checkin", ev.ID)
		b.navigate(t, page)
		b.waitVisible(t, "#filter")

		// visible lists the ids of the roster lines on screen.
		visible := func() []uint {
			return evalAs[[]uint](t, b, `[...document.querySelectorAll('#roster li.line')].filter(li => li.getClientRects().length > 0).map(li => +li.dataset.id)`)
		}
		all := visible()
		slices.Sort(all)
		if want := []uint{duc.ID, lan.ID, hoa.ID}; !slices.Equal(all, want) {
			t.Fatalf("roster before filtering shows %v, want %v", all, want)
		}
		if !strings.Contains(b.text(t, fmt.Sprintf("#roster-%d .tail", duc.ID)), "5678") {
			t.Fatal("the roster must show the last four digits of Đức's number")
		}
		for _, c := range []struct {
			q    string
			want uint
		}{
			{"duc", duc.ID}, {"ĐỨC", duc.ID}, {"5678", duc.ID}, {"…2468", lan.ID}, {"7m2", duc.ID}, {"T3N8", hoa.ID}, {"thi hoa", hoa.ID},
		} {
			evalAs[bool](t, b, `(document.getElementById('filter').value = '', true)`)
			b.fill(t, "#filter", c.q)
			if got := visible(); !slices.Equal(got, []uint{c.want}) {
				t.Errorf("filter %q shows lines %v, want only %d", c.q, got, c.want)
			}
		}
		// Emptying the filter brings every line back.
		evalAs[bool](t, b, `(f => (f.value = '', f.dispatchEvent(new Event('input')), true))(document.getElementById('filter'))`)
		if got := visible(); len(got) != 3 {
			t.Errorf("empty filter shows %v, want every line", got)
		}

		// The server's search, as a phone without JavaScript sends it.
		c := b.ta.client()
		c.login(tr)
		for q, want := range map[string]uint{"…5678": duc.ID, "2468": lan.ID, "m2q": duc.ID, "zt3n": hoa.ID} {
			doc := b.ta.parse(c.post(page+"/search", url.Values{"q": {q}}), 200, "search "+q)
			var got []string
			doc.Find("#results + ul.roster li.line").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-id", "")) })
			if !slices.Equal(got, []string{fmt.Sprint(want)}) {
				t.Errorf("server search %q found %v, want only %d", q, got, want)
			}
		}
	})
}

// A trainer types the code of someone on the waiting list on a phone with
// JavaScript: the phone does not queue a check-in; the page warns, in
// Vietnamese, and checks the person in only after "Let in from the waiting
// list". A tap on a waitlisted line of the roster warns the same way.
func TestBrowserWaitlistedCodeAtTheDoor(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute, Capacity: 1})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, ev.ID, tr.ID)
		testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức"})
		w := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Phạm Thị Chờ", Status: registration.StatusWaitlisted})
		w2 := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Lê Văn Đợi", Status: registration.StatusWaitlisted})
		present := func(id uint) bool {
			var n int64
			db.Table("attendances").Where("registration_id = ?", id).Count(&n)
			return n == 1
		}
		b.login(t, "vi", tr)
		page := fmt.Sprintf("/vi/staff/events/%d/checkin", ev.ID)
		b.navigate(t, page)
		b.waitVisible(t, "#roster")

		b.fill(t, "#code", strings.ToLower(w.Code))
		b.click(t, "#code-form button[type=submit]")
		b.waitVisible(t, "#last.waitlisted")
		if got := b.text(t, "p.flash"); got != "Người này đang trong danh sách chờ, chưa có chỗ: chưa điểm danh." {
			t.Errorf("warning = %q", got)
		}
		if got := evalAs[string](t, b, `getComputedStyle(document.querySelector('p.flash')).color`); got == "rgb(29, 107, 47)" {
			t.Error("the warning is styled as a success (green)")
		}
		if n := evalAs[int](t, b, fmt.Sprintf(`JSON.parse(localStorage.getItem("lantern.checkin.queue.%d") || "[]").length`, ev.ID)); n != 0 || present(w.ID) {
			t.Fatalf("the waitlisted code was checked in (queued %d, present %v)", n, present(w.ID))
		}
		b.noHorizontalScroll(t)
		b.click(t, "#last.waitlisted form button")
		b.waitVisible(t, "#last.present")
		if got := b.text(t, "p.flash"); got != "Đã cho vào từ danh sách chờ: đăng ký được xác nhận và đã điểm danh." {
			t.Errorf("after letting in: %q", got)
		}
		if !present(w.ID) {
			t.Error("not checked in after being let in")
		}

		// The roster's "Present" on a waitlisted line asks too.
		b.click(t, fmt.Sprintf("#roster-%d form button", w2.ID))
		b.waitVisible(t, "#last.waitlisted")
		if !strings.Contains(b.text(t, "#last.waitlisted"), "Lê Văn Đợi") || present(w2.ID) {
			t.Error("a tap on a waitlisted line must warn and check nobody in")
		}
	})
}
