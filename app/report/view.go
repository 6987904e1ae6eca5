package report

import (
	"strconv"

	"github.com/lantern-ngo/lantern/app/locale"
)

// The figures as the dashboard and the donor report show them: values
// formatted in the page's language, the progress section's rows and the
// disaggregation tables. The pages render these as they are.

// Figure formats an indicator value for people: counts as whole numbers,
// knowledge gain in points with one decimal.
func Figure(t *locale.Translator, unit string, v *float64) string {
	if v == nil {
		return "–"
	}
	if unit == UnitPoints {
		return t.T("indicator.points", "N", t.Number(*v, 1))
	}
	return t.Number(*v, 0)
}

// RawValue is a value as the API writes it (for data- attributes).
func RawValue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// ProgressRow is an indicator's line of the progress section.
type ProgressRow struct {
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

// DisTable is a disaggregation table: one dimension, one column per
// indicator that has it, a total row.
type DisTable struct {
	Dim   string
	Title string
	Cols  []DisCol
	Rows  []DisRow
	Total DisRow
}

// DisCol is a column of a disaggregation table: an indicator.
type DisCol struct {
	Code, Name string
}

// DisRow is a row of a disaggregation table: a key of the dimension.
type DisRow struct {
	Key, Label string
	Cells      []DisCell
}

// DisCell is one indicator's figure for one key.
type DisCell struct {
	Code, Key, Text, Raw string
}

// cellText formats a cell: a count, a mean with its number of pairs, or
// "n of d".
func cellText(t *locale.Translator, d Definition, num float64, den *float64, v *float64) string {
	switch {
	case !d.HasDenominator:
		return t.Number(num, 0)
	case d.Unit == UnitPoints:
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

// ProgressRows builds the progress section.
func ProgressRows(t *locale.Translator, r *Indicators) []ProgressRow {
	var out []ProgressRow
	for i := range r.Indicators {
		ind := &r.Indicators[i]
		d := defOf(ind.Code)
		row := ProgressRow{Code: ind.Code, Name: t.T("indicator.name." + ind.Code), Raw: RawValue(ind.Value)}
		if ind.Suppressed {
			row.Value, row.Raw = t.T("indicator.fewer_than", "N", ind.Below), ""
		} else if d.HasDenominator && d.Unit == UnitCount {
			row.Value = t.Number(ind.Numerator, 0)
			row.Detail = t.T("indicator.detail."+ind.Code, "N", t.Number(*ind.Denominator, 0))
		} else {
			row.Value = Figure(t, ind.Unit, ind.Value)
			if d.HasDenominator {
				row.Detail = t.T("indicator.detail."+ind.Code, "N", t.Number(*ind.Denominator, 0))
			}
		}
		if ind.Target != nil {
			row.HasTarget = true
			tv := ind.Target.Value
			row.Target = Figure(t, ind.Unit, &tv)
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
var tableOrder = []string{CodePeopleReached, CodeAuthorityParticipants, CodeKnowledgeGain,
	CodeEventsHeld, CodeFilmDebateEvents, CodeQuizSessions}

// DisTables builds one table per dimension.
func DisTables(t *locale.Translator, r *Indicators) []DisTable {
	var out []DisTable
	for _, dim := range []string{DimSex, DimAgeBand, DimRole, DimCity, DimCountry, DimKind, DimSexAge} {
		tbl := DisTable{Dim: dim, Title: t.T("indicator.by." + dim)}
		var inds []*Indicator
		for _, code := range tableOrder {
			if ind := r.Get(code); ind != nil && ind.Dis(dim) != nil {
				inds = append(inds, ind)
				tbl.Cols = append(tbl.Cols, DisCol{Code: code, Name: t.T("indicator.short." + code)})
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
			if dim == DimSexAge && allZero(inds, dim, k) {
				continue // 25 cells, most of them empty: only those with people
			}
			row := DisRow{Key: k, Label: r.Label(t, dim, k)}
			for _, ind := range inds {
				cell := DisCell{Code: ind.Code, Key: k, Text: "0", Raw: "0"}
				for _, c := range ind.Dis(dim).Cells {
					if c.Key == k {
						cell.Text = cellText(t, defOf(ind.Code), c.Numerator, c.Denominator, c.Value)
						cell.Raw = RawValue(c.Value)
						if c.Suppressed {
							cell.Text, cell.Raw = hiddenText(t, c.Below), ""
						}
					}
				}
				row.Cells = append(row.Cells, cell)
			}
			tbl.Rows = append(tbl.Rows, row)
		}
		tbl.Total = DisRow{Key: "total", Label: t.T("indicator.total")}
		for _, ind := range inds {
			total := DisCell{Code: ind.Code, Key: "total",
				Text: cellText(t, defOf(ind.Code), ind.Numerator, ind.Denominator, ind.Value), Raw: RawValue(ind.Value)}
			if ind.Suppressed {
				total.Text, total.Raw = t.T("indicator.fewer_than", "N", ind.Below), ""
			}
			tbl.Total.Cells = append(tbl.Total.Cells, total)
		}
		out = append(out, tbl)
	}
	return out
}

// ReachTables are the disaggregation tables of the donor report: people
// reached and authority participants only.
func ReachTables(t *locale.Translator, r *Indicators) []DisTable {
	var reach []DisTable
	keep := map[string]bool{CodePeopleReached: true, CodeAuthorityParticipants: true}
	for _, tbl := range DisTables(t, r) {
		var cols []DisCol
		var idx []int
		for i, col := range tbl.Cols {
			if keep[col.Code] {
				cols = append(cols, col)
				idx = append(idx, i)
			}
		}
		pick := func(r DisRow) DisRow {
			out := DisRow{Key: r.Key, Label: r.Label}
			for _, i := range idx {
				out.Cells = append(out.Cells, r.Cells[i])
			}
			return out
		}
		nt := DisTable{Dim: tbl.Dim, Title: tbl.Title, Cols: cols, Total: pick(tbl.Total)}
		for _, r := range tbl.Rows {
			nt.Rows = append(nt.Rows, pick(r))
		}
		reach = append(reach, nt)
	}
	return reach
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
func allZero(inds []*Indicator, dim, key string) bool {
	for _, ind := range inds {
		for _, c := range ind.Dis(dim).Cells {
			if c.Key == key && (c.Numerator != 0 || (c.Denominator != nil && *c.Denominator != 0)) {
				return false
			}
		}
	}
	return true
}
