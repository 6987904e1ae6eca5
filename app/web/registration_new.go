package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// registerForm is the registration form of an event page. Counts of a group
// are read separately: the sex × age grid, g_<sex>_<band> (readGroupGrid).
type registerForm struct {
	Kind         string `form:"kind" validate:"omitempty,oneof=individual group" label:"register.kind"`
	Name         string `form:"name" label:"register.name"` // its length is the domain's rule (one message)
	Phone        string `form:"phone" validate:"max=40" label:"register.phone"`
	Sex          string `form:"sex" validate:"omitempty,max=16" label:"register.sex"`
	AgeBand      string `form:"age_band" validate:"omitempty,max=16" label:"register.age_band"`
	Role         string `form:"role" validate:"omitempty,max=32" label:"register.role"`
	Organisation string `form:"organisation" validate:"max=400" label:"register.organisation"`
	Consent      string `form:"consent"`
	// Announce: "tell me about future sessions near me" (issue 15), a
	// separate box, unticked by default, never a condition of registering.
	Announce string `form:"announce"`
	// PartnerConsent: the group's contact attests the partner holds the
	// guardians' consent.
	PartnerConsent string `form:"partner_consent"`
	GroupSize      string `form:"group_size" validate:"max=6" label:"register.group_size"`
}

// registerState is the registration part of an event page (eventShowPage.Register).
type registerState struct {
	Open           bool
	Full           bool
	AskOrg         bool              // workshops for authorities ask organisation and role first
	Form           registerForm      // the individual form
	GroupForm      registerForm      // the group form
	Counts         map[string]string // group counts as typed, by field name
	Errors         FieldErrors
	GroupOpen      bool // the group form comes back with errors
	ChildForm      childForm
	ChildOpen      bool // the child's form comes back with errors
	ChildAges      []string
	Guardian       consentShown // the guardian's consent text
	ChildAgreement consentShown // the child's own agreement (7–15)
	Announce       consentShown // the opt-in to announcements' text
	ConsentText    string
	ConsentVersion string
	Sexes          []string
	AgeBands       []string // the age question (under 7, 7–15, …)
	GroupAgeBands  []string // a group's counts, in the reporting bands
	GroupSexes     []string // the columns of a group's grid
	Roles          []string
}

// Count returns a group count as typed, for the template.
func (r *registerState) Count(field string) string { return r.Counts[field] }

// Grid is the group form's sex × age grid, as typed, with its errors.
func (r *registerState) Grid() groupGrid {
	errs := FieldErrors{}
	if r.GroupOpen {
		errs = r.Errors
	}
	return newGroupGrid(r.Counts, errs, "grp")
}

// E is the error of a field of the individual form.
func (r *registerState) E(field string) string {
	if r.GroupOpen || r.ChildOpen {
		return ""
	}
	return r.Errors[field]
}

// GE is the error of a field of the group form.
func (r *registerState) GE(field string) string {
	if !r.GroupOpen {
		return ""
	}
	return r.Errors[field]
}

// CE is the error of a field of the child's form.
func (r *registerState) CE(field string) string {
	if !r.ChildOpen {
		return ""
	}
	return r.Errors[field]
}

// Registration limits: generous per address, because Vietnamese mobile
// carriers put many subscribers behind one address (carrier-grade NAT) and a
// whole screening may register at once from the venue; tight per number.
var (
	registerLimitPerIP    = dbstate.Limit{Max: 300, Window: 10 * time.Minute}
	registerLimitPerPhone = dbstate.Limit{Max: 10, Window: time.Hour}
)

// registerState builds the form's state for an event.
func (s *Server) newRegisterState(c *fiber.Ctx, p Page, e *event.Event, v eventView, current map[string]*registration.Consent) *registerState {
	st := &registerState{
		Open: v.Open, Full: v.Full, AskOrg: e.Kind == event.KindAuthorityWorkshop,
		Counts: map[string]string{}, Errors: FieldErrors{},
		Sexes: registration.Sexes, AgeBands: registration.QuestionAgeBands, Roles: registration.Roles,
		GroupAgeBands: registration.AgeBands, GroupSexes: registration.Sexes, ChildAges: []string{registration.AgeUnder7, registration.Age7to15},
	}
	adult := consentText(p, current, registration.ConsentAdult, registration.BuiltinConsent, "register.consent_text")
	st.ConsentVersion, st.ConsentText = adult.Version, adult.Text
	st.Guardian = consentText(p, current, registration.ConsentGuardian, registration.BuiltinGuardianConsent, "register.consent_guardian_text")
	st.ChildAgreement = consentText(p, current, registration.ConsentChild, registration.BuiltinChildConsent, "register.consent_child_text")
	st.Announce = consentText(p, current, registration.ConsentAnnouncements, registration.BuiltinAnnouncementsConsent, "register.announce_text")
	return st
}

// registrationCreate registers a person (or a group) from the event page:
// 303 to the ticket, or the event page again with 422, everything typed kept
// and a translated message by each field.
func (s *Server) registrationCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	// The form is checked against the event's description, kept per
	// content version (a rush of registrations loads it once); the seats
	// are taken in the database, and a page shown again reads them afresh.
	content, err := s.publicEventContent(ctx, id)
	if err != nil {
		return err
	}
	e := content.Event
	p := s.page(c, "")
	v := viewEvent(p.Translator, e, s.now())
	p.Title = v.Title
	st := s.newRegisterState(c, p, e, v, content.Consents)
	freshView := func() {
		if fresh, err := event.GetPublic(ctx, s.db, id); err == nil {
			v = viewEvent(p.Translator, fresh, s.now())
			st.Open, st.Full = v.Open, v.Full
		}
	}
	if c.FormValue("kind") == kindChild {
		freshView()
		return s.registrationChildCreate(c, p, e, v, st)
	}
	var f registerForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	if f.Kind == registration.KindGroup {
		st.GroupForm = f
	} else {
		st.Form = f
	}
	in := registration.Input{
		EventID: e.ID, Name: f.Name, Phone: f.Phone, Sex: f.Sex, AgeBand: f.AgeBand, Role: f.Role,
		Organisation: f.Organisation, Lang: p.Lang, Source: registration.SourceWeb, ConsentVersion: st.ConsentVersion,
		Kind:   registration.KindIndividual,
		Notify: s.notifier(), Event: e,
	}
	if u := currentUser(c); u != nil {
		in.CreatedByID = &u.ID
	}
	if strings.TrimSpace(f.Announce) != "" && f.Kind != registration.KindGroup {
		in.AnnounceConsent = st.Announce.Version
	}
	if f.Kind == registration.KindGroup {
		st.GroupOpen = true
		in.Kind = registration.KindGroup
		in.GroupSize = -1
		if n, err := strconv.Atoi(strings.TrimSpace(f.GroupSize)); err == nil {
			in.GroupSize = n
		}
		in.GroupBreakdown = readGroupGrid(c, p.Translator, st.Counts, st.Errors)
	}
	show := func(status int) error {
		freshView()
		return s.render(c, status, "events/show", eventShowPage{Page: p, Event: v, Register: st})
	}
	for k, msg := range s.check(p.Translator, &f) {
		st.Errors.Add(k, msg)
	}
	if strings.TrimSpace(f.Consent) == "" {
		st.Errors.Add("consent", p.T("error.register.consent"))
	}
	if f.Kind == registration.KindGroup {
		if strings.TrimSpace(f.PartnerConsent) == "" {
			st.Errors.Add("partner_consent", p.T("error.register.partner_consent"))
		}
		in.PartnerConsentVersion = registration.BuiltinPartnerConsent
	}
	if f.Kind != registration.KindGroup && registration.IsChildAge(f.AgeBand) {
		// A child does not register alone: the guardian's form, opened
		// below with the age already chosen.
		st.Errors.Add("age_band", p.T("error.register.child_alone"))
		if f.AgeBand != registration.AgeUnder16 {
			st.ChildForm.ChildAge = f.AgeBand
		}
	}
	if st.Errors.Any() {
		if err := in.Check(); apperr.Is(err, apperr.Invalid) {
			st.Errors.AddErr(p.Translator, err, "_form")
		}
		return show(fiber.StatusUnprocessableEntity)
	}
	// Rate limits before any write: per client address, then per number.
	// Signed-in staff registering people who phoned in are not limited.
	if currentUser(c) == nil {
		limits := []dbstate.Counter{{Key: "register:ip:" + s.clientIP(c), Limit: registerLimitPerIP}}
		if num, err := in.PhoneNumber(); err == nil {
			limits = append(limits, dbstate.Counter{Key: "register:phone:" + num.E164, Limit: registerLimitPerPhone})
		}
		if err := s.rateLimitAll(ctx, c, limits...); err != nil {
			return registerLimited(err)
		}
	}
	res, err := registration.Register(ctx, s.db, in, s.now())
	if err != nil {
		if apperr.KindOf(err) != apperr.Invalid {
			return err
		}
		st.Errors.AddErr(p.Translator, err, "_form")
		return show(fiber.StatusUnprocessableEntity)
	}
	if res.Existing {
		// Whoever typed the number may not own it: the same neutral page for
		// everyone, whatever the registration's state; the ticket went to
		// the phone.
		return c.Redirect(p.URL("/events/"+strconv.FormatUint(uint64(e.ID), 10)+"/already-registered"), fiber.StatusSeeOther)
	}
	dest := p.URL("/r/" + res.Registration.Code)
	if res.Registration.Status == registration.StatusWaitlisted {
		dest += "?flash=register_waitlisted"
	} else {
		dest += "?flash=register_done"
	}
	return c.Redirect(dest, fiber.StatusSeeOther)
}

func registerLimited(err error) error {
	if apperr.Is(err, apperr.RateLimited) {
		return apperr.New(apperr.RateLimited, "error.register.rate_limited")
	}
	return err
}

// alreadyRegisteredPage is the answer to a number (and name) already
// registered for a session: it names nobody and shows no ticket.
type alreadyRegisteredPage struct {
	Page
	EventID    uint
	EventTitle string
}

// registrationAlreadyShow is /{lang}/events/{id}/already-registered: the
// same page for everyone, whoever registered, in any state; the ticket link
// went to the phone (registration.Result.ResentTicket).
func (s *Server) registrationAlreadyShow(c *fiber.Ctx) error {
	p, e, v, err := s.neutralEventPage(c, "register.already_title")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "registration/already", alreadyRegisteredPage{Page: p, EventID: e.ID, EventTitle: v.Title})
}
