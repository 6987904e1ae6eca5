// Package content holds text that organisers write in up to three languages,
// with the fallback rule the whole site shares: the requested language, then
// the content's own language, then Vietnamese, then any.
package content

import (
	"database/sql/driver"
	"encoding/json"
	"errors"

	"github.com/lantern-ngo/lantern/app/locale"
)

// Text is a short text per language ({"vi": …, "fr": …, "en": …}), stored as
// JSON in a text column so that both databases hold it the same way.
type Text map[string]string

// Get returns the text in lang and the language it is really in.
func (t Text) Get(lang string) (string, string) {
	return Pick(lang, "", func(l string) (string, bool) {
		s, ok := t[l]
		return s, ok && s != ""
	})
}

// String returns the text in lang with fallback.
func (t Text) String(lang string) string { s, _ := t.Get(lang); return s }

// Pick applies the fallback order to any per-language lookup and returns the
// value with the language it came from ("" when nothing was found).
func Pick(lang, own string, lookup func(string) (string, bool)) (string, string) {
	return PickIn(lang, nil, own, lookup)
}

// PickIn is Pick for a session of a country: after the requested language
// come the country's own fallback order (country.Country.ContentFallback),
// then the content's own language, then the global order (locale.Fallback).
func PickIn(lang string, countryFallback []string, own string, lookup func(string) (string, bool)) (string, string) {
	order := make([]string, 0, 2+len(countryFallback)+len(locale.Fallback))
	order = append(order, lang)
	order = append(order, countryFallback...)
	order = append(order, own)
	order = append(order, locale.Fallback...)
	for _, l := range order {
		if l == "" {
			continue
		}
		if s, ok := lookup(l); ok {
			return s, l
		}
	}
	return "", ""
}

// Value stores Text as JSON.
func (t Text) Value() (driver.Value, error) {
	if t == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]string(t))
	return string(b), err
}

// Scan reads Text from JSON.
func (t *Text) Scan(v any) error {
	m := map[string]string{}
	if err := ScanJSON(v, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// ScanJSON decodes a JSON text column (string or bytes; NULL or empty leaves
// dst as it is) for the sql.Scanner of types stored as JSON.
func ScanJSON(v any, dst any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return errors.New("content: a JSON column holds an unsupported type")
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, dst)
}

// GormDataType tells GORM the column type.
func (Text) GormDataType() string { return "text" }
