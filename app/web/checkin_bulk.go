package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
)

type checkinBulkPage struct {
	Page
	Event   eventView
	EventID uint
	Roster  []rosterRow
	Present int
	// Closed says why the session takes no check-in now ("" when it does).
	Closed string
	// Refused: the sheet was just refused for that reason.
	Refused bool
}

func (s *Server) newBulkPage(c *fiber.Ctx, e *event.Event) (*checkinBulkPage, error) {
	p := s.page(c, "")
	v := viewEvent(p.Translator, e, s.now())
	p.Title = p.T("page.sheet.entry_title", "Title", v.Title)
	entries, err := attendance.Roster(c.UserContext(), s.db, e.ID)
	if err != nil {
		return nil, err
	}
	if err := s.logRead(c, audit.ReadRoster, e.ID, len(entries), nil); err != nil {
		return nil, err
	}
	bp := &checkinBulkPage{Page: p, Event: v, EventID: e.ID, Roster: viewRoster(p.Translator, e, entries),
		Closed: s.windowNotice(p.Translator, e)}
	bp.Present = countPresent(bp.Roster)
	return bp, nil
}

// checkinBulk is GET /staff/events/:id/checkin/bulk: the roster in the
// order of the printed sheet, one checkbox per line, to copy a ticked paper
// sheet in one go.
func (s *Server) checkinBulk(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	bp, err := s.newBulkPage(c, e)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "attendance/bulk", bp)
}

// checkinBulkSave is POST /staff/events/:id/checkin/bulk: everyone ticked is
// checked in (source "sheet"); people already present keep their time.
// Unticking does not undo: the check-in page does that, one person at a time.
func (s *Server) checkinBulkSave(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	args := c.Request().PostArgs().PeekMulti("reg")
	ids := make([]uint, 0, len(args))
	for _, a := range args {
		n, err := strconv.ParseUint(string(a), 10, 32)
		if err != nil || n == 0 {
			return fiber.ErrBadRequest
		}
		ids = append(ids, uint(n))
	}
	_, err = attendance.CheckInMany(c.UserContext(), s.db, s.checkinWindow(), e.ID, ids, currentUser(c).ID, attendance.SourceSheet, s.now())
	if attendance.IsWindowRefusal(err) {
		bp, perr := s.newBulkPage(c, e)
		if perr != nil {
			return perr
		}
		bp.Closed, bp.Refused = windowMessage(bp.Translator, e, err), true
		return s.render(c, fiber.StatusUnprocessableEntity, "attendance/bulk", bp)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(e.ID))+"/checkin/bulk?flash=checkin_bulk_saved", fiber.StatusSeeOther)
}
