package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dhis2"
)

// dhis2Run is the dry run (push false: the payload that would be sent) and
// the push of a period (DHIS2's import summary, or why it failed). Both
// show the screen with the result.
func (s *Server) dhis2Run(push bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		period := strings.TrimSpace(c.FormValue("period"))
		if len(period) > 10 {
			period = period[:10]
		}
		p := s.page(c, "dhis2.title")
		errs := FieldErrors{}
		var plan *dhis2.Plan
		var res *dhis2.Result
		var err error
		if push {
			res, err = dhis2.PushPeriod(ctx, s.db, s.dhis2, period, s.smallCounts(), currentUser(c).ID, s.now())
			if res != nil {
				plan = res.Plan
			}
		} else {
			plan, err = dhis2.Prepare(ctx, s.db, period, s.smallCounts(), s.now())
		}
		status := fiber.StatusOK
		switch {
		case apperr.Is(err, apperr.Invalid):
			errs.AddErr(p.Translator, err, "_form")
			status = fiber.StatusUnprocessableEntity
		case apperr.Is(err, apperr.Unavailable):
			errs.Add("_form", p.T(apperr.KeyOf(err)))
			status = fiber.StatusServiceUnavailable
		case err != nil:
			return err
		}
		sc, err := dhis2.LoadScreen(ctx, s.db, s.dhis2)
		if err != nil {
			return err
		}
		pg := newDHIS2Page(p, sc, dhis2.ValuesOf(sc.Map), errs, s.now())
		pg.Period = period
		pg.Plan, pg.Result = plan, res
		if plan != nil {
			pg.Unmapped = plan.UnmappedTexts(p.Translator)
		}
		if res != nil && res.Err != nil {
			pg.ResultError = p.T(apperr.KeyOf(res.Err))
			if res.Summary == nil {
				status = fiber.StatusBadGateway
			}
		}
		return s.render(c, status, "admin/dhis2", pg)
	}
}
