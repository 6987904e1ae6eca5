package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0070Webhooks keeps the webhooks of partners' systems (issue 19):
//   - webhook_endpoints: an HTTPS address an admin registered, the event
//     types it subscribes to (",a,b," so that one LIKE finds subscribers),
//     whether it may receive personal fields, whether it is enabled, and
//     its signing secret. The secret is kept as it is (not hashed, unlike
//     an API token's): Lantern must compute an HMAC with it on every
//     delivery, so it must be readable; see docs/WEBHOOKS.md;
//   - webhook_events: what happened (a type, the ids it is about) and its
//     payload (aggregate facts; the personal fields apart, only kept when a
//     personal endpoint subscribes). A pending payload holds only the facts
//     the one-statement registration knew (the status, the seats); the
//     dispatcher completes it from the ids;
//   - webhook_deliveries: one row per endpoint and event (unique: never
//     delivered twice to one endpoint), claimed with a lease like the SMS
//     outbox, with its attempts, next attempt and last answer.
func m0070Webhooks() *gormigrate.Migration {
	type webhookEndpoint struct {
		ID           uint      `gorm:"primaryKey"`
		URL          string    `gorm:"size:500;not null"`
		Description  string    `gorm:"size:200;not null"`
		Events       string    `gorm:"size:300;not null"`
		Personal     bool      `gorm:"not null"`
		Enabled      bool      `gorm:"not null;index:ix_webhook_endpoints_enabled"`
		Secret       string    `gorm:"size:100;not null"`
		SecretPrefix string    `gorm:"size:16;not null"`
		CreatedByID  *uint     ``
		CreatedAt    time.Time `gorm:"not null"`
		UpdatedAt    time.Time `gorm:"not null"`
		RotatedAt    *time.Time
	}
	type webhookEvent struct {
		ID             uint      `gorm:"primaryKey"`
		Type           string    `gorm:"size:40;not null"`
		EventID        *uint     `gorm:"index:ix_webhook_events_event"`
		RegistrationID *uint     `gorm:"index:ix_webhook_events_registration"`
		Payload        string    `gorm:"type:text;not null"`
		Personal       string    `gorm:"type:text;not null"`
		Pending        bool      `gorm:"not null"`
		CreatedAt      time.Time `gorm:"not null"`
	}
	type webhookDelivery struct {
		ID             uint       `gorm:"primaryKey"`
		EndpointID     uint       `gorm:"not null;uniqueIndex:ux_webhook_deliveries_endpoint_event,priority:1"`
		WebhookEventID uint       `gorm:"not null;uniqueIndex:ux_webhook_deliveries_endpoint_event,priority:2;index:ix_webhook_deliveries_event"`
		Status         string     `gorm:"size:16;not null;index:ix_webhook_deliveries_due,priority:1"`
		Attempts       int        `gorm:"not null"`
		NextAttemptAt  time.Time  `gorm:"not null;index:ix_webhook_deliveries_due,priority:2"`
		LockedUntil    *time.Time ``
		LastStatus     int        `gorm:"not null"`
		LastBody       string     `gorm:"size:600;not null"`
		LastError      string     `gorm:"size:300;not null"`
		LastAttemptAt  *time.Time ``
		DeliveredAt    *time.Time ``
		CreatedAt      time.Time  `gorm:"not null"`
		UpdatedAt      time.Time  `gorm:"not null"`
	}
	return &gormigrate.Migration{
		ID: "0070_webhooks",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("webhook_endpoints").Migrator().CreateTable(&webhookEndpoint{}); err != nil {
				return err
			}
			if err := tx.Table("webhook_events").Migrator().CreateTable(&webhookEvent{}); err != nil {
				return err
			}
			return tx.Table("webhook_deliveries").Migrator().CreateTable(&webhookDelivery{})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE IF EXISTS webhook_deliveries`, `DROP TABLE IF EXISTS webhook_events`, `DROP TABLE IF EXISTS webhook_endpoints`)
		},
	}
}
