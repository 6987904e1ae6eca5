package web

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

// reportForm is the session report form as typed (kept as text so that a
// form sent back with errors loses nothing).
type reportForm struct {
	Covered   string            `form:"covered" validate:"required,max=5000" label:"report.covered"`
	HowItWent string            `form:"how_it_went" validate:"max=5000" label:"report.how_it_went"`
	Questions string            `form:"questions" validate:"max=5000" label:"report.questions"`
	Topics    []string          `form:"-"`
	FollowUps []followUpRow     `form:"-"`
	Referrals map[string]string `form:"-"` // service -> count as typed
}

// HasTopic tells the template whether a topic is ticked.
func (f reportForm) HasTopic(t string) bool { return slices.Contains(f.Topics, t) }

// Referral returns the count typed for a service.
func (f reportForm) Referral(s string) string { return f.Referrals[s] }

type followUpRow struct {
	Index  int
	Action string
	Owner  string
	DueOn  string
	Err    string
}

type reportPage struct {
	Page
	days
	TZ       string
	Event    eventView
	EventID  uint
	Access   sessionreport.Access
	Report   *sessionreport.Report
	Author   string
	Form     reportForm
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
		pg.Form = formFromReport(r)
	} else {
		pg.Form = reportForm{Referrals: map[string]string{}}
	}
	pg.Form.FollowUps = padFollowUps(pg.Form.FollowUps)
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

func formFromReport(r *sessionreport.Report) reportForm {
	f := reportForm{Covered: r.Covered, HowItWent: r.HowItWent, Questions: r.Questions, Topics: r.TopicList(), Referrals: map[string]string{}}
	for i, fu := range r.FollowUps {
		f.FollowUps = append(f.FollowUps, followUpRow{Index: i, Action: fu.Action, Owner: fu.Owner, DueOn: fu.DueOn})
	}
	for _, ref := range r.Referrals {
		f.Referrals[ref.Service] = strconv.Itoa(ref.Count)
	}
	return f
}

// padFollowUps leaves two empty rows to fill in, up to the maximum.
func padFollowUps(rows []followUpRow) []followUpRow {
	for n := len(rows) + 2; len(rows) < n && len(rows) < sessionreport.MaxFollowUps; {
		rows = append(rows, followUpRow{Index: len(rows)})
	}
	return rows
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
	var f reportForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	for _, t := range c.Request().PostArgs().PeekMulti("topics") {
		f.Topics = append(f.Topics, string(t)) // string() copies: safe after the handler
	}
	f.Covered = textnorm.CleanText(f.Covered)
	errs := s.check(pg.Translator, &f)
	in := sessionreport.Input{
		EventID: pg.EventID, Lang: pg.Lang, Covered: f.Covered, HowItWent: f.HowItWent, Questions: f.Questions,
		Topics: f.Topics, Referrals: map[string]int{},
	}
	for i := 0; i < sessionreport.MaxFollowUps; i++ {
		k := strconv.Itoa(i)
		row := followUpRow{Index: i,
			Action: strings.TrimSpace(c.FormValue("fu_action_" + k)),
			Owner:  strings.TrimSpace(c.FormValue("fu_owner_" + k)),
			DueOn:  strings.TrimSpace(c.FormValue("fu_due_" + k)),
		}
		if row.Action == "" && row.Owner == "" && row.DueOn == "" {
			continue
		}
		switch {
		case row.Action == "":
			row.Err = pg.T("error.report.follow_up_action")
		case len([]rune(row.Action)) > 300 || len([]rune(row.Owner)) > 120:
			row.Err = pg.T("error.report.follow_up_long")
		case row.DueOn != "" && !validDate(row.DueOn):
			row.Err = pg.T("error.report.follow_up_date")
		}
		row.Index = len(f.FollowUps)
		f.FollowUps = append(f.FollowUps, strings2row(row))
		if row.Err != "" {
			errs.Add("follow_ups", row.Err)
		} else {
			in.FollowUps = append(in.FollowUps, sessionreport.FollowUp{Action: row.Action, Owner: row.Owner, DueOn: row.DueOn})
		}
	}
	f.Referrals = map[string]string{}
	for _, svc := range sessionreport.Services {
		raw := strings.TrimSpace(c.FormValue("ref_" + svc))
		f.Referrals[svc] = strings.Clone(raw)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 10000 {
			errs.Add("ref_"+svc, pg.T("error.report.referral_count"))
			continue
		}
		in.Referrals[svc] = n
	}
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
		pg.Form.FollowUps = padFollowUps(f.FollowUps)
		pg.Errors = errs
		pg.Editing = true
		return s.render(c, fiber.StatusUnprocessableEntity, "coaching/report", pg)
	}
	return c.Redirect(pg.URL("/staff/events/"+itoa(int(pg.EventID))+"/report?flash=report_saved"), fiber.StatusSeeOther)
}

// strings2row copies a row's strings out of Fiber's buffers.
func strings2row(r followUpRow) followUpRow {
	r.Action, r.Owner, r.DueOn = strings.Clone(r.Action), strings.Clone(r.Owner), strings.Clone(r.DueOn)
	return r
}

func validDate(s string) bool {
	_, ok := coaching.ParseDate(s)
	return ok
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
