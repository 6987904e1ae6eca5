package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
)

// guardianPage is what a guardian sees through the link sent to their
// phone: their child's registration, the consent to confirm, and the way to
// withdraw it.
type guardianPage struct {
	Page
	Token     string
	Reg       *registration.Registration
	EventView eventView
	Consent   consentShown
	Erased    bool
}

// loadGuardian finds the registration of /g/:token; unknown tokens count
// against the address's limit, like unknown ticket codes.
func (s *Server) loadGuardian(c *fiber.Ctx) (*registration.Registration, error) {
	var r *registration.Registration
	err := s.missLimited(c, "ticket-miss:"+s.clientIP(c), ticketMissLimit, func() (err error) {
		r, err = registration.GetByGuardianToken(c.UserContext(), s.db, c.Params("token"))
		return err
	})
	return r, err
}

// guardianShow is /{lang}/g/{token}: never cached, never indexed.
func (s *Server) guardianShow(c *fiber.Ctx) error {
	r, err := s.loadGuardian(c)
	if err != nil {
		return err
	}
	e, err := event.Get(c.UserContext(), s.db, r.EventID)
	if err != nil {
		return err
	}
	p := s.page(c, "guardian.title")
	p.NoIndex = true
	gp := guardianPage{Page: p, Token: c.Params("token"), Reg: r, EventView: viewEvent(p.Translator, e, s.now()),
		Erased: r.AnonymisedAt != nil}
	if gp.Consent, err = s.consentFor(c, p, e.Country, registration.ConsentGuardian, registration.BuiltinGuardianConsent, "register.consent_guardian_text"); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	return s.render(c, fiber.StatusOK, "registration/guardian", gp)
}

// guardianConfirm confirms the child's registration: the ticket appears.
func (s *Server) guardianConfirm(c *fiber.Ctx) error {
	r, err := s.loadGuardian(c)
	if err != nil {
		return err
	}
	r, err = registration.ConfirmGuardian(c.UserContext(), s.db, registration.Ref{ID: r.ID}, registration.GuardianByLink, 0, s.now(), s.notifier())
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/r/"+r.Code+"?flash=guardian_confirmed", fiber.StatusSeeOther)
}

// guardianWithdraw withdraws the guardian's consent: the child's data is
// erased, the counts kept.
func (s *Server) guardianWithdraw(c *fiber.Ctx) error {
	token := c.Params("token")
	if _, err := s.loadGuardian(c); err != nil {
		return err
	}
	if _, err := privacy.WithdrawGuardianConsent(c.UserContext(), s.db, token, s.now(), s.notifier()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/g/"+token+"?flash=guardian_withdrawn", fiber.StatusSeeOther)
}

// registrationGuardianPaper records that the guardian signed the consent on
// paper at the venue (staff: who and when are recorded).
func (s *Server) registrationGuardianPaper(c *fiber.Ctx) error {
	eventID, r, err := s.staffRegistration(c)
	if err != nil {
		return err
	}
	if _, err := registration.ConfirmGuardian(c.UserContext(), s.db, registration.Ref{ID: r.ID}, registration.GuardianByPaper,
		currentUser(c).ID, s.now(), s.notifier()); err != nil {
		return err
	}
	return c.Redirect(regBackURL(c, eventID, "event_reg_guardian_paper"), fiber.StatusSeeOther)
}
