package quiz

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// When the quizzes are open, around the session:
//   - the pre quiz is open from registration until 15 minutes after the start
//     (people who arrive at the venue take it at the door), and never past
//     the middle of the session;
//   - the post quiz opens 30 minutes before the end (the trainer gives the
//     last minutes to it) but never before the middle of the session, and
//     stays open for 14 days (people finish it at home).
//
// A pre quiz taken after the session has begun would not measure what people
// knew before; the middle of the session keeps the two windows apart however
// short the session is.
const (
	PreGrace      = 15 * time.Minute
	PostLead      = 30 * time.Minute
	PostOpenFor   = 14 * 24 * time.Hour
	anonCodeMax   = 24
	anonCodeMin   = 3
	tokenBytes    = 12
	attemptsLimit = 2000 // a paper grid saves at most this many rows at once
)

// Window returns when a phase is open for participants.
func Window(e *event.Event, phase Phase) (from, until time.Time) {
	mid := e.StartsAt.Add(e.EndsAt.Sub(e.StartsAt) / 2)
	if phase == PhasePre {
		until = e.StartsAt.Add(PreGrace)
		if until.After(mid) {
			until = mid
		}
		return time.Time{}, until
	}
	from = e.EndsAt.Add(-PostLead)
	if from.Before(mid) {
		from = mid
	}
	return from, e.EndsAt.Add(PostOpenFor)
}

// Open tells whether participants may take the phase at now; when not, the
// key says why.
func Open(e *event.Event, phase Phase, now time.Time) (bool, string) {
	if e.Status == event.StatusCancelled {
		return false, "error.quiz.event_cancelled"
	}
	from, until := Window(e, phase)
	if now.Before(from) {
		return false, "error.quiz.post_not_yet"
	}
	if !now.Before(until) {
		if phase == PhasePre {
			return false, "error.quiz.pre_closed"
		}
		return false, "error.quiz.post_closed"
	}
	return true, ""
}

// EventQuizzes returns the quiz ids of an event (0 when none).
func EventQuizzes(ctx context.Context, db *gorm.DB, eventID uint) (pre, post uint, err error) {
	var row struct {
		PreQuizID  *uint
		PostQuizID *uint
	}
	err = db.WithContext(ctx).Table("events").Select("pre_quiz_id, post_quiz_id").Where("id = ?", eventID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, 0, apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
	}
	if row.PreQuizID != nil {
		pre = *row.PreQuizID
	}
	if row.PostQuizID != nil {
		post = *row.PostQuizID
	}
	return pre, post, err
}

// QuizFor returns the quiz id of an event's phase (0 when none).
func QuizFor(ctx context.Context, db *gorm.DB, eventID uint, phase Phase) (uint, error) {
	pre, post, err := EventQuizzes(ctx, db, eventID)
	if phase == PhasePre {
		return pre, err
	}
	return post, err
}

// BuildAnonCode builds the self-generated code of a participant without a
// registration from the initials of their mother's name and their day of
// birth: "Lê Thị Hoa", 7 → "LTH07". Nothing in it names the person.
func BuildAnonCode(initials, day string) (string, string) {
	onlyLetters := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r
			}
			return -1
		}, s)
	}
	words := strings.Fields(strings.ToUpper(textnorm.Unaccent(initials)))
	letters := ""
	if len(words) == 1 {
		letters = onlyLetters(words[0]) // "LTH"
	} else {
		for _, w := range words { // "Lê Thị Hoa" → "LTH"
			if l := onlyLetters(w); l != "" {
				letters += l[:1]
			}
		}
	}
	if len(letters) == 0 || len(letters) > 4 {
		return "", "error.quiz.initials"
	}
	d, err := strconv.Atoi(strings.TrimSpace(day))
	if err != nil || d < 1 || d > 31 {
		return "", "error.quiz.birth_day"
	}
	return letters + strconv.Itoa(d/10) + strconv.Itoa(d%10), ""
}

// NormaliseCode cleans a code printed on the attendance sheet or typed by a
// trainer: upper case, letters and digits only.
func NormaliseCode(s string) (string, bool) {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '.':
			return -1
		}
		return '?'
	}, strings.ToUpper(textnorm.Unaccent(strings.TrimSpace(s))))
	if strings.Contains(out, "?") || len(out) < anonCodeMin || len(out) > anonCodeMax {
		return "", false
	}
	return out, true
}

// StartInput names who starts which quiz.
type StartInput struct {
	Phase          Phase
	RegistrationID uint   // a registered participant, or
	AnonCode       string // an anonymous participant's code (normalised)
	Sex, AgeBand   string // optional, for anonymous participants
	Lang           string
}

// Start opens (or resumes) the attempt of a person for an event's phase. An
// attempt already submitted is refused: one attempt per phase and person.
func Start(ctx context.Context, db *gorm.DB, e *event.Event, in StartInput, now time.Time) (*Attempt, error) {
	if ok, key := Open(e, in.Phase, now); !ok {
		return nil, apperr.New(apperr.Invalid, key)
	}
	quizID, err := QuizFor(ctx, db, e.ID, in.Phase)
	if err != nil {
		return nil, err
	}
	if quizID == 0 {
		return nil, apperr.New(apperr.NotFound, "error.quiz.none")
	}
	a := &Attempt{
		Token: user.RandomToken(tokenBytes), EventID: e.ID, QuizID: quizID, Phase: in.Phase,
		Source: SourceWeb, Lang: in.Lang, StartedAt: now, UpdatedAt: now,
	}
	if in.RegistrationID != 0 {
		id := in.RegistrationID
		a.RegistrationID = &id
		a.PersonKey = RegistrationKey(id)
	} else {
		code := in.AnonCode
		a.AnonCode = &code
		a.PersonKey = AnonKey(code)
		a.Sex, a.AgeBand = in.Sex, in.AgeBand
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing Attempt
		err := tx.Where("event_id = ? AND phase = ? AND person_key = ?", e.ID, in.Phase, a.PersonKey).Take(&existing).Error
		switch {
		case err == nil:
			if existing.Submitted() {
				return apperr.New(apperr.Conflict, "error.quiz.already_done")
			}
			*a = existing
			return nil
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		var n int64
		if err := tx.Model(&Item{}).Where("quiz_id = ?", quizID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.NotFound, "error.quiz.none")
		}
		a.NQuestions = int(n)
		return tx.Create(a).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Two taps at once: the other request created it; resume that one.
		return Start(ctx, db, e, in, now)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Take is an attempt with its quiz's questions and the answers so far.
type Take struct {
	Attempt *Attempt
	Items   []Item
	Answers map[uint]Answer // by question id
}

// Next returns the position (1-based) of the first unanswered question, or
// 0 when every question is answered.
func (t *Take) Next() int {
	for _, it := range t.Items {
		if _, ok := t.Answers[it.QuestionID]; !ok {
			return it.Position
		}
	}
	return 0
}

// Item returns the item at a position.
func (t *Take) Item(pos int) (Item, bool) {
	for _, it := range t.Items {
		if it.Position == pos {
			return it, true
		}
	}
	return Item{}, false
}

// Load returns an attempt by its token with its questions and answers, in a
// fixed number of queries.
func Load(ctx context.Context, db *gorm.DB, token string) (*Take, error) {
	if token == "" || len(token) > 32 {
		return nil, apperr.New(apperr.NotFound, "error.quiz.attempt_not_found")
	}
	var a Attempt
	err := db.WithContext(ctx).Preload("Answers").Where("token = ?", token).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.quiz.attempt_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	t := &Take{Attempt: &a, Answers: map[uint]Answer{}}
	for _, an := range a.Answers {
		t.Answers[an.QuestionID] = an
	}
	if err := db.WithContext(ctx).Preload("Question").Where("quiz_id = ?", a.QuizID).Order("position").Find(&t.Items).Error; err != nil {
		return nil, err
	}
	return t, nil
}

// SaveAnswer records the answer to the question at pos as soon as it is
// given, so that a dropped connection loses nothing already sent. When the
// last question is answered the attempt is submitted and scored.
func SaveAnswer(ctx context.Context, db *gorm.DB, token string, pos int, raw string, now time.Time) (*Take, error) {
	var take *Take
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := Load(ctx, tx, token)
		if err != nil {
			return err
		}
		if t.Attempt.Submitted() {
			return apperr.New(apperr.Conflict, "error.quiz.already_done")
		}
		// A pre quiz left half-way is not finished once the session has
		// begun: it would no longer measure what people knew before.
		var e event.Event
		if err := tx.Select("id", "status", "starts_at", "ends_at").Take(&e, t.Attempt.EventID).Error; err != nil {
			return err
		}
		if ok, key := Open(&e, t.Attempt.Phase, now); !ok {
			return apperr.New(apperr.Invalid, key)
		}
		it, ok := t.Item(pos)
		if !ok {
			return apperr.New(apperr.NotFound, "error.quiz.question_not_found")
		}
		letters, ok := NormaliseLetters(raw)
		if !ok {
			return apperr.New(apperr.Invalid, "error.quiz.unknown_letter")
		}
		correct, problem := it.Question.Grade(letters)
		if problem != "" {
			return apperr.New(apperr.Invalid, problem)
		}
		an := Answer{AttemptID: t.Attempt.ID, QuestionID: it.QuestionID, Choices: letters, Correct: correct, AnsweredAt: now}
		if err := upsertAnswers(tx, []Answer{an}); err != nil {
			return err
		}
		t.Answers[it.QuestionID] = an
		if t.Next() == 0 {
			if err := submit(tx, t, now); err != nil {
				return err
			}
		}
		take = t
		return nil
	})
	return take, err
}

func upsertAnswers(tx *gorm.DB, ans []Answer) error {
	if len(ans) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "attempt_id"}, {Name: "question_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"choices", "correct", "answered_at"}),
	}).CreateInBatches(ans, 500).Error
}

// submit scores an attempt whose answers are all in t.Answers.
func submit(tx *gorm.DB, t *Take, now time.Time) error {
	n := 0
	var mask int64
	for _, it := range t.Items {
		if t.Answers[it.QuestionID].Correct {
			n++
			mask |= bit(it.Position)
		}
	}
	s := score(n, len(t.Items))
	a := t.Attempt
	a.NQuestions, a.NCorrect, a.RightMask, a.ScorePct, a.SubmittedAt, a.UpdatedAt = len(t.Items), n, mask, &s, &now, now
	res := tx.Model(&Attempt{}).Where("id = ? AND submitted_at IS NULL", a.ID).Updates(map[string]any{
		"n_questions": a.NQuestions, "n_correct": n, "right_mask": mask, "score_pct": s, "submitted_at": now, "updated_at": now,
	})
	if res.Error != nil || res.RowsAffected != 1 {
		return res.Error
	}
	return raiseSubmitted(tx, a, now)
}

// raiseSubmitted raises quiz.submitted for the webhooks, in the
// submission's transaction: the attempt's phase and score, never its
// anonymous code.
func raiseSubmitted(tx *gorm.DB, a *Attempt, now time.Time) error {
	subj := webhook.Subject{EventID: a.EventID, Extra: map[string]any{"quiz": map[string]any{
		"attempt_id": a.ID, "phase": a.Phase, "source": a.Source, "questions": a.NQuestions, "correct": a.NCorrect, "score_pct": a.ScorePct}}}
	if a.RegistrationID != nil {
		subj.RegistrationID = *a.RegistrationID
	}
	return webhook.Raise(tx, webhook.QuizSubmitted, subj, now)
}

// RegistrationByCode finds a registration by its confirmation code (as
// printed on the ticket). Cancelled registrations take no quiz.
func RegistrationByCode(ctx context.Context, db *gorm.DB, code string) (*registration.Registration, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 16 {
		return nil, apperr.New(apperr.NotFound, "error.quiz.ticket_not_found")
	}
	var r registration.Registration
	err := db.WithContext(ctx).Where("code = ?", code).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.quiz.ticket_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	if r.Status == registration.StatusCancelled {
		return nil, apperr.New(apperr.Invalid, "error.quiz.registration_cancelled")
	}
	return &r, nil
}

// FindAttempt returns a person's attempt for an event's phase, nil when none.
func FindAttempt(ctx context.Context, db *gorm.DB, eventID uint, phase Phase, personKey string) (*Attempt, error) {
	var a Attempt
	res := db.WithContext(ctx).Where("event_id = ? AND phase = ? AND person_key = ?", eventID, phase, personKey).Limit(1).Find(&a)
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, res.Error
	}
	return &a, nil
}

// QuestionCount is the number of questions of a quiz.
func QuestionCount(ctx context.Context, db *gorm.DB, quizID uint) (int, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Item{}).Where("quiz_id = ?", quizID).Count(&n).Error
	return int(n), err
}

// TrainerOf tells whether a staff member is assigned to an event.
func TrainerOf(ctx context.Context, db *gorm.DB, eventID, userID uint) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Table("event_trainers").Where("event_id = ? AND user_id = ?", eventID, userID).Count(&n).Error
	return n > 0, err
}

// bit is the RightMask bit of the question at a position (1-based).
func bit(position int) int64 {
	if position < 1 || position > MaxQuestions {
		return 0
	}
	return int64(1) << (position - 1)
}

// MaskOf builds a RightMask from right/wrong answers in position order.
func MaskOf(right []bool) int64 {
	var m int64
	for i, r := range right {
		if r {
			m |= bit(i + 1)
		}
	}
	return m
}
