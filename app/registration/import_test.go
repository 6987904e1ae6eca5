package registration_test

import (
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func importRows(from, to int) []registration.ImportRow {
	var rows []registration.ImportRow
	for i := from; i <= to; i++ {
		rows = append(rows, registration.ImportRow{Row: i + 1, Name: fmt.Sprintf("Người Số %d", i), Phone: fmt.Sprintf("+8491234%04d", i)})
	}
	return rows
}

// Two overlapping imports and public registrations at once: the event is
// never overbooked, nobody is registered twice, every SMS is queued once.
func TestImportConcurrentNeverOverbooks(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 10})
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for _, rows := range [][]registration.ImportRow{importRows(1, 12), importRows(6, 18)} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := registration.Import(ctx, db, registration.ImportInput{EventID: e.ID, Rows: rows, Lang: "vi", Notify: notifier(t)}, now)
				errs <- err
			}()
		}
		for i := 30; i < 35; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := registration.Register(ctx, db, in(e.ID, "Khách Lẻ", fmt.Sprintf("+8491234%04d", i)), now)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		c, w := countStatus(t, db, e.ID, registration.StatusConfirmed), countStatus(t, db, e.ID, registration.StatusWaitlisted)
		if c != 10 || w != 18+5-10 || seatsTaken(t, db, e.ID) != 10 {
			t.Errorf("confirmed %d waitlisted %d seats %d; want 10, 13, 10", c, w, seatsTaken(t, db, e.ID))
		}
		var sms int64
		db.Table("sms_messages").Where("event_id = ?", e.ID).Count(&sms)
		if sms != 18 {
			t.Errorf("%d SMS for 18 imported people", sms)
		}
	})
}

// A row that fails half-way leaves nothing behind: the import is one
// transaction.
func TestImportIsAllOrNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 10})
		rows := importRows(1, 5)
		rows[3].Role = "not_a_role" // passes no check: Import refuses it
		_, err := registration.Import(ctx, db, registration.ImportInput{EventID: e.ID, Rows: rows, Lang: "vi", Notify: notifier(t)}, now)
		if !apperr.Is(err, apperr.Invalid) || apperr.KeyOf(err) != registration.ErrImportChanged {
			t.Fatalf("err = %v", err)
		}
		var n, sms, logs int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&n)
		db.Table("sms_messages").Where("event_id = ?", e.ID).Count(&sms)
		db.Table("audit_logs").Where("action = ?", "registrations.import").Count(&logs)
		if n != 0 || sms != 0 || logs != 0 || seatsTaken(t, db, e.ID) != 0 {
			t.Errorf("after a failed import: %d registrations, %d SMS, %d audit entries, %d seats", n, sms, logs, seatsTaken(t, db, e.ID))
		}
	})
}

// A cancelled registration in the list comes back (same row, same code);
// the plan counted it as new.
func TestImportReactivatesCancelled(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 10})
		rows := importRows(1, 2)
		old := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: rows[0].Name, Phone: rows[0].Phone, Status: registration.StatusCancelled})
		plan, err := registration.PlanImport(ctx, db, e.ID, rows, now)
		if err != nil || plan.New != 2 || plan.Confirmed != 2 || len(plan.Existing) != 0 {
			t.Fatalf("plan %+v (%v)", plan, err)
		}
		res, err := registration.Import(ctx, db, registration.ImportInput{EventID: e.ID, Rows: rows, Lang: "vi"}, now)
		if err != nil || res.Created != 2 || res.Reactivated != 1 || res.Confirmed != 2 {
			t.Fatalf("result %+v (%v)", res, err)
		}
		var r registration.Registration
		db.Take(&r, old.ID)
		if r.Status != registration.StatusConfirmed || r.Code != old.Code || r.Name != rows[0].Name {
			t.Errorf("reactivated %+v", r)
		}
	})
}

// The largest list allowed imports whole: 500 confirmed, the rest waiting.
// (How long it takes is measured by BenchmarkImportLargestList, not here.)
func TestImportLargestList(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 500})
		res, err := registration.Import(t.Context(), db, registration.ImportInput{EventID: e.ID,
			Rows: importRows(1, registration.ImportMaxRows), Lang: "vi", Notify: notifier(t)}, now)
		if err != nil || res.Confirmed != 500 || res.Waitlisted != registration.ImportMaxRows-500 {
			t.Fatalf("%+v (%v)", res, err)
		}
	})
}

// BenchmarkImportLargestList: one import of the largest list allowed (it
// must stay well within the 15 s request timeout; see docs/PERFORMANCE.md).
func BenchmarkImportLargestList(b *testing.B) {
	for _, d := range testutil.Dialects(b) {
		b.Run(d, func(b *testing.B) {
			db := testutil.New(b, d).DB
			for i := 0; i < b.N; i++ {
				e := testutil.Event(b, db, testutil.EventOpts{Now: now, Capacity: 500})
				res, err := registration.Import(b.Context(), db, registration.ImportInput{EventID: e.ID,
					Rows: importRows(1, registration.ImportMaxRows), Lang: "vi", Notify: notifier(b)}, now)
				if err != nil || res.Confirmed != 500 {
					b.Fatalf("%+v (%v)", res, err)
				}
			}
		})
	}
}
