package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0006Coaching is the coaching issue's schema change (kept empty until that
// work lands, so that the migration IDs stay in a fixed order).
func m0006Coaching() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0006_coaching",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
