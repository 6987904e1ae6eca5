package attendance_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// obs is an observation: a check-in (in) or an undo at minute m.
type obs struct {
	in bool
	m  int
}

func (o obs) String() string {
	if o.in {
		return fmt.Sprintf("in@%d", o.m)
	}
	return fmt.Sprintf("undo@%d", o.m)
}

func permutations(xs []obs) [][]obs {
	if len(xs) <= 1 {
		return [][]obs{append([]obs{}, xs...)}
	}
	var out [][]obs
	for i := range xs {
		rest := append(append([]obs{}, xs[:i]...), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]obs{xs[i]}, p...))
		}
	}
	return out
}

// The latest observation decides whether a person was there, whatever
// order the phones' items arrive in: every order of every sequence ends in
// the state of the latest one, with a check-in time that is a check-in
// later than every undo (the earliest such when the order lets the server
// know it). Both databases, each item in its own batch as phones send them.
func TestLatestObservationWinsInAnyOrder(t *testing.T) {
	sequences := [][]obs{
		{{true, 10}, {false, 20}},
		{{true, 10}, {false, 20}, {true, 30}},
		{{true, 10}, {true, 5}},
		{{false, 5}, {true, 10}, {true, 12}},
		{{true, 10}, {true, 15}, {false, 20}, {true, 30}, {true, 25}},
		{{false, 10}, {false, 20}, {true, 15}},
	}
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		start := now.Add(-time.Hour)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
		at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
		n := 0
		for _, seq := range sequences {
			latest := seq[0]
			undo := -1
			firstIn := 1 << 30
			for _, o := range seq {
				if o.m > latest.m {
					latest = o
				}
				if !o.in && o.m > undo {
					undo = o.m
				}
			}
			for _, o := range seq {
				if o.in && o.m > undo && o.m < firstIn {
					firstIn = o.m
				}
			}
			for _, order := range permutations(seq) {
				r := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})
				var knownIn []int // check-ins the server has seen, in arrival order
				for _, o := range order {
					n++
					it := attendance.BatchItem{ClientID: fmt.Sprintf("perm-%d", n), RegistrationID: r.ID, At: at(o.m)}
					if !o.in {
						it.Op = attendance.OpUndo
					}
					if _, err := attendance.ApplyBatch(t.Context(), db, attendance.DefaultWindow, "secret", ev.ID, 0, []attendance.BatchItem{it}, now); err != nil {
						t.Fatal(err)
					}
					if o.in {
						knownIn = append(knownIn, o.m)
					}
				}
				var as []attendance.Attendance
				db.Where("registration_id = ?", r.ID).Find(&as)
				if got := len(as) == 1; got != latest.in {
					t.Errorf("%v arriving as %v: present %v, want %v (the latest is %v)", seq, order, got, latest.in, latest)
					continue
				}
				if !latest.in {
					continue
				}
				got := int(as[0].CheckedInAt.Sub(start) / time.Minute)
				isIn := false
				for _, m := range knownIn {
					isIn = isIn || (m == got && m > undo)
				}
				if !isIn || got < firstIn {
					t.Errorf("%v arriving as %v: checked in at minute %d, want a check-in after the last undo (%d), at the earliest %d", seq, order, got, undo, firstIn)
				}
				if undo < 0 && got != firstIn {
					t.Errorf("%v arriving as %v: checked in at minute %d, want the earliest check-in %d", seq, order, got, firstIn)
				}
			}
		}
		// Marks and attendance rows agree.
		var bad int64
		db.Raw(`SELECT COUNT(*) FROM attendance_marks m LEFT JOIN attendances a ON a.registration_id = m.registration_id
			WHERE m.event_id = ? AND (m.present <> (a.id IS NOT NULL))`, ev.ID).Scan(&bad)
		if bad != 0 {
			t.Errorf("%d marks disagree with the attendance rows", bad)
		}
	})
}

// Two phones send a check-in and an undo of one person at the same moment,
// many times over, in both orders of their times: the later observation
// always decides, on both databases (the mark's row lock orders them).
func TestLatestObservationWinsUnderConcurrency(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
		for round := 0; round < 20; round++ {
			r := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})
			tIn, tOut := now.Add(-10*time.Minute), now.Add(-5*time.Minute)
			if round%2 == 1 {
				tIn, tOut = tOut, tIn
			}
			items := []attendance.BatchItem{
				{ClientID: fmt.Sprintf("conc-in-%d", round), RegistrationID: r.ID, At: tIn},
				{ClientID: fmt.Sprintf("conc-out-%d", round), RegistrationID: r.ID, Op: attendance.OpUndo, At: tOut},
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range items {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Sync: the one-statement path for the tick on PostgreSQL.
					_, errs[i] = attendance.Sync(t.Context(), db, attendance.DefaultWindow, "secret", ev.ID, 0, items[i:i+1], now, false)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var n int64
			db.Model(&attendance.Attendance{}).Where("registration_id = ?", r.ID).Count(&n)
			if want := tIn.After(tOut); (n == 1) != want {
				t.Errorf("round %d: present %v, want %v (check-in at %v, undo at %v)", round, n == 1, want, tIn.Format("15:04"), tOut.Format("15:04"))
			}
		}
	})
}

// A session takes check-ins from CHECKIN_WINDOW_BEFORE before its start to
// CHECKIN_WINDOW_AFTER after its end, and a cancelled one none; every way
// in refuses otherwise with the reason; a device time before the window
// opens counts as its opening, one after the server's as the server's.
func TestCheckinWindow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		w := attendance.Window{Before: 12 * time.Hour, After: 7 * 24 * time.Hour}
		soon := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 11 * time.Hour, Duration: 2 * time.Hour})
		later := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 13 * time.Hour})
		old := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -8 * 24 * time.Hour, Duration: 2 * time.Hour})
		lastDay := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -7*24*time.Hour - time.Hour, Duration: 2 * time.Hour})
		cancelled := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: time.Hour, Status: event.StatusCancelled})

		key := func(err error) string {
			var e *apperr.Error
			if errors.As(err, &e) {
				return e.Key
			}
			if err != nil {
				return err.Error()
			}
			return ""
		}
		cases := []struct {
			ev   *event.Event
			want string
		}{
			{soon, ""}, {lastDay, ""},
			{later, attendance.KeyTooEarly}, {old, attendance.KeyClosed}, {cancelled, attendance.KeyCancelled},
		}
		for _, c := range cases {
			r := testutil.Registration(t, db, c.ev.ID, testutil.RegistrationOpts{})
			_, err := attendance.CheckIn(ctx, db, w, attendance.CheckInInput{EventID: c.ev.ID, RegistrationID: r.ID}, now)
			if key(err) != c.want {
				t.Errorf("event %s check-in: %q, want %q", c.ev.Code, key(err), c.want)
			}
			_, err = attendance.Undo(ctx, db, w, c.ev.ID, r.ID, 0, now)
			if key(err) != c.want {
				t.Errorf("event %s undo: %q, want %q", c.ev.Code, key(err), c.want)
			}
			_, err = attendance.AddWalkIn(ctx, db, w, attendance.WalkIn{EventID: c.ev.ID, Sex: "female", AgeBand: "25_59"}, now)
			if key(err) != c.want {
				t.Errorf("event %s walk-in: %q, want %q", c.ev.Code, key(err), c.want)
			}
			_, err = attendance.CheckInMany(ctx, db, w, c.ev.ID, []uint{r.ID}, 0, attendance.SourceSheet, now)
			if key(err) != c.want {
				t.Errorf("event %s sheet: %q, want %q", c.ev.Code, key(err), c.want)
			}
			err = attendance.SetHeadcount(ctx, db, w, c.ev.ID, []attendance.Cell{{Sex: "male", AgeBand: "25_59", Count: 3}}, 0, now)
			if key(err) != c.want {
				t.Errorf("event %s headcount: %q, want %q", c.ev.Code, key(err), c.want)
			}
			res, err := attendance.Sync(ctx, db, w, "secret", c.ev.ID, 0, []attendance.BatchItem{
				{ClientID: "window-" + c.ev.Code, RegistrationID: r.ID, At: now},
			}, now, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Results[0].Error; got != c.want {
				t.Errorf("event %s batch: %s %q, want %q", c.ev.Code, res.Results[0].Status, got, c.want)
			}
			if c.want != "" {
				var n int64
				db.Model(&attendance.Attendance{}).Where("event_id = ?", c.ev.ID).Count(&n)
				var h int64
				db.Model(&attendance.Headcount{}).Where("event_id = ?", c.ev.ID).Count(&h)
				if n != 0 || h != 0 || res.Figures.Attended != 0 {
					t.Errorf("event %s: %d attendances, %d headcount cells, %d attended after refusals", c.ev.Code, n, h, res.Figures.Attended)
				}
			}
		}

		// Times: a phone far behind is recorded at the opening, one ahead at now.
		for _, c := range []struct {
			at, want time.Time
		}{
			{soon.StartsAt.Add(-13 * time.Hour), soon.StartsAt.Add(-12 * time.Hour)},
			{now.Add(time.Hour), now},
			{now.Add(-30 * time.Minute), now.Add(-30 * time.Minute)},
		} {
			r := testutil.Registration(t, db, soon.ID, testutil.RegistrationOpts{})
			if _, err := attendance.Sync(ctx, db, w, "secret", soon.ID, 0, []attendance.BatchItem{
				{ClientID: fmt.Sprintf("clamp-%d", r.ID), RegistrationID: r.ID, At: c.at},
			}, now, false); err != nil {
				t.Fatal(err)
			}
			var a attendance.Attendance
			if err := db.Where("registration_id = ?", r.ID).Take(&a).Error; err != nil || !a.CheckedInAt.Equal(c.want) {
				t.Errorf("device time %v: recorded %v (%v), want %v", c.at, a.CheckedInAt, err, c.want)
			}
		}

		// A check-in recorded before its session was cancelled leaves the
		// programme's figures.
		reach := func() int {
			rc, err := attendance.ProgrammeReach(ctx, db, now.AddDate(0, -1, 0), now.AddDate(0, 1, 0))
			if err != nil {
				t.Fatal(err)
			}
			return rc.PeopleReached
		}
		before := reach()
		if err := db.Model(&event.Event{}).Where("id = ?", soon.ID).Update("status", event.StatusCancelled).Error; err != nil {
			t.Fatal(err)
		}
		st, err := attendance.EventStats(ctx, db, soon.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after := reach(); st.Present == 0 || after != before-st.Present {
			t.Errorf("reach %d before cancelling, %d after; want %d fewer", before, after, st.Present)
		}
	})
}
