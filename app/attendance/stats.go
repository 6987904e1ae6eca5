package attendance

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// UnknownBand is the column for people whose age band is not known (groups
// registered before the grid, registrations that did not give it).
const UnknownBand = "unknown"

// Stats are an event's attendance figures. Counts are people: a group
// registration of 20 counts 20.
type Stats struct {
	// Registered: people registered beforehand (confirmed or waiting), walk-ins excluded.
	Registered int
	Confirmed  int
	Waitlisted int
	// Attended: registered people checked in (whatever their status).
	Attended int
	// AttendedConfirmed: confirmed people checked in (for the rate).
	AttendedConfirmed int
	// NoShows: confirmed people not checked in.
	NoShows int
	WalkIns int
	// Headcount: people counted without registering.
	Headcount int
	// Present = Attended + WalkIns + Headcount.
	Present int
	// Rate is AttendedConfirmed / Confirmed in percent; HasRate is false when
	// nobody was confirmed.
	Rate    float64
	HasRate bool
	// Grid counts the people present by sex and age band (sex "not_stated"
	// and band UnknownBand when not known).
	Grid map[string]map[string]int
	// BySex and ByBand are the margins of Grid.
	BySex  map[string]int
	ByBand map[string]int
}

// NotYetHeld tells whether e's figures at now are only who registered: the
// session has not started (or was cancelled) and nobody has been checked in
// or counted. Its attendance rate and no-shows are then no figures at all
// (a "0 %" before a session says it happened and nobody came). Check-in
// opens before the start: once someone is in, the figures are live.
func NotYetHeld(e *event.Event, s *Stats, now time.Time) bool {
	return !e.Held(now) && s.Present == 0
}

// Sexes and Bands are the rows and columns of the grid, in display order.
func (s *Stats) Sexes() []string { return registration.Sexes }

// Bands are the grid's columns, the unknown band last.
func (s *Stats) Bands() []string {
	return append(append([]string{}, registration.AgeBands...), UnknownBand)
}

// Cell returns Grid[sex][band].
func (s *Stats) Cell(sex, band string) int { return s.Grid[sex][band] }

func (s *Stats) add(sex, band string, n int) {
	if sex == "" {
		sex = "not_stated"
	}
	if band == "" {
		band = UnknownBand
	}
	if s.Grid[sex] == nil {
		s.Grid[sex] = map[string]int{}
	}
	s.Grid[sex][band] += n
	s.BySex[sex] += n
	s.ByBand[band] += n
}

// addGroups adds n groups present with one breakdown (people in all): a
// group with the sex × age grid (m0080) by its cells; one registered
// before, whose crossing is not recorded, as not known.
func (s *Stats) addGroups(breakdown string, n, people int) {
	bd := registration.ParseBreakdown(breakdown)
	if bd.Crossed() {
		for sex, row := range bd.Grid {
			for band, v := range row {
				if v > 0 && people >= v*n {
					s.add(sex, band, v*n)
					people -= v * n
				}
			}
		}
	}
	if people > 0 {
		s.add("", "", people)
	}
}

// EventStats computes an event's figures with two aggregate queries,
// whatever the number of registrations (the dashboard reuses it).
func EventStats(ctx context.Context, db *gorm.DB, eventID uint) (*Stats, error) {
	type row struct {
		Kind     string
		Status   string
		Sex      string
		AgeBand  string
		Attended int
		People   int
		// Groups: how many share Breakdown (individuals all have "{}").
		N         int
		Breakdown string
	}
	var rows []row
	err := db.WithContext(ctx).Raw(`SELECT r.kind, r.status, r.sex, r.age_band,
			CASE WHEN a.id IS NULL THEN 0 ELSE 1 END AS attended,
			COALESCE(SUM(r.group_size), 0) AS people, COUNT(*) AS n, r.group_breakdown AS breakdown
		FROM registrations r LEFT JOIN attendances a ON a.registration_id = r.id
		WHERE r.event_id = ?
		GROUP BY r.kind, r.status, r.sex, r.age_band, CASE WHEN a.id IS NULL THEN 0 ELSE 1 END, r.group_breakdown`, eventID).
		Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	var cells []Cell
	if err := db.WithContext(ctx).Model(&Headcount{}).Select("sex, age_band, SUM(count) AS count").
		Where("event_id = ?", eventID).Group("sex, age_band").Scan(&cells).Error; err != nil {
		return nil, err
	}
	s := &Stats{Grid: map[string]map[string]int{}, BySex: map[string]int{}, ByBand: map[string]int{}}
	for _, r := range rows {
		present := r.Attended == 1
		if r.Kind == registration.KindWalkIn {
			if present {
				s.WalkIns += r.People
				s.add(r.Sex, r.AgeBand, r.People)
			}
			continue
		}
		switch registration.Status(r.Status) {
		case registration.StatusConfirmed:
			s.Confirmed += r.People
			s.Registered += r.People
			if present {
				s.AttendedConfirmed += r.People
			} else {
				s.NoShows += r.People
			}
		case registration.StatusWaitlisted:
			s.Waitlisted += r.People
			s.Registered += r.People
		}
		if present {
			s.Attended += r.People
			if r.Kind == registration.KindGroup {
				s.addGroups(r.Breakdown, r.N, r.People)
			} else {
				s.add(r.Sex, r.AgeBand, r.People)
			}
		}
	}
	for _, c := range cells {
		s.Headcount += c.Count
		s.add(c.Sex, c.AgeBand, c.Count)
	}
	s.Present = s.Attended + s.WalkIns + s.Headcount
	if s.Confirmed > 0 {
		s.HasRate = true
		s.Rate = 100 * float64(s.AttendedConfirmed) / float64(s.Confirmed)
	}
	return s, nil
}

// PresentCounts is what a check-in phone shows after each batch: registered
// people checked in and walk-ins, in one query that reads the event's
// attendances only, not its whole list with the waiting list (EventStats
// computes every figure and is for the statistics pages).
func PresentCounts(ctx context.Context, db *gorm.DB, eventID uint) (attended, walkIns int, err error) {
	var row struct{ Attended, WalkIns int }
	err = db.WithContext(ctx).Raw(`SELECT
			COALESCE(SUM(CASE WHEN r.kind <> ? THEN r.group_size ELSE 0 END), 0) AS attended,
			COALESCE(SUM(CASE WHEN r.kind = ? THEN r.group_size ELSE 0 END), 0) AS walk_ins
		FROM attendances a JOIN registrations r ON r.id = a.registration_id
		WHERE a.event_id = ? AND r.event_id = ?`, registration.KindWalkIn, registration.KindWalkIn, eventID, eventID).Scan(&row).Error
	return row.Attended, row.WalkIns, err
}
