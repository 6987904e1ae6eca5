package dbstate_test

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// Several counters in one statement count like one Hit each: every counter
// counts every hit, the request is refused as soon as one is over, and the
// wait is the longest among those over.
func TestHitAllCountsEveryCounter(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 12, 7, 8, 5, 0, 0, time.UTC)
		perAddress := dbstate.Counter{Key: "register:ip:203.0.113.7", Limit: dbstate.Limit{Max: 5, Window: 10 * time.Minute}}
		perNumber := dbstate.Counter{Key: "register:phone:+84912345678", Limit: dbstate.Limit{Max: 2, Window: time.Hour}}
		for i := 1; i <= 3; i++ {
			ok, retry, err := dbstate.HitAll(ctx, db, now, perAddress, perNumber, perAddress)
			if err != nil {
				t.Fatal(err)
			}
			if want := i <= 2; ok != want {
				t.Errorf("hit %d allowed = %v, want %v", i, ok, want)
			}
			if !ok && retry != 55*time.Minute {
				t.Errorf("hit %d: retry after %v, want the number's 55m", i, retry)
			}
		}
		// The address counted all three (the repeated counter once a hit),
		// so two more are allowed on it with another number.
		other := dbstate.Counter{Key: "register:phone:+84912345679", Limit: dbstate.Limit{Max: 10, Window: time.Hour}}
		for i, want := range []bool{true, true, false} {
			ok, retry, err := dbstate.HitAll(ctx, db, now, perAddress, other)
			if err != nil {
				t.Fatal(err)
			}
			if ok != want {
				t.Errorf("other number, hit %d: allowed = %v, want %v", i+1, ok, want)
			}
			if !ok && retry != 5*time.Minute {
				t.Errorf("retry after %v, want the address's 5m", retry)
			}
		}
		if ok, _, err := dbstate.HitAll(ctx, db, now); err != nil || !ok {
			t.Errorf("no counters: %v %v", ok, err)
		}
	})
}

// A crowd's hits are written together (group commit), and each still gets
// the count it makes: of 200 requests sharing one address, exactly the
// address's limit pass, whatever the batches were, and every hit is
// counted once.
func TestHitAllCountsExactlyUnderACrowd(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 12, 7, 8, 5, 0, 0, time.UTC)
		shared := dbstate.Counter{Key: "register:ip:198.51.100.1", Limit: dbstate.Limit{Max: 50, Window: 10 * time.Minute}}
		const crowd = 200
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < crowd; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				own := dbstate.Counter{Key: fmt.Sprintf("register:phone:+8491234%04d", i), Limit: dbstate.Limit{Max: 1, Window: time.Hour}}
				ok, _, err := dbstate.HitAll(t.Context(), db, now, own, shared)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := allowed.Load(); got != 50 {
			t.Errorf("%d of %d allowed, want exactly the limit's 50", got, crowd)
		}
		var total, keys int64
		db.Raw("SELECT count FROM rate_limits WHERE key = ?", shared.Key).Scan(&total)
		db.Raw("SELECT COUNT(*) FROM rate_limits WHERE key LIKE 'register:phone:%' AND count = 1").Scan(&keys)
		if total != crowd || keys != crowd {
			t.Errorf("address counted %d hits, %d numbers once each; want %d and %d", total, keys, crowd, crowd)
		}
	})
}
