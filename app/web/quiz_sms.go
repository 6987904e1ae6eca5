package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// After check-in, the post-quiz link goes by SMS to the people who attended
// (and only them), once each: the page shows how many messages and SMS
// segments it will cost before anything is sent.

type quizSMSPage struct {
	Page
	Event      eventView
	Closed     string
	Recipients int
	Segments   int
	Preview    string
	Unaccented bool
}

func (s *Server) postQuizBody(lang string, unaccented bool) func(quiz.SMSRecipient) string {
	return func(r quiz.SMSRecipient) string {
		l := r.Lang
		if l == "" {
			l = lang
		}
		body := s.bundle.For(l).T("quiz.sms.post", "URL", s.cfg.BaseURL+"/"+s.bundle.For(l).Lang+"/r/"+r.Code+"/quiz/post")
		if unaccented {
			body = textnorm.Unaccent(body)
		}
		return body
	}
}

func (s *Server) quizSMSData(c *fiber.Ctx, e *event.Event, unaccented bool) (quizSMSPage, []quiz.SMSRecipient, error) {
	ctx := c.UserContext()
	p := s.page(c, "quiz.sms.title")
	d := quizSMSPage{Page: p, Event: viewEvent(p.Translator, e, s.now()), Unaccented: unaccented}
	quizID, err := quiz.QuizFor(ctx, s.db, e.ID, quiz.PhasePost)
	if err != nil {
		return d, nil, err
	}
	if quizID == 0 {
		d.Closed = p.T("error.quiz.none")
		return d, nil, nil
	}
	if ok, key := quiz.Open(e, quiz.PhasePost, s.now()); !ok {
		d.Closed = p.T(key)
		return d, nil, nil
	}
	rs, err := quiz.PostQuizRecipients(ctx, s.db, e.ID)
	if err != nil {
		return d, nil, err
	}
	body := s.postQuizBody(p.Lang, unaccented)
	d.Recipients = len(rs)
	for _, r := range rs {
		_, n := message.Segments(body(r))
		d.Segments += n
	}
	d.Preview = body(quiz.SMSRecipient{Code: "ABC123", Lang: p.Lang})
	return d, rs, nil
}

// quizSMS (GET /staff/events/{id}/quiz-sms) previews the batch.
func (s *Server) quizSMS(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	d, _, err := s.quizSMSData(c, e, c.Query("accents") != "1")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "quiz/sms", d)
}

// quizSMSSend (POST) queues the messages.
func (s *Server) quizSMSSend(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	unaccented := c.FormValue("unaccented") != ""
	d, rs, err := s.quizSMSData(c, e, unaccented)
	if err != nil {
		return err
	}
	if d.Closed != "" {
		return apperr.New(apperr.Invalid, "error.quiz.sms_closed")
	}
	if _, err := quiz.QueuePostQuizSMS(c.UserContext(), s.db, e.ID, rs, s.postQuizBody(d.Lang, unaccented), s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(e.ID))+"/quiz-sms?flash=quiz_sms_queued", fiber.StatusSeeOther)
}
