package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
)

// staffRegisterForm is the organiser's "register someone" form (phone call,
// partner list). It goes through the registration service: the same rules
// as the public form (name and mobile number; a group of 2 to 200 under one
// contact number), the same atomic seats and waiting list, the same SMS.
type staffRegisterForm struct {
	Name         string `form:"name" validate:"required" label:"registrations.form.name"` // its length is the domain's rule
	Phone        string `form:"phone" validate:"required,max=40" label:"registrations.form.phone"`
	Kind         string `form:"kind" validate:"required,oneof=individual group" label:"registrations.form.kind"`
	GroupSize    string `form:"group_size" validate:"max=6" label:"registrations.form.group_size"`
	Organisation string `form:"organisation" validate:"max=400" label:"registrations.form.organisation"`
	Lang         string `form:"lang" validate:"omitempty,lang" label:"registrations.form.lang"`
}

// registerOnBehalf is the form's state on the registrations page.
type registerOnBehalf struct {
	Form   staffRegisterForm
	Errors FieldErrors
	Open   bool
	Counts map[string]string // a group's grid, as typed
}

// Grid is the form's sex × age grid, as typed, with its errors.
func (r registerOnBehalf) Grid() groupGrid { return newGroupGrid(r.Counts, r.Errors, "r") }

// eventRegisterOnBehalf registers someone for an event on their behalf.
func (s *Server) eventRegisterOnBehalf(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, err := s.openStaffEvent(c)
	if err != nil {
		return err
	}
	t := translator(c)
	st := registerOnBehalf{Open: true, Counts: map[string]string{}}
	if err := bindForm(c, &st.Form); err != nil {
		return err
	}
	f := &st.Form
	for _, v := range []*string{&f.Name, &f.Phone, &f.Kind, &f.GroupSize, &f.Organisation, &f.Lang} {
		*v = strings.Clone(*v)
	}
	st.Errors = s.check(t, f)
	size := 1
	var grid registration.Breakdown
	if f.Kind == registration.KindGroup {
		n, err := strconv.Atoi(strings.TrimSpace(f.GroupSize))
		if err != nil {
			st.Errors.Add("group_size", t.T("error.register.group_size"))
			n = -1
		}
		size = n
		grid = readGroupGrid(c, t, st.Counts, st.Errors)
	}
	in := registration.Input{EventID: e.ID, Name: f.Name, Phone: f.Phone, Kind: f.Kind, GroupSize: size, GroupBreakdown: grid,
		Organisation: f.Organisation, Lang: f.Lang, Source: registration.SourceStaff, Notify: s.notifier()}
	if st.Errors.Any() {
		// Every problem at once: the domain's rules beside the form's.
		if err := in.Check(); apperr.Is(err, apperr.Invalid) {
			st.Errors.AddErr(t, err, "_form")
		}
		return s.renderRegistrations(c, e, fiber.StatusUnprocessableEntity, st)
	}
	consent, err := registration.CurrentConsent(ctx, s.db, e.Country)
	if err != nil {
		return err
	}
	if consent != nil {
		in.ConsentVersion = consent.Version
	}
	if u := currentUser(c); u != nil {
		id := u.ID
		in.CreatedByID = &id
	}
	res, err := registration.Register(ctx, s.db, in, s.now())
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			st.Errors.AddErr(t, err, "_form")
			return s.renderRegistrations(c, e, fiber.StatusUnprocessableEntity, st)
		}
		return err
	}
	flash := "event_reg_added"
	switch {
	case res.Existing:
		flash = "event_reg_existing"
	case res.WaitlistPosition > 0:
		flash = "event_reg_waitlisted_new"
	}
	return c.Redirect(regBackURL(c, e.ID, flash), fiber.StatusSeeOther)
}

// staffRegistration loads a registration of the event in the URL (a
// registration of another event is not found here).
func (s *Server) staffRegistration(c *fiber.Ctx) (uint, *registration.Registration, error) {
	eventID, err := paramID(c, "id")
	if err != nil {
		return 0, nil, err
	}
	regID, err := paramID(c, "rid")
	if err != nil {
		return 0, nil, err
	}
	r, err := registration.Get(c.UserContext(), s.db, regID)
	if err != nil {
		return 0, nil, err
	}
	if r.EventID != eventID {
		return 0, nil, apperr.New(apperr.NotFound, "error.register.not_found")
	}
	return eventID, r, nil
}

// registrationConfirm gives a waitlisted registration a seat, if one is free.
func (s *Server) registrationConfirm(c *fiber.Ctx) error {
	eventID, r, err := s.staffRegistration(c)
	if err != nil {
		return err
	}
	if _, err := registration.Confirm(c.UserContext(), s.db, r.ID, currentUser(c).ID, s.now(), s.notifier()); err != nil {
		return err
	}
	return c.Redirect(regBackURL(c, eventID, "event_reg_confirmed"), fiber.StatusSeeOther)
}

// registrationWaitlist moves a confirmed registration to the waiting list.
func (s *Server) registrationWaitlist(c *fiber.Ctx) error {
	eventID, r, err := s.staffRegistration(c)
	if err != nil {
		return err
	}
	if _, err := registration.MoveToWaitlist(c.UserContext(), s.db, r.ID, currentUser(c).ID, s.now(), s.notifier()); err != nil {
		return err
	}
	return c.Redirect(regBackURL(c, eventID, "event_reg_waitlisted"), fiber.StatusSeeOther)
}

// registrationCancelStaff cancels a registration; a freed seat goes to the
// waiting list.
func (s *Server) registrationCancelStaff(c *fiber.Ctx) error {
	eventID, r, err := s.staffRegistration(c)
	if err != nil {
		return err
	}
	if _, err := registration.Cancel(c.UserContext(), s.db, registration.Ref{ID: r.ID}, currentUser(c).ID, s.now(), s.notifier()); err != nil {
		return err
	}
	return c.Redirect(regBackURL(c, eventID, "event_reg_cancelled"), fiber.StatusSeeOther)
}
