package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0002Registration adds the indexes the registration flows read by: the
// waiting list in order of arrival (promotion, "your place in line"), and the
// SMS outbox page (newest first, by event).
func m0002Registration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0002_registration",
		Migrate: func(tx *gorm.DB) error {
			return execAll(tx,
				`CREATE INDEX ix_registrations_waitlist ON registrations (event_id, status, waitlisted_at, id)`,
				`CREATE INDEX ix_sms_messages_event ON sms_messages (event_id, id)`,
			)
		},
	}
}
