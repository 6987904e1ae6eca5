package registration_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestForExport: every registration the filter matches, past a page of
// 500, each with its check-in (and only its own event's).
func TestForExport(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{Now: now})
		other := testutil.Event(t, db, testutil.EventOpts{Now: now})
		var checked, waiting *registration.Registration
		for i := 0; i < 503; i++ {
			r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Phone: "-"})
			if i == 501 {
				checked = r
			}
		}
		waiting = testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		elsewhere := testutil.Registration(t, db, other.ID, testutil.RegistrationOpts{})
		for _, r := range []*registration.Registration{checked, elsewhere} {
			if err := db.Exec(`INSERT INTO attendances (event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, 'code', ?)`,
				r.EventID, r.ID, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		all, err := registration.ForExport(t.Context(), db, e.ID, registration.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 504 {
			t.Fatalf("%d registrations, want 504", len(all))
		}
		n := 0
		for _, r := range all {
			if r.CheckedInAt != nil {
				n++
				if r.ID != checked.ID || !r.CheckedInAt.Equal(now) {
					t.Errorf("checked in: %d at %v, want %d at %v", r.ID, r.CheckedInAt, checked.ID, now)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d checked in, want 1", n)
		}
		w, err := registration.ForExport(t.Context(), db, e.ID, registration.Filter{Status: registration.StatusWaitlisted, Limit: 1, Offset: 3})
		if err != nil || len(w) != 1 || w[0].ID != waiting.ID || w[0].CheckedInAt != nil {
			t.Errorf("waiting list = %+v, %v", w, err)
		}
	})
}
