package registration

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Exported is a registration as the event's export shows it: with when the
// person (or group) was checked in, nil when not.
type Exported struct {
	Registration
	CheckedInAt *time.Time
}

// ForExport reads every registration of an event that the filter matches
// (Limit and Offset are ignored), oldest first, each with its check-in.
// The registrations are read 500 at a time; the check-ins in one query.
func ForExport(ctx context.Context, db *gorm.DB, eventID uint, f Filter) ([]Exported, error) {
	var regs []Registration
	for f.Limit, f.Offset = 500, 0; ; f.Offset += f.Limit {
		page, total, err := FindForEvent(ctx, db, eventID, f)
		if err != nil {
			return nil, err
		}
		regs = append(regs, page...)
		if len(page) < f.Limit || int64(len(regs)) >= total {
			break
		}
	}
	var checks []struct {
		RegistrationID uint
		CheckedInAt    time.Time
	}
	err := db.WithContext(ctx).Table("attendances").Select("attendances.registration_id, attendances.checked_in_at").
		Joins("JOIN registrations ON registrations.id = attendances.registration_id").
		Where("registrations.event_id = ?", eventID).Scan(&checks).Error
	if err != nil {
		return nil, err
	}
	at := make(map[uint]time.Time, len(checks))
	for _, c := range checks {
		at[c.RegistrationID] = c.CheckedInAt
	}
	out := make([]Exported, len(regs))
	for i, r := range regs {
		out[i].Registration = r
		if t, ok := at[r.ID]; ok {
			out[i].CheckedInAt = &t
		}
	}
	return out, nil
}
