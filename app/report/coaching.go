package report

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/csvsafe"
)

// coachingPeriod is the coaching area's period for a filter (both use
// YYYY-MM-DD dates, inclusive).
func coachingPeriod(f Filter) coaching.Period {
	return coaching.Period{From: f.From, To: f.To, Country: f.Scope.Country}
}

// coachingSessions counts the coaching sessions held in the period, as the
// coaching area counts them. Coaching is not tied to a partner, so the
// partner filter does not apply.
func coachingSessions(ctx context.Context, db *gorm.DB, f Filter) (float64, error) {
	months, err := coaching.SessionsPerMonth(ctx, db, coachingPeriod(f))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range months {
		n += m.Sessions
	}
	return float64(n), nil
}

// coachingTable: sessions and people coached per month (aggregate), or one
// row per session with the coach's and the coachee's names (personal).
func (x Export) coachingTable(db *gorm.DB) *Table {
	t := x.T
	if !x.Personal {
		return &Table{
			Name:   t.T("export.sheet.coaching"),
			Header: cols(t, "month", "coaching_sessions", "coachees"),
			Rows: func(ctx context.Context, emit func([]any) error) error {
				months, err := coaching.SessionsPerMonth(ctx, db, coachingPeriod(x.Filter))
				if err != nil {
					return err
				}
				for _, m := range months {
					if err := emit([]any{m.Month, m.Sessions, m.Coachees}); err != nil {
						return err
					}
				}
				return nil
			},
		}
	}
	return &Table{
		Name:   t.T("export.sheet.coaching"),
		Header: cols(t, "date", "coach", "coachee", "mode", "event_code", "action_points"),
		Rows: func(ctx context.Context, emit func([]any) error) error {
			q := `SELECT s.held_on, uc.name, ue.name, s.mode, COALESCE(e.code, ''),
					(SELECT COUNT(*) FROM action_points ap WHERE ap.session_id = s.id)
				FROM coaching_sessions s JOIN users uc ON uc.id = s.coach_id JOIN users ue ON ue.id = s.coachee_id
				LEFT JOIN events e ON e.id = s.event_id WHERE 1 = 1`
			var args []any
			if x.Filter.From != "" {
				q += " AND s.held_on >= ?"
				args = append(args, x.Filter.From)
			}
			if x.Filter.To != "" {
				q += " AND s.held_on <= ?"
				args = append(args, x.Filter.To)
			}
			rows, err := db.WithContext(ctx).Raw(q+" ORDER BY s.held_on, s.id", args...).Rows()
			if err != nil {
				return err
			}
			defer rows.Close()
			var day, coach, coachee, mode, code string
			var aps int
			for rows.Next() {
				if err := rows.Scan(&day, &coach, &coachee, &mode, &code, &aps); err != nil {
					return err
				}
				var held any = day
				if d, err := time.Parse("2006-01-02", day[:min(len(day), 10)]); err == nil {
					held = csvsafe.Date{Time: d}
				}
				if err := emit([]any{held, coach, coachee, t.T("export.mode." + mode), code, aps}); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}
}
