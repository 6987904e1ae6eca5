package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0007Reports adds no table: the reports read the other areas' tables with
// explicit SQL. It adds the index the period and partner filters lean on.
func m0007Reports() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0007_reports",
		Migrate: func(tx *gorm.DB) error {
			return execAll(tx,
				// Events of a period, by partner (dashboard filters, exports).
				`CREATE INDEX ix_events_report ON events (starts_at, partner_id)`,
			)
		},
	}
}
