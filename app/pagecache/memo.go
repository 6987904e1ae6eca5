package pagecache

import "sync"

// Memo keeps values computed from the database, each valid at the version
// that was current when it was computed: a new version drops them all. The
// version is read through a Version (at most once per poll interval), so a
// Memo lags a change made on another instance by at most that interval.
// Values are shared between requests and must be treated as read only.
type Memo[K comparable, V any] struct {
	version *Version
	max     int

	mu    sync.Mutex
	at    int64
	items map[K]V
}

// NewMemo keeps at most max values (all are dropped when it is full).
func NewMemo[K comparable, V any](version *Version, max int) *Memo[K, V] {
	return &Memo[K, V]{version: version, max: max, items: map[K]V{}}
}

// Get returns the value of key at the current version, computing it with
// load when there is none. When the version cannot be read, load runs and
// nothing is kept.
func (m *Memo[K, V]) Get(key K, load func() (V, error)) (V, error) {
	v, ok := m.version.Current()
	if !ok {
		return load()
	}
	m.mu.Lock()
	if m.at != v {
		m.at, m.items = v, map[K]V{}
	}
	got, found := m.items[key]
	m.mu.Unlock()
	if found {
		return got, nil
	}
	// Computed after the version was read, so never older than it.
	got, err := load()
	if err != nil {
		return got, err
	}
	m.mu.Lock()
	if m.at == v {
		if len(m.items) >= m.max {
			m.items = map[K]V{}
		}
		m.items[key] = got
	}
	m.mu.Unlock()
	return got, nil
}

// Expire makes the next Get read the version again (after this instance
// changed something).
func (m *Memo[K, V]) Expire() { m.version.Expire() }
