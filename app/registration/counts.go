package registration

import (
	"context"

	"gorm.io/gorm"
)

// Waiting counts an event's registrations that wait for something: a seat
// (waiting list) or a guardian's confirmation (children, pending).
type Waiting struct {
	Waitlisted int
	Pending    int
}

// WaitingFor returns the Waiting counts of the events (absent: none), in
// one query.
func WaitingFor(ctx context.Context, db *gorm.DB, eventIDs []uint) (map[uint]Waiting, error) {
	out := map[uint]Waiting{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		EventID uint
		Status  Status
		N       int
	}
	err := db.WithContext(ctx).Model(&Registration{}).Select("event_id, status, COUNT(*) AS n").
		Where("event_id IN ? AND status IN ?", eventIDs, []Status{StatusWaitlisted, StatusPending}).
		Group("event_id, status").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		w := out[r.EventID]
		if r.Status == StatusWaitlisted {
			w.Waitlisted = r.N
		} else {
			w.Pending = r.N
		}
		out[r.EventID] = w
	}
	return out, nil
}
