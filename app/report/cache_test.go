package report_test

import (
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// The dashboard's figures are shared for maxAge, then computed again; with
// maxAge 0 they are always computed.
func TestCachedIndicators(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Second)
		testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -48 * time.Hour})
		held := func(r *report.Indicators) float64 { return r.Get(report.CodeEventsHeld).Numerator }

		first, err := report.Cached(ctx, db, report.Filter{}, now, time.Minute)
		if err != nil || held(first) != 1 {
			t.Fatalf("first: %v held (%v)", held(first), err)
		}
		testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -24 * time.Hour})

		again, err := report.Cached(ctx, db, report.Filter{}, now.Add(59*time.Second), time.Minute)
		if err != nil || !again.GeneratedAt.Equal(first.GeneratedAt) || !reflect.DeepEqual(again.Indicators, first.Indicators) {
			t.Fatalf("within a minute the stored figures were not used (generated %v, first %v; %v)", again.GeneratedAt, first.GeneratedAt, err)
		}
		other, err := report.Cached(ctx, db, report.Filter{From: "2000-01-01"}, now.Add(time.Second), time.Minute)
		if err != nil || held(other) != 2 {
			t.Fatalf("another filter shared the figures: %v held (%v)", held(other), err)
		}
		later, err := report.Cached(ctx, db, report.Filter{}, now.Add(time.Minute), time.Minute)
		if err != nil || held(later) != 2 || !later.GeneratedAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("after a minute: %v held, generated %v (%v)", held(later), later.GeneratedAt, err)
		}
		testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -12 * time.Hour})
		fresh, err := report.Cached(ctx, db, report.Filter{}, now.Add(time.Minute), 0)
		if err != nil || held(fresh) != 3 {
			t.Fatalf("maxAge 0: %v held (%v)", held(fresh), err)
		}
	})
}
