package registration

import (
	"context"
	"strconv"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
)

// CancelBody writes the SMS telling a registrant that an event is
// cancelled, in the registrant's language.
type CancelBody func(lang string) string

// CancelPreview is what cancelling an event would send: recipients and SMS
// segments in total.
type CancelPreview struct {
	Recipients int
	Segments   int
	// ByLang counts recipients per language.
	ByLang map[string]int
}

// recipientsOfCancel lists the live registrations (confirmed or waiting)
// with a phone number: each gets one SMS.
func recipientsOfCancel(tx *gorm.DB, eventID uint) ([]Registration, error) {
	var regs []Registration
	err := tx.Select("id", "lang", "phone").
		Where("event_id = ? AND status IN ? AND phone IS NOT NULL AND phone <> ''", eventID,
			[]Status{StatusConfirmed, StatusWaitlisted}).
		Order("id").Find(&regs).Error
	return regs, err
}

// StaffPreviewEventCancelled counts the messages cancelling an event would
// queue, without queueing them.
func StaffPreviewEventCancelled(ctx context.Context, db *gorm.DB, eventID uint, body CancelBody) (CancelPreview, error) {
	regs, err := recipientsOfCancel(db.WithContext(ctx), eventID)
	p := CancelPreview{ByLang: map[string]int{}}
	if err != nil {
		return p, err
	}
	segs := map[string]int{}
	for _, r := range regs {
		if _, ok := segs[r.Lang]; !ok {
			_, segs[r.Lang] = message.Segments(body(r.Lang))
		}
		p.Recipients++
		p.ByLang[r.Lang]++
		p.Segments += segs[r.Lang]
	}
	return p, nil
}

// StaffQueueEventCancelled queues, inside tx, one SMS per live registration
// with a phone number (dedupe key "event-cancelled:<id>", so a retried
// cancellation never sends twice), and returns how many were queued.
func StaffQueueEventCancelled(tx *gorm.DB, eventID uint, body CancelBody) (int, error) {
	regs, err := recipientsOfCancel(tx, eventID)
	if err != nil {
		return 0, err
	}
	for _, r := range regs {
		key := "event-cancelled:" + strconv.FormatUint(uint64(r.ID), 10)
		id, ev := r.ID, eventID
		m := &message.Message{To: *r.Phone, Body: body(r.Lang), Lang: r.Lang, Kind: "event_cancelled",
			DedupeKey: &key, RegistrationID: &id, EventID: &ev}
		if err := message.Enqueue(tx, m); err != nil {
			return 0, err
		}
	}
	return len(regs), nil
}
