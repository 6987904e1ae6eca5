package registration

import (
	"strconv"
	"strings"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
)

// ListRow is a registration as the staff list shows it: the phone number
// masked (the full number is only in exports).
type ListRow struct {
	ID          uint
	Code        string
	Name        string
	Phone       string
	Kind        string
	KindLabel   string
	GroupSize   int
	Status      string
	StatusLabel string
	Source      string
	Registered  string
	Anonymised  bool
	Child       bool // registered by a guardian (KindLabel says so)
	// Grid is a group's sex × age grid in words ("Female · Under 16: 12,
	// …"), or says it was not recorded (a group registered before the grid).
	Grid        string
	GridUnknown bool
}

// ListRows lays out registrations in t's language, their times in the
// session's zone tz.
func ListRows(t *locale.Translator, regs []Registration, tz string) []ListRow {
	rows := make([]ListRow, len(regs))
	for i, r := range regs {
		row := ListRow{ID: r.ID, Code: r.Code, Name: r.Name, Kind: r.Kind, KindLabel: t.T("registrations.kind." + r.Kind),
			GroupSize: r.GroupSize, Status: string(r.Status), StatusLabel: t.T("registrations.status." + string(r.Status)),
			Source: r.Source, Anonymised: r.AnonymisedAt != nil}
		if r.Phone != nil && *r.Phone != "" {
			row.Phone = phone.Mask(*r.Phone)
		}
		if r.Kind == KindGroup {
			row.Grid, row.GridUnknown = GridWords(t, r.GroupBreakdown)
		}
		if r.AgeDetail != "" {
			// A child registered by a guardian: the number is the guardian's.
			row.Child = true
			row.KindLabel = t.T("registrations.kind.child", "Age", t.T("register.age."+r.AgeDetail), "Guardian", r.GuardianName)
		}
		at := locale.In(r.CreatedAt, tz)
		row.Registered = t.DateShort(at) + " · " + t.Time(at)
		rows[i] = row
	}
	return rows
}

// GridWords is a group's stored sex × age grid in words, or, with unknown
// true, that it was not recorded.
func GridWords(t *locale.Translator, stored string) (words string, unknown bool) {
	bd := ParseBreakdown(stored)
	if !bd.Crossed() {
		return t.T("indicator.sex_age.not_recorded"), true
	}
	var parts []string
	for _, band := range AgeBands {
		for _, sex := range Sexes {
			if n := bd.Grid[sex][band]; n > 0 {
				parts = append(parts, t.T("register.sex."+sex)+" · "+t.T("register.age."+band)+": "+strconv.Itoa(n))
			}
		}
	}
	return strings.Join(parts, ", "), false
}
