package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0007Reports is the reports issue's schema change (kept empty until that
// work lands, so that the migration IDs stay in a fixed order).
func m0007Reports() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0007_reports",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
