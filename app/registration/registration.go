// Package registration holds participants' registrations: seats, waiting
// list, confirmation codes. A participant has no account: their mobile
// number (E.164) is their identity for an event.
package registration

import (
	"time"
)

// Status of a registration.
type Status string

const (
	StatusConfirmed  Status = "confirmed"
	StatusWaitlisted Status = "waitlisted"
	StatusCancelled  Status = "cancelled"
)

// Kind of registration.
const (
	KindIndividual = "individual"
	// KindGroup: partner staff register a group (e.g. 20 children of a home)
	// under one contact number, with counts and no personal data.
	KindGroup = "group"
	// KindWalkIn: someone who came without registering, added at the venue.
	KindWalkIn = "walk_in"
)

// Sources of a registration.
const (
	SourceWeb    = "web"
	SourceSMS    = "sms"
	SourceStaff  = "staff"
	SourceWalkIn = "walk_in"
	// SourceImport: a list imported by staff (a partner's invitation list).
	SourceImport = "import"
	// SourceZalo: a keyword written to the NGO's Zalo Official Account, with
	// the phone number the person shared in Zalo.
	SourceZalo = "zalo"
)

// PeoplePerPhone is how many people may register for one session with one
// phone number: families share a phone.
const PeoplePerPhone = 4

// TicketResendEvery: typing a registered number again re-sends the ticket
// link to that number, at most this often per registration.
const TicketResendEvery = 10 * time.Minute

// Sexes, age bands and roles: the programme's disaggregations.
var (
	Sexes    = []string{"female", "male", "other", "not_stated"}
	AgeBands = []string{"under_16", "16_17", "18_24", "25_59", "60_plus"}
	Roles    = []string{"parent", "youth", "social_worker", "teacher", "police", "dolisa", "local_official", "partner_staff", "health_worker", "other"}
)

// Registration is one person (or one group) registered for an event.
type Registration struct {
	ID             uint
	EventID        uint
	Code           string // short, unguessable confirmation code
	Kind           string
	Status         Status
	Name           string
	NameFolded     string // lowercase, no diacritics, for search
	Phone          *string
	Sex            string
	AgeBand        string
	Role           string
	Organisation   string
	PartnerID      *uint
	GroupSize      int    // seats taken: 1, or the group's size
	GroupBreakdown string // JSON counts by sex and age band for groups
	Lang           string
	Source         string
	ConsentVersion string
	ConsentAt      *time.Time
	WaitlistedAt   *time.Time
	ConfirmedAt    *time.Time
	CancelledAt    *time.Time
	AnonymisedAt   *time.Time
	// TicketSentAt: when the ticket link last went to the phone (re-sent at
	// most every TicketResendEvery).
	TicketSentAt *time.Time
	// PhoneRenumbered: the number typed was an old 11-digit mobile, converted.
	PhoneRenumbered bool
	// A child's registration (guardian.go): the age under 16 in detail, the
	// guardian, the hash of the guardian's link, the seat's hold, and how
	// the guardian confirmed.
	AgeDetail             string
	GuardianName          string
	GuardianTokenHash     *string
	HoldUntil             *time.Time
	GuardianConfirmedAt   *time.Time
	GuardianMethod        string
	GuardianConfirmedByID *uint
	GuardianCodeHash      string
	GuardianCodeTries     int
	CreatedByID           *uint
	CreatedAt             time.Time
	UpdatedAt             time.Time
}
