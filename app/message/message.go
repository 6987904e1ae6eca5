// Package message is the SMS outbox: messages are written in the same
// transaction as the change that causes them, and sent later by a worker
// through a pluggable driver.
package message

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/scope"
	"gorm.io/gorm/clause"
)

// Status of an outbox message.
const (
	StatusQueued  = "queued"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
	// StatusKept: the outbox driver keeps the message for organisers to read.
	StatusKept = "kept"
)

// Message is one SMS in the outbox.
type Message struct {
	ID             uint
	To             string `gorm:"column:to_phone"`
	Body           string
	Lang           string
	Kind           string
	DedupeKey      *string
	Encoding       string
	Segments       int
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LockedUntil    *time.Time
	LastError      string
	ProviderID     string
	RegistrationID *uint
	EventID        *uint
	CreatedAt      time.Time
	SentAt         *time.Time
	// Channel took the message (ChannelZalo, ChannelSMS); Step is its place
	// in the sender's list of channels; ChannelLog says what happened on
	// the way; HeldReason why it waits; DeliveredAt what the provider said.
	Channel     string
	Step        int
	ChannelLog  string
	HeldReason  string
	DeliveredAt *time.Time
	// ReceiptDueAt: an urgent message accepted by Zalo waits for Zalo's
	// delivery receipt until then, else falls back to the next channel
	// (Sender.ReceiptTimeout). FellBackAt is when it fell back for want of
	// a receipt; FallbackProviderID the id Zalo gave that attempt (a late
	// receipt still finds it); LateReceiptAt when that receipt came after
	// all.
	ReceiptDueAt       *time.Time
	FellBackAt         *time.Time
	FallbackProviderID string
	LateReceiptAt      *time.Time
	// Params fill a template (a Zalo template is not the SMS text): JSON.
	Params string
	// Sender is the brandname the gateway shows (Branding), set when the
	// message is sent; not stored.
	Sender string `gorm:"-"`
}

// TableName keeps GORM on the migrated table.
func (Message) TableName() string { return "sms_messages" }

// Enqueue adds m to the outbox inside tx. A message with a DedupeKey already
// queued is not queued again, so a retried request never sends twice.
func Enqueue(tx *gorm.DB, m *Message) error {
	Prepare(m)
	if m.DedupeKey != nil {
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(m).Error
	}
	return tx.Create(m).Error
}

// Prepare fills what the outbox derives from a message (encoding, segments,
// state, first attempt) before it is inserted; Enqueue calls it, and so
// does a caller that writes the row in a statement of its own.
func Prepare(m *Message) {
	m.Encoding, m.Segments = Segments(m.Body)
	if m.Status == "" {
		m.Status = StatusQueued
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = time.Now().UTC()
	}
	if m.Params == "" {
		m.Params = "{}"
	}
}

// gsm7 is the GSM 03.38 basic character set; extended characters count twice.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsm7Ext = "^{}\\[~]|€\f"

var gsmBasic, gsmExt = runeSet(gsm7Basic), runeSet(gsm7Ext)

func runeSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		m[r] = true
	}
	return m
}

// Segments tells the encoding a body needs and how many SMS segments it
// costs: GSM-7 fits 160 characters in one segment (153 when split), UCS-2
// (any Vietnamese diacritic) only 70 (67 when split).
func Segments(body string) (encoding string, segments int) {
	units := 0
	for _, r := range body {
		switch {
		case gsmBasic[r]:
			units++
		case gsmExt[r]:
			units += 2
		default:
			// UCS-2: count UTF-16 code units.
			n := 0
			for _, r := range body {
				if r > 0xFFFF {
					n += 2
				} else {
					n++
				}
			}
			return "UCS2", split(n, 70, 67)
		}
	}
	return "GSM7", split(units, 160, 153)
}

func split(n, single, multi int) int {
	if n == 0 {
		return 1
	}
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

// CountByStatus counts the messages in a status (StatusFailed: the ones an
// organiser should look at).
func CountByStatus(ctx context.Context, db *gorm.DB, status string, sc scope.Scope) (int64, error) {
	var n int64
	err := inScope(db.WithContext(ctx).Model(&Message{}), sc).Where("status = ?", status).Count(&n).Error
	return n, err
}
