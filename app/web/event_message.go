package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/registration"
)

// eventMessageForm is an organiser's message to a session's registrants:
// the audience, a text in up to three languages, and the submission's
// nonce (sending twice queues nothing more).
type eventMessageForm struct {
	Audience string `form:"audience" validate:"max=16"`
	Nonce    string `form:"nonce" validate:"max=64"`
	Action   string `form:"action" validate:"max=16"`
	sessionTexts
}

type eventMessagePage struct {
	Page
	Event     eventView
	EventID   uint
	Form      eventMessageForm
	Errors    FieldErrors
	Audiences []string
	Langs     []string
	Max       int
	Reach     *registration.Reach
	Cost      string
	Currency  string // the session's country's
}

// eventMessageNew is GET /staff/events/:id/message: the form.
func (s *Server) eventMessageNew(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	p := eventMessagePage{Page: s.page(c, "broadcast.title"), EventID: e.ID, Errors: FieldErrors{},
		Form: eventMessageForm{Audience: registration.AudienceAll, Nonce: newNonce()}}
	return s.renderEventMessage(c, fiber.StatusOK, e.ID, &p)
}

func (s *Server) renderEventMessage(c *fiber.Ctx, status int, eventID uint, p *eventMessagePage) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	p.Event = viewEvent(p.Translator, e, s.now())
	if p.Langs, err = s.messageLangs(c, e.Country); err != nil {
		return err
	}
	p.Audiences, p.Max = registration.Audiences, registration.BroadcastMax
	return s.render(c, status, "staffevents/message", p)
}

// eventMessageSend is POST /staff/events/:id/message: "preview" shows
// whom it reaches and what it costs; "send" queues it.
func (s *Server) eventMessageSend(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	var f eventMessageForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Audience, f.Nonce, f.Action = utils.CopyString(f.Audience), utils.CopyString(f.Nonce), utils.CopyString(f.Action)
	texts, langs, err := s.readSessionTexts(c, e.Country)
	if err != nil {
		return err
	}
	f.sessionTexts = texts
	p := eventMessagePage{Page: s.page(c, "broadcast.title"), EventID: e.ID, Form: f}
	p.Errors = s.check(p.Translator, &f)
	in := registration.BroadcastInput{EventID: e.ID, Audience: f.Audience, Nonce: f.Nonce, ByID: currentUser(c).ID,
		Text: f.Texts, Langs: langs}
	sent, status, err := sendOrPreview(p.Translator, p.Errors, f.Action, func() error {
		_, err := registration.SendBroadcast(c.UserContext(), s.db, in, s.bundle.For, s.now())
		return err
	}, func() error {
		reach, err := registration.PreviewBroadcast(c.UserContext(), s.db, in, s.bundle.For)
		if err != nil {
			return err
		}
		prices, cur, err := s.pricesOf(c, p.Translator, e.Country)
		p.Reach, p.Cost, p.Currency = reach, p.Number(float64(reach.Segments*prices.SMSSegment), 0), cur
		return err
	})
	switch {
	case err != nil:
		return err
	case sent:
		return c.Redirect(p.URL("/staff/events/"+itoa(int(e.ID))+"/registrations?flash=broadcast_sent"), fiber.StatusSeeOther)
	}
	return s.renderEventMessage(c, status, e.ID, &p)
}
