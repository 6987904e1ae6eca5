package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/lantern-ngo/lantern/app/locale"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// An organiser's message to a session's registrants ("the room changed",
// "bring your ID"): a service message under Decree 91/2020 (it is about a
// registration the person made), so it goes to everyone chosen, waits out
// the night like every service message, in each person's language.

// Audiences of a message to registrants.
const (
	AudienceAll        = "all"        // confirmed, waiting list and pending
	AudienceConfirmed  = "confirmed"  // confirmed seats
	AudienceWaitlisted = "waitlisted" // the waiting list
	AudienceAttended   = "attended"   // checked in
)

// Audiences lists them in display order.
var Audiences = []string{AudienceAll, AudienceConfirmed, AudienceWaitlisted, AudienceAttended}

// SMSOrganiser is the outbox kind of an organiser's message.
const SMSOrganiser = "organiser_message"

// BroadcastMax is the longest text, in characters per language (three SMS
// segments of Vietnamese without diacritics).
const BroadcastMax = 450

// BroadcastInput is an organiser's message.
type BroadcastInput struct {
	EventID  uint
	Audience string
	Text     content.Text // per language; the person's, else the event's, else any
	// Langs are the languages the form offers, in order (the session's
	// country's): an empty message is said beside the first.
	Langs []string
	// Nonce identifies one submission of the form: sending it twice (a
	// double tap, a retried post) queues nothing more.
	Nonce string
	ByID  uint
}

// Check returns every problem at once.
func (in *BroadcastInput) Check() error {
	var fe apperr.FieldList
	if !oneOf(in.Audience, Audiences) {
		fe.Add("audience", "error.register.bad_choice", nil)
	}
	written := false
	for lang, t := range in.Text {
		t = strings.TrimSpace(textnorm.CleanText(t))
		in.Text[lang] = t
		if t == "" {
			continue
		}
		written = true
		if utf8.RuneCountInString(t) > BroadcastMax {
			fe.Add("text_"+lang, "error.broadcast.too_long", map[string]any{"Max": BroadcastMax})
		}
	}
	if !written {
		first := "vi"
		if len(in.Langs) > 0 {
			first = in.Langs[0]
		}
		fe.Add("text_"+first, "error.broadcast.empty", nil)
	}
	if len(in.Nonce) < 16 || len(in.Nonce) > 64 {
		fe.Add("_form", "error.bad_request", nil)
	}
	if e := fe.Err(); e != nil {
		return e
	}
	return nil
}

// Reach is who a message would reach and what it would cost in SMS.
type Reach struct {
	People   int
	ByLang   map[string]int
	Segments int // if every message went by SMS
}

func broadcastRecipients(tx *gorm.DB, eventID uint, audience string) ([]Registration, error) {
	q := tx.Model(&Registration{}).Where("registrations.event_id = ? AND registrations.phone IS NOT NULL AND registrations.anonymised_at IS NULL", eventID)
	switch audience {
	case AudienceConfirmed:
		q = q.Where("registrations.status = ?", StatusConfirmed)
	case AudienceWaitlisted:
		q = q.Where("registrations.status = ?", StatusWaitlisted)
	case AudienceAttended:
		q = q.Where("EXISTS (SELECT 1 FROM attendances a WHERE a.registration_id = registrations.id)")
	default:
		q = q.Where("registrations.status <> ?", StatusCancelled)
	}
	var rs []Registration
	err := q.Order("registrations.id").Find(&rs).Error
	return rs, err
}

// bodyFor is the text in the person's language, else the event's, else
// the first one written, framed by the locale message sms.organiser (the
// sender's name and the session's code) in the person's language.
func (in *BroadcastInput) bodyFor(tr TranslatorFor, lang, eventLang, eventCode string) string {
	t := in.Text[lang]
	for _, l := range append([]string{eventLang}, locale.Fallback...) {
		if t == "" {
			t = in.Text[l]
		}
	}
	return Cheapest(tr(lang).TMap("sms.organiser", map[string]any{"EventCode": eventCode, "Text": t}))
}

// PreviewBroadcast tells who a message would reach and its SMS cost,
// without queueing anything.
func PreviewBroadcast(ctx context.Context, db *gorm.DB, in BroadcastInput, tr TranslatorFor) (*Reach, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	tx := db.WithContext(ctx)
	var ev struct{ Lang, Code string }
	if err := tx.Table("events").Select("lang, code").Where("id = ?", in.EventID).Take(&ev).Error; err != nil {
		return nil, err
	}
	rs, err := broadcastRecipients(tx, in.EventID, in.Audience)
	if err != nil {
		return nil, err
	}
	out := &Reach{ByLang: map[string]int{}}
	for _, r := range rs {
		out.People++
		out.ByLang[r.Lang]++
	}
	for lang, n := range out.ByLang { // one text per language
		_, seg := message.Segments(in.bodyFor(tr, lang, ev.Lang, ev.Code))
		out.Segments += n * seg
	}
	return out, nil
}

// SendBroadcast queues the message to every recipient, in one transaction,
// once per submission (the nonce makes each message's dedupe key), and
// audits it without the text's recipients. It returns how many were queued.
func SendBroadcast(ctx context.Context, db *gorm.DB, in BroadcastInput, tr TranslatorFor, now time.Time) (int, error) {
	if err := in.Check(); err != nil {
		return 0, err
	}
	queued := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ev struct{ Lang, Code string }
		if err := tx.Table("events").Select("lang, code").Where("id = ?", in.EventID).Take(&ev).Error; err != nil {
			return err
		}
		rs, err := broadcastRecipients(tx, in.EventID, in.Audience)
		if err != nil {
			return err
		}
		for i := range rs {
			r := &rs[i]
			key := fmt.Sprintf("organiser:%s:%d", in.Nonce, r.ID)
			params, _ := json.Marshal(map[string]any{"EventCode": ev.Code, "Text": in.Text[r.Lang]})
			m := &message.Message{To: *r.Phone, Body: in.bodyFor(tr, r.Lang, ev.Lang, ev.Code), Lang: r.Lang, Kind: SMSOrganiser,
				RegistrationID: &r.ID, EventID: &r.EventID, DedupeKey: &key, Params: string(params), NextAttemptAt: now.UTC()}
			if err := message.Enqueue(tx, m); err != nil {
				return err
			}
			if m.ID != 0 {
				queued++
			}
		}
		if queued == 0 {
			return nil // a repeated submission: nothing new, nothing to audit
		}
		return audit.Record(tx, in.ByID, "registrations.message", "event", fmt.Sprint(in.EventID), nil,
			map[string]any{"audience": in.Audience, "recipients": queued, "languages": len(in.Text)})
	})
	return queued, err
}
