package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// kindChild is the event page's form for a child under 16, filled by a
// parent or guardian.
const kindChild = "child"

// childForm is that form: the child's first name or nickname only, the
// guardian, and both consents. The child's own phone is never asked.
type childForm struct {
	ChildName       string `form:"child_name" label:"register.child_name"`
	ChildAge        string `form:"child_age" validate:"max=16" label:"register.child_age"`
	ChildSex        string `form:"child_sex" validate:"max=16" label:"register.sex"`
	GuardianName    string `form:"guardian_name" label:"register.guardian_name"`
	GuardianPhone   string `form:"guardian_phone" validate:"max=40" label:"register.guardian_phone"`
	GuardianConsent string `form:"guardian_consent"`
	ChildConsent    string `form:"child_consent"`
}

// consentShown is a consent text on a form and the version it records.
type consentShown struct {
	Version string
	Text    string
}

// consentFor is the newest published text for an audience on a country's
// sessions, or the
// interface's own (recorded as builtin).
func (s *Server) consentFor(c *fiber.Ctx, p Page, country, audience, builtin, key string) (consentShown, error) {
	cv, err := registration.CurrentConsentFor(c.UserContext(), s.db, audience, country)
	if err != nil {
		return consentShown{}, err
	}
	return consentText(p, map[string]*registration.Consent{audience: cv}, audience, builtin, key), nil
}

// consentText picks an audience's published text in the page's language,
// or the interface's own text recorded as the builtin version.
func consentText(p Page, current map[string]*registration.Consent, audience, builtin, key string) consentShown {
	if cv := current[audience]; cv != nil {
		if t := cv.Text.String(p.Lang); t != "" {
			return consentShown{Version: cv.Version, Text: t}
		}
	}
	return consentShown{Version: builtin, Text: p.T(key)}
}

// registrationChildCreate registers a child with their guardian: 303 to a
// page that says the guardian's phone got the confirmation link, or the
// event page again (422) with every error beside its field and everything
// typed kept.
func (s *Server) registrationChildCreate(c *fiber.Ctx, p Page, e *event.Event, v eventView, st *registerState) error {
	ctx := c.UserContext()
	var f childForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	st.ChildForm, st.ChildOpen = f, true
	show := func() error {
		return s.render(c, fiber.StatusUnprocessableEntity, "events/show", eventShowPage{Page: p, Event: v, Register: st})
	}
	for k, msg := range s.check(p.Translator, &f) {
		st.Errors.Add(k, msg)
	}
	in := registration.ChildInput{
		EventID: e.ID, ChildName: f.ChildName, AgeDetail: f.ChildAge, Sex: f.ChildSex,
		GuardianName: f.GuardianName, GuardianPhone: f.GuardianPhone, Region: e.PhoneRegion,
		GuardianAgrees: f.GuardianConsent != "", ChildAgrees: f.ChildConsent != "", Lang: p.Lang,
		GuardianConsentVersion: st.Guardian.Version, ChildConsentVersion: st.ChildAgreement.Version,
		Notify: s.notifier(),
	}
	if err := in.Check(); err != nil {
		st.Errors.AddAll(p.Translator, err)
	}
	if st.Errors.Any() {
		return show()
	}
	if currentUser(c) == nil {
		if err := s.rateLimit(ctx, c, "register:ip:"+s.clientIP(c), registerLimitPerIP); err != nil {
			return registerLimited(err)
		}
	}
	res, err := registration.RegisterChild(ctx, s.db, in, s.now())
	if err != nil {
		if apperr.KindOf(err) != apperr.Invalid {
			return err
		}
		st.Errors.AddErr(p.Translator, err, "_child")
		return show()
	}
	base := p.URL("/events/" + strconv.FormatUint(uint64(e.ID), 10))
	if res.Existing {
		return c.Redirect(base+"/already-registered", fiber.StatusSeeOther)
	}
	// The browser keeps the link's secret, so that the code of the SMS can
	// be typed here (never in a URL).
	s.privateCookie(c, guardianCookie, res.GuardianToken, registration.GuardianHold)
	return c.Redirect(base+"/guardian-asked", fiber.StatusSeeOther)
}

// guardianCookie holds, in the browser that registered a child, the secret
// of the guardian's link: with it the guardian may type the SMS's code.
const guardianCookie = "lantern_guardian"

// guardianAskedPage says the guardian was asked, and takes the code.
type guardianAskedPage struct {
	Page
	EventID    uint
	EventTitle string
	CanType    bool
	Code       string
	Errors     FieldErrors
}

type guardianCodeForm struct {
	Code string `form:"code" validate:"max=20" label:"guardian.code"`
}

// guardianCodeConfirm is POST /{lang}/events/{id}/guardian-code.
func (s *Server) guardianCodeConfirm(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := event.GetPublic(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	var f guardianCodeForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	p := s.page(c, "guardian.asked_title")
	gp := guardianAskedPage{Page: p, EventID: e.ID, EventTitle: viewEvent(p.Translator, e, s.now()).Title,
		CanType: true, Code: utils.CopyString(f.Code), Errors: s.check(p.Translator, &f)}
	token := c.Cookies(guardianCookie)
	if !gp.Errors.Any() {
		r, err := registration.ConfirmGuardianByCode(c.UserContext(), s.db, token, f.Code, s.now(), s.notifier())
		switch {
		case apperr.Is(err, apperr.Invalid):
			gp.Errors.AddAll(p.Translator, err)
		case apperr.Is(err, apperr.NotFound):
			gp.Errors.Add("code", p.T("error.guardian.not_found"))
		case err != nil:
			return err
		default:
			s.privateCookie(c, guardianCookie, "", 0)
			return c.Redirect(p.URL("/r/"+r.Code+"?flash=guardian_confirmed"), fiber.StatusSeeOther)
		}
	}
	gp.NoIndex = true
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusUnprocessableEntity, "registration/guardian_asked", gp)
}

// guardianAskedShow is /{lang}/events/{id}/guardian-asked: the child's
// registration waits for the guardian, whose phone got the link. It names
// nobody.
func (s *Server) guardianAskedShow(c *fiber.Ctx) error {
	p, e, v, err := s.neutralEventPage(c, "guardian.asked_title")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "registration/guardian_asked", guardianAskedPage{Page: p, EventID: e.ID, EventTitle: v.Title,
		CanType: c.Cookies(guardianCookie) != "", Errors: FieldErrors{}})
}
