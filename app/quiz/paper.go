package quiz

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/user"
)

// PaperRow is one person's paper answers as a trainer typed them: the
// registration code or anonymous code, then one cell per question (the
// choice letter or letters; blank when the person left it empty).
type PaperRow struct {
	Person string
	Cells  []string
}

// Blank tells whether the row is empty (grids have spare rows).
func (r PaperRow) Blank() bool {
	if strings.TrimSpace(r.Person) != "" {
		return false
	}
	for _, c := range r.Cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// PaperProblem is an error in one cell of the grid: Col 0 is the person
// column, Col n the question at position n.
type PaperProblem struct {
	Row int
	Col int
	Key string
}

// PaperRows returns the paper attempts already entered for an event's phase,
// as rows of the grid (so that a trainer can correct them).
func PaperRows(ctx context.Context, db *gorm.DB, eventID uint, phase Phase, items []Item) ([]PaperRow, error) {
	var atts []Attempt
	err := db.WithContext(ctx).Preload("Answers").
		Where("event_id = ? AND phase = ? AND source = ?", eventID, phase, SourcePaper).Order("id").Find(&atts).Error
	if err != nil {
		return nil, err
	}
	// Registration codes of the rows that came from a registration, in one query.
	var regIDs []uint
	for _, a := range atts {
		if a.RegistrationID != nil {
			regIDs = append(regIDs, *a.RegistrationID)
		}
	}
	codes := map[uint]string{}
	if len(regIDs) > 0 {
		var rs []struct {
			ID   uint
			Code string
		}
		if err := db.WithContext(ctx).Table("registrations").Select("id, code").Where("id IN ?", regIDs).Find(&rs).Error; err != nil {
			return nil, err
		}
		for _, r := range rs {
			codes[r.ID] = r.Code
		}
	}
	out := make([]PaperRow, 0, len(atts))
	for _, a := range atts {
		row := PaperRow{Cells: make([]string, len(items))}
		if a.RegistrationID != nil {
			row.Person = codes[*a.RegistrationID]
		} else if a.AnonCode != nil {
			row.Person = *a.AnonCode
		}
		byQ := map[uint]string{}
		for _, an := range a.Answers {
			byQ[an.QuestionID] = an.Choices
		}
		for i, it := range items {
			row.Cells[i] = byQ[it.QuestionID]
		}
		out = append(out, row)
	}
	return out, nil
}

// SavePaper checks the whole grid and, when every cell is right, saves it in
// one transaction: one submitted attempt per row (a row entered before is
// replaced; a person who already answered on their phone is refused). With
// any problem nothing is saved and the problems are returned, so that the
// page shows the grid again as typed.
func SavePaper(ctx context.Context, db *gorm.DB, eventID uint, phase Phase, rows []PaperRow, actorID uint, now time.Time) (int, []PaperProblem, error) {
	quizID, err := QuizFor(ctx, db, eventID, phase)
	if err != nil {
		return 0, nil, err
	}
	if quizID == 0 {
		return 0, nil, apperr.New(apperr.NotFound, "error.quiz.none")
	}
	q, err := GetQuiz(ctx, db, quizID)
	if err != nil {
		return 0, nil, err
	}
	var problems []PaperProblem
	type parsed struct {
		row     int
		code    string
		letters []string
		correct []bool
	}
	var todo []parsed
	seen := map[string]int{}
	for i, r := range rows {
		if i >= attemptsLimit {
			break
		}
		if r.Blank() {
			continue
		}
		p := parsed{row: i, letters: make([]string, len(q.Items)), correct: make([]bool, len(q.Items))}
		code, ok := NormaliseCode(r.Person)
		switch {
		case strings.TrimSpace(r.Person) == "":
			problems = append(problems, PaperProblem{i, 0, "error.quiz.person_required"})
		case !ok:
			problems = append(problems, PaperProblem{i, 0, "error.quiz.bad_code"})
		case seen[code] > 0:
			problems = append(problems, PaperProblem{i, 0, "error.quiz.person_twice"})
		default:
			seen[code] = i + 1
			p.code = code
		}
		for j, it := range q.Items {
			cell := ""
			if j < len(r.Cells) {
				cell = r.Cells[j]
			}
			if strings.TrimSpace(cell) == "" {
				continue // left empty on paper: counted as not right
			}
			letters, ok := NormaliseLetters(cell)
			if !ok {
				problems = append(problems, PaperProblem{i, j + 1, "error.quiz.unknown_letter"})
				continue
			}
			correct, problem := it.Question.Grade(letters)
			if problem != "" {
				problems = append(problems, PaperProblem{i, j + 1, problem})
				continue
			}
			p.letters[j], p.correct[j] = letters, correct
		}
		todo = append(todo, p)
	}
	if len(todo) == 0 && len(problems) == 0 {
		return 0, nil, nil
	}
	// Who is who: registration codes of this event, in one query.
	codes := make([]string, 0, len(todo))
	for _, p := range todo {
		if p.code != "" {
			codes = append(codes, p.code)
		}
	}
	regByCode := map[string]uint{}
	if len(codes) > 0 {
		var rs []struct {
			ID   uint
			Code string
		}
		if err := db.WithContext(ctx).Table("registrations").Select("id, code").
			Where("event_id = ? AND code IN ?", eventID, codes).Find(&rs).Error; err != nil {
			return 0, nil, err
		}
		for _, r := range rs {
			regByCode[strings.ToUpper(r.Code)] = r.ID
		}
	}
	keyOf := func(code string) string {
		if id, ok := regByCode[code]; ok {
			return RegistrationKey(id)
		}
		return AnonKey(code)
	}
	keys := make([]string, 0, len(todo))
	for _, p := range todo {
		if p.code != "" {
			keys = append(keys, keyOf(p.code))
		}
	}
	existing := map[string]Attempt{}
	if len(keys) > 0 {
		var atts []Attempt
		if err := db.WithContext(ctx).Where("event_id = ? AND phase = ? AND person_key IN ?", eventID, phase, keys).
			Find(&atts).Error; err != nil {
			return 0, nil, err
		}
		for _, a := range atts {
			existing[a.PersonKey] = a
		}
	}
	for _, p := range todo {
		if a, ok := existing[keyOf(p.code)]; ok && p.code != "" && a.Source != SourcePaper {
			problems = append(problems, PaperProblem{p.row, 0, "error.quiz.already_on_phone"})
		}
	}
	if len(problems) > 0 {
		return 0, problems, nil
	}

	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var fresh []*Attempt
		var answers []Answer
		var replaced []uint
		rowAttempt := make([]*Attempt, len(todo))
		for i, p := range todo {
			n := 0
			for _, c := range p.correct {
				if c {
					n++
				}
			}
			s := score(n, len(q.Items))
			mask := MaskOf(p.correct)
			key := keyOf(p.code)
			a := &Attempt{
				Token: user.RandomToken(tokenBytes), EventID: eventID, QuizID: quizID, Phase: phase, PersonKey: key,
				Source: SourcePaper, NQuestions: len(q.Items), NCorrect: n, RightMask: mask, ScorePct: &s, StartedAt: now,
				SubmittedAt: &now, UpdatedAt: now, Lang: q.Lang,
			}
			if actorID != 0 {
				a.EnteredByID = &actorID
			}
			if id, ok := regByCode[p.code]; ok {
				a.RegistrationID = &id
			} else {
				code := p.code
				a.AnonCode = &code
			}
			if old, ok := existing[key]; ok {
				a.ID, a.Token, a.StartedAt = old.ID, old.Token, old.StartedAt
				replaced = append(replaced, old.ID)
				if err := tx.Model(&Attempt{}).Where("id = ?", old.ID).Updates(map[string]any{
					"quiz_id": quizID, "n_questions": a.NQuestions, "n_correct": n, "right_mask": mask, "score_pct": s,
					"submitted_at": now, "updated_at": now, "entered_by_id": a.EnteredByID,
				}).Error; err != nil {
					return err
				}
			} else {
				fresh = append(fresh, a)
			}
			rowAttempt[i] = a
		}
		if len(replaced) > 0 {
			if err := tx.Where("attempt_id IN ?", replaced).Delete(&Answer{}).Error; err != nil {
				return err
			}
		}
		if len(fresh) > 0 {
			if err := tx.Omit("Answers").CreateInBatches(fresh, 200).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return apperr.New(apperr.Conflict, "error.quiz.already_on_phone")
				}
				return err
			}
		}
		for i, p := range todo {
			for j, it := range q.Items {
				answers = append(answers, Answer{AttemptID: rowAttempt[i].ID, QuestionID: it.QuestionID,
					Choices: p.letters[j], Correct: p.correct[j], AnsweredAt: now})
			}
		}
		if err := upsertAnswers(tx, answers); err != nil {
			return err
		}
		// quiz.submitted for each paper entered for the first time (a row
		// typed again replaces its attempt and raises nothing).
		for _, a := range fresh {
			if err := raiseSubmitted(tx, a, now); err != nil {
				return err
			}
		}
		return audit.Record(tx, actorID, "paper_entry", "event", strconv.FormatUint(uint64(eventID), 10), nil,
			map[string]any{"phase": phase, "rows": len(todo), "replaced": len(replaced)})
	})
	if err != nil {
		return 0, nil, err
	}
	return len(todo), nil, nil
}
