// Package quiz holds the knowledge quizzes: the question bank, quizzes (ordered
// lists of questions, reusable across events, with an optional parallel form),
// the attempts participants make before (pre) and after (post) a session —
// on their phone or on paper — and the knowledge-gain report. It never
// imports Fiber.
package quiz

import (
	"database/sql/driver"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
)

// Kind of question.
type Kind string

const (
	KindSingle    Kind = "single"
	KindMultiple  Kind = "multiple"
	KindTrueFalse Kind = "true_false"
)

// Kinds in display order.
var Kinds = []Kind{KindSingle, KindMultiple, KindTrueFalse}

// Topics tag questions so that organisers see which messages landed.
var Topics = []string{"recruitment_traps", "online_safety", "childrens_rights", "child_labour", "where_to_get_help", "other"}

// ValidTopic whitelists a topic.
func ValidTopic(t string) bool {
	for _, x := range Topics {
		if x == t {
			return true
		}
	}
	return false
}

// Phase of an attempt.
type Phase string

const (
	PhasePre  Phase = "pre"
	PhasePost Phase = "post"
)

// ParsePhase whitelists a phase from a URL or a form.
func ParsePhase(s string) (Phase, bool) {
	switch Phase(s) {
	case PhasePre, PhasePost:
		return Phase(s), true
	}
	return "", false
}

// Sources of an attempt.
const (
	SourceWeb   = "web"
	SourcePaper = "paper"
)

// MaxQuestions is the most questions a quiz may have (one bit each in
// Attempt.RightMask).
const MaxQuestions = 60

// MaxChoices keeps the choice letters to A–F (paper grids, phones).
const MaxChoices = 6

// Letter is the choice letter of index i: 0 → "A".
func Letter(i int) string { return string(rune('A' + i)) }

// Choice is one answer offered for a question.
type Choice struct {
	Text    content.Text `json:"text"`
	Correct bool         `json:"correct"`
}

// Choices is stored as JSON in a text column (same on both databases).
type Choices []Choice

// Value stores Choices as JSON.
func (c Choices) Value() (driver.Value, error) {
	if c == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]Choice(c))
	return string(b), err
}

// Scan reads Choices from JSON.
func (c *Choices) Scan(v any) error {
	var out []Choice
	if err := content.ScanJSON(v, &out); err != nil {
		return err
	}
	*c = out
	return nil
}

// GormDataType tells GORM the column type.
func (Choices) GormDataType() string { return "text" }

// Question is one question of the bank.
type Question struct {
	ID          uint
	Kind        Kind
	Topic       string
	Lang        string // the language the organiser wrote it in (first fallback)
	Text        content.Text
	Choices     Choices
	Explanation content.Text
	Active      bool
	CreatedByID *uint
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CorrectLetters is the right answer as letters, e.g. "A" or "AC".
func (q *Question) CorrectLetters() string {
	var b strings.Builder
	for i, c := range q.Choices {
		if c.Correct {
			b.WriteString(Letter(i))
		}
	}
	return b.String()
}

// TextIn returns the question in lang with fallback, and whether it fell back.
func (q *Question) TextIn(lang string) (string, bool) {
	s, got := content.Pick(lang, q.Lang, func(l string) (string, bool) {
		v, ok := q.Text[l]
		return v, ok && v != ""
	})
	return s, got != "" && got != lang
}

// ChoiceIn returns choice i in lang with fallback, and whether it fell back.
func (q *Question) ChoiceIn(i int, lang string) (string, bool) {
	if i < 0 || i >= len(q.Choices) {
		return "", false
	}
	t := q.Choices[i].Text
	s, got := content.Pick(lang, q.Lang, func(l string) (string, bool) {
		v, ok := t[l]
		return v, ok && v != ""
	})
	return s, got != "" && got != lang
}

// NormaliseLetters turns what a person or a trainer typed ("a c", "C,A",
// "ca") into sorted distinct upper-case letters ("AC"). ok is false when a
// character is neither a letter nor a separator.
func NormaliseLetters(s string) (string, bool) {
	seen := map[rune]bool{}
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == ',' || r == ';' || r == '.' || r == '/' || r == '-':
		case r >= 'A' && r <= 'Z':
			seen[r] = true
		default:
			return "", false
		}
	}
	rs := make([]rune, 0, len(seen))
	for r := range seen {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return string(rs), true
}

// Grade checks an answer given as normalised letters. It returns the
// message key of the problem when the answer is not acceptable for the
// question (a letter that is not a choice, several letters for a
// single-choice question).
func (q *Question) Grade(letters string) (correct bool, problem string) {
	if letters == "" {
		return false, "error.quiz.answer_required"
	}
	for _, r := range letters {
		if int(r-'A') >= len(q.Choices) {
			return false, "error.quiz.unknown_letter"
		}
	}
	if q.Kind != KindMultiple && len(letters) > 1 {
		return false, "error.quiz.one_letter"
	}
	return letters == q.CorrectLetters(), ""
}

// TextMax is the longest question or explanation, in runes, in each
// language; ChoiceMax the longest choice; TitleMax the longest quiz name.
const (
	TextMax   = 1000
	ChoiceMax = 300
	TitleMax  = 200
)

// Validate checks a question before it is saved and returns every problem
// at once (apperr field errors), each beside its field: text_<lang>,
// expl_<lang>, kind, topic, choices, correct.
func (q *Question) Validate() error {
	var fe apperr.FieldList
	requireSomeText(&fe, "text_", q.Lang, q.Text, "error.quiz.question_text_required")
	checkTextLengths(&fe, "text_", q.Text, TextMax)
	checkTextLengths(&fe, "expl_", q.Explanation, TextMax)
	switch q.Kind {
	case KindSingle, KindMultiple, KindTrueFalse:
	default:
		fe.Add("kind", "error.quiz.bad_kind", nil)
	}
	if !ValidTopic(q.Topic) {
		fe.Add("topic", "error.quiz.bad_topic", nil)
	}
	n := 0
	for _, c := range q.Choices {
		if c.Correct {
			n++
		}
		for l, v := range c.Text {
			if len([]rune(v)) > ChoiceMax {
				fe.Add("choices", "error.text.too_long_in", map[string]any{"Lang": l, "Max": ChoiceMax})
			}
		}
	}
	switch {
	case q.Kind == KindTrueFalse && len(q.Choices) != 2:
		fe.Add("choices", "error.quiz.true_false_two", nil)
	case len(q.Choices) < 2:
		fe.Add("choices", "error.quiz.two_choices", nil)
	case len(q.Choices) > MaxChoices:
		fe.Add("choices", "error.quiz.too_many_choices", nil)
	case n == 0:
		fe.Add("correct", "error.quiz.correct_required", nil)
	case q.Kind != KindMultiple && n > 1:
		fe.Add("correct", "error.quiz.one_correct", nil)
	}
	return fe.Err()
}

// Validate checks a quiz's own fields (its name in some language, each
// language short enough); SaveQuiz checks its questions.
func (q *Quiz) Validate() error {
	var fe apperr.FieldList
	requireSomeText(&fe, "title_", q.Lang, q.Title, "error.quiz.title_required")
	checkTextLengths(&fe, "title_", q.Title, TitleMax)
	return fe.Err()
}

// requireSomeText wants the text in at least one language: a quiz may be
// written first in any interface language. The problem goes beside the
// field of the text's own language.
func requireSomeText(fe *apperr.FieldList, prefix, lang string, t content.Text, key string) {
	for _, v := range t {
		if strings.TrimSpace(v) != "" {
			return
		}
	}
	if !locale.IsSupported(lang) {
		lang = locale.Default
	}
	fe.Add(prefix+lang, key, nil)
}

// checkTextLengths puts a too-long text's problem beside its own
// language's field (prefix+lang), naming the language.
func checkTextLengths(fe *apperr.FieldList, prefix string, t content.Text, max int) {
	for _, l := range locale.Supported {
		if len([]rune(t[l])) > max {
			fe.Add(prefix+l, "error.text.too_long_in", map[string]any{"Lang": l, "Max": max})
		}
	}
}

// TableName keeps GORM on the migrated table.
func (Question) TableName() string { return "questions" }

// Quiz is an ordered list of questions, reusable across events.
type Quiz struct {
	ID          uint
	Code        string
	Title       content.Text
	Lang        string
	ParallelID  *uint // the parallel form, if any
	Active      bool
	CreatedByID *uint
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Items       []Item `gorm:"foreignKey:QuizID"`
}

// TableName keeps GORM on the migrated table.
func (Quiz) TableName() string { return "quizzes" }

// Item is a question at a position of a quiz (1-based).
type Item struct {
	QuizID     uint `gorm:"primaryKey;autoIncrement:false"`
	Position   int  `gorm:"primaryKey;autoIncrement:false"`
	QuestionID uint
	Question   Question `gorm:"foreignKey:QuestionID"`
}

// TableName keeps GORM on the migrated table.
func (Item) TableName() string { return "quiz_questions" }

// Attempt is one person's quiz for one event and phase.
type Attempt struct {
	ID             uint
	Token          string
	EventID        uint
	QuizID         uint
	Phase          Phase
	PersonKey      string
	RegistrationID *uint
	AnonCode       *string
	Sex            string
	AgeBand        string
	Source         string
	Lang           string
	NQuestions     int
	NCorrect       int
	// RightMask has bit i set when the question at position i+1 was right,
	// so that the report reads attempts only, never the answers (see gain.go).
	RightMask   int64
	ScorePct    *float64
	StartedAt   time.Time
	SubmittedAt *time.Time
	EnteredByID *uint
	UpdatedAt   time.Time
	Answers     []Answer `gorm:"foreignKey:AttemptID"`
}

// TableName keeps GORM on the migrated table.
func (Attempt) TableName() string { return "quiz_attempts" }

// Submitted tells whether the attempt is finished.
func (a *Attempt) Submitted() bool { return a.SubmittedAt != nil }

// Answer is the answer to one question of an attempt.
type Answer struct {
	ID         uint
	AttemptID  uint
	QuestionID uint
	Choices    string
	Correct    bool
	AnsweredAt time.Time
}

// TableName keeps GORM on the migrated table.
func (Answer) TableName() string { return "quiz_answers" }

// RegistrationKey is the person key of a registration's attempts.
func RegistrationKey(regID uint) string { return "r" + uitoa(regID) }

// AnonKey is the person key of an anonymous code.
func AnonKey(code string) string { return "a:" + code }

func uitoa(n uint) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// score is the percentage of right answers.
func score(correct, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(correct) / float64(total)
}
