package coaching

import (
	"context"

	"gorm.io/gorm"
)

// Period bounds programme figures by coaching date, inclusive; empty
// bounds are open.
type Period struct {
	From, To string // YYYY-MM-DD or ""
	// Country keeps the coachees of one country (a scoped organiser's,
	// issue 20); "" is the whole programme.
	Country string
}

// apply narrows a query on coaching sessions, written with prefix ("" or
// "s."), to the period and the country.
func (p Period) apply(q *gorm.DB, prefix string) *gorm.DB {
	if p.From != "" {
		q = q.Where(prefix+"held_on >= ?", p.From)
	}
	if p.To != "" {
		q = q.Where(prefix+"held_on <= ?", p.To)
	}
	if p.Country != "" {
		q = q.Where(prefix+"coachee_id IN (SELECT cu.id FROM users cu WHERE cu.scope_country = ?)", p.Country)
	}
	return q
}

// MonthCount is the number of coaching sessions held in a month.
type MonthCount struct {
	Month    string // YYYY-MM
	Sessions int
	Coachees int
}

// CompetencyChange is the average change of one competency.
type CompetencyChange struct {
	Competency Competency
	Pairs      int
	Average    float64
	HasData    bool
}

// Figures are the programme's coaching figures, for the coaching figures
// page, its exports, and the dashboard.
type Figures struct {
	Period   Period
	Sessions int
	PerMonth []MonthCount
	// Coachees is the number of different people coached in the period.
	Coachees int
	// AverageChange is the mean of (latest − first) rating over every
	// (coachee, competency) pair rated at least twice in the period.
	AverageChange    float64
	ChangePairs      int
	HasChange        bool
	ByCompetency     []CompetencyChange
	ActionPointsDue  int // action points due in the period by today, or done
	ActionPointsDone int
	// OnTime counts the ones done by their due date; OnTimeRate is OnTime
	// over ActionPointsDue (0 when none is due).
	OnTime     int
	OnTimeRate float64
}

// SessionsPerMonth counts coaching sessions and distinct coachees per month.
func SessionsPerMonth(ctx context.Context, db *gorm.DB, p Period) ([]MonthCount, error) {
	var out []MonthCount
	q := db.WithContext(ctx).Model(&Session{}).
		Select("SUBSTR(held_on, 1, 7) AS month, COUNT(*) AS sessions, COUNT(DISTINCT coachee_id) AS coachees")
	err := p.apply(q, "").Group("SUBSTR(held_on, 1, 7)").Order("month").Scan(&out).Error
	return out, err
}

// RatingPoints returns every rating given in the period.
func RatingPoints(ctx context.Context, db *gorm.DB, p Period) ([]RatingPoint, error) {
	var out []RatingPoint
	q := db.WithContext(ctx).Table("coaching_ratings r").
		Select("s.coachee_id, r.competency_id, s.held_on, s.id AS session_id, r.level").
		Joins("JOIN coaching_sessions s ON s.id = r.session_id")
	err := p.apply(q, "s.").Scan(&out).Error
	return out, err
}

// ProgrammeFigures computes the coaching figures of a period. today decides
// which open action points are already late.
func ProgrammeFigures(ctx context.Context, db *gorm.DB, p Period, today string) (*Figures, error) {
	f := &Figures{Period: p}
	var err error
	if f.PerMonth, err = SessionsPerMonth(ctx, db, p); err != nil {
		return nil, err
	}
	for _, m := range f.PerMonth {
		f.Sessions += m.Sessions
	}
	var coachees int64
	if err := p.apply(db.WithContext(ctx).Model(&Session{}), "").Distinct("coachee_id").Count(&coachees).Error; err != nil {
		return nil, err
	}
	f.Coachees = int(coachees)
	points, err := RatingPoints(ctx, db, p)
	if err != nil {
		return nil, err
	}
	f.AverageChange, f.ChangePairs, f.HasChange = AverageChange(points)
	comps, err := Competencies(ctx, db, true)
	if err != nil {
		return nil, err
	}
	pairs := map[uint]int{}
	for _, c := range Changes(points) {
		pairs[c.CompetencyID]++
	}
	byComp := AverageChangeByCompetency(points)
	for _, c := range comps {
		avg, ok := byComp[c.ID]
		if !ok && !c.Active {
			continue
		}
		f.ByCompetency = append(f.ByCompetency, CompetencyChange{Competency: c, Pairs: pairs[c.ID], Average: avg, HasData: ok})
	}
	// Action points of sessions held in the period that are due by today
	// (late or not) or already done.
	var ap struct {
		Due, Done, OnTime int
	}
	q := db.WithContext(ctx).Table("action_points a").
		Select("COUNT(*) AS due, "+
			"COALESCE(SUM(CASE WHEN a.done_on <> '' THEN 1 ELSE 0 END), 0) AS done, "+
			"COALESCE(SUM(CASE WHEN a.done_on <> '' AND a.done_on <= a.due_on THEN 1 ELSE 0 END), 0) AS on_time").
		Joins("JOIN coaching_sessions s ON s.id = a.session_id").
		Where("a.done_on <> '' OR a.due_on < ?", today)
	if err := p.apply(q, "s.").Scan(&ap).Error; err != nil {
		return nil, err
	}
	f.ActionPointsDue, f.ActionPointsDone, f.OnTime = ap.Due, ap.Done, ap.OnTime
	if ap.Due > 0 {
		f.OnTimeRate = float64(ap.OnTime) / float64(ap.Due)
	}
	return f, nil
}
