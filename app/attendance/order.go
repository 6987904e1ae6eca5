package attendance

import (
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// nameKey splits a Vietnamese name for sorting: the given name (the last
// word: "Đức" of "Nguyễn Văn Đức"), then the rest (family and middle
// names), as Vietnamese lists are read.
func nameKey(name string) (given, rest string) {
	words := strings.Fields(name)
	if len(words) == 0 {
		return "", ""
	}
	return words[len(words)-1], strings.Join(words[:len(words)-1], " ")
}

// SortByName orders people as a Vietnamese list does: by given name, then
// by the rest of the name, in the Vietnamese alphabet (a ă â b c d đ e ê …,
// tones after letters: golang.org/x/text/collate with its Vietnamese
// tailoring), ties by id so that the order is stable. A collator is not
// safe for concurrent use: each call makes its own.
func SortByName[T any](list []T, name func(*T) string, id func(*T) uint) {
	col := collate.New(language.Vietnamese, collate.IgnoreCase)
	type key struct {
		given, rest []byte
	}
	var buf collate.Buffer
	keys := make([]key, len(list))
	for i := range list {
		g, r := nameKey(name(&list[i]))
		// Keys are copied: the buffer is reused.
		keys[i] = key{append([]byte(nil), col.KeyFromString(&buf, g)...), append([]byte(nil), col.KeyFromString(&buf, r)...)}
		buf.Reset()
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		if c := compareBytes(ka.given, kb.given); c != 0 {
			return c < 0
		}
		if c := compareBytes(ka.rest, kb.rest); c != 0 {
			return c < 0
		}
		return id(&list[idx[a]]) < id(&list[idx[b]])
	})
	sorted := make([]T, len(list))
	for i, j := range idx {
		sorted[i] = list[j]
	}
	copy(list, sorted)
}

func compareBytes(a, b []byte) int { return strings.Compare(string(a), string(b)) }
