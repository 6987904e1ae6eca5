package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/report"
)

// dhis2Page is the DHIS2 screen (admins): the mapping, with what is mapped
// and what is not, the choices read from DHIS2 (dhis2.ScreenView), a
// period to dry-run or push, the result, and the pushes so far.
type dhis2Page struct {
	Page
	dhis2.ScreenView
	Errors      FieldErrors
	Plan        *dhis2.Plan
	Unmapped    []string
	Result      *dhis2.Result
	ResultError string
}

// ResultOK tells whether DHIS2 took everything.
func (p dhis2Page) ResultOK() bool {
	return p.Result != nil && p.Result.Err == nil && p.Result.Summary != nil && p.Result.Summary.OK()
}

// PushedAt is a push's time in the programme's zone.
func (p dhis2Page) PushedAt(t time.Time) string {
	return p.DateTime(locale.In(t, report.ProgrammeTZ))
}

// newDHIS2Page builds the screen from the domain's Screen and the values
// to show.
func newDHIS2Page(p Page, sc *dhis2.Screen, values dhis2.Values, errs FieldErrors, now time.Time) dhis2Page {
	if errs == nil {
		errs = FieldErrors{}
	}
	return dhis2Page{Page: p, ScreenView: sc.View(p.Translator, values, errs, now), Errors: errs}
}

// dhis2Show shows the DHIS2 screen.
func (s *Server) dhis2Show(c *fiber.Ctx) error {
	sc, err := dhis2.LoadScreen(c.UserContext(), s.db, s.dhis2)
	if err != nil {
		return err
	}
	p := s.page(c, "dhis2.title")
	return s.render(c, fiber.StatusOK, "admin/dhis2", newDHIS2Page(p, sc, dhis2.ValuesOf(sc.Map), nil, s.now()))
}
