package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

type eventCancelPage struct {
	Page
	Event      eventView
	EventID    uint
	Recipients int
	Segments   int
	Cost       string
	Currency   string // the session's country's
	// NeverPublished: a draft nobody outside the team has seen; cancelling
	// it posts no public notice.
	NeverPublished bool
}

// eventCancelConfirm shows how many people will be told, and the SMS
// segments and cost, before the event is cancelled. The messages are the
// registration area's (each in the registrant's language, unaccented when
// that costs fewer segments).
func (s *Server) eventCancelConfirm(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	if e.Status == event.StatusCancelled {
		return apperr.New(apperr.Conflict, "error.eventform.status_changed")
	}
	p := eventCancelPage{Page: s.page(c, "staff.events.cancel.title"), EventID: e.ID, NeverPublished: e.NeverPublished()}
	p.Event = viewEvent(p.Translator, e, s.now())
	p.Recipients, p.Segments, err = registration.PreviewEventCancelled(c.UserContext(), s.db, e, s.bundle.For)
	if err != nil {
		return err
	}
	prices, cur, err := s.pricesOf(c, p.Translator, e.Country)
	if err != nil {
		return err
	}
	p.Cost, p.Currency = p.Number(float64(p.Segments*prices.SMSSegment), 0), cur
	return s.render(c, fiber.StatusOK, "staffevents/cancel", p)
}

// eventCancel cancels the event and queues the messages in the same
// transaction.
func (s *Server) eventCancel(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	told, err := registration.CancelEvent(c.UserContext(), s.db, id, currentUser(c).ID, s.now(), s.bundle.For)
	if err != nil {
		return err
	}
	// The flash says what was done: no SMS when nobody was registered.
	flash := "event_cancelled"
	if told == 0 {
		flash = "event_cancelled_nobody_told"
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(id))+"?flash="+flash, fiber.StatusSeeOther)
}
