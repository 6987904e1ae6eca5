package seed

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/user"
)

type quizzesFile struct {
	Quizzes []struct {
		Code      string       `yaml:"code"`
		Lang      string       `yaml:"lang"`
		Title     content.Text `yaml:"title"`
		Questions []struct {
			Kind        string         `yaml:"kind"`
			Topic       string         `yaml:"topic"`
			Correct     string         `yaml:"correct"`
			Text        content.Text   `yaml:"text"`
			Choices     []content.Text `yaml:"choices"`
			Explanation content.Text   `yaml:"explanation"`
		} `yaml:"questions"`
	} `yaml:"quizzes"`
}

// seedQuizzes loads seed/quizzes.yaml (demo mode): the question bank and the
// quiz, set as the pre and post quiz of the seeded events that have none, and
// anonymous demo attempts for the sessions already held, so that the
// knowledge-gain report has something to show. Idempotent: a quiz whose code
// exists is left as organisers edited it, and sessions with attempts get no more.
func seedQuizzes(tx *gorm.DB, fsys fs.FS, eventIDs []uint, now time.Time) error {
	var f quizzesFile
	if err := readYAML(fsys, "seed/quizzes.yaml", &f); err != nil {
		return err
	}
	var first *quiz.Quiz
	for _, qf := range f.Quizzes {
		var existing quiz.Quiz
		res := tx.Where("code = ?", qf.Code).Limit(1).Find(&existing)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected > 0 {
			if first == nil {
				first = &existing
			}
			continue
		}
		q := &quiz.Quiz{Code: qf.Code, Lang: qf.Lang, Title: qf.Title, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(q).Error; err != nil {
			return err
		}
		for i, x := range qf.Questions {
			qu := quiz.Question{Kind: quiz.Kind(x.Kind), Topic: x.Topic, Lang: qf.Lang, Text: x.Text,
				Explanation: x.Explanation, Active: true, CreatedAt: now, UpdatedAt: now}
			n := len(x.Choices)
			if qu.Kind == quiz.KindTrueFalse {
				n = 2
			}
			for c := 0; c < n; c++ {
				ch := quiz.Choice{Text: content.Text{}}
				if c < len(x.Choices) {
					ch.Text = x.Choices[c]
				}
				for _, r := range x.Correct {
					if int(r-'A') == c {
						ch.Correct = true
					}
				}
				qu.Choices = append(qu.Choices, ch)
			}
			if err := qu.Validate(); err != nil {
				return fmt.Errorf("seed/quizzes.yaml: %s question %d: %v %v", qf.Code, i+1, err, apperr.FieldsOf(err))
			}
			if err := tx.Create(&qu).Error; err != nil {
				return err
			}
			if err := tx.Create(&quiz.Item{QuizID: q.ID, Position: i + 1, QuestionID: qu.ID}).Error; err != nil {
				return err
			}
		}
		if first == nil {
			first = q
		}
	}
	if first == nil || len(eventIDs) == 0 {
		return nil
	}
	if err := tx.Table("events").Where("id IN ? AND pre_quiz_id IS NULL AND post_quiz_id IS NULL", eventIDs).
		Updates(map[string]any{"pre_quiz_id": first.ID, "post_quiz_id": first.ID}).Error; err != nil {
		return err
	}
	return seedDemoAttempts(tx, first.ID, now)
}

// seedDemoAttempts adds anonymous paper pre and post attempts to the
// sessions that are over, use the quiz and have no attempt yet, from the
// people checked in there (never more than were present): about four in
// five do the first quiz and most of them the second, a few come late and
// do the second only; they know more after than before (made-up demo data;
// the codes start with DEMO).
func seedDemoAttempts(tx *gorm.DB, quizID uint, now time.Time) error {
	var evs []struct {
		ID     uint
		EndsAt time.Time
	}
	if err := tx.Table("events").Select("id, ends_at").
		Where("ends_at < ? AND pre_quiz_id = ? AND NOT EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.event_id = events.id)", now, quizID).
		Order("id").Find(&evs).Error; err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	var items []quiz.Item
	if err := tx.Preload("Question").Where("quiz_id = ?", quizID).Order("position").Find(&items).Error; err != nil {
		return err
	}
	// What a right and a wrong answer look like for each question.
	rightL, wrongL := make([]string, len(items)), make([]string, len(items))
	for i, it := range items {
		rightL[i] = it.Question.CorrectLetters()
		wrongL[i] = rightL[i][:1] // a multiple-choice answer with one right letter only is wrong
		if it.Question.Kind != quiz.KindMultiple || len(rightL[i]) == 1 {
			for c := range it.Question.Choices {
				if !it.Question.Choices[c].Correct {
					wrongL[i] = quiz.Letter(c)
					break
				}
			}
		}
	}
	for _, e := range evs {
		rng := rand.New(rand.NewPCG(uint64(e.ID), 6))
		var atts []*quiz.Attempt
		var right [][]bool
		var present []struct{ Sex, AgeBand string }
		if err := tx.Table("attendances a").Select("r.sex, r.age_band").
			Joins("JOIN registrations r ON r.id = a.registration_id").
			Where("a.event_id = ? AND r.kind = ?", e.ID, registration.KindIndividual).Order("r.id").
			Scan(&present).Error; err != nil {
			return err
		}
		for p, person := range present {
			code := fmt.Sprintf("DEMO%02d", p+1)
			sex, age := person.Sex, person.AgeBand
			skill := 0.25 + 0.4*rng.Float64()
			pre := rng.Float64() < 0.8
			post := (pre && rng.Float64() < 0.85) || (!pre && rng.Float64() < 0.15)
			for _, ph := range []quiz.Phase{quiz.PhasePre, quiz.PhasePost} {
				if (ph == quiz.PhasePre && !pre) || (ph == quiz.PhasePost && !post) {
					continue
				}
				chance := skill
				if ph == quiz.PhasePost {
					chance = skill + 0.2
				}
				rs := make([]bool, len(items))
				n := 0
				for i := range items {
					// The fourth question (several answers) stays hard.
					c := chance
					if i == 3 {
						c -= 0.25
					}
					rs[i] = rng.Float64() < c
					if rs[i] {
						n++
					}
				}
				s := 100 * float64(n) / float64(len(items))
				at := e.EndsAt.Add(-3 * time.Hour)
				if ph == quiz.PhasePost {
					at = e.EndsAt.Add(-10 * time.Minute)
				}
				c := code
				atts = append(atts, &quiz.Attempt{Token: user.RandomToken(12), EventID: e.ID, QuizID: quizID, Phase: ph,
					PersonKey: quiz.AnonKey(code), AnonCode: &c, Sex: sex, AgeBand: age, Source: quiz.SourcePaper, Lang: "vi",
					NQuestions: len(items), NCorrect: n, RightMask: quiz.MaskOf(rs), ScorePct: &s, StartedAt: at, SubmittedAt: &at, UpdatedAt: at})
				right = append(right, rs)
			}
		}
		if len(atts) == 0 {
			continue
		}
		if err := tx.Omit("Answers").CreateInBatches(atts, 100).Error; err != nil {
			return err
		}
		var answers []quiz.Answer
		for k, a := range atts {
			for i, it := range items {
				letters := wrongL[i]
				if right[k][i] {
					letters = rightL[i]
				}
				answers = append(answers, quiz.Answer{AttemptID: a.ID, QuestionID: it.QuestionID, Choices: letters, Correct: right[k][i], AnsweredAt: *a.SubmittedAt})
			}
		}
		if err := tx.CreateInBatches(answers, 500).Error; err != nil {
			return err
		}
	}
	return nil
}
