package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// postJSON sends JSON with the CSRF header, as checkin.js does.
func (c *client) attPostJSON(path string, body any) *http.Response {
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf())
	return c.do(req)
}

type attFixture struct {
	ta      *testApp
	db      *gorm.DB
	ev      *event.Event
	trainer *user.User
	c       *client
	base    string
	now     time.Time
}

// newAttFixture: an event starting in an hour, a trainer assigned and signed in.
func newAttFixture(t *testing.T, db *gorm.DB, kind event.Kind) *attFixture {
	t.Helper()
	ta := newTestApp(t, db)
	now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC) // 18:00 in Ho Chi Minh City
	ta.setNow(now)
	ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute, Kind: kind})
	tr := testutil.Staff(t, db, user.RoleTrainer)
	testutil.AssignTrainer(t, db, ev.ID, tr.ID)
	c := ta.client()
	c.login(tr)
	return &attFixture{ta: ta, db: db, ev: ev, trainer: tr, c: c, base: fmt.Sprintf("/en/staff/events/%d", ev.ID), now: now}
}

func attRow(t *testing.T, db *gorm.DB, regID uint) *attendance.Attendance {
	t.Helper()
	var as []attendance.Attendance
	if err := db.Where("registration_id = ?", regID).Find(&as).Error; err != nil {
		t.Fatal(err)
	}
	if len(as) > 1 {
		t.Fatalf("registration %d has %d attendance rows, want at most 1", regID, len(as))
	}
	if len(as) == 0 {
		return nil
	}
	return &as[0]
}

func attRedirect(t *testing.T, resp *http.Response, prefix string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want 303\n%.1500s", resp.StatusCode, body)
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, prefix) {
		t.Fatalf("Location = %q, want prefix %q", loc, prefix)
	}
}

func TestCheckinPaths(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		duc := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức", Phone: "+84912345678"})
		lan := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Trần Thị Lan"})
		mai := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Lê Mai"})
		hoa := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Phạm Hoa"})
		other := testutil.Event(t, db, testutil.EventOpts{Now: f.now})
		stranger := testutil.Registration(t, db, other.ID, testutil.RegistrationOpts{})

		doc := f.c.page(f.base+"/checkin", http.StatusOK)
		if n := doc.Find("#roster li.line").Length(); n != 4 {
			t.Fatalf("roster lines = %d, want 4", n)
		}
		if doc.Find("#checkin").AttrOr("data-key", "") == "" {
			t.Error("the assigned trainer's page must carry the event ticket key for offline checks")
		}
		if strings.Contains(doc.Text(), "912345678") || strings.Contains(doc.Text(), "912 345 678") {
			t.Error("the roster must not show whole phone numbers")
		}

		t.Run("typed code, lower case with a space", func(t *testing.T) {
			code := strings.ToLower(lan.Code[:3]) + " " + lan.Code[3:]
			attRedirect(t, f.c.post(f.base+"/checkin/code", url.Values{"code": {code}}), f.base+"/checkin?flash=checkin_done")
			a := attRow(t, db, lan.ID)
			if a == nil || a.Source != attendance.SourceCode || a.CheckedInByID == nil || *a.CheckedInByID != f.trainer.ID {
				t.Fatalf("attendance = %+v, want source code by the trainer", a)
			}
			// Again: the same row, flash "already".
			attRedirect(t, f.c.post(f.base+"/checkin/code", url.Values{"code": {lan.Code}}), f.base+"/checkin?flash=checkin_already")
		})

		t.Run("scanned QR ticket", func(t *testing.T) {
			qr := registration.TicketQRText(f.ta.srv.cfg.SecretKey, f.ev.ID, mai.Code)
			attRedirect(t, f.c.post(f.base+"/checkin/code", url.Values{"code": {qr}}), f.base+"/checkin?flash=checkin_done")
			if a := attRow(t, db, mai.ID); a == nil || a.Source != attendance.SourceQR {
				t.Fatalf("attendance = %+v, want source qr", a)
			}
			forged := qr[:len(qr)-2] + "xx"
			doc := f.ta.parse(f.c.post(f.base+"/checkin/code", url.Values{"code": {forged}}), http.StatusUnprocessableEntity, "forged")
			if got := text(doc, "#code-err"); got != "This QR code is not a genuine ticket." {
				t.Errorf("forged ticket message = %q", got)
			}
			if doc.Find("#code").AttrOr("value", "") != forged {
				t.Error("the typed code must be kept")
			}
			otherQR := registration.TicketQRText(f.ta.srv.cfg.SecretKey, other.ID, stranger.Code)
			doc = f.ta.parse(f.c.post(f.base+"/checkin/code", url.Values{"code": {otherQR}}), http.StatusUnprocessableEntity, "other event")
			if got := text(doc, "#code-err"); got != "This ticket is for another session." {
				t.Errorf("other event message = %q", got)
			}
			doc = f.ta.parse(f.c.post(f.base+"/checkin/code", url.Values{"code": {"NOPE999"}}), http.StatusUnprocessableEntity, "unknown")
			if !strings.Contains(text(doc, "#code-err"), "not found") {
				t.Errorf("unknown code message = %q", text(doc, "#code-err"))
			}
			if attRow(t, db, stranger.ID) != nil {
				t.Error("a ticket of another event must not check anyone in")
			}
		})

		t.Run("search by phone and by name without diacritics", func(t *testing.T) {
			doc := f.ta.parse(f.c.post(f.base+"/checkin/search", url.Values{"q": {"0912 345 678"}}), http.StatusOK, "search phone")
			if n := doc.Find("#search-" + itoa(int(duc.ID))).Length(); n != 1 {
				t.Fatalf("phone search: result for Đức = %d, want 1", n)
			}
			if doc.Find("li[id^=search-]").Length() != 1 {
				t.Errorf("phone search results = %d, want 1", doc.Find("li[id^=search-]").Length())
			}
			doc = f.ta.parse(f.c.post(f.base+"/checkin/search", url.Values{"q": {"nguyen van duc"}}), http.StatusOK, "search name")
			if doc.Find("#search-"+itoa(int(duc.ID))).Length() != 1 || doc.Find("li[id^=search-]").Length() != 1 {
				t.Fatalf("name search: want only Đức, got %d results", doc.Find("li[id^=search-]").Length())
			}
			if doc.Find("#q").AttrOr("value", "") != "nguyen van duc" {
				t.Error("the search must stay in its box")
			}
			attRedirect(t, f.c.post(f.base+"/checkin/mark", url.Values{"registration_id": {itoa(int(duc.ID))}, "source": {"search"}}), f.base+"/checkin?flash=checkin_done")
			if a := attRow(t, db, duc.ID); a == nil || a.Source != attendance.SourceSearch {
				t.Fatalf("attendance = %+v, want source search", a)
			}
		})

		t.Run("roster tick and undo", func(t *testing.T) {
			attRedirect(t, f.c.post(f.base+"/checkin/mark", url.Values{"registration_id": {itoa(int(hoa.ID))}}), f.base+"/checkin?flash=checkin_done")
			if a := attRow(t, db, hoa.ID); a == nil || a.Source != attendance.SourceRoster {
				t.Fatalf("attendance = %+v, want source roster", a)
			}
			doc := f.c.page(f.base+"/checkin?flash=checkin_done&last="+itoa(int(hoa.ID)), http.StatusOK)
			if got := text(doc, "#last strong"); got != "Phạm Hoa" {
				t.Errorf("last checked in = %q, want Phạm Hoa", got)
			}
			if got := text(doc, "#present-n"); got != "4" {
				t.Errorf("present = %q, want 4", got)
			}
			attRedirect(t, f.c.post(f.base+"/checkin/undo", url.Values{"registration_id": {itoa(int(hoa.ID))}}), f.base+"/checkin?flash=checkin_undone")
			if attRow(t, db, hoa.ID) != nil {
				t.Fatal("undo must delete the attendance")
			}
			attRedirect(t, f.c.post(f.base+"/checkin/undo", url.Values{"registration_id": {itoa(int(hoa.ID))}}), f.base+"/checkin?flash=checkin_nothing_to_undo")
			// A registration of another event cannot be ticked here.
			resp := f.c.post(f.base+"/checkin/mark", url.Values{"registration_id": {itoa(int(stranger.ID))}})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("mark of another event's registration: status %d, want 404", resp.StatusCode)
			}
			var n int64
			db.Model(&attendance.Attendance{}).Where("event_id = ?", f.ev.ID).Count(&n)
			if n != 3 {
				t.Errorf("attendances = %d, want 3 (Lan, Mai, Đức)", n)
			}
		})
	})
}

func TestCheckinConcurrentKeepsOneRowWithFirstTime(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		r := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		first := f.now.Add(-40 * time.Minute)
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// 50 phones; phone i saw the person at first + (49-i) seconds,
				// so the last goroutine holds the earliest time.
				at := first.Add(time.Duration(49-i) * time.Second)
				resp := f.c.attPostJSON(fmt.Sprintf("/api/v1/events/%d/checkins", f.ev.ID), map[string]any{
					"checkins": []map[string]any{{"client_id": fmt.Sprintf("phone-%02d-aaaaaaaa", i), "registration_id": r.ID, "at": at}},
				})
				statuses[i] = resp.StatusCode
			}(i)
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusOK {
				t.Fatalf("request %d: status %d", i, s)
			}
		}
		a := attRow(t, db, r.ID)
		if a == nil {
			t.Fatal("no attendance")
		}
		if !a.CheckedInAt.Equal(first) {
			t.Errorf("checked_in_at = %v, want the first time %v", a.CheckedInAt, first)
		}
		var n int64
		db.Model(&attendance.Attendance{}).Count(&n)
		if n != 1 {
			t.Errorf("attendance rows = %d, want 1", n)
		}

		// The same tick 50 times at once through the page form.
		r2 := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := f.c.post(f.base+"/checkin/mark", url.Values{"registration_id": {itoa(int(r2.ID))}})
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("status %d", resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		if a := attRow(t, db, r2.ID); a == nil || !a.CheckedInAt.Equal(f.now) {
			t.Errorf("attendance = %+v, want one row at %v", a, f.now)
		}
	})
}

type attBatchResponse struct {
	Results  []attendance.BatchResult `json:"results"`
	Attended int                      `json:"attended"`
	WalkIns  int                      `json:"walk_ins"`
}

func TestCheckinBatchReplayIsIdempotent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		a := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		b := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		c := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		secret := f.ta.srv.cfg.SecretKey
		at := f.now.Add(-5 * time.Minute)
		batch := map[string]any{"checkins": []map[string]any{
			{"client_id": "0b6f3c1e-0000-4000-8000-000000000001", "registration_id": a.ID, "at": at},
			{"client_id": "0b6f3c1e-0000-4000-8000-000000000002", "code": registration.TicketQRText(secret, f.ev.ID, b.Code), "at": at},
			{"client_id": "0b6f3c1e-0000-4000-8000-000000000003", "code": c.Code, "at": at},
			{"client_id": "0b6f3c1e-0000-4000-8000-000000000004", "walk_in": map[string]any{"sex": "female", "age_band": "under_16"}, "at": at},
			{"client_id": "0b6f3c1e-0000-4000-8000-000000000005", "code": "UNKNOWN1", "at": at},
		}}
		path := fmt.Sprintf("/api/v1/events/%d/checkins?figures=1", f.ev.ID)
		var first attBatchResponse
		for round := 1; round <= 3; round++ {
			resp := f.c.attPostJSON(path, batch)
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("round %d: status %d: %s", round, resp.StatusCode, body)
			}
			var br attBatchResponse
			if err := json.NewDecoder(resp.Body).Decode(&br); err != nil {
				t.Fatal(err)
			}
			if br.Attended != 3 || br.WalkIns != 1 {
				t.Errorf("round %d: attended %d, walk-ins %d; want 3 and 1", round, br.Attended, br.WalkIns)
			}
			want := []string{"checked_in", "checked_in", "checked_in", "checked_in", "rejected"}
			if round > 1 {
				// The refused item left no receipt: it is judged again.
				want = []string{"duplicate", "duplicate", "duplicate", "duplicate", "rejected"}
			} else {
				first = br
			}
			for i, r := range br.Results {
				if r.Status != want[i] {
					t.Errorf("round %d item %d: status %q, want %q", round, i+1, r.Status, want[i])
				}
			}
		}
		if first.Results[4].Error != "error.checkin.unknown_code" {
			t.Errorf("unknown code error = %q", first.Results[4].Error)
		}
		st, _ := attendance.EventStats(t.Context(), db, f.ev.ID)
		if st.Attended != 3 || st.WalkIns != 1 || st.Present != 4 {
			t.Errorf("stats = %+v, want 3 attended + 1 walk-in", st)
		}
		var walkIns []registration.Registration
		db.Where("event_id = ? AND kind = ?", f.ev.ID, registration.KindWalkIn).Find(&walkIns)
		if len(walkIns) != 1 || walkIns[0].Name != "" || walkIns[0].Phone != nil || walkIns[0].AgeBand != "under_16" {
			t.Errorf("walk-ins = %+v, want one child with no name and no phone", walkIns)
		}
		// Undo one, then the phone sends the same batch again: still undone.
		attRedirect(t, f.c.post(f.base+"/checkin/undo", url.Values{"registration_id": {itoa(int(a.ID))}}), f.base+"/checkin")
		f.c.attPostJSON(path, batch)
		if attRow(t, db, a.ID) != nil {
			t.Error("a replayed batch must not bring back an undone check-in")
		}
		if ta := attRow(t, db, b.ID); ta == nil || !ta.CheckedInAt.Equal(at) {
			t.Errorf("offline check-in time = %+v, want the device's time %v", ta, at)
		}
		// Without the CSRF header the batch is refused.
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"checkins":[]}`))
		req.Header.Set("Content-Type", "application/json")
		if resp := f.c.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("batch without CSRF token: status %d, want 403", resp.StatusCode)
		}
	})
}

func TestWalkInsAndHeadcount(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		seatsBefore := f.ev.SeatsTaken

		// A child: sex and age band only.
		attRedirect(t, f.c.post(f.base+"/checkin/walkin", url.Values{"sex": {"male"}, "age_band": {"under_16"}}), f.base+"/checkin?flash=checkin_walkin_added")
		// A child with a name: refused, input kept.
		doc := f.ta.parse(f.c.post(f.base+"/checkin/walkin", url.Values{"sex": {"female"}, "age_band": {"16_17"}, "name": {"Bé Na"}}), http.StatusUnprocessableEntity, "child with name")
		if got := text(doc, "#name-err"); !strings.Contains(got, "no name and no phone") {
			t.Errorf("child name error = %q", got)
		}
		if doc.Find("#wname").AttrOr("value", "") != "Bé Na" {
			t.Error("the typed name must be kept")
		}
		// An adult with a phone number typed the local way.
		attRedirect(t, f.c.post(f.base+"/checkin/walkin", url.Values{"sex": {"female"}, "age_band": {"25_59"}, "name": {"  Võ Thị  Sáu "}, "phone": {"0987.654.321"}}), f.base+"/checkin?flash=checkin_walkin_added")
		// Missing age band.
		doc = f.ta.parse(f.c.post(f.base+"/checkin/walkin", url.Values{"sex": {"female"}}), http.StatusUnprocessableEntity, "no band")
		if text(doc, "#age_band-err") == "" {
			t.Error("missing age band must be reported next to the field")
		}
		var ws []registration.Registration
		db.Where("event_id = ? AND kind = ?", f.ev.ID, registration.KindWalkIn).Order("id").Find(&ws)
		if len(ws) != 2 {
			t.Fatalf("walk-ins = %d, want 2", len(ws))
		}
		if ws[0].Name != "" || ws[0].Phone != nil || ws[0].Status != registration.StatusConfirmed || ws[0].Source != registration.SourceWalkIn {
			t.Errorf("child walk-in = %+v", ws[0])
		}
		if ws[1].Name != "Võ Thị Sáu" || ws[1].Phone == nil || *ws[1].Phone != "+84987654321" || ws[1].NameFolded != "vo thi sau" {
			t.Errorf("adult walk-in = %+v", ws[1])
		}
		for _, w := range ws {
			if attRow(t, db, w.ID) == nil {
				t.Errorf("walk-in %d has no attendance", w.ID)
			}
		}
		var e event.Event
		db.First(&e, f.ev.ID)
		if e.SeatsTaken != seatsBefore {
			t.Errorf("seats taken = %d, want %d: walk-ins take no seat", e.SeatsTaken, seatsBefore)
		}
		// The same number again: already there.
		doc = f.ta.parse(f.c.post(f.base+"/checkin/walkin", url.Values{"sex": {"female"}, "age_band": {"25_59"}, "phone": {"+84 98 765 43 21"}}), http.StatusUnprocessableEntity, "same phone")
		if !strings.Contains(text(doc, "#phone-err"), "already registered") {
			t.Errorf("duplicate phone error = %q", text(doc, "#phone-err"))
		}
		// Undo a walk-in added by mistake: it leaves the figures.
		attRedirect(t, f.c.post(f.base+"/checkin/undo", url.Values{"registration_id": {itoa(int(ws[0].ID))}}), f.base+"/checkin")

		// Headcount: typed, then corrected (upsert).
		f.c.page(f.base+"/checkin/headcount", http.StatusOK)
		attRedirect(t, f.c.post(f.base+"/checkin/headcount", url.Values{"hc_female_25_59": {"12"}, "hc_male_under_16": {"7"}}), f.base+"/checkin?flash=checkin_headcount_saved")
		attRedirect(t, f.c.post(f.base+"/checkin/headcount", url.Values{"hc_female_25_59": {"15"}, "hc_male_under_16": {"7"}, "hc_other_60_plus": {"1"}}), f.base+"/checkin")
		var hs []attendance.Headcount
		db.Where("event_id = ? AND count > 0", f.ev.ID).Order("sex, age_band").Find(&hs)
		if len(hs) != 3 || hs[0].Sex != "female" || hs[0].Count != 15 {
			t.Fatalf("headcounts = %+v, want female 25–59 = 15, male under 16 = 7, other 60+ = 1", hs)
		}
		var cells int64
		db.Model(&attendance.Headcount{}).Where("event_id = ?", f.ev.ID).Count(&cells)
		if cells != int64(len(registration.Sexes)*len(registration.AgeBands)) {
			t.Errorf("headcount rows = %d, want one per cell (20)", cells)
		}
		doc = f.ta.parse(f.c.post(f.base+"/checkin/headcount", url.Values{"hc_female_25_59": {"-3"}}), http.StatusUnprocessableEntity, "bad count")
		if doc.Find("#hc_female_25_59").AttrOr("aria-invalid", "") != "true" || doc.Find("#hc_female_25_59").AttrOr("value", "") != "-3" {
			t.Error("a bad number must be marked and kept")
		}

		doc = f.c.page(f.base+"/attendance", http.StatusOK)
		// Adult walk-in 1 + headcount 23.
		for id, want := range map[string]string{"#f-walkins": "1", "#f-headcount": "23", "#f-present": "24"} {
			if got := text(doc, id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
	})
}

func TestCheckinAccess(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		r := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		other := testutil.Staff(t, db, user.RoleTrainer)
		c := f.ta.client()
		c.login(other)
		for _, p := range []string{"/checkin", "/sheet", "/attendance", "/checkin/bulk", "/checkin/headcount"} {
			if resp := c.get(f.base + p); resp.StatusCode != http.StatusForbidden {
				t.Errorf("unassigned trainer GET %s: status %d, want 403", p, resp.StatusCode)
			}
		}
		if resp := c.post(f.base+"/checkin/mark", url.Values{"registration_id": {itoa(int(r.ID))}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unassigned trainer mark: status %d, want 403", resp.StatusCode)
		}
		resp := c.attPostJSON(fmt.Sprintf("/api/v1/events/%d/checkins", f.ev.ID), map[string]any{"checkins": []map[string]any{{"client_id": "abcdefgh-1", "registration_id": r.ID}}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unassigned trainer batch: status %d, want 403", resp.StatusCode)
		}
		if resp := c.get(fmt.Sprintf("/api/v1/events/%d/roster", f.ev.ID)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unassigned trainer roster: status %d, want 403", resp.StatusCode)
		}
		if attRow(t, db, r.ID) != nil {
			t.Error("an unassigned trainer checked someone in")
		}
		// A coach is not field staff at all.
		coach := f.ta.client()
		coach.login(testutil.Staff(t, db, user.RoleCoach))
		if resp := coach.get(f.base + "/checkin"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("coach: status %d, want 403", resp.StatusCode)
		}
		// Nobody signed in: to the login page.
		if resp := f.ta.client().get(f.base + "/checkin"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous: status %d, want 303 to login", resp.StatusCode)
		}
		// An organiser reaches every event.
		org := f.ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		org.page(f.base+"/checkin", http.StatusOK)
		// The roster API gives the last four digits only.
		resp = f.c.get(fmt.Sprintf("/api/v1/events/%d/roster?lang=vi", f.ev.ID))
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || strings.Contains(string(body), *r.Phone) || !strings.Contains(string(body), (*r.Phone)[len(*r.Phone)-4:]) {
			t.Errorf("roster API: status %d, body %s", resp.StatusCode, body)
		}
	})
}

func TestTrainerSessionsList(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate) // today, in 30 minutes
		later := testutil.Event(t, db, testutil.EventOpts{Now: f.now, StartsIn: 3 * 24 * time.Hour})
		past := testutil.Event(t, db, testutil.EventOpts{Now: f.now, StartsIn: -5 * 24 * time.Hour})
		notMine := testutil.Event(t, db, testutil.EventOpts{Now: f.now, StartsIn: 2 * time.Hour})
		testutil.AssignTrainer(t, db, later.ID, f.trainer.ID)
		testutil.AssignTrainer(t, db, past.ID, f.trainer.ID)
		doc := f.c.page("/vi/trainer", http.StatusOK)
		link := func(sel string) string { return doc.Find(sel+" + ul .card a.button").First().AttrOr("href", "") }
		if got := link("#h-today"); got != fmt.Sprintf("/vi/staff/events/%d/checkin", f.ev.ID) {
			t.Errorf("today = %q", got)
		}
		if got := link("#h-upcoming"); got != fmt.Sprintf("/vi/staff/events/%d/checkin", later.ID) {
			t.Errorf("upcoming = %q", got)
		}
		if got := link("#h-past"); got != fmt.Sprintf("/vi/staff/events/%d/checkin", past.ID) {
			t.Errorf("past = %q", got)
		}
		if strings.Contains(doc.Text(), "Hôm nay") == false {
			t.Error("the page must be in Vietnamese")
		}
		if doc.Find(fmt.Sprintf("a[href='/vi/staff/events/%d/checkin']", notMine.ID)).Length() != 0 {
			t.Error("a trainer must not see sessions they are not assigned to")
		}
		org := f.ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		doc = org.page("/vi/trainer", http.StatusOK)
		if doc.Find(fmt.Sprintf("a[href='/vi/staff/events/%d/checkin']", notMine.ID)).Length() != 1 {
			t.Error("an organiser sees every session")
		}
		if home := f.c.page("/vi/staff/", http.StatusOK); home.Find(".menu a[href='/vi/trainer']").Length() != 1 {
			t.Error("the staff menu must link to the trainer's sessions")
		}
	})
}

func TestSheetAndBulkEntry(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		a := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "An"})
		b := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Bình"})
		c := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Chi"})
		testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Dũng", Status: registration.StatusCancelled})
		child := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "-", Phone: "-", Sex: "female", AgeBand: "under_16"})
		db.Model(&registration.Registration{}).Where("id = ?", child.ID).Updates(map[string]any{"name": "", "name_folded": ""})

		// The staff member reads English; the sheet speaks the event's language (vi).
		doc := f.c.page(f.base+"/sheet", http.StatusOK)
		if doc.Find("html").AttrOr("lang", "") != "vi" {
			t.Errorf("sheet lang = %q, want vi", doc.Find("html").AttrOr("lang", ""))
		}
		rows := doc.Find("table.sheet-table").First().Find("tbody tr")
		if rows.Length() != 4 {
			t.Fatalf("sheet rows = %d, want 4 (the cancelled registration is left out)", rows.Length())
		}
		if got := strings.TrimSpace(rows.Eq(0).Find("td.code").Text()); got != child.Code && got != a.Code {
			t.Errorf("first code = %q", got)
		}
		if !strings.Contains(doc.Text(), "Không ghi tên · Nữ · Dưới 16 tuổi") {
			t.Error("a child is shown by sex and age band")
		}
		if n := doc.Find("table.walkins tbody tr").Length(); n != 15 {
			t.Errorf("blank walk-in rows = %d, want 15", n)
		}

		// Already checked in by a phone: the sheet entry keeps that time.
		earlier := f.now.Add(-10 * time.Minute)
		if _, err := attendance.CheckIn(t.Context(), db, attendance.DefaultWindow, attendance.CheckInInput{EventID: f.ev.ID, RegistrationID: a.ID, Source: "qr", At: earlier}, f.now); err != nil {
			t.Fatal(err)
		}
		doc = f.c.page(f.base+"/checkin/bulk", http.StatusOK)
		if doc.Find("input[name=reg]").Length() != 3 {
			t.Errorf("checkboxes to tick = %d, want 3", doc.Find("input[name=reg]").Length())
		}
		form := url.Values{"reg": {itoa(int(b.ID)), itoa(int(child.ID)), itoa(int(a.ID))}}
		attRedirect(t, f.c.post(f.base+"/checkin/bulk", form), f.base+"/checkin/bulk?flash=checkin_bulk_saved")
		if at := attRow(t, db, a.ID); at == nil || !at.CheckedInAt.Equal(earlier) || at.Source != "qr" {
			t.Errorf("An = %+v, want the phone's check-in kept", at)
		}
		for _, id := range []uint{b.ID, child.ID} {
			if at := attRow(t, db, id); at == nil || at.Source != attendance.SourceSheet {
				t.Errorf("registration %d: %+v, want source sheet", id, at)
			}
		}
		if attRow(t, db, c.ID) != nil {
			t.Error("Chi was not ticked")
		}
		// A registration of another event in the form: refused, nothing written.
		other := testutil.Registration(t, db, testutil.Event(t, db, testutil.EventOpts{Now: f.now}).ID, testutil.RegistrationOpts{})
		if resp := f.c.post(f.base+"/checkin/bulk", url.Values{"reg": {itoa(int(c.ID)), itoa(int(other.ID))}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("foreign registration: status %d, want 422", resp.StatusCode)
		}
		if attRow(t, db, c.ID) != nil {
			t.Error("the bulk entry must be all or nothing")
		}
	})
}

func TestCertificates(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindAuthorityWorkshop)
		fr := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Lê Văn Tâm", Lang: "fr"})
		vi := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Đặng Thu Hà", Lang: "vi"})
		absent := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Vắng Mặt"})
		for _, r := range []uint{fr.ID, vi.ID} {
			if _, err := attendance.CheckIn(t.Context(), db, attendance.DefaultWindow, attendance.CheckInInput{EventID: f.ev.ID, RegistrationID: r}, f.now); err != nil {
				t.Fatal(err)
			}
		}
		org := f.ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		doc := org.page(f.base+"/attendance/certificates", http.StatusOK)
		certs := doc.Find("article.certificate")
		if certs.Length() != 2 {
			t.Fatalf("certificates = %d, want 2", certs.Length())
		}
		byName := map[string]string{}
		certs.Each(func(_ int, s *goquery.Selection) {
			byName[strings.TrimSpace(s.Find(".cert-name").Text())] = s.AttrOr("lang", "")
		})
		if byName["Lê Văn Tâm"] != "fr" || byName["Đặng Thu Hà"] != "vi" {
			t.Errorf("certificate languages = %v", byName)
		}
		if strings.Contains(doc.Text(), "Vắng Mặt") {
			t.Error("no certificate for someone absent")
		}
		var cs []attendance.Certificate
		db.Order("id").Find(&cs)
		if len(cs) != 2 {
			t.Fatalf("certificate rows = %d", len(cs))
		}
		// Printing again reuses the codes.
		org.page(f.base+"/attendance/certificates", http.StatusOK)
		var again int64
		db.Model(&attendance.Certificate{}).Count(&again)
		if again != 2 {
			t.Errorf("certificates after a second print = %d, want 2", again)
		}

		// Public verification: name, workshop, date — typed with a dash and in lower case.
		var tam attendance.Certificate
		db.Where("registration_id = ?", fr.ID).Take(&tam)
		pub := f.ta.client()
		doc = pub.page("/fr/certificates/"+strings.ToLower(attendance.DisplayCode(tam.Code)), http.StatusOK)
		if got := text(doc, "#cert-name"); got != "Lê Văn Tâm" {
			t.Errorf("verified name = %q", got)
		}
		if got := text(doc, "#cert-workshop"); got != "Projection : La promesse" {
			t.Errorf("verified workshop = %q", got)
		}
		if strings.Contains(doc.Text(), *fr.Phone) {
			t.Error("the verification page shows only name, workshop and date")
		}
		pub.page("/en/certificates/ABCDE-FGHJK", http.StatusNotFound)
		pub.page("/en/certificates/x", http.StatusNotFound)
		_ = absent

		// A film-and-debate event gives no certificates.
		film := testutil.Event(t, db, testutil.EventOpts{Now: f.now})
		if resp := org.get(fmt.Sprintf("/en/staff/events/%d/attendance/certificates", film.ID)); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("film event certificates: status %d, want 422", resp.StatusCode)
		}
	})
}

func TestAttendanceFiguresPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		// 4 confirmed (one a group of 10), 1 waitlisted; 2 individuals and the group present.
		p1 := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "25_59"})
		p2 := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Sex: "male", AgeBand: "18_24"})
		testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "60_plus"})
		grp := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 10, Phone: "-"})
		testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		for _, id := range []uint{p1.ID, p2.ID, grp.ID} {
			f.c.post(f.base+"/checkin/mark", url.Values{"registration_id": {itoa(int(id))}})
		}
		doc := f.c.page("/fr"+f.base[3:]+"/attendance", http.StatusOK)
		// registered 14 = 13 confirmed + 1 waitlisted; attended 12; no-shows 1; rate 12/13 = 92 %.
		for id, want := range map[string]string{"#f-registered": "14", "#f-confirmed": "13", "#f-attended": "12", "#f-noshows": "1", "#f-present": "12"} {
			if got := text(doc, id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		if got := text(doc, "#f-rate"); !strings.HasPrefix(got, "92") || !strings.Contains(got, "%") {
			t.Errorf("rate = %q, want 92 %%", got)
		}
		if doc.Find("meta[http-equiv=refresh]").Length() != 1 {
			t.Error("the figures refresh themselves while the event runs")
		}
	})
}

// The check-in pages run a fixed number of queries whatever the size of the
// roster (no query per registration).
func TestCheckinPagesQueryCountDoesNotGrow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindAuthorityWorkshop)
		org := f.ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		qc := testutil.CountQueries(t, db)
		add := func(n int) {
			for i := 0; i < n; i++ {
				r := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "25_59"})
				if i%2 == 0 {
					if _, err := attendance.CheckIn(t.Context(), db, attendance.DefaultWindow, attendance.CheckInInput{EventID: f.ev.ID, RegistrationID: r.ID}, f.now); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		paths := []string{"/checkin", "/checkin/bulk", "/sheet", "/attendance", "/attendance/certificates"}
		count := func() map[string]int64 {
			out := map[string]int64{}
			for _, p := range paths {
				org.page(f.base+p, http.StatusOK) // certificates are issued on the first visit
				qc.Reset()
				org.page(f.base+p, http.StatusOK)
				out[p] = qc.N()
			}
			qc.Reset()
			if resp := org.get(fmt.Sprintf("/api/v1/events/%d/roster", f.ev.ID)); resp.StatusCode != http.StatusOK {
				t.Fatalf("roster API: %d", resp.StatusCode)
			}
			out["roster API"] = qc.N()
			return out
		}
		add(3)
		small := count()
		add(40)
		large := count()
		for p, n := range small {
			if large[p] != n {
				t.Errorf("%s runs %d queries with 3 registrations and %d with 43: a query per row", p, n, large[p])
			}
		}
	})
}
