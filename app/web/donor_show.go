package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/report"
)

type donorPage struct {
	Page
	D           *report.Donor
	Period      string
	PartnerName string
	Progress    []report.ProgressRow
	Reach       []report.DisTable
	Query       string
}

// donorData gathers the donor report and how its period reads.
func (s *Server) donorData(c *fiber.Ctx) (*report.Donor, string, string, error) {
	f, err := s.dashboardFilter(c)
	if err != nil {
		return nil, "", "", err
	}
	t := translator(c)
	d, err := report.DonorReport(c.UserContext(), s.db, f, t.Lang, s.now())
	if err != nil {
		return nil, "", "", err
	}
	// The donor report leaves the organisation, on paper or as a file:
	// small counts of people are hidden whoever prints it.
	s.smallCounts().Donor(d)
	_, partner, err := s.dashboardPartners(c, f.PartnerID, t.Lang)
	if err != nil {
		return nil, "", "", err
	}
	if partner == "" {
		partner = t.T("dashboard.filter.all_partners")
	}
	return d, periodText(t, f), partner, nil
}

// periodText is the period in words, dates in the language's style.
func periodText(t *locale.Translator, f report.Filter) string {
	from, to := f.Bounds()
	switch {
	case from == nil && to == nil:
		return t.T("dashboard.whole_programme")
	case to == nil:
		return t.T("donor.since", "From", t.DateShort(locale.In(*from, report.ProgrammeTZ)))
	case from == nil:
		return t.T("donor.until", "To", t.DateShort(locale.In(to.AddDate(0, 0, -1), report.ProgrammeTZ)))
	}
	return t.T("dashboard.period", "From", t.DateShort(locale.In(*from, report.ProgrammeTZ)),
		"To", t.DateShort(locale.In(to.AddDate(0, 0, -1), report.ProgrammeTZ)))
}

// donorShow is the donor report as a printable page set (A4), in the
// language of the URL.
func (s *Server) donorShow(c *fiber.Ctx) error {
	d, period, partner, err := s.donorData(c)
	if err != nil {
		return err
	}
	p := s.page(c, "donor.title")
	return s.render(c, fiber.StatusOK, "dashboard/donor", donorPage{Page: p, D: d, Period: period, PartnerName: partner,
		Progress: report.ProgressRows(p.Translator, d.Indicators), Reach: report.ReachTables(p.Translator, d.Indicators), Query: filterQuery(d.Filter)})
}

// donorXLSX is the donor report as a workbook, in the language of the URL.
func (s *Server) donorXLSX(c *fiber.Ctx) error {
	d, period, partner, err := s.donorData(c)
	if err != nil {
		return err
	}
	tables := report.DonorTables(d, translator(c), period, partner)
	return s.sendXLSX(c, exportFilename(s.now(), report.FormatXLSX, "lantern-donor-report", langOf(c), periodName(d.Filter)), tables)
}

// Count formats a whole number.
func (p donorPage) Count(n int) string { return p.Number(float64(n), 0) }

// Fewer is how a hidden small count reads ("fewer than 5").
func (p donorPage) Fewer() string { return p.T("indicator.fewer_than", "N", p.D.Below) }

// Pct formats a share given as 0–100 ("–" when there is none).
func (p donorPage) Pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return p.Percent(*v, 0)
}

// Points formats a knowledge gain in percentage points.
func (p donorPage) Points(v *float64) string {
	return report.Figure(p.Translator, report.UnitPoints, v)
}

// Dec2 formats a ratio with two decimals (the normalised gain).
func (p donorPage) Dec2(v *float64) string {
	if v == nil {
		return "–"
	}
	return p.Number(*v, 2)
}

// QText is a question in the page's language, with fallback.
func (p donorPage) QText(q quiz.QuestionGain) string {
	s, _ := q.TextIn(p.Lang)
	return s
}

// Dec1 is an optional value with one decimal (a rating's average), or –.
func (p donorPage) Dec1(v *float64) string {
	if v == nil {
		return "–"
	}
	return p.Number(*v, 1)
}

// Raw is a value as the API writes it (for data- attributes).
func (p donorPage) Raw(v *float64) string { return report.RawValue(v) }
