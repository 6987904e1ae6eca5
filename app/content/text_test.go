package content

import "testing"

// A text missing in the reader's language falls back along the session's
// country's order first, then the content's own language, then the global
// order (issue 20).
func TestPickInCountryFallback(t *testing.T) {
	text := Text{"vi": "Chiếu phim", "en": "Film screening", "fr": "Projection"}
	lookup := func(l string) (string, bool) { s, ok := text[l]; return s, ok && s != "" }
	cases := []struct {
		lang     string
		fallback []string
		own      string
		want     string
	}{
		{"km", []string{"km", "en", "fr"}, "vi", "en"}, // Cambodia: English before the own language
		{"km", nil, "vi", "vi"},                        // no country: own language
		{"lo", []string{"lo", "fr"}, "vi", "fr"},       // the country's order wins
		{"fr", []string{"km", "en"}, "vi", "fr"},       // the reader's language first
		{"fil", []string{"fil", "en"}, "", "en"},       // Philippines
		{"km", []string{"km"}, "", "vi"},               // then the global order
	}
	for _, c := range cases {
		if _, got := PickIn(c.lang, c.fallback, c.own, lookup); got != c.want {
			t.Errorf("PickIn(%s, %v, own %q) = %s, want %s", c.lang, c.fallback, c.own, got, c.want)
		}
	}
}
