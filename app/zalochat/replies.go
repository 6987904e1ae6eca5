package zalochat

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/message"
)

// Kinds of answers.
const (
	KindText        = "text"
	KindRequestInfo = "request_info"
)

// Answer statuses, as in the SMS outbox.
const (
	StatusQueued  = "queued"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// maxAttempts: Zalo down for longer than the backoff's sum (about 15
// minutes) makes an answer too late to be useful.
const maxAttempts = 5

// Reply is an answer of the OA to a follower, waiting to be sent.
type Reply struct {
	ID            uint `gorm:"primaryKey"`
	ZaloUserID    string
	Kind          string
	Lang          string
	Title         string
	Body          string
	DedupeKey     string
	Status        string
	NextAttemptAt time.Time
	Attempts      int
	LastError     string
	ProviderID    string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// TableName is the answers' table.
func (Reply) TableName() string { return "zalo_chat_replies" }

// queueOnce queues r unless an answer with its dedupe key exists; it tells
// whether r was queued.
func queueOnce(tx *gorm.DB, r *Reply, now time.Time) (bool, error) {
	r.Status, r.NextAttemptAt, r.CreatedAt = StatusQueued, now, now
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(r)
	return res.RowsAffected > 0, res.Error
}

func queue(tx *gorm.DB, r *Reply, now time.Time) error {
	_, err := queueOnce(tx, r, now)
	return err
}

// Sender sends the queued answers through the OA chat.
type Sender struct {
	DB *gorm.DB
	OA *message.ZaloOA
	// ImageURL is the picture of the request-user-info card (Zalo shows a
	// card with a picture; empty leaves it out).
	ImageURL string
}

// RunOnce sends the answers due, each claimed first with a conditional
// UPDATE so that one instance sends it. An answer left "sending" by an
// instance that stopped is not sent again: Zalo may already have it, and
// a chat answered twice is worse than one unanswered. It returns how many
// were sent.
func (s *Sender) RunOnce(ctx context.Context, now time.Time) (int, error) {
	db := s.DB.WithContext(ctx)
	var due []Reply
	if err := db.Where("status = ? AND next_attempt_at <= ?", StatusQueued, now.UTC()).
		Order("id").Limit(20).Find(&due).Error; err != nil {
		return 0, err
	}
	sent := 0
	for i := range due {
		r := &due[i]
		claim := db.Model(&Reply{}).Where("id = ? AND status = ?", r.ID, StatusQueued).
			Updates(map[string]any{"status": StatusSending, "attempts": gorm.Expr("attempts + 1")})
		if claim.Error != nil {
			return sent, claim.Error
		}
		if claim.RowsAffected == 0 {
			continue
		}
		r.Attempts++
		id, err := s.send(ctx, r)
		if err := db.Model(&Reply{}).Where("id = ?", r.ID).Updates(outcome(r, id, err, now)).Error; err != nil {
			return sent, err
		}
		if err == nil {
			sent++
		}
	}
	return sent, nil
}

func (s *Sender) send(ctx context.Context, r *Reply) (string, error) {
	if r.Kind == KindRequestInfo {
		return s.OA.RequestUserInfo(ctx, r.ZaloUserID, message.ZaloInfoRequest{Title: r.Title, Subtitle: r.Body, ImageURL: s.ImageURL})
	}
	return s.OA.SendText(ctx, r.ZaloUserID, r.Body)
}

// outcome is the row's change after a try: sent, failed for good, or
// queued again after 30 s, 1 min, 2 min, 4 min.
func outcome(r *Reply, providerID string, err error, now time.Time) map[string]any {
	if err == nil {
		return map[string]any{"status": StatusSent, "sent_at": now.UTC(), "provider_id": providerID, "last_error": ""}
	}
	reason := err.Error()
	if len(reason) > 300 {
		reason = reason[:300]
	}
	var permanent *message.PermanentError
	if errors.As(err, &permanent) || r.Attempts >= maxAttempts {
		return map[string]any{"status": StatusFailed, "last_error": reason}
	}
	wait := 30 * time.Second << (r.Attempts - 1)
	return map[string]any{"status": StatusQueued, "next_attempt_at": now.UTC().Add(wait), "last_error": reason}
}

// FailedReplies is the answers Zalo refused (or that failed after every
// retry), newest first, as the back office reads them: at most limit,
// with how many there are in all. They are kept a month (Sweep) and
// never sent again.
type FailedReplies struct {
	Replies []Reply
	Count   int64
}

// Failed reads the answers that failed. Each text is shown with the phone
// numbers in it masked (MaskNumbers): the back office needs the reason,
// not the number.
func Failed(ctx context.Context, db *gorm.DB, limit int) (*FailedReplies, error) {
	q := db.WithContext(ctx).Model(&Reply{}).Where("status = ?", StatusFailed)
	out := &FailedReplies{}
	if err := q.Session(&gorm.Session{}).Count(&out.Count).Error; err != nil {
		return nil, err
	}
	if err := q.Session(&gorm.Session{}).Order("id DESC").Limit(limit).Find(&out.Replies).Error; err != nil {
		return nil, err
	}
	for i := range out.Replies {
		r := &out.Replies[i]
		r.Title, r.Body, r.LastError = MaskNumbers(r.Title), MaskNumbers(r.Body), MaskNumbers(r.LastError)
	}
	return out, nil
}

// longDigits is a run of 8 or more digits (spaces, dots and dashes
// between them allowed, a + before): a phone number as people write it.
var longDigits = regexp.MustCompile(`\+?\d(?:[ .\-]?\d){7,}`)

// MaskNumbers replaces every phone number in a text by its last four
// digits ("…5678"), as the outbox shows numbers.
func MaskNumbers(s string) string {
	return longDigits.ReplaceAllStringFunc(s, func(n string) string {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, n)
		return "…" + digits[len(digits)-4:]
	})
}
