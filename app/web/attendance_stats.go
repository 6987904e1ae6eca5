package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/attendance"
)

type attendanceStatsPage struct {
	Page
	Event       eventView
	EventID     uint
	Stats       *attendance.Stats
	Rate        string
	Sexes       []option
	Bands       []option
	Certifiable bool
	// NotYet: the session has not taken place (not started, or cancelled)
	// and nobody is checked in: no rate and no no-shows, but a sentence.
	NotYet bool
	// Live: the page reloads itself while the event runs (a meta refresh:
	// no script needed).
	Live bool
}

// attendanceStats is GET /staff/events/:id/attendance: the event's figures
// for organisers (and the session's trainers).
func (s *Server) attendanceStats(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	st, err := attendance.EventStats(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	now := s.now()
	v := viewEvent(p.Translator, e, now)
	p.Title = p.T("page.attendance.title", "Title", v.Title)
	sp := attendanceStatsPage{
		Page: p, Event: v, EventID: e.ID, Stats: st, Sexes: sexOptions(p.Translator),
		Bands:       append(bandOptions(p.Translator), option{attendance.UnknownBand, p.T("attendance.band.unknown")}),
		Certifiable: attendance.Certifiable(e),
		NotYet:      attendance.NotYetHeld(e, st, now),
		// From an hour before the start to an hour after the end.
		Live: now.After(e.StartsAt.Add(-time.Hour)) && now.Before(e.EndsAt.Add(time.Hour)),
	}
	if st.HasRate {
		sp.Rate = p.Percent(st.Rate, 0)
	}
	return s.render(c, fiber.StatusOK, "attendance/stats", sp)
}
