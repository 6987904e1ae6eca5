package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0008Events adds the counters that number event codes per kind (FD01,
// AW02 …). Creating an event locks its kind's counter row, so that two
// organisers creating events at the same moment never compute the same code
// (on PostgreSQL, READ COMMITTED would let both read the same highest code).
func m0008Events() *gormigrate.Migration {
	type eventCodeCounter struct {
		Prefix string `gorm:"primaryKey;size:8"`
		Last   int    `gorm:"not null;default:0"`
	}
	return &gormigrate.Migration{
		ID: "0008_events",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("event_code_counters").Migrator().CreateTable(&eventCodeCounter{})
		},
	}
}
