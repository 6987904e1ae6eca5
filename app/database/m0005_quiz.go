package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0005Quiz creates the question bank, the quizzes (ordered lists of
// questions, with an optional parallel form), the events' pre and post quiz
// columns, and the attempts with their answers.
//
// An attempt belongs to one person for one event and phase: person_key is
// "r<registration id>" or "a:<anonymous code>", so that one unique index
// refuses a second attempt and pre and post pair on (event_id, person_key).
// Each answer keeps whether it was right, so that the knowledge-gain report
// is a handful of SQL aggregates.
func m0005Quiz() *gormigrate.Migration {
	type question struct {
		ID          uint   `gorm:"primaryKey"`
		Kind        string `gorm:"size:16;not null"` // single | multiple | true_false
		Topic       string `gorm:"size:48;not null;default:'';index"`
		Lang        string `gorm:"size:5;not null;default:'vi'"`
		Text        string `gorm:"type:text;not null"`              // JSON per language
		Choices     string `gorm:"type:text;not null;default:'[]'"` // JSON [{"text":{…},"correct":bool}]
		Explanation string `gorm:"type:text;not null;default:'{}'"` // JSON per language, shown after the post quiz
		Active      bool   `gorm:"not null;default:true"`
		CreatedByID *uint
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type quiz struct {
		ID          uint   `gorm:"primaryKey"`
		Code        string `gorm:"size:32;not null;uniqueIndex"`
		Title       string `gorm:"type:text;not null"` // JSON per language
		Lang        string `gorm:"size:5;not null;default:'vi'"`
		ParallelID  *uint  `gorm:"index"` // the quiz's parallel form, if any
		Active      bool   `gorm:"not null;default:true"`
		CreatedByID *uint
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type quizQuestion struct {
		QuizID     uint `gorm:"primaryKey;autoIncrement:false"`
		Position   int  `gorm:"primaryKey;autoIncrement:false"`
		QuestionID uint `gorm:"not null;index"`
	}
	type eventQuizzes struct {
		PreQuizID  *uint
		PostQuizID *uint
	}
	type quizAttempt struct {
		ID             uint      `gorm:"primaryKey"`
		Token          string    `gorm:"size:32;not null;uniqueIndex"` // the participant's link to resume
		EventID        uint      `gorm:"not null"`
		QuizID         uint      `gorm:"not null;index"`
		Phase          string    `gorm:"size:4;not null;check:phase = 'pre' OR phase = 'post'"`
		PersonKey      string    `gorm:"size:40;not null"`
		RegistrationID *uint     `gorm:"index"`
		AnonCode       *string   `gorm:"size:24"`
		Sex            string    `gorm:"size:16;not null;default:''"` // for anonymous attempts (optional)
		AgeBand        string    `gorm:"size:16;not null;default:''"`
		Source         string    `gorm:"size:8;not null;default:'web'"` // web | paper
		Lang           string    `gorm:"size:5;not null;default:'vi'"`
		NQuestions     int       `gorm:"not null;default:0"`
		NCorrect       int       `gorm:"not null;default:0"`
		RightMask      int64     `gorm:"not null;default:0"` // bit i set: the question at position i+1 was right
		ScorePct       *float64  `gorm:"type:double precision"`
		StartedAt      time.Time `gorm:"not null"`
		SubmittedAt    *time.Time
		EnteredByID    *uint
		UpdatedAt      time.Time
	}
	type quizAnswer struct {
		ID         uint      `gorm:"primaryKey"`
		AttemptID  uint      `gorm:"not null"`
		QuestionID uint      `gorm:"not null;index"`
		Choices    string    `gorm:"size:16;not null"` // the letters chosen, e.g. "A" or "AC"
		Correct    bool      `gorm:"not null"`
		AnsweredAt time.Time `gorm:"not null"`
	}
	return &gormigrate.Migration{
		ID: "0005_quiz",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range []struct {
				name  string
				model any
			}{
				{"questions", &question{}}, {"quizzes", &quiz{}}, {"quiz_questions", &quizQuestion{}},
				{"quiz_attempts", &quizAttempt{}}, {"quiz_answers", &quizAnswer{}},
			} {
				if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
					return err
				}
			}
			for _, col := range []string{"PreQuizID", "PostQuizID"} {
				if err := tx.Table("events").Migrator().AddColumn(&eventQuizzes{}, col); err != nil {
					return err
				}
			}
			return execAll(tx,
				`CREATE UNIQUE INDEX ux_quiz_questions_question ON quiz_questions (quiz_id, question_id)`,
				// One attempt per person, event and phase: a second one is refused.
				`CREATE UNIQUE INDEX ux_quiz_attempts_person ON quiz_attempts (event_id, phase, person_key)`,
				`CREATE INDEX ix_quiz_attempts_pairing ON quiz_attempts (event_id, person_key, phase)`,
				`CREATE INDEX ix_quiz_attempts_submitted ON quiz_attempts (phase, submitted_at)`,
				`CREATE UNIQUE INDEX ux_quiz_answers_attempt_question ON quiz_answers (attempt_id, question_id)`,
				`CREATE INDEX ix_quiz_answers_question ON quiz_answers (question_id, attempt_id)`,
				`CREATE INDEX ix_events_pre_quiz ON events (pre_quiz_id)`,
				`CREATE INDEX ix_events_post_quiz ON events (post_quiz_id)`,
			)
		},
	}
}
