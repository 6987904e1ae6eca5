package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/coaching"
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
	p, err := coaching.ReadPeriod(c.Query("from"), c.Query("to"), staffScope(c).Country)
	errs.AddAll(t, err)
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
	return s.render(c, fiber.StatusOK, "coaching/figures", coachingFiguresPage{Page: p, Figures: f, From: period.From, To: period.To, Query: period.Query(), Errors: errs, OnTimePct: f.OnTimeRate * 100})
}

// coachingFiguresCSV exports the figures as CSV (coaching.Figures.CSV).
func (s *Server) coachingFiguresCSV(c *fiber.Ctx) error {
	t := translator(c)
	period, _ := figuresPeriod(c, t)
	f, err := coaching.ProgrammeFigures(c.UserContext(), s.db, period, s.today())
	if err != nil {
		return err
	}
	body, err := f.CSV(t)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment(exportFilename(s.now(), "csv", "coaching-figures")))
	return c.Send(body)
}

// coachingFiguresXLSX exports the figures as an Excel workbook.
func (s *Server) coachingFiguresXLSX(c *fiber.Ctx) error {
	t := translator(c)
	period, _ := figuresPeriod(c, t)
	f, err := coaching.ProgrammeFigures(c.UserContext(), s.db, period, s.today())
	if err != nil {
		return err
	}
	body, err := f.XLSX(t)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, attachment(exportFilename(s.now(), "xlsx", "coaching-figures")))
	return c.Send(body)
}
