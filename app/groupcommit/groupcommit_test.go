package groupcommit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/groupcommit"
)

type job struct {
	n    int
	done chan int // the size of the write that took it
}

// Every job is written exactly once, in writes of at most Max, and jobs
// that arrive while a write runs share the next one.
func TestEveryJobIsWrittenOnceInBoundedBatches(t *testing.T) {
	q := &groupcommit.Queue[*job]{Max: 8}
	var writes, written atomic.Int32
	seen := sync.Map{}
	write := func(_ context.Context, jobs []*job) {
		writes.Add(1)
		time.Sleep(2 * time.Millisecond) // a statement's time: others queue
		for _, j := range jobs {
			if _, dup := seen.LoadOrStore(j.n, true); dup {
				t.Errorf("job %d written twice", j.n)
			}
			written.Add(1)
			j.done <- len(jobs)
		}
	}
	const crowd = 200
	var wg sync.WaitGroup
	var largest atomic.Int32
	for i := 0; i < crowd; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := &job{n: i, done: make(chan int, 1)}
			q.Submit(t.Context(), j, write)
			size := <-j.done
			if size > 8 {
				t.Errorf("a write of %d jobs, want at most 8", size)
			}
			for {
				old := largest.Load()
				if int32(size) <= old || largest.CompareAndSwap(old, int32(size)) {
					break
				}
			}
		}()
	}
	wg.Wait()
	if written.Load() != crowd {
		t.Errorf("%d written, want %d", written.Load(), crowd)
	}
	if writes.Load() >= crowd || largest.Load() < 2 {
		t.Errorf("%d writes for %d jobs (largest %d): nothing was grouped", writes.Load(), crowd, largest.Load())
	}
}

// A write that panics does not leave the queue stuck: the next job is
// written.
func TestAPanickingWriteDoesNotStickTheQueue(t *testing.T) {
	q := &groupcommit.Queue[*job]{Max: 4}
	func() {
		defer func() { _ = recover() }()
		q.Submit(t.Context(), &job{done: make(chan int, 1)}, func(context.Context, []*job) { panic("boom") })
	}()
	j := &job{n: 1, done: make(chan int, 1)}
	q.Submit(t.Context(), j, func(_ context.Context, jobs []*job) {
		for _, j := range jobs {
			j.done <- len(jobs)
		}
	})
	select {
	case <-j.done:
	case <-time.After(time.Second):
		t.Fatal("the job after a panicking write was never written")
	}
}
