package dbstate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/groupcommit"
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

// HitAll counts one hit on every counter and tells whether all allow it;
// retryAfter is the longest wait among those that refuse. Every counter
// counts the hit, allowed or not, as Hit does.
//
// A crowd registering at once makes every request start with its hits, a
// statement each: the hits of the requests that arrive while one statement
// runs are written together by the next (app/groupcommit, as the
// registrations of a hot session are), one round trip and one commit for
// many. Nothing waits for a timer: a hit alone is written at once.
func HitAll(ctx context.Context, db *gorm.DB, now time.Time, counters ...Counter) (allowed bool, retryAfter time.Duration, err error) {
	if len(counters) == 0 {
		return true, 0, nil
	}
	j := &hitJob{now: now.UTC(), done: make(chan struct{})}
	for _, c := range counters {
		if !slices.ContainsFunc(j.counters, func(o Counter) bool { return o.Key == c.Key }) {
			j.counters = append(j.counters, c) // a key counts one hit a request
		}
	}
	hitQueueFor(db).Submit(ctx, j, func(wctx context.Context, jobs []*hitJob) { writeHits(wctx, db, jobs) })
	<-j.done
	return j.allowed, j.retryAfter, j.err
}

// hitJob is one request's hits and, once done is closed, their answer.
type hitJob struct {
	counters   []Counter
	now        time.Time
	allowed    bool
	retryAfter time.Duration
	err        error
	done       chan struct{}
}

const hitBatchMax = 64

var hitQueues sync.Map // gorm.ConnPool → *groupcommit.Queue[*hitJob]

func hitQueueFor(db *gorm.DB) *groupcommit.Queue[*hitJob] {
	if q, ok := hitQueues.Load(db.Statement.ConnPool); ok {
		return q.(*groupcommit.Queue[*hitJob])
	}
	q, _ := hitQueues.LoadOrStore(db.Statement.ConnPool, &groupcommit.Queue[*hitJob]{Max: hitBatchMax})
	return q.(*groupcommit.Queue[*hitJob])
}

// hitRow is a counter's count after the statement.
type hitRow struct {
	Key         string
	WindowStart int64
	Count       int
}

// writeHits counts the jobs' hits in one statement: each counter's window
// is upserted once with the number of hits it takes, in key order (two
// statements sharing counters never wait on each other in a cycle), and
// each hit is given the count it makes in the order the jobs came.
func writeHits(ctx context.Context, db *gorm.DB, jobs []*hitJob) {
	// Every job is answered, even if this panics: its request waits for it.
	for _, j := range jobs {
		j.err = errHitsNotWritten
	}
	defer func() {
		for _, j := range jobs {
			close(j.done)
		}
	}()
	type window struct {
		key   string
		start int64 // unix seconds, as stored
	}
	windowOf := func(j *hitJob, c Counter) window {
		return window{c.Key, j.now.Truncate(c.Limit.Window).Unix()}
	}
	hits := map[window]int{}
	var windows []window
	var err error
	for _, j := range jobs {
		for _, c := range j.counters {
			w := windowOf(j, c)
			if hits[w] == 0 {
				windows = append(windows, w)
			}
			hits[w]++
		}
	}
	ends := map[window]time.Time{}
	for _, j := range jobs {
		for _, c := range j.counters {
			w := windowOf(j, c)
			if end := time.Unix(w.start, 0).Add(c.Limit.Window); end.After(ends[w]) {
				ends[w] = end
			}
		}
	}
	slices.SortFunc(windows, func(a, b window) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	var sql strings.Builder
	sql.WriteString("INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES ")
	args := make([]any, 0, 4*len(windows))
	for i, w := range windows {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("(?, ?, ?, ?)")
		args = append(args, w.key, w.start, hits[w], ends[w].UTC())
	}
	sql.WriteString(" ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + excluded.count RETURNING key, window_start, count")
	var rows []hitRow
	// Find, not Scan: GORM's Scan renders the statement with its values
	// for a trace on every call, a cost paid on every registration.
	err = db.WithContext(ctx).Raw(sql.String(), args...).Find(&rows).Error
	final := make(map[window]int, len(rows))
	for _, r := range rows {
		final[window{r.Key, r.WindowStart}] = r.Count
	}
	if err == nil && len(final) != len(windows) {
		err = fmt.Errorf("dbstate: %d rate-limit windows written, %d answered", len(windows), len(final))
	}
	// The first job's hit on a window is the first of the hits it took.
	next := make(map[window]int, len(windows))
	for w, n := range hits {
		next[w] = final[w] - n + 1
	}
	for _, j := range jobs {
		j.err, j.allowed = err, err == nil
		for _, c := range j.counters {
			w := windowOf(j, c)
			count := next[w]
			next[w]++
			if err == nil && count > c.Limit.Max {
				j.allowed = false
				if wait := time.Unix(w.start, 0).Add(c.Limit.Window).Sub(j.now); wait > j.retryAfter {
					j.retryAfter = wait
				}
			}
		}
	}
}

var errHitsNotWritten = errors.New("dbstate: the rate-limit hits were not written")
