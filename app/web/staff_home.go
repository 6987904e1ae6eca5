package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/user"
)

// staffHomePage is the back office's start page: a work page whose parts
// follow the staff member's roles (issue 16), then every page in a list.
type staffHomePage struct {
	Page
	days
	// Trainers: their sessions of today and the next ones, and the
	// reports they still have to write.
	Trainer        bool
	Today, Next    []eventView
	ReportsToWrite int
	// Organisers and admins: the next sessions with their fill, and what
	// needs attention.
	Organiser bool
	Upcoming  []homeSession
	Attention []homeItem
	// Coaches: their coachees overdue for coaching and the action points
	// due.
	Coach      bool
	Overdue    []coaching.Coachee
	ActionsDue int
}

// homeSession is a line of the organisers' upcoming sessions.
type homeSession struct {
	eventView
	Taken    int
	Percent  int
	Waiting  registration.Waiting
	RegsHref string
}

// homeItem is one thing that needs attention, with where to deal with it.
type homeItem struct {
	Text string
	Href string
}

const (
	homeNextSessions     = 3  // a trainer's next sessions after today's
	homeUpcomingSessions = 8  // the organisers' table
	homeUpcomingScan     = 50 // upcoming sessions read for waiting lists and guardians
	homeWaitingItems     = 5  // sessions named for each of those
)

// staffHome is GET /{lang}/staff/: what the signed-in person has to do
// now, by role, then links to every page they may open.
func (s *Server) staffHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "page.staff.title")
	u := p.User
	now := s.now()
	pg := staffHomePage{Page: p, days: days{p.Translator}}
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)

	if u.Has(user.RoleTrainer) {
		pg.Trainer = true
		y, m, d := now.In(loc).Date()
		evs, err := event.Sessions(ctx, s.db, event.StaffFilter{TrainerID: u.ID, PublishedOnly: true,
			From: time.Date(y, m, d, 0, 0, 0, 0, loc).UTC(), Limit: 20})
		if err != nil {
			return err
		}
		for i := range evs {
			e := &evs[i]
			if e.Status == event.StatusCancelled {
				continue
			}
			if sameDay(e.StartsAt, now, loc) {
				pg.Today = append(pg.Today, viewEvent(p.Translator, e, now))
			} else if len(pg.Next) < homeNextSessions {
				pg.Next = append(pg.Next, viewEvent(p.Translator, e, now))
			}
		}
		mine, err := sessionreport.ForTrainer(ctx, s.db, u.ID, now)
		if err != nil {
			return err
		}
		pg.ReportsToWrite = len(mine)
	}

	if u.Has(user.RoleOrganiser, user.RoleAdmin) {
		pg.Organiser = true
		if err := s.homeOrganiser(c, &pg, now); err != nil {
			return err
		}
	}

	if u.Has(user.RoleCoach) {
		pg.Coach = true
		today := coaching.Today(now, loc)
		coachees, err := coaching.Coachees(ctx, s.db, u.ID, "", s.overdueWeeks(), today)
		if err != nil {
			return err
		}
		for _, ce := range coachees {
			if ce.Overdue {
				pg.Overdue = append(pg.Overdue, ce)
			}
		}
		due, err := coaching.DueThisWeek(ctx, s.db, u.ID, "", today)
		if err != nil {
			return err
		}
		pg.ActionsDue = len(due)
	}
	return s.render(c, fiber.StatusOK, "staff/home", pg)
}

// homeOrganiser fills the organisers' part: the next sessions with their
// fill, waiting lists and children awaiting a guardian, and what needs
// attention (reports missing, SMS failed, waiting lists, guardians, and
// for admins the accounts awaiting set-up).
func (s *Server) homeOrganiser(c *fiber.Ctx, pg *staffHomePage, now time.Time) error {
	ctx := c.UserContext()
	t := pg.Translator
	evs, err := event.Sessions(ctx, s.db, event.StaffFilter{From: now, Limit: homeUpcomingScan, Scope: staffScope(c)})
	if err != nil {
		return err
	}
	ids := make([]uint, 0, len(evs))
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	waiting, err := registration.WaitingFor(ctx, s.db, ids)
	if err != nil {
		return err
	}
	var waitItems, pendingItems []homeItem
	for i := range evs {
		e := &evs[i]
		if e.Status == event.StatusCancelled {
			continue
		}
		v := viewEvent(t, e, now)
		w := waiting[e.ID]
		regs := pg.URL("/staff/events/" + itoa(int(e.ID)) + "/registrations")
		if len(pg.Upcoming) < homeUpcomingSessions {
			hs := homeSession{eventView: v, Taken: e.SeatsTaken, Waiting: w, RegsHref: regs}
			if e.Capacity > 0 {
				hs.Percent = min(100, e.SeatsTaken*100/e.Capacity)
			}
			pg.Upcoming = append(pg.Upcoming, hs)
		}
		if w.Waitlisted > 0 && len(waitItems) < homeWaitingItems {
			waitItems = append(waitItems, homeItem{t.TN("staffhome.waitlisted", w.Waitlisted, "Title", v.Title, "Date", v.DateShort), regs + "?status=waitlisted"})
		}
		if w.Pending > 0 && len(pendingItems) < homeWaitingItems {
			pendingItems = append(pendingItems, homeItem{t.TN("staffhome.pending", w.Pending, "Title", v.Title, "Date", v.DateShort), regs + "?status=pending"})
		}
	}
	missing, err := sessionreport.Missing(ctx, s.db, now, staffScope(c))
	if err != nil {
		return err
	}
	if n := len(missing); n > 0 {
		pg.Attention = append(pg.Attention, homeItem{t.TN("staffhome.reports_missing", n), pg.URL("/staff/reports/missing")})
	}
	failed, err := message.CountByStatus(ctx, s.db, message.StatusFailed, staffScope(c))
	if err != nil {
		return err
	}
	if failed > 0 {
		pg.Attention = append(pg.Attention, homeItem{t.TN("staffhome.sms_failed", int(failed)), pg.URL("/staff/messages?status=" + message.StatusFailed)})
	}
	pg.Attention = append(pg.Attention, waitItems...)
	pg.Attention = append(pg.Attention, pendingItems...)
	if pg.User.Has(user.RoleAdmin) {
		n, err := user.AwaitingSetUp(ctx, s.db)
		if err != nil {
			return err
		}
		if n > 0 {
			pg.Attention = append(pg.Attention, homeItem{t.TN("staffhome.accounts_setup", int(n)), pg.URL("/staff/admin/accounts")})
		}
	}
	return nil
}

// sameDay tells whether a and b fall on the same calendar day in loc.
func sameDay(a, b time.Time, loc *time.Location) bool {
	y1, m1, d1 := a.In(loc).Date()
	y2, m2, d2 := b.In(loc).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}
