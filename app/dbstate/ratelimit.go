package dbstate

import (
	"context"
	"slices"
	"sort"
	"strings"
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

// Counter is one limit to count a hit against.
type Counter struct {
	Key   string
	Limit Limit
}

// hitRow is a counter's count after a hit.
type hitRow struct {
	Key   string
	Count int
}

// HitAll counts one hit on every counter in a single statement (a public
// form limited per address and per phone number costs one round trip, not
// two) and tells whether all allow it; retryAfter is the longest wait among
// those that refuse. Every counter counts the hit, allowed or not, as Hit
// does. Rows are written in key order, so two requests sharing counters
// never wait on each other in a cycle.
func HitAll(ctx context.Context, db *gorm.DB, now time.Time, counters ...Counter) (allowed bool, retryAfter time.Duration, err error) {
	if len(counters) == 0 {
		return true, 0, nil
	}
	sorted := make([]Counter, 0, len(counters))
	for _, c := range counters {
		if !slices.ContainsFunc(sorted, func(o Counter) bool { return o.Key == c.Key }) {
			sorted = append(sorted, c) // one row can be upserted once a statement
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	var sql strings.Builder
	sql.WriteString("INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES ")
	args := make([]any, 0, 3*len(sorted))
	starts := make(map[string]time.Time, len(sorted))
	for i, c := range sorted {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("(?, ?, 1, ?)")
		start := now.UTC().Truncate(c.Limit.Window)
		starts[c.Key] = start
		args = append(args, c.Key, start.Unix(), start.Add(c.Limit.Window))
	}
	sql.WriteString(" ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING key, count")
	var rows []hitRow
	// Find, not Scan: GORM's Scan renders the statement with its values
	// for a trace on every call, a cost paid on every registration.
	if err := db.WithContext(ctx).Raw(sql.String(), args...).Find(&rows).Error; err != nil {
		return false, 0, err
	}
	allowed = true
	for _, r := range rows {
		for _, c := range sorted {
			if c.Key == r.Key && r.Count > c.Limit.Max {
				allowed = false
				if wait := starts[c.Key].Add(c.Limit.Window).Sub(now); wait > retryAfter {
					retryAfter = wait
				}
			}
		}
	}
	return allowed, retryAfter, nil
}
