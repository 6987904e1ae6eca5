package quiz

import (
	"sort"
	"strings"
	"testing"
)

// Letters typed on paper grids and phones: the result is always sorted,
// distinct A–Z letters, and normalising it again changes nothing.
func FuzzNormaliseLetters(f *testing.F) {
	for _, s := range []string{"a c", "C,A", "ca", "", "Z", "a-b/c;d.e", "1", "ä", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := NormaliseLetters(s)
		if !ok {
			return
		}
		if strings.Trim(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || !sort.StringsAreSorted(strings.Split(out, "")) {
			t.Fatalf("NormaliseLetters(%q) = %q", s, out)
		}
		again, ok := NormaliseLetters(out)
		if !ok || again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
	})
}
