package web

import (
	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// SMS variants: plain (no diacritics, GSM-7: 160 characters a segment) or
// accented (UCS-2: 70 characters a segment, two to three times the cost).
const (
	smsPlain    = "plain"
	smsAccented = "accented"
)

// cancelBody writes the cancellation SMS in each registrant's language.
func (s *Server) cancelBody(e *event.Event, variant string) registration.CancelBody {
	loc := e.Location()
	return func(lang string) string {
		t := s.bundle.For(lang)
		title := []rune(e.Content(t.Lang).Title)
		if len(title) > 40 {
			title = append(title[:39], '…')
		}
		start := e.StartsAt.In(loc)
		body := t.T("registrations.sms.event_cancelled", "Code", e.Code, "Title", string(title),
			"When", start.Format("02/01")+" "+start.Format("15:04"))
		if variant != smsAccented {
			body = textnorm.Unaccent(body)
		}
		return body
	}
}

type cancelVariant struct {
	Value    string
	Segments int
	Cost     string
	Sample   string
	Selected bool
}

type eventCancelPage struct {
	Page
	Event      eventView
	Recipients int
	ByLang     []filterOption
	Variants   []cancelVariant
}

// eventCancelConfirm shows who will be told and what it costs before the
// event is cancelled.
func (s *Server) eventCancelConfirm(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	if e.Status == event.StatusCancelled {
		return apperr.New(apperr.Conflict, "error.eventform.status_changed")
	}
	p := eventCancelPage{Page: s.page(c, "staff.events.cancel.title")}
	t := p.Translator
	p.Event = viewEvent(t, e, s.now())
	for i, variant := range []string{smsPlain, smsAccented} {
		pv, err := registration.StaffPreviewEventCancelled(c.UserContext(), s.db, e.ID, s.cancelBody(e, variant))
		if err != nil {
			return err
		}
		if i == 0 {
			p.Recipients = pv.Recipients
			for _, l := range event.Languages {
				if n := pv.ByLang[l]; n > 0 {
					p.ByLang = append(p.ByLang, filterOption{Value: l, Label: p.LangName(l) + ": " + itoa(n)})
				}
			}
		}
		p.Variants = append(p.Variants, cancelVariant{Value: variant, Segments: pv.Segments,
			Cost: t.Number(float64(pv.Segments*s.cfg.SMSCostPerSegment), 0), Sample: s.cancelBody(e, variant)(t.Lang),
			Selected: variant == smsPlain})
	}
	return s.render(c, fiber.StatusOK, "staffevents/cancel", p)
}

// eventCancel cancels the event and queues the messages in the same
// transaction.
func (s *Server) eventCancel(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	variant := smsPlain
	if c.FormValue("variant") == smsAccented {
		variant = smsAccented
	}
	_, _, err = event.Cancel(c.UserContext(), s.db, id, currentUser(c).ID, s.now(), func(tx *gorm.DB, e *event.Event) (int, error) {
		return registration.StaffQueueEventCancelled(tx, e.ID, s.cancelBody(e, variant))
	})
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(id))+"?flash=event_cancelled", fiber.StatusSeeOther)
}
