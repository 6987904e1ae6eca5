package coaching

import (
	"bytes"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/csvsafe"
	"github.com/lantern-ngo/lantern/app/locale"
)

// ReadPeriod reads a period's bounds as sent (YYYY-MM-DD, both optional)
// for a country's coachees ("" for the whole programme). A bad date is
// left out, and named in the error (error.coaching.bad_date on its field,
// "from" or "to").
func ReadPeriod(from, to, country string) (Period, error) {
	var fe apperr.FieldList
	p := Period{Country: country}
	for _, f := range []struct {
		name, v string
		dst     *string
	}{{"from", from, &p.From}, {"to", to, &p.To}} {
		if f.v == "" {
			continue
		}
		if _, ok := ParseDate(f.v); !ok {
			fe.Add(f.name, "error.coaching.bad_date", nil)
			continue
		}
		*f.dst = f.v
	}
	return p, fe.Err()
}

// Query is the period as a query string for links ("" for every date).
func (p Period) Query() string {
	if p.From == "" && p.To == "" {
		return ""
	}
	return "?from=" + p.From + "&to=" + p.To
}

// Rows lays the figures out as rows of cells, shared by CSV and XLSX.
// Numbers stay numbers (a dot as decimal separator) so that spreadsheets
// compute with them; the labels are in t's language.
func (f *Figures) Rows(t *locale.Translator) [][]any {
	rows := [][]any{
		{t.T("coaching.fig.period"), f.Period.From, f.Period.To},
		{t.T("coaching.fig.sessions"), f.Sessions},
		{t.T("coaching.fig.coachees"), f.Coachees},
	}
	if f.HasChange {
		rows = append(rows, []any{t.T("coaching.fig.avg_change"), round2(f.AverageChange), f.ChangePairs})
	} else {
		rows = append(rows, []any{t.T("coaching.fig.avg_change"), "", 0})
	}
	rows = append(rows,
		[]any{t.T("coaching.fig.actions_due"), f.ActionPointsDue},
		[]any{t.T("coaching.fig.actions_on_time"), f.OnTime, round2(f.OnTimeRate * 100)},
		[]any{},
		[]any{t.T("coaching.fig.month"), t.T("coaching.fig.sessions"), t.T("coaching.fig.coachees")},
	)
	for _, m := range f.PerMonth {
		rows = append(rows, []any{m.Month, m.Sessions, m.Coachees})
	}
	rows = append(rows, []any{}, []any{t.T("competency.name"), t.T("coaching.fig.avg_change"), t.T("coaching.fig.pairs")})
	for _, cc := range f.ByCompetency {
		if cc.HasData {
			rows = append(rows, []any{cc.Competency.Name.String(t.Lang), round2(cc.Average), cc.Pairs})
		} else {
			rows = append(rows, []any{cc.Competency.Name.String(t.Lang), "", 0})
		}
	}
	return rows
}

func round2(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 2, 64), 64)
	return v
}

// CSV is the figures as CSV (UTF-8 with a byte-order mark, so that Excel
// reads Vietnamese correctly).
func (f *Figures) CSV(t *locale.Translator) ([]byte, error) {
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	for _, row := range f.Rows(t) {
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// XLSX is the figures as an Excel workbook.
func (f *Figures) XLSX(t *locale.Translator) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "Coaching"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for i, row := range f.Rows(t) {
		if len(row) == 0 {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, err
		}
	}
	_ = x.SetColWidth(sheet, "A", "A", 48)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
