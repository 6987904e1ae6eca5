package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/quiz"
)

// The paper grid: a trainer types the answers given on paper, one row per
// person (registration code or anonymous code), one column per question; the
// cells take the choice letters, so the whole grid is keyboard-only. One POST
// saves the grid; with any mistake nothing is saved and the grid comes back
// as typed, the wrong cells marked.

const paperSpareRows = 15

type paperGridColumn struct {
	Pos      int
	Letters  string // "A–C"
	Multiple bool
	Text     string
}

type paperGridCell struct {
	Name  string
	Value string
	Error string
}

type paperGridRow struct {
	N      int
	Person paperGridCell
	Cells  []paperGridCell
}

type paperGridProblem struct {
	Row, Col int
	Message  string
}

type quizEntryPage struct {
	Page
	Event    eventView
	Phase    string
	NoQuiz   bool
	Columns  []paperGridColumn
	Rows     []paperGridRow
	Problems []paperGridProblem
}

func (s *Server) entryTarget(c *fiber.Ctx) (*event.Event, quiz.Phase, *quiz.Quiz, error) {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return nil, "", nil, err
	}
	phase, err := phaseParam(c)
	if err != nil {
		return nil, "", nil, err
	}
	id, err := quiz.QuizFor(c.UserContext(), s.db, e.ID, phase)
	if err != nil || id == 0 {
		return e, phase, nil, err
	}
	q, err := quiz.GetQuiz(c.UserContext(), s.db, id)
	return e, phase, q, err
}

// quizEntry (GET /staff/events/{id}/quiz-entry/{phase}).
func (s *Server) quizEntry(c *fiber.Ctx) error {
	e, phase, q, err := s.entryTarget(c)
	if err != nil {
		return err
	}
	var rows []quiz.PaperRow
	if q != nil {
		if rows, err = quiz.PaperRows(c.UserContext(), s.db, e.ID, phase, q.Items); err != nil {
			return err
		}
	}
	return s.renderEntry(c, fiber.StatusOK, e, phase, q, rows, nil)
}

func (s *Server) renderEntry(c *fiber.Ctx, status int, e *event.Event, phase quiz.Phase, q *quiz.Quiz, rows []quiz.PaperRow, problems []quiz.PaperProblem) error {
	p := s.page(c, "quiz.entry.title."+string(phase))
	data := quizEntryPage{Page: p, Event: viewEvent(p.Translator, e, s.now()), Phase: string(phase), NoQuiz: q == nil}
	if q == nil {
		return s.render(c, status, "quiz/entry", data)
	}
	for _, it := range q.Items {
		text, _ := it.Question.TextIn(p.Lang)
		data.Columns = append(data.Columns, paperGridColumn{Pos: it.Position, Multiple: it.Question.Kind == quiz.KindMultiple,
			Letters: "A–" + quiz.Letter(len(it.Question.Choices)-1), Text: text})
	}
	bad := map[[2]int]string{}
	for _, pr := range problems {
		msg := p.T(pr.Key)
		bad[[2]int{pr.Row, pr.Col}] = msg
		data.Problems = append(data.Problems, paperGridProblem{Row: pr.Row + 1, Col: pr.Col, Message: msg})
	}
	n := len(rows) + paperSpareRows
	for i := 0; i < n; i++ {
		var r quiz.PaperRow
		if i < len(rows) {
			r = rows[i]
		}
		gr := paperGridRow{N: i + 1, Person: paperGridCell{Name: "p_" + strconv.Itoa(i), Value: r.Person, Error: bad[[2]int{i, 0}]}}
		for j := range q.Items {
			v := ""
			if j < len(r.Cells) {
				v = r.Cells[j]
			}
			gr.Cells = append(gr.Cells, paperGridCell{Name: "a_" + strconv.Itoa(i) + "_" + strconv.Itoa(j), Value: v, Error: bad[[2]int{i, j + 1}]})
		}
		data.Rows = append(data.Rows, gr)
	}
	return s.render(c, status, "quiz/entry", data)
}

// quizEntrySave (POST /staff/events/{id}/quiz-entry/{phase}).
func (s *Server) quizEntrySave(c *fiber.Ctx) error {
	e, phase, q, err := s.entryTarget(c)
	if err != nil {
		return err
	}
	if q == nil {
		return s.renderEntry(c, fiber.StatusUnprocessableEntity, e, phase, q, nil, nil)
	}
	n, _ := strconv.Atoi(c.FormValue("rows"))
	if n < 0 || n > 2000 {
		return fiber.ErrBadRequest
	}
	rows := make([]quiz.PaperRow, n)
	for i := range rows {
		k := strconv.Itoa(i)
		rows[i].Person = utils.CopyString(c.FormValue("p_" + k))
		rows[i].Cells = make([]string, len(q.Items))
		for j := range q.Items {
			rows[i].Cells[j] = utils.CopyString(c.FormValue("a_" + k + "_" + strconv.Itoa(j)))
		}
	}
	saved, problems, err := quiz.SavePaper(c.UserContext(), s.db, e.ID, phase, rows, currentUser(c).ID, s.now())
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		// Keep the typed rows, blank ones dropped, in their order.
		var kept []quiz.PaperRow
		remap := map[int]int{}
		for i, r := range rows {
			if !r.Blank() {
				remap[i] = len(kept)
				kept = append(kept, r)
			}
		}
		for i := range problems {
			problems[i].Row = remap[problems[i].Row]
		}
		return s.renderEntry(c, fiber.StatusUnprocessableEntity, e, phase, q, kept, problems)
	}
	_ = saved
	return c.Redirect("/"+langOf(c)+"/staff/events/"+itoa(int(e.ID))+"/quiz-entry/"+string(phase)+"?flash=quiz_paper_saved", fiber.StatusSeeOther)
}
