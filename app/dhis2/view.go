package dhis2

import (
	"fmt"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/report"
)

// The DHIS2 screen as the admin page shows it: the mapping, with what is
// mapped and what is not, and DHIS2's choices beside each id.

// Values are the ids shown in the form, by field: the saved mapping, or
// what was typed.
type Values map[string]string

// ValuesOf are a saved mapping's ids, by field.
func ValuesOf(m *Map) Values {
	v := Values{"data_set": m.DataSet, "period_type": m.PeriodType}
	for k, id := range m.DataElements {
		v[FieldDataElement(k)] = id
	}
	for k, id := range m.COCs {
		v[FieldCOC(k)] = id
	}
	for k, id := range m.OrgUnits {
		v[FieldOrgUnit(k)] = id
	}
	return v
}

// ReadMapping reads the mapping form (its fields as sent) into the input
// to save, and the values to show again (each trimmed, at most 60 bytes).
func ReadMapping(form map[string]string) (MappingInput, Values) {
	in := MappingInput{DataElements: map[string]string{}, COCs: map[string]string{}, OrgUnits: map[string]string{}}
	values := Values{}
	for key, val := range form {
		val = strings.TrimSpace(val)
		if len(val) > 60 {
			val = val[:60]
		}
		values[key] = val
		switch {
		case key == "data_set":
			in.DataSet = val
		case key == "period_type":
			in.PeriodType = val
		case strings.HasPrefix(key, "de_"):
			in.DataElements[strings.TrimPrefix(key, "de_")] = val
		case strings.HasPrefix(key, "ou_"):
			in.OrgUnits[strings.TrimPrefix(key, "ou_")] = val
		}
	}
	for _, k := range COCKeys() {
		in.COCs[k] = values[FieldCOC(k)]
	}
	for _, code := range report.CityCodes {
		in.DataElements[code] = values[FieldDataElement(code)]
	}
	return in, values
}

// Row is one thing to map: its field, label, id and DHIS2's choices.
type Row struct {
	Field, Label, Value, Name, Error string
	Options                          []RowOption
}

// RowOption is one of DHIS2's choices for a row.
type RowOption struct {
	ID, Name string
	Selected bool
}

// Mapped tells whether the row has an id.
func (r Row) Mapped() bool { return r.Value != "" }

// ScreenView is the screen as the page shows it.
type ScreenView struct {
	Configured  bool
	InstanceURL string
	MetaError   string // DHIS2's metadata could not be read: why
	HasMeta     bool
	DataSet     Row
	PeriodType  string
	PeriodTypes []string
	Elements    []Row
	COCs        []Row
	OrgUnits    []Row
	Mapped      int
	Total       int
	Period      string
	PeriodHint  string
	Pushes      []PushLine
}

// View lays the screen out in t's language with the values to show and
// the problems by field (errs).
func (sc *Screen) View(t *locale.Translator, values Values, errs map[string]string, now time.Time) ScreenView {
	v := ScreenView{Configured: sc.Configured, InstanceURL: sc.URL, HasMeta: sc.Meta != nil,
		PeriodType: values["period_type"], PeriodTypes: PeriodTypes, Pushes: sc.Pushes}
	if sc.MetaErr != nil {
		v.MetaError = t.T(apperr.KeyOf(sc.MetaErr))
	}
	row := func(field, label string, opts []Option, kindKey string) Row {
		r := Row{Field: field, Label: label, Value: values[field], Name: sc.Map.Names[kindKey], Error: errs[field]}
		if sc.Meta != nil {
			found := false
			for _, o := range opts {
				sel := o.ID == r.Value
				found = found || sel
				r.Options = append(r.Options, RowOption{ID: o.ID, Name: o.Name, Selected: sel})
			}
			if r.Value != "" && !found {
				r.Options = append([]RowOption{{ID: r.Value, Name: t.T("dhis2.not_in_dhis2", "ID", r.Value), Selected: true}}, r.Options...)
			}
		}
		v.Total++
		if r.Value != "" {
			v.Mapped++
		}
		return r
	}
	meta := sc.Meta
	if meta == nil {
		meta = &Metadata{}
	}
	v.DataSet = row("data_set", t.T("dhis2.data_set"), meta.DataSets, KindSetting+"/"+SettingDataSet)
	for _, code := range sc.Codes {
		v.Elements = append(v.Elements, row(FieldDataElement(code), t.T("indicator.name."+code), meta.DataElements, KindDataElement+"/"+code))
	}
	for _, k := range sc.COCKeys {
		label := t.T("dhis2.coc.total")
		if k != report.Total {
			label = sexAgeLabel(t, k)
		}
		v.COCs = append(v.COCs, row(FieldCOC(k), label, meta.CategoryOptionCombos, KindCOC+"/"+k))
	}
	for _, c := range sc.Cities {
		v.OrgUnits = append(v.OrgUnits, row(FieldOrgUnit(c.Code), c.Name.String(t.Lang), meta.OrganisationUnits, KindOrgUnit+"/"+c.Code))
	}
	v.Period = DefaultPeriod(v.PeriodType, now)
	v.PeriodHint = t.T("dhis2.period_hint." + v.PeriodType)
	if v.PeriodType == "" {
		v.PeriodHint = t.T("dhis2.period_hint.none")
	}
	return v
}

// DefaultPeriod is the last whole month or quarter before now, in the
// programme's time zone.
func DefaultPeriod(periodType string, now time.Time) string {
	t := locale.In(now, report.ProgrammeTZ)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch periodType {
	case Quarterly:
		q := (int(t.Month()) - 1) / 3
		start := time.Date(t.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
		return fmt.Sprintf("%dQ%d", start.Year(), (int(start.Month())+2)/3)
	default:
		return first.AddDate(0, -1, 0).Format("200601")
	}
}

// UnmappedTexts says, in t's language, which figures of the plan are not
// sent and why.
func (p *Plan) UnmappedTexts(t *locale.Translator) []string {
	var out []string
	for _, u := range p.Unmapped {
		out = append(out, t.T("dhis2.unmapped."+u.What, "Indicator", t.T("indicator.name."+u.Code),
			"City", u.City, "Cell", cellLabel(t, u.Key), "N", u.Value))
	}
	return out
}

func cellLabel(t *locale.Translator, key string) string {
	if key == "total" {
		return t.T("dhis2.coc.total")
	}
	return sexAgeLabel(t, key)
}

// sexAgeLabel names a sex × age cell.
func sexAgeLabel(t *locale.Translator, key string) string {
	return (&report.Indicators{}).Label(t, report.DimSexAge, key)
}
