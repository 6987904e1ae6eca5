package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
)

// checkinPage is a session's check-in page, made for a phone at the venue.
type checkinPage struct {
	Page
	Event   eventView
	EventID uint
	Roster  []rosterRow
	Present int
	// Last is the person checked in (or undone) by the previous action.
	Last *rosterRow
	// Search state: the query stays in its box; results come from a POST so
	// that phone numbers never travel in URLs.
	Query    string
	Searched bool
	Results  []rosterRow
	// Code form state.
	Code      string
	CodeError string
	// Closed says why the session takes no check-in now ("" when it does);
	// RosterError is the reason a tick or an undo was just refused.
	Closed      string
	RosterError string
	// Walk-in form state.
	WalkIn       walkInForm
	WalkInErrors FieldErrors
	Sexes        []option
	AgeBands     []option
	// For checkin.js: the per-event ticket key and the API addresses.
	TicketKey string
	BaseStaff string
}

func (s *Server) newCheckinPage(c *fiber.Ctx, e *event.Event) (*checkinPage, error) {
	p := s.page(c, "")
	entries, err := attendance.Roster(c.UserContext(), s.db, e.ID)
	if err != nil {
		return nil, err
	}
	// Every page that shows the roster (the check-in page, after a search,
	// a mark or a refusal) is a look at the people of the session.
	if err := s.logRead(c, audit.ReadRoster, e.ID, len(entries), nil); err != nil {
		return nil, err
	}
	v := viewEvent(p.Translator, e, s.now())
	p.Title = p.T("page.checkin.title", "Title", v.Title)
	p.NoIndex = true
	cp := &checkinPage{
		Page: p, Event: v, EventID: e.ID, Roster: viewRoster(p.Translator, e, entries),
		WalkInErrors: FieldErrors{}, Sexes: sexOptions(p.Translator), AgeBands: bandOptions(p.Translator),
		TicketKey: s.eventKeyB64(e.ID), BaseStaff: p.URL("/staff/events/" + itoa(int(e.ID))),
		Closed: s.windowNotice(p.Translator, e),
	}
	cp.Present = countPresent(cp.Roster)
	if last, err := strconv.Atoi(c.Query("last")); err == nil && last > 0 {
		for i := range cp.Roster {
			if cp.Roster[i].ID == uint(last) {
				cp.Last = &cp.Roster[i]
			}
		}
	}
	return cp, nil
}

// checkinShow is GET /staff/events/:id/checkin.
func (s *Server) checkinShow(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	cp, err := s.newCheckinPage(c, e)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "attendance/checkin", cp)
}

type checkinSearchForm struct {
	Q string `form:"q"`
}

// checkinSearch is POST /staff/events/:id/checkin/search: find people by
// phone number, name (any case, with or without diacritics) or code.
func (s *Server) checkinSearch(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	var f checkinSearchForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Q = utils.CopyString(f.Q)
	cp, err := s.newCheckinPage(c, e)
	if err != nil {
		return err
	}
	found, err := attendance.Search(c.UserContext(), s.db, e.ID, f.Q)
	if err != nil {
		return err
	}
	cp.Query, cp.Searched, cp.Results = f.Q, true, viewRoster(cp.Translator, e, found)
	return s.render(c, fiber.StatusOK, "attendance/checkin", cp)
}
