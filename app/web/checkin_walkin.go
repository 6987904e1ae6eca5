package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// walkInForm is the form of a walk-in: sex and age band always; name and
// phone only for adults, and optional.
type walkInForm struct {
	Sex     string `form:"sex" validate:"required,oneof=female male other not_stated" label:"walkin.sex"`
	AgeBand string `form:"age_band" validate:"required,oneof=under_16 16_17 18_24 25_59 60_plus" label:"walkin.age_band"`
	Name    string `form:"name" validate:"max=120" label:"walkin.name"`
	Phone   string `form:"phone" validate:"max=40" label:"walkin.phone"`
}

// checkinWalkIn is POST /staff/events/:id/checkin/walkin.
func (s *Server) checkinWalkIn(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	var f walkInForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Name, f.Phone = textnorm.Clean(utils.CopyString(f.Name)), textnorm.Clean(utils.CopyString(f.Phone))
	f.Sex, f.AgeBand = utils.CopyString(f.Sex), utils.CopyString(f.AgeBand)
	t := translator(c)
	errs := s.check(t, &f)
	if !errs.Any() {
		r, err := attendance.AddWalkIn(c.UserContext(), s.db, s.checkinWindow(), attendance.WalkIn{
			EventID: e.ID, Name: f.Name, Phone: f.Phone, Sex: f.Sex, AgeBand: f.AgeBand,
			Lang: e.Lang, ByID: currentUser(c).ID, // the venue's language, for a certificate
		}, s.now())
		if err == nil {
			return c.Redirect(checkinURL(c, e.ID, r.ID, "checkin_walkin_added"), fiber.StatusSeeOther)
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || (ae.Kind != apperr.Invalid && ae.Kind != apperr.Conflict) {
			return err
		}
		field, _ := ae.Args["field"].(string)
		if field == "" {
			field = "_form"
		}
		if msg := windowMessage(t, e, err); msg != "" {
			errs.Add(field, msg)
		} else {
			errs.Add(field, t.T(ae.Key))
		}
	}
	cp, err := s.newCheckinPage(c, e)
	if err != nil {
		return err
	}
	cp.WalkIn, cp.WalkInErrors = f, errs
	return s.render(c, fiber.StatusUnprocessableEntity, "attendance/checkin", cp)
}
