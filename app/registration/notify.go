package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// The participant's SMS. Their texts are locale messages (sms.* in
// locales/<lang>.yaml) so that they are translated with the rest of the
// interface; this file fills them and queues them in the outbox, in the
// transaction of the change that causes them, in the registration's language.
// Every message is sent unaccented when that costs fewer segments
// (Vietnamese with diacritics needs UCS-2: 70 characters a segment instead of
// 160), which is nearly always the case in Vietnamese.

// SMS kinds in the outbox.
const (
	SMSConfirmation   = "confirmation"
	SMSWaitlisted     = "waitlisted"
	SMSPromotion      = "promotion"
	SMSReminder       = "reminder"
	SMSEventCancelled = "event_cancelled"
	// SMSEventChanged: a published session's time or place changed.
	SMSEventChanged = "event_changed"
	SMSReply        = "reply"
	// SMSTicketResent: the number was typed again on the registration form;
	// the tickets it carries for the event go to the phone, never to the
	// page that typed it.
	SMSTicketResent = "ticket_resent"
	// SMSCancelledByTicket: someone cancelled from the ticket page; the phone
	// is told, in case it was not its owner.
	SMSCancelledByTicket = "ticket_cancelled"
	// SMSGuardianConfirm asks a child's guardian to confirm; SMSGuardianExpired
	// says the hold ended unconfirmed.
	SMSGuardianConfirm = "guardian_confirm"
	SMSGuardianExpired = "guardian_expired"
)

// TranslatorFor returns the translator of a language (locale.Bundle.For).
type TranslatorFor func(lang string) *locale.Translator

// Notifier builds and queues the participant's messages.
type Notifier struct {
	// BaseURL is the public origin for ticket links (config BASE_URL).
	BaseURL    string
	Translator TranslatorFor
}

// TicketURL is a ticket's public address.
func (n *Notifier) TicketURL(lang, code string) string {
	return n.BaseURL + "/" + lang + "/r/" + code
}

// GuardianURL is the address of a guardian's confirmation link.
func (n *Notifier) GuardianURL(lang, token string) string {
	return n.BaseURL + "/" + lang + "/g/" + token
}

// typographic characters outside GSM-7 that have a plain equivalent.
var plain = strings.NewReplacer("’", "'", "‘", "'", "“", "\"", "”", "\"", "–", "-", "—", "-", "…", "...",
	"·", "-", "\u00a0", " ", "\u202f", " ", "«", "\"", "»", "\"")

// Cheapest returns body, or its unaccented variant when that costs fewer SMS
// segments.
func Cheapest(body string) string {
	enc, seg := message.Segments(body)
	if enc == "GSM7" {
		return body // plain already: nothing to save
	}
	u := plain.Replace(textnorm.Unaccent(body))
	if _, su := message.Segments(u); su < seg {
		return u
	}
	return body
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// eventData is what every message says about its event.
func eventData(t *locale.Translator, e *event.Event) map[string]any {
	loc := e.Location()
	start := e.StartsAt.In(loc)
	return map[string]any{
		"Event":     clip(e.Content(t.Lang).Title, 40),
		"EventCode": e.Code,
		"When":      t.DateShort(start) + " " + t.Time(start),
		"Venue":     clip(e.Venue.Name.String(t.Lang), 30),
	}
}

// EventData is what a message says about its event (title, when, venue,
// code), for the messages other areas queue (rating requests).
func EventData(t *locale.Translator, e *event.Event) map[string]any { return eventData(t, e) }

func (n *Notifier) body(lang, id string, data map[string]any) string {
	return Cheapest(n.Translator(lang).TMap(id, data))
}

// composed is a message's SMS text and the parameters a channel's template
// (a Zalo template) is filled from.
type composed struct {
	Body   string
	Params map[string]any
}

func (n *Notifier) compose(lang, id string, data map[string]any) composed {
	return composed{Body: n.body(lang, id, data), Params: data}
}

func queue(tx *gorm.DB, r *Registration, kind string, c composed, dedupe string, at time.Time) error {
	return message.Enqueue(tx, newMessage(r, kind, c, dedupe, at))
}

// newMessage is the outbox row of a message to r's phone.
func newMessage(r *Registration, kind string, c composed, dedupe string, at time.Time) *message.Message {
	params, _ := json.Marshal(c.Params)
	m := &message.Message{To: *r.Phone, Body: c.Body, Lang: r.Lang, Kind: kind, Params: string(params),
		RegistrationID: &r.ID, EventID: &r.EventID, NextAttemptAt: at}
	if dedupe != "" {
		m.DedupeKey = &dedupe
	}
	return m
}

func (n *Notifier) regData(e *event.Event, r *Registration) map[string]any {
	d := eventData(n.Translator(r.Lang), e)
	d["Code"] = r.Code
	d["Link"] = n.TicketURL(r.Lang, r.Code)
	return d
}

func (n *Notifier) queueConfirmation(tx *gorm.DB, e *event.Event, r *Registration) error {
	if r.Phone == nil {
		return nil
	}
	return queue(tx, r, SMSConfirmation, n.compose(r.Lang, "sms.confirmation", n.regData(e, r)), "", time.Time{})
}

func (n *Notifier) queueWaitlisted(tx *gorm.DB, e *event.Event, r *Registration, pos Place) error {
	if r.Phone == nil {
		return nil
	}
	d := n.regData(e, r)
	d["Position"] = pos
	return queue(tx, r, SMSWaitlisted, n.compose(r.Lang, "sms.waitlisted", d), "", time.Time{})
}

func (n *Notifier) queuePromotion(tx *gorm.DB, e *event.Event, r *Registration, now time.Time) error {
	if r.Phone == nil {
		return nil
	}
	return queue(tx, r, SMSPromotion, n.compose(r.Lang, "sms.promotion", n.regData(e, r)),
		fmt.Sprintf("promotion:%d:%d", r.ID, now.UnixNano()), time.Time{})
}

// resendTickets sends the number's tickets for the event again, after
// someone typed it on the registration form as the person of matched: one
// message listing whose tickets it carries (a cancelled matched ticket too:
// its page offers to register again). At most once per TicketResendEvery per
// registration, decided by a conditional UPDATE under the event's lock.
func (n *Notifier) resendTickets(tx *gorm.DB, matched *Registration, same []Registration, now time.Time) (bool, error) {
	if matched.Phone == nil {
		return false, nil
	}
	res := tx.Model(&Registration{}).
		Where("id = ? AND (ticket_sent_at IS NULL OR ticket_sent_at <= ?)", matched.ID, now.Add(-TicketResendEvery)).
		Update("ticket_sent_at", now)
	if res.Error != nil || res.RowsAffected != 1 {
		return false, res.Error
	}
	matched.TicketSentAt = &now
	e, err := eventForSMS(tx, matched.EventID)
	if err != nil {
		return false, err
	}
	t := n.Translator(matched.Lang)
	var tickets []string
	for i := range same {
		r := &same[i]
		if r.ID != matched.ID && r.Status == StatusCancelled {
			continue
		}
		line := t.TMap("sms.ticket_line", map[string]any{"Name": clip(r.Name, 30), "Link": n.TicketURL(r.Lang, r.Code)})
		if r.Status == StatusCancelled {
			line += " " + t.T("sms.ticket_cancelled_mark")
		}
		tickets = append(tickets, line)
	}
	d := eventData(t, e)
	d["Tickets"] = strings.Join(tickets, "; ")
	return true, queue(tx, matched, SMSTicketResent, n.compose(matched.Lang, "sms.tickets_resent", d), "", time.Time{})
}

// queueCancelledByTicket tells the phone that its registration was cancelled
// from the ticket page, with the link to register again if it was not them.
func (n *Notifier) queueCancelledByTicket(tx *gorm.DB, r *Registration) error {
	if r.Phone == nil {
		return nil
	}
	e, err := eventForSMS(tx, r.EventID)
	if err != nil {
		return err
	}
	return queue(tx, r, SMSCancelledByTicket, n.compose(r.Lang, "sms.cancelled_by_ticket", n.regData(e, r)), "", time.Time{})
}

// queueSeat tells a registration's phone where it stands after a change
// that gave it a place (restored, confirmed by a guardian): its ticket, or
// its place in the waiting list. A nil notifier sends nothing.
func (n *Notifier) queueSeat(tx *gorm.DB, r *Registration) error {
	if n == nil || r.Phone == nil {
		return nil
	}
	e, err := eventForSMS(tx, r.EventID)
	if err != nil {
		return err
	}
	if r.Status != StatusWaitlisted {
		return n.queueConfirmation(tx, e, r)
	}
	pos, err := waitlistPosition(tx, r)
	if err != nil {
		return err
	}
	return n.queueWaitlisted(tx, e, r, pos)
}

// QueueExisting re-sends the ticket of a registration (a person who
// registers again by SMS gets their code back).
func (n *Notifier) QueueExisting(ctx context.Context, db *gorm.DB, r *Registration) error {
	return n.queueSeat(db.WithContext(ctx), r)
}

// QueueReply queues a free-text answer (SMS keyword replies).
func QueueReply(ctx context.Context, db *gorm.DB, to, lang, body string) error {
	return message.Enqueue(db.WithContext(ctx), &message.Message{To: to, Body: Cheapest(body), Lang: lang, Kind: SMSReply})
}

// cancelledRecipients are the people to tell that an event is cancelled:
// every live registration with a phone number.
func cancelledRecipients(tx *gorm.DB, eventID uint) ([]Registration, error) {
	var rs []Registration
	err := tx.Where("event_id = ? AND status IN ? AND phone IS NOT NULL", eventID,
		[]Status{StatusConfirmed, StatusWaitlisted}).Order("id").Find(&rs).Error
	return rs, err
}

// queueEventChanged tells every registrant of the event (confirmed or
// waitlisted, with a phone) its new time and place, each in their language
// with their ticket's link. A message is keyed by the time and place it
// announces: saving the form again queues nothing more, a second change
// tells everyone again. It returns how many were queued.
func (n *Notifier) queueEventChanged(tx *gorm.DB, eventID uint) (int, error) {
	e, err := eventForSMS(tx, eventID)
	if err != nil {
		return 0, err
	}
	rs, err := cancelledRecipients(tx, e.ID)
	if err != nil {
		return 0, err
	}
	for i := range rs {
		r := &rs[i]
		key := fmt.Sprintf("event_changed:%d:%d:%d:%d", e.ID, r.ID, e.StartsAt.Unix(), e.VenueID)
		if err := queue(tx, r, SMSEventChanged, n.compose(r.Lang, "sms.event_changed", n.regData(e, r)), key, time.Time{}); err != nil {
			return 0, err
		}
	}
	return len(rs), nil
}

// PreviewEventChanged tells who would be told if the organiser moved the
// event now, and the SMS cost of telling them (as if every message went by
// SMS), without queueing anything: the edit form shows it before saving.
func (n *Notifier) PreviewEventChanged(ctx context.Context, db *gorm.DB, eventID uint) (*Reach, error) {
	tx := db.WithContext(ctx)
	e, err := eventForSMS(tx, eventID)
	if err != nil {
		return nil, err
	}
	rs, err := cancelledRecipients(tx, eventID)
	if err != nil {
		return nil, err
	}
	out := &Reach{ByLang: map[string]int{}}
	for i := range rs {
		out.People++
		out.ByLang[rs[i].Lang]++
	}
	for lang, k := range out.ByLang { // one text per language, a typical ticket
		sample := &Registration{EventID: eventID, Lang: lang, Code: strings.Repeat("X", CodeLength)}
		_, seg := message.Segments(n.body(lang, "sms.event_changed", n.regData(e, sample)))
		out.Segments += k * seg
	}
	return out, nil
}

func eventCancelledBody(tr TranslatorFor, e *event.Event, lang string) string {
	return Cheapest(tr(lang).TMap("sms.event_cancelled", eventData(tr(lang), e)))
}

func withContent(tx *gorm.DB, e *event.Event) (*event.Event, error) {
	if len(e.Translations) > 0 && e.Venue.ID != 0 {
		return e, nil
	}
	return eventForSMS(tx, e.ID)
}

// QueueEventCancelled tells every registrant of e (confirmed or waitlisted,
// with a phone) that the event is cancelled, each in their language. The
// events area calls it in the transaction that cancels the event; calling it
// twice queues nothing more. It returns the number of messages and of SMS
// segments queued.
func QueueEventCancelled(tx *gorm.DB, e *event.Event, translatorFor TranslatorFor) (n int, segments int, err error) {
	e, err = withContent(tx, e)
	if err != nil {
		return 0, 0, err
	}
	rs, err := cancelledRecipients(tx, e.ID)
	if err != nil {
		return 0, 0, err
	}
	for i := range rs {
		r := &rs[i]
		body := eventCancelledBody(translatorFor, e, r.Lang)
		// The params fill a Zalo template (the SMS text is body).
		params, _ := json.Marshal(eventData(translatorFor(r.Lang), e))
		m := &message.Message{To: *r.Phone, Body: body, Lang: r.Lang, Kind: SMSEventCancelled,
			RegistrationID: &r.ID, EventID: &r.EventID, Params: string(params)}
		key := fmt.Sprintf("event_cancelled:%d:%d", e.ID, r.ID)
		m.DedupeKey = &key
		if err := message.Enqueue(tx, m); err != nil {
			return n, segments, err
		}
		if m.ID != 0 {
			n++
			segments += m.Segments
		}
	}
	return n, segments, nil
}

// PreviewEventCancelled tells, without queueing anything, how many people
// QueueEventCancelled would message and how many SMS segments it would cost
// (multiply by the price of a segment for the cost).
func PreviewEventCancelled(ctx context.Context, db *gorm.DB, e *event.Event, translatorFor TranslatorFor) (n int, segments int, err error) {
	tx := db.WithContext(ctx)
	e, err = withContent(tx, e)
	if err != nil {
		return 0, 0, err
	}
	rs, err := cancelledRecipients(tx, e.ID)
	if err != nil {
		return 0, 0, err
	}
	bodies := map[string]int{}
	for _, r := range rs {
		seg, ok := bodies[r.Lang]
		if !ok {
			_, seg = message.Segments(eventCancelledBody(translatorFor, e, r.Lang))
			bodies[r.Lang] = seg
		}
		n++
		segments += seg
	}
	return n, segments, nil
}

// Reminder timing: the day before, to those who registered before then.
const (
	ReminderBefore = 24 * time.Hour
	// reminderLatest: no reminder when the event starts sooner than this.
	reminderLatest = 2 * time.Hour
)

// ScheduleReminders queues the reminder of every confirmed registration of
// the published events starting within the next 24 hours (and not within
// two), for those confirmed before the 24-hour mark. It is idempotent (one
// dedupe key per registration and start time) and safe on several instances.
func (n *Notifier) ScheduleReminders(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	now = now.UTC()
	var events []event.Event
	err := db.WithContext(ctx).Preload("Translations").Preload("Venue").
		Where("status = ? AND starts_at > ? AND starts_at <= ?", event.StatusPublished, now.Add(reminderLatest), now.Add(ReminderBefore)).
		Order("starts_at").Limit(200).Find(&events).Error
	if err != nil {
		return 0, err
	}
	queued := 0
	for i := range events {
		e := &events[i]
		var done []string
		if err := db.WithContext(ctx).Model(&message.Message{}).
			Where("event_id = ? AND kind = ?", e.ID, SMSReminder).Pluck("dedupe_key", &done).Error; err != nil {
			return queued, err
		}
		seen := map[string]bool{}
		for _, k := range done {
			seen[k] = true
		}
		var rs []Registration
		if err := db.WithContext(ctx).Where("event_id = ? AND status = ? AND phone IS NOT NULL AND confirmed_at <= ?",
			e.ID, StatusConfirmed, e.StartsAt.Add(-ReminderBefore)).Order("id").Find(&rs).Error; err != nil {
			return queued, err
		}
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for j := range rs {
				r := &rs[j]
				key := fmt.Sprintf("reminder:%d:%d", r.ID, e.StartsAt.Unix())
				if seen[key] {
					continue
				}
				if err := queue(tx, r, SMSReminder, n.compose(r.Lang, "sms.reminder", n.regData(e, r)), key, time.Time{}); err != nil {
					return err
				}
				queued++
			}
			return nil
		})
		if err != nil {
			return queued, err
		}
	}
	return queued, nil
}

// SampleMessages are the ticket and waiting-list SMS an import would queue
// for an event, in a language, with a sample code: codes and ticket links
// have a fixed length and the messages carry no name, so their segment
// counts are those of the real messages (the preview shows the batch's
// cost before anything is sent).
func (n *Notifier) SampleMessages(ctx context.Context, db *gorm.DB, eventID uint, lang string) (confirmed, waitlisted string, err error) {
	e, err := eventForSMS(db.WithContext(ctx), eventID)
	if err != nil {
		return "", "", err
	}
	r := &Registration{EventID: eventID, Lang: lang, Code: strings.Repeat("X", CodeLength)}
	d := n.regData(e, r)
	confirmed = n.body(lang, "sms.confirmation", d)
	d["Position"] = 99
	waitlisted = n.body(lang, "sms.waitlisted", d)
	return confirmed, waitlisted, nil
}

// CancelEvent cancels an event and, in the same transaction, queues the
// message that tells each registrant, in their language: the use case spans
// the events area and this one, so it lives here, the higher of the two.
// It returns how many people are told.
func CancelEvent(ctx context.Context, db *gorm.DB, id, actorID uint, now time.Time, translatorFor TranslatorFor) (int, error) {
	_, told, err := event.Cancel(ctx, db, id, actorID, now, func(tx *gorm.DB, e *event.Event) (int, error) {
		n, _, err := QueueEventCancelled(tx, e, translatorFor)
		return n, err
	})
	return told, err
}

// SeatText is what the confirmation or waiting-list SMS of r says (its
// ticket link, or its place in the line), for a channel that answers in a
// chat (the Zalo OA): the same text, in r's language, never shortened.
func (n *Notifier) SeatText(ctx context.Context, db *gorm.DB, r *Registration) (string, error) {
	tx := db.WithContext(ctx)
	e, err := eventForSMS(tx, r.EventID)
	if err != nil {
		return "", err
	}
	d, id := n.regData(e, r), "sms.confirmation"
	if r.Status == StatusWaitlisted {
		pos, err := waitlistPosition(tx, r)
		if err != nil {
			return "", err
		}
		d["Position"], id = pos, "sms.waitlisted"
	}
	return n.Translator(r.Lang).TMap(id, d), nil
}
