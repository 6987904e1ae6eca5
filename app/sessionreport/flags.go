package sessionreport

import (
	"errors"
	"regexp"
	"strings"
	"unicode"

	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Flag marks text in a report that looks like personal data of a child or a
// victim. Reports must hold none: the page shows the flags so that the writer
// takes it out. It is a warning, never a block: a heuristic errs both ways.
type Flag struct {
	Field string // the form field the text is in
	Kind  string // "phone" or "name"
	// Excerpt shows where: a phone number masked to its last three digits,
	// or the words that look like a full name.
	Excerpt string
}

// phoneCandidate finds runs of at least 9 digits, possibly with the
// separators people type (spaces, dots, dashes, brackets) and a leading +.
var phoneCandidate = regexp.MustCompile(`\+?\(?\d[\d .\-()]{7,}\d`)

// FlagPhones returns the phone numbers in s: each run of digits that
// phone.ParseIn accepts as a number that can exist (mobile or landline, of
// the session's region or, written with +, of anywhere). Counts and years ("25 trẻ em, 2024") are not numbers
// that exist and are left alone.
func FlagPhones(s, region string) []string {
	var out []string
	for _, m := range phoneCandidate.FindAllString(s, -1) {
		m = strings.TrimSpace(m)
		n, err := phone.ParseIn(m, region)
		switch {
		case err == nil:
			out = append(out, phone.Mask(n.E164))
		case errors.Is(err, phone.ErrNotMobile):
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, m)
			out = append(out, phone.Mask(digits))
		}
	}
	return out
}

// familyNames are the most common Vietnamese family names (folded). Together
// they cover about nine Vietnamese in ten.
var familyNames = map[string]bool{
	"nguyen": true, "tran": true, "le": true, "pham": true, "hoang": true, "huynh": true,
	"phan": true, "vu": true, "vo": true, "dang": true, "bui": true, "do": true, "ho": true,
	"ngo": true, "duong": true, "ly": true, "truong": true, "dinh": true, "doan": true,
	"lam": true, "mai": true, "trinh": true, "cao": true, "luong": true, "ta": true, "ha": true,
}

// knownNames are places and organisations of the programme written with
// capitals like a person's name (folded). A run of capitalised words that
// contains one of them is not flagged.
var knownNames = []string{
	"ho chi minh", "phan thiet", "binh thuan", "go vap", "binh an", "lan san", "viet nam",
	"ha noi", "sai gon", "da nang", "can tho", "thanh pho", "lao dong", "thuong binh", "xa hoi",
	"cong an", "uy ban", "tre em", "sunrise",
}

// FlagNames returns the runs of words in s that look like a person's full
// name. The heuristic, in order:
//
//  1. Words are split on white space; a word is capitalised when its first
//     letter is upper case and every other letter is lower case ("Nguyễn",
//     "Thị"; not "UBND", not "em"). Punctuation ending a word (, . ; : ! ? )
//     ends the run after that word.
//  2. A run is two or more capitalised words in a row.
//  3. A run that starts a sentence (the first word of the text, or after
//     . ! ? or a line break) loses its first word, which is capitalised by
//     grammar — unless that word is a common Vietnamese family name
//     ("Trần Văn Bình hỏi…" is still a name).
//  4. What is left is flagged when it still has two or more words and does
//     not contain a known place or organisation ("Phan Thiết", "Hồ Chí Minh").
//
// So "em Nguyễn Thị Mai hỏi" and "Trần Văn Bình, 12 tuổi" are flagged;
// "Chị Lan nói" (a given name only), "ở Phan Thiết" and "Các em hỏi" are not.
// A given name alone is allowed: the programme asks for no more for children.
func FlagNames(s string) []string {
	var out []string
	var run []string
	runAtStart := false
	sentenceStart := true
	flush := func() {
		words := run
		if runAtStart && len(words) > 0 && !familyNames[textnorm.Fold(words[0])] {
			words = words[1:]
		}
		if len(words) >= 2 {
			joined := strings.Join(words, " ")
			folded := textnorm.Fold(joined)
			known := false
			for _, k := range knownNames {
				if strings.Contains(folded, k) {
					known = true
					break
				}
			}
			if !known {
				out = append(out, joined)
			}
		}
		run = run[:0]
	}
	for _, line := range strings.Split(s, "\n") {
		sentenceStart = true
		for _, tok := range strings.Fields(line) {
			word := strings.TrimLeft(tok, "\"'(«“")
			core := strings.TrimRight(word, ",.;:!?\"')»”")
			ends := core != word
			endsSentence := strings.ContainsAny(word[len(core):], ".!?")
			if capitalised(core) {
				if len(run) == 0 {
					runAtStart = sentenceStart
				}
				run = append(run, core)
				if ends {
					flush()
				}
			} else {
				flush()
			}
			sentenceStart = endsSentence
		}
		flush()
	}
	return out
}

func capitalised(w string) bool {
	rs := []rune(w)
	if len(rs) < 2 || !unicode.IsUpper(rs[0]) {
		return false
	}
	for _, r := range rs[1:] {
		if !unicode.IsLetter(r) || !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// FlagText returns the flags of one field's text.
func FlagText(field, s, region string) []Flag {
	var out []Flag
	for _, p := range FlagPhones(s, region) {
		out = append(out, Flag{Field: field, Kind: "phone", Excerpt: p})
	}
	for _, n := range FlagNames(s) {
		out = append(out, Flag{Field: field, Kind: "name", Excerpt: n})
	}
	return out
}
