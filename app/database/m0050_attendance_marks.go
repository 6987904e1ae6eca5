package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0050AttendanceMarks keeps, per registration, the latest observation made
// about the person at their session (a check-in or an undo, at the moment
// it happened on the device), so that the latest one decides whether they
// were there whatever order phones send them in (docs/ATTENDANCE.md):
//   - present, observed_at: the kind and time of the latest observation;
//   - checked_in_at: when the present stay began (the attendance row's time);
//   - undone_at: the latest undo seen, so that an older check-in arriving
//     late never moves checked_in_at before it.
//
// The attendance row follows the mark: it exists exactly when present is
// true. Every check-in and undo upserts the mark first (INSERT … ON
// CONFLICT DO UPDATE, which locks the row), which orders concurrent
// observations of one person on both databases. Existing attendances get a
// mark at their check-in time.
func m0050AttendanceMarks() *gormigrate.Migration {
	type attendanceMark struct {
		RegistrationID uint       `gorm:"primaryKey;autoIncrement:false"`
		EventID        uint       `gorm:"not null"`
		Present        bool       `gorm:"not null"`
		ObservedAt     time.Time  `gorm:"not null"`
		CheckedInAt    *time.Time ``
		UndoneAt       *time.Time ``
	}
	return &gormigrate.Migration{
		ID: "0050_attendance_marks",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("attendance_marks").Migrator().CreateTable(&attendanceMark{}); err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO attendance_marks (registration_id, event_id, present, observed_at, checked_in_at)
				SELECT registration_id, event_id, ?, checked_in_at, checked_in_at FROM attendances`, true).Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec(`DROP TABLE IF EXISTS attendance_marks`).Error
		},
	}
}
