package textnorm

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	decomposed := "Nguye\u0302\u0303n" // "Nguyễn" typed with combining marks
	cases := []struct{ in, want string }{
		{"  Nguyễn   Văn\tĐức ", "Nguyễn Văn Đức"},
		{decomposed, "Nguyễn"},
		{"a\x00b", "ab"},
		{"bad\xffutf8", "badutf8"},
		{"", ""},
		// Direction controls, zero-width characters, soft hyphen, BOM,
		// word joiner, tag characters: gone wherever they are.
		{"\u202eNguy\u00adễn\u200b Lan\u202c", "Nguyễn Lan"},
		{"\u2066Trần\u2069 \u2067Hoa\u2068\u2069", "Trần Hoa"},
		{"\ufeffLê\u2060Văn\u200c\u200dAn\u200e\u200f", "LêVănAn"},
		{"Mai\U000E0041\U000E007F \u3164 Anh", "Mai Anh"},
		// A control character between two spaces leaves one space.
		{"An \u202e Bình", "An Bình"},
		// Combining marks are kept (and composed), even after an invisible.
		{"Nguye\u200b\u0302\u0303n", "Nguyễn"},
		// ZWJ and ZWNJ shape Khmer and Lao letters: kept between two of
		// them, dropped elsewhere (Latin, at the ends, beside a space,
		// between two scripts).
		{"ស\u200dក \u0ea5\u200c\u0eb2", "ស\u200dក \u0ea5\u200c\u0eb2"},
		{"a\u200db \u200dស ស\u200d \u0ea5\u200dស", "ab ស ស \u0ea5ស"},
		{"ស\u200d\u200dក", "ស\u200dក"},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Nguyễn Văn Đức", "nguyen van duc"},
		{"ĐẶNG THỊ HỒNG", "dang thi hong"},
		{"Phan Thiết", "phan thiet"},
		{"Élodie", "elodie"},
		// Compatibility forms fold to what they look like.
		{"ｎｇｕｙｅｎ　ＬＡＮ", "nguyen lan"},
		{"ﬁlm Ⅳ", "film iv"},
		{"Nguy\u00adễn\u200b Lan", "nguyen lan"},
		// Even the joiners kept in Khmer are no part of a search key.
		{"ស\u200dក", "សក"},
		{"\u00a8 An", "an"},
	}
	for _, c := range cases {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnaccent(t *testing.T) {
	if got, want := Unaccent("Đăng ký thành công"), "Dang ky thanh cong"; got != want {
		t.Errorf("Unaccent = %q, want %q", got, want)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn Đức", "", "\xff", "a\u0301", "ស\u200dក\u200d", "\u202eｎ\u00ad", "\u0ea5\u200c\u0301\u0eb2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if Clean(c) != c {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
		for i, r := range c {
			if Invisible(r) && r != '\u200c' && r != '\u200d' {
				t.Fatalf("Clean(%q) keeps %U at %d", s, r, i)
			}
		}
		if ct := CleanText(s); CleanText(ct) != ct {
			t.Fatalf("CleanText is not idempotent on %q", s)
		}
		fo := Fold(s)
		if Fold(fo) != fo {
			t.Fatalf("Fold is not idempotent on %q", s)
		}
		if strings.ContainsFunc(fo, Invisible) {
			t.Fatalf("Fold(%q) = %q keeps an invisible character", s, fo)
		}
	})
}

func TestCleanText(t *testing.T) {
	got := CleanText("  dòng \u202emột  \r\n\u200b\r\n\r\n  dòng   hai\u2066\n")
	if want := "dòng một\n\ndòng hai"; got != want {
		t.Errorf("CleanText = %q, want %q", got, want)
	}
}
