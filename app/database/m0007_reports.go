package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0007Reports adds nothing of its own: the reports read the other areas'
// tables with explicit SQL. It only makes sure that the tables the reports
// read exist with the shapes agreed in the contracts (attendances and
// headcounts belong to the attendance migration m0004, which runs first and
// creates them; these frozen copies are used only when a database was built
// without it), and adds the indexes the report queries lean on.
func m0007Reports() *gormigrate.Migration {
	type attendance struct {
		ID             uint      `gorm:"primaryKey"`
		EventID        uint      `gorm:"not null;index"`
		RegistrationID uint      `gorm:"not null;uniqueIndex:ux_attendances_registration"`
		CheckedInAt    time.Time `gorm:"not null"`
		CheckedInByID  *uint     ``
		Source         string    `gorm:"size:16;not null"`
		ClientID       *string   `gorm:"size:64;uniqueIndex:ux_attendances_client"`
		CreatedAt      time.Time `gorm:"not null"`
	}
	type headcount struct {
		ID           uint      `gorm:"primaryKey"`
		EventID      uint      `gorm:"not null;uniqueIndex:ux_headcounts_cell"`
		Sex          string    `gorm:"size:16;not null;uniqueIndex:ux_headcounts_cell"`
		AgeBand      string    `gorm:"size:16;not null;uniqueIndex:ux_headcounts_cell"`
		Count        int       `gorm:"not null;default:0"`
		RecordedByID *uint     ``
		UpdatedAt    time.Time `gorm:"not null"`
	}
	return &gormigrate.Migration{
		ID: "0007_reports",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range []struct {
				name  string
				model any
			}{{"attendances", &attendance{}}, {"headcounts", &headcount{}}} {
				if tx.Migrator().HasTable(t.name) {
					continue
				}
				if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
					return err
				}
			}
			return execAll(tx,
				// Events held in a period, by partner (dashboard filters).
				`CREATE INDEX ix_events_report ON events (starts_at, partner_id)`,
			)
		},
	}
}
