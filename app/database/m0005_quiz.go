package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0005Quiz is the quiz issue's schema change (kept empty until that
// work lands, so that the migration IDs stay in a fixed order).
func m0005Quiz() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0005_quiz",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
