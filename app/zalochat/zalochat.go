// Package zalochat is registration by chat with the NGO's Zalo Official
// Account (issue 15): a follower writes "DK FD10 Hoa" to the OA, Lantern
// asks them to share their phone number through Zalo's request-user-info
// message, registers the number they share exactly as the SMS keyword does
// (registration.RegisterByKeyword) and answers in the chat.
//
// Everything lives in the database (servers keep no state): the keyword
// waiting for a number, the deliveries already applied (Zalo retries its
// webhook) and the answers to send, which a worker sends like the SMS
// outbox. Zalo's own shapes stay in package message (ZaloOA,
// ParseZaloChatEvent).
package zalochat

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
)

// RequestTTL is how long a keyword waits for its phone number: long enough
// to find the share button, short enough that a forgotten keyword does not
// register someone days later.
const RequestTTL = time.Hour

// userLimit bounds what one Zalo user can make Lantern do (and answer):
// a person registering a family sends a few keywords, not dozens.
var userLimit = dbstate.Limit{Max: 10, Window: 10 * time.Minute}

// Actions: what an event led to (the webhook answers it, tests read it).
const (
	ActionDuplicate = "duplicate"  // a delivery already applied
	ActionLimited   = "limited"    // over the user's limit: nothing done
	ActionHelp      = "help"       // help answered
	ActionQuiet     = "help_today" // help already answered today: silence
	ActionAsked     = "asked"      // the phone number was asked for
	ActionNoRequest = "no_request" // information shared with no keyword waiting
	ActionBadPhone  = "bad_phone"  // the shared number is not a mobile number
)

// Service applies the OA's chat events.
type Service struct {
	DB *gorm.DB
	// Notify builds the SMS texts and queues the registration's own
	// messages, as for an SMS keyword.
	Notify *registration.Notifier
	// Region reads a shared number written without its country code.
	Region string
}

// Request is a keyword waiting for the person's phone number.
type Request struct {
	ZaloUserID string `gorm:"primaryKey"`
	EventCode  string
	Name       string
	Lang       string
	ExpiresAt  time.Time
	CreatedAt  time.Time
}

// TableName is the requests' table.
func (Request) TableName() string { return "zalo_chat_requests" }

type appliedEvent struct {
	Key        string `gorm:"primaryKey"`
	ReceivedAt time.Time
}

func (appliedEvent) TableName() string { return "zalo_chat_events" }

// Handle applies one authenticated chat event, once: a delivery applied
// before changes nothing. When it fails, the delivery is forgotten so that
// Zalo's retry applies it.
func (s *Service) Handle(ctx context.Context, ev message.ZaloChatEvent, now time.Time) (string, error) {
	now = now.UTC()
	db := s.DB.WithContext(ctx)
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&appliedEvent{Key: ev.Key, ReceivedAt: now})
	if res.Error != nil || res.RowsAffected == 0 {
		return ActionDuplicate, res.Error
	}
	action, err := s.apply(ctx, ev, now)
	if err != nil {
		db.Where(`"key" = ?`, ev.Key).Delete(&appliedEvent{})
	}
	return action, err
}

func (s *Service) apply(ctx context.Context, ev message.ZaloChatEvent, now time.Time) (string, error) {
	allowed, _, err := dbstate.Hit(ctx, s.DB, "zalo-chat:user:"+ev.UserID, userLimit, now)
	if err != nil || !allowed {
		return ActionLimited, err
	}
	if ev.Name == message.ZaloUserSubmitInfo {
		return s.infoShared(ctx, ev, now)
	}
	return s.textReceived(ctx, ev, now)
}

// textReceived answers a follower's text: a keyword for an open session
// asks for their number; a keyword that cannot be taken is answered with
// the SMS's reason; anything else gets the help, once a day.
func (s *Service) textReceived(ctx context.Context, ev message.ZaloChatEvent, now time.Time) (string, error) {
	k, ok := registration.ParseKeyword(ev.Text)
	if !ok {
		return s.help(ctx, ev.UserID, "vi", now)
	}
	e, refused, err := registration.KeywordEvent(ctx, s.DB, k, now)
	switch {
	case err != nil:
		return "", err
	case refused != nil && refused.Action == registration.KeywordHelp:
		return s.help(ctx, ev.UserID, k.Lang, now)
	case refused != nil:
		return refused.Action, s.answer(s.DB.WithContext(ctx), ev, k.Lang, s.t(k.Lang, refused.ReplyKey, refused.ReplyArgs), now)
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A new keyword replaces the one waiting: the last asked is meant.
		req := Request{ZaloUserID: ev.UserID, EventCode: e.Code, Name: k.Name, Lang: k.Lang,
			ExpiresAt: now.Add(RequestTTL), CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&req).Error; err != nil {
			return err
		}
		data := registration.EventData(s.Notify.Translator(k.Lang), e)
		return queue(tx, &Reply{ZaloUserID: ev.UserID, Kind: KindRequestInfo, Lang: k.Lang,
			Title: s.t(k.Lang, "zalo.request_info_title", data), Body: s.t(k.Lang, "zalo.request_info_text", data),
			DedupeKey: ev.Key}, now)
	})
	return ActionAsked, err
}

// infoShared registers the number a follower shared for the keyword they
// wrote, and answers with what the SMS would say. A phone number is not a
// secret: an already registered number is answered without any detail,
// and only this registration's own ticket is ever sent to the chat.
func (s *Service) infoShared(ctx context.Context, ev message.ZaloChatEvent, now time.Time) (string, error) {
	db := s.DB.WithContext(ctx)
	var req Request
	err := db.Where("zalo_user_id = ? AND expires_at > ?", ev.UserID, now).Take(&req).Error
	if err == gorm.ErrRecordNotFound {
		return ActionNoRequest, s.answer(db, ev, "vi", s.t("vi", "zalo.no_request", nil), now)
	}
	if err != nil {
		return "", err
	}
	num, err := phone.ParseIn(internationalForm(ev.Phone), s.Region)
	if err != nil {
		// The request stays: the person may share another number.
		return ActionBadPhone, s.answer(db, ev, req.Lang, s.t(req.Lang, "zalo.bad_phone", nil), now)
	}
	out, err := registration.RegisterByKeyword(ctx, s.DB, registration.KeywordRegistration{
		Keyword: registration.Keyword{Lang: req.Lang, Code: req.EventCode, Name: req.Name},
		Phone:   num.E164, Source: registration.SourceZalo, Notify: s.Notify,
	}, now)
	if err != nil {
		return "", err
	}
	text, err := s.outcomeText(ctx, req, out)
	if err != nil {
		return "", err
	}
	return out.Action, db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("zalo_user_id = ?", ev.UserID).Delete(&Request{}).Error; err != nil {
			return err
		}
		return s.answer(tx, ev, req.Lang, text, now)
	})
}

// outcomeText is the chat's answer to a registration by keyword: the SMS's
// text, except for a number already registered, which says nothing of
// that registration (whoever shared the number may not own it; the
// number's owner got their ticket again by SMS from Register).
func (s *Service) outcomeText(ctx context.Context, req Request, out registration.KeywordOutcome) (string, error) {
	switch {
	case out.ReplyKey != "":
		return s.t(req.Lang, out.ReplyKey, out.ReplyArgs), nil
	case out.Action == registration.KeywordExisting:
		return s.t(req.Lang, "zalo.existing", map[string]any{"EventCode": req.EventCode}), nil
	}
	return s.Notify.SeatText(ctx, s.DB, out.Result.Registration)
}

// help answers a text that is no registration, at most once a day per
// person (Vietnam's day), so that two bots answering each other stop.
func (s *Service) help(ctx context.Context, userID, lang string, now time.Time) (string, error) {
	day := now.In(vietnam).Format("2006-01-02")
	fresh, err := queueOnce(s.DB.WithContext(ctx), &Reply{ZaloUserID: userID, Kind: KindText, Lang: lang,
		Body: s.t(lang, "sms.help", nil), DedupeKey: "help:" + userID + ":" + day}, now)
	if err != nil || !fresh {
		return ActionQuiet, err
	}
	return ActionHelp, nil
}

var vietnam = time.FixedZone("ICT", 7*3600)

// answer queues one text answer to the event.
func (s *Service) answer(tx *gorm.DB, ev message.ZaloChatEvent, lang, text string, now time.Time) error {
	return queue(tx, &Reply{ZaloUserID: ev.UserID, Kind: KindText, Lang: lang, Body: text, DedupeKey: ev.Key}, now)
}

func (s *Service) t(lang, id string, data map[string]any) string {
	return s.Notify.Translator(lang).TMap(id, data)
}

// internationalForm reads Zalo's "84912345678" as +84…: Zalo gives the
// number with its country code and no plus; a number written "0…" is left
// to the home region.
func internationalForm(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw != "" && raw[0] >= '1' && raw[0] <= '9' {
		return "+" + raw
	}
	return raw
}

// Sweep forgets the keywords that waited too long (their names with
// them), the deliveries old enough that Zalo no longer retries them, and
// the answers done a month ago (they hold ticket links).
func Sweep(ctx context.Context, db *gorm.DB, now time.Time) error {
	db = db.WithContext(ctx)
	now = now.UTC()
	if err := db.Where("expires_at <= ?", now).Delete(&Request{}).Error; err != nil {
		return err
	}
	if err := db.Where("received_at < ?", now.Add(-7*24*time.Hour)).Delete(&appliedEvent{}).Error; err != nil {
		return err
	}
	return db.Where("status IN ? AND created_at < ?", []string{StatusSent, StatusFailed}, now.Add(-30*24*time.Hour)).
		Delete(&Reply{}).Error
}
