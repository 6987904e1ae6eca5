package web

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Helpers many pages share: the event a staff page is about, the
// participant's messages, neutral public pages, JSON downloads.

// staffEvent is the event a staff page names by its id.
func (s *Server) staffEvent(c *fiber.Ctx) (*event.Event, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return event.Get(c.UserContext(), s.db, id)
}

// openStaffEvent is staffEvent for actions that add people: a cancelled
// event takes no one.
func (s *Server) openStaffEvent(c *fiber.Ctx) (*event.Event, error) {
	e, err := s.staffEvent(c)
	if err != nil {
		return nil, err
	}
	if e.Status == event.StatusCancelled {
		return nil, apperr.New(apperr.Conflict, "error.eventform.cancelled")
	}
	return e, nil
}

// notifier builds the participant's SMS in their language.
func (s *Server) notifier() *registration.Notifier {
	return &registration.Notifier{BaseURL: s.cfg.BaseURL, Translator: s.bundle.For}
}

// neutralEventPage prepares a page about a public event that names nobody
// (already registered, guardian asked): never cached, never indexed.
func (s *Server) neutralEventPage(c *fiber.Ctx, titleKey string) (Page, *event.Event, eventView, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return Page{}, nil, eventView{}, err
	}
	e, err := event.GetPublic(c.UserContext(), s.db, id)
	if err != nil {
		return Page{}, nil, eventView{}, err
	}
	p := s.page(c, titleKey)
	p.NoIndex = true
	c.Set(fiber.HeaderCacheControl, "no-store")
	return p, e, viewEvent(p.Translator, e, s.now()), nil
}

// sendJSONDownload sends v as a JSON file to download, never cached.
func sendJSONDownload(c *fiber.Ctx, filename string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b)
}
