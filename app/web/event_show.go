package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/lantern-ngo/lantern/app/registration"

	"github.com/lantern-ngo/lantern/app/event"
)

type eventShowPage struct {
	Page
	Event eventView
	// Register is the registration form's state (filled by the registration
	// pages when the form comes back with errors).
	Register *registerState
}

// eventShow shows one event in the page's language, with fallback.
func (s *Server) eventShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := event.GetPublic(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.offerLangs(e.CountryLanguages...)
	v := viewEvent(p.Translator, e, s.now())
	p.Title = v.Title
	consents, err := registration.CurrentConsents(c.UserContext(), s.db, e.Country)
	if err != nil {
		return err
	}
	st := s.newRegisterState(c, p, e, v, consents)
	return s.render(c, fiber.StatusOK, "events/show", eventShowPage{Page: p, Event: v, Register: st})
}
