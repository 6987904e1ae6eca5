// Package groupcommit writes together the jobs that arrive while a write
// runs: a crowd's registrations of one session, its rate-limit hits. One
// statement, one commit and one disk flush serve many requests, and
// nothing waits for a timer: a job alone is written at once.
package groupcommit

import (
	"context"
	"sync"
	"time"
)

// WriteTimeout bounds a write. A write outlives the request that started it
// (it answers the others too), so it runs under its own deadline.
const WriteTimeout = 30 * time.Second

// Queue holds the jobs waiting for the next write. The zero value with Max
// set is ready to use; it must not be copied after first use.
type Queue[J any] struct {
	Max int // jobs a write takes at most

	mu      sync.Mutex
	pending []J
	running bool
}

// Submit adds j to the next write. The caller that finds no write running
// writes batches (of at most Max, in the order they came) until none is
// left, then returns; the others return at once. Either way write sees j
// exactly once: the caller waits for j's own answer, set by write.
func (q *Queue[J]) Submit(ctx context.Context, j J, write func(context.Context, []J)) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	if q.running {
		q.mu.Unlock()
		return
	}
	q.running = true
	q.mu.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), WriteTimeout)
	defer cancel()
	// Should write panic, the next caller writes: the queue is never left
	// "running" with nobody writing.
	defer func() {
		if r := recover(); r != nil {
			q.mu.Lock()
			q.running = false
			q.mu.Unlock()
			panic(r)
		}
	}()
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		n := min(len(q.pending), max(q.Max, 1))
		jobs := q.pending[:n:n]
		q.pending = append([]J(nil), q.pending[n:]...)
		q.mu.Unlock()
		write(wctx, jobs)
	}
}
