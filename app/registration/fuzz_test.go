package registration_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lantern-ngo/lantern/app/registration"
)

// FuzzCleanName: whatever is typed, an accepted name is valid NFC UTF-8,
// within the limits, free of markup characters and of a leading formula
// sign, and cleaning it again changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn Đức", "Nguye\u0302\u0303n", " a ", "<script>", "=1+1", "\x00\xff", "Lê  \t Thị\u200b Hoa", strings.Repeat("Đ", 101)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name, err := registration.CleanName(raw)
		if err != nil {
			if name != "" {
				t.Fatalf("error %v with a name %q", err, name)
			}
			return
		}
		n := utf8.RuneCountInString(name)
		switch {
		case !utf8.ValidString(name):
			t.Fatalf("invalid UTF-8: %q", name)
		case !norm.NFC.IsNormalString(name):
			t.Fatalf("not NFC: %q", name)
		case n < registration.NameMin || n > registration.NameMax:
			t.Fatalf("length %d: %q", n, name)
		case strings.ContainsAny(name, "<>{}\\|"), strings.ContainsAny(name[:1], "=+-@"):
			t.Fatalf("markup or formula: %q", name)
		case strings.TrimSpace(name) != name:
			t.Fatalf("untrimmed: %q", name)
		}
		again, err := registration.CleanName(name)
		if err != nil || again != name {
			t.Fatalf("not idempotent: %q -> %q (%v)", name, again, err)
		}
	})
}
