package registration

import (
	"context"

	"gorm.io/gorm"
)

// StatusCounts counts an event's registrations (rows and seats) by status.
type StatusCounts struct {
	Rows  map[Status]int
	Seats map[Status]int
}

// CountByStatus counts the registrations of an event by status in one query.
func CountByStatus(ctx context.Context, db *gorm.DB, eventID uint) (StatusCounts, error) {
	var rows []struct {
		Status Status
		N      int
		Seats  int
	}
	err := db.WithContext(ctx).Model(&Registration{}).
		Select("status, COUNT(*) AS n, COALESCE(SUM(group_size), 0) AS seats").
		Where("event_id = ?", eventID).Group("status").Scan(&rows).Error
	out := StatusCounts{Rows: map[Status]int{}, Seats: map[Status]int{}}
	for _, r := range rows {
		out.Rows[r.Status], out.Seats[r.Status] = r.N, r.Seats
	}
	return out, err
}
