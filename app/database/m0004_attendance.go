package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0004Attendance creates what check-in at the venue needs: one attendance
// row per registration (the first check-in wins), aggregate headcounts of
// people who never registered, receipts of the check-ins queued offline on
// a trainer's phone (so that a replayed batch changes nothing, even after an
// undo), and certificates of attendance with their verification codes.
func m0004Attendance() *gormigrate.Migration {
	type attendance struct {
		ID             uint      `gorm:"primaryKey"`
		EventID        uint      `gorm:"not null;index"`
		RegistrationID uint      `gorm:"not null;uniqueIndex:ux_attendances_registration"`
		CheckedInAt    time.Time `gorm:"not null"`
		CheckedInByID  *uint     ``
		Source         string    `gorm:"size:16;not null"` // code | qr | search | roster | walk_in | sheet | offline
		ClientID       *string   `gorm:"size:64;uniqueIndex:ux_attendances_client"`
		CreatedAt      time.Time `gorm:"not null"`
	}
	type headcount struct {
		ID           uint      `gorm:"primaryKey"`
		EventID      uint      `gorm:"not null;uniqueIndex:ux_headcounts_cell"`
		Sex          string    `gorm:"size:16;not null;uniqueIndex:ux_headcounts_cell"`
		AgeBand      string    `gorm:"size:16;not null;uniqueIndex:ux_headcounts_cell"`
		Count        int       `gorm:"not null;default:0;check:chk_headcounts_count,count >= 0"`
		RecordedByID *uint     ``
		UpdatedAt    time.Time `gorm:"not null"`
	}
	type checkinReceipt struct {
		ClientID       string    `gorm:"primaryKey;size:64"`
		EventID        uint      `gorm:"not null;index"`
		RegistrationID *uint     ``
		Status         string    `gorm:"size:16;not null"`
		ReceivedByID   *uint     ``
		CreatedAt      time.Time `gorm:"not null"`
	}
	type certificate struct {
		ID             uint      `gorm:"primaryKey"`
		EventID        uint      `gorm:"not null;index"`
		RegistrationID uint      `gorm:"not null;uniqueIndex:ux_certificates_registration"`
		Code           string    `gorm:"size:16;not null;uniqueIndex:ux_certificates_code"`
		IssuedAt       time.Time `gorm:"not null"`
	}
	tables := []struct {
		name  string
		model any
	}{
		{"attendances", &attendance{}}, {"headcounts", &headcount{}},
		{"checkin_receipts", &checkinReceipt{}}, {"certificates", &certificate{}},
	}
	return &gormigrate.Migration{
		ID: "0004_attendance",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range tables {
				if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
					return err
				}
			}
			return execAll(tx,
				`CREATE INDEX ix_attendances_event_time ON attendances (event_id, checked_in_at)`,
			)
		},
	}
}
