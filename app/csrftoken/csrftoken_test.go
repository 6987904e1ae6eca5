package csrftoken

import (
	"strings"
	"testing"
	"time"
)

func TestMakeVerify(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, other := New("secret"), New("another secret")
	tok := s.Make("a", "binding-one", now)
	if !s.Verify(tok, "a", "binding-one", now) || !s.Verify(tok, "a", "binding-one", now.Add(Lifetime-time.Second)) {
		t.Fatal("a fresh token is refused")
	}
	for name, ok := range map[string]bool{
		"ended":           s.Verify(tok, "a", "binding-one", now.Add(Lifetime)),
		"another binding": s.Verify(tok, "a", "binding-two", now),
		"another kind":    s.Verify(tok, "s", "binding-one", now),
		"another key":     other.Verify(tok, "a", "binding-one", now),
		"no binding":      s.Verify(s.Make("a", "", now), "a", "", now),
		"no dot":          s.Verify(strings.ReplaceAll(tok, ".", ""), "a", "binding-one", now),
		"too long":        s.Verify(tok+strings.Repeat("A", 100), "a", "binding-one", now),
		"end moved later": s.Verify("zzzzzzz"+tok[strings.Index(tok, "."):], "a", "binding-one", now),
		"mac not base64":  s.Verify(tok[:strings.Index(tok, ".")+1]+"!!", "a", "binding-one", now),
	} {
		if ok {
			t.Errorf("%s: the token passes", name)
		}
	}
}

func TestVisitorCookie(t *testing.T) {
	random := strings.Repeat("aB3-_", 5)
	ends := time.Unix(1_800_000_000, 0)
	got, gotEnds, ok := Visitor(VisitorCookie(random, ends))
	if !ok || got != random || !gotEnds.Equal(ends) {
		t.Fatalf("Visitor(VisitorCookie) = %q %v %v", got, gotEnds, ok)
	}
	for _, bad := range []string{"", "short.1", random, random + ".not base 36!", strings.Repeat("x", 65) + ".1", strings.Repeat("é", 22) + ".1"} {
		if _, _, ok := Visitor(bad); ok {
			t.Errorf("Visitor(%q) is accepted", bad)
		}
	}
}
