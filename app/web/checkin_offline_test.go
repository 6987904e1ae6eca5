package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// sendBatch posts queued items as checkin.js does, asking for the event's
// figures too, and returns the statuses in the order of the items.
func (f *attFixture) sendBatch(t *testing.T, items ...map[string]any) attBatchResponse {
	t.Helper()
	resp := f.c.attPostJSON(fmt.Sprintf("/api/v1/events/%d/checkins?figures=1", f.ev.ID), map[string]any{"checkins": items})
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("batch: status %d: %s", resp.StatusCode, body)
	}
	var br attBatchResponse
	if err := json.NewDecoder(resp.Body).Decode(&br); err != nil {
		t.Fatal(err)
	}
	if len(br.Results) != len(items) {
		t.Fatalf("batch: %d results for %d items", len(br.Results), len(items))
	}
	return br
}

func statuses(br attBatchResponse) string {
	s := make([]string, len(br.Results))
	for i, r := range br.Results {
		s[i] = r.Status
		if r.Error != "" {
			s[i] += ":" + r.Error
		}
	}
	return strings.Join(s, " ")
}

func cid(n int) string { return fmt.Sprintf("6d1c2a70-0000-4000-8000-%012d", n) }

// An undo queued offline for a check-in the server already has: applied
// once, idempotent on replay, a no-op (not an error) when already undone,
// and applied in the order the phone queued it.
func TestCheckinBatchUndo(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		a := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		b := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		other := testutil.Event(t, db, testutil.EventOpts{Now: f.now})
		stranger := testutil.Registration(t, db, other.ID, testutil.RegistrationOpts{})
		t1, t2, t3 := f.now.Add(-30*time.Minute), f.now.Add(-20*time.Minute), f.now.Add(-10*time.Minute)
		t4, t5 := f.now.Add(-8*time.Minute), f.now.Add(-6*time.Minute)

		// Synced check-in, then an undo made offline, sent three times.
		if got := statuses(f.sendBatch(t, map[string]any{"client_id": cid(1), "registration_id": a.ID, "at": t1})); got != "checked_in" {
			t.Fatalf("check-in: %s", got)
		}
		undoA := map[string]any{"client_id": cid(2), "op": "undo", "registration_id": a.ID, "at": t2}
		for round, want := range []string{"undone", "duplicate", "duplicate"} {
			br := f.sendBatch(t, undoA)
			if got := statuses(br); got != want {
				t.Errorf("undo round %d: %s, want %s", round+1, got, want)
			}
			if br.Attended != 0 {
				t.Errorf("undo round %d: attended %d, want 0", round+1, br.Attended)
			}
		}
		if attRow(t, db, a.ID) != nil {
			t.Fatal("the undo sent from the phone must remove the check-in")
		}
		var audits int64
		db.Table("audit_logs").Where("action = ? AND entity_id = ?", "attendance.undo", itoa(int(a.ID))).Count(&audits)
		if audits != 1 {
			t.Errorf("undo audit lines = %d, want 1 (a replay writes nothing)", audits)
		}

		// Another phone undoes the same person (new client id): nothing to
		// undo, which is not an error; nor is undoing someone never checked in.
		br := f.sendBatch(t,
			map[string]any{"client_id": cid(3), "op": "undo", "registration_id": a.ID, "at": t2},
			map[string]any{"client_id": cid(4), "op": "undo", "registration_id": b.ID, "at": t2},
			map[string]any{"client_id": cid(5), "op": "undo", "registration_id": stranger.ID, "at": t2},
			map[string]any{"client_id": cid(6), "op": "explode", "registration_id": b.ID, "at": t2},
		)
		if got, want := statuses(br), "not_in not_in rejected:error.checkin.not_on_roster rejected:error.checkin.bad_item"; got != want {
			t.Errorf("undo of people not checked in: %s, want %s", got, want)
		}
		if attRow(t, db, stranger.ID) != nil || attRow(t, db, b.ID) != nil {
			t.Error("nothing may be checked in by these undos")
		}

		// Check-in, undo, check-in again queued on one phone after that (b's
		// check-in in between, with a higher id): a ends present, at the
		// time of the last check-in.
		seq := []map[string]any{
			{"client_id": cid(10), "registration_id": a.ID, "at": t3},
			{"client_id": cid(11), "registration_id": b.ID, "at": t3},
			{"client_id": cid(12), "op": "undo", "registration_id": a.ID, "at": t4},
			{"client_id": cid(13), "registration_id": a.ID, "at": t5},
		}
		if got, want := statuses(f.sendBatch(t, seq...)), "checked_in checked_in undone checked_in"; got != want {
			t.Errorf("check-in, undo, check-in: %s, want %s", got, want)
		}
		if r := attRow(t, db, a.ID); r == nil || !r.CheckedInAt.Equal(t5) {
			t.Fatalf("a's attendance = %+v, want present at %v", r, t5)
		}
		// A check-in a phone made before the undo at t2, sent only now: the
		// undo is later, so it stands (the check-in changes nothing).
		br = f.sendBatch(t, map[string]any{"client_id": cid(14), "registration_id": b.ID, "at": t1},
			map[string]any{"client_id": cid(15), "op": "undo", "registration_id": a.ID, "at": t1})
		if got, want := statuses(br), "already superseded"; got != want {
			t.Errorf("late items older than the latest: %s, want %s", got, want)
		}
		if br.Results[1].Present == nil || !*br.Results[1].Present || attRow(t, db, a.ID) == nil {
			t.Error("an undo older than a's last check-in must leave a present, and say so")
		}
		// The whole queue again (a phone that missed the answer): nothing changes.
		if got, want := statuses(f.sendBatch(t, seq...)), "duplicate duplicate duplicate duplicate"; got != want {
			t.Errorf("replayed sequence: %s, want %s", got, want)
		}
		if attRow(t, db, a.ID) == nil || attRow(t, db, b.ID) == nil {
			t.Error("a replay must leave a and b checked in")
		}

		// The same sequence split over two batches, the undo and the second
		// check-in sent later (the phone went offline after the first).
		c := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		f.sendBatch(t, map[string]any{"client_id": cid(20), "registration_id": c.ID, "at": t1})
		if got := statuses(f.sendBatch(t,
			map[string]any{"client_id": cid(21), "op": "undo", "registration_id": c.ID, "at": t2},
			map[string]any{"client_id": cid(22), "registration_id": c.ID, "at": t3},
			map[string]any{"client_id": cid(23), "op": "undo", "registration_id": c.ID, "at": t3},
		)); got != "undone checked_in undone" {
			t.Errorf("undo, check-in, undo: %s", got)
		}
		if attRow(t, db, c.ID) != nil {
			t.Error("c must end undone")
		}

		// An offline walk-in undone after it was sent leaves the figures.
		br = f.sendBatch(t, map[string]any{"client_id": cid(30), "walk_in": map[string]any{"sex": "male", "age_band": "18_24"}, "at": t1})
		w := br.Results[0].RegistrationID
		if got := statuses(f.sendBatch(t, map[string]any{"client_id": cid(31), "op": "undo", "registration_id": w, "at": t2})); got != "undone" {
			t.Errorf("walk-in undo: %s", got)
		}
		var wr registration.Registration
		db.First(&wr, w)
		if wr.Status != registration.StatusCancelled {
			t.Errorf("undone walk-in status = %q, want cancelled", wr.Status)
		}
		// The page's own undo (no JavaScript) of someone not present: a flash, not an error.
		attRedirect(t, f.c.post(f.base+"/checkin/undo", url.Values{"registration_id": {itoa(int(c.ID))}}), f.base+"/checkin?flash=checkin_nothing_to_undo")
	})
}

// A headcount typed offline reaches the server in the batch: replaying it
// changes nothing, and the last value written wins, by the time it was typed.
func TestHeadcountOfflineReplay(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		cells := func(n map[string]int) []map[string]any {
			var out []map[string]any
			for _, sx := range registration.Sexes {
				for _, b := range registration.AgeBands {
					out = append(out, map[string]any{"sex": sx, "age_band": b, "count": n[sx+"_"+b]})
				}
			}
			return out
		}
		count := func(sex, band string) int {
			var h attendance.Headcount
			if err := db.Where("event_id = ? AND sex = ? AND age_band = ?", f.ev.ID, sex, band).Take(&h).Error; err != nil {
				return -1
			}
			return h.Count
		}
		total := func() int {
			var n int64
			db.Model(&attendance.Headcount{}).Where("event_id = ?", f.ev.ID).Select("COALESCE(SUM(count), 0)").Scan(&n)
			return int(n)
		}
		typed := map[string]any{"client_id": cid(1), "op": "headcount", "at": f.now.Add(-20 * time.Minute),
			"headcount": cells(map[string]int{"female_25_59": 12, "male_under_16": 7})}
		for round, want := range []string{"saved", "duplicate", "duplicate"} {
			if got := statuses(f.sendBatch(t, typed)); got != want {
				t.Errorf("headcount round %d: %s, want %s", round+1, got, want)
			}
		}
		if count("female", "25_59") != 12 || count("male", "under_16") != 7 || total() != 19 {
			t.Fatalf("headcount = %d/%d (total %d), want 12 and 7", count("female", "25_59"), count("male", "under_16"), total())
		}
		var audits int64
		db.Table("audit_logs").Where("action = ? AND entity_id = ?", "attendance.headcount", itoa(int(f.ev.ID))).Count(&audits)
		if audits != 1 {
			t.Errorf("headcount audit lines = %d, want 1", audits)
		}

		// A correction typed later on the same phone, queued behind the first
		// in the same batch: the later one stands.
		br := f.sendBatch(t,
			map[string]any{"client_id": cid(2), "op": "headcount", "at": f.now.Add(-15 * time.Minute), "headcount": cells(map[string]int{"female_25_59": 13})},
			map[string]any{"client_id": cid(3), "op": "headcount", "at": f.now.Add(-10 * time.Minute), "headcount": cells(map[string]int{"female_25_59": 14, "male_under_16": 7})},
		)
		if got := statuses(br); got != "saved saved" {
			t.Errorf("two headcounts: %s", got)
		}
		if count("female", "25_59") != 14 || total() != 21 {
			t.Errorf("after the correction: %d (total %d), want 14 (21)", count("female", "25_59"), total())
		}

		// Typed on another phone with the form, online, now; then a phone
		// that was offline sends what it typed before that: the newer stays.
		attRedirect(t, f.c.post(f.base+"/checkin/headcount", url.Values{"hc_female_25_59": {"20"}}), f.base+"/checkin?flash=checkin_headcount_saved")
		if got := statuses(f.sendBatch(t, map[string]any{"client_id": cid(4), "op": "headcount", "at": f.now.Add(-5 * time.Minute),
			"headcount": cells(map[string]int{"female_25_59": 99})})); got != "saved" {
			t.Errorf("late headcount: %s", got)
		}
		if count("female", "25_59") != 20 || total() != 20 {
			t.Errorf("a late offline headcount typed before the online one overwrote it: %d (total %d), want 20", count("female", "25_59"), total())
		}
		// Typed after it (the clock moved on): it replaces it.
		f.ta.setNow(f.now.Add(10 * time.Minute))
		f.sendBatch(t, map[string]any{"client_id": cid(5), "op": "headcount", "at": f.now.Add(5 * time.Minute),
			"headcount": cells(map[string]int{"female_25_59": 21, "other_60_plus": 2})})
		if count("female", "25_59") != 21 || count("other", "60_plus") != 2 || total() != 23 {
			t.Errorf("newer offline headcount: %d, %d (total %d), want 21, 2 (23)", count("female", "25_59"), count("other", "60_plus"), total())
		}
		doc := f.c.page(f.base+"/checkin/headcount", http.StatusOK)
		if doc.Find("#hc_female_25_59").AttrOr("value", "") != "21" {
			t.Error("the headcount page must show the number sent from the phone")
		}

		// Bad numbers are refused, with the form's message key; nothing changes.
		br = f.sendBatch(t,
			map[string]any{"client_id": cid(6), "op": "headcount", "at": f.now, "headcount": []map[string]any{{"sex": "female", "age_band": "25_59", "count": -1}}},
			map[string]any{"client_id": cid(7), "op": "headcount", "at": f.now, "headcount": []map[string]any{{"sex": "robot", "age_band": "25_59", "count": 1}}},
			map[string]any{"client_id": cid(8), "op": "headcount", "at": f.now},
		)
		if got, want := statuses(br), "rejected:error.checkin.headcount_bad_count rejected:error.checkin.headcount_bad_cell rejected:error.checkin.headcount_bad_cell"; got != want {
			t.Errorf("bad headcounts: %s, want %s", got, want)
		}
		if total() != 23 {
			t.Errorf("total after refused headcounts = %d, want 23", total())
		}
	})
}

// jsQRUpstreamSHA256 is the SHA-256 of dist/jsQR.js in the npm package
// jsqr@1.4.0 (see docs/ATTENDANCE.md, "QR decoder"), which the vendored file
// holds unmodified after its licence header.
const jsQRUpstreamSHA256 = "bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859"

// The vendored decoder is the published file with its licence, and only the
// check-in page refers to it, as a URL to load lazily (never a <script> tag).
func TestVendoredJSQR(t *testing.T) {
	body, err := os.ReadFile("../../static/js/vendor/jsQR.js")
	if err != nil {
		t.Fatal(err)
	}
	header, rest, ok := bytes.Cut(body, []byte("*/\n"))
	if !ok || !bytes.Contains(header, []byte("jsQR 1.4.0")) || !bytes.Contains(header, []byte("Apache License, Version 2.0")) {
		t.Fatalf("static/js/vendor/jsQR.js must start with its licence header naming version 1.4.0, got %.300s", header)
	}
	if sum := sha256.Sum256(rest); hex.EncodeToString(sum[:]) != jsQRUpstreamSHA256 {
		t.Errorf("static/js/vendor/jsQR.js differs from jsqr@1.4.0 dist/jsQR.js (sha256 %x): update jsQRUpstreamSHA256 and docs/ATTENDANCE.md together", sum)
	}
	if lic, err := os.ReadFile("../../static/js/vendor/jsQR.LICENSE.txt"); err != nil || !bytes.Contains(lic, []byte("Apache License")) {
		t.Errorf("the Apache licence text must sit next to the vendored file (%v)", err)
	}

	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		lib := f.ta.srv.assets.URL("js/vendor/jsQR.js")
		if !strings.HasPrefix(lib, "/static/js/vendor/jsQR.") || lib == "/static/js/vendor/jsQR.js" {
			t.Fatalf("jsQR URL = %q, want a fingerprinted static URL", lib)
		}
		doc := f.c.page(f.base+"/checkin", http.StatusOK)
		if got := doc.Find("#checkin").AttrOr("data-qrlib", ""); got != lib {
			t.Errorf("check-in page data-qrlib = %q, want %q", got, lib)
		}
		for _, p := range []string{f.base + "/checkin", f.base + "/checkin/headcount", "/en/trainer"} {
			html, _ := f.c.page(p, http.StatusOK).Html()
			if strings.Contains(html, "<script") && strings.Contains(html, `src="`+lib) {
				t.Errorf("%s loads the decoder with a script tag: it must be fetched only where BarcodeDetector is missing", p)
			}
		}
		resp := f.c.get(lib)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
			t.Errorf("GET %s: %d %s", lib, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

// The tick a phone sends most (one person, by registration id): what it
// answers in every case it meets, the figures beside it, and how many
// queries it costs (on PostgreSQL it is one statement after the session and
// CSRF checks).
func TestCheckinTickOnRoster(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		org := f.ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		f.c = org
		person := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		group := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 12, Phone: "-"})
		walkIn := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Kind: registration.KindWalkIn, Phone: "-"})
		other := testutil.Event(t, db, testutil.EventOpts{Now: f.now})
		stranger := testutil.Registration(t, db, other.ID, testutil.RegistrationOpts{})
		qc := testutil.CountQueries(t, db)
		tick := func(n int, regID uint, at time.Time) map[string]any {
			return map[string]any{"client_id": cid(100 + n), "registration_id": regID, "at": at}
		}
		early, late := f.now.Add(-20*time.Minute), f.now.Add(-10*time.Minute)

		steps := []struct {
			item              map[string]any
			want              string
			attended, walkIns int
		}{
			{tick(1, person.ID, late), "checked_in", 1, 0},
			{tick(2, group.ID, late), "checked_in", 13, 0},
			{tick(3, walkIn.ID, late), "checked_in", 13, 1},
			{tick(4, person.ID, late), "already", 13, 1},   // a second phone
			{tick(5, person.ID, early), "already", 13, 1},  // one that saw them earlier
			{tick(1, person.ID, late), "duplicate", 13, 1}, // the first phone again
			{tick(6, stranger.ID, late), "rejected:error.checkin.not_on_roster", 13, 1},
			{tick(6, stranger.ID, late), "rejected:error.checkin.not_on_roster", 13, 1}, // judged again: no receipt
			{tick(7, 999999, late), "rejected:error.checkin.not_on_roster", 13, 1},
		}
		for i, st := range steps {
			br := f.sendBatch(t, st.item)
			if got := statuses(br); got != st.want || br.Attended != st.attended || br.WalkIns != st.walkIns {
				t.Errorf("step %d: %s, attended %d, walk-ins %d; want %s, %d, %d", i+1, got, br.Attended, br.WalkIns, st.want, st.attended, st.walkIns)
			}
		}
		// What a check-in page sends (no figures): one query for the session
		// and its CSRF token, one for the tick, on PostgreSQL.
		newcomer := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		qc.Reset()
		resp := f.c.attPostJSON(fmt.Sprintf("/api/v1/events/%d/checkins", f.ev.ID),
			map[string]any{"checkins": []map[string]any{tick(9, newcomer.ID, late)}})
		var plain map[string]any
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&plain) != nil {
			t.Fatalf("tick without figures: status %d", resp.StatusCode)
		}
		if _, ok := plain["attended"]; ok {
			t.Errorf("figures sent without being asked for: %v", plain)
		}
		t.Logf("%s: a new tick runs %d queries", db.Dialector.Name(), qc.N())
		if db.Dialector.Name() == "postgres" && qc.N() > 2 {
			t.Errorf("a tick runs %d queries on PostgreSQL, want 2 (session with its CSRF token, then the tick)", qc.N())
		}
		if a := attRow(t, db, newcomer.ID); a == nil {
			t.Error("the tick without figures checked nobody in")
		}
		if a := attRow(t, db, person.ID); a == nil || !a.CheckedInAt.Equal(early) {
			t.Errorf("attendance = %+v, want the earliest time %v", a, early)
		}
		if attRow(t, db, stranger.ID) != nil {
			t.Error("a person of another event was checked in")
		}
		var receipts []attendance.Receipt
		db.Order("client_id").Find(&receipts)
		got := make([]string, len(receipts))
		for i, r := range receipts {
			got[i] = r.Status
		}
		if want := "checked_in checked_in checked_in already already checked_in"; strings.Join(got, " ") != want {
			t.Errorf("receipts: %s, want %s", strings.Join(got, " "), want)
		}
		st, _ := attendance.EventStats(t.Context(), db, f.ev.ID)
		if st.Attended != 14 || st.WalkIns != 1 {
			t.Errorf("stats: attended %d, walk-ins %d; want 14 and 1", st.Attended, st.WalkIns)
		}

		// An event that does not exist.
		resp = f.c.attPostJSON("/api/v1/events/999999/checkins", map[string]any{"checkins": []map[string]any{tick(8, person.ID, late)}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("tick at an event that does not exist: status %d, want 404", resp.StatusCode)
		}
	})
}

// The same item sent by several requests at once (a phone sending again
// before its first answer came): one applies it, the others say duplicate,
// and nothing is written twice.
func TestCheckinSameTickAtOnce(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		r := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		for round := 0; round < 5; round++ {
			// Each item later than the one before: the latest decides.
			item := map[string]any{"client_id": cid(200 + round), "registration_id": r.ID, "at": f.now.Add(-time.Duration(10-round) * time.Minute)}
			if round%2 == 1 {
				item["op"] = "undo"
			}
			var wg sync.WaitGroup
			got := make([]string, 12)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp := f.c.attPostJSON(fmt.Sprintf("/api/v1/events/%d/checkins", f.ev.ID), map[string]any{"checkins": []map[string]any{item}})
					var br attBatchResponse
					if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&br) != nil {
						got[i] = fmt.Sprintf("status %d", resp.StatusCode)
						return
					}
					got[i] = statuses(br)
				}()
			}
			wg.Wait()
			applied := 0
			for _, s := range got {
				switch s {
				case "checked_in", "undone":
					applied++
				case "duplicate":
				default:
					t.Errorf("round %d: %s", round, s)
				}
			}
			if applied != 1 {
				t.Errorf("round %d: applied %d times (%v), want once", round, applied, got)
			}
			checkedIn := attRow(t, db, r.ID) != nil
			if want := round%2 == 0; checkedIn != want {
				t.Errorf("round %d: checked in %v, want %v", round, checkedIn, want)
			}
		}
		var n int64
		db.Model(&attendance.Receipt{}).Count(&n)
		if n != 5 {
			t.Errorf("receipts = %d, want 5", n)
		}
	})
}
