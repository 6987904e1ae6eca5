package web

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// eventMessageForm is an organiser's message to a session's registrants:
// the audience, a text in up to three languages, and the submission's
// nonce (sending twice queues nothing more).
type eventMessageForm struct {
	Audience string `form:"audience" validate:"max=16"`
	Nonce    string `form:"nonce" validate:"max=64"`
	Action   string `form:"action" validate:"max=16"`
	// Texts are the text typed in each language (text_<lang>); the domain
	// checks their length.
	Texts content.Text `form:"-"`
}

// Text is a language's text as typed, for the template.
func (f eventMessageForm) Text(lang string) string { return f.Texts[lang] }

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

// messageLangs are the languages an organiser writes a message to a
// session's registrants in (issue 20): its country's interface languages,
// at most three, else the core ones.
func (s *Server) messageLangs(c *fiber.Ctx, cc string) ([]string, error) {
	home, err := country.ByCode(c.UserContext(), s.db, cc)
	if apperr.Is(err, apperr.NotFound) || (err == nil && len(home.Languages) == 0) {
		return locale.Core, nil
	}
	if err != nil {
		return nil, err
	}
	return home.Languages[:min(3, len(home.Languages))], nil
}

func newNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
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
	f = eventMessageForm{Audience: utils.CopyString(f.Audience), Nonce: utils.CopyString(f.Nonce), Action: utils.CopyString(f.Action),
		Texts: content.Text{}}
	langs, err := s.messageLangs(c, e.Country)
	if err != nil {
		return err
	}
	for _, l := range langs {
		f.Texts[l] = utils.CopyString(c.FormValue("text_" + l))
	}
	p := eventMessagePage{Page: s.page(c, "broadcast.title"), EventID: e.ID, Form: f}
	p.Errors = s.check(p.Translator, &f)
	in := registration.BroadcastInput{EventID: e.ID, Audience: f.Audience, Nonce: f.Nonce, ByID: currentUser(c).ID,
		Text: f.Texts, Langs: langs}
	if f.Action == "send" && !p.Errors.Any() {
		_, err := registration.SendBroadcast(c.UserContext(), s.db, in, s.bundle.For, s.now())
		if err == nil {
			return c.Redirect(p.URL("/staff/events/"+itoa(int(e.ID))+"/registrations?flash=broadcast_sent"), fiber.StatusSeeOther)
		}
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		p.Errors.AddAll(p.Translator, err)
	}
	if !p.Errors.Any() {
		reach, err := registration.PreviewBroadcast(c.UserContext(), s.db, in, s.bundle.For)
		switch {
		case apperr.Is(err, apperr.Invalid):
			p.Errors.AddAll(p.Translator, err)
		case err != nil:
			return err
		default:
			p.Reach = reach
			price, cur, err := s.priceIn(c, p.Translator, e.Country)
			if err != nil {
				return err
			}
			p.Cost, p.Currency = p.Number(float64(reach.Segments*price), 0), cur
		}
	}
	status := fiber.StatusOK
	if p.Errors.Any() {
		status = fiber.StatusUnprocessableEntity
	}
	return s.renderEventMessage(c, status, e.ID, &p)
}
