package sessionreport

import (
	"context"

	"gorm.io/gorm"
)

// Figures are a session's numbers shown beside its report. Attended,
// Headcount and the quiz figures are nil when that data does not exist in
// this database (the attendance and quiz tables come with their own areas).
type Figures struct {
	Registered int // people registered ahead (not cancelled, walk-ins apart)
	Confirmed  int // of them, with a confirmed seat
	Attended   *int
	Headcount  *int
	Quiz       *QuizFigures
}

// Reached is everyone counted at the session: attended plus headcount.
func (f Figures) Reached() int {
	n := 0
	if f.Attended != nil {
		n += *f.Attended
	}
	if f.Headcount != nil {
		n += *f.Headcount
	}
	return n
}

// QuizFigures sum up the pre- and post-session quizzes of one session.
type QuizFigures struct {
	PreN, PostN int
	PreMean     float64 // percent
	PostMean    float64
	// Paired counts the people with both quizzes; PairedGain is their mean
	// gain in points (post − pre).
	Paired     int
	PairedGain float64
}

// HasAny tells whether anyone took a quiz.
func (q *QuizFigures) HasAny() bool { return q != nil && (q.PreN > 0 || q.PostN > 0) }

// hasTables tells whether every table exists (and, for quiz_attempts, the
// columns this package reads), so that the figures degrade to "no data"
// before the attendance and quiz areas are merged.
func hasTables(db *gorm.DB, names ...string) bool {
	m := db.Migrator()
	for _, n := range names {
		if !m.HasTable(n) {
			return false
		}
	}
	return true
}

func hasQuiz(db *gorm.DB) bool {
	if !hasTables(db, "quiz_attempts") {
		return false
	}
	m := db.Migrator()
	for _, c := range []string{"event_id", "registration_id", "anon_code", "phase", "score_pct", "submitted_at"} {
		if !m.HasColumn("quiz_attempts", c) {
			return false
		}
	}
	return true
}

// EventFigures returns the figures of several sessions with a fixed number
// of queries (never one per session).
func EventFigures(ctx context.Context, db *gorm.DB, eventIDs []uint) (map[uint]*Figures, error) {
	out := make(map[uint]*Figures, len(eventIDs))
	if len(eventIDs) == 0 {
		return out, nil
	}
	db = db.WithContext(ctx)
	for _, id := range eventIDs {
		out[id] = &Figures{}
	}
	type regRow struct {
		EventID    uint
		Registered int
		Confirmed  int
	}
	var regs []regRow
	err := db.Table("registrations").
		Select("event_id, COALESCE(SUM(group_size), 0) AS registered, COALESCE(SUM(CASE WHEN status = 'confirmed' THEN group_size ELSE 0 END), 0) AS confirmed").
		Where("event_id IN ? AND status <> 'cancelled' AND kind <> 'walk_in'", eventIDs).
		Group("event_id").Scan(&regs).Error
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		out[r.EventID].Registered, out[r.EventID].Confirmed = r.Registered, r.Confirmed
	}
	type countRow struct {
		EventID uint
		N       int
	}
	if hasTables(db, "attendances") {
		for _, id := range eventIDs {
			zero := 0
			out[id].Attended = &zero
		}
		var rows []countRow
		// A group's attendance counts each member of the group.
		err := db.Table("attendances AS a").
			Select("a.event_id, COALESCE(SUM(r.group_size), 0) AS n").
			Joins("JOIN registrations r ON r.id = a.registration_id").
			Where("a.event_id IN ?", eventIDs).Group("a.event_id").Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			n := r.N
			out[r.EventID].Attended = &n
		}
	}
	if hasTables(db, "headcounts") {
		for _, id := range eventIDs {
			zero := 0
			out[id].Headcount = &zero
		}
		var rows []countRow
		err := db.Table("headcounts").Select("event_id, COALESCE(SUM(count), 0) AS n").
			Where("event_id IN ?", eventIDs).Group("event_id").Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			n := r.N
			out[r.EventID].Headcount = &n
		}
	}
	if hasQuiz(db) {
		q, err := quizFigures(db, eventIDs)
		if err != nil {
			return nil, err
		}
		for id, f := range q {
			out[id].Quiz = f
		}
	}
	return out, nil
}

// quizFigures reads the quiz area's attempts table (contract: quiz_attempts
// with event_id, registration_id or anon_code, phase 'pre'|'post',
// score_pct, submitted_at) for many events in two queries, with the quiz
// area's definitions (quiz.Gain): only submitted, scored attempts count; a
// pair is the same registration, or the same anonymous code, with both
// phases; the gain is the mean of post − pre over pairs, in points.
func quizFigures(db *gorm.DB, eventIDs []uint) (map[uint]*QuizFigures, error) {
	out := map[uint]*QuizFigures{}
	type meanRow struct {
		EventID uint
		Phase   string
		N       int
		Mean    float64
	}
	var means []meanRow
	err := db.Table("quiz_attempts").
		Select("event_id, phase, COUNT(*) AS n, AVG(score_pct) AS mean").
		Where("event_id IN ? AND submitted_at IS NOT NULL AND score_pct IS NOT NULL", eventIDs).
		Group("event_id, phase").Scan(&means).Error
	if err != nil {
		return nil, err
	}
	for _, m := range means {
		f := out[m.EventID]
		if f == nil {
			f = &QuizFigures{}
			out[m.EventID] = f
		}
		switch m.Phase {
		case "pre":
			f.PreN, f.PreMean = m.N, m.Mean
		case "post":
			f.PostN, f.PostMean = m.N, m.Mean
		}
	}
	type pairRow struct {
		EventID uint
		N       int
		Gain    float64
	}
	var pairs []pairRow
	err = db.Table("quiz_attempts AS a").
		Select("a.event_id, COUNT(*) AS n, AVG(b.score_pct - a.score_pct) AS gain").
		Joins("JOIN quiz_attempts b ON b.event_id = a.event_id AND b.phase = 'post' AND b.submitted_at IS NOT NULL AND b.score_pct IS NOT NULL AND "+
			"((a.registration_id IS NOT NULL AND b.registration_id = a.registration_id) OR (a.anon_code IS NOT NULL AND b.anon_code = a.anon_code))").
		Where("a.event_id IN ? AND a.phase = 'pre' AND a.submitted_at IS NOT NULL AND a.score_pct IS NOT NULL", eventIDs).
		Group("a.event_id").Scan(&pairs).Error
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if f := out[p.EventID]; f != nil {
			f.Paired, f.PairedGain = p.N, p.Gain
		}
	}
	return out, nil
}
