package event

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
)

// Card is an event as lists show it: one flat row per event, with its title
// in the asked language (or the fallback) and no description. The public
// list and the API read cards with a single query, because they are the
// busiest pages of the site.
type Card struct {
	ID         uint
	Code       string
	Kind       Kind
	Status     Status
	StartsAt   time.Time
	EndsAt     time.Time
	TimeZone   string
	Capacity   int
	SeatsTaken int
	Title      string
	TitleLang  string // the language the title is really in
	VenueName  content.Text
	CityName   content.Text
}

// SeatsLeft is never negative.
func (c *Card) SeatsLeft() int {
	if n := c.Capacity - c.SeatsTaken; n > 0 {
		return n
	}
	return 0
}

// ListCards returns the published events in the order of ListPublished, with
// titles in lang falling back to the event's own language, then Vietnamese,
// then any language, in one query.
func ListCards(ctx context.Context, db *gorm.DB, f ListFilter, lang string, now time.Time) ([]Card, error) {
	limit := f.Limit
	if limit <= 0 || limit > 201 {
		limit = DefaultPageSize
	}
	// The page of events is chosen first, on the events table alone (the
	// sort needs nothing else); titles, venue and city are joined to those
	// rows only. Joining every event's translations before the LIMIT cost
	// 17 ms a page at 100 times the programme's size.
	page := db.WithContext(ctx).Table("events").Where("events.status = ?", StatusPublished)
	if f.Kind != "" {
		page = page.Where("events.kind = ?", f.Kind)
	}
	if f.CityID != 0 {
		page = page.Where("events.venue_id IN (?)", db.Table("venues").Select("id").Where("city_id = ?", f.CityID))
	}
	page = page.Clauses(orderUpcomingFirst("events", now)).Limit(limit).Offset(f.Offset)

	var cards []Card
	err := db.WithContext(ctx).Table("(?) AS e", page).
		Select(`e.id, e.code, e.kind, e.status, e.starts_at, e.ends_at, e.time_zone, e.capacity, e.seats_taken,
			COALESCE(tr.title, town.title, tvi.title, tany.title, '') AS title,
			CASE WHEN tr.title IS NOT NULL THEN tr.lang WHEN town.title IS NOT NULL THEN town.lang
			     WHEN tvi.title IS NOT NULL THEN tvi.lang ELSE COALESCE(tany.lang, '') END AS title_lang,
			v.name AS venue_name, c.name AS city_name`).
		Joins("JOIN venues v ON v.id = e.venue_id").
		Joins("JOIN cities c ON c.id = v.city_id").
		Joins("LEFT JOIN event_translations tr ON tr.event_id = e.id AND tr.lang = ? AND tr.title <> ''", lang).
		Joins("LEFT JOIN event_translations town ON town.event_id = e.id AND town.lang = e.lang AND town.title <> ''").
		Joins("LEFT JOIN event_translations tvi ON tvi.event_id = e.id AND tvi.lang = 'vi' AND tvi.title <> ''").
		Joins(`LEFT JOIN event_translations tany ON tany.id = (SELECT MIN(t2.id) FROM event_translations t2 WHERE t2.event_id = e.id AND t2.title <> '')`).
		Clauses(orderUpcomingFirst("e", now)).
		Scan(&cards).Error
	return cards, err
}
