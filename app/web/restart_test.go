package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// A server stopping in the middle of a burst of registrations finishes the
// requests it accepted (graceful shutdown): every registration confirmed to
// a person (a 303 to their ticket) is in the database, complete.
func TestShutdownDuringBurstLosesNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		in := startInstanceOn(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 1000})
		path := in.base + "/vi/events/" + itoa(int(e.ID))

		var confirmed sync.Map // code → phone
		var ok, refused atomic.Int64
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 20; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				br := newBrowserClient(fmt.Sprintf("10.7.0.%d", w+1))
				tok, err := br.token(in.base, "/vi/events/"+itoa(int(e.ID)))
				if err != nil {
					return
				}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					phone := fmt.Sprintf("0912%03d%03d", w, i)
					resp, _, err := br.do("POST", path+"/register", url.Values{"_csrf": {tok}, "name": {"Người " + phone}, "phone": {phone}, "consent": {"1"}})
					if err != nil {
						refused.Add(1) // the server was gone: nothing was promised
						time.Sleep(20 * time.Millisecond)
						continue
					}
					if resp.StatusCode == http.StatusSeeOther {
						ok.Add(1)
						m := ticketPath.FindStringSubmatch(resp.Header.Get("Location"))
						if m != nil {
							confirmed.Store(m[2], phone)
						}
					}
				}
			}(w)
		}
		// Shut down once people are being registered (a loaded CI machine
		// may take longer than a fixed pause to serve the first ones).
		for deadline := time.Now().Add(15 * time.Second); ok.Load() < 20 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if err := in.app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
		close(stop)
		wg.Wait()
		if ok.Load() == 0 || refused.Load() == 0 {
			t.Fatalf("the burst did not straddle the shutdown: %d confirmed, %d refused", ok.Load(), refused.Load())
		}
		n := 0
		confirmed.Range(func(k, v any) bool {
			n++
			var r registration.Registration
			if err := db.Where("code = ?", k).Take(&r).Error; err != nil {
				t.Errorf("registration %s confirmed to the person is missing: %v", k, err)
			} else if r.Status != registration.StatusConfirmed || r.Phone == nil {
				t.Errorf("registration %s half-written: %+v", k, r)
			}
			return true
		})
		var taken int
		db.Table("events").Where("id = ?", e.ID).Select("seats_taken").Scan(&taken)
		if taken != n {
			t.Errorf("seats_taken = %d, confirmed = %d", taken, n)
		}
		t.Logf("%d confirmed before the stop, %d refused after it", n, refused.Load())
	})
}
