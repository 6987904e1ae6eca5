// Package event holds the programme: cities, partners, venues and the events
// (sessions) that carry the awareness work. It never imports Fiber.
package event

import (
	"time"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
)

// Kind is a session kind of the programme.
type Kind string

const (
	KindFilmDebate        Kind = "film_debate"
	KindAuthorityWorkshop Kind = "authority_workshop"
	KindInfoSession       Kind = "info_session"
	KindLifeSkills        Kind = "life_skills"
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{KindFilmDebate, KindAuthorityWorkshop, KindInfoSession, KindLifeSkills}

// ValidKind whitelists a kind.
func ValidKind(k string) bool {
	for _, x := range Kinds {
		if string(x) == k {
			return true
		}
	}
	return false
}

// Status is where an event is in its life.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusCancelled Status = "cancelled"
)

// Audiences an event is meant for.
var Audiences = []string{"families", "children_youth", "authorities", "partner_staff", "general"}

// City is a programme city with its time zone.
type City struct {
	ID       uint
	Code     string
	Country  string
	TimeZone string
	Name     content.Text
}

// Partner is an organisation the programme works with.
type Partner struct {
	ID          uint
	Code        string
	Name        content.Text
	Description content.Text
	CityID      *uint
	City        *City
	PublicPhone string // the organisation's line for questions (E.164), shown on its sessions' pages
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Venue is where events take place.
type Venue struct {
	ID        uint
	Code      string
	Name      content.Text
	Address   string
	CityID    uint
	City      City
	PartnerID *uint
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Translation is an event's title and description in one language.
type Translation struct {
	ID          uint
	EventID     uint
	Lang        string
	Title       string
	Description string
	Film        string // the film's title in this language
	UpdatedAt   time.Time
}

// TableName keeps GORM on the migrated table.
func (Translation) TableName() string { return "event_translations" }

// Event is one session: a film-and-debate, a workshop, ….
type Event struct {
	ID                   uint
	Code                 string
	Kind                 Kind
	Status               Status
	Lang                 string // the language the organiser wrote it in
	StartsAt             time.Time
	EndsAt               time.Time
	TimeZone             string
	Country              string // its city's, when it was saved
	PhoneRegion          string // where numbers typed on its forms without + belong
	VenueID              uint
	Venue                Venue
	PartnerID            *uint
	Partner              *Partner
	Capacity             int
	SeatsTaken           int
	RegistrationDeadline *time.Time
	Audience             string
	Film                 string
	PublishedAt          *time.Time
	CancelledAt          *time.Time
	CreatedByID          *uint
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Translations         []Translation
	// CountryContact is the country's line for questions (GetPublic reads
	// it when the session has no partner with a public line).
	CountryContact string `gorm:"-"`
	// CountryLanguages and CountryFallback are the session's country's
	// interface languages and content fallback order (GetPublic reads them):
	// the languages its page offers, and where a text missing in the
	// reader's language is looked for first.
	CountryLanguages []string `gorm:"-"`
	CountryFallback  []string `gorm:"-"`
}

// ContactPhone is the number a session's page gives for questions (E.164):
// its partner's public line, else its country's; "" when neither is set.
func (e *Event) ContactPhone() string {
	if e.Partner != nil && e.Partner.PublicPhone != "" {
		return e.Partner.PublicPhone
	}
	return e.CountryContact
}

// Content returns the title and description in lang, falling back to the
// event's own language, then Vietnamese; Lang on the result says which.
func (e *Event) Content(lang string) Translation {
	byLang := map[string]Translation{}
	for _, t := range e.Translations {
		if t.Title != "" {
			byLang[t.Lang] = t
		}
	}
	_, got := content.PickIn(lang, e.CountryFallback, e.Lang, func(l string) (string, bool) {
		t, ok := byLang[l]
		return t.Title, ok
	})
	return byLang[got]
}

// SeatsLeft is never negative.
func (e *Event) SeatsLeft() int {
	if n := e.Capacity - e.SeatsTaken; n > 0 {
		return n
	}
	return 0
}

// Location is the event's time zone.
func (e *Event) Location() *time.Location {
	if loc, err := locale.LoadLocation(e.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// RegistrationOpen tells whether people may still register at now.
func (e *Event) RegistrationOpen(now time.Time) bool {
	if e.Status != StatusPublished || !now.Before(e.StartsAt) {
		return false
	}
	if e.RegistrationDeadline != nil && !now.Before(*e.RegistrationDeadline) {
		return false
	}
	return true
}

// Past tells whether the event has ended.
func (e *Event) Past(now time.Time) bool { return !now.Before(e.EndsAt) }

// Started tells whether the event has begun at now (it may still run).
func (e *Event) Started(now time.Time) bool { return !now.Before(e.StartsAt) }

// Upcoming tells whether the event is still ahead of people at now: not
// cancelled and not ended. Only then do its seats left, its registration
// deadline and "add to calendar" mean anything.
func (e *Event) Upcoming(now time.Time) bool { return e.Status != StatusCancelled && !e.Past(now) }

// Held tells whether the event has taken place (or is taking place) at now:
// it has started and was not cancelled. Only then can it have a session
// report, a knowledge gain or an attendance rate.
func (e *Event) Held(now time.Time) bool { return e.Status != StatusCancelled && e.Started(now) }

// NeverPublished tells whether the event was never on the public site: a
// draft that was never published (one published once and taken back to
// draft keeps its publication time).
func (e *Event) NeverPublished() bool { return e.Status != StatusPublished && e.PublishedAt == nil }

// FilmIn is the film's title in lang, with the fallback of all content: the
// reader's language, the event's own, then the programme's order.
func (e *Event) FilmIn(lang string) string {
	byLang := map[string]string{}
	for _, t := range e.Translations {
		if t.Film != "" {
			byLang[t.Lang] = t.Film
		}
	}
	s, _ := content.PickIn(lang, e.CountryFallback, e.Lang, func(l string) (string, bool) {
		v, ok := byLang[l]
		return v, ok
	})
	if s == "" {
		return e.Film // a session saved before films had languages
	}
	return s
}
