package pagecache

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestVersionReadsAtMostOncePerInterval(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	reads, db := 0, int64(7)
	v := NewVersion(func() (int64, error) { reads++; return db, nil }, time.Second, clk.now)
	for i := 0; i < 5; i++ {
		if n, ok := v.Current(); !ok || n != 7 {
			t.Fatalf("Current = %d, %v", n, ok)
		}
	}
	if reads != 1 {
		t.Fatalf("%d reads within one interval, want 1", reads)
	}
	db = 8
	if n, _ := v.Current(); n != 7 {
		t.Fatalf("changed within the interval: %d (the reading is kept for the interval)", n)
	}
	clk.t = clk.t.Add(time.Second)
	if n, _ := v.Current(); n != 8 || reads != 2 {
		t.Fatalf("after the interval: %d after %d reads, want 8 after 2", n, reads)
	}
	db = 9
	v.Expire()
	if n, _ := v.Current(); n != 9 || reads != 3 {
		t.Fatalf("after Expire: %d after %d reads, want 9 after 3", n, reads)
	}
}

func TestVersionZeroIntervalReadsEveryTime(t *testing.T) {
	reads := 0
	v := NewVersion(func() (int64, error) { reads++; return 1, nil }, 0, time.Now)
	v.Current()
	v.Current()
	if reads != 2 {
		t.Fatalf("%d reads, want 2", reads)
	}
}

func TestVersionFailureBypasses(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	fail := true
	v := NewVersion(func() (int64, error) {
		if fail {
			return 0, errors.New("database down")
		}
		return 3, nil
	}, time.Second, clk.now)
	if _, ok := v.Current(); ok {
		t.Fatal("a failed read must say the version is unknown")
	}
	fail = false
	clk.t = clk.t.Add(time.Second)
	if n, ok := v.Current(); !ok || n != 3 {
		t.Fatalf("after recovery: %d, %v", n, ok)
	}
}

// A reading that began before Expire is not used after it, even when it
// finishes later: this instance's own change must show on its next page.
func TestVersionExpireDuringRead(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	started, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	db, first := int64(1), true
	v := NewVersion(func() (int64, error) {
		mu.Lock()
		n, wait := db, first
		first = false
		mu.Unlock()
		if wait {
			close(started)
			<-release
		}
		return n, nil
	}, time.Hour, clk.now)
	done := make(chan int64)
	go func() { n, _ := v.Current(); done <- n }()
	<-started
	mu.Lock()
	db = 2 // a change committed while the slow reading was under way
	mu.Unlock()
	v.Expire()
	close(release)
	if n := <-done; n != 1 {
		t.Fatalf("slow reading = %d", n)
	}
	if n, _ := v.Current(); n != 2 {
		t.Fatalf("after Expire the stale reading was used: %d, want 2", n)
	}
}

func TestStoreMatchesVersionAndAge(t *testing.T) {
	now := time.Unix(1000, 0)
	s := NewStore(30*time.Second, 10)
	s.Put("/vi/events", &Entry{Version: 5, Stored: now, Status: 200, Parts: [][]byte{[]byte("page")}})
	if s.Get("/vi/events", 5, now.Add(29*time.Second)) == nil {
		t.Fatal("fresh entry not found")
	}
	if s.Get("/vi/events", 6, now) != nil {
		t.Fatal("entry of another version served")
	}
	if s.Get("/vi/events", 5, now.Add(30*time.Second)) != nil {
		t.Fatal("entry older than the ttl served")
	}
	if s.Get("/vi/events", 5, now.Add(-time.Second)) != nil {
		t.Fatal("entry from the future served (clock moved back)")
	}
	if s.Get("/fr/events", 5, now) != nil {
		t.Fatal("entry of another key served")
	}
}

func TestStoreBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	s := NewStore(time.Minute, 3)
	page := func(v int64) *Entry { return &Entry{Version: v, Stored: now, Parts: [][]byte{[]byte("x")}} }
	s.Put(strings.Repeat("k", MaxKeyLen+1), page(1))
	s.Put("/big", &Entry{Version: 1, Stored: now, Parts: [][]byte{make([]byte, MaxEntrySize+1)}})
	if s.Len() != 0 {
		t.Fatalf("oversized key or body stored: %d entries", s.Len())
	}
	s.Put("/a", page(1))
	s.Put("/b", page(1))
	s.Put("/c", page(2))
	s.Put("/d", page(2)) // full: the version-1 entries go
	if s.Len() != 2 || s.Get("/c", 2, now) == nil || s.Get("/d", 2, now) == nil {
		t.Fatalf("after eviction of old versions: %d entries", s.Len())
	}
	s.Put("/e", page(2))
	s.Put("/f", page(2)) // full of the current version: everything goes
	if s.Len() != 1 || s.Get("/f", 2, now) == nil {
		t.Fatalf("after a full clear: %d entries", s.Len())
	}
}

func TestEntryBodyWritesTokenIntoEveryPlaceholder(t *testing.T) {
	e := &Entry{Parts: Split([]byte(`<input value="PH"><p>x</p><input value="PH">`), "PH")}
	if got := string(e.Body("tok1")); got != `<input value="tok1"><p>x</p><input value="tok1">` {
		t.Fatalf("body = %s", got)
	}
	if got := string(e.Body("tok2")); got != `<input value="tok2"><p>x</p><input value="tok2">` {
		t.Fatalf("second visitor's body = %s (the entry must not keep the first token)", got)
	}
	one := &Entry{Parts: Split([]byte("no form"), "PH")}
	if len(one.Parts) != 1 || string(one.Body("")) != "no form" {
		t.Fatalf("page without placeholder: %q", one.Parts)
	}
}

func TestEntryCompressOnlyWithoutToken(t *testing.T) {
	one := &Entry{Parts: [][]byte{[]byte(strings.Repeat("Chiếu phim ", 200))}}
	one.Compress()
	if one.Gzip == nil || len(one.Gzip) >= one.Size() {
		t.Fatalf("gzip of %d bytes: %d bytes", one.Size(), len(one.Gzip))
	}
	zr, err := gzip.NewReader(bytes.NewReader(one.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != string(one.Parts[0]) {
		t.Fatal("gzip body differs from the page")
	}
	form := &Entry{Parts: Split([]byte("a PH b"), "PH")}
	form.Compress()
	if form.Gzip != nil {
		t.Fatal("a page with a token was compressed once for everyone")
	}
}

// The last good copy outlives its version and its ttl, for maxAge.
func TestStoreStale(t *testing.T) {
	now := time.Unix(10000, 0)
	s := NewStore(30*time.Second, 10)
	s.Put("/vi/events", &Entry{Version: 4, Stored: now, Status: 200, Parts: [][]byte{[]byte("page")}})
	later := now.Add(time.Hour)
	if s.Get("/vi/events", 5, later) != nil {
		t.Fatal("Get returned an entry of another version")
	}
	if e := s.Stale("/vi/events", later, 24*time.Hour); e == nil || string(e.Body("")) != "page" {
		t.Fatalf("Stale = %v, want the last copy", e)
	}
	if s.Stale("/vi/events", now.Add(24*time.Hour), 24*time.Hour) != nil || s.Stale("/en/events", later, 24*time.Hour) != nil {
		t.Fatal("Stale returned a copy too old, or of another page")
	}
}
