package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/report"
)

type dashboardPage struct {
	Page
	Filter      report.Filter
	FilterError string
	Partners    []partnerOption
	PartnerName string
	Query       string
	R           *report.Indicators
	Progress    []report.ProgressRow
	Tables      []report.DisTable
	Ratings     *report.Ratings
	Datasets    []string
	Personal    []string // datasets with a personal-data version
}

// dashboardShow is the programme dashboard: progress against each target,
// the disaggregation tables, the filters, the exports and the donor report.
func (s *Server) dashboardShow(c *fiber.Ctx) error {
	p := s.page(c, "page.dashboard.title")
	status := fiber.StatusOK
	f, err := s.dashboardFilter(c)
	var filterErr string
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return err
		}
		// Bad dates: say so next to the filter, show every date of the
		// person's part of the programme.
		status, filterErr, f = fiber.StatusUnprocessableEntity, p.T(ae.Key), report.Filter{Scope: staffScope(c)}
	}
	maxAge := s.cfg.DashboardMaxAge
	if c.Query("fresh") != "" {
		maxAge = 0 // "Refresh now"
	}
	r, err := report.Cached(c.UserContext(), s.db, f, s.now(), maxAge)
	if err != nil {
		return err
	}
	partners, chosen, err := s.dashboardPartners(c, f.PartnerID, p.Lang)
	if err != nil {
		return err
	}
	ratings, err := report.RatingFigures(c.UserContext(), s.db, f, p.Lang, s.now())
	if err != nil {
		return err
	}
	data := dashboardPage{Ratings: ratings, Page: p, Filter: f, FilterError: filterErr, Partners: partners, PartnerName: chosen,
		Query: filterQuery(f), R: r, Progress: report.ProgressRows(p.Translator, r), Tables: report.DisTables(p.Translator, r),
		Datasets: report.Datasets}
	if status != fiber.StatusOK {
		// Keep what was typed in the date fields.
		data.Filter.From, data.Filter.To = utils.CopyString(c.Query("from")), utils.CopyString(c.Query("to"))
	}
	for _, d := range report.Datasets {
		if report.HasPersonalVariant(d) {
			data.Personal = append(data.Personal, d)
		}
	}
	return s.render(c, status, "dashboard/show", data)
}

// apiIndicators is GET /api/v1/indicators?from=…&to=…&partner=…: the same
// figures as the dashboard, as JSON.
func (s *Server) apiIndicators(c *fiber.Ctx) error {
	f, err := s.dashboardFilter(c)
	if err != nil {
		return err
	}
	r, err := report.Compute(c.UserContext(), s.db, f, s.now())
	if err != nil {
		return err
	}
	if apiCallerOf(c) != nil {
		// A partner's system: the figures leave the organisation. Staff
		// who may see personal data get the exact figures on their pages.
		s.smallCounts().Indicators(r)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(r)
}
