package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0002Registration is the registration issue's schema change (kept empty until that
// work lands, so that the migration IDs stay in a fixed order).
func m0002Registration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0002_registration",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
