package dbstate

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Throttle slows guessing down without ever refusing a right password that
// comes in its time: each failure in a row on a key makes the next attempt
// wait longer (nothing for the first Free failures, then Base, twice Base,
// four times… up to Max). A success forgets the key. The state lives in the
// database (login_throttles), so every instance sees the same waits.
//
// Callers key it so that nobody can slow down someone else's sign-in from
// another address: an account at an address, and an address.
type Throttle struct {
	// Free is how many failures in a row cost no wait.
	Free int
	// Base is the wait after failure Free+1; it doubles with each further one.
	Base time.Duration
	// Max bounds the wait.
	Max time.Duration
	// Forget: a key with no failure for this long starts again from zero.
	Forget time.Duration
}

// Wait is the time an attempt must wait after failures failures in a row.
func (th Throttle) Wait(failures int) time.Duration {
	n := failures - th.Free
	if n <= 0 {
		return 0
	}
	w := th.Base
	for i := 1; i < n; i++ {
		w *= 2
		if w >= th.Max {
			return th.Max
		}
	}
	return min(w, th.Max)
}

type loginThrottle struct {
	Key       string `gorm:"primaryKey"`
	Failures  int
	NotBefore time.Time
	ExpiresAt time.Time
}

func (loginThrottle) TableName() string { return "login_throttles" }

// ErrContended says that an attempt lost the race for its key too often
// (many attempts at the same instant): the caller treats it as a wait.
var errContended = errors.New("dbstate: throttle contended")

// Waiting tells how long the first key that must still wait has left (0
// when none), without counting anything: a check before Attempt, so that an
// attempt refused on one key is not counted on another.
func Waiting(ctx context.Context, db *gorm.DB, now time.Time, keys ...string) (time.Duration, error) {
	var rows []loginThrottle
	if err := db.WithContext(ctx).Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return 0, err
	}
	var wait time.Duration
	for _, r := range rows {
		if r.ExpiresAt.After(now) && r.NotBefore.After(now) {
			wait = max(wait, r.NotBefore.Sub(now))
		}
	}
	return wait, nil
}

// Attempt takes an attempt on key. When the key must still wait it returns
// the time left and counts nothing. Otherwise it counts the attempt as a
// failure in advance — so that guesses sent in parallel cannot all pass
// before the first one fails — and returns 0; the caller calls Succeeded
// when the attempt succeeds. The count is a compare-and-swap on the number
// of failures, exact under concurrency on PostgreSQL and SQLite.
func Attempt(ctx context.Context, db *gorm.DB, key string, th Throttle, now time.Time) (time.Duration, error) {
	db = db.WithContext(ctx)
	now = now.UTC()
	for try := 0; try < 8; try++ {
		var r loginThrottle
		err := db.Where("key = ?", key).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			res := db.Exec(`INSERT INTO login_throttles (key, failures, not_before, expires_at) VALUES (?, 1, ?, ?)
				ON CONFLICT (key) DO NOTHING`, key, now.Add(th.Wait(1)), now.Add(th.Forget))
			if res.Error != nil {
				return 0, res.Error
			}
			if res.RowsAffected == 1 {
				return 0, nil
			}
			continue // another attempt created it meanwhile
		}
		if err != nil {
			return 0, err
		}
		failures := r.Failures
		if !r.ExpiresAt.After(now) {
			failures = 0 // forgotten; the janitor has not swept it yet
		} else if r.NotBefore.After(now) {
			return r.NotBefore.Sub(now), nil
		}
		res := db.Exec(`UPDATE login_throttles SET failures = ?, not_before = ?, expires_at = ? WHERE key = ? AND failures = ?`,
			failures+1, now.Add(th.Wait(failures+1)), now.Add(th.Forget), key, r.Failures)
		if res.Error != nil {
			return 0, res.Error
		}
		if res.RowsAffected == 1 {
			return 0, nil
		}
		// Another attempt counted first: read again.
	}
	return 0, errContended
}

// IsContended tells whether Attempt gave up on a key many attempts were
// taking at once; the caller answers as for a wait (of a second).
func IsContended(err error) bool { return errors.Is(err, errContended) }

// Succeeded forgets the failures of keys (after a right password).
func Succeeded(ctx context.Context, db *gorm.DB, keys ...string) error {
	return db.WithContext(ctx).Where("key IN ?", keys).Delete(&loginThrottle{}).Error
}
