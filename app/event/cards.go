package event

import (
	"context"
	"sort"
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
	Lang       string // the language the organiser wrote it in
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
	// The page of events is chosen first, from the (status, starts_at)
	// index, in two ordered runs: upcoming events soonest first, then past
	// ones latest first. Neither run sorts the whole table, so a page costs
	// the same with 20 events or 20,000. Titles, venue and city are then
	// joined to those rows only.
	ids, err := pageIDs(ctx, db, f, limit, now)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	order := make(map[uint]int, len(ids))
	for i, id := range ids {
		order[id] = i
	}
	var cards []Card
	err = db.WithContext(ctx).Table("events AS e").
		Select(`e.id, e.code, e.kind, e.status, e.lang, e.starts_at, e.ends_at, e.time_zone, e.capacity, e.seats_taken,
			v.name AS venue_name, c.name AS city_name`).
		Joins("JOIN venues v ON v.id = e.venue_id").
		Joins("JOIN cities c ON c.id = v.city_id").
		Where("e.id IN ?", ids).
		Scan(&cards).Error
	if err != nil {
		return nil, err
	}
	// Titles of these events only, through the (event_id, lang) index; the
	// fallback (asked language, event's own, Vietnamese, any) is applied here.
	var titles []struct {
		EventID uint
		Lang    string
		Title   string
	}
	err = db.WithContext(ctx).Table("event_translations").Select("event_id, lang, title").
		Where("event_id IN ? AND title <> ''", ids).Scan(&titles).Error
	byEvent := make(map[uint]map[string]string, len(ids))
	for _, t := range titles {
		if byEvent[t.EventID] == nil {
			byEvent[t.EventID] = map[string]string{}
		}
		byEvent[t.EventID][t.Lang] = t.Title
	}
	for i := range cards {
		m := byEvent[cards[i].ID]
		cards[i].Title, cards[i].TitleLang = content.Pick(lang, cards[i].Lang, func(l string) (string, bool) {
			s, ok := m[l]
			return s, ok
		})
	}
	sort.Slice(cards, func(a, b int) bool { return order[cards[a].ID] < order[cards[b].ID] })
	return cards, err
}

// MaxEventDuration bounds how long before now an event still running may
// have started; it keeps the upcoming run on the index.
const MaxEventDuration = 31 * 24 * time.Hour

// pageIDs returns the ids of one page of published events, upcoming first.
func pageIDs(ctx context.Context, db *gorm.DB, f ListFilter, limit int, now time.Time) ([]uint, error) {
	base := func() *gorm.DB {
		q := db.WithContext(ctx).Table("events").Select("id").Where("status = ?", StatusPublished)
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if f.CityID != 0 {
			q = q.Where("venue_id IN (?)", db.Table("venues").Select("id").Where("city_id = ?", f.CityID))
		}
		return q
	}
	upcoming := func(q *gorm.DB) *gorm.DB {
		return q.Where("starts_at > ? AND ends_at > ?", now.Add(-MaxEventDuration), now)
	}
	// The upcoming run first. Only a page that runs past its end needs to
	// know how many upcoming events there are (to place itself in the past
	// run), and then only when it got none of them: counting every upcoming
	// event on each view made the first page cost grow with the programme.
	var ids []uint
	if err := upcoming(base()).Order("starts_at, id").Offset(f.Offset).Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	if rest := limit - len(ids); rest > 0 {
		nUpcoming := int64(f.Offset + len(ids))
		if len(ids) == 0 && f.Offset > 0 {
			if err := upcoming(base()).Count(&nUpcoming).Error; err != nil {
				return nil, err
			}
		}
		offset := f.Offset - int(nUpcoming)
		if offset < 0 {
			offset = 0
		}
		var past []uint
		err := base().Where("NOT (starts_at > ? AND ends_at > ?)", now.Add(-MaxEventDuration), now).
			Order("starts_at DESC, id DESC").Offset(offset).Limit(rest).Pluck("id", &past).Error
		if err != nil {
			return nil, err
		}
		ids = append(ids, past...)
	}
	return ids, nil
}
