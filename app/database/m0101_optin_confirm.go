package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0101OptinConfirm makes the announcements' opt-in double (issue 15): a
// phone number is not a secret, so ticking the box only asks; the number's
// owner confirms with a link sent to that number. ConfirmToken is the
// link's secret (kept while it works, so that a second tap reads as done),
// RequestedAt when it was last sent.
// Opt-ins confirmed before this stay as they are.
func m0101OptinConfirm() *gormigrate.Migration {
	type announcementOptin struct {
		ConfirmToken *string `gorm:"size:64;uniqueIndex:ux_announcement_optins_confirm_token"`
		RequestedAt  *time.Time
	}
	return &gormigrate.Migration{
		ID: "0101_optin_confirm",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Table("announcement_optins").Migrator()
			for _, f := range []string{"ConfirmToken", "RequestedAt"} {
				if err := m.AddColumn(&announcementOptin{}, f); err != nil {
					return err
				}
			}
			return m.CreateIndex(&announcementOptin{}, "ux_announcement_optins_confirm_token")
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP INDEX ux_announcement_optins_confirm_token`,
				`ALTER TABLE announcement_optins DROP COLUMN confirm_token`,
				`ALTER TABLE announcement_optins DROP COLUMN requested_at`)
		},
	}
}
