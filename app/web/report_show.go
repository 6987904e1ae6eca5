package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/user"
)

type reportPage struct {
	Page
	days
	TZ       string
	Event    eventView
	EventID  uint
	Access   sessionreport.Access
	Report   *sessionreport.Report
	Author   string
	Form     sessionreport.Form
	Errors   FieldErrors
	Figures  *sessionreport.Figures
	Ratings  *rating.EventRatings
	Flags    []sessionreport.Flag
	Topics   []string
	Services []string
	Started  bool
	Editing  bool
	// Observe lists the session's trainers whose coaching records the
	// viewer may change: a link records an observation of this session.
	Observe []user.User
}

// loadReportPage gathers what the report page shows, after the access check.
func (s *Server) loadReportPage(c *fiber.Ctx) (*reportPage, error) {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	e, err := event.Get(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	acc, err := sessionreport.AccessFor(ctx, s.db, currentUser(c), e.ID)
	if err != nil {
		return nil, err
	}
	if !acc.Read {
		return nil, apperr.New(apperr.Forbidden, "error.report.forbidden")
	}
	r, err := sessionreport.ForEvent(ctx, s.db, e.ID)
	if err != nil {
		return nil, err
	}
	figs, err := sessionreport.EventFigures(ctx, s.db, []uint{e.ID})
	if err != nil {
		return nil, err
	}
	ratings, err := rating.ForEvent(ctx, s.db, e.ID)
	if err != nil {
		return nil, err
	}
	p := s.page(c, "report.title")
	v := viewEvent(p.Translator, e, s.now())
	pg := &reportPage{
		Page: p, Event: v, EventID: e.ID, Access: acc, Report: r, Figures: figs[e.ID], Ratings: ratings,
		Topics: sessionreport.Topics, Services: sessionreport.Services, Errors: FieldErrors{},
		Started: !s.now().Before(e.StartsAt), TZ: e.TimeZone, days: days{p.Translator},
	}
	pg.Title = p.T("report.title") + " · " + v.Title
	if r != nil {
		pg.Flags = r.Flags(e.PhoneRegion)
		names, err := user.Names(ctx, s.db, []uint{r.AuthorID})
		if err != nil {
			return nil, err
		}
		pg.Author = names[r.AuthorID]
		pg.Form = sessionreport.FormOf(r)
	} else {
		pg.Form = sessionreport.Form{Referrals: map[string]string{}}
	}
	pg.Form.FollowUps = sessionreport.PadFollowUps(pg.Form.FollowUps)
	if p.User.Has(user.RoleCoach, user.RoleOrganiser, user.RoleAdmin) {
		trainers, err := event.TrainerUsers(ctx, s.db, e.ID)
		if err != nil {
			return nil, err
		}
		for i := range trainers {
			if coaching.AccessFor(p.User, &trainers[i]).Change {
				pg.Observe = append(pg.Observe, trainers[i])
			}
		}
	}
	return pg, nil
}

// reportShow shows a session's report beside its figures, with the form
// for those who may write it (?edit=1 reopens a written report).
func (s *Server) reportShow(c *fiber.Ctx) error {
	pg, err := s.loadReportPage(c)
	if err != nil {
		return err
	}
	pg.Editing = pg.Access.Write && pg.Started && (pg.Report == nil || c.Query("edit") == "1")
	return s.render(c, fiber.StatusOK, "coaching/report", pg)
}

// reportSave writes the report: 303 to the report page, or the form again
// with its errors (422).
func (s *Server) reportSave(c *fiber.Ctx) error {
	pg, err := s.loadReportPage(c)
	if err != nil {
		return err
	}
	if !pg.Access.Write {
		return apperr.New(apperr.Forbidden, "error.report.forbidden")
	}
	var f sessionreport.Form
	if err := bindForm(c, &f); err != nil {
		return err
	}
	for _, t := range c.Request().PostArgs().PeekMulti("topics") {
		f.Topics = append(f.Topics, string(t)) // string() copies: safe after the handler
	}
	in, ferr := f.Read(pg.Translator, pg.EventID, pg.Lang, func(k string) string { return strings.Clone(c.FormValue(k)) })
	errs := s.check(pg.Translator, &f) // after Read, which cleans the text
	errs.AddAll(pg.Translator, ferr)
	if !errs.Any() {
		_, err = sessionreport.Save(c.UserContext(), s.db, in, pg.User.ID, s.now())
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind == apperr.Invalid {
			errs.Add("_form", pg.T(ae.Key))
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		pg.Form = f
		pg.Form.FollowUps = sessionreport.PadFollowUps(f.FollowUps)
		pg.Errors = errs
		pg.Editing = true
		return s.render(c, fiber.StatusUnprocessableEntity, "coaching/report", pg)
	}
	return c.Redirect(pg.URL("/staff/events/"+itoa(int(pg.EventID))+"/report?flash=report_saved"), fiber.StatusSeeOther)
}

// days formats stored YYYY-MM-DD dates for templates: {{.Day .DueOn}}.
type days struct{ tr *locale.Translator }

// Day formats a calendar date in the page's language ("" stays "").
func (d days) Day(day string) string {
	t, ok := coaching.ParseDate(day)
	if !ok {
		return day
	}
	return d.tr.DateShort(t)
}
