package web

import (
	"maps"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// The question bank and the quizzes (organisers and admins).

type quizListPage struct {
	Page
	Quizzes   []quiz.Quiz
	Questions []quiz.Question
}

// quizList (GET /staff/quizzes) lists the quizzes and the question bank.
func (s *Server) quizList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	qz, err := quiz.Quizzes(ctx, s.db)
	if err != nil {
		return err
	}
	qs, err := quiz.Questions(ctx, s.db)
	if err != nil {
		return err
	}
	p := s.page(c, "quiz.bank.title")
	return s.render(c, fiber.StatusOK, "quiz/list", quizListPage{Page: p, Quizzes: qz, Questions: qs})
}

// questionForm is a question of the bank in every interface language
// (issue 20): text_<lang>, expl_<lang>, choice_<i>_<lang>.
type questionForm struct {
	Kind   string `form:"kind" validate:"required,oneof=single multiple true_false" label:"question.kind"`
	Topic  string `form:"topic" validate:"required,max=48" label:"question.topic"`
	Lang   string `form:"lang" validate:"required,lang" label:"question.lang"`
	Active bool   `form:"active"`
	// Texts and Expls are the question and its explanation by language.
	Texts map[string]string `form:"-"`
	Expls map[string]string `form:"-"`
}

type quizChoiceRow struct {
	Letter  string
	Texts   map[string]string // by language
	Correct bool
}

// readLangs reads the fields prefix+lang of a form for every interface
// language, copied (Fiber reuses the request's memory).
func readLangs(c *fiber.Ctx, prefix string) map[string]string {
	out := map[string]string{}
	for _, l := range locale.Supported {
		out[l] = utils.CopyString(c.FormValue(prefix + l))
	}
	return out
}

type questionEditPage struct {
	Page
	ID      uint
	Form    questionForm
	Choices []quizChoiceRow
	Errors  FieldErrors
	Kinds   []quiz.Kind
	Topics  []string
}

func questionToForm(q *quiz.Question) (questionForm, []quizChoiceRow) {
	f := questionForm{Kind: string(q.Kind), Topic: q.Topic, Lang: q.Lang, Active: q.Active,
		Texts: maps.Clone(map[string]string(q.Text)), Expls: maps.Clone(map[string]string(q.Explanation))}
	rows := make([]quizChoiceRow, quiz.MaxChoices)
	for i := range rows {
		rows[i].Letter, rows[i].Texts = quiz.Letter(i), map[string]string{}
		if i < len(q.Choices) {
			ch := q.Choices[i]
			rows[i].Texts, rows[i].Correct = maps.Clone(map[string]string(ch.Text)), ch.Correct
		}
	}
	return f, rows
}

// quizTextOf keeps the languages typed, cleaned.
func quizTextOf(vals map[string]string) content.Text {
	t := content.Text{}
	for l, v := range vals {
		if v = textnorm.Clean(v); v != "" {
			t[l] = v
		}
	}
	return t
}

// questionEdit (GET /staff/quizzes/questions/new and …/{id}).
func (s *Server) questionEdit(c *fiber.Ctx) error {
	q := &quiz.Question{Kind: quiz.KindSingle, Topic: quiz.Topics[0], Lang: langOf(c), Active: true}
	if c.Params("id") != "" {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		if q, err = quiz.GetQuestion(c.UserContext(), s.db, id); err != nil {
			return err
		}
	}
	f, rows := questionToForm(q)
	return s.renderQuestion(c, fiber.StatusOK, q.ID, f, rows, FieldErrors{})
}

func (s *Server) renderQuestion(c *fiber.Ctx, status int, id uint, f questionForm, rows []quizChoiceRow, errs FieldErrors) error {
	title := "quiz.question.new"
	if id != 0 {
		title = "quiz.question.edit"
	}
	p := s.page(c, title)
	return s.render(c, status, "quiz/question", questionEditPage{Page: p, ID: id, Form: f, Choices: rows, Errors: errs,
		Kinds: quiz.Kinds, Topics: quiz.Topics})
}

// questionSave (POST) creates or updates a question of the bank.
func (s *Server) questionSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := translator(c)
	id, err := optionalParamID(c, "id")
	if err != nil {
		return err
	}
	var f questionForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Texts, f.Expls = readLangs(c, "text_"), readLangs(c, "expl_")
	rows := make([]quizChoiceRow, quiz.MaxChoices)
	for i := range rows {
		k := strconv.Itoa(i)
		rows[i] = quizChoiceRow{Letter: quiz.Letter(i), Texts: readLangs(c, "choice_"+k+"_"), Correct: c.FormValue("correct_"+k) != ""}
	}
	errs := s.check(t, &f)
	q := &quiz.Question{ID: id, Kind: quiz.Kind(f.Kind), Topic: f.Topic, Lang: f.Lang, Active: f.Active || id == 0,
		Text: quizTextOf(f.Texts), Explanation: quizTextOf(f.Expls)}
	if q.Kind == quiz.KindTrueFalse {
		// A = true, B = false: the texts come from the interface language.
		q.Choices = quiz.Choices{{Text: content.Text{}, Correct: rows[0].Correct}, {Text: content.Text{}, Correct: rows[1].Correct}}
	} else {
		for _, r := range rows {
			txt := quizTextOf(r.Texts)
			if len(txt) == 0 {
				if r.Correct {
					errs.Add("choices", t.T("error.quiz.empty_correct_choice"))
				}
				continue
			}
			q.Choices = append(q.Choices, quiz.Choice{Text: txt, Correct: r.Correct})
		}
	}
	errs.AddAll(t, q.Validate()) // every problem of the submit at once
	if !errs.Any() {
		if err := quiz.SaveQuestion(ctx, s.db, q, currentUser(c).ID, s.now()); apperr.Is(err, apperr.Invalid) {
			errs.AddErr(t, err, "_form")
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.renderQuestion(c, fiber.StatusUnprocessableEntity, id, f, rows, errs)
	}
	return c.Redirect("/"+langOf(c)+"/staff/quizzes?flash=quiz_question_saved", fiber.StatusSeeOther)
}

type quizForm struct {
	Code       string `form:"code" validate:"required,max=32" label:"quiz.code"`
	Lang       string `form:"lang" validate:"required,lang" label:"question.lang"`
	ParallelID uint   `form:"parallel_id"`
	Active     bool   `form:"active"`
	// Titles are the quiz's name by language (title_<lang>).
	Titles map[string]string `form:"-"`
}

type quizEditPage struct {
	Page
	ID        uint
	Form      quizForm
	Positions map[uint]string // question id → the position typed
	Questions []quiz.Question
	Quizzes   []quiz.Quiz
	Errors    FieldErrors
}

// quizEdit (GET /staff/quizzes/new and /staff/quizzes/{id}).
func (s *Server) quizEdit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := quizForm{Lang: langOf(c), Active: true}
	pos := map[uint]string{}
	var id uint
	if c.Params("id") != "" {
		var err error
		if id, err = paramID(c, "id"); err != nil {
			return err
		}
		q, err := quiz.GetQuiz(ctx, s.db, id)
		if err != nil {
			return err
		}
		f = quizForm{Code: q.Code, Lang: q.Lang, Titles: maps.Clone(map[string]string(q.Title)), Active: q.Active}
		if q.ParallelID != nil {
			f.ParallelID = *q.ParallelID
		}
		for _, it := range q.Items {
			pos[it.QuestionID] = strconv.Itoa(it.Position)
		}
	}
	return s.renderQuiz(c, fiber.StatusOK, id, f, pos, FieldErrors{})
}

func (s *Server) renderQuiz(c *fiber.Ctx, status int, id uint, f quizForm, pos map[uint]string, errs FieldErrors) error {
	ctx := c.UserContext()
	qs, err := quiz.Questions(ctx, s.db)
	if err != nil {
		return err
	}
	qz, err := quiz.Quizzes(ctx, s.db)
	if err != nil {
		return err
	}
	title := "quiz.edit.new"
	if id != 0 {
		title = "quiz.edit.title"
	}
	return s.render(c, status, "quiz/edit", quizEditPage{Page: s.page(c, title), ID: id, Form: f, Positions: pos,
		Questions: qs, Quizzes: qz, Errors: errs})
}

// quizSave (POST) creates or updates a quiz: its questions are those given
// a position number, in that order.
func (s *Server) quizSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := translator(c)
	id, err := optionalParamID(c, "id")
	if err != nil {
		return err
	}
	var f quizForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code = strings.ToUpper(strings.TrimSpace(f.Code))
	f.Titles = readLangs(c, "title_")
	errs := s.check(t, &f)
	if c, ok := quiz.NormaliseCode(f.Code); ok && c == f.Code {
		f.Code = c
	} else if f.Code != "" {
		errs.Add("code", t.T("error.quiz.bad_quiz_code"))
	}
	// The positions typed beside the questions (pos_<question id>), kept
	// as typed for the form; the quiz domain orders them.
	pos := map[uint]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if qid, err := strconv.ParseUint(strings.TrimPrefix(string(k), "pos_"), 10, 32); err == nil && strings.HasPrefix(string(k), "pos_") {
			if val := strings.TrimSpace(string(v)); val != "" {
				pos[uint(qid)] = val
			}
		}
	})
	ids, err := quiz.OrderByPosition(pos)
	errs.AddAll(t, err)
	q := &quiz.Quiz{ID: id, Code: f.Code, Lang: f.Lang, Active: f.Active || id == 0, Title: quizTextOf(f.Titles)}
	if f.ParallelID != 0 {
		pid := f.ParallelID
		q.ParallelID = &pid
	}
	errs.AddAll(t, q.Validate())
	if !errs.Any() {
		err := quiz.SaveQuiz(ctx, s.db, q, ids, currentUser(c).ID, s.now())
		switch {
		case apperr.Is(err, apperr.Invalid), apperr.Is(err, apperr.Conflict):
			errs.AddErr(t, err, "questions")
		case err != nil:
			return err
		default:
			id = q.ID
		}
	}
	if errs.Any() {
		return s.renderQuiz(c, fiber.StatusUnprocessableEntity, id, f, pos, errs)
	}
	return c.Redirect("/"+langOf(c)+"/staff/quizzes?flash=quiz_saved", fiber.StatusSeeOther)
}
