package rating

import (
	"context"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
)

// Sources of an answer.
const (
	SourceLink = "link" // the one-question page
	SourceZalo = "zalo" // Zalo's own rating template (user_feedback)
)

// FromZalo records a rating given inside Zalo's rating template as the
// answer of the request that message carried: the message is found by
// the id Zalo gave it (and, when Zalo sends it, Lantern's tracking id must
// name the same message), the registration by the message, the request
// by the registration. The same rules as the page: 1 to 5 stars, the
// comment cleaned and cut to CommentMax, nothing after the page closed.
//
// Idempotent under Zalo's retries: the answer is one UPDATE that applies
// only to a request not answered at or after the feedback's time, so the
// same feedback delivered again changes nothing, and an older one never
// replaces a newer answer (from the page or Zalo). It tells whether the
// feedback was applied.
func FromZalo(ctx context.Context, db *gorm.DB, fb message.ZaloFeedback, now time.Time) (bool, error) {
	db = db.WithContext(ctx)
	var m message.Message
	err := db.Where("provider_id = ? AND channel = ? AND kind = ?", fb.MsgID, message.ChannelZalo, KindRequest).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if m.RegistrationID == nil || (fb.MessageID != 0 && fb.MessageID != m.ID) {
		return false, nil
	}
	var r Rating
	err = db.Where("registration_id = ?", *m.RegistrationID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e, err := event.Get(ctx, db, r.EventID)
	if err != nil {
		return false, err
	}
	if !now.Before(closedAt(e)) {
		return false, nil
	}
	in := Input{Stars: strconv.Itoa(fb.Stars), Comment: fb.Comment}
	in.Comment = clipComment(in.Comment)
	stars, err := in.Check()
	if err != nil {
		return false, err
	}
	// Zalo's time, so that a retry carries the same one; a clock far
	// ahead of ours is not believed.
	at := fb.At.UTC()
	if at.After(now.Add(5 * time.Minute)) {
		at = now.UTC()
	}
	res := db.Model(&Rating{}).Where("id = ? AND (rated_at IS NULL OR rated_at < ?)", r.ID, at).
		Updates(map[string]any{"stars": stars, "comment": in.Comment, "rated_at": at, "rating_source": SourceZalo})
	return res.RowsAffected > 0, res.Error
}

// clipComment cuts a comment Zalo gives (the reasons ticked and a note)
// to what the page takes: Zalo's is not a form to send back.
func clipComment(s string) string {
	if utf8.RuneCountInString(s) <= CommentMax {
		return s
	}
	return string([]rune(s)[:CommentMax])
}
