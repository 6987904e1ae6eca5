package message

import (
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/lantern-ngo/lantern/app/locale"
)

// Decree 91/2020/ND-CP on unsolicited messages: an invitation to a future
// event is advertising, non-profits included. Each kind of message is
// either a service message (about something the person did: a ticket, a
// reminder, a change), a code (a one-time code someone is waiting for), or
// an announcement (a session offered to people who did not register).

// Classes of message.
const (
	ClassService      = "service"
	ClassCode         = "code"
	ClassAnnouncement = "announcement"
)

// codeKinds are sent at any hour: someone is waiting for them.
var codeKinds = map[string]bool{
	"data_code":           true, // privacy.SMSDataCode
	"guardian_confirm":    true, // a guardian at the keyboard types its code
	"staff_password_link": true,
}

// urgentKinds are the messages someone needs in time (a ticket, a seat
// freed for them, a session moved or cancelled, a one-time code): sent by
// Zalo, they fall back to the next channel when Zalo's delivery receipt
// does not come within Sender.ReceiptTimeout (docs/DECISIONS.md). A
// reminder, a rating request or an announcement is not worth a second
// copy.
var urgentKinds = map[string]bool{
	"confirmation":        true, // the ticket
	"ticket_resent":       true,
	"promotion":           true, // a seat freed: they must know to come
	"event_changed":       true,
	"event_cancelled":     true,
	"data_code":           true,
	"guardian_confirm":    true,
	"staff_password_link": true,
}

// Urgent tells whether a kind falls back when no receipt comes in time.
func Urgent(kind string) bool { return urgentKinds[kind] }

// Class tells the class of a kind of message.
func Class(kind string) string {
	switch {
	case codeKinds[kind]:
		return ClassCode
	case kind == KindAnnouncement:
		return ClassAnnouncement
	}
	return ClassService
}

// KindAnnouncement is a session announced to opted-in people.
const KindAnnouncement = "announcement"

// Quiet hours: nothing but codes between 22:00 and 07:00 where the
// recipient is.
const (
	QuietFrom = 22
	QuietTo   = 7
)

// Held reasons.
const HeldQuietHours = "quiet_hours"

// defaultZone is where a number whose zone cannot be told is assumed to be.
var defaultZone = mustZone(locale.DefaultTimeZone)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, 7*3600)
	}
	return loc
}

// RecipientZone is the time zone of a number (E.164), from the numbering
// plan: Vietnam, Cambodia and Laos are UTC+7, the Philippines UTC+8.
func RecipientZone(e164 string) *time.Location {
	num, err := phonenumbers.Parse(e164, "") // E.164 carries its country
	if err != nil {
		return defaultZone
	}
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) == 0 {
		return defaultZone
	}
	loc, err := locale.LoadLocation(zones[0]) // read once a zone, not once a message
	if err != nil {
		return defaultZone
	}
	return loc
}

// QuietUntil returns when a message of kind to e164 may go if now falls in
// the recipient's quiet hours, or the zero time when it may go now.
func QuietUntil(kind, e164 string, now time.Time) time.Time {
	if Class(kind) == ClassCode {
		return time.Time{}
	}
	local := now.In(RecipientZone(e164))
	h := local.Hour()
	if h >= QuietTo && h < QuietFrom {
		return time.Time{}
	}
	wake := time.Date(local.Year(), local.Month(), local.Day(), QuietTo, 0, 0, 0, local.Location())
	if h >= QuietFrom {
		wake = wake.AddDate(0, 0, 1)
	}
	return wake.UTC()
}
