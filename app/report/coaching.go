package report

import (
	"context"

	"gorm.io/gorm"
)

// coachingSessions counts the coaching sessions held in the period (their
// held_on date, YYYY-MM-DD, compares as text). Coaching is not tied to a
// partner, so the partner filter does not apply.
func coachingSessions(ctx context.Context, db *gorm.DB, f Filter) (float64, error) {
	if !db.Migrator().HasTable("coaching_sessions") {
		return 0, nil
	}
	q := "SELECT COUNT(*) FROM coaching_sessions WHERE 1 = 1"
	var args []any
	if f.From != "" {
		q += " AND held_on >= ?"
		args = append(args, f.From)
	}
	if f.To != "" {
		q += " AND held_on <= ?"
		args = append(args, f.To)
	}
	var n int64
	err := db.WithContext(ctx).Raw(q, args...).Scan(&n).Error
	return float64(n), err
}
