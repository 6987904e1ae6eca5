package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0102UnloggedLimits makes the rate limits' counters an UNLOGGED table on
// PostgreSQL: they are hit on every registration, sign-in and code typed,
// and only matter for minutes. Unlogged, a hit writes no WAL and its
// commit waits for no disk flush; after a crash the table comes back
// empty, which only forgives the attempts of the minutes before it. Every
// instance still shares it (unlike a temporary table). SQLite has no such
// thing and keeps its table.
func m0102UnloggedLimits() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0102_unlogged_limits",
		Migrate: func(tx *gorm.DB) error {
			if Dialect(tx) != "postgres" {
				return nil
			}
			return execAll(tx, `ALTER TABLE rate_limits SET UNLOGGED`)
		},
		Rollback: func(tx *gorm.DB) error {
			if Dialect(tx) != "postgres" {
				return nil
			}
			return execAll(tx, `ALTER TABLE rate_limits SET LOGGED`)
		},
	}
}
