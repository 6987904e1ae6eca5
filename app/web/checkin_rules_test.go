package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// These tests speak to the batch API only in JSON, as a phone does (no
// Go types of the attendance package), so that they read the same against
// any version of the server.

type itemAnswer struct {
	ClientID       string `json:"client_id"`
	Status         string `json:"status"`
	RegistrationID uint64 `json:"registration_id"`
	Present        *bool  `json:"present"`
	Error          string `json:"error"`
	Message        string `json:"message"`
}

type batchAnswer struct {
	Results  []itemAnswer `json:"results"`
	Attended int          `json:"attended"`
	WalkIns  int          `json:"walk_ins"`
}

// postBatch posts a raw body to the batch API of the event and returns the
// status and the answer (when 200).
func postBatch(t *testing.T, c *client, eventID uint, query, body string) (int, batchAnswer) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/events/%d/checkins%s", eventID, query), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf())
	resp := c.do(req)
	var ba batchAnswer
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &ba); err != nil {
			t.Fatalf("answer %s: %v", raw, err)
		}
	}
	return resp.StatusCode, ba
}

func answerList(ba batchAnswer) string {
	s := make([]string, len(ba.Results))
	for i, r := range ba.Results {
		s[i] = r.Status
		if r.Error != "" {
			s[i] += ":" + r.Error
		}
	}
	return strings.Join(s, " ")
}

func jsTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// One unreadable item, or an id no database can hold, used to refuse the
// whole batch (422), or fail it with a 500 on PostgreSQL only, and the page
// retried it for ever: nothing behind it left the phone. Each item is now
// answered on its own, with a translated reason when refused.
func TestCheckinBatchItemsAnsweredOneByOne(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		a := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		b := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		early, later := jsTime(f.now.Add(-20*time.Minute)), jsTime(f.now.Add(-10*time.Minute))
		items := []string{
			fmt.Sprintf(`{"client_id":%q,"registration_id":%d,"at":%q}`, cid(1), a.ID, early),
			fmt.Sprintf(`{"client_id":%q,"registration_id":"abc","at":%q}`, cid(2), early),
			fmt.Sprintf(`{"client_id":%q,"registration_id":18446744073709551616,"at":%q}`, cid(3), early),
			fmt.Sprintf(`{"client_id":%q,"registration_id":9223372036854775808,"at":%q}`, cid(4), early),
			fmt.Sprintf(`{"client_id":%q,"registration_id":-5,"at":%q}`, cid(5), early),
			fmt.Sprintf(`{"client_id":%q,"registration_id":1.5,"at":%q}`, cid(6), early),
			`42`,
			fmt.Sprintf(`{"client_id":7,"registration_id":%d}`, a.ID),
			fmt.Sprintf(`{"client_id":%q,"registration_id":%d,"at":"yesterday"}`, cid(8), b.ID),
			fmt.Sprintf(`{"client_id":%q,"op":"headcount","headcount":[{"sex":"female","age_band":"25_59","count":1e20}]}`, cid(9)),
			fmt.Sprintf(`{"client_id":%q,"walk_in":{"sex":"male","age_band":"25_59"},"at":%q}`, cid(10), early),
			fmt.Sprintf(`{"client_id":%q,"code":%q,"at":%q}`, cid(11), b.Code, early),
			fmt.Sprintf(`{"client_id":%q,"op":"undo","registration_id":%d,"at":%q}`, cid(12), a.ID, later),
			fmt.Sprintf(`{"client_id":%q,"registration_id":9223372036854775807,"at":%q}`, cid(13), early),
		}
		body := `{"checkins":[` + strings.Join(items, ",") + `]}`
		const roster, unreadable = "rejected:error.checkin.not_on_roster", "rejected:error.checkin.bad_item"
		want := strings.Join([]string{"checked_in", unreadable, roster, roster, roster, roster, unreadable, unreadable,
			unreadable, unreadable, "checked_in", "checked_in", "undone", roster}, " ")

		code, ba := postBatch(t, f.c, f.ev.ID, "?figures=1&lang=en", body)
		if code != http.StatusOK {
			t.Fatalf("a batch with some bad items: status %d, want 200", code)
		}
		if got := answerList(ba); got != want {
			t.Errorf("answers:\n got %s\nwant %s", got, want)
		}
		for i, r := range ba.Results {
			if r.Status == "rejected" && (r.Message == "" || strings.HasPrefix(r.Message, "error.")) {
				t.Errorf("item %d refused without a translated reason: %+v", i+1, r)
			}
		}
		if r := ba.Results[2]; r.ClientID != cid(3) || r.Message != "This person is not on this session's list." {
			t.Errorf("huge id: %+v, want its client id and the English reason", r)
		}
		if r := ba.Results[1]; r.ClientID != cid(2) || !strings.Contains(r.Message, "could not be read") {
			t.Errorf("unreadable item: %+v, want its client id and the reason", r)
		}
		if ba.Attended != 1 || ba.WalkIns != 1 || attRow(t, db, a.ID) != nil || attRow(t, db, b.ID) == nil {
			t.Errorf("figures %d attended, %d walk-ins; want b checked in, a undone, one walk-in", ba.Attended, ba.WalkIns)
		}

		// The same batch again (the phone missed the answer): accepted items
		// are duplicates, refused ones are refused again; in Vietnamese.
		code, ba = postBatch(t, f.c, f.ev.ID, "?figures=1&lang=vi", body)
		want = strings.Join([]string{"duplicate", unreadable, roster, roster, roster, roster, unreadable, unreadable,
			unreadable, unreadable, "duplicate", "duplicate", "duplicate", roster}, " ")
		if got := answerList(ba); code != http.StatusOK || got != want {
			t.Errorf("replay: %d\n got %s\nwant %s", code, got, want)
		}
		if m := ba.Results[2].Message; m != f.ta.srv.bundle.For("vi").T("error.checkin.not_on_roster") || m == "" {
			t.Errorf("reason in Vietnamese = %q", m)
		}
		if ba.Attended != 1 || ba.WalkIns != 1 {
			t.Errorf("after the replay: %d attended, %d walk-ins; want 1 and 1", ba.Attended, ba.WalkIns)
		}

		// One tick alone (the one-statement path on PostgreSQL) with an id
		// beyond what PostgreSQL's bigint holds: refused, not a failure.
		for i, id := range []string{"9223372036854775808", "18446744073709551615", "99999999999999999999999"} {
			code, ba := postBatch(t, f.c, f.ev.ID, "", fmt.Sprintf(`{"checkins":[{"client_id":%q,"registration_id":%s,"at":%q}]}`, cid(20+i), id, early))
			if code != http.StatusOK || answerList(ba) != roster {
				t.Errorf("one tick with id %s: status %d, %s; want 200 and %s", id, code, answerList(ba), roster)
			}
		}

		// A body that is not a batch is still refused whole.
		for _, bad := range []string{`not json`, `{"checkins":5}`, `[]`, `{"checkins":[`} {
			if code, _ := postBatch(t, f.c, f.ev.ID, "", bad); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Errorf("body %q: status %d, want 400 or 422", bad, code)
			}
		}
		many := make([]string, attendance.MaxBatch+1)
		for i := range many {
			many[i] = fmt.Sprintf(`{"client_id":"many-%d","registration_id":%d}`, i, a.ID)
		}
		if code, _ := postBatch(t, f.c, f.ev.ID, "", `{"checkins":[`+strings.Join(many, ",")+`]}`); code != http.StatusUnprocessableEntity {
			t.Errorf("%d items: status %d, want 422", len(many), code)
		}
	})
}

// phoneItem is an item queued on phone A or B.
type phoneItem struct {
	phone   string
	in      bool
	person  int
	minutes int // device time, minutes before now
}

// Two phones at one session, each with a queue made partly offline, send
// their batches in different orders (one after the other, either way, one
// item at a time alternately, each queue reversed, both at once): for each
// person the latest observation decides, and the figures count the people
// present, whatever the order.
func TestCheckinTwoPhonesInterleaved(t *testing.T) {
	queue := []phoneItem{
		{"A", true, 1, 50}, {"A", true, 2, 50}, {"A", false, 2, 20}, {"A", true, 1, 10}, {"A", true, 4, 40},
		{"A", false, 5, 35}, {"A", false, 3, 44},
		{"B", false, 1, 30}, {"B", true, 2, 30}, {"B", true, 3, 45}, {"B", true, 4, 45}, {"B", true, 5, 30},
	}
	// Person: present at the end, since how many minutes before now.
	want := map[int]int{1: 10, 4: 45, 5: 30} // 2 (undone at 20 after B's tick at 30) and 3 (undone at 44) absent

	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		other := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, f.ev.ID, other.ID)
		phoneB := f.ta.client()
		phoneB.login(other)
		phones := map[string]*client{"A": f.c, "B": phoneB}
		n := 0

		type order struct {
			name string
			send func(items func(phone string) []string, post func(phone string, items []string))
		}
		orders := []order{
			{"A then B", func(items func(string) []string, post func(string, []string)) {
				post("A", items("A"))
				post("B", items("B"))
			}},
			{"B then A", func(items func(string) []string, post func(string, []string)) {
				post("B", items("B"))
				post("A", items("A"))
			}},
			{"alternately, one item a batch", func(items func(string) []string, post func(string, []string)) {
				a, b := items("A"), items("B")
				for i := 0; i < len(a) || i < len(b); i++ {
					if i < len(a) {
						post("A", a[i:i+1])
					}
					if i < len(b) {
						post("B", b[i:i+1])
					}
				}
			}},
			{"each queue reversed", func(items func(string) []string, post func(string, []string)) {
				for _, p := range []string{"B", "A"} {
					xs := items(p)
					for i, j := 0, len(xs)-1; i < j; i, j = i+1, j-1 {
						xs[i], xs[j] = xs[j], xs[i]
					}
					post(p, xs)
				}
			}},
			{"both at once, two items a batch", func(items func(string) []string, post func(string, []string)) {
				var wg sync.WaitGroup
				for _, p := range []string{"A", "B"} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						xs := items(p)
						for i := 0; i < len(xs); i += 2 {
							post(p, xs[i:min(i+2, len(xs))])
						}
					}()
				}
				wg.Wait()
			}},
		}
		for _, o := range orders {
			people := map[int]uint{}
			for i := 1; i <= 5; i++ {
				people[i] = testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{}).ID
			}
			items := func(phone string) []string {
				var out []string
				for _, it := range queue {
					if it.phone != phone {
						continue
					}
					n++
					op := ""
					if !it.in {
						op = `"op":"undo",`
					}
					out = append(out, fmt.Sprintf(`{"client_id":"phone-%s-%d",%s"registration_id":%d,"at":%q}`,
						phone, n, op, people[it.person], jsTime(f.now.Add(-time.Duration(it.minutes)*time.Minute))))
				}
				return out
			}
			var mu sync.Mutex
			var failures []string
			post := func(phone string, xs []string) {
				code, ba := postBatch(t, phones[phone], f.ev.ID, "", `{"checkins":[`+strings.Join(xs, ",")+`]}`)
				for _, r := range ba.Results {
					if r.Status == "rejected" {
						code = 0
					}
				}
				if code != http.StatusOK {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("phone %s: %d %s", phone, code, answerList(ba)))
					mu.Unlock()
				}
			}
			o.send(items, post)
			for _, fl := range failures {
				t.Errorf("%s: %s", o.name, fl)
			}
			for p := 1; p <= 5; p++ {
				a := attRow(t, db, people[p])
				m, ok := want[p]
				switch {
				case ok && a == nil:
					t.Errorf("%s: person %d absent, want present since -%d min", o.name, p, m)
				case !ok && a != nil:
					t.Errorf("%s: person %d present, want absent (undone last)", o.name, p)
				case ok && !a.CheckedInAt.Equal(f.now.Add(-time.Duration(m)*time.Minute)):
					t.Errorf("%s: person %d checked in at %v, want -%d min", o.name, p, a.CheckedInAt, m)
				}
			}
		}
		// The figures count three people per order, once each.
		st, err := attendance.EventStats(t.Context(), db, f.ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := 3 * len(orders); st.Attended != want || st.Present != want {
			t.Errorf("figures: attended %d, present %d; want %d", st.Attended, st.Present, want)
		}
		_, ba := postBatch(t, f.c, f.ev.ID, "?figures=1", `{"checkins":[]}`)
		if ba.Attended != 3*len(orders) {
			t.Errorf("the phone's figures: attended %d, want %d", ba.Attended, 3*len(orders))
		}

		// The page's own undo (online, at the server's time) is later than
		// anything queued before it: a tick a phone made before it and sends
		// after it does not bring the person back; one made after it does.
		p := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		tick := func(id string, minutes int) string {
			_, ba := postBatch(t, phoneB, f.ev.ID, "", fmt.Sprintf(`{"checkins":[{"client_id":%q,"registration_id":%d,"at":%q}]}`,
				id, p.ID, jsTime(f.now.Add(time.Duration(minutes)*time.Minute))))
			return answerList(ba)
		}
		if got := tick("page-1", -30); got != "checked_in" {
			t.Fatalf("first tick: %s", got)
		}
		f.ta.setNow(f.now.Add(time.Minute))
		attRedirect(t, f.c.post(f.base+"/checkin/undo", url.Values{"registration_id": {itoa(int(p.ID))}}), f.base+"/checkin?flash=checkin_undone")
		if got := tick("page-2", -5); got != "superseded" || attRow(t, db, p.ID) != nil {
			t.Errorf("a tick made before the page's undo, sent after it: %s, present %v; want superseded and absent", got, attRow(t, db, p.ID) != nil)
		}
		f.ta.setNow(f.now.Add(3 * time.Minute))
		if got := tick("page-3", 2); got != "checked_in" || attRow(t, db, p.ID) == nil {
			t.Errorf("a tick made after the page's undo: %s, want checked_in", got)
		}
	})
}

// A session takes check-ins from CHECKIN_WINDOW_BEFORE before its start to
// CHECKIN_WINDOW_AFTER after its end; a cancelled one none. The pages say
// so and refuse every action with the reason beside it; the batch API
// refuses each item with it; nothing reaches the figures.
func TestCheckinWindowOnPages(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC) // 18:00 in Ho Chi Minh City
		ta.setNow(now)
		org := ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		day := 24 * time.Hour
		cases := []struct {
			name  string
			opts  testutil.EventOpts
			key   string
			extra string // what the page adds to the reason
		}{
			{"cancelled", testutil.EventOpts{StartsIn: time.Hour, Status: event.StatusCancelled}, "error.checkin.cancelled", ""},
			{"weeks away", testutil.EventOpts{StartsIn: 3 * 7 * day}, "error.checkin.too_early", "Check-in opens on"},
			{"13 hours away", testutil.EventOpts{StartsIn: 13 * time.Hour}, "error.checkin.too_early", "Check-in opens on Wednesday, November 25, 2026"},
			{"ended 8 days ago", testutil.EventOpts{StartsIn: -8*day - 2*time.Hour}, "error.checkin.closed", "It closed on"},
			{"11 hours away", testutil.EventOpts{StartsIn: 11 * time.Hour}, "", ""},
			{"ended 6 days ago (late paper sheet)", testutil.EventOpts{StartsIn: -6*day - 2*time.Hour}, "", ""},
		}
		en := ta.srv.bundle.For("en")
		for i, c := range cases {
			c.opts.Now = now
			ev := testutil.Event(t, db, c.opts)
			r := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Thị Hoa"})
			base := fmt.Sprintf("/en/staff/events/%d", ev.ID)
			reason := ""
			if c.key != "" {
				reason = en.T(c.key)
			}

			doc := org.page(base+"/checkin", http.StatusOK)
			if got := strings.TrimSpace(doc.Find("#closed").Text()); !strings.HasPrefix(got, reason) || !strings.Contains(got, c.extra) || (reason == "") != (got == "") {
				t.Errorf("%s: notice %q, want %q … %q", c.name, got, reason, c.extra)
			}
			for _, p := range []string{"/checkin/headcount", "/checkin/bulk"} {
				if got := strings.TrimSpace(org.page(base+p, http.StatusOK).Find("#closed").Text()); !strings.HasPrefix(got, reason) || (reason == "") != (got == "") {
					t.Errorf("%s %s: notice %q, want %q", c.name, p, got, reason)
				}
			}
			id := url.Values{"registration_id": {itoa(int(r.ID))}}
			if reason == "" {
				attRedirect(t, org.post(base+"/checkin/mark", id), base+"/checkin?flash=checkin_done")
				attRedirect(t, org.post(base+"/checkin/undo", id), base+"/checkin?flash=checkin_undone")
				attRedirect(t, org.post(base+"/checkin/code", url.Values{"code": {r.Code}}), base+"/checkin?flash=checkin_done")
				attRedirect(t, org.post(base+"/checkin/headcount", url.Values{"hc_female_25_59": {"4"}}), base+"/checkin?flash=checkin_headcount_saved")
				_, ba := postBatch(t, org, ev.ID, "", fmt.Sprintf(`{"checkins":[{"client_id":"window-%d","walk_in":{"sex":"male","age_band":"25_59"}}]}`, i))
				if got := answerList(ba); got != "checked_in" {
					t.Errorf("%s: walk-in in a batch: %s", c.name, got)
				}
				continue
			}
			// Every action is refused, with the reason beside it.
			refused := func(what string, resp *http.Response, sel string) {
				t.Helper()
				d := ta.parse(resp, http.StatusUnprocessableEntity, c.name+": "+what)
				if got := d.Find(sel).Text(); !strings.Contains(got, reason) {
					t.Errorf("%s: %s refused, %s says %q, want %q", c.name, what, sel, got, reason)
				}
				if d.Find("#closed[role=alert]").Length() != 1 {
					t.Errorf("%s: %s refused: the notice must be an alert", c.name, what)
				}
			}
			refused("tick", org.post(base+"/checkin/mark", id), "#roster-err")
			refused("undo", org.post(base+"/checkin/undo", id), "#roster-err")
			refused("code", org.post(base+"/checkin/code", url.Values{"code": {r.Code}}), "#code-err")
			refused("walk-in", org.post(base+"/checkin/walkin", url.Values{"sex": {"male"}, "age_band": {"25_59"}}), "#walkin .flash-error")
			refused("headcount", org.post(base+"/checkin/headcount", url.Values{"hc_female_25_59": {"4"}}), "#closed")
			refused("paper sheet", org.post(base+"/checkin/bulk", url.Values{"reg": {itoa(int(r.ID))}}), "#closed")
			code, ba := postBatch(t, org, ev.ID, "?figures=1&lang=en", fmt.Sprintf(`{"checkins":[
				{"client_id":"win-%d-1","registration_id":%d,"at":%q},
				{"client_id":"win-%d-2","op":"undo","registration_id":%d},
				{"client_id":"win-%d-3","walk_in":{"sex":"male","age_band":"25_59"}},
				{"client_id":"win-%d-4","op":"headcount","headcount":[{"sex":"female","age_band":"25_59","count":3}]}]}`,
				i, r.ID, jsTime(now), i, r.ID, i, i))
			w := "rejected:" + c.key
			if got := answerList(ba); code != http.StatusOK || got != strings.Join([]string{w, w, w, w}, " ") {
				t.Errorf("%s: batch %d %s, want each item %s", c.name, code, got, w)
			}
			if len(ba.Results) > 0 && ba.Results[0].Message != reason {
				t.Errorf("%s: batch reason %q, want %q", c.name, ba.Results[0].Message, reason)
			}
			st, err := attendance.EventStats(t.Context(), db, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Present != 0 || ba.Attended != 0 || ba.WalkIns != 0 {
				t.Errorf("%s: %d people present after refusals, want 0", c.name, st.Present)
			}
		}
	})
}

// A phone's queue sent in one batch costs, on PostgreSQL, three statements
// per tick (receipt, the observation with its attendance row in one
// statement, the receipt's status), as before marks existed, plus three a
// batch: the session with its CSRF token, the trainer's assignment, the
// event's row.
func TestCheckinBatchStatementsPerTick(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		var items []string
		for i := 0; i < 10; i++ {
			r := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
			items = append(items, fmt.Sprintf(`{"client_id":"stmt-%d","registration_id":%d,"at":%q}`, i, r.ID, jsTime(f.now.Add(-time.Minute))))
		}
		f.c.csrf()
		qc := testutil.CountQueries(t, db)
		code, ba := postBatch(t, f.c, f.ev.ID, "", `{"checkins":[`+strings.Join(items, ",")+`]}`)
		if code != http.StatusOK || !strings.HasPrefix(answerList(ba), "checked_in checked_in") {
			t.Fatalf("batch: %d %s", code, answerList(ba))
		}
		t.Logf("%s: a batch of 10 ticks runs %d statements", db.Dialector.Name(), qc.N())
		if db.Dialector.Name() == "postgres" && qc.N() > 3*10+3 {
			t.Errorf("a batch of 10 ticks runs %d statements on PostgreSQL, want at most 33", qc.N())
		}
	})
}
