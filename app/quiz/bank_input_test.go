package quiz_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/scope"
)

// The positions typed beside the questions order them (ties by id); one
// that is not 1–999 is said beside the questions.
func TestOrderByPosition(t *testing.T) {
	ids, err := quiz.OrderByPosition(map[uint]string{7: "2", 3: " 1", 9: "2"})
	if err != nil || !slices.Equal(ids, []uint{3, 7, 9}) {
		t.Errorf("order = %v, %v", ids, err)
	}
	for _, bad := range []string{"0", "1000", "x", "-1"} {
		_, err := quiz.OrderByPosition(map[uint]string{1: "1", 2: bad})
		if fs := apperr.FieldsOf(err); len(fs) != 1 || fs[0].Field != "questions" || fs[0].Key != "error.quiz.bad_position" {
			t.Errorf("%q: %v", bad, fs)
		}
	}
}

// A question's problems come all at once, each beside its field: a text
// too long in Lao beside text_lo (named), no right answer beside correct;
// a question written only in Khmer is fine.
func TestQuestionValidateEveryProblem(t *testing.T) {
	q := &quiz.Question{Kind: quiz.KindSingle, Topic: quiz.Topics[0], Lang: "km",
		Text:    content.Text{"km": "សំណួរ", "lo": strings.Repeat("ກ", quiz.TextMax+1)},
		Choices: quiz.Choices{{Text: content.Text{"km": "ក"}}, {Text: content.Text{"km": "ខ"}}}}
	got := map[string]string{}
	for _, f := range apperr.FieldsOf(q.Validate()) {
		got[f.Field] = f.Key
		if f.Field == "text_lo" && f.Args["Lang"] != "lo" {
			t.Errorf("the Lao error does not name its language: %v", f.Args)
		}
	}
	if len(got) != 2 || got["text_lo"] != "error.text.too_long_in" || got["correct"] != "error.quiz.correct_required" {
		t.Errorf("problems = %v", got)
	}
	delete(q.Text, "lo")
	q.Choices[1].Correct = true
	if err := q.Validate(); err != nil {
		t.Errorf("a Khmer-only question: %v", err)
	}
	empty := &quiz.Question{Kind: quiz.KindSingle, Topic: quiz.Topics[0], Lang: "fil", Choices: q.Choices}
	if fs := apperr.FieldsOf(empty.Validate()); len(fs) != 1 || fs[0].Field != "text_fil" {
		t.Errorf("no text at all: %v", fs)
	}
}

// The knowledge-gain filter's dates are read in the reader's zone: Manila's
// day starts an hour before Ho Chi Minh City's.
func TestGainFilterDatesInTheReadersZone(t *testing.T) {
	ff := quiz.FilterForm{From: "2026-11-01", To: "2026-11-30"}
	vn, ph := ff, ff
	fv, fp := vn.Filter(scope.Scope{}, ""), ph.Filter(scope.Scope{Country: "PH"}, "Asia/Manila")
	if got := fv.From.Format(time.RFC3339); got != "2026-10-31T17:00:00Z" {
		t.Errorf("programme's from = %s", got)
	}
	if got := fp.From.Format(time.RFC3339); got != "2026-10-31T16:00:00Z" {
		t.Errorf("Manila's from = %s", got)
	}
	if got := fp.To.Format(time.RFC3339); got != "2026-11-30T16:00:00Z" {
		t.Errorf("Manila's to (the whole last day) = %s", got)
	}
}
