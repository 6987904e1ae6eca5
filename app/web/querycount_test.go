package web

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
)

// The public pages run a fixed number of queries whatever the number of rows:
// no query per event, per translation or per venue (no N+1).
func TestPublicPagesQueryCountDoesNotGrow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		qc := testutil.CountQueries(t, db)
		now := time.Now().UTC()
		mk := func(n int) uint {
			var id uint
			for i := 0; i < n; i++ {
				e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: time.Duration(i+1) * time.Hour})
				testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
				id = e.ID
			}
			return id
		}
		pages := func(id uint) map[string]int64 {
			out := map[string]int64{}
			for _, p := range []string{"/vi/events", "/vi/events/" + itoa(int(id)), "/api/v1/events?lang=vi", "/api/v1/events/" + itoa(int(id))} {
				c := ta.client()
				qc.Reset()
				if resp := c.get(p); resp.StatusCode != 200 {
					t.Fatalf("%s: %d", p, resp.StatusCode)
				}
				out[p] = qc.N()
			}
			return out
		}
		id := mk(3)
		small := pages(id)
		mk(40)
		large := pages(id)
		for p, n := range small {
			t.Logf("%s: %d queries", p, n)
			if large[p] > n {
				t.Errorf("%s runs %d queries with 3 events and %d with 43: a query per row", p, n, large[p])
			}
			if n > 6 {
				t.Errorf("%s runs %d queries", p, n)
			}
		}
	})
}
