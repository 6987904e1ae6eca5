package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
)

type attendanceSheetPage struct {
	Page
	Event  eventView
	Roster []rosterRow
	// Blank lines for walk-ins.
	Blank []int
}

// sheetBlankLines is the number of empty lines for walk-ins.
const sheetBlankLines = 15

// attendanceSheet is GET /staff/events/:id/sheet: an A4 sheet in the
// event's own language (the venue's), with short codes and a box per
// person, for venues without a device.
func (s *Server) attendanceSheet(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	entries, err := attendance.Roster(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	if err := s.logRead(c, audit.ReadAttendanceSheet, e.ID, len(entries), nil); err != nil {
		return err
	}
	p := s.page(c, "")
	// The sheet speaks the event's language, whatever the staff member reads.
	p.Translator = s.bundle.For(e.Lang)
	v := viewEvent(p.Translator, e, s.now())
	p.Title = p.T("page.sheet.title", "Title", v.Title)
	return s.render(c, fiber.StatusOK, "attendance/sheet", attendanceSheetPage{
		Page: p, Event: v, Roster: viewRoster(p.Translator, e, entries), Blank: make([]int, sheetBlankLines),
	})
}
