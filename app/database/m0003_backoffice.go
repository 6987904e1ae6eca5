package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0003Backoffice adds what the staff back office needs: one-time
// set-password links, who published each consent text, and the indexes the
// audit log filters and the retention worker use.
func m0003Backoffice() *gormigrate.Migration {
	// Frozen copies of the models as they were at this version.
	type passwordToken struct {
		ID          uint      `gorm:"primaryKey"`
		UserID      uint      `gorm:"not null;index"`
		TokenHash   string    `gorm:"size:64;not null;uniqueIndex"` // SHA-256 of the token in the link
		ExpiresAt   time.Time `gorm:"not null;index"`
		UsedAt      *time.Time
		CreatedByID *uint
		CreatedAt   time.Time `gorm:"not null"`
	}
	type consentVersion struct {
		CreatedByID *uint
	}
	return &gormigrate.Migration{
		ID: "0003_backoffice",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("password_tokens").Migrator().CreateTable(&passwordToken{}); err != nil {
				return err
			}
			if err := tx.Table("consent_versions").Migrator().AddColumn(&consentVersion{}, "CreatedByID"); err != nil {
				return err
			}
			return execAll(tx,
				`CREATE INDEX ix_audit_logs_actor_created ON audit_logs (actor_id, created_at)`,
				`CREATE INDEX ix_audit_logs_entity_created ON audit_logs (entity, created_at)`,
				// The retention worker looks for registrations not yet anonymised.
				`CREATE INDEX ix_registrations_anonymised ON registrations (anonymised_at, event_id)`,
			)
		},
	}
}
