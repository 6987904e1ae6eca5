package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0015Retention: retention set per kind of data by admins (the environment
// gives the defaults), kept in a small settings table shared by every
// instance; and a mark on session reports whose free text the retention
// job has reviewed, so that it reads each old report once.
func m0015Retention() *gormigrate.Migration {
	type setting struct {
		Key         string `gorm:"primaryKey;size:64"`
		Value       string `gorm:"type:text;not null"`
		UpdatedByID *uint
		UpdatedAt   time.Time `gorm:"not null"`
	}
	type sessionReport struct {
		TextReviewedAt *time.Time
	}
	return &gormigrate.Migration{
		ID: "0015_retention",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("settings").Migrator().CreateTable(&setting{}); err != nil {
				return err
			}
			return tx.Table("session_reports").Migrator().AddColumn(&sessionReport{}, "TextReviewedAt")
		},
		Rollback: func(tx *gorm.DB) error { return execAll(tx, `DROP TABLE settings`) },
	}
}
