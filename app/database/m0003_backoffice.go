package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0003Backoffice is the backoffice issue's schema change (kept empty until that
// work lands, so that the migration IDs stay in a fixed order).
func m0003Backoffice() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0003_backoffice",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
