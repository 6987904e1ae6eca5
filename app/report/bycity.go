package report

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
)

// Total is the key of a figure that is not disaggregated.
const Total = "total"

// CityCodes are the indicators that ComputeByCity gives, per city: the
// counts of events, and the people present crossed by sex × age band.
// knowledge_gain (a mean) and coaching_sessions (no city) are not among
// them.
var CityCodes = []string{CodeEventsHeld, CodeFilmDebateEvents, CodeQuizSessions, CodePeopleReached, CodeAuthorityParticipants}

// BySexAge tells whether ByCity gives an indicator per sex × age cell
// (SexAgeKeys) rather than as one Total.
func BySexAge(code string) bool {
	return code == CodePeopleReached || code == CodeAuthorityParticipants
}

// ByCity is every figure of CityCodes per city: Values[city][code][key],
// key Total or a sex × age cell. The figures are Compute's: they add up to
// its cells (TestByCityAgreesWithCompute).
type ByCity struct {
	Filter Filter
	Cities []City
	Values map[string]map[string]map[string]float64
}

func (b *ByCity) add(city, code, key string, n float64) {
	if n == 0 {
		return
	}
	if b.Values[city] == nil {
		b.Values[city] = map[string]map[string]float64{}
	}
	if b.Values[city][code] == nil {
		b.Values[city][code] = map[string]float64{}
	}
	b.Values[city][code][key] += n
}

// ComputeByCity computes the figures of CityCodes per city for a filter
// (events held in the period), in three aggregate queries and the groups.
func ComputeByCity(ctx context.Context, db *gorm.DB, f Filter, now time.Time) (*ByCity, error) {
	db = db.WithContext(ctx)
	out := &ByCity{Filter: f, Values: map[string]map[string]map[string]float64{}}
	var cities []struct {
		Code string
		Name content.Text
	}
	if err := db.Raw("SELECT code, name FROM cities ORDER BY code").Scan(&cities).Error; err != nil {
		return nil, err
	}
	for _, c := range cities {
		out.Cities = append(out.Cities, City{Code: c.Code, Name: c.Name})
	}
	where, args := f.scope(now, true)
	evs, err := eventsHeld(db, where, args)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		out.add(e.City, CodeEventsHeld, Total, e.N)
		if e.Kind == string(event.KindFilmDebate) {
			out.add(e.City, CodeFilmDebateEvents, Total, e.N)
		}
		out.add(e.City, CodeQuizSessions, Total, e.Quizzed)
	}
	err = presences(db, where, args, false, func(p presence) {
		codes := []string{CodePeopleReached}
		if p.Kind == string(event.KindAuthorityWorkshop) {
			codes = append(codes, CodeAuthorityParticipants)
		}
		for _, code := range codes {
			if !p.Group {
				out.add(p.City, code, SexAgeKey(p.Sex, p.AgeBand), p.N)
				continue
			}
			for _, c := range groupCells(p) {
				if c.dim == DimSexAge {
					out.add(p.City, code, c.key, c.n)
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get is a figure (0 when none).
func (b *ByCity) Get(city, code, key string) float64 { return b.Values[city][code][key] }
