package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0098ZaloChat keeps the registration by chat with the NGO's Zalo
// Official Account (issue 15), in the database because servers keep no
// state:
//   - zalo_chat_requests: a keyword waiting for the person to share their
//     phone number, one per Zalo user (a new keyword replaces it), until
//     expires_at;
//   - zalo_chat_events: the webhook deliveries already applied (Zalo
//     retries): a delivery whose key is here changes nothing;
//   - zalo_chat_replies: the OA's answers to send, claimed one at a time
//     like the SMS outbox; dedupe_key makes "answered once" hold (one
//     answer per event, one help a day).
func m0098ZaloChat() *gormigrate.Migration {
	type zaloChatRequest struct {
		ZaloUserID string    `gorm:"primaryKey;size:64"`
		EventCode  string    `gorm:"size:16;not null"`
		Name       string    `gorm:"size:200;not null"`
		Lang       string    `gorm:"size:8;not null"`
		ExpiresAt  time.Time `gorm:"not null;index:ix_zalo_chat_requests_expires"`
		CreatedAt  time.Time `gorm:"not null"`
	}
	type zaloChatEvent struct {
		Key        string    `gorm:"primaryKey;size:160"`
		ReceivedAt time.Time `gorm:"not null;index:ix_zalo_chat_events_received"`
	}
	type zaloChatReply struct {
		ID            uint       `gorm:"primaryKey"`
		ZaloUserID    string     `gorm:"size:64;not null"`
		Kind          string     `gorm:"size:20;not null"`
		Lang          string     `gorm:"size:8;not null"`
		Title         string     `gorm:"size:200;not null;default:''"`
		Body          string     `gorm:"size:2000;not null"`
		DedupeKey     string     `gorm:"size:200;not null;uniqueIndex:ux_zalo_chat_replies_dedupe"`
		Status        string     `gorm:"size:12;not null;index:ix_zalo_chat_replies_due,priority:1"`
		NextAttemptAt time.Time  `gorm:"not null;index:ix_zalo_chat_replies_due,priority:2"`
		Attempts      int        `gorm:"not null;default:0"`
		LastError     string     `gorm:"size:300;not null;default:''"`
		ProviderID    string     `gorm:"size:100;not null;default:''"`
		CreatedAt     time.Time  `gorm:"not null"`
		SentAt        *time.Time ``
	}
	return &gormigrate.Migration{
		ID: "0098_zalo_chat",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("zalo_chat_requests").Migrator().CreateTable(&zaloChatRequest{}); err != nil {
				return err
			}
			if err := tx.Table("zalo_chat_events").Migrator().CreateTable(&zaloChatEvent{}); err != nil {
				return err
			}
			return tx.Table("zalo_chat_replies").Migrator().CreateTable(&zaloChatReply{})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE IF EXISTS zalo_chat_replies`, `DROP TABLE IF EXISTS zalo_chat_events`,
				`DROP TABLE IF EXISTS zalo_chat_requests`)
		},
	}
}
