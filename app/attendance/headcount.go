package attendance

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Cell is a count of people of one sex and age band.
type Cell struct {
	Sex     string
	AgeBand string
	Count   int
}

// MaxHeadcount bounds one cell (a typo guard, not a venue limit).
const MaxHeadcount = 100000

// SetHeadcount records the aggregate headcount of an event: each cell is the
// current total for its sex and age band (typed again, it replaces the old
// number: upsert on (event_id, sex, age_band)), if the session takes
// check-ins at now (w). One transaction.
func SetHeadcount(ctx context.Context, db *gorm.DB, w Window, eventID uint, cells []Cell, byID uint, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := openSession(tx, w, eventID, now); err != nil {
			return err
		}
		_, err := setHeadcount(tx, eventID, cells, byID, "", now.UTC().Truncate(time.Microsecond))
		return err
	})
}

// setHeadcount upserts the cells as written at time at (a device's time for
// a headcount queued offline, clamped like a check-in's by the caller). The last value
// written wins: a cell already updated after at keeps its number, so a
// headcount typed offline and sent late does not overwrite a newer one typed
// on another phone. It returns how many cells changed.
func setHeadcount(tx *gorm.DB, eventID uint, cells []Cell, byID uint, clientID string, at time.Time) (int, error) {
	rows := make([]Headcount, 0, len(cells))
	for _, c := range cells {
		if !slices.Contains(registration.Sexes, c.Sex) || !slices.Contains(registration.AgeBands, c.AgeBand) {
			return 0, apperr.New(apperr.Invalid, "error.checkin.headcount_bad_cell")
		}
		if c.Count < 0 || c.Count > MaxHeadcount {
			return 0, apperr.New(apperr.Invalid, "error.checkin.headcount_bad_count")
		}
		rows = append(rows, Headcount{EventID: eventID, Sex: c.Sex, AgeBand: c.AgeBand, Count: c.Count,
			RecordedByID: userPtr(byID), UpdatedAt: at})
	}
	if len(rows) == 0 {
		return 0, nil
	}
	// ON CONFLICT … DO UPDATE … WHERE: the same on PostgreSQL and SQLite.
	res := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "event_id"}, {Name: "sex"}, {Name: "age_band"}},
		DoUpdates: clause.AssignmentColumns([]string{"count", "recorded_by_id", "updated_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "headcounts.updated_at <= excluded.updated_at"}}},
	}).Create(&rows)
	if res.Error != nil {
		return 0, res.Error
	}
	total := 0
	for _, r := range rows {
		total += r.Count
	}
	after := map[string]any{"total": total}
	if clientID != "" {
		after["client_id"] = clientID
		after["at"] = at
	}
	return int(res.RowsAffected), audit.Record(tx, byID, "attendance.headcount", "event", itoa(eventID), nil, after)
}

// Headcounts returns an event's headcount cells.
func Headcounts(ctx context.Context, db *gorm.DB, eventID uint) ([]Headcount, error) {
	var out []Headcount
	err := db.WithContext(ctx).Where("event_id = ?", eventID).Order("sex, age_band").Find(&out).Error
	return out, err
}
