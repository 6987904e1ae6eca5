// Package scope says which part of the programme a staff account works in
// (issue 20): the whole programme, or one country, narrowed if need be to
// some of its cities and some partners. An organiser in Phnom Penh sees and
// manages Cambodia's sessions only; the figures they read are Cambodia's.
//
// It is a leaf package: the user package stores a scope on the account, and
// the domains that list or figure sessions (event, report, message,
// coaching) narrow their queries with Scope.SQL, so the rule is written
// once and holds in the pages, the API and the exports alike.
package scope

import (
	"slices"
	"strconv"
	"strings"
)

// Scope is the reach of a staff account. The zero value is the whole
// programme.
type Scope struct {
	// Country is the ISO code of the one country the account works in; ""
	// is every country.
	Country string `json:"country"`
	// CityIDs narrows the country to these cities; empty is all of them.
	CityIDs []uint `json:"city_ids,omitempty"`
	// PartnerIDs narrows to the sessions run with these partners; empty is
	// every session, with or without a partner.
	PartnerIDs []uint `json:"partner_ids,omitempty"`
}

// Global is the whole programme.
var Global = Scope{}

// IsGlobal tells whether the scope is the whole programme.
func (s Scope) IsGlobal() bool { return s.Country == "" }

// Covers tells whether a session of that country, city and partner is in
// the scope.
func (s Scope) Covers(country string, cityID uint, partnerID *uint) bool {
	if s.IsGlobal() {
		return true
	}
	if country != s.Country {
		return false
	}
	if len(s.CityIDs) > 0 && !slices.Contains(s.CityIDs, cityID) {
		return false
	}
	if len(s.PartnerIDs) > 0 && (partnerID == nil || !slices.Contains(s.PartnerIDs, *partnerID)) {
		return false
	}
	return true
}

// CoversCity tells whether a city of that country is in the scope (its
// sessions may still be narrowed to some partners).
func (s Scope) CoversCity(country string, cityID uint) bool {
	if s.IsGlobal() {
		return true
	}
	return country == s.Country && (len(s.CityIDs) == 0 || slices.Contains(s.CityIDs, cityID))
}

// SQL is the condition that keeps the events in the scope, on the events
// table written as alias ("e", "events"), with its arguments; "1 = 1" for
// the whole programme. Only fixed SQL and placeholders: the lists travel as
// arguments, which GORM expands.
func (s Scope) SQL(alias string) (string, []any) {
	if s.IsGlobal() {
		return "1 = 1", nil
	}
	where := []string{alias + ".country = ?"}
	args := []any{s.Country}
	if len(s.CityIDs) > 0 {
		where = append(where, alias+".venue_id IN (SELECT sv.id FROM venues sv WHERE sv.city_id IN ?)")
		args = append(args, s.CityIDs)
	}
	if len(s.PartnerIDs) > 0 {
		where = append(where, alias+".partner_id IN ?")
		args = append(args, s.PartnerIDs)
	}
	return "(" + strings.Join(where, " AND ") + ")", args
}

// JoinIDs is how a list of ids is stored ("3,7").
func JoinIDs(ids []uint) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(parts, ",")
}

// SplitIDs reads a stored list of ids, skipping what is not one.
func SplitIDs(s string) []uint {
	var out []uint
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 32); err == nil && n > 0 {
			out = append(out, uint(n))
		}
	}
	return out
}
