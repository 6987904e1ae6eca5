package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Announce a session (issue 15, Decree 91/2020): to the opted-in numbers
// of the session's city or of a partner, with the reach and the cost per
// channel shown before anything is sent. The rules, the recipients and the
// transaction are registration.Notifier's (Announce, PreviewAnnouncement).

type eventAnnounceForm struct {
	Scope   string `form:"scope" validate:"max=16"`
	Partner string `form:"partner" validate:"max=12"`
	Action  string `form:"action" validate:"max=16"`
	// The optional line, in the session's country's languages.
	sessionTexts
}

type eventAnnouncePage struct {
	Page
	Event    eventView
	EventID  uint
	Form     eventAnnounceForm
	Errors   FieldErrors
	Partners []event.Partner
	Langs    []string
	Max      int
	TwoWay   bool
	Reach    *registration.AnnounceReach
	Currency string // the session's country's
}

// Money formats an amount in the session's country's currency, for the
// template.
func (p eventAnnouncePage) Money(n int) string { return p.Number(float64(n), 0) }

// eventAnnounceNew is GET /staff/events/:id/announce: the form, scoped to
// the session's city.
func (s *Server) eventAnnounceNew(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	f := eventAnnounceForm{Scope: registration.ScopeCity}
	if e.PartnerID != nil {
		f.Partner = strconv.FormatUint(uint64(*e.PartnerID), 10)
	}
	p := eventAnnouncePage{Page: s.page(c, "announce.title"), Form: f, Errors: FieldErrors{}}
	return s.renderEventAnnounce(c, fiber.StatusOK, e, &p)
}

func (s *Server) renderEventAnnounce(c *fiber.Ctx, status int, e *event.Event, p *eventAnnouncePage) error {
	partners, err := event.Partners(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	p.Event, p.EventID, p.Partners = viewEvent(p.Translator, e, s.now()), e.ID, partners
	if p.Langs, err = s.messageLangs(c, e.Country); err != nil {
		return err
	}
	p.Max, p.TwoWay = registration.AnnounceTextMax, s.cfg.SMSInboundToken != ""
	return s.render(c, status, "staffevents/announce", p)
}

// zaloAnnounces tells whether announcements may go by Zalo: an Official
// Account with a template for them in some language (the back office's
// mapping, else ZALO_TEMPLATES).
func (s *Server) zaloAnnounces(c *fiber.Ctx) (bool, error) {
	if s.cfg.ZaloAppID == "" {
		return false, nil
	}
	return message.HasZaloTemplate(c.UserContext(), s.db, s.cfg.ZaloTemplates, registration.SMSAnnouncement)
}

// eventAnnounceSend is POST /staff/events/:id/announce: "preview" shows the
// reach and the cost per channel; "send" queues the announcement.
func (s *Server) eventAnnounceSend(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	var f eventAnnounceForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Scope, f.Partner, f.Action = utils.CopyString(f.Scope), utils.CopyString(f.Partner), utils.CopyString(f.Action)
	if f.sessionTexts, _, err = s.readSessionTexts(c, e.Country); err != nil {
		return err
	}
	p := eventAnnouncePage{Page: s.page(c, "announce.title"), Form: f}
	p.Errors = s.check(p.Translator, &f)
	in := registration.AnnounceInput{EventID: e.ID, Scope: f.Scope, ByID: currentUser(c).ID, TwoWay: s.cfg.SMSInboundToken != "",
		Text: f.Texts}
	if id, err := strconv.ParseUint(f.Partner, 10, 32); err == nil && f.Scope == registration.ScopePartner {
		pid := uint(id)
		in.PartnerID = &pid
	}
	if p.Errors.Any() {
		// The domain's own rules too: every problem of the submit at once.
		if err := in.Check(); err != nil {
			p.Errors.AddErr(p.Translator, err, "_form")
		}
	}
	notify := s.notifier()
	sent, status, err := sendOrPreview(p.Translator, p.Errors, f.Action, func() error {
		_, err := notify.Announce(c.UserContext(), s.db, in, s.now())
		return err
	}, func() error {
		prices, cur, err := s.pricesOf(c, p.Translator, e.Country)
		if err != nil {
			return err
		}
		zalo, err := s.zaloAnnounces(c)
		if err != nil {
			return err
		}
		p.Currency = cur
		p.Reach, err = notify.PreviewAnnouncement(c.UserContext(), s.db, in, prices, zalo, s.now())
		return err
	})
	switch {
	case err != nil:
		return err
	case sent:
		return c.Redirect(p.URL("/staff/events/"+itoa(int(e.ID))+"/announce?flash=announce_sent"), fiber.StatusSeeOther)
	}
	return s.renderEventAnnounce(c, status, e, &p)
}
