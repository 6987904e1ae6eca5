package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0008Events is the event-management work's schema change (kept empty until
// that work lands, so that the migration IDs stay in a fixed order).
func m0008Events() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0008_events",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
