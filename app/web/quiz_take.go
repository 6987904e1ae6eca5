package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Participants take the quizzes on their phone, one question per page: each
// answer is saved when the page is sent, so a dropped connection loses only
// the question on screen. No JavaScript, no account: a registered person
// starts from their ticket, anyone else with a self-made anonymous code.

// quizTicketMissLimit: looking up codes that do not exist is limited per
// address, so that confirmation codes cannot be guessed through the quiz.
var quizTicketMissLimit = dbstate.Limit{Max: 30, Window: 10 * time.Minute}

func (s *Server) quizTicket(c *fiber.Ctx) (*registration.Registration, error) {
	var reg *registration.Registration
	err := s.missLimited(c, "quiz-ticket-miss:"+s.clientIP(c), quizTicketMissLimit, func() (err error) {
		reg, err = quiz.RegistrationByCode(c.UserContext(), s.db, utils.CopyString(c.Params("code")))
		return err
	})
	return reg, err
}

// anonymousStartLimit: a whole class may share one address at the venue.
var anonymousStartLimit = dbstate.Limit{Max: 200, Window: 10 * time.Minute}

type quizIntroPage struct {
	Page
	Phase      string
	EventTitle string
	FellBack   bool
	Questions  int
	Attempt    *quiz.Attempt
	Closed     string // why the quiz cannot be taken now ("" when open)
	OpensAt    string
	Action     string
}

func phaseParam(c *fiber.Ctx) (quiz.Phase, error) {
	p, ok := quiz.ParsePhase(c.Params("phase"))
	if !ok {
		return "", fiber.ErrNotFound
	}
	return p, nil
}

// quizIntro (GET /{lang}/r/{code}/quiz/{phase}) tells a registered person
// about the quiz and offers to start or continue it.
func (s *Server) quizIntro(c *fiber.Ctx) error {
	ctx := c.UserContext()
	phase, err := phaseParam(c)
	if err != nil {
		return err
	}
	reg, err := s.quizTicket(c)
	if err != nil {
		return err
	}
	e, err := event.GetPublic(ctx, s.db, reg.EventID)
	if err != nil {
		return err
	}
	p := s.page(c, "quiz.title."+string(phase))
	p.NoIndex = true
	data := quizIntroPage{Page: p, Phase: string(phase), Action: p.URL("/r/" + reg.Code + "/quiz/" + string(phase))}
	if err := s.fillIntro(c, &data, e, phase, quiz.RegistrationKey(reg.ID)); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "quiz/intro", data)
}

func (s *Server) fillIntro(c *fiber.Ctx, data *quizIntroPage, e *event.Event, phase quiz.Phase, personKey string) error {
	ctx := c.UserContext()
	t := data.Translator
	ct := e.Content(t.Lang)
	data.EventTitle, data.FellBack = ct.Title, ct.Lang != "" && ct.Lang != t.Lang
	quizID, err := quiz.QuizFor(ctx, s.db, e.ID, phase)
	if err != nil {
		return err
	}
	if quizID == 0 {
		data.Closed = t.T("error.quiz.none")
		return nil
	}
	if data.Questions, err = quiz.QuestionCount(ctx, s.db, quizID); err != nil {
		return err
	}
	if personKey != "" {
		if data.Attempt, err = quiz.FindAttempt(ctx, s.db, e.ID, phase, personKey); err != nil {
			return err
		}
	}
	if ok, key := quiz.Open(e, phase, s.now()); !ok {
		data.Closed = t.T(key)
		if key == "error.quiz.post_not_yet" {
			from, _ := quiz.Window(e, phase)
			from = from.In(e.Location())
			data.OpensAt = t.DateFull(from) + " · " + t.Time(from)
		}
	}
	return nil
}

// quizBegin (POST /{lang}/r/{code}/quiz/{phase}) starts or resumes the
// attempt and goes to its first unanswered question.
func (s *Server) quizBegin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	phase, err := phaseParam(c)
	if err != nil {
		return err
	}
	reg, err := s.quizTicket(c)
	if err != nil {
		return err
	}
	e, err := event.GetPublic(ctx, s.db, reg.EventID)
	if err != nil {
		return err
	}
	a, err := quiz.Start(ctx, s.db, e, quiz.StartInput{Phase: phase, RegistrationID: reg.ID, Lang: langOf(c)}, s.now())
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/quiz/"+a.Token, fiber.StatusSeeOther)
}

type anonForm = quiz.AnonForm

type quizAnonPage struct {
	quizIntroPage
	Form     anonForm
	Errors   FieldErrors
	Sexes    []string
	AgeBands []string
}

// quizAnon (GET /{lang}/events/{id}/quiz/{phase}) is the quiz of a person
// without a registration: they make a code that pairs their pre and post
// quizzes without a name or a phone number.
func (s *Server) quizAnon(c *fiber.Ctx) error {
	return s.renderAnon(c, anonForm{}, FieldErrors{}, fiber.StatusOK)
}

func (s *Server) renderAnon(c *fiber.Ctx, f anonForm, errs FieldErrors, status int) error {
	ctx := c.UserContext()
	phase, err := phaseParam(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := event.GetPublic(ctx, s.db, id)
	if err != nil {
		return err
	}
	p := s.page(c, "quiz.title."+string(phase))
	p.NoIndex = true
	data := quizAnonPage{
		quizIntroPage: quizIntroPage{Page: p, Phase: string(phase), Action: p.URL("/events/" + itoa(int(e.ID)) + "/quiz/" + string(phase))},
		Form:          f, Errors: errs, Sexes: registration.Sexes, AgeBands: registration.AgeBands,
	}
	if err := s.fillIntro(c, &data.quizIntroPage, e, phase, ""); err != nil {
		return err
	}
	return s.render(c, status, "quiz/anon", data)
}

// quizAnonBegin (POST /{lang}/events/{id}/quiz/{phase}) builds the code and
// starts or resumes the attempt.
func (s *Server) quizAnonBegin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := translator(c)
	phase, err := phaseParam(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var f anonForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	errs := s.check(t, &f)
	code := ""
	if !errs.Any() {
		var cerr error
		code, cerr = f.AnonCode()
		errs.AddAll(t, cerr)
	}
	if errs.Any() {
		return s.renderAnon(c, f, errs, fiber.StatusUnprocessableEntity)
	}
	if err := s.rateLimit(ctx, c, "quiz-anon:"+s.clientIP(c), anonymousStartLimit); err != nil {
		return err
	}
	e, err := event.GetPublic(ctx, s.db, id)
	if err != nil {
		return err
	}
	a, err := quiz.Start(ctx, s.db, e, quiz.StartInput{Phase: phase, AnonCode: code, Sex: f.Sex, AgeBand: f.AgeBand, Lang: langOf(c)}, s.now())
	if apperr.Is(err, apperr.Conflict) {
		errs.Add("code", t.T("error.quiz.code_used", "Code", code))
		return s.renderAnon(c, f, errs, fiber.StatusConflict)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/quiz/"+a.Token, fiber.StatusSeeOther)
}

type quizTakePage struct {
	Page
	Token      string
	Phase      string
	EventTitle string
	AnonCode   string
	Total      int
	Answered   int
	Error      string
	Attempt    *quiz.Attempt
	quiz.TakeView
}

// quizTake (GET /{lang}/quiz/{token}) shows the first unanswered question
// (or ?n= an earlier one, to change it), or the end of the quiz.
func (s *Server) quizTake(c *fiber.Ctx) error {
	take, data, err := s.loadTake(c)
	if err != nil {
		return err
	}
	pos := take.Next()
	if n := c.QueryInt("n"); n > 0 && !take.Attempt.Submitted() {
		if _, ok := take.Item(n); ok && (pos == 0 || n <= pos) {
			pos = n
		}
	}
	s.fillTake(data, take, pos)
	return s.render(c, fiber.StatusOK, "quiz/take", data)
}

func (s *Server) loadTake(c *fiber.Ctx) (*quiz.Take, *quizTakePage, error) {
	ctx := c.UserContext()
	take, err := quiz.Load(ctx, s.db, utils.CopyString(c.Params("token")))
	if err != nil {
		return nil, nil, err
	}
	e, err := event.Get(ctx, s.db, take.Attempt.EventID)
	if err != nil {
		return nil, nil, err
	}
	p := s.page(c, "quiz.title."+string(take.Attempt.Phase))
	p.NoIndex = true
	data := &quizTakePage{Page: p, Token: take.Attempt.Token, Phase: string(take.Attempt.Phase),
		EventTitle: e.Content(p.Lang).Title, Total: len(take.Items), Answered: len(take.Answers), Attempt: take.Attempt}
	if take.Attempt.AnonCode != nil {
		data.AnonCode = *take.Attempt.AnonCode
	}
	return take, data, nil
}

func (s *Server) fillTake(data *quizTakePage, take *quiz.Take, pos int) {
	data.TakeView = take.View(data.Translator, data.Lang, pos)
}

// quizAnswer (POST /{lang}/quiz/{token}) saves one answer and goes on.
func (s *Server) quizAnswer(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := utils.CopyString(c.Params("token"))
	pos, _ := strconv.Atoi(c.FormValue("n"))
	// Radio buttons send one "c", checkboxes several.
	var letters []string
	for _, v := range c.Request().PostArgs().PeekMulti("c") {
		letters = append(letters, string(v))
	}
	take, err := quiz.SaveAnswer(ctx, s.db, token, pos, strings.Join(letters, ""), s.now())
	if apperr.Is(err, apperr.Invalid) {
		take, data, lerr := s.loadTake(c)
		if lerr != nil {
			return lerr
		}
		if _, ok := take.Item(pos); !ok {
			pos = take.Next()
		}
		s.fillTake(data, take, pos)
		data.Error = data.T(apperr.KeyOf(err))
		return s.render(c, fiber.StatusUnprocessableEntity, "quiz/take", data)
	}
	if err != nil {
		return err
	}
	dest := "/" + langOf(c) + "/quiz/" + take.Attempt.Token
	if take.Attempt.Submitted() {
		dest += "?flash=quiz_done"
	}
	return c.Redirect(dest, fiber.StatusSeeOther)
}
