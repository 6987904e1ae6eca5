package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/user"
)

// ratingView is one rating with its competency and rubric level in the
// page's language.
type ratingView struct {
	Competency string
	Level      int
	Meaning    string
}

type coachingSessionPage struct {
	Page
	days
	Session *coaching.Session
	Access  coaching.Access
	Ratings []ratingView
	Event   string
	EventID uint
	Today   string
}

// coachingSessionShow shows one coaching session to those who may read the
// coachee's records.
func (s *Server) coachingSessionShow(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	sess, err := coaching.GetSession(ctx, s.db, id)
	if err != nil {
		return err
	}
	acc := coaching.AccessFor(currentUser(c), sess.Coachee)
	if !acc.Read {
		return apperr.New(apperr.Forbidden, "error.coaching.forbidden")
	}
	p := s.page(c, "coaching.session_title")
	pg := coachingSessionPage{Page: p, days: days{p.Translator}, Session: sess, Access: acc, Today: s.today()}
	comps, err := coaching.Competencies(ctx, s.db, true)
	if err != nil {
		return err
	}
	for _, cp := range comps {
		if lvl := sess.RatingOf(cp.ID); lvl > 0 {
			pg.Ratings = append(pg.Ratings, ratingView{Competency: cp.Name.String(p.Lang), Level: lvl, Meaning: cp.Level(lvl).String(p.Lang)})
		}
	}
	if sess.EventID != nil {
		if e, err := event.Get(ctx, s.db, *sess.EventID); err == nil {
			pg.EventID = e.ID
			pg.Event = p.DateShort(e.StartsAt.In(e.Location())) + " · " + e.Content(p.Lang).Title
		}
	}
	return s.render(c, fiber.StatusOK, "coaching/session", pg)
}

// actionPointDone marks an action point done (done=1) or open again
// (done=0); only the coachee's coach, organisers and admins may.
func (s *Server) actionPointDone(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	a, err := coaching.GetActionPoint(ctx, s.db, id)
	if err != nil {
		return err
	}
	ce, err := user.Get(ctx, s.db, a.CoacheeID)
	if err != nil {
		return err
	}
	acc := coaching.AccessFor(currentUser(c), ce)
	if !acc.Change {
		return apperr.New(apperr.Forbidden, "error.coaching.forbidden")
	}
	done := c.FormValue("done") != "0"
	if err := coaching.SetActionPointDone(ctx, s.db, id, done, s.today(), currentUser(c).ID); err != nil {
		return err
	}
	flash := "coaching_action_done"
	if !done {
		flash = "coaching_action_reopened"
	}
	if c.FormValue("back") == "coach" {
		return c.Redirect("/"+langOf(c)+"/staff/coaching?flash="+flash, fiber.StatusSeeOther)
	}
	return c.Redirect("/"+langOf(c)+"/staff/coaching/coachees/"+itoa(int(a.CoacheeID))+"?flash="+flash, fiber.StatusSeeOther)
}
