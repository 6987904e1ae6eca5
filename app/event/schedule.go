package event

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/scope"
)

// StaffFilter narrows the staff lists, the agenda and the calendar. Zero
// values mean "all".
type StaffFilter struct {
	Status    Status
	Kind      Kind
	CityID    uint
	TrainerID uint
	// Scope keeps the sessions of a staff member's part of the programme.
	Scope scope.Scope
	// From and To bound the start time (UTC, To exclusive) when set.
	From, To time.Time
	// PublishedOnly keeps what the public may see (published and cancelled
	// after publication).
	PublishedOnly bool
	Limit         int
	Offset        int
}

func (f StaffFilter) apply(db, q *gorm.DB) *gorm.DB {
	if f.Status != "" {
		q = q.Where("events.status = ?", f.Status)
	}
	if f.PublishedOnly {
		q = q.Where("events.status = ? OR (events.status = ? AND events.published_at IS NOT NULL)", StatusPublished, StatusCancelled)
	}
	if f.Kind != "" {
		q = q.Where("events.kind = ?", f.Kind)
	}
	if f.CityID != 0 {
		q = q.Where("events.venue_id IN (?)", db.Model(&Venue{}).Select("id").Where("city_id = ?", f.CityID))
	}
	if !f.Scope.IsGlobal() {
		where, args := f.Scope.SQL("events")
		q = q.Where(where, args...)
	}
	if f.TrainerID != 0 {
		q = q.Where("events.id IN (?)", db.Model(&EventTrainer{}).Select("event_id").Where("user_id = ?", f.TrainerID))
	}
	if !f.From.IsZero() {
		q = q.Where("events.starts_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("events.starts_at < ?", f.To)
	}
	return q
}

// ListStaff returns events of every status for the back office: upcoming
// first (soonest first), then past ones (latest first). Fixed number of
// queries.
func ListStaff(ctx context.Context, db *gorm.DB, f StaffFilter, now time.Time) ([]Event, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = DefaultPageSize
	}
	db = db.WithContext(ctx)
	q := f.apply(db, db.Model(&Event{}))
	var events []Event
	err := q.Order(clause.OrderBy{Expression: clause.Expr{
		SQL: "CASE WHEN events.ends_at > ? THEN 0 ELSE 1 END, " +
			"CASE WHEN events.ends_at > ? THEN events.starts_at END ASC, events.starts_at DESC, events.id",
		Vars:               []any{now, now},
		WithoutParentheses: true,
	}}).Limit(limit).Offset(f.Offset).
		Preload("Translations").Preload("Venue").Preload("Venue.City").
		Find(&events).Error
	return events, err
}

// Sessions returns the events starting in [f.From, f.To) in time order, for
// the calendar and the agenda.
func Sessions(ctx context.Context, db *gorm.DB, f StaffFilter) ([]Event, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	db = db.WithContext(ctx)
	var events []Event
	err := f.apply(db, db.Model(&Event{})).Order("events.starts_at, events.id").Limit(limit).Offset(f.Offset).
		Preload("Translations").Preload("Venue").Preload("Venue.City").
		Find(&events).Error
	return events, err
}

// InScope tells whether the event is in a staff member's scope (issue 20).
// An event that does not exist is in no scope but the whole programme's, so
// that a scoped account cannot tell ids of other countries from gaps.
func InScope(ctx context.Context, db *gorm.DB, id uint, sc scope.Scope) (bool, error) {
	if sc.IsGlobal() {
		return true, nil
	}
	where, args := sc.SQL("e")
	var n int64
	err := db.WithContext(ctx).Table("events e").Where("e.id = ?", id).Where(where, args...).Count(&n).Error
	return n > 0, err
}
