package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0096ConsentCountry lets a consent text belong to one country (issue
// 20): the laws differ (Vietnam's Law 91/2025, the Philippines' Data
// Privacy Act…), so a session shows its country's text, else the
// programme's ("", every text published before).
func m0096ConsentCountry() *gormigrate.Migration {
	type consentVersion struct {
		Country string `gorm:"size:2;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0096_consent_country",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("consent_versions").Migrator().AddColumn(&consentVersion{}, "Country")
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `ALTER TABLE consent_versions DROP COLUMN country`)
		},
	}
}
