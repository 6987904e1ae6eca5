package event

import (
	"context"
	"errors"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/user"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/country"
)

// ListFilter narrows the public list. Zero values mean "all".
type ListFilter struct {
	CityID uint
	Kind   Kind
	// Limit and Offset page the list; Limit 0 means the default page size.
	Limit  int
	Offset int
}

// DefaultPageSize keeps a page light on a slow phone network.
const DefaultPageSize = 30

// ListPublished returns published and cancelled-after-publication events:
// upcoming first (soonest first), then past ones (latest first). It runs a
// fixed number of queries whatever the number of rows (no N+1).
func ListPublished(ctx context.Context, db *gorm.DB, f ListFilter, now time.Time) ([]Event, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = DefaultPageSize
	}
	q := db.WithContext(ctx).Model(&Event{}).
		Where("events.status = ?", StatusPublished)
	if f.Kind != "" {
		q = q.Where("events.kind = ?", f.Kind)
	}
	if f.CityID != 0 {
		q = q.Where("events.venue_id IN (?)", db.Model(&Venue{}).Select("id").Where("city_id = ?", f.CityID))
	}
	var events []Event
	// Upcoming (ends after now) sort before past ones; within each group the
	// order is by start time, ascending for upcoming and descending for past.
	err := q.
		Clauses(orderUpcomingFirst("events", now)).
		Limit(limit).Offset(f.Offset).
		// Venue and city come in the same query; titles in one more (lists
		// never show descriptions, which are the long texts).
		Joins("Venue").Joins("Venue.City").
		Preload("Translations", func(tx *gorm.DB) *gorm.DB {
			return tx.Select("id", "event_id", "lang", "title", "updated_at")
		}).
		Find(&events).Error
	return events, err
}

// Get returns one event with its content, venue and city.
func Get(ctx context.Context, db *gorm.DB, id uint) (*Event, error) {
	var e Event
	err := db.WithContext(ctx).Joins("Venue").Joins("Venue.City").Joins("Partner").Preload("Translations").
		First(&e, "events.id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// GetRef returns an event's own row only (no venue, partner nor
// translations), or NotFound.
func GetRef(ctx context.Context, db *gorm.DB, id uint) (*Event, error) {
	var e Event
	err := db.WithContext(ctx).Select("id", "code", "kind", "status", "starts_at", "ends_at", "time_zone", "country", "phone_region", "venue_id", "capacity").
		Take(&e, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// GetPublic returns an event the public may see (published, or cancelled after
// publication, so that people who registered learn it was cancelled).
func GetPublic(ctx context.Context, db *gorm.DB, id uint) (*Event, error) {
	e, err := Get(ctx, db, id)
	if err != nil {
		return nil, err
	}
	// A draft, or a draft cancelled before it was ever published, was never
	// public and does not become so (the public feed keeps the same rule).
	if e.Status == StatusDraft || e.NeverPublished() {
		return nil, apperr.New(apperr.NotFound, "error.event.not_found")
	}
	// The country's line for questions (when no partner has one), its
	// interface languages and its content fallback order.
	var cs []country.Country
	if err := db.WithContext(ctx).Select("code", "contact_phone", "languages", "content_fallback").Where("code = ?", e.Country).Limit(1).Find(&cs).Error; err != nil {
		return nil, err
	}
	if len(cs) > 0 {
		if e.Partner == nil || e.Partner.PublicPhone == "" {
			e.CountryContact = cs[0].ContactPhone
		}
		e.CountryLanguages, e.CountryFallback = cs[0].Languages, cs[0].ContentFallback
	}
	return e, nil
}

// GetByCode finds an event by its short public code (used in SMS keywords).
func GetByCode(ctx context.Context, db *gorm.DB, code string) (*Event, error) {
	var e Event
	err := db.WithContext(ctx).Preload("Translations").Preload("Venue").Preload("Venue.City").
		Where("code = ?", code).First(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
	}
	return &e, err
}

// Cities lists the programme's cities.
func Cities(ctx context.Context, db *gorm.DB) ([]City, error) {
	var cs []City
	err := db.WithContext(ctx).Order("id").Find(&cs).Error
	return cs, err
}

// Partners lists the partners.
func Partners(ctx context.Context, db *gorm.DB) ([]Partner, error) {
	var ps []Partner
	err := db.WithContext(ctx).Order("code").Find(&ps).Error
	return ps, err
}

// Venues lists the venues with their city.
func Venues(ctx context.Context, db *gorm.DB) ([]Venue, error) {
	var vs []Venue
	err := db.WithContext(ctx).Preload("City").Order("code").Find(&vs).Error
	return vs, err
}

// orderUpcomingFirst sorts upcoming events (not yet ended) before past ones:
// upcoming soonest first, past latest first.
func orderUpcomingFirst(table string, now time.Time) clause.OrderBy {
	return clause.OrderBy{Expression: clause.Expr{
		SQL: "CASE WHEN " + table + ".ends_at > ? THEN 0 ELSE 1 END, " +
			"CASE WHEN " + table + ".ends_at > ? THEN " + table + ".starts_at END ASC, " +
			table + ".starts_at DESC, " + table + ".id",
		Vars:               []any{now, now},
		WithoutParentheses: true,
	}}
}

// WithTitles lists the events of ids with their translations, newest first
// (for filters that name events by title).
func WithTitles(ctx context.Context, db *gorm.DB, ids []uint) ([]Event, error) {
	var es []Event
	if len(ids) == 0 {
		return es, nil
	}
	err := db.WithContext(ctx).Preload("Translations").Where("id IN ?", ids).Order("starts_at DESC").Find(&es).Error
	return es, err
}

// TrainerSessions lists the sessions a staff member is assigned to as
// trainer (cancelled ones left out) that start within [from, to] (a zero
// bound: open), newest first, at most limit, with their texts.
func TrainerSessions(ctx context.Context, db *gorm.DB, userID uint, from, to time.Time, limit int) ([]Event, error) {
	q := db.WithContext(ctx).Preload("Translations").
		Where("events.status <> ?", StatusCancelled).
		Where("EXISTS (SELECT 1 FROM event_trainers et WHERE et.event_id = events.id AND et.user_id = ?)", userID)
	if !from.IsZero() {
		q = q.Where("events.starts_at >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("events.starts_at <= ?", to)
	}
	var es []Event
	err := q.Order("events.starts_at DESC").Limit(limit).Find(&es).Error
	return es, err
}

// Held lists the sessions past their draft, newest first, at most limit,
// with their texts and venue; trainerID, when not 0, keeps only that
// trainer's.
func Held(ctx context.Context, db *gorm.DB, trainerID uint, sc scope.Scope, limit int) ([]Event, error) {
	where, args := sc.SQL("events")
	q := db.WithContext(ctx).Preload("Translations").Preload("Venue").Preload("Venue.City").
		Where("status <> ?", StatusDraft).Where(where, args...).Order("starts_at DESC").Limit(limit)
	if trainerID != 0 {
		q = q.Where("id IN (SELECT event_id FROM event_trainers WHERE user_id = ?)", trainerID)
	}
	var es []Event
	err := q.Find(&es).Error
	return es, err
}

// TrainerUsers lists the staff assigned to an event as trainers, by name.
func TrainerUsers(ctx context.Context, db *gorm.DB, eventID uint) ([]user.User, error) {
	var us []user.User
	err := db.WithContext(ctx).Where("id IN (SELECT user_id FROM event_trainers WHERE event_id = ?)", eventID).Order("name").Find(&us).Error
	return us, err
}

// VenueLocation is the time zone of a venue's city (its sessions' times are
// read and shown in it).
func VenueLocation(ctx context.Context, db *gorm.DB, venueID uint) (*time.Location, error) {
	var v Venue
	if err := db.WithContext(ctx).Preload("City").First(&v, venueID).Error; err != nil {
		return nil, err
	}
	return locale.LoadLocation(v.City.TimeZone)
}

// RegionOf is the phone region numbers typed for a session belong to: its
// own (copied from its city's country when it was saved), or the default
// country's for a session saved before countries were data.
func RegionOf(tx *gorm.DB, eventID uint) (string, error) {
	var region string
	err := tx.Raw(`SELECT COALESCE(NULLIF(e.phone_region, ''), (SELECT c.phone_region FROM countries c ORDER BY c.is_default DESC, c.code LIMIT 1))
		FROM events e WHERE e.id = ?`, eventID).Scan(&region).Error
	if err != nil {
		return "", err
	}
	if region == "" {
		return "", apperr.New(apperr.NotFound, "error.event.not_found")
	}
	return region, nil
}
