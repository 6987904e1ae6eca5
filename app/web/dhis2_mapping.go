package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/report"
)

// dhis2MappingSave saves the mapping: 303 back to the screen, or the screen
// again (422) with every problem beside its field and what was typed.
func (s *Server) dhis2MappingSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	in := dhis2.MappingInput{DataElements: map[string]string{}, COCs: map[string]string{}, OrgUnits: map[string]string{}}
	values := dhis2Values{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key, val := string(k), strings.TrimSpace(string(v))
		if len(val) > 60 {
			val = val[:60]
		}
		values[key] = val
		switch {
		case key == "data_set":
			in.DataSet = val
		case key == "period_type":
			in.PeriodType = val
		case strings.HasPrefix(key, "de_"):
			in.DataElements[strings.TrimPrefix(key, "de_")] = val
		case strings.HasPrefix(key, "ou_"):
			in.OrgUnits[strings.TrimPrefix(key, "ou_")] = val
		}
	})
	for _, k := range dhis2.COCKeys() {
		in.COCs[k] = values[dhis2.FieldCOC(k)]
	}
	for _, code := range report.CityCodes {
		in.DataElements[code] = values[dhis2.FieldDataElement(code)]
	}
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
