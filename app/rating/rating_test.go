package rating

import (
	"strings"
	"testing"

	"github.com/lantern-ngo/lantern/app/apperr"
)

func TestInputCheck(t *testing.T) {
	cases := []struct {
		stars, comment string
		want           int
		fields         []string
		cleaned        string
	}{
		{"4", "  Rất   hay\u200b  ", 4, nil, "Rất hay"},
		{" 1 ", "", 1, nil, ""},
		{"", "ok", 0, []string{"stars"}, "ok"},
		{"0", "", 0, []string{"stars"}, ""},
		{"6", "", 0, []string{"stars"}, ""},
		{"4.5", "", 0, []string{"stars"}, ""},
		{"five", strings.Repeat("ă", CommentMax+1), 0, []string{"stars", "comment"}, strings.Repeat("ă", CommentMax+1)},
		{"5", strings.Repeat("ă", CommentMax), 5, nil, strings.Repeat("ă", CommentMax)},
	}
	for _, c := range cases {
		in := Input{Stars: c.stars, Comment: c.comment}
		got, err := in.Check()
		var fields []string
		for _, f := range apperr.FieldsOf(err) {
			fields = append(fields, f.Field)
		}
		if strings.Join(fields, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%q/%q: fields %v, want %v", c.stars, c.comment, fields, c.fields)
		}
		if err == nil && got != c.want {
			t.Errorf("%q: stars %d, want %d", c.stars, got, c.want)
		}
		if in.Comment != c.cleaned {
			t.Errorf("%q: comment cleaned to %q, want %q", c.comment, in.Comment, c.cleaned)
		}
	}
}

func TestSummary(t *testing.T) {
	var s Summary
	s.Add(5, 2)
	s.Add(3, 1)
	s.Add(7, 9) // out of the scale: ignored
	if s.Count != 3 || s.Sum != 13 || s.Average() < 4.33 || s.Average() > 4.34 {
		t.Errorf("summary %+v, average %.2f", s, s.Average())
	}
	bars := s.Bars()
	if len(bars) != 5 || bars[0].Stars != 5 || bars[0].Count != 2 || bars[2].Count != 1 || bars[4].Stars != 1 {
		t.Errorf("bars %+v", bars)
	}
	if (Summary{}).Average() != 0 {
		t.Error("no answers: average 0")
	}
}

func TestTokens(t *testing.T) {
	a, ha := newToken()
	b, _ := newToken()
	if len(a) != 32 || a == b || ha != hashToken(strings.ToUpper(a)) || len(ha) != 64 || !plausibleToken(a) {
		t.Errorf("tokens %q %q, hash %q", a, b, ha)
	}
	if plausibleToken("short") {
		t.Error("a short token is not looked up")
	}
}
