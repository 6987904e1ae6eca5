package locale

import (
	"testing"
	"time"
)

// TestEveryLanguageHasFormatsAndName: a language may be enabled only when
// it has CLDR formats and a name for the switcher; km, lo and fil have them
// whether enabled yet or not.
func TestEveryLanguageHasFormatsAndName(t *testing.T) {
	for _, l := range append(append([]string{}, Supported...), "km", "lo", "fil") {
		if !HasCLDR(l) {
			t.Errorf("%s: no CLDR formats", l)
		}
		if Name(l) == l {
			t.Errorf("%s: no name", l)
		}
	}
}

func TestNewLanguagesFormatDates(t *testing.T) {
	d := time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC)
	for lang, month := range map[string]string{"km": "វិច្ឆិកា", "lo": "ພະຈິກ", "fil": "Nobyembre"} {
		tr := &Translator{Lang: lang, cldr: cldrFor(lang)}
		if got := tr.DateFull(d); !containsStr(got, month) || !containsStr(got, "2026") {
			t.Errorf("%s: DateFull = %q, want %q and the year", lang, got, month)
		}
		if got := tr.Number(1234.5, 1); got == "" {
			t.Errorf("%s: no number", lang)
		}
	}
}

func TestSplitPath(t *testing.T) {
	for _, c := range []struct{ in, lang, rest string }{
		{"/vi/events", "vi", "/events"},
		{"/en", "en", ""},
		{"/events", "", "/events"},
		{"/xx/events", "", "/xx/events"},
	} {
		l, r, ok := SplitPath(c.in)
		if l != c.lang || r != c.rest || ok != (c.lang != "") {
			t.Errorf("SplitPath(%q) = %q, %q, %v", c.in, l, r, ok)
		}
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
