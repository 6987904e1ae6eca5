package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dhis2"
)

// dhis2MappingSave saves the mapping: 303 back to the screen, or the screen
// again (422) with every problem beside its field and what was typed.
func (s *Server) dhis2MappingSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	form := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { form[string(k)] = string(v) })
	in, values := dhis2.ReadMapping(form)
	err := dhis2.SaveMapping(ctx, s.db, s.dhis2, in, currentUser(c).ID, s.now())
	if err == nil {
		return c.Redirect(s.page(c, "").URL("/staff/admin/dhis2?flash=dhis2_saved"), fiber.StatusSeeOther)
	}
	if !apperr.Is(err, apperr.Invalid) {
		return err
	}
	sc, lerr := dhis2.LoadScreen(ctx, s.db, s.dhis2)
	if lerr != nil {
		return lerr
	}
	p := s.page(c, "dhis2.title")
	errs := FieldErrors{}
	errs.AddErr(p.Translator, err, "_form")
	return s.render(c, fiber.StatusUnprocessableEntity, "admin/dhis2", newDHIS2Page(p, sc, values, errs, s.now()))
}
