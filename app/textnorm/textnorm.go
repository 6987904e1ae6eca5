// Package textnorm normalises the names and free text people type, and folds
// them for search. It is the one place that decides which characters typed
// text may hold: registration names, walk-ins, staff accounts, event texts,
// coaching records and session reports all go through Clean or CleanText.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Characters no keyboard needs in a name, and that change how text looks
// without being seen, are removed: every Unicode format character (category
// Cf: the bidirectional embeddings, overrides and isolates U+202A–U+202E and
// U+2066–U+2069, the marks U+200E/U+200F/U+061C, zero-width space U+200B,
// joiners U+200C/U+200D, soft hyphen U+00AD, word joiner U+2060 and the
// invisible operators, BOM U+FEFF, interlinear annotations, tag characters)
// and the Hangul fillers that draw nothing. With them a registrant could make
// their line on a staff list read as someone else's (U+202E reverses what
// follows), or hide from the search ("Nguy" U+00AD "ễn", with a soft hyphen,
// is not "nguyen").
//
// What real text needs stays: combining marks (Vietnamese diacritics typed
// decomposed, Khmer and Lao vowel signs) are never Cf; ZWJ and ZWNJ are
// kept where Khmer and Lao writing uses them to choose a letter's shape, that
// is between two characters of those scripts, and nowhere else.

const (
	zwnj = '\u200C'
	zwj  = '\u200D'
)

// Invisible tells whether Clean removes r wherever it is (ZWJ and ZWNJ
// included: Clean alone decides when they stay).
func Invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == '\u3164' || r == '\uFFA0'
}

// shaping tells whether a joiner may stand after prev and before next: both
// Khmer, or both Lao.
func shaping(prev, next rune) bool {
	return (unicode.Is(unicode.Khmer, prev) && unicode.Is(unicode.Khmer, next)) ||
		(unicode.Is(unicode.Lao, prev) && unicode.Is(unicode.Lao, next))
}

// prepare drops invalid UTF-8 and composes s (NFC).
func prepare(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return norm.NFC.String(s)
}

// Clean returns s in Unicode NFC with control and invisible characters
// removed (see above), runs of white space folded to one space and the ends
// trimmed. Invalid UTF-8 bytes are dropped. Vietnamese typed on different
// keyboards (composed or decomposed diacritics) becomes the same string.
func Clean(s string) string {
	rs := []rune(prepare(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	prev := rune(-1) // the last rune written
	for i, r := range rs {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		case Invisible(r):
			if (r != zwj && r != zwnj) || space || i+1 >= len(rs) || !shaping(prev, rs[i+1]) {
				continue
			}
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		prev = r
	}
	// Removing a character can bring two combining marks together out of
	// canonical order: normalise once more.
	return norm.NFC.String(b.String())
}

// CleanText normalises free text that keeps its lines (descriptions, notes,
// reports): each line goes through Clean, and runs of blank lines become one.
func CleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var lines []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = Clean(l)
		if l == "" {
			if len(lines) > 0 {
				blank = true
			}
			continue
		}
		if blank {
			lines = append(lines, "")
			blank = false
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// Fold is the search key of a text: lowercase, without diacritics (đ
// included) and without any invisible character, after compatibility
// decomposition (NFKD), so that "nguyen van duc" matches "Nguyễn Văn Đức",
// and full-width "ｎｇｕｙｅｎ" or the ligature "ﬁ" match what they look
// like. The result is stored in an indexed column beside the name rather than
// computed by the database, and the same function folds what is searched.
func Fold(s string) string {
	s = norm.NFKD.String(Clean(s))
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Mn, r) || Invisible(r) || unicode.IsControl(r):
			return -1
		case r == 'đ' || r == 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, s)
	// Compatibility forms may decompose to spaces (U+00A8 is a space and a
	// diaeresis): fold the white space again.
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// Unaccent removes Vietnamese diacritics but keeps case, for SMS bodies that
// must fit GSM-7 segments.
func Unaccent(s string) string {
	if isASCII(s) {
		return s
	}
	s = norm.NFD.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
	return dStroke.Replace(norm.NFC.String(s))
}

// đ and Đ are letters of their own, not d with a mark: NFD keeps them.
var dStroke = strings.NewReplacer("đ", "d", "Đ", "D")

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
