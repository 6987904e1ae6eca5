package dbstate

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Limit is a number of hits allowed per window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Hit counts one hit on key in the current fixed window and tells whether it
// is allowed. The increment is one atomic upsert, so concurrent requests on
// several instances count exactly (PostgreSQL and SQLite ≥ 3.35 both support
// INSERT … ON CONFLICT … RETURNING).
func Hit(ctx context.Context, db *gorm.DB, key string, l Limit, now time.Time) (allowed bool, retryAfter time.Duration, err error) {
	w := l.Window
	start := now.UTC().Truncate(w)
	var count int
	err = db.WithContext(ctx).Raw(
		`INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)
		 ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
		 RETURNING count`,
		key, start.Unix(), start.Add(w),
	).Scan(&count).Error
	if err != nil {
		return false, 0, err
	}
	if count > l.Max {
		return false, start.Add(w).Sub(now), nil
	}
	return true, 0, nil
}

// Blocked tells, without counting anything, whether key has used up its
// hits in the current window: for limits that count only failures (codes
// looked up that do not exist), checked before every lookup so that once an
// address is over the limit a code that exists answers like one that does
// not, and a lookup that succeeds writes nothing.
func Blocked(ctx context.Context, db *gorm.DB, key string, l Limit, now time.Time) (blocked bool, retryAfter time.Duration, err error) {
	start := now.UTC().Truncate(l.Window)
	var counts []int
	err = db.WithContext(ctx).Raw(`SELECT count FROM rate_limits WHERE key = ? AND window_start = ?`, key, start.Unix()).
		Scan(&counts).Error
	if err != nil || len(counts) == 0 || counts[0] < l.Max {
		return false, 0, err
	}
	return true, start.Add(l.Window).Sub(now), nil
}

// Reset clears key's counter in the current window (after a successful login).
func Reset(ctx context.Context, db *gorm.DB, key string) error {
	return db.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE key = ?", key).Error
}
