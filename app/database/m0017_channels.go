package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0017Channels: a message goes through an ordered list of channels (Zalo
// template, then SMS): which one it is on (step) and took (channel), what
// happened on the way (channel_log: "zalo: no Zalo account → sms"), why it
// waits (held_reason: quiet hours, the daily cap), when the provider said it
// was delivered, and the template's parameters (a Zalo template is filled
// from them, not from the SMS text).
func m0017Channels() *gormigrate.Migration {
	type smsMessage struct {
		Channel     string `gorm:"size:16;not null;default:''"`
		Step        int    `gorm:"not null;default:0"`
		HeldReason  string `gorm:"size:16;not null;default:''"`
		DeliveredAt *time.Time
		ChannelLog  string `gorm:"type:text;not null;default:''"`
		Params      string `gorm:"type:text;not null;default:'{}'"`
	}
	return &gormigrate.Migration{
		ID: "0017_channels",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"Channel", "Step", "HeldReason", "DeliveredAt", "ChannelLog", "Params"} {
				if err := tx.Table("sms_messages").Migrator().AddColumn(&smsMessage{}, col); err != nil {
					return err
				}
			}
			return execAll(tx, `CREATE INDEX ix_sms_messages_provider ON sms_messages (provider_id)`)
		},
		Rollback: func(tx *gorm.DB) error { return execAll(tx, `DROP INDEX IF EXISTS ix_sms_messages_provider`) },
	}
}
