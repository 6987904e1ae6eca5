package registration

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Announcements (issue 15, Decree 91/2020/ND-CP): a new session offered
// to people who did not register for it is advertising. It goes only to
// numbers that ticked a separate box on the registration form ("tell me
// about future sessions near me", a versioned consent text of its own),
// carries the advertising label on SMS, waits out the night and the
// number's daily cap (message.Sender), and always offers a stop: a link
// (a random token, no number in it), the SMS keywords TC / STOP / HUY QC,
// and the "my data" page. A stop is immediate: what is queued is not sent.

// ConsentAnnouncements is the consent audience of the opt-in's text;
// BuiltinAnnouncementsConsent the version recorded while no admin has
// published one (the interface's register.announce_text).
const (
	ConsentAnnouncements        = "announcements"
	BuiltinAnnouncementsConsent = "builtin-announcements"
)

// SMSAnnouncement is the outbox kind of an announcement.
const SMSAnnouncement = message.KindAnnouncement

// How a number stopped announcements.
const (
	StopLink   = "link"
	StopSMS    = "sms"
	StopMyData = "my_data"
)

// Scopes of an announcement: the opted-in numbers of a city or of a partner.
const (
	ScopeCity    = "city"
	ScopePartner = "partner"
)

// AnnounceTextMax is the longest free text of an announcement, per
// language: the session's title, date and links already fill most of two
// segments.
const AnnounceTextMax = 160

// Optin is a number's answer to "tell me about future sessions near me".
// OptedInAt is nil for a number that only ever said stop (kept so that the
// stop is honoured and shown); StoppedAt is set once it stopped.
type Optin struct {
	ID             uint
	Phone          string
	Lang           string
	ConsentVersion string
	OptedInAt      *time.Time
	RegistrationID *uint
	CityID         *uint
	PartnerID      *uint
	Country        string
	StopToken      string
	// ConfirmToken is the secret of the link that confirms a request (nil
	// once used); RequestedAt when the request was last sent to the number.
	ConfirmToken *string
	RequestedAt  *time.Time
	StoppedAt    *time.Time
	StopMethod   string
	Day          string
	DayCount     int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName keeps GORM on the migrated table.
func (Optin) TableName() string { return "announcement_optins" }

// Active tells whether the number receives announcements.
func (o *Optin) Active() bool { return o != nil && o.OptedInAt != nil && o.StoppedAt == nil }

// newStopToken is the secret of an unsubscribe link: 128 random bits. It
// is stored as is (it can only stop announcements, and every announcement
// must carry it), never a phone number.
func newStopToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// announceOptinAllowed: the opt-in is for adults. Children under 16 have
// no phone of their own here (their guardian registers them), and a
// 16–17-year-old is not sent advertising (product decision,
// docs/DECISIONS.md).
func announceOptinAllowed(ageBand string) bool {
	return ageBand != AgeUnder16 && ageBand != "16_17" && !IsChildAge(ageBand)
}

// OptinConfirmFor is how long the link that confirms an opt-in works;
// OptinAskEvery how often at most a number is asked (someone registering
// a number again and again must not flood its owner).
const (
	OptinConfirmFor = 7 * 24 * time.Hour
	OptinAskEvery   = 24 * time.Hour
)

// SMSAnnounceConfirm asks a number's owner to confirm the opt-in.
const SMSAnnounceConfirm = "announce_confirm"

// recordOptin asks the number that has just registered (reg), in the
// registration's transaction, whether it wants announcements. A phone
// number is not a secret: whoever typed it may not own it, so ticking the
// box only asks; a link sent to the number confirms (ConfirmOptin). A
// number already opted in is only brought up to date (its city, partner,
// language); one that stopped stays stopped until its owner confirms.
func recordOptin(tx *gorm.DB, in *Input, reg *Registration, now time.Time) error {
	var at struct {
		CityID    *uint
		PartnerID *uint
		Country   string
	}
	if err := tx.Table("events").Select("venues.city_id, events.partner_id, events.country").
		Joins("JOIN venues ON venues.id = events.venue_id").Where("events.id = ?", reg.EventID).Take(&at).Error; err != nil {
		return err
	}
	var o Optin
	err := tx.Where("phone = ?", *reg.Phone).Take(&o).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	where := map[string]any{"lang": reg.Lang, "consent_version": clip(in.AnnounceConsent, 40), "registration_id": reg.ID,
		"city_id": at.CityID, "partner_id": at.PartnerID, "country": at.Country, "updated_at": now}
	if o.ID != 0 && o.Active() {
		if err := tx.Model(&Optin{}).Where("id = ?", o.ID).Updates(where).Error; err != nil {
			return err
		}
		return audit.Record(tx, 0, "announcement.optin", "registration", fmt.Sprint(reg.ID), nil,
			map[string]any{"consent_version": in.AnnounceConsent, "already": true})
	}
	if o.RequestedAt != nil && o.ConfirmToken != nil && now.Sub(*o.RequestedAt) < OptinAskEvery {
		return nil // asked less than a day ago: that link still works
	}
	token := newStopToken()
	where["confirm_token"], where["requested_at"] = token, now
	if o.ID == 0 {
		o = Optin{Phone: *reg.Phone, Lang: reg.Lang, ConsentVersion: clip(in.AnnounceConsent, 40), RegistrationID: &reg.ID,
			CityID: at.CityID, PartnerID: at.PartnerID, Country: at.Country, StopToken: newStopToken(),
			ConfirmToken: &token, RequestedAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&o).Error; err != nil {
			return err // a duplicate: Register runs again and finds the row that won
		}
	} else if err := tx.Model(&Optin{}).Where("id = ?", o.ID).Updates(where).Error; err != nil {
		return err
	}
	if in.Notify != nil {
		if err := in.Notify.queueOptinConfirm(tx, reg, token); err != nil {
			return err
		}
	}
	return audit.Record(tx, 0, "announcement.optin_asked", "registration", fmt.Sprint(reg.ID), nil,
		map[string]any{"consent_version": in.AnnounceConsent})
}

// queueOptinConfirm sends the number the link that confirms its opt-in: a
// service message about the registration just made, in its language.
func (n *Notifier) queueOptinConfirm(tx *gorm.DB, r *Registration, token string) error {
	e, err := eventForSMS(tx, r.EventID)
	if err != nil {
		return err
	}
	d := eventData(n.Translator(r.Lang), e)
	d["Link"] = n.BaseURL + "/" + r.Lang + "/a/" + token
	return queue(tx, r, SMSAnnounceConfirm, n.compose(r.Lang, "sms.announce_confirm", d), "", time.Time{})
}

// OptinRequest is what the confirmation page says of its link: whether it
// was already used. It holds no number.
type OptinRequest struct {
	Confirmed bool
	Lang      string
}

// OptinRequestOf reads a confirmation link; NotFound when it is unknown or
// older than OptinConfirmFor. A link already used reads as confirmed.
func OptinRequestOf(ctx context.Context, db *gorm.DB, token string, now time.Time) (*OptinRequest, error) {
	o, err := optinByConfirmToken(db.WithContext(ctx), token, now)
	if err != nil {
		return nil, err
	}
	return &OptinRequest{Confirmed: o.Active(), Lang: o.Lang}, nil
}

func optinByConfirmToken(tx *gorm.DB, token string, now time.Time) (*Optin, error) {
	if len(token) < 16 || len(token) > 64 {
		return nil, apperr.New(apperr.NotFound, "error.announce.bad_link")
	}
	var o Optin
	err := tx.Where("confirm_token = ? AND requested_at > ?", token, now.Add(-OptinConfirmFor)).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.announce.bad_link")
	}
	return &o, err
}

// ConfirmOptin confirms the opt-in of a confirmation link's number: from
// now on it receives announcements. Confirming twice changes nothing.
func ConfirmOptin(ctx context.Context, db *gorm.DB, token string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := optinByConfirmToken(tx, token, now)
		if err != nil || o.Active() {
			return err
		}
		res := tx.Model(&Optin{}).Where("id = ? AND confirm_token = ?", o.ID, token).
			Updates(map[string]any{"opted_in_at": now, "stopped_at": nil, "stop_method": "", "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		var reg string
		if o.RegistrationID != nil {
			reg = fmt.Sprint(*o.RegistrationID)
		}
		return audit.Record(tx, 0, "announcement.optin", "registration", reg, nil,
			map[string]any{"consent_version": o.ConsentVersion, "confirmed": "link"})
	})
}

// OptinOf is the number's opt-in, nil when it never answered.
func OptinOf(ctx context.Context, db *gorm.DB, e164 string) (*Optin, error) {
	var o Optin
	err := db.WithContext(ctx).Where("phone = ?", e164).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &o, err
}

// StopState is what the unsubscribe page says: whether the link is known
// and whether it already stopped. It holds no number.
type StopState struct {
	Stopped bool
	Lang    string
}

// StopStateOf reads the state of an unsubscribe link; NotFound when the
// token is unknown.
func StopStateOf(ctx context.Context, db *gorm.DB, token string) (*StopState, error) {
	o, err := optinByToken(db.WithContext(ctx), token)
	if err != nil {
		return nil, err
	}
	return &StopState{Stopped: !o.Active(), Lang: o.Lang}, nil
}

func optinByToken(tx *gorm.DB, token string) (*Optin, error) {
	if len(token) < 16 || len(token) > 64 {
		return nil, apperr.New(apperr.NotFound, "error.announce.bad_link")
	}
	var o Optin
	err := tx.Where("stop_token = ?", token).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.announce.bad_link")
	}
	return &o, err
}

// StopByLink stops announcements to the number of an unsubscribe link.
// Stopping twice changes nothing.
func StopByLink(ctx context.Context, db *gorm.DB, token string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := optinByToken(tx, token)
		if err != nil {
			return err
		}
		_, err = stop(tx, o.Phone, StopLink, now)
		return err
	})
}

// StopByPhone stops announcements to a number (an SMS keyword from it, the
// person on the "my data" page). A number that never opted in is recorded
// as stopped, so that a later announcement cannot reach it until it ticks
// the box again. It tells whether anything changed.
func StopByPhone(ctx context.Context, db *gorm.DB, e164, method string, now time.Time) (bool, error) {
	var changed bool
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		changed, err = stop(tx, e164, method, now)
		return err
	})
	return changed, err
}

// StopKeywordReply handles an SMS stop keyword from e164 (TC, STOP,
// HUY QC): the number stops, and it is answered once, when something
// changed (a second STOP costs no second SMS). It tells whether it
// answered.
func StopKeywordReply(ctx context.Context, db *gorm.DB, e164, lang string, tr TranslatorFor, now time.Time) (bool, error) {
	answered := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed, err := stop(tx, e164, StopSMS, now)
		if err != nil || !changed {
			return err
		}
		answered = true
		return message.Enqueue(tx, &message.Message{To: e164, Body: Cheapest(tr(lang).T("sms.announce_stopped")), Lang: lang, Kind: SMSReply})
	})
	return answered, err
}

// stopKeywords are the words that stop announcements, as the decree's
// guidance and operators use them, with the language of the answer.
var stopKeywords = map[string]string{"TC": "vi", "HUY QC": "vi", "HUYQC": "vi", "TU CHOI": "vi", "STOP": "en"}

// StopKeyword tells whether an SMS asks to stop announcements, and the
// language to answer in.
func StopKeyword(text string) (string, bool) {
	t := strings.ToUpper(strings.Join(strings.Fields(textnorm.Unaccent(textnorm.Clean(text))), " "))
	lang, ok := stopKeywords[t]
	return lang, ok
}

// stop ends announcements to e164 in tx: the opt-in stops and every
// announcement still queued to the number is not sent (the sender also
// checks at the moment it sends, for one claimed meanwhile).
func stop(tx *gorm.DB, e164, method string, now time.Time) (bool, error) {
	res := tx.Model(&Optin{}).Where("phone = ? AND stopped_at IS NULL", e164).
		Updates(map[string]any{"stopped_at": now, "stop_method": method, "updated_at": now})
	if res.Error != nil {
		return false, res.Error
	}
	changed := res.RowsAffected > 0
	if !changed {
		var n int64
		if err := tx.Model(&Optin{}).Where("phone = ?", e164).Count(&n).Error; err != nil {
			return false, err
		}
		if n > 0 {
			return false, nil // already stopped
		}
		o := Optin{Phone: e164, StopToken: newStopToken(), StoppedAt: &now, StopMethod: method, Lang: "vi", CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&o).Error; err != nil {
			return false, err
		}
		changed = true
	}
	if err := tx.Model(&message.Message{}).Where("to_phone = ? AND kind = ? AND status = ?", e164, SMSAnnouncement, message.StatusQueued).
		Updates(map[string]any{"status": message.StatusFailed, "last_error": message.StoppedError, "held_reason": ""}).Error; err != nil {
		return false, err
	}
	return changed, audit.Record(tx, 0, "announcement.stop", "announcement_optin", "", nil, map[string]any{"method": method})
}

// AnnounceInput is an organiser's announcement of a session.
type AnnounceInput struct {
	EventID   uint
	Scope     string // ScopeCity (the session's city) or ScopePartner
	PartnerID *uint  // ScopePartner: whose past participants
	// Text is an optional line per language (at most three languages).
	Text content.Text
	// TwoWay: the SMS number answers, so the text offers the stop keyword.
	TwoWay bool
	ByID   uint
}

// Check returns every problem at once.
func (in *AnnounceInput) Check() error {
	var fe apperr.FieldList
	switch in.Scope {
	case ScopeCity:
		in.PartnerID = nil
	case ScopePartner:
		if in.PartnerID == nil || *in.PartnerID == 0 {
			fe.Add("partner", "error.announce.partner_required", nil)
		}
	default:
		fe.Add("scope", "error.register.bad_choice", nil)
	}
	written := 0
	for lang, t := range in.Text {
		t = strings.TrimSpace(textnorm.CleanText(t))
		in.Text[lang] = t
		if t == "" {
			delete(in.Text, lang)
			continue
		}
		written++
		if !locale.IsSupported(lang) {
			fe.Add("_form", "error.bad_request", nil)
		}
		if utf8.RuneCountInString(t) > AnnounceTextMax {
			fe.Add("text_"+lang, "error.broadcast.too_long", map[string]any{"Max": AnnounceTextMax})
		}
	}
	if written > 3 {
		fe.Add("_form", "error.announce.three_languages", nil)
	}
	return fe.Err()
}

// ChannelCost is what an announcement would cost if every message went
// through one channel.
type ChannelCost struct {
	Channel  string
	Messages int
	Segments int // SMS only
	Cost     int // VND
}

// AnnounceReach is who an announcement would reach, and its cost per
// channel.
type AnnounceReach struct {
	People int
	ByLang map[string]int
	Costs  []ChannelCost
}

// announceRecipient is an opted-in number an announcement goes to.
type announceRecipient struct {
	ID        uint
	Phone     string
	Lang      string
	StopToken string
}

// announceEvent reads the session to announce and refuses what cannot be
// announced: a draft, a cancelled or past session, or one without a seat
// to offer.
func announceEvent(tx *gorm.DB, id uint, now time.Time) (*event.Event, uint, error) {
	e, err := eventForSMS(tx, id)
	if err != nil {
		return nil, 0, err
	}
	if e.Status != event.StatusPublished || !now.Before(e.StartsAt) ||
		(e.RegistrationDeadline != nil && !now.Before(*e.RegistrationDeadline)) {
		return nil, 0, apperr.New(apperr.Invalid, "error.announce.not_open").With(map[string]any{"field": "_form"})
	}
	return e, e.Venue.CityID, nil
}

// announceRecipients are the numbers an announcement of e reaches: opted
// in and not stopped, in the session's city (or the partner's, in the
// session's country), not registered for it (a cancelled registration
// does not count), not already told about it. One query.
func announceRecipients(tx *gorm.DB, e *event.Event, cityID uint, in *AnnounceInput) ([]announceRecipient, error) {
	q := tx.Table("announcement_optins o").Select("o.id, o.phone, o.lang, o.stop_token").
		Where("o.opted_in_at IS NOT NULL AND o.stopped_at IS NULL AND o.phone <> ''")
	if in.Scope == ScopePartner {
		q = q.Where("o.partner_id = ? AND o.country = ?", *in.PartnerID, e.Country)
	} else {
		q = q.Where("o.city_id = ?", cityID)
	}
	q = q.Where("NOT EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = ? AND r.phone = o.phone AND r.status <> ?)", e.ID, StatusCancelled).
		Where("NOT EXISTS (SELECT 1 FROM sms_messages m WHERE m.event_id = ? AND m.kind = ? AND m.to_phone = o.phone)", e.ID, SMSAnnouncement)
	var out []announceRecipient
	err := q.Order("o.id").Scan(&out).Error
	return out, err
}

// EventURL is a session's public address.
func (n *Notifier) EventURL(lang string, id uint) string {
	return fmt.Sprintf("%s/%s/events/%d", n.BaseURL, lang, id)
}

// StopURL is the address of an unsubscribe link.
func (n *Notifier) StopURL(lang, token string) string {
	return n.BaseURL + "/" + lang + "/stop/" + token
}

// announceData is what an announcement says: the session in the person's
// language, the organiser's line in it (else the session's language,
// else any), the session's link and the stop link.
func (n *Notifier) announceData(e *event.Event, in *AnnounceInput, lang, token string) map[string]any {
	d := eventData(n.Translator(lang), e)
	extra := in.Text[lang]
	for _, l := range append([]string{e.Lang}, locale.Fallback...) {
		if extra == "" {
			extra = in.Text[l]
		}
	}
	if extra != "" {
		extra += " "
	}
	d["Text"], d["Link"], d["Stop"] = extra, n.EventURL(lang, e.ID), n.StopURL(lang, token)
	return d
}

// announceBody is the SMS text: the advertising label first (sms.ad_label,
// "[QC]" under Decree 91/2020), then the message, with the stop keyword
// when the number answers SMS. A Zalo template is filled from the params,
// without the label.
func (n *Notifier) announceBody(lang string, twoWay bool, data map[string]any) string {
	t := n.Translator(lang)
	id := "sms.announcement"
	if twoWay {
		id = "sms.announcement_two_way"
	}
	return Cheapest(t.T("sms.ad_label") + " " + t.TMap(id, data))
}

// sampleToken is as long as a real stop token, for cost previews.
var sampleToken = strings.Repeat("x", 22)

// PreviewAnnouncement tells whom an announcement would reach and what it
// would cost per channel (prices: message.Prices; zalo: whether a Zalo
// channel is configured), without queueing anything.
func (n *Notifier) PreviewAnnouncement(ctx context.Context, db *gorm.DB, in AnnounceInput, prices message.Prices, zalo bool, now time.Time) (*AnnounceReach, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	tx := db.WithContext(ctx)
	e, cityID, err := announceEvent(tx, in.EventID, now)
	if err != nil {
		return nil, err
	}
	rs, err := announceRecipients(tx, e, cityID, &in)
	if err != nil {
		return nil, err
	}
	out := &AnnounceReach{People: len(rs), ByLang: map[string]int{}}
	for _, r := range rs {
		out.ByLang[r.Lang]++
	}
	sms := ChannelCost{Channel: message.ChannelSMS, Messages: out.People}
	for lang, k := range out.ByLang { // one text per language, a typical link
		_, seg := message.Segments(n.announceBody(lang, in.TwoWay, n.announceData(e, &in, lang, sampleToken)))
		sms.Segments += k * seg
	}
	sms.Cost = prices.Of(message.ChannelSMS, sms.Messages, sms.Segments)
	if zalo {
		out.Costs = append(out.Costs, ChannelCost{Channel: message.ChannelZalo, Messages: out.People, Cost: prices.Of(message.ChannelZalo, out.People, 0)})
	}
	out.Costs = append(out.Costs, sms)
	return out, nil
}

// Announce queues the announcement of a session to every number it
// reaches, in one transaction, each in the language its person registered
// in, and audits it (counts, no numbers). A number is told about a session
// once: its dedupe key is the session and the opt-in, and a number already
// told is not counted again. It refuses an announcement that reaches
// nobody.
func (n *Notifier) Announce(ctx context.Context, db *gorm.DB, in AnnounceInput, now time.Time) (int, error) {
	if err := in.Check(); err != nil {
		return 0, err
	}
	queued := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, cityID, err := announceEvent(tx, in.EventID, now)
		if err != nil {
			return err
		}
		rs, err := announceRecipients(tx, e, cityID, &in)
		if err != nil {
			return err
		}
		for _, r := range rs {
			data := n.announceData(e, &in, r.Lang, r.StopToken)
			params, _ := json.Marshal(data)
			key := fmt.Sprintf("announce:%d:%d", e.ID, r.ID)
			m := &message.Message{To: r.Phone, Body: n.announceBody(r.Lang, in.TwoWay, data), Lang: r.Lang, Kind: SMSAnnouncement,
				EventID: &e.ID, DedupeKey: &key, Params: string(params), NextAttemptAt: now.UTC()}
			if err := message.Enqueue(tx, m); err != nil {
				return err
			}
			if m.ID != 0 {
				queued++
			}
		}
		if queued == 0 {
			return apperr.New(apperr.Invalid, "error.announce.nobody").With(map[string]any{"field": "_form"})
		}
		after := map[string]any{"scope": in.Scope, "recipients": queued, "languages": len(in.Text)}
		if in.PartnerID != nil {
			after["partner_id"] = *in.PartnerID
		}
		return audit.Record(tx, in.ByID, "announcement.send", "event", fmt.Sprint(e.ID), nil, after)
	})
	return queued, err
}
