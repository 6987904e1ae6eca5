package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0010ReceiptSweep lets the janitor delete old check-in receipts (one row
// per item a phone ever sent, kept so that a replay changes nothing): it
// finds them by their time. The index on the event, which no query used,
// goes: each check-in writes one receipt, so it keeps one index to update,
// not two.
func m0010ReceiptSweep() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0010_receipt_sweep",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Exec(`DROP INDEX IF EXISTS idx_checkin_receipts_event_id`).Error; err != nil {
				return err
			}
			return tx.Exec(`CREATE INDEX ix_checkin_receipts_created ON checkin_receipts (created_at)`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec(`DROP INDEX IF EXISTS ix_checkin_receipts_created`).Error; err != nil {
				return err
			}
			return tx.Exec(`CREATE INDEX idx_checkin_receipts_event_id ON checkin_receipts (event_id)`).Error
		},
	}
}
