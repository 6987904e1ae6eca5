package quiz

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
)

// SMSRecipient is a person who attended a session and may get the post-quiz
// link by SMS.
type SMSRecipient struct {
	RegistrationID uint
	Code           string
	Phone          string
	Lang           string
}

// PostQuizRecipients lists the people of an event who attended (a row in
// attendances: checked in), have a phone number, and have not yet finished
// the post quiz — one query.
func PostQuizRecipients(ctx context.Context, db *gorm.DB, eventID uint) ([]SMSRecipient, error) {
	var out []SMSRecipient
	err := db.WithContext(ctx).Table("registrations r").
		Select("r.id AS registration_id, r.code, r.phone, r.lang").
		Joins("JOIN attendances att ON att.registration_id = r.id").
		Where("r.event_id = ? AND r.phone IS NOT NULL AND r.status <> ?", eventID, registration.StatusCancelled).
		Where("NOT EXISTS (SELECT 1 FROM quiz_attempts q WHERE q.event_id = r.event_id AND q.phase = ? AND q.person_key = "+
			personKeySQL(db)+" AND q.submitted_at IS NOT NULL)", PhasePost).
		Order("r.id").Scan(&out).Error
	return out, err
}

// personKeySQL is RegistrationKey in SQL ('r' || id), the same on both databases.
func personKeySQL(db *gorm.DB) string {
	if db.Dialector.Name() == "postgres" {
		return "('r' || r.id::text)"
	}
	return "('r' || CAST(r.id AS TEXT))"
}

// QueuePostQuizSMS puts one SMS per recipient in the outbox, in one
// transaction. The dedupe key makes a second click (or a second trainer)
// queue nothing new for the same person.
func QueuePostQuizSMS(ctx context.Context, db *gorm.DB, eventID uint, rs []SMSRecipient, body func(SMSRecipient) string, now time.Time) (int, error) {
	queued := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range rs {
			key := "quiz-post:" + strconv.FormatUint(uint64(eventID), 10) + ":" + strconv.FormatUint(uint64(r.RegistrationID), 10)
			regID, evID := r.RegistrationID, eventID
			m := &message.Message{To: r.Phone, Body: body(r), Lang: r.Lang, Kind: "quiz_post", DedupeKey: &key,
				RegistrationID: &regID, EventID: &evID, NextAttemptAt: now, CreatedAt: now}
			if err := message.Enqueue(tx, m); err != nil {
				return err
			}
			if m.ID != 0 {
				queued++
			}
		}
		return nil
	})
	return queued, err
}
