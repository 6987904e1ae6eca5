package web

import (
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
)

// ticketPage is a participant's ticket: the code, the event, the QR code.
// The quiz area's partial ticket_quiz reads Reg, Event and EventView.
type ticketPage struct {
	Page
	Reg       *registration.Registration
	Event     *event.Event
	EventView eventView
	QR        template.HTML
	Position  registration.Place
	Phone     string // masked, for "sent to …5678"
	NewPhone  string // today's number when an old one was converted
	CanCancel bool
	// CanRestore: a cancelled ticket whose session still takes registrations
	// offers to register again.
	CanRestore bool
	// CanAddToCalendar: a registration that still holds a place (or a place
	// in line) for a session still ahead.
	CanAddToCalendar bool
}

// Looking up codes that do not exist is limited per address, so that codes
// cannot be guessed by trying.
var ticketMissLimit = dbstate.Limit{Max: 30, Window: 10 * time.Minute}

// loadTicket finds the registration and event of /r/:code.
func (s *Server) loadTicket(c *fiber.Ctx) (*registration.Registration, *event.Event, error) {
	ctx := c.UserContext()
	var r *registration.Registration
	err := s.missLimited(c, "ticket-miss:"+s.clientIP(c), ticketMissLimit, func() (err error) {
		r, err = registration.GetByCode(ctx, s.db, c.Params("code"))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	e, err := event.Get(ctx, s.db, r.EventID)
	if err != nil {
		return nil, nil, err
	}
	return r, e, nil
}

func (s *Server) ticketPageFor(c *fiber.Ctx, r *registration.Registration, e *event.Event) (ticketPage, error) {
	p := s.page(c, "ticket.title")
	p.NoIndex = true
	now := s.now()
	tp := ticketPage{Page: p, Reg: r, Event: e, EventView: viewEvent(p.Translator, e, now)}
	tp.CanCancel = r.Status != registration.StatusCancelled && now.Before(e.StartsAt)
	tp.CanAddToCalendar = r.Status != registration.StatusCancelled && e.Upcoming(now)
	if r.Phone != nil {
		tp.Phone = phone.Mask(*r.Phone)
	}
	return tp, nil
}

// ticketShow is the ticket page /{lang}/r/{code}: never cached, never indexed.
func (s *Server) ticketShow(c *fiber.Ctx) error {
	r, e, err := s.loadTicket(c)
	if err != nil {
		return err
	}
	tp, err := s.ticketPageFor(c, r, e)
	if err != nil {
		return err
	}
	// Only a seat gets the QR code to show at the entrance: a place on the
	// waiting list is not one.
	if r.Status == registration.StatusConfirmed {
		tp.QR, err = qrSVG(registration.TicketQRText(s.cfg.SecretKey, e.ID, r.Code), tp.T("ticket.qr_label", "Code", r.Code))
		if err != nil {
			return err
		}
	}
	if tp.Position, err = registration.WaitlistPosition(c.UserContext(), s.db, r); err != nil {
		return err
	}
	// The conversion notice only right after the registration that converted
	// the number (recorded with it), and never the whole number.
	if f := c.Query("flash"); (f == "register_done" || f == "register_waitlisted") && r.PhoneRenumbered &&
		r.Phone != nil && s.now().Sub(r.CreatedAt) < time.Hour {
		tp.NewPhone = phone.Mask(*r.Phone)
	}
	tp.CanRestore = r.Status == registration.StatusCancelled && r.Kind != registration.KindWalkIn && tp.EventView.Open
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	return s.render(c, fiber.StatusOK, "registration/ticket", tp)
}

// ticketCancelConfirm asks "are you sure?" before cancelling (no JavaScript).
func (s *Server) ticketCancelConfirm(c *fiber.Ctx) error {
	r, e, err := s.loadTicket(c)
	if err != nil {
		return err
	}
	tp, err := s.ticketPageFor(c, r, e)
	if err != nil {
		return err
	}
	tp.Title = tp.T("ticket.cancel_title")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "registration/cancel", tp)
}

// ticketCancel cancels the registration of the ticket; a freed seat goes to
// the first in the waiting list, told by SMS.
func (s *Server) ticketCancel(c *fiber.Ctx) error {
	r, _, err := s.loadTicket(c)
	if err != nil {
		return err
	}
	if _, err := registration.Cancel(c.UserContext(), s.db, registration.Ref{ID: r.ID}, 0, s.now(), s.notifier()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/r/"+r.Code+"?flash=register_cancelled", fiber.StatusSeeOther)
}

// ticketRestore registers again the person of a cancelled ticket.
func (s *Server) ticketRestore(c *fiber.Ctx) error {
	held, _, err := s.loadTicket(c) // codes that do not exist are rate-limited there
	if err != nil {
		return err
	}
	r, err := registration.Restore(c.UserContext(), s.db, held.Code, s.now(), s.notifier())
	if err != nil {
		return err
	}
	flash := "register_done"
	if r.Status == registration.StatusWaitlisted {
		flash = "register_waitlisted"
	}
	return c.Redirect("/"+langOf(c)+"/r/"+r.Code+"?flash="+flash, fiber.StatusSeeOther)
}
