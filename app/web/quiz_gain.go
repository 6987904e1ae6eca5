package web

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/registration"
)

// The knowledge-gain report: a page with small SVG charts drawn on the server
// (quiz.ViewGain), and the same figures as JSON.

type gainPage struct {
	Page
	quiz.GainView
	Event *eventView
	// programme filters
	Filter   quiz.FilterForm
	Cities   []event.City
	Kinds    []event.Kind
	Sexes    []string
	AgeBands []string
	Roles    []string
}

func (s *Server) buildGainPage(p Page, g *quiz.Gain) gainPage {
	p.Wide = true // the questions' table has ten columns
	return gainPage{Page: p, GainView: quiz.ViewGain(p.Translator, g)}
}

// gainEvent (GET /staff/events/{id}/knowledge-gain).
func (s *Server) gainEvent(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	g, err := quiz.EventGain(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "gain.title")
	d := s.buildGainPage(p, g)
	v := viewEvent(p.Translator, e, s.now())
	d.Event = &v
	return s.render(c, fiber.StatusOK, "quiz/gain", d)
}

// gainProgramme (GET /staff/knowledge-gain): across the programme, with
// filters by date, city, kind of session, sex, age band and role.
func (s *Server) gainProgramme(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var ff quiz.FilterForm
	if err := c.QueryParser(&ff); err != nil {
		return fiber.ErrBadRequest
	}
	// A scoped staff member's dates are read in their country's zone.
	home, err := s.staffCountry(c)
	if err != nil {
		return err
	}
	tz := ""
	if home != nil {
		tz = home.TimeZone
	}
	f := ff.Filter(staffScope(c), tz)
	g, err := quiz.Report(ctx, s.db, f)
	if err != nil {
		return err
	}
	p := s.page(c, "gain.programme_title")
	d := s.buildGainPage(p, g)
	d.Filter, d.Kinds, d.Sexes, d.AgeBands, d.Roles = ff, event.Kinds, registration.Sexes, registration.AgeBands, registration.Roles
	if d.Cities, err = event.Cities(ctx, s.db); err != nil {
		return err
	}
	// One line per event (the 200 latest), titles in one query.
	lines := g.Events
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.EventID
	}
	if len(ids) > 0 {
		evs, err := event.WithTitles(ctx, s.db, ids)
		if err != nil {
			return err
		}
		d.Events = quiz.EventLines(p.Translator, evs, lines)
	}
	return s.render(c, fiber.StatusOK, "quiz/gain", d)
}

// apiKnowledgeGain (GET /api/v1/events/{id}/knowledge-gain): the event's
// figures as JSON, for a signed-in organiser or a trainer of the event.
func (s *Server) apiKnowledgeGain(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	// The figures change only when a quiz is taken or edited: kept per quiz
	// version (database.QuizVersion), so trainers opening them after a
	// session cost one small read, not the report's aggregates.
	load := func() ([]byte, error) {
		g, err := quiz.EventGain(c.UserContext(), s.db, e.ID)
		if err != nil {
			return nil, err
		}
		g.Round()
		return json.Marshal(struct {
			EventID uint `json:"event_id"`
			*quiz.Gain
		}{e.ID, g})
	}
	var body []byte
	if s.gains != nil {
		body, err = s.gains.Get(e.ID, load)
	} else {
		body, err = load()
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}
