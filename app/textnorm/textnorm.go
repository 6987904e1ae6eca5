// Package textnorm normalises names people type and folds them for search.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Clean returns s in Unicode NFC with control characters removed, runs of
// white space folded to one space and the ends trimmed. Invalid UTF-8 bytes
// are dropped. Vietnamese typed on different keyboards (composed or
// decomposed diacritics) becomes the same string.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || r == '\uFEFF' || r == '\u200B':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	// Removing a control character can bring two combining marks together
	// out of canonical order: normalise once more.
	return norm.NFC.String(b.String())
}

// Fold lowercases s and strips its diacritics, đ included, so that
// "nguyen van duc" matches "Nguyễn Văn Đức". The result is stored in an
// indexed column beside the name rather than computed by the database.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, Clean(s))
	if err != nil {
		out = Clean(s)
	}
	out = strings.Map(func(r rune) rune {
		switch r {
		case 'đ', 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, out)
	return out
}

// Unaccent removes Vietnamese diacritics but keeps case, for SMS bodies that
// must fit GSM-7 segments.
func Unaccent(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return strings.NewReplacer("đ", "d", "Đ", "D").Replace(out)
}
