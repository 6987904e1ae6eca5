package dhis2

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/report"
)

// DataValue is one value of a dataValueSets payload.
type DataValue struct {
	DataElement         string `json:"dataElement"`
	CategoryOptionCombo string `json:"categoryOptionCombo"`
	OrgUnit             string `json:"orgUnit"`
	Period              string `json:"period"`
	Value               string `json:"value"`
}

// Payload is the body of POST /api/dataValueSets. OrgUnit is set when
// every value is of one organisation unit; each value names its own.
type Payload struct {
	DataSet    string      `json:"dataSet,omitempty"`
	Period     string      `json:"period"`
	OrgUnit    string      `json:"orgUnit,omitempty"`
	DataValues []DataValue `json:"dataValues"`
}

// Cell is one figure the payload is built from: a city, an indicator and a
// cell (report.Total or a sex × age cell).
type Cell struct {
	City, Code, Key string
	Value           int
}

// add is the one way a value enters the payload, so that a rule on what is
// sent (small counts suppressed, issue 19's next step) has one place to
// live. Every cell of every mapped figure comes through here, zeros
// included: a period sent again then overwrites what DHIS2 holds.
func (p *Payload) add(v DataValue, cell Cell) {
	v.Value = strconv.Itoa(cell.Value)
	p.DataValues = append(p.DataValues, v)
}

// Period is a DHIS2 period and the dates it covers.
type Period struct {
	ID       string // 202611 or 2026Q4
	From, To string // inclusive dates, report.DateLayout
}

var (
	monthRe   = regexp.MustCompile(`^(\d{4})-?(\d{2})$`)
	quarterRe = regexp.MustCompile(`^(\d{4})Q([1-4])$`)
)

// ParsePeriod reads a period of the given type: monthly "202611" (or
// "2026-11", as a month input sends it), quarterly "2026Q4".
func ParsePeriod(s, periodType string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := apperr.New(apperr.Invalid, "error.dhis2.bad_period").With(map[string]any{"field": "period"})
	var start time.Time
	var months int
	switch periodType {
	case Monthly:
		m := monthRe.FindStringSubmatch(s)
		if m == nil {
			return Period{}, bad
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 || y < 2000 || y > 2100 {
			return Period{}, bad
		}
		start, months = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), 1
	case Quarterly:
		m := quarterRe.FindStringSubmatch(s)
		if m == nil {
			return Period{}, bad
		}
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		if y < 2000 || y > 2100 {
			return Period{}, bad
		}
		start, months = time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC), 3
	default:
		return Period{}, apperr.New(apperr.Invalid, "error.dhis2.not_mapped")
	}
	end := start.AddDate(0, months, -1)
	id := start.Format("200601")
	if periodType == Quarterly {
		id = fmt.Sprintf("%dQ%d", start.Year(), (int(start.Month())+2)/3)
	}
	return Period{ID: id, From: start.Format(report.DateLayout), To: end.Format(report.DateLayout)}, nil
}

// Unmapped is a figure that is not sent because part of it is not mapped.
type Unmapped struct {
	Cell
	What string // data_element, coc or org_unit: what is missing
}

// Plan is what a push sends: the payload and what is left out.
type Plan struct {
	Period   Period
	Payload  Payload
	Unmapped []Unmapped // figures not 0 that cannot be sent
	// Suppressed are the counts of people not sent: small ones (1 to the
	// threshold) and the one that would give a small one away, with the
	// complementary rule over a city's sex × age cells (report.SmallCounts).
	// DHIS2 keeps what a previous push sent for them.
	Suppressed []Cell
}

// JSON is the payload as sent, indented.
func (p *Plan) JSON() string {
	b, _ := jsonIndent(p.Payload)
	return string(b)
}

// Build turns the figures of a period into the payload: for each mapped
// city and indicator, one value per cell (the Total, or every sex × age
// cell), with its data element and category option combo. A figure not 0
// whose city, indicator or cell is not mapped is listed in Unmapped.
func Build(m *Map, figs *report.ByCity, period Period, small report.SmallCounts) *Plan {
	plan := &Plan{Period: period, Payload: Payload{DataSet: m.DataSet, Period: period.ID, DataValues: []DataValue{}}}
	orgUnits := map[string]bool{}
	for _, city := range figs.Cities {
		for _, code := range report.CityCodes {
			keys := []string{report.Total}
			if report.BySexAge(code) {
				keys = report.SexAgeKeys()
			}
			// People counted by sex × age: no child identifiable. The
			// cells add up to the city's figure, which the indicators show.
			hidden := make([]report.Hide, len(keys))
			if report.BySexAge(code) {
				counts := make([]float64, len(keys))
				total := 0.0
				for i, key := range keys {
					counts[i] = math.Round(figs.Get(city.Code, code, key))
					total += counts[i]
				}
				_, hidden = small.Group(total, counts)
			}
			for i, key := range keys {
				cell := Cell{City: city.Code, Code: code, Key: key, Value: int(math.Round(figs.Get(city.Code, code, key)))}
				if hidden[i] != report.Shown {
					plan.Suppressed = append(plan.Suppressed, Cell{City: cell.City, Code: cell.Code, Key: cell.Key})
					continue
				}
				ou, de, coc := m.OrgUnits[city.Code], m.DataElements[code], m.COCs[key]
				missing := ""
				switch {
				case ou == "":
					missing = KindOrgUnit
				case de == "":
					missing = KindDataElement
				case coc == "":
					missing = KindCOC
				}
				if missing != "" {
					if cell.Value != 0 {
						plan.Unmapped = append(plan.Unmapped, Unmapped{Cell: cell, What: missing})
					}
					continue
				}
				orgUnits[ou] = true
				plan.Payload.add(DataValue{DataElement: de, CategoryOptionCombo: coc, OrgUnit: ou, Period: period.ID}, cell)
			}
		}
	}
	if len(orgUnits) == 1 {
		for ou := range orgUnits {
			plan.Payload.OrgUnit = ou
		}
	}
	return plan
}
