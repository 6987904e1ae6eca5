package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0011FamilyPhones: a phone number is not a secret and families share one.
//   - One registration per number, event AND person (the folded name), up to
//     four per number (checked by the registration service under the event's
//     lock): a sister registering with her mother's phone gets her own
//     ticket instead of her mother's.
//   - ticket_sent_at: when the ticket link last went to the phone, so that
//     re-typing a registered number re-sends it at most every 10 minutes.
//   - phone_renumbered: the number typed was an old 11-digit mobile,
//     converted; the ticket's notice reads it here, never from the URL.
func m0011FamilyPhones() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0011_family_phones",
		Migrate: func(tx *gorm.DB) error {
			type registration struct {
				TicketSentAt    *time.Time
				PhoneRenumbered bool `gorm:"not null;default:false"`
			}
			for _, col := range []string{"TicketSentAt", "PhoneRenumbered"} {
				if err := tx.Table("registrations").Migrator().AddColumn(&registration{}, col); err != nil {
					return err
				}
			}
			return execAll(tx,
				`DROP INDEX IF EXISTS ux_registrations_event_phone`,
				`CREATE UNIQUE INDEX ux_registrations_event_phone_person ON registrations (event_id, phone, name_folded) WHERE phone IS NOT NULL AND kind = 'individual'`,
				`CREATE INDEX ix_registrations_event_phone ON registrations (event_id, phone)`,
			)
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx,
				`DROP INDEX IF EXISTS ix_registrations_event_phone`,
				`DROP INDEX IF EXISTS ux_registrations_event_phone_person`,
				`CREATE UNIQUE INDEX ux_registrations_event_phone ON registrations (event_id, phone) WHERE phone IS NOT NULL AND kind = 'individual'`,
				`ALTER TABLE registrations DROP COLUMN phone_renumbered`,
				`ALTER TABLE registrations DROP COLUMN ticket_sent_at`,
			)
		},
	}
}
