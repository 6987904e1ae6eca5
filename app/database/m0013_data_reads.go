package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0013DataReads: who looked at whose personal data (Law 91/2025 asks the
// controller to be able to say). One row per look (a roster, a list with
// names, an export, a privacy search, a coachee's record), with the event it
// covered or, for targeted looks, the registrations it showed.
func m0013DataReads() *gormigrate.Migration {
	type dataRead struct {
		ID            uint
		ActorID       uint   `gorm:"not null"`
		Kind          string `gorm:"size:32;not null"`
		EventID       *uint
		SubjectUserID *uint
		People        int       `gorm:"not null;default:0"`
		CreatedAt     time.Time `gorm:"not null"`
	}
	type dataReadSubject struct {
		ReadID         uint `gorm:"primaryKey;autoIncrement:false"`
		RegistrationID uint `gorm:"primaryKey;autoIncrement:false"`
	}
	return &gormigrate.Migration{
		ID: "0013_data_reads",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("data_reads").Migrator().CreateTable(&dataRead{}); err != nil {
				return err
			}
			if err := tx.Table("data_read_subjects").Migrator().CreateTable(&dataReadSubject{}); err != nil {
				return err
			}
			return execAll(tx,
				`CREATE INDEX ix_data_reads_created ON data_reads (created_at)`,
				`CREATE INDEX ix_data_reads_event ON data_reads (event_id)`,
				`CREATE INDEX ix_data_read_subjects_reg ON data_read_subjects (registration_id)`,
			)
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE data_read_subjects`, `DROP TABLE data_reads`)
		},
	}
}
