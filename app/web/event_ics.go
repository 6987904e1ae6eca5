package web

import (
	"fmt"
	"strings"
	"unicode"

	ics "github.com/arran4/golang-ical"
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
)

// eventICS is the "add to calendar" download (RFC 5545, written by
// golang-ical): lines end with CRLF, long lines are folded at 75 octets,
// and the organisers' texts lose their carriage returns and other control
// characters (a line break stays, written as \n by the library).
func (s *Server) eventICS(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := event.GetPublic(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	t := translator(c)
	cal := ics.NewCalendarFor("Lantern")
	cal.SetMethod(ics.MethodPublish)
	s.addICSEvent(cal, e, t.Lang)
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="lantern-%s.ics"`, e.Code))
	return c.SendString(cal.Serialize(ics.WithNewLineWindows))
}

// addICSEvent adds an event to a calendar, in lang. Its UID is the same in
// the per-event file and in the feeds, so a calendar that has both keeps
// one copy.
func (s *Server) addICSEvent(cal *ics.Calendar, e *event.Event, lang string) {
	content := e.Content(lang)
	ev := cal.AddEvent(fmt.Sprintf("event-%d@lantern", e.ID))
	ev.SetDtStampTime(e.UpdatedAt.UTC())
	ev.SetLastModifiedAt(e.UpdatedAt.UTC())
	ev.SetStartAt(e.StartsAt.UTC())
	ev.SetEndAt(e.EndsAt.UTC())
	ev.SetSummary(icsText(content.Title))
	ev.SetDescription(icsText(content.Description))
	ev.SetLocation(icsText(strings.TrimSuffix(e.Venue.Name.String(lang)+", "+e.Venue.Address, ", ")))
	ev.SetURL(fmt.Sprintf("%s/%s/events/%d", s.cfg.BaseURL, lang, e.ID))
	if e.Status == event.StatusCancelled {
		ev.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
}

// icsText makes typed text fit an iCalendar TEXT value: Windows (CRLF) and
// old Mac (CR) line breaks become one line break, and other control
// characters, which RFC 5545 does not allow in TEXT, go (a tab stays).
func icsText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
