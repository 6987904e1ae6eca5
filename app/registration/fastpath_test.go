package registration_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// publicInput is a registration as the public form sends it: with the
// notifier and the event the form holds, which is what lets PostgreSQL take
// the one-statement way.
func publicInput(t testing.TB, db *gorm.DB, eventID uint, name, phone string) registration.Input {
	t.Helper()
	var e event.Event
	if err := db.Preload("Translations").Preload("Venue").Take(&e, eventID).Error; err != nil {
		t.Fatal(err)
	}
	i := in(eventID, name, phone)
	i.Notify, i.Event = notifier(t), &e
	return i
}

// TestOneStatementWayWritesWhatTheLockedWayWrites: a registration taken in
// one statement (PostgreSQL, a new number) leaves the same registration and
// the same message as one taken in a transaction (the form's event not
// given), with a seat and on the waiting list (third in line): every column
// but ids, codes and the event.
func TestOneStatementWayWritesWhatTheLockedWayWrites(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ahead   int // people registered before, for 2 seats
		status  registration.Status
		place   registration.Place
		message string
	}{
		{"seat", 0, registration.StatusConfirmed, 0, "confirmation"},
		{"waiting list", 4, registration.StatusWaitlisted, 3, "waitlisted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
				ctx := t.Context()
				fast := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 2})
				locked := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 2})
				for _, e := range []uint{fast.ID, locked.ID} {
					for k := range tc.ahead {
						if _, err := registration.Register(ctx, db, in(e, fmt.Sprintf("Người %d", k), fmt.Sprintf("0915%06d", k)), now); err != nil {
							t.Fatal(err)
						}
					}
				}
				a := publicInput(t, db, fast.ID, "Nguyễn Thị Hoa", "0912 345 678")
				a.Sex, a.AgeBand, a.Role = "female", "18_24", "parent"
				b := a
				b.EventID, b.Event = locked.ID, nil
				rec := &sqlRecorder{}
				ra, err := registration.Register(ctx, db.Session(&gorm.Session{Logger: rec}), a, now)
				if err != nil {
					t.Fatal(err)
				}
				if db.Dialector.Name() == "postgres" && (len(rec.sql) != 1 || !strings.Contains(rec.sql[0], "WITH claim")) {
					t.Errorf("PostgreSQL took %d statements for a new number, want the one-statement way: %q", len(rec.sql), rec.sql)
				}
				rb, err := registration.Register(ctx, db, b, now)
				if err != nil {
					t.Fatal(err)
				}
				var got [2]registration.Registration
				var msgs [2]message.Message
				for i, r := range []*registration.Result{ra, rb} {
					if err := db.Take(&got[i], r.Registration.ID).Error; err != nil {
						t.Fatal(err)
					}
					if err := db.Where("registration_id = ?", r.Registration.ID).Take(&msgs[i]).Error; err != nil {
						t.Fatalf("message of registration %d: %v", i, err)
					}
					if r.Registration.Status != tc.status || got[i].Status != tc.status || r.WaitlistPosition != tc.place {
						t.Errorf("registration %d: %s / %s, place %d; want %s, place %d", i, r.Registration.Status, got[i].Status, r.WaitlistPosition, tc.status, tc.place)
					}
				}
				if !reflect.DeepEqual(canonReg(got[0]), canonReg(got[1])) {
					t.Errorf("registrations differ:\n one statement %+v\n locked        %+v", canonReg(got[0]), canonReg(got[1]))
				}
				body := func(m message.Message, code string) string { return strings.ReplaceAll(m.Body, code, "CODE") }
				params := func(m message.Message, _ string) string {
					var p map[string]any
					if err := json.Unmarshal([]byte(m.Params), &p); err != nil {
						t.Fatal(err)
					}
					delete(p, "Code")
					delete(p, "Link")
					delete(p, "EventCode") // the two sessions' own codes
					return fmt.Sprint(p)
				}
				if body(msgs[0], got[0].Code) != body(msgs[1], got[1].Code) || msgs[0].Kind != tc.message || msgs[1].Kind != tc.message ||
					msgs[0].Segments != msgs[1].Segments || msgs[0].Encoding != msgs[1].Encoding || msgs[0].Status != msgs[1].Status ||
					msgs[0].To != msgs[1].To || params(msgs[0], got[0].Code) != params(msgs[1], got[1].Code) {
					t.Errorf("messages differ:\n %+v\n %+v", msgs[0], msgs[1])
				}
				if tc.place > 0 && !strings.Contains(msgs[0].Body, fmt.Sprint(tc.place)) {
					t.Errorf("the waiting list's message does not give the place %d: %q", tc.place, msgs[0].Body)
				}
				if seatsTaken(t, db, fast.ID) != seatsTaken(t, db, locked.ID) {
					t.Errorf("seats taken: %d and %d", seatsTaken(t, db, fast.ID), seatsTaken(t, db, locked.ID))
				}
			})
		})
	}
}

// sqlRecorder keeps the statements a session runs.
type sqlRecorder struct {
	mu  sync.Mutex
	sql []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *sqlRecorder) Info(context.Context, string, ...any)     {}
func (r *sqlRecorder) Warn(context.Context, string, ...any)     {}
func (r *sqlRecorder) Error(context.Context, string, ...any)    {}
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	q, _ := fc()
	r.mu.Lock()
	r.sql = append(r.sql, q)
	r.mu.Unlock()
}

func canonReg(r registration.Registration) registration.Registration {
	r.ID, r.EventID, r.Code = 0, 0, ""
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	for _, p := range []**time.Time{&r.ConfirmedAt, &r.ConsentAt, &r.TicketSentAt, &r.WaitlistedAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	return r
}

// TestHotEventFillsExactlyWithOneMessageEach: 300 people at once for 120
// seats, as the public form registers them: exactly 120 confirmed, 180 on
// the waiting list, every one with one message, no number twice.
func TestHotEventFillsExactlyWithOneMessageEach(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 120})
		const people = 300
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, people)
		for i := range people {
			i := publicInput(t, db, e.ID, fmt.Sprintf("Người %d", i), fmt.Sprintf("0913%06d", i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := registration.Register(ctx, db, i, now)
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("register: %v", err)
			}
		}
		if got := countStatus(t, db, e.ID, registration.StatusConfirmed); got != 120 {
			t.Errorf("confirmed = %d, want 120", got)
		}
		if got := countStatus(t, db, e.ID, registration.StatusWaitlisted); got != people-120 {
			t.Errorf("waitlisted = %d, want %d", got, people-120)
		}
		if got := seatsTaken(t, db, e.ID); got != 120 {
			t.Errorf("seats_taken = %d, want 120", got)
		}
		var phones, msgs, msgRegs int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Distinct("phone").Count(&phones)
		db.Model(&message.Message{}).Where("event_id = ?", e.ID).Count(&msgs)
		db.Model(&message.Message{}).Where("event_id = ?", e.ID).Distinct("registration_id").Count(&msgRegs)
		if phones != people || msgs != people || msgRegs != people {
			t.Errorf("distinct phones %d, messages %d for %d registrations; want %d each", phones, msgs, msgRegs, people)
		}
		// Each person waiting was told their own place: 1 to 100 once each,
		// and "100+" for the rest.
		var waiting []message.Message
		db.Where("event_id = ? AND kind = ?", e.ID, "waitlisted").Find(&waiting)
		places := map[int]int{}
		for _, m := range waiting {
			var p struct{ Position int }
			if err := json.Unmarshal([]byte(m.Params), &p); err != nil {
				t.Fatal(err)
			}
			places[p.Position]++
		}
		for p := 1; p <= registration.PlacesCounted; p++ {
			if places[p] != 1 {
				t.Errorf("place %d told to %d people, want 1", p, places[p])
			}
		}
		if places[registration.PlacesCounted+1] != people-120-registration.PlacesCounted {
			t.Errorf("%d told 100+, want %d", places[registration.PlacesCounted+1], people-120-registration.PlacesCounted)
		}
	})
}

// TestFamilyLimitHoldsAtOnce: eight people typing one new number at the
// same moment, each on another server instance: four are registered, four
// told the number is full.
func TestFamilyLimitHoldsAtOnce(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 50})
		pool, _ := db.DB()
		// Someone holds the event's row (an organiser's edit) while the eight
		// arrive: each starts reading before any of the others wrote, and
		// must still see them once the row is free.
		holder := db.Begin()
		if err := holder.Exec("UPDATE events SET seats_taken = seats_taken WHERE id = ?", e.ID).Error; err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 8)
		for i := range 8 {
			i := publicInput(t, db, e.ID, fmt.Sprintf("Lê Thị %c", 'A'+i), "0914 555 666")
			// On PostgreSQL, an instance of its own: its own batches of
			// registrations (SQLite is one instance's own file).
			instance := db
			if db.Dialector.Name() == "postgres" {
				instance = db.WithContext(ctx) // a Statement of its own
				instance.Statement.ConnPool = &otherInstance{pool}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := registration.Register(ctx, instance, i, now)
				errs <- err
			}()
		}
		close(start)
		waitForLockWaiters(t, db, 8)
		if err := holder.Commit().Error; err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		full := 0
		for err := range errs {
			switch {
			case apperr.KeyOf(err) == "error.register.phone_full":
				full++
			case err != nil:
				t.Errorf("register: %v", err)
			}
		}
		var rows int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&rows)
		if rows != registration.PeoplePerPhone || full != 8-registration.PeoplePerPhone {
			t.Errorf("%d registered, %d refused; want %d and %d", rows, full, registration.PeoplePerPhone, 8-registration.PeoplePerPhone)
		}
		if got := seatsTaken(t, db, e.ID); got != registration.PeoplePerPhone {
			t.Errorf("seats_taken = %d, want %d", got, registration.PeoplePerPhone)
		}
	})
}

// otherInstance is the database as another server instance reaches it.
type otherInstance struct{ *sql.DB }

// waitForLockWaiters returns once n statements wait for a lock (PostgreSQL),
// or after a moment on SQLite, whose writers wait in the driver.
func waitForLockWaiters(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	if db.Dialector.Name() != "postgres" {
		time.Sleep(300 * time.Millisecond)
		return
	}
	for range 500 {
		var waiting int
		db.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if waiting >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	var rows []struct{ State, WaitEventType, WaitEvent, Query string }
	db.Raw(`SELECT coalesce(state,'') state, coalesce(wait_event_type,'') wait_event_type, coalesce(wait_event,'') wait_event, left(query, 60) query FROM pg_stat_activity WHERE datname = current_database()`).Scan(&rows)
	t.Fatalf("fewer than %d statements waited for the event's row: %+v", n, rows)
}
