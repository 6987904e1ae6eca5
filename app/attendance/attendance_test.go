package attendance_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// queryCounter counts the statements GORM runs.
type queryCounter struct {
	logger.Interface
	n atomic.Int64
}

func (q *queryCounter) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	q.n.Add(1)
}

func checkIn(t *testing.T, db *gorm.DB, eventID, regID uint, now time.Time) {
	t.Helper()
	if _, err := attendance.CheckIn(t.Context(), db, attendance.DefaultWindow, attendance.CheckInInput{EventID: eventID, RegistrationID: regID}, now); err != nil {
		t.Fatal(err)
	}
}

// TestEventStatsWorkedExample checks the figures against numbers worked out
// by hand (see the comments), with a fixed number of queries.
func TestEventStatsWorkedExample(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
		reg := func(o testutil.RegistrationOpts) *registration.Registration {
			return testutil.Registration(t, db, ev.ID, o)
		}
		r1 := reg(testutil.RegistrationOpts{Sex: "female", AgeBand: "25_59"})                   // confirmed, present
		reg(testutil.RegistrationOpts{Sex: "male", AgeBand: "18_24"})                           // confirmed, no-show
		r3 := reg(testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 5, Phone: "-"}) // group of 5, present
		r4 := reg(testutil.RegistrationOpts{Sex: "female", AgeBand: "16_17", Status: registration.StatusWaitlisted})
		reg(testutil.RegistrationOpts{Sex: "male", AgeBand: "25_59", Status: registration.StatusCancelled})
		for _, id := range []uint{r1.ID, r3.ID} {
			checkIn(t, db, ev.ID, id, now)
		}
		// Present while on the waiting list: a check-in sent from a phone
		// that was offline (batches record what the door saw), or a row
		// from before waiting-list admission existed.
		if err := db.Create(&attendance.Attendance{EventID: ev.ID, RegistrationID: r4.ID, CheckedInAt: now, Source: attendance.SourceRoster, CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := attendance.AddWalkIn(ctx, db, attendance.DefaultWindow, attendance.WalkIn{EventID: ev.ID, Sex: "female", AgeBand: "under_16"}, now); err != nil {
			t.Fatal(err)
		}
		undone, err := attendance.AddWalkIn(ctx, db, attendance.DefaultWindow, attendance.WalkIn{EventID: ev.ID, Sex: "male", AgeBand: "18_24", Name: "Nhầm"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := attendance.Undo(ctx, db, attendance.DefaultWindow, ev.ID, undone.ID, 0, now); err != nil || !ok {
			t.Fatalf("undo walk-in: %v %v", ok, err)
		}
		if err := attendance.SetHeadcount(ctx, db, attendance.DefaultWindow, ev.ID, []attendance.Cell{
			{Sex: "female", AgeBand: "under_16", Count: 4}, {Sex: "male", AgeBand: "60_plus", Count: 2},
		}, 0, now); err != nil {
			t.Fatal(err)
		}

		qc := &queryCounter{Interface: logger.Discard}
		st, err := attendance.EventStats(ctx, db.Session(&gorm.Session{Logger: qc}), ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if qc.n.Load() != 2 {
			t.Errorf("EventStats ran %d queries, want 2", qc.n.Load())
		}
		// Registered 1+1+5+1 = 8; confirmed 1+1+5 = 7; attended r1 + group 5 + r4 = 7,
		// of whom confirmed 6; no-show 1; walk-ins 1 (the undone one left);
		// headcount 4+2 = 6; present 7+1+6 = 14; rate 6/7.
		want := map[string]int{"Registered": 8, "Confirmed": 7, "Waitlisted": 1, "Attended": 7, "AttendedConfirmed": 6,
			"NoShows": 1, "WalkIns": 1, "Headcount": 6, "Present": 14}
		got := map[string]int{"Registered": st.Registered, "Confirmed": st.Confirmed, "Waitlisted": st.Waitlisted, "Attended": st.Attended,
			"AttendedConfirmed": st.AttendedConfirmed, "NoShows": st.NoShows, "WalkIns": st.WalkIns, "Headcount": st.Headcount, "Present": st.Present}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s = %d, want %d", k, got[k], w)
			}
		}
		if !st.HasRate || math.Abs(st.Rate-600.0/7) > 1e-9 {
			t.Errorf("rate = %v, want 85.71…", st.Rate)
		}
		// The check-in phone's two figures agree with the full statistics.
		if a, w, err := attendance.PresentCounts(ctx, db, ev.ID); err != nil || a != 7 || w != 1 {
			t.Errorf("PresentCounts = %d attended, %d walk-ins (%v); want 7 and 1", a, w, err)
		}
		cells := map[[2]string]int{
			{"female", "25_59"}: 1, {"not_stated", "unknown"}: 5, {"female", "16_17"}: 1,
			{"female", "under_16"}: 5, {"male", "60_plus"}: 2,
		}
		total := 0
		for _, sx := range st.Sexes() {
			for _, b := range st.Bands() {
				total += st.Cell(sx, b)
				if st.Cell(sx, b) != cells[[2]string{sx, b}] {
					t.Errorf("grid[%s][%s] = %d, want %d", sx, b, st.Cell(sx, b), cells[[2]string{sx, b}])
				}
			}
		}
		if total != 14 || st.BySex["female"] != 7 || st.ByBand["under_16"] != 5 {
			t.Errorf("grid total %d, female %d, under 16 %d; want 14, 7, 5", total, st.BySex["female"], st.ByBand["under_16"])
		}

		// More registrations: still two queries.
		for i := 0; i < 30; i++ {
			r := reg(testutil.RegistrationOpts{Sex: "male", AgeBand: "25_59"})
			checkIn(t, db, ev.ID, r.ID, now)
		}
		qc.n.Store(0)
		st, _ = attendance.EventStats(ctx, db.Session(&gorm.Session{Logger: qc}), ev.ID)
		if qc.n.Load() != 2 || st.Attended != 37 {
			t.Errorf("after 30 more: %d queries, attended %d; want 2 and 37", qc.n.Load(), st.Attended)
		}
	})
}

func TestCheckInKeepsEarliestTimeAndDistrustsClocks(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -30 * time.Minute})
		r := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})
		in := attendance.CheckInInput{EventID: ev.ID, RegistrationID: r.ID, At: now.Add(-2 * time.Minute)}
		res, err := attendance.CheckIn(ctx, db, attendance.DefaultWindow, in, now)
		if err != nil || !res.New {
			t.Fatalf("first: %+v %v", res, err)
		}
		// A phone that was offline saw them earlier: its time wins.
		in.At = now.Add(-9 * time.Minute)
		res, _ = attendance.CheckIn(ctx, db, attendance.DefaultWindow, in, now)
		if res.New || !res.Attendance.CheckedInAt.Equal(now.Add(-9*time.Minute)) {
			t.Errorf("earlier check-in: %+v, want the time moved to -9 min", res.Attendance)
		}
		// A later one changes nothing.
		in.At = now.Add(-1 * time.Minute)
		res, _ = attendance.CheckIn(ctx, db, attendance.DefaultWindow, in, now)
		if !res.Attendance.CheckedInAt.Equal(now.Add(-9 * time.Minute)) {
			t.Errorf("later check-in moved the time to %v", res.Attendance.CheckedInAt)
		}
		// A phone whose clock says next year: the server's time is used.
		r2 := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})
		res, _ = attendance.CheckIn(ctx, db, attendance.DefaultWindow, attendance.CheckInInput{EventID: ev.ID, RegistrationID: r2.ID, At: now.AddDate(1, 0, 0)}, now)
		if !res.Attendance.CheckedInAt.Equal(now) {
			t.Errorf("future device time kept: %v", res.Attendance.CheckedInAt)
		}
	})
}

// A person on the waiting list is not checked in silently: the door is
// told (Conflict), and letting them in confirms their registration, taking
// a seat beyond capacity if need be, in the same transaction.
func TestCheckInOfTheWaitingList(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Now().UTC()
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -10 * time.Minute, Capacity: 1})
		db.Exec("UPDATE events SET seats_taken = 1 WHERE id = ?", ev.ID) // fully booked
		staff := testutil.Staff(t, db, user.RoleTrainer)
		w := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		in := attendance.CheckInInput{EventID: ev.ID, RegistrationID: w.ID, ByID: staff.ID}
		_, err := attendance.CheckIn(ctx, db, attendance.DefaultWindow, in, now)
		if apperr.KindOf(err) != apperr.Conflict || apperr.KeyOf(err) != "error.checkin.waitlisted" {
			t.Fatalf("check-in of a waitlisted person: %v, want the waiting-list conflict", err)
		}
		var n int64
		db.Model(&attendance.Attendance{}).Where("registration_id = ?", w.ID).Count(&n)
		if n != 0 {
			t.Fatal("the refused check-in was recorded")
		}
		in.Admit = true
		res, err := attendance.CheckIn(ctx, db, attendance.DefaultWindow, in, now)
		if err != nil || !res.New || !res.Admitted {
			t.Fatalf("admit: %+v, %v", res, err)
		}
		var got registration.Registration
		db.Take(&got, w.ID)
		var seats int
		db.Raw("SELECT seats_taken FROM events WHERE id = ?", ev.ID).Scan(&seats)
		if got.Status != registration.StatusConfirmed || got.ConfirmedAt == nil || seats != 2 {
			t.Errorf("after admission: status %s, seats taken %d; want confirmed and 2 (over the capacity of 1)", got.Status, seats)
		}
		db.Table("audit_logs").Where("action = ? AND entity_id = ?", "registration.admit_at_door", fmt.Sprint(w.ID)).Count(&n)
		if n != 1 {
			t.Errorf("admission audit rows = %d, want 1", n)
		}
		// Checking them in again is the usual "already there".
		in.Admit = false
		if res, err := attendance.CheckIn(ctx, db, attendance.DefaultWindow, in, now); err != nil || res.New || res.Admitted {
			t.Errorf("second check-in: %+v, %v", res, err)
		}
	})
}

func TestSearchFoldsDiacriticsAndParsesPhones(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		ev := testutil.Event(t, db, testutil.EventOpts{})
		duc := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức", Phone: "+84912345678"})
		lan := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "Nguyễn Thị Lan", Phone: "+84987652468"})
		testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Name: "50%_off", Phone: "-"})
		// Codes as registration makes them (testutil's are mostly digits).
		db.Model(duc).Update("code", "K7M2QX")
		db.Model(lan).Update("code", "HR4W9P")
		cases := []struct {
			q    string
			want []uint
		}{
			{"ĐỨC", []uint{duc.ID}}, {"duc", []uint{duc.ID}}, {"nguyen", []uint{lan.ID, duc.ID}},
			{"0912.345.678", []uint{duc.ID}}, {"+84 912 345 678", []uint{duc.ID}},
			{"0912 000 000", nil}, {"%", []uint{0}}, {"_", []uint{0}}, {"", nil},
			// The code, whole or in part, however typed.
			{"k7m2qx", []uint{duc.ID}}, {"K7M-2QX", []uint{duc.ID}}, {"7m2", []uint{duc.ID}}, {"w9p", []uint{lan.ID}},
			// The last digits, as the roster shows them.
			{"5678", []uint{duc.ID}}, {"…5678", []uint{duc.ID}}, {"...5678", []uint{duc.ID}}, {"678", []uint{duc.ID}},
			{"2468", []uint{lan.ID}}, {"1234", nil},
			// Two characters are too few to search inside codes.
			{"QX", nil},
		}
		for _, c := range cases {
			got, err := attendance.Search(ctx, db, ev.ID, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if len(c.want) == 1 && c.want[0] == 0 { // one match, the odd name
				if len(ids) != 1 || ids[0] == duc.ID || ids[0] == lan.ID {
					t.Errorf("Search(%q) = %v, want the registration named 50%%_off", c.q, ids)
				}
				continue
			}
			if !slices.Equal(ids, c.want) {
				t.Errorf("Search(%q) = %v, want %v", c.q, ids, c.want)
			}
		}
	})
}

func TestRandomCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := attendance.RandomCode(attendance.CertificateCodeLen)
		if len(c) != 10 || strings.ContainsAny(c, "01ILO") || seen[c] {
			t.Fatalf("code %q: wrong length, ambiguous character or repeated", c)
		}
		seen[c] = true
	}
	if got := attendance.DisplayCode("ABCDEFGHJK"); got != "ABCDE-FGHJK" {
		t.Errorf("DisplayCode = %q", got)
	}
}

func TestProgrammeReach(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		film := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -48 * time.Hour})
		shop := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -24 * time.Hour, Kind: "authority_workshop"})
		old := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -400 * 24 * time.Hour})
		// Film: a group of 6 and one person present, one absent, headcount 30.
		g := testutil.Registration(t, db, film.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 6, Phone: "-"})
		p := testutil.Registration(t, db, film.ID, testutil.RegistrationOpts{})
		testutil.Registration(t, db, film.ID, testutil.RegistrationOpts{})
		checkIn(t, db, film.ID, g.ID, now)
		checkIn(t, db, film.ID, p.ID, now)
		if err := attendance.SetHeadcount(ctx, db, attendance.DefaultWindow, film.ID, []attendance.Cell{{Sex: "female", AgeBand: "25_59", Count: 30}}, 0, now); err != nil {
			t.Fatal(err)
		}
		// Workshop: two officials present and one walk-in.
		for i := 0; i < 2; i++ {
			r := testutil.Registration(t, db, shop.ID, testutil.RegistrationOpts{Role: "dolisa"})
			checkIn(t, db, shop.ID, r.ID, now)
		}
		if _, err := attendance.AddWalkIn(ctx, db, attendance.DefaultWindow, attendance.WalkIn{EventID: shop.ID, Sex: "male", AgeBand: "25_59"}, now); err != nil {
			t.Fatal(err)
		}
		// Outside the period: not counted.
		o := testutil.Registration(t, db, old.ID, testutil.RegistrationOpts{})
		checkIn(t, db, old.ID, o.ID, now.AddDate(0, 0, -400))

		r, err := attendance.ProgrammeReach(ctx, db, now.AddDate(0, -6, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		// Film 6 + 1 + 30 = 37; workshop 2 + 1 = 3; total 40.
		if r.ByKind["film_debate"] != 37 || r.AuthorityParticipants != 3 || r.PeopleReached != 40 {
			t.Errorf("reach = %+v, want film 37, authorities 3, total 40", r)
		}
	})
}

// Old receipts are swept; recent ones stay and still make a replay change
// nothing.
func TestSweepReceipts(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now})
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		// A window wide enough for items sent a month apart.
		wide := attendance.Window{Before: 40 * 24 * time.Hour, After: 40 * 24 * time.Hour}
		apply := func(clientID string, at time.Time) string {
			res, err := attendance.ApplyBatch(t.Context(), db, wide, "secret", e.ID, 0,
				[]attendance.BatchItem{{ClientID: clientID, RegistrationID: r.ID, Op: attendance.OpUndo}}, at)
			if err != nil {
				t.Fatal(err)
			}
			return res[0].Status
		}
		apply("old-item", now.Add(-attendance.ReceiptLifetime-time.Hour))
		apply("recent-item", now.Add(-attendance.ReceiptLifetime+time.Hour))
		if err := attendance.SweepReceipts(t.Context(), db, now); err != nil {
			t.Fatal(err)
		}
		var left []attendance.Receipt
		db.Find(&left)
		if len(left) != 1 || left[0].ClientID != "recent-item" {
			t.Errorf("receipts left: %+v, want recent-item only", left)
		}
		if got := apply("recent-item", now); got != attendance.StatusDuplicate {
			t.Errorf("replay of a kept receipt: %s, want duplicate", got)
		}
	})
}

// A group with the sex × age grid counts in its cells; one registered
// before the grid (two separate totals) as not known.
func TestEventStatsGroupGrid(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
		grid := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 6, Phone: "-"})
		grid2 := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 6, Phone: "-"})
		old := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 3, Phone: "-"})
		for id, bd := range map[uint]string{
			grid.ID:  `{"grid":{"female":{"under_16":4},"male":{"16_17":2}}}`,
			grid2.ID: `{"grid":{"female":{"under_16":4},"male":{"16_17":2}}}`,
			old.ID:   `{"sex":{"female":3},"unknown_crossing":true}`,
		} {
			if err := db.Exec("UPDATE registrations SET group_breakdown = ? WHERE id = ?", bd, id).Error; err != nil {
				t.Fatal(err)
			}
			checkIn(t, db, ev.ID, id, now)
		}
		st, err := attendance.EventStats(t.Context(), db, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Attended != 15 || st.Cell("female", "under_16") != 8 || st.Cell("male", "16_17") != 4 || st.Cell("not_stated", attendance.UnknownBand) != 3 {
			t.Errorf("attended %d, grid %v", st.Attended, st.Grid)
		}
	})
}
