package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/report"
)

// dhis2Page is the DHIS2 screen (admins): the mapping, with what is mapped
// and what is not, the choices read from DHIS2, a period to dry-run or
// push, the result, and the pushes so far.
type dhis2Page struct {
	Page
	Configured  bool
	InstanceURL string
	MetaError   string // DHIS2's metadata could not be read: why
	HasMeta     bool
	DataSet     dhis2Row
	PeriodType  string
	PeriodTypes []string
	Elements    []dhis2Row
	COCs        []dhis2Row
	OrgUnits    []dhis2Row
	Mapped      int
	Total       int
	Errors      FieldErrors
	Period      string
	PeriodHint  string
	Plan        *dhis2.Plan
	Unmapped    []string
	Result      *dhis2.Result
	ResultError string
	Pushes      []dhis2.PushLine
}

// dhis2Row is one thing to map: its field, label, id and DHIS2's choices.
type dhis2Row struct {
	Field, Label, Value, Name, Error string
	Options                          []dhis2Option
}

type dhis2Option struct {
	ID, Name string
	Selected bool
}

// Mapped tells whether the row has an id.
func (r dhis2Row) Mapped() bool { return r.Value != "" }

// ResultOK tells whether DHIS2 took everything.
func (p dhis2Page) ResultOK() bool {
	return p.Result != nil && p.Result.Err == nil && p.Result.Summary != nil && p.Result.Summary.OK()
}

// PushedAt is a push's time in the programme's zone.
func (p dhis2Page) PushedAt(t time.Time) string {
	return p.DateTime(locale.In(t, report.ProgrammeTZ))
}

// dhis2Values are the ids shown in the form, by field: the saved mapping,
// or what was typed.
type dhis2Values map[string]string

func mapValues(m *dhis2.Map) dhis2Values {
	v := dhis2Values{"data_set": m.DataSet, "period_type": m.PeriodType}
	for k, id := range m.DataElements {
		v[dhis2.FieldDataElement(k)] = id
	}
	for k, id := range m.COCs {
		v[dhis2.FieldCOC(k)] = id
	}
	for k, id := range m.OrgUnits {
		v[dhis2.FieldOrgUnit(k)] = id
	}
	return v
}

// newDHIS2Page builds the screen from the domain's Screen and the values
// to show.
func newDHIS2Page(p Page, sc *dhis2.Screen, values dhis2Values, errs FieldErrors, now time.Time) dhis2Page {
	if errs == nil {
		errs = FieldErrors{}
	}
	pg := dhis2Page{Page: p, Configured: sc.Configured, InstanceURL: sc.URL, HasMeta: sc.Meta != nil,
		PeriodType: values["period_type"], PeriodTypes: dhis2.PeriodTypes, Errors: errs, Pushes: sc.Pushes}
	if sc.MetaErr != nil {
		pg.MetaError = p.T(apperr.KeyOf(sc.MetaErr))
	}
	row := func(field, label string, opts []dhis2.Option, kindKey string) dhis2Row {
		r := dhis2Row{Field: field, Label: label, Value: values[field], Name: sc.Map.Names[kindKey], Error: errs.Get(field)}
		if sc.Meta != nil {
			found := false
			for _, o := range opts {
				sel := o.ID == r.Value
				found = found || sel
				r.Options = append(r.Options, dhis2Option{ID: o.ID, Name: o.Name, Selected: sel})
			}
			if r.Value != "" && !found {
				r.Options = append([]dhis2Option{{ID: r.Value, Name: p.T("dhis2.not_in_dhis2", "ID", r.Value), Selected: true}}, r.Options...)
			}
		}
		pg.Total++
		if r.Value != "" {
			pg.Mapped++
		}
		return r
	}
	meta := sc.Meta
	if meta == nil {
		meta = &dhis2.Metadata{}
	}
	pg.DataSet = row("data_set", p.T("dhis2.data_set"), meta.DataSets, dhis2.KindSetting+"/"+dhis2.SettingDataSet)
	for _, code := range sc.Codes {
		pg.Elements = append(pg.Elements, row(dhis2.FieldDataElement(code), p.T("indicator.name."+code), meta.DataElements, dhis2.KindDataElement+"/"+code))
	}
	for _, k := range sc.COCKeys {
		label := p.T("dhis2.coc.total")
		if k != report.Total {
			label = sexAgeLabel(p, k)
		}
		pg.COCs = append(pg.COCs, row(dhis2.FieldCOC(k), label, meta.CategoryOptionCombos, dhis2.KindCOC+"/"+k))
	}
	for _, c := range sc.Cities {
		pg.OrgUnits = append(pg.OrgUnits, row(dhis2.FieldOrgUnit(c.Code), c.Name.String(p.Lang), meta.OrganisationUnits, dhis2.KindOrgUnit+"/"+c.Code))
	}
	pg.Period = defaultPeriod(pg.PeriodType, now)
	pg.PeriodHint = p.T("dhis2.period_hint." + pg.PeriodType)
	if pg.PeriodType == "" {
		pg.PeriodHint = p.T("dhis2.period_hint.none")
	}
	return pg
}

// defaultPeriod is the last whole month or quarter before now, in the
// programme's time zone.
func defaultPeriod(periodType string, now time.Time) string {
	t := locale.In(now, report.ProgrammeTZ)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch periodType {
	case dhis2.Quarterly:
		q := (int(t.Month()) - 1) / 3
		start := time.Date(t.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
		return fmt.Sprintf("%dQ%d", start.Year(), (int(start.Month())+2)/3)
	default:
		return first.AddDate(0, -1, 0).Format("200601")
	}
}

// dhis2Show shows the DHIS2 screen.
func (s *Server) dhis2Show(c *fiber.Ctx) error {
	sc, err := dhis2.LoadScreen(c.UserContext(), s.db, s.dhis2)
	if err != nil {
		return err
	}
	p := s.page(c, "dhis2.title")
	return s.render(c, fiber.StatusOK, "admin/dhis2", newDHIS2Page(p, sc, mapValues(sc.Map), nil, s.now()))
}

// sexAgeLabel names a sex × age cell.
func sexAgeLabel(p Page, key string) string {
	return (&report.Indicators{}).Label(p.Translator, report.DimSexAge, key)
}
