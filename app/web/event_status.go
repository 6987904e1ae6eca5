package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
)

// eventDuplicate copies an event as a new draft and opens the copy's form.
func (s *Server) eventDuplicate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := event.Duplicate(c.UserContext(), s.db, id, currentUser(c).ID, s.now())
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(e.ID))+"?flash=event_duplicated", fiber.StatusSeeOther)
}

// eventPublish puts a draft on the public site.
func (s *Server) eventPublish(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := event.Publish(c.UserContext(), s.db, id, currentUser(c).ID, s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(id))+"?flash=event_published", fiber.StatusSeeOther)
}

// eventUnpublish takes an event nobody registered for back to draft.
func (s *Server) eventUnpublish(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := event.Unpublish(c.UserContext(), s.db, id, currentUser(c).ID, s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(id))+"?flash=event_unpublished", fiber.StatusSeeOther)
}
