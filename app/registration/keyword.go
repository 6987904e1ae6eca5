package registration

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// keywordLangs maps a registration keyword to the language of the answer.
// SMS and the Zalo OA chat read the same keywords (one parser for both).
var keywordLangs = map[string]string{"DK": "vi", "DANGKY": "vi", "REG": "en", "INS": "fr"}

// Keyword is a "DK <event code> <name>" message read: Code and Name may be
// empty when the person left them out.
type Keyword struct {
	Lang string
	Code string
	Name string
}

// ParseKeyword reads a registration keyword message ("DK FD10 Hoa", "ĐK …",
// "REG …", "INS …", any case, accents or not). ok is false when the first
// word is no keyword: the caller answers with its help text.
func ParseKeyword(text string) (k Keyword, ok bool) {
	words := strings.Fields(textnorm.Clean(text))
	if len(words) == 0 {
		return Keyword{}, false
	}
	k.Lang = keywordLangs[strings.ToUpper(textnorm.Unaccent(words[0]))]
	if k.Lang == "" {
		return Keyword{}, false
	}
	if len(words) > 1 {
		k.Code = strings.ToUpper(words[1])
	}
	if len(words) > 2 {
		k.Name = strings.Join(words[2:], " ")
	}
	return k, true
}

// Keyword actions: what happened to a keyword message, and the answer's
// key (KeywordOutcome.ReplyKey) when it is not a seat.
const (
	KeywordHelp         = "help"
	KeywordUnknownEvent = "unknown_event"
	KeywordClosed       = "closed"
	KeywordBadName      = "bad_name"
	KeywordRegistered   = "registered"
	KeywordWaitlisted   = "waitlisted"
	KeywordExisting     = "existing"
)

// KeywordOutcome is what a keyword message led to: an answer to send
// (ReplyKey and ReplyArgs, an "sms.*" key) when nothing was registered, or
// the registration's Result.
type KeywordOutcome struct {
	Action    string
	ReplyKey  string
	ReplyArgs map[string]any
	Event     *event.Event
	Result    *Result
}

func refusal(action, key string, args map[string]any) KeywordOutcome {
	return KeywordOutcome{Action: action, ReplyKey: key, ReplyArgs: args}
}

// KeywordEvent finds the open session a keyword names, or says why not
// (no code, unknown code, draft, closed, no name) with the answer to give.
// The chat asks for the phone only after this passed.
func KeywordEvent(ctx context.Context, db *gorm.DB, k Keyword, now time.Time) (*event.Event, *KeywordOutcome, error) {
	if k.Code == "" {
		o := refusal(KeywordHelp, "sms.help", nil)
		return nil, &o, nil
	}
	if len(k.Code) > 16 {
		o := refusal(KeywordUnknownEvent, "sms.unknown_event", map[string]any{"EventCode": k.Code[:16]})
		return nil, &o, nil
	}
	e, err := event.GetByCode(ctx, db, k.Code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && e.Status == event.StatusDraft) {
		o := refusal(KeywordUnknownEvent, "sms.unknown_event", map[string]any{"EventCode": k.Code})
		return nil, &o, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !e.RegistrationOpen(now) {
		o := refusal(KeywordClosed, "sms.closed", map[string]any{"EventCode": e.Code})
		return nil, &o, nil
	}
	if k.Name == "" {
		o := refusal(KeywordBadName, "sms.bad_name", nil)
		return nil, &o, nil
	}
	return e, nil, nil
}

// KeywordRegistration is a registration asked for by keyword, from a phone
// number the channel read (the SMS's sender, the number shared in Zalo).
type KeywordRegistration struct {
	Keyword Keyword
	Phone   string // E.164
	Source  string // SourceSMS, SourceZalo
	Notify  *Notifier
}

// RegisterByKeyword registers a keyword's sender exactly as every channel
// must: the same checks, the same consent rule (the person asked by
// sending their name: SMSConsent, ZaloConsent), the same Register. It never returns a
// refusal as an error: the outcome carries the answer to give.
func RegisterByKeyword(ctx context.Context, db *gorm.DB, in KeywordRegistration, now time.Time) (KeywordOutcome, error) {
	e, refused, err := KeywordEvent(ctx, db, in.Keyword, now)
	if err != nil || refused != nil {
		if refused == nil {
			return KeywordOutcome{}, err
		}
		return *refused, nil
	}
	lang := in.Keyword.Lang
	res, err := Register(ctx, db, Input{
		EventID: e.ID, Name: in.Keyword.Name, Phone: in.Phone, Lang: lang, Source: in.Source,
		ConsentVersion: in.consent(), Notify: in.Notify,
	}, now)
	switch {
	case apperr.KeyOf(err) == "error.register.closed":
		return refusal(KeywordClosed, "sms.closed", map[string]any{"EventCode": e.Code}), nil
	case apperr.Is(err, apperr.Invalid):
		return refusal(KeywordBadName, "sms.bad_name", nil), nil
	case err != nil:
		return KeywordOutcome{}, err
	}
	o := KeywordOutcome{Action: KeywordRegistered, Event: e, Result: res}
	switch {
	case res.Existing:
		o.Action = KeywordExisting
	case res.Registration.Status == StatusWaitlisted:
		o.Action = KeywordWaitlisted
	}
	return o, nil
}

// consent is the version recorded: the keyword rule, named by its channel.
func (in KeywordRegistration) consent() string {
	if in.Source == SourceZalo {
		return ZaloConsent
	}
	return SMSConsent
}
