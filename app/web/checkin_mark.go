package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
)

// checkinURL is the check-in page after an action, with the person the
// action was about (an id, never a name or number) and a flash key.
func checkinURL(c *fiber.Ctx, eventID, regID uint, flash string) string {
	u := "/" + langOf(c) + "/staff/events/" + itoa(int(eventID)) + "/checkin?flash=" + flash
	if regID != 0 {
		u += "&last=" + itoa(int(regID))
	}
	return u + "#last"
}

type checkinCodeForm struct {
	Code string `form:"code"`
}

// checkinRefused re-renders the check-in page (422) with the reason an
// action was refused, which set puts beside that action.
func (s *Server) checkinRefused(c *fiber.Ctx, e *event.Event, err error, set func(cp *checkinPage, msg string)) error {
	cp, perr := s.newCheckinPage(c, e)
	if perr != nil {
		return perr
	}
	msg := windowMessage(cp.Translator, e, err)
	if msg == "" {
		msg = cp.T(apperr.KeyOf(err))
	}
	set(cp, msg)
	return s.render(c, fiber.StatusUnprocessableEntity, "attendance/checkin", cp)
}

// checkinCode is POST /staff/events/:id/checkin/code: a typed short code or
// the text of a scanned ticket QR code.
func (s *Server) checkinCode(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	var f checkinCodeForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code = utils.CopyString(f.Code)
	r, source, err := attendance.ResolveCode(ctx, s.db, s.cfg.SecretKey, e.ID, f.Code)
	if err == nil {
		var res *attendance.CheckInResult
		res, err = attendance.CheckIn(ctx, s.db, s.checkinWindow(), attendance.CheckInInput{EventID: e.ID, RegistrationID: r.ID,
			ByID: currentUser(c).ID, Source: source}, s.now())
		var flash string
		if flash, err = flashOf(res, err); err == nil {
			return c.Redirect(checkinURL(c, e.ID, r.ID, flash), fiber.StatusSeeOther)
		}
	}
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.NotFound {
		return s.checkinRefused(c, e, err, func(cp *checkinPage, msg string) { cp.Code, cp.CodeError = f.Code, msg })
	}
	return err
}

// flashOf is the message of a check-in: done, already there, superseded by
// a later undo, let in from the waiting list, or, for a person on the
// waiting list, the warning that nothing was recorded (the check-in page
// then offers to let them in). Other errors are returned.
func flashOf(res *attendance.CheckInResult, err error) (string, error) {
	switch {
	case err != nil:
		if apperr.KindOf(err) == apperr.Conflict && apperr.KeyOf(err) == "error.checkin.waitlisted" {
			return "checkin_waitlisted", nil
		}
		return "", err
	case res.Admitted:
		return "checkin_admitted", nil
	case res.New:
		return "checkin_done", nil
	case res.Status == attendance.StatusSuperseded:
		return "checkin_superseded", nil
	}
	return "checkin_already", nil
}

type checkinMarkForm struct {
	RegistrationID uint   `form:"registration_id"`
	Source         string `form:"source"`
	// Admit: the staff member saw the waiting-list warning and lets the person in.
	Admit bool `form:"admit"`
}

// checkinMark is POST /staff/events/:id/checkin/mark: tick a person on the
// roster or in the search results.
func (s *Server) checkinMark(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	var f checkinMarkForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	source := attendance.SourceRoster
	if f.Source == attendance.SourceSearch {
		source = attendance.SourceSearch
	}
	res, err := attendance.CheckIn(c.UserContext(), s.db, s.checkinWindow(), attendance.CheckInInput{EventID: e.ID,
		RegistrationID: f.RegistrationID, ByID: currentUser(c).ID, Source: source, Admit: f.Admit}, s.now())
	if attendance.IsWindowRefusal(err) {
		return s.checkinRefused(c, e, err, func(cp *checkinPage, msg string) { cp.RosterError = msg })
	}
	flash, err := flashOf(res, err)
	if err != nil {
		return err
	}
	return c.Redirect(checkinURL(c, e.ID, f.RegistrationID, flash), fiber.StatusSeeOther)
}

// checkinUndo is POST /staff/events/:id/checkin/undo: remove a wrong
// check-in (a walk-in added by mistake is cancelled too).
func (s *Server) checkinUndo(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	var f checkinMarkForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	done, err := attendance.Undo(c.UserContext(), s.db, s.checkinWindow(), e.ID, f.RegistrationID, currentUser(c).ID, s.now())
	if attendance.IsWindowRefusal(err) {
		return s.checkinRefused(c, e, err, func(cp *checkinPage, msg string) { cp.RosterError = msg })
	}
	if err != nil {
		return err
	}
	flash := "checkin_undone"
	if !done {
		flash = "checkin_nothing_to_undo"
	}
	return c.Redirect(checkinURL(c, e.ID, f.RegistrationID, flash), fiber.StatusSeeOther)
}
