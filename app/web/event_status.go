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

// eventDelete deletes a draft that was never published and holds nobody's
// records; the form asks the organiser to tick that they mean it.
func (s *Server) eventDelete(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(id))+"?flash=event_delete_confirm", fiber.StatusSeeOther)
	}
	if err := event.DeleteDraft(c.UserContext(), s.db, id, currentUser(c).ID); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events?flash=event_deleted", fiber.StatusSeeOther)
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
