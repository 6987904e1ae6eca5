package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/user"
)

// quizEventAccess loads an event for a quiz page: organisers and admins see
// every event, a trainer only the events they are assigned to.
func (s *Server) quizEventAccess(c *fiber.Ctx) (*event.Event, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	if u == nil && apiCallerOf(c) != nil {
		// A token with indicators:read (apiAccess checked it) reads the
		// figures of any session, like an organiser.
		return event.Get(c.UserContext(), s.db, id)
	}
	if u == nil {
		return nil, apperr.New(apperr.Forbidden, "error.login_required")
	}
	if !u.Has(user.RoleOrganiser, user.RoleAdmin) {
		ok, err := quiz.TrainerOf(c.UserContext(), s.db, id, u.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.New(apperr.Forbidden, "error.forbidden")
		}
	}
	return event.Get(c.UserContext(), s.db, id)
}

type quizEventPage struct {
	Page
	Event    eventView
	PreID    uint
	PostID   uint
	Quizzes  []quiz.Quiz
	Errors   FieldErrors
	AnonPre  string
	AnonPost string
}

// quizEventForm (GET /staff/events/{id}/quizzes) sets the event's pre and
// post quizzes.
func (s *Server) quizEventForm(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	pre, post, err := quiz.EventQuizzes(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	return s.renderQuizEvent(c, fiber.StatusOK, e, pre, post, FieldErrors{})
}

func (s *Server) renderQuizEvent(c *fiber.Ctx, status int, e *event.Event, pre, post uint, errs FieldErrors) error {
	qz, err := quiz.Quizzes(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	p := s.page(c, "quiz.event.title")
	id := itoa(int(e.ID))
	return s.render(c, status, "quiz/event", quizEventPage{Page: p, Event: viewEvent(p.Translator, e, s.now()),
		PreID: pre, PostID: post, Quizzes: qz, Errors: errs,
		AnonPre: p.AbsURL("/events/" + id + "/quiz/pre"), AnonPost: p.AbsURL("/events/" + id + "/quiz/post")})
}

type quizEventSubmit struct {
	Pre  uint `form:"pre_quiz_id"`
	Post uint `form:"post_quiz_id"`
}

// quizEventSave (POST /staff/events/{id}/quizzes).
func (s *Server) quizEventSave(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	var f quizEventSubmit
	if err := bindForm(c, &f); err != nil {
		return err
	}
	err = quiz.AssignToEvent(c.UserContext(), s.db, e.ID, f.Pre, f.Post, currentUser(c).ID)
	if apperr.Is(err, apperr.Invalid) {
		errs := FieldErrors{}
		errs.AddErr(translator(c), err, "pre_quiz_id")
		return s.renderQuizEvent(c, fiber.StatusUnprocessableEntity, e, f.Pre, f.Post, errs)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(e.ID))+"/quizzes?flash=quiz_assigned", fiber.StatusSeeOther)
}

type quizSessionsPage struct {
	Page
	Events []eventView
}

// quizSessions (GET /staff/quiz-sessions) lists the sessions whose quizzes
// the staff member may enter and read: a trainer's own, every one for
// organisers (most recent first).
func (s *Server) quizSessions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	var onlyTrainer uint
	if !u.Has(user.RoleOrganiser, user.RoleAdmin) {
		onlyTrainer = u.ID
	}
	evs, err := event.Held(ctx, s.db, onlyTrainer, u.Scope(), 100)
	if err != nil {
		return err
	}
	p := s.page(c, "quiz.sessions.title")
	out := make([]eventView, len(evs))
	for i := range evs {
		out[i] = viewEvent(p.Translator, &evs[i], s.now())
	}
	return s.render(c, fiber.StatusOK, "quiz/sessions", quizSessionsPage{Page: p, Events: out})
}
