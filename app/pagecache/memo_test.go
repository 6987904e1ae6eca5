package pagecache

import (
	"errors"
	"testing"
	"time"
)

// A memo computes a value once per version, drops everything when the
// version moves, keeps no failed load, and keeps nothing while the version
// cannot be read.
func TestMemoKeepsValuesPerVersion(t *testing.T) {
	version, readErr := int64(1), error(nil)
	v := NewVersion(func() (int64, error) { return version, readErr }, 0, time.Now)
	m := NewMemo[uint, string](v, 2)
	loads := 0
	load := func(s string) func() (string, error) {
		return func() (string, error) { loads++; return s, nil }
	}
	for i := 0; i < 3; i++ {
		if got, _ := m.Get(7, load("a")); got != "a" {
			t.Fatalf("Get = %q", got)
		}
	}
	if loads != 1 {
		t.Errorf("loads at one version = %d, want 1", loads)
	}
	version = 2
	if got, _ := m.Get(7, load("b")); got != "b" || loads != 2 {
		t.Errorf("after the version moved: %q, %d loads", got, loads)
	}
	if _, err := m.Get(8, func() (string, error) { return "", errors.New("away") }); err == nil {
		t.Error("a failed load returned no error")
	}
	if got, _ := m.Get(8, load("c")); got != "c" {
		t.Errorf("a failed load was kept: %q", got)
	}
	readErr = errors.New("database away")
	before := loads
	m.Get(7, load("d"))
	m.Get(7, load("d"))
	if loads != before+2 {
		t.Errorf("with the version unreadable, %d loads, want 2", loads-before)
	}
}
