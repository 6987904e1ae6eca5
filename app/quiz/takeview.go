package quiz

import (
	"strings"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// A quiz as the participant's pages show it: one question at a time, and
// the review after the post quiz.

// ChoiceView is a choice of a question as the page shows it.
type ChoiceView struct {
	Letter   string
	Text     string
	Lang     string // set when the text is in another language
	Checked  bool
	Correct  bool
	Selected bool
}

// QuestionView is a question as the page shows it, with the person's
// choices.
type QuestionView struct {
	Pos      int
	Text     string
	Lang     string // set when the text is in another language
	Multiple bool
	Choices  []ChoiceView
	// FellBack names the language shown when the question or a choice is
	// not written in the page's language ("" when all is).
	FellBack string
	// review after the post quiz
	Right       bool
	Explanation string
}

// ViewQuestion is q at position pos in lang (t names true and false), with
// the letters chosen.
func ViewQuestion(t interface{ T(string, ...any) string }, lang string, pos int, q *Question, chosen string) *QuestionView {
	v := &QuestionView{Pos: pos, Multiple: q.Kind == KindMultiple}
	text, fell := q.TextIn(lang)
	v.Text = text
	if fell {
		v.Lang = q.Lang
	}
	correct := q.CorrectLetters()
	for i := range q.Choices {
		l := Letter(i)
		cv := ChoiceView{Letter: l, Checked: strings.Contains(chosen, l), Correct: strings.Contains(correct, l)}
		cv.Selected = cv.Checked
		if q.Kind == KindTrueFalse {
			cv.Text = t.T([]string{"question.true", "question.false"}[i%2])
		} else {
			s, fell := q.ChoiceIn(i, lang)
			cv.Text = s
			if fell {
				cv.Lang = q.Lang
			}
		}
		v.Choices = append(v.Choices, cv)
		if cv.Lang != "" && v.FellBack == "" {
			v.FellBack = cv.Lang
		}
	}
	if v.Lang != "" {
		v.FellBack = v.Lang
	}
	v.Right = chosen == correct
	v.Explanation = q.Explanation.String(lang)
	return v
}

// TakeView is what the page of an attempt shows at position pos: the
// question (Q), or, when the attempt is submitted or every question is
// answered (pos 0), the end (Done) with the review of a post quiz.
type TakeView struct {
	Q      *QuestionView
	Prev   int
	Last   bool
	Done   bool
	Review []QuestionView
}

// View lays the attempt out at position pos, in lang.
func (tk *Take) View(t interface{ T(string, ...any) string }, lang string, pos int) TakeView {
	var v TakeView
	if tk.Attempt.Submitted() || pos == 0 {
		v.Done = true
		if tk.Attempt.Phase == PhasePost {
			for _, it := range tk.Items {
				q := it.Question
				v.Review = append(v.Review, *ViewQuestion(t, lang, it.Position, &q, tk.Answers[it.QuestionID].Choices))
			}
		}
		return v
	}
	it, _ := tk.Item(pos)
	q := it.Question
	v.Q = ViewQuestion(t, lang, pos, &q, tk.Answers[it.QuestionID].Choices)
	v.Last = pos == len(tk.Items)
	if pos > 1 {
		v.Prev = pos - 1
	}
	return v
}

// AnonForm is the form of a person without a registration: the code they
// made before, or what makes one (initials and a day of birth).
type AnonForm struct {
	Initials string `form:"initials" validate:"max=80"`
	BirthDay string `form:"birth_day" validate:"max=2"`
	Code     string `form:"code" validate:"max=30"`
	Sex      string `form:"sex" validate:"omitempty,oneof=female male other not_stated"`
	AgeBand  string `form:"age_band" validate:"omitempty,oneof=under_16 16_17 18_24 25_59 60_plus"`
}

// AnonCode is the form's anonymous code: the one typed, normalised, else
// one built from the initials and the day. A problem is a field error
// (code, initials or birth_day).
func (f *AnonForm) AnonCode() (string, error) {
	var fe apperr.FieldList
	if strings.TrimSpace(f.Code) != "" {
		code, ok := NormaliseCode(f.Code)
		if !ok {
			fe.Add("code", "error.quiz.bad_code", nil)
		}
		return code, fe.Err()
	}
	code, problem := BuildAnonCode(f.Initials, f.BirthDay)
	switch problem {
	case "error.quiz.initials":
		fe.Add("initials", problem, nil)
	case "error.quiz.birth_day":
		fe.Add("birth_day", problem, nil)
	}
	return code, fe.Err()
}
