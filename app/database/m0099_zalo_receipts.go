package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0099ZaloReceipts: an urgent message (a ticket, a code, a change) that
// Zalo accepted waits for Zalo's delivery receipt until receipt_due_at;
// without one by then it falls back to the next channel (SMS): when it
// fell back (fell_back_at), the id Zalo gave the attempt that got no
// receipt (fallback_provider_id, so that a late receipt still finds it)
// and when that late receipt came (late_receipt_at). Ratings given inside
// Zalo's rating template are recorded on the request's row with their
// source (rating_source: "link" or "zalo").
func m0099ZaloReceipts() *gormigrate.Migration {
	type smsMessage struct {
		ReceiptDueAt       *time.Time
		FellBackAt         *time.Time
		FallbackProviderID string `gorm:"size:120;not null;default:''"`
		LateReceiptAt      *time.Time
	}
	type sessionRating struct {
		RatingSource string `gorm:"size:8;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0099_zalo_receipts",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"ReceiptDueAt", "FellBackAt", "FallbackProviderID", "LateReceiptAt"} {
				if err := tx.Table("sms_messages").Migrator().AddColumn(&smsMessage{}, col); err != nil {
					return err
				}
			}
			if err := tx.Table("session_ratings").Migrator().AddColumn(&sessionRating{}, "RatingSource"); err != nil {
				return err
			}
			return execAll(tx,
				`CREATE INDEX ix_sms_messages_receipt_due ON sms_messages (receipt_due_at)`,
				`CREATE INDEX ix_sms_messages_fallback_provider ON sms_messages (fallback_provider_id)`)
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP INDEX IF EXISTS ix_sms_messages_receipt_due`, `DROP INDEX IF EXISTS ix_sms_messages_fallback_provider`)
		},
	}
}
