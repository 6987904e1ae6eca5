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
	Form         coaching.SessionForm
	Errors       FieldErrors
	Competencies []coaching.CompetencyView
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
	pg.Competencies = coaching.ViewCompetencies(comps, p.Lang)
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
	pg.Form = coaching.NewSessionForm(pg.Today)
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
	pg.Form = coaching.SessionFormOf(sess)
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
	var f coaching.SessionForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.HeldOn, f.NextOn, f.Mode, f.EventID = strings.Clone(strings.TrimSpace(f.HeldOn)), strings.Clone(strings.TrimSpace(f.NextOn)), strings.Clone(f.Mode), strings.Clone(f.EventID)
	f.Topics, f.Strengths, f.Difficulties = strings.Clone(f.Topics), strings.Clone(f.Strengths), strings.Clone(f.Difficulties)
	errs := s.check(pg.Translator, &f)
	comps := make([]uint, len(pg.Competencies))
	for i, cp := range pg.Competencies {
		comps[i] = cp.ID
	}
	in := f.Input(ce.ID, comps, func(k string) string { return strings.Clone(c.FormValue(k)) })
	// The session's rules are the domain's (coaching.SessionInput.Check):
	// asked here too, so that the form shows them with the format errors,
	// all at once.
	errs.AddAll(pg.Translator, in.Check(s.now()))
	for _, msg := range f.MarkActions(errs) {
		errs.Add("actions", msg)
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
		f.PadActions(3)
		pg.Form, pg.Errors = f, errs
		return s.render(c, fiber.StatusUnprocessableEntity, "coaching/session_new", pg)
	}
	return c.Redirect(pg.URL("/staff/coaching/coachees/"+itoa(int(ce.ID))+"?flash=coaching_saved"), fiber.StatusSeeOther)
}
