package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/user"
)

type coachingHomePage struct {
	Page
	days
	Coachees     []coaching.Coachee
	CoachNames   map[uint]string
	Due          []coaching.DueAction
	Today        string
	OverdueWeeks int
	AllCoachees  bool // organisers and admins see every coachee
	Overdue      int
}

// CoachName is the name of a coachee's coach (the template gets a *uint).
func (p coachingHomePage) CoachName(id *uint) string {
	if id == nil {
		return ""
	}
	return p.CoachNames[*id]
}

// today is the programme's calendar day.
func (s *Server) today() string {
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	return coaching.Today(s.now(), loc)
}

func (s *Server) overdueWeeks() int {
	if s.cfg.CoachingOverdueWeeks > 0 {
		return s.cfg.CoachingOverdueWeeks
	}
	return coaching.DefaultOverdueWeeks
}

// coachingHome is a coach's page: their coachees, who is overdue for
// coaching, and the action points due this week. Organisers and admins see
// every coachee.
func (s *Server) coachingHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	p := s.page(c, "coaching.title")
	pg := coachingHomePage{Page: p, days: days{p.Translator}, Today: s.today(), OverdueWeeks: s.overdueWeeks(), CoachNames: map[uint]string{}}
	coachID, country := u.ID, ""
	if u.Has(user.RoleOrganiser, user.RoleAdmin) {
		// Every coachee of the organiser's part of the programme.
		coachID, country, pg.AllCoachees = 0, u.ScopeCountry, true
	}
	var err error
	if pg.Coachees, err = coaching.Coachees(ctx, s.db, coachID, country, pg.OverdueWeeks, pg.Today); err != nil {
		return err
	}
	if pg.Due, err = coaching.DueThisWeek(ctx, s.db, coachID, country, pg.Today); err != nil {
		return err
	}
	var coachIDs []uint
	for _, ce := range pg.Coachees {
		if ce.Overdue {
			pg.Overdue++
		}
		if ce.User.CoachID != nil {
			coachIDs = append(coachIDs, *ce.User.CoachID)
		}
	}
	if pg.AllCoachees && len(coachIDs) > 0 {
		names, err := user.Names(ctx, s.db, coachIDs)
		if err != nil {
			return err
		}
		pg.CoachNames = names
	}
	return s.render(c, fiber.StatusOK, "coaching/home", pg)
}

// coachingMe sends a staff member to their own coaching page.
func (s *Server) coachingMe(c *fiber.Ctx) error {
	return c.Redirect("/"+langOf(c)+"/staff/coaching/coachees/"+itoa(int(currentUser(c).ID)), fiber.StatusSeeOther)
}
