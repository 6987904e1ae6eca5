package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0006Coaching creates the session reports that trainers write after a
// session (with their follow-up actions, referrals and the reminders
// organisers send), the competency framework, and the coaching records:
// sessions, ratings per competency and action points.
//
// Calendar dates that carry no time of day (a coaching date, a due date) are
// stored as 'YYYY-MM-DD' text: they sort and compare the same way on both
// databases and never shift with a time zone.
func m0006Coaching() *gormigrate.Migration {
	type sessionReport struct {
		ID          uint      `gorm:"primaryKey"`
		EventID     uint      `gorm:"not null;uniqueIndex"`
		AuthorID    uint      `gorm:"not null;index"`
		Lang        string    `gorm:"size:5;not null;default:'vi'"`
		Covered     string    `gorm:"type:text;not null;default:''"`
		HowItWent   string    `gorm:"type:text;not null;default:''"`
		Questions   string    `gorm:"type:text;not null;default:''"`
		Topics      string    `gorm:"size:500;not null;default:''"` // comma-separated tags
		CreatedAt   time.Time `gorm:"not null"`
		UpdatedAt   time.Time `gorm:"not null"`
		UpdatedByID *uint
	}
	type reportFollowUp struct {
		ID       uint   `gorm:"primaryKey"`
		ReportID uint   `gorm:"not null;index"`
		Position int    `gorm:"not null;default:0"`
		Action   string `gorm:"size:300;not null"`
		Owner    string `gorm:"size:120;not null;default:''"`
		DueOn    string `gorm:"size:10;not null;default:''"`
	}
	type reportReferral struct {
		ID       uint   `gorm:"primaryKey"`
		ReportID uint   `gorm:"not null;index"`
		Service  string `gorm:"size:32;not null"`
		Count    int    `gorm:"not null;check:chk_report_referrals_count,count > 0"`
	}
	type reportReminder struct {
		ID           uint      `gorm:"primaryKey"`
		EventID      uint      `gorm:"not null;index"`
		TrainerID    uint      `gorm:"not null;index"`
		Day          string    `gorm:"size:10;not null"`
		RemindedByID uint      `gorm:"not null"`
		CreatedAt    time.Time `gorm:"not null"`
	}
	type competency struct {
		ID          uint   `gorm:"primaryKey"`
		Code        string `gorm:"size:48;not null;uniqueIndex"`
		Position    int    `gorm:"not null;default:0"`
		Name        string `gorm:"type:text;not null"` // JSON per language
		Description string `gorm:"type:text;not null;default:'{}'"`
		Level1      string `gorm:"type:text;not null;default:'{}'"`
		Level2      string `gorm:"type:text;not null;default:'{}'"`
		Level3      string `gorm:"type:text;not null;default:'{}'"`
		Level4      string `gorm:"type:text;not null;default:'{}'"`
		Active      bool   `gorm:"not null;default:true"`
		UpdatedAt   time.Time
	}
	type coachingSession struct {
		ID           uint   `gorm:"primaryKey"`
		CoachID      uint   `gorm:"not null;index"`
		CoacheeID    uint   `gorm:"not null"`
		HeldOn       string `gorm:"size:10;not null"`
		Mode         string `gorm:"size:16;not null;check:chk_coaching_sessions_mode,mode IN ('on_site','remote','observation')"`
		EventID      *uint  `gorm:"index"`
		Topics       string `gorm:"type:text;not null;default:''"`
		Strengths    string `gorm:"type:text;not null;default:''"`
		Difficulties string `gorm:"type:text;not null;default:''"`
		NextOn       string `gorm:"size:10;not null;default:''"`
		CreatedByID  uint   `gorm:"not null"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type coachingRating struct {
		ID           uint `gorm:"primaryKey"`
		SessionID    uint `gorm:"not null"`
		CompetencyID uint `gorm:"not null;index"`
		Level        int  `gorm:"not null;check:chk_coaching_ratings_level,level BETWEEN 1 AND 4"`
	}
	type actionPoint struct {
		ID        uint   `gorm:"primaryKey"`
		SessionID uint   `gorm:"not null;index"`
		CoacheeID uint   `gorm:"not null"`
		Text      string `gorm:"size:300;not null"`
		DueOn     string `gorm:"size:10;not null"`
		DoneOn    string `gorm:"size:10;not null;default:''"`
		DoneByID  *uint
		CreatedAt time.Time
	}
	tables := []struct {
		name  string
		model any
	}{
		{"session_reports", &sessionReport{}}, {"report_follow_ups", &reportFollowUp{}},
		{"report_referrals", &reportReferral{}}, {"report_reminders", &reportReminder{}},
		{"competencies", &competency{}}, {"coaching_sessions", &coachingSession{}},
		{"coaching_ratings", &coachingRating{}}, {"action_points", &actionPoint{}},
	}
	return &gormigrate.Migration{
		ID: "0006_coaching",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range tables {
				if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
					return err
				}
			}
			return execAll(tx,
				// One reminder per trainer, event and day: a second click the
				// same day sends nothing.
				`CREATE UNIQUE INDEX ux_report_reminders_day ON report_reminders (event_id, trainer_id, day)`,
				`CREATE UNIQUE INDEX ux_coaching_ratings_session_competency ON coaching_ratings (session_id, competency_id)`,
				`CREATE INDEX ix_coaching_sessions_coachee ON coaching_sessions (coachee_id, held_on)`,
				`CREATE INDEX ix_action_points_coachee ON action_points (coachee_id, due_on)`,
				`CREATE INDEX ix_coaching_sessions_held ON coaching_sessions (held_on)`,
			)
		},
	}
}
