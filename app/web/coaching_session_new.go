package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/user"
)

// coachingForm is the coaching session form as typed.
type coachingForm struct {
	HeldOn       string          `form:"held_on" validate:"required,datetime=2006-01-02" label:"coaching.held_on"`
	Mode         string          `form:"mode" validate:"required,oneof=on_site remote observation" label:"coaching.mode"`
	EventID      string          `form:"event_id" label:"coaching.event"`
	Topics       string          `form:"topics" validate:"max=2000" label:"coaching.topics"`
	Strengths    string          `form:"strengths" validate:"max=4000" label:"coaching.strengths"`
	Difficulties string          `form:"difficulties" validate:"max=4000" label:"coaching.difficulties"`
	NextOn       string          `form:"next_on" validate:"omitempty,datetime=2006-01-02" label:"coaching.next_on"`
	Ratings      map[uint]string `form:"-"`
	Actions      []actionRow     `form:"-"`
}

// Rating returns the level chosen for a competency ("" when none).
func (f coachingForm) Rating(id uint) string { return f.Ratings[id] }

type actionRow struct {
	Index int
	Text  string
	DueOn string
	Err   string
}

// MaxActionRows is how many action points one form takes.
const maxActionRows = 6

// competencyView is a competency with its rubric in the page's language.
type competencyView struct {
	ID          uint
	Name        string
	Description string
	Levels      []levelView
}

type levelView struct {
	Level       int
	Description string
}

// eventOption is one of the coachee's sessions, for an observation.
type eventOption struct {
	ID    uint
	Label string
}

type coachingNewPage struct {
	Page
	days
	Coachee      *user.User
	Session      *coaching.Session // when correcting a recorded session
	Form         coachingForm
	Errors       FieldErrors
	Competencies []competencyView
	Modes        []string
	Events       []eventOption
	Today        string
}

func (s *Server) coachingNewPage(c *fiber.Ctx, ce *user.User) (*coachingNewPage, error) {
	ctx := c.UserContext()
	p := s.page(c, "coaching.new_title")
	p.Title = p.T("coaching.new_title") + " · " + ce.Name
	pg := &coachingNewPage{Page: p, days: days{p.Translator}, Coachee: ce, Errors: FieldErrors{}, Modes: coaching.Modes, Today: s.today()}
	comps, err := coaching.Competencies(ctx, s.db, false)
	if err != nil {
		return nil, err
	}
	for _, cp := range comps {
		v := competencyView{ID: cp.ID, Name: cp.Name.String(p.Lang), Description: cp.Description.String(p.Lang)}
		for l := coaching.MinLevel; l <= coaching.MaxLevel; l++ {
			v.Levels = append(v.Levels, levelView{Level: l, Description: cp.Level(l).String(p.Lang)})
		}
		pg.Competencies = append(pg.Competencies, v)
	}
	// The coachee's sessions of the last 60 days and the next 7, for an
	// observation.
	now := s.now()
	evs, err := event.TrainerSessions(ctx, s.db, ce.ID, now.AddDate(0, 0, -60), now.AddDate(0, 0, 7), 40)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		e := &evs[i]
		pg.Events = append(pg.Events, eventOption{ID: e.ID, Label: p.DateShort(e.StartsAt.In(e.Location())) + " · " + e.Content(p.Lang).Title})
	}
	return pg, nil
}

func emptyCoachingForm(today string) coachingForm {
	f := coachingForm{HeldOn: today, Mode: coaching.ModeOnSite, Ratings: map[uint]string{}}
	for i := 0; i < 3; i++ {
		f.Actions = append(f.Actions, actionRow{Index: i})
	}
	return f
}

// coachingNew shows the form to record a coaching session with a coachee.
func (s *Server) coachingNew(c *fiber.Ctx) error {
	ce, acc, err := s.loadCoachee(c, "id")
	if err != nil {
		return err
	}
	if !acc.Change {
		return apperr.New(apperr.Forbidden, "error.coaching.forbidden")
	}
	pg, err := s.coachingNewPage(c, ce)
	if err != nil {
		return err
	}
	pg.Form = emptyCoachingForm(pg.Today)
	if id, err := strconv.Atoi(c.Query("event")); err == nil && id > 0 {
		pg.Form.Mode, pg.Form.EventID = coaching.ModeObservation, strconv.Itoa(id)
	}
	return s.render(c, fiber.StatusOK, "coaching/session_new", pg)
}

// coachingCreate records a coaching session: 303 to the coachee's page, or
// the form again with its errors (422).
func (s *Server) coachingCreate(c *fiber.Ctx) error {
	ce, acc, err := s.loadCoachee(c, "id")
	if err != nil {
		return err
	}
	if !acc.Change {
		return apperr.New(apperr.Forbidden, "error.coaching.forbidden")
	}
	pg, err := s.coachingNewPage(c, ce)
	if err != nil {
		return err
	}
	return s.saveCoachingForm(c, pg, func(in coaching.SessionInput) error {
		_, err := coaching.RecordSession(c.UserContext(), s.db, in, pg.User, s.now())
		return err
	})
}

// coachingEdit shows a recorded session in the form, to correct it.
func (s *Server) coachingEdit(c *fiber.Ctx) error {
	sess, pg, err := s.loadSessionForEdit(c)
	if err != nil {
		return err
	}
	f := coachingForm{HeldOn: sess.HeldOn, Mode: sess.Mode, Topics: sess.Topics, Strengths: sess.Strengths,
		Difficulties: sess.Difficulties, NextOn: sess.NextOn, Ratings: map[uint]string{}}
	if sess.EventID != nil {
		f.EventID = strconv.FormatUint(uint64(*sess.EventID), 10)
	}
	for _, r := range sess.Ratings {
		f.Ratings[r.CompetencyID] = strconv.Itoa(r.Level)
	}
	for i := 0; i < 2; i++ {
		f.Actions = append(f.Actions, actionRow{Index: i})
	}
	pg.Form = f
	return s.render(c, fiber.StatusOK, "coaching/session_new", pg)
}

// coachingUpdate saves the corrected session.
func (s *Server) coachingUpdate(c *fiber.Ctx) error {
	sess, pg, err := s.loadSessionForEdit(c)
	if err != nil {
		return err
	}
	return s.saveCoachingForm(c, pg, func(in coaching.SessionInput) error {
		return coaching.UpdateSession(c.UserContext(), s.db, sess.ID, in, pg.User, s.now())
	})
}

func (s *Server) loadSessionForEdit(c *fiber.Ctx) (*coaching.Session, *coachingNewPage, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	sess, err := coaching.GetSession(c.UserContext(), s.db, id)
	if err != nil {
		return nil, nil, err
	}
	if !coaching.AccessFor(currentUser(c), sess.Coachee).Change {
		return nil, nil, apperr.New(apperr.Forbidden, "error.coaching.forbidden")
	}
	pg, err := s.coachingNewPage(c, sess.Coachee)
	if err != nil {
		return nil, nil, err
	}
	pg.Session = sess
	pg.Title = pg.T("coaching.edit_title") + " · " + sess.Coachee.Name
	return sess, pg, nil
}

// saveCoachingForm reads and checks the coaching form, then saves it with
// save: 303 to the coachee's page, or the form again with its errors (422).
func (s *Server) saveCoachingForm(c *fiber.Ctx, pg *coachingNewPage, save func(coaching.SessionInput) error) error {
	ce := pg.Coachee
	var f coachingForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.HeldOn, f.NextOn, f.Mode, f.EventID = strings.Clone(strings.TrimSpace(f.HeldOn)), strings.Clone(strings.TrimSpace(f.NextOn)), strings.Clone(f.Mode), strings.Clone(f.EventID)
	f.Topics, f.Strengths, f.Difficulties = strings.Clone(f.Topics), strings.Clone(f.Strengths), strings.Clone(f.Difficulties)
	errs := s.check(pg.Translator, &f)
	in := coaching.SessionInput{CoacheeID: ce.ID, HeldOn: f.HeldOn, Mode: f.Mode, Topics: f.Topics,
		Strengths: f.Strengths, Difficulties: f.Difficulties, NextOn: f.NextOn, Ratings: map[uint]int{}}
	if f.Mode == coaching.ModeObservation {
		if id, err := strconv.Atoi(f.EventID); err == nil && id > 0 {
			eid := uint(id)
			in.EventID = &eid
		}
	}
	f.Ratings = map[uint]string{}
	for _, cp := range pg.Competencies {
		raw := strings.Clone(c.FormValue("rating_" + strconv.FormatUint(uint64(cp.ID), 10)))
		if raw == "" {
			continue
		}
		f.Ratings[cp.ID] = raw
		n, _ := strconv.Atoi(raw) // not a number: 0, which the rules refuse
		in.Ratings[cp.ID] = n
	}
	for i := 0; i < maxActionRows; i++ {
		k := strconv.Itoa(i)
		row := actionRow{Text: strings.Clone(strings.TrimSpace(c.FormValue("ap_text_" + k))), DueOn: strings.Clone(strings.TrimSpace(c.FormValue("ap_due_" + k)))}
		if row.Text == "" && row.DueOn == "" {
			continue
		}
		row.Index = len(f.Actions)
		f.Actions = append(f.Actions, row)
		in.ActionPoints = append(in.ActionPoints, coaching.ActionPoint{Text: row.Text, DueOn: row.DueOn})
	}
	// The session's rules are the domain's (coaching.SessionInput.Check):
	// asked here too, so that the form shows them with the format errors,
	// all at once.
	errs.AddAll(pg.Translator, in.Check(s.now()))
	for i := range f.Actions {
		if msg := errs["action_"+strconv.Itoa(i)]; msg != "" {
			f.Actions[i].Err = msg
			errs.Add("actions", msg)
		}
	}
	if !errs.Any() {
		err := save(in)
		if apperr.Is(err, apperr.Invalid) {
			errs.AddErr(pg.Translator, err, "_form")
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		for len(f.Actions) < 3 {
			f.Actions = append(f.Actions, actionRow{Index: len(f.Actions)})
		}
		pg.Form, pg.Errors = f, errs
		return s.render(c, fiber.StatusUnprocessableEntity, "coaching/session_new", pg)
	}
	return c.Redirect(pg.URL("/staff/coaching/coachees/"+itoa(int(ce.ID))+"?flash=coaching_saved"), fiber.StatusSeeOther)
}
