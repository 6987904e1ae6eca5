package phone

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in         string
		want       string
		err        error
		renumbered bool
	}{
		// Valid Vietnamese mobiles, as people write them.
		{"0912 345 678", "+84912345678", nil, false},
		{"091.234.5678", "+84912345678", nil, false},
		{"+84 91 234 5678", "+84912345678", nil, false},
		{"84912345678", "+84912345678", nil, false},
		{"0912345678", "+84912345678", nil, false},
		{"912345678", "+84912345678", nil, false},
		{"(091) 234-5678", "+84912345678", nil, false},
		{"0084 912 345 678", "+84912345678", nil, false},
		{" 0987654321 ", "+84987654321", nil, false},
		{"0389123456", "+84389123456", nil, false},
		{"0703123456", "+84703123456", nil, false},
		{"0836123456", "+84836123456", nil, false},
		// A trunk zero kept after the country code (business cards).
		{"+84 (0) 912 345 678", "+84912345678", nil, false},
		{"+840912345678", "+84912345678", nil, false},
		{"+84 (0)91 234 5678", "+84912345678", nil, false},
		{"+84-0-912-345-678", "+84912345678", nil, false},
		{"0084 (0) 912 345 678", "+84912345678", nil, false},
		{"00840912345678", "+84912345678", nil, false},
		{"840912345678", "+84912345678", nil, false},
		{"84 (0) 389 123 456", "+84389123456", nil, false},
		{"+84 (0) 168 912 3456", "+84389123456", nil, true},
		{"8401689123456", "+84389123456", nil, true},
		{"+33 (0)6 12 34 56 78", "+33612345678", nil, false},
		{"+44 (0) 7911 123456", "+447911123456", nil, false},
		// Two zeros after the country code are no number.
		{"+84 00 912 345 678", "", ErrInvalid, false},
		{"+8400912345678", "", ErrInvalid, false},
		// Old 11-digit numbers from before the 2018 renumbering.
		{"01689123456", "+84389123456", nil, true},
		{"0121 912 3456", "+84799123456", nil, true},
		{"+84 168 912 3456", "+84389123456", nil, true},
		{"841239123456", "+84839123456", nil, true},
		{"01869123456", "+84569123456", nil, true},
		{"01999123456", "+84599123456", nil, true},
		// Foreign numbers with their + prefix.
		{"+33 6 12 34 56 78", "+33612345678", nil, false},
		{"+855 12 345 678", "+85512345678", nil, false},
		{"+63 917 123 4567", "+639171234567", nil, false},
		{"+856 20 5512 3456", "+8562055123456", nil, false},
		// Numbers that cannot exist.
		{"", "", ErrRequired, false},
		{"   ", "", ErrRequired, false},
		{"12345", "", ErrInvalid, false},
		{"0912", "", ErrInvalid, false},
		{"09123456789012", "", ErrInvalid, false},
		{"abc", "", ErrInvalid, false},
		{"0912abc678", "", ErrInvalid, false},
		{"+", "", ErrInvalid, false},
		{"<script>", "", ErrInvalid, false},
		{"0112345678", "", ErrInvalid, false},
		{strings.Repeat("9", 60), "", ErrInvalid, false},
		// A Hanoi landline cannot receive an SMS.
		{"024 3825 1234", "", ErrNotMobile, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseIn(c.in, "VN")
			if !errors.Is(err, c.err) {
				t.Fatalf("Parse(%q) error = %v, want %v", c.in, err, c.err)
			}
			if got.E164 != c.want {
				t.Errorf("Parse(%q) = %q, want %q", c.in, got.E164, c.want)
			}
			if got.Renumbered != c.renumbered {
				t.Errorf("Parse(%q).Renumbered = %v, want %v", c.in, got.Renumbered, c.renumbered)
			}
		})
	}
}

func TestNationalAndMask(t *testing.T) {
	if got := National("+84912345678", "VN"); got != "0912 345 678" {
		t.Errorf("National = %q", got)
	}
	if got := Mask("+84912345678"); got != "…5678" {
		t.Errorf("Mask = %q", got)
	}
}

// TestParseInTheSessionsCountry: a number typed without + on a Cambodian,
// Lao or Philippine session's form is read as that country's; with + (or
// 00) it keeps its own, whatever the session.
func TestParseInTheSessionsCountry(t *testing.T) {
	cases := []struct{ in, region, want string }{
		{"012 345 678", "KH", "+85512345678"},
		{"012345678", "KH", "+85512345678"},
		{"855 12 345 678", "KH", "+85512345678"},
		{"+855 (0)12 345 678", "VN", "+85512345678"},
		{"020 5512 3456", "LA", "+8562055123456"},
		{"0917 123 4567", "PH", "+639171234567"},
		{"917 123 4567", "PH", "+639171234567"},
		{"63 917 123 4567", "PH", "+639171234567"},
		{"+84 912 345 678", "PH", "+84912345678"},
		{"0084 912 345 678", "KH", "+84912345678"},
		// Vietnam's renumbering is a fact of +84 numbers wherever typed.
		{"+84 168 912 3456", "KH", "+84389123456"},
	}
	for _, c := range cases {
		got, err := ParseIn(c.in, c.region)
		if err != nil || got.E164 != c.want {
			t.Errorf("ParseIn(%q, %s) = %q %v, want %q", c.in, c.region, got.E164, err, c.want)
		}
	}
	// The same national digits mean different people in two countries.
	vn, _ := ParseIn("0912345678", "VN")
	ph, _ := ParseIn("09171234567", "PH")
	if vn.E164 == ph.E164 || vn.E164 != "+84912345678" {
		t.Errorf("VN %q, PH %q", vn.E164, ph.E164)
	}
	if _, err := ParseIn("0912345678", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("a national number with no region: %v, want invalid", err)
	}
	if got := National("+85512345678", "KH"); got != "012 345 678" {
		t.Errorf("National in KH = %q", got)
	}
	if got := National("+85512345678", "VN"); !strings.HasPrefix(got, "+855") {
		t.Errorf("a Cambodian number shown in Vietnam = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0912 345 678", "+84 91 234 5678", "01689123456", "+33612345678", "", "++", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseIn(s, "VN")
		if err != nil {
			return
		}
		if !strings.HasPrefix(n.E164, "+") || len(n.E164) > 16 {
			t.Fatalf("Parse(%q) gave %q, not E.164", s, n.E164)
		}
		again, err := ParseIn(n.E164, "KH")
		if err != nil || again.E164 != n.E164 {
			t.Fatalf("E.164 %q does not parse back to itself: %q %v", n.E164, again.E164, err)
		}
	})
}

// FuzzTrunkZero: however a valid Vietnamese mobile is written — national,
// international, with the trunk zero kept after 84 in brackets or not, with
// 00 for + — it gives the same E.164 number.
func FuzzTrunkZero(f *testing.F) {
	for _, s := range []string{"912345678", "389123456", "703123456", "836123456", "1689123456", "123456789", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rest string) {
		if rest == "" || len(rest) > 12 || strings.Trim(rest, "0123456789") != "" || rest[0] == '0' {
			return
		}
		want, err := ParseIn("0"+rest, "VN")
		if err != nil {
			return
		}
		for _, s := range []string{
			"+84" + rest, "+84 (0) " + rest, "+840" + rest, "+84 0" + rest, "0084 (0)" + rest, "00840" + rest, "840" + rest, "84" + rest,
		} {
			got, err := ParseIn(s, "VN")
			if err != nil || got.E164 != want.E164 {
				t.Errorf("Parse(%q) = %q %v, want %q as for 0%s", s, got.E164, err, want.E164, rest)
			}
		}
	})
}
