package attendance

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
)

// Reach is what attendance gives the programme's indicators over a period.
// People are counted per session: someone at two sessions counts twice
// (participations), as the programme's indicators count them.
type Reach struct {
	// ByKind is the number of people present (registered, walk-ins and
	// headcount) per session kind.
	ByKind map[event.Kind]int
	// PeopleReached is the total over every kind.
	PeopleReached int
	// AuthorityParticipants is the people present at workshops for local
	// authorities and service providers (the 180+ target).
	AuthorityParticipants int
}

// ProgrammeReach sums the people present at the sessions held (published,
// not drafts nor cancelled: a cancelled session takes no check-ins, and any
// recorded before it was cancelled do not count) starting in [from, to),
// with two aggregate queries; the dashboard reuses it.
func ProgrammeReach(ctx context.Context, db *gorm.DB, from, to time.Time) (*Reach, error) {
	type row struct {
		Kind   string
		People int
	}
	var regs, heads []row
	if err := db.WithContext(ctx).Raw(`SELECT e.kind, COALESCE(SUM(r.group_size), 0) AS people
		FROM attendances a
		JOIN registrations r ON r.id = a.registration_id
		JOIN events e ON e.id = a.event_id
		WHERE e.status = ? AND e.starts_at >= ? AND e.starts_at < ?
		GROUP BY e.kind`, event.StatusPublished, from, to).Scan(&regs).Error; err != nil {
		return nil, err
	}
	if err := db.WithContext(ctx).Raw(`SELECT e.kind, COALESCE(SUM(h.count), 0) AS people
		FROM headcounts h JOIN events e ON e.id = h.event_id
		WHERE e.status = ? AND e.starts_at >= ? AND e.starts_at < ?
		GROUP BY e.kind`, event.StatusPublished, from, to).Scan(&heads).Error; err != nil {
		return nil, err
	}
	out := &Reach{ByKind: map[event.Kind]int{}}
	for _, r := range append(regs, heads...) {
		out.ByKind[event.Kind(r.Kind)] += r.People
		out.PeopleReached += r.People
	}
	out.AuthorityParticipants = out.ByKind[event.KindAuthorityWorkshop]
	return out, nil
}
