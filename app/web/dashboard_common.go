package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/report"
)

// dashboardFilter reads the period and partner of the dashboard, the
// exports, the donor report and the indicators API from a request (query
// string, or form fields of a POST). The error carries a translation key.
func (s *Server) dashboardFilter(c *fiber.Ctx) (report.Filter, error) {
	get := func(k string) string {
		v := c.Query(k)
		if v == "" && c.Method() == fiber.MethodPost {
			v = c.FormValue(k)
		}
		return utils.CopyString(v)
	}
	var pid uint
	if p := get("partner"); p != "" {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return report.Filter{}, apperr.New(apperr.Invalid, "error.dashboard.bad_partner")
		}
		pid = uint(n)
	}
	f, err := report.ParseFilter(get("from"), get("to"), pid)
	// A scoped staff member's figures are their part of the programme's,
	// its dates read in their country's zone.
	f.Scope = staffScope(c)
	home, herr := s.staffCountry(c)
	if herr != nil {
		return f, herr
	}
	if home != nil {
		f.TimeZone = home.TimeZone
	}
	return f, err
}

// filterQuery is the filter as a query string ("" when empty), for links.
func filterQuery(f report.Filter) string {
	v := url.Values{}
	if f.From != "" {
		v.Set("from", f.From)
	}
	if f.To != "" {
		v.Set("to", f.To)
	}
	if f.PartnerID != 0 {
		v.Set("partner", strconv.FormatUint(uint64(f.PartnerID), 10))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// partnerOption is a partner in the filter's list.
type partnerOption struct {
	ID       uint
	Name     string
	Selected bool
}

// dashboardPartners lists the partners for the filter, by name.
func (s *Server) dashboardPartners(c *fiber.Ctx, selected uint, lang string) ([]partnerOption, string, error) {
	rows, err := event.Partners(c.UserContext(), s.db)
	if err != nil {
		return nil, "", err
	}
	out := make([]partnerOption, len(rows))
	chosen := ""
	for i, r := range rows {
		out[i] = partnerOption{ID: r.ID, Name: r.Name.String(lang), Selected: r.ID == selected}
		if r.ID == selected {
			chosen = out[i].Name
		}
	}
	return out, chosen, nil
}

// figure formats an indicator value for people: counts as whole numbers,
// knowledge gain in points with one decimal.
func figure(t *locale.Translator, unit string, v *float64) string {
	if v == nil {
		return "–"
	}
	if unit == report.UnitPoints {
		return t.T("indicator.points", "N", t.Number(*v, 1))
	}
	return t.Number(*v, 0)
}

// rawValue is a value as the API writes it (for data- attributes).
func rawValue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// progressRow is an indicator's line of the progress section.
type progressRow struct {
	Code      string
	Name      string
	Value     string
	Raw       string
	Detail    string
	HasTarget bool
	Target    string
	Progress  string
	Bar       string // the SVG bar's width out of 100
	Done      bool
}

// disTable is a disaggregation table: one dimension, one column per
// indicator that has it, a total row.
type disTable struct {
	Dim   string
	Title string
	Cols  []disCol
	Rows  []disRow
	Total disRow
}

type disCol struct {
	Code, Name string
}

type disRow struct {
	Key, Label string
	Cells      []disCell
}

type disCell struct {
	Code, Key, Text, Raw string
}

// cellText formats a cell: a count, a mean with its number of pairs, or
// "n of d".
func cellText(t *locale.Translator, d report.Definition, num float64, den *float64, v *float64) string {
	switch {
	case !d.HasDenominator:
		return t.Number(num, 0)
	case d.Unit == report.UnitPoints:
		n := 0.0
		if den != nil {
			n = *den
		}
		if v == nil {
			return "–"
		}
		return t.T("indicator.mean_of", "Mean", t.Number(*v, 1), "N", t.Number(n, 0))
	default:
		n := 0.0
		if den != nil {
			n = *den
		}
		return t.T("indicator.n_of", "N", t.Number(num, 0), "Of", t.Number(n, 0))
	}
}

func definition(code string) report.Definition {
	for _, d := range report.Definitions {
		if d.Code == code {
			return d
		}
	}
	return report.Definition{Code: code}
}

// progressRows builds the progress section.
func progressRows(t *locale.Translator, r *report.Indicators) []progressRow {
	var out []progressRow
	for i := range r.Indicators {
		ind := &r.Indicators[i]
		d := definition(ind.Code)
		row := progressRow{Code: ind.Code, Name: t.T("indicator.name." + ind.Code), Raw: rawValue(ind.Value)}
		if ind.Suppressed {
			row.Value, row.Raw = t.T("indicator.fewer_than", "N", ind.Below), ""
		} else if d.HasDenominator && d.Unit == report.UnitCount {
			row.Value = t.Number(ind.Numerator, 0)
			row.Detail = t.T("indicator.detail."+ind.Code, "N", t.Number(*ind.Denominator, 0))
		} else {
			row.Value = figure(t, ind.Unit, ind.Value)
			if d.HasDenominator {
				row.Detail = t.T("indicator.detail."+ind.Code, "N", t.Number(*ind.Denominator, 0))
			}
		}
		if ind.Target != nil {
			row.HasTarget = true
			tv := ind.Target.Value
			row.Target = figure(t, ind.Unit, &tv)
			if ind.Progress != nil {
				p := *ind.Progress
				row.Progress = t.Percent(p, 0)
				row.Done = p >= 100
				if p > 100 {
					p = 100
				}
				if p < 0 {
					p = 0
				}
				row.Bar = strconv.FormatFloat(p, 'f', 1, 64)
			} else {
				row.Bar = "0"
			}
		}
		out = append(out, row)
	}
	return out
}

// tableOrder is the order of the columns of the disaggregation tables:
// people first.
var tableOrder = []string{report.CodePeopleReached, report.CodeAuthorityParticipants, report.CodeKnowledgeGain,
	report.CodeEventsHeld, report.CodeFilmDebateEvents, report.CodeQuizSessions}

// disTables builds one table per dimension.
func disTables(t *locale.Translator, r *report.Indicators) []disTable {
	var out []disTable
	for _, dim := range []string{report.DimSex, report.DimAgeBand, report.DimRole, report.DimCity, report.DimCountry, report.DimKind, report.DimSexAge} {
		tbl := disTable{Dim: dim, Title: t.T("indicator.by." + dim)}
		var inds []*report.Indicator
		for _, code := range tableOrder {
			if ind := r.Get(code); ind != nil && ind.Dis(dim) != nil {
				inds = append(inds, ind)
				tbl.Cols = append(tbl.Cols, disCol{Code: code, Name: t.T("indicator.short." + code)})
			}
		}
		if len(inds) == 0 {
			continue
		}
		// Rows: the keys of the first indicator (every indicator of a
		// dimension has the same keys, NotStated included when used).
		keys := map[string]bool{}
		var order []string
		for _, ind := range inds {
			for _, c := range ind.Dis(dim).Cells {
				if !keys[c.Key] {
					keys[c.Key] = true
					order = append(order, c.Key)
				}
			}
		}
		for _, k := range order {
			if dim == report.DimSexAge && allZero(inds, dim, k) {
				continue // 25 cells, most of them empty: only those with people
			}
			row := disRow{Key: k, Label: r.Label(t, dim, k)}
			for _, ind := range inds {
				cell := disCell{Code: ind.Code, Key: k, Text: "0", Raw: "0"}
				for _, c := range ind.Dis(dim).Cells {
					if c.Key == k {
						cell.Text = cellText(t, definition(ind.Code), c.Numerator, c.Denominator, c.Value)
						cell.Raw = rawValue(c.Value)
						if c.Suppressed {
							cell.Text, cell.Raw = hiddenText(t, c.Below), ""
						}
					}
				}
				row.Cells = append(row.Cells, cell)
			}
			tbl.Rows = append(tbl.Rows, row)
		}
		tbl.Total = disRow{Key: "total", Label: t.T("indicator.total")}
		for _, ind := range inds {
			total := disCell{Code: ind.Code, Key: "total",
				Text: cellText(t, definition(ind.Code), ind.Numerator, ind.Denominator, ind.Value), Raw: rawValue(ind.Value)}
			if ind.Suppressed {
				total.Text, total.Raw = t.T("indicator.fewer_than", "N", ind.Below), ""
			}
			tbl.Total.Cells = append(tbl.Total.Cells, total)
		}
		out = append(out, tbl)
	}
	return out
}

// smallCounts is the rule that hides small counts of people in what leaves
// the organisation (SMALL_COUNT_THRESHOLD).
func (s *Server) smallCounts() report.SmallCounts {
	return report.SmallCounts{Threshold: s.cfg.SmallCountThreshold}
}

// hiddenText is how a hidden count reads: "fewer than 5" for a small one,
// "not shown" for one hidden so that a small one cannot be recomputed.
func hiddenText(t *locale.Translator, below int) string {
	if below == 0 {
		return t.T("indicator.not_shown")
	}
	return t.T("indicator.fewer_than", "N", below)
}

// allZero tells whether a cell is 0 for every indicator of a table.
func allZero(inds []*report.Indicator, dim, key string) bool {
	for _, ind := range inds {
		for _, c := range ind.Dis(dim).Cells {
			if c.Key == key && (c.Numerator != 0 || (c.Denominator != nil && *c.Denominator != 0)) {
				return false
			}
		}
	}
	return true
}
