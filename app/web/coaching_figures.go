package web

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/csvsafe"
	"github.com/lantern-ngo/lantern/app/locale"
)

type coachingFiguresPage struct {
	Page
	Figures *coaching.Figures
	From    string
	To      string
	Query   string
	Errors  FieldErrors
	// OnTimePct is the on-time share as 0–100, for Translator.Percent.
	OnTimePct float64
}

// figuresPeriod reads ?from=&to= (YYYY-MM-DD, both optional); a bad date
// is reported next to its field and ignored.
func figuresPeriod(c *fiber.Ctx, t *locale.Translator) (coaching.Period, FieldErrors) {
	errs := FieldErrors{}
	// A scoped organiser's figures are their country's coachees' (issue 20).
	p := coaching.Period{Country: staffScope(c).Country}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"from", &p.From}, {"to", &p.To}} {
		v := c.Query(f.name)
		if v == "" {
			continue
		}
		if !validDate(v) {
			errs.Add(f.name, t.T("error.coaching.bad_date"))
			continue
		}
		*f.dst = v
	}
	return p, errs
}

// coachingFigures shows the programme's coaching figures.
func (s *Server) coachingFigures(c *fiber.Ctx) error {
	p := s.page(c, "coaching.figures_title")
	period, errs := figuresPeriod(c, p.Translator)
	f, err := coaching.ProgrammeFigures(c.UserContext(), s.db, period, s.today())
	if err != nil {
		return err
	}
	q := ""
	if period.From != "" || period.To != "" {
		q = "?from=" + period.From + "&to=" + period.To
	}
	return s.render(c, fiber.StatusOK, "coaching/figures", coachingFiguresPage{Page: p, Figures: f, From: period.From, To: period.To, Query: q, Errors: errs, OnTimePct: f.OnTimeRate * 100})
}

// figureRows lays the figures out as rows of cells, shared by CSV and XLSX.
// Numbers stay numbers (a dot as decimal separator) so that spreadsheets
// compute with them; the labels are in the page's language.
func figureRows(t *locale.Translator, f *coaching.Figures) [][]any {
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

// coachingFiguresCSV exports the figures as CSV (UTF-8 with a byte-order
// mark, so that Excel reads Vietnamese correctly).
func (s *Server) coachingFiguresCSV(c *fiber.Ctx) error {
	t := translator(c)
	period, _ := figuresPeriod(c, t)
	f, err := coaching.ProgrammeFigures(c.UserContext(), s.db, period, s.today())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	for _, row := range figureRows(t, f) {
		if err := w.Write(row); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment(exportFilename(s.now(), "csv", "coaching-figures")))
	return c.Send(buf.Bytes())
}

// coachingFiguresXLSX exports the figures as an Excel workbook.
func (s *Server) coachingFiguresXLSX(c *fiber.Ctx) error {
	t := translator(c)
	period, _ := figuresPeriod(c, t)
	f, err := coaching.ProgrammeFigures(c.UserContext(), s.db, period, s.today())
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := "Coaching"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	for i, row := range figureRows(t, f) {
		if len(row) == 0 {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	_ = x.SetColWidth(sheet, "A", "A", 48)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, attachment(exportFilename(s.now(), "xlsx", "coaching-figures")))
	return c.Send(buf.Bytes())
}
