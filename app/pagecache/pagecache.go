// Package pagecache keeps rendered anonymous public pages (the events list,
// an event page, the public API) in memory, each stamped with the public
// version it was rendered at.
//
// The version lives in the database (database.PublicVersion, bumped by
// triggers on every committed change to what public pages show). An instance
// reads it at most once per poll interval, so with several instances behind
// one PostgreSQL a page lags a change made elsewhere by at most that interval,
// and an instance that made the change itself reads it again at once
// (Version.Expire). When the version cannot be read (the database is away),
// the last good copy of a page is served instead of an error, for at most a
// day, and the caller marks it as possibly out of date (Store.Stale:
// stale-if-error, RFC 5861); a page never cached still answers the handlers'
// 503.
//
// Nothing correct rests on this memory: registration and check-in always go
// to the database, and an empty cache only costs a render.
package pagecache

import (
	"bytes"
	"compress/gzip"
	"sync"
	"sync/atomic"
	"time"
)

// Version is an instance's reading of the database's public version.
type Version struct {
	read  func() (int64, error)
	every time.Duration
	now   func() time.Time

	cur atomic.Pointer[reading]
	// gen counts Expire calls: a reading taken before the latest one is not
	// used, even if it finished after it.
	gen atomic.Int64
	mu  sync.Mutex // one reader of the database at a time
}

type reading struct {
	v   int64
	ok  bool
	at  time.Time
	gen int64
}

// NewVersion reads the version with read at most once per every (zero: on
// every call).
func NewVersion(read func() (int64, error), every time.Duration, now func() time.Time) *Version {
	return &Version{read: read, every: every, now: now}
}

// Current returns the public version, and false when it cannot be read (the
// cache must then be bypassed).
func (v *Version) Current() (int64, bool) {
	if r := v.cur.Load(); v.fresh(r) {
		return r.v, r.ok
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if r := v.cur.Load(); v.fresh(r) {
		return r.v, r.ok // another request read it while this one waited
	}
	gen := v.gen.Load()
	n, err := v.read()
	r := &reading{v: n, ok: err == nil, at: v.now(), gen: gen}
	v.cur.Store(r)
	return r.v, r.ok
}

func (v *Version) fresh(r *reading) bool {
	return r != nil && r.gen == v.gen.Load() && v.every > 0 && v.now().Sub(r.at) < v.every
}

// Expire makes the next Current read the database: called after this
// instance changed something, so that its own next page shows the change.
func (v *Version) Expire() { v.gen.Add(1) }

// Entry is one cached response.
type Entry struct {
	Version int64
	Stored  time.Time
	Status  int
	// Header holds the handler's response headers, name and value.
	Header [][2]string
	// Parts is the body cut where the per-visitor CSRF token goes: the token
	// is written between consecutive parts. One part: no token.
	Parts [][]byte
	// Gzip is the body compressed once, for pages without a token (nil for
	// the others, which are compressed per visitor).
	Gzip []byte
}

// Compress fills Gzip for an entry without a token.
func (e *Entry) Compress() {
	if len(e.Parts) != 1 {
		return
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(e.Parts[0])
	if zw.Close() == nil {
		e.Gzip = b.Bytes()
	}
}

// Size is the entry's weight in bytes (its body).
func (e *Entry) Size() int {
	n := 0
	for _, p := range e.Parts {
		n += len(p)
	}
	return n
}

// Body joins the parts around token.
func (e *Entry) Body(token string) []byte {
	if len(e.Parts) == 1 {
		return e.Parts[0]
	}
	var b bytes.Buffer
	b.Grow(e.Size() + len(token)*(len(e.Parts)-1))
	for i, p := range e.Parts {
		if i > 0 {
			b.WriteString(token)
		}
		b.Write(p)
	}
	return b.Bytes()
}

// Split cuts a body at every placeholder.
func Split(body []byte, placeholder string) [][]byte {
	return bytes.Split(body, []byte(placeholder))
}

// Limits of a Store: page URLs come from visitors, so the number and size of
// entries are bounded.
const (
	MaxKeyLen    = 512
	MaxEntrySize = 256 << 10
)

// Store holds entries by key (the request URI), at most max of them.
type Store struct {
	ttl time.Duration
	max int

	mu sync.RWMutex
	m  map[string]*Entry
}

// NewStore makes a store whose entries live at most ttl.
func NewStore(ttl time.Duration, max int) *Store {
	return &Store{ttl: ttl, max: max, m: make(map[string]*Entry, max)}
}

// Get returns the entry for key if it was stored at version and is younger
// than the store's ttl.
func (s *Store) Get(key string, version int64, now time.Time) *Entry {
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e == nil || e.Version != version || now.Sub(e.Stored) >= s.ttl || now.Before(e.Stored) {
		return nil
	}
	return e
}

// Stale returns the last entry stored for key, whatever its version and
// however old, provided it was stored less than maxAge before now: the copy
// to show while the database cannot be read.
func (s *Store) Stale(key string, now time.Time, maxAge time.Duration) *Entry {
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e == nil || now.Sub(e.Stored) >= maxAge || now.Before(e.Stored) {
		return nil
	}
	return e
}

// Put stores an entry (a copy of key is kept). When the store is full, the
// entries of older versions go first, then everything: a crude bound, but
// the public site has a few hundred distinct pages and a full store means
// someone is walking query strings.
func (s *Store) Put(key string, e *Entry) {
	if len(key) > MaxKeyLen || e.Size() > MaxEntrySize {
		return
	}
	key = string([]byte(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok && len(s.m) >= s.max {
		for k, old := range s.m {
			if old.Version != e.Version {
				delete(s.m, k)
			}
		}
		if len(s.m) >= s.max {
			clear(s.m)
		}
	}
	s.m[key] = e
}

// Len is the number of entries.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}
