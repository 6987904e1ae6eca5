package attendance

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/user"
)

// Sessions is a trainer's list: today's sessions first, then upcoming, then
// the recent past (latest first).
type Sessions struct {
	Today    []event.Event
	Upcoming []event.Event
	Past     []event.Event
}

// Windows of the trainer's list.
const (
	sessionsAhead  = 120 * 24 * time.Hour
	sessionsBehind = 60 * 24 * time.Hour
	sessionsMax    = 300
	pastMax        = 30
)

// TrainerSessions lists the sessions of u: those they are assigned to, or
// every published or cancelled session for organisers and admins. Three
// queries whatever the number of sessions (events, then preloads).
func TrainerSessions(ctx context.Context, db *gorm.DB, u *user.User, now time.Time) (*Sessions, error) {
	q := db.WithContext(ctx).Model(&event.Event{}).
		Where("events.status <> ?", event.StatusDraft).
		Where("events.starts_at >= ? AND events.starts_at <= ?", now.Add(-sessionsBehind), now.Add(sessionsAhead))
	where, args := u.Scope().SQL("events")
	q = q.Where(where, args...)
	if !u.Has(user.RoleOrganiser, user.RoleAdmin) {
		q = q.Where("events.id IN (?)", db.Table("event_trainers").Select("event_id").Where("user_id = ?", u.ID))
	}
	var evs []event.Event
	if err := q.Order("events.starts_at, events.id").Limit(sessionsMax).
		Preload("Translations").Preload("Venue").Preload("Venue.City").Find(&evs).Error; err != nil {
		return nil, err
	}
	out := &Sessions{}
	for _, e := range evs {
		loc := e.Location()
		y1, m1, d1 := now.In(loc).Date()
		y2, m2, d2 := e.StartsAt.In(loc).Date()
		switch {
		case (y1 == y2 && m1 == m2 && d1 == d2) || (!now.Before(e.StartsAt) && now.Before(e.EndsAt)):
			out.Today = append(out.Today, e)
		case e.StartsAt.After(now):
			out.Upcoming = append(out.Upcoming, e)
		default:
			out.Past = append(out.Past, e)
		}
	}
	// Past: latest first, and only the recent ones.
	for i, j := 0, len(out.Past)-1; i < j; i, j = i+1, j-1 {
		out.Past[i], out.Past[j] = out.Past[j], out.Past[i]
	}
	if len(out.Past) > pastMax {
		out.Past = out.Past[:pastMax]
	}
	return out, nil
}
