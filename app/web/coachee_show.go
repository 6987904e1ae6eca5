package web

import (
	"github.com/gofiber/fiber/v2"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/user"
)

// ranSession is a session the coachee ran, with its figures.
type ranSession struct {
	EventID   uint
	Title     string
	Date      string
	Figures   *sessionreport.Figures
	HasReport bool
}

type coacheePage struct {
	Page
	days
	Coachee *user.User
	Coach   string
	Access  coaching.Access
	Own     bool
	coaching.Record
	Today string
	Ran   []ranSession
	Modes []string
}

// loadCoachee returns the coachee of the :id parameter and what the
// signed-in staff member may do with their records (403 when nothing).
func (s *Server) loadCoachee(c *fiber.Ctx, param string) (*user.User, coaching.Access, error) {
	id, err := paramID(c, param)
	if err != nil {
		return nil, coaching.Access{}, err
	}
	ce, err := user.Get(c.UserContext(), s.db, id)
	if err != nil {
		return nil, coaching.Access{}, apperr.New(apperr.NotFound, "error.coaching.coachee_not_found")
	}
	acc := coaching.AccessFor(currentUser(c), ce)
	if !acc.Read {
		return nil, acc, apperr.New(apperr.Forbidden, "error.coaching.forbidden")
	}
	return ce, acc, nil
}

// coacheeShow is a coachee's page: coaching history, competency ratings over
// time (SVG chart and table), open and overdue action points, and the
// sessions they ran with attendance and knowledge gain.
func (s *Server) coacheeShow(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ce, acc, err := s.loadCoachee(c, "id")
	if err != nil {
		return err
	}
	if err := s.logCoacheeRead(c, ce.ID); err != nil {
		return err
	}
	p := s.page(c, "coachee.title")
	p.Title = ce.Name
	pg := coacheePage{Page: p, days: days{p.Translator}, Coachee: ce, Access: acc, Own: p.User.ID == ce.ID,
		Today: s.today(), Modes: coaching.Modes}
	if ce.CoachID != nil {
		if co, err := user.Get(ctx, s.db, *ce.CoachID); err == nil {
			pg.Coach = co.Name
		}
	}
	history, err := coaching.History(ctx, s.db, ce.ID)
	if err != nil {
		return err
	}
	comps, err := coaching.Competencies(ctx, s.db, true)
	if err != nil {
		return err
	}
	pg.Record = coaching.ViewRecord(ce.ID, history, comps, p.Lang, pg.Day)
	if pg.Ran, err = s.sessionsRan(c, ce.ID); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "coaching/coachee", pg)
}

// sessionsRan lists the last sessions the coachee ran (as assigned
// trainer) with their figures, in a fixed number of queries.
func (s *Server) sessionsRan(c *fiber.Ctx, userID uint) ([]ranSession, error) {
	ctx := c.UserContext()
	t := translator(c)
	evs, err := event.TrainerSessions(ctx, s.db, userID, time.Time{}, s.now(), 30)
	if err != nil {
		return nil, err
	}
	ids := make([]uint, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	figs, err := sessionreport.EventFigures(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	has, err := sessionreport.Reported(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ranSession, len(evs))
	for i := range evs {
		e := &evs[i]
		out[i] = ranSession{EventID: e.ID, Title: e.Content(t.Lang).Title, Date: t.DateShort(e.StartsAt.In(e.Location())),
			Figures: figs[e.ID], HasReport: has[e.ID]}
	}
	return out, nil
}
