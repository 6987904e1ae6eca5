package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0004Attendance is the attendance issue's schema change (kept empty until that
// work lands, so that the migration IDs stay in a fixed order).
func m0004Attendance() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0004_attendance",
		Migrate: func(tx *gorm.DB) error {
			return nil
		},
	}
}
