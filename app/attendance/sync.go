package attendance

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// SyncResult is what a check-in phone gets back for a batch: what happened
// to each item and, when asked, the event's figures.
type SyncResult struct {
	Results []BatchResult
	// Figures: registered people checked in (group sizes counted) and
	// walk-ins, when Sync was asked for them.
	Figures *Figures
}

// Figures are an event's present counts.
type Figures struct {
	Attended int
	WalkIns  int
}

// Sync applies a batch sent by a check-in phone and, with figures, reads
// the event's present counts. The event must exist (the caller checked the
// person may manage it).
//
// The batch a phone sends most on a screening day holds one person ticked on
// the roster. On PostgreSQL that batch is one statement (see tickOnRoster);
// every other batch, and every batch on SQLite, goes through ApplyBatch, with
// the same results. The figures cost a query over the event's attendances:
// the check-in page keeps its own count and follows other phones through the
// roster, so it does not ask for them.
func Sync(ctx context.Context, db *gorm.DB, secret string, eventID, byID uint, items []BatchItem, now time.Time, figures bool) (*SyncResult, error) {
	var out *SyncResult
	if len(items) == 1 && isRosterTick(items[0]) && db.Dialector.Name() == "postgres" {
		res, err := tickOnRoster(ctx, db, eventID, byID, items[0], now)
		if err != nil {
			return nil, err
		}
		if res != nil {
			out = &SyncResult{Results: []BatchResult{*res}}
		}
	}
	if out == nil {
		if err := eventMustExist(ctx, db, eventID); err != nil {
			return nil, err
		}
		results, err := ApplyBatch(ctx, db, secret, eventID, byID, items, now)
		if err != nil {
			return nil, err
		}
		out = &SyncResult{Results: results}
	}
	if figures {
		attended, walkIns, err := PresentCounts(ctx, db, eventID)
		if err != nil {
			return nil, err
		}
		out.Figures = &Figures{Attended: attended, WalkIns: walkIns}
	}
	return out, nil
}

// isRosterTick tells a check-in of a registration by its id (a tick on the
// roster), the item tickOnRoster knows.
func isRosterTick(it BatchItem) bool {
	return (it.Op == "" || it.Op == OpCheckIn) && it.RegistrationID != 0 && it.Code == "" &&
		it.WalkIn == nil && len(it.Headcount) == 0 && validClientID(it.ClientID)
}

func eventMustExist(ctx context.Context, db *gorm.DB, eventID uint) error {
	var n int64
	if err := db.WithContext(ctx).Table("events").Where("id = ?", eventID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "error.event.not_found")
	}
	return nil
}

// tickOnRosterSQL does what ApplyBatch does for one roster tick, in one
// statement, so in one round trip and one implicit transaction:
//   - reg: the registration, if it is on the event's roster and the item's
//     client id was never received;
//   - att: checks the person in, or moves their time earlier (the same
//     upsert as checkInIfOnRoster);
//   - rc: the item's receipt, with its final status.
//
// The receipt is a plain INSERT: if the same item is being applied by
// another request at this very moment (a phone sending again before the
// first answer came), its receipt makes this statement fail with a unique
// violation, and the whole statement, check-in included, is rolled back.
const tickOnRosterSQL = `WITH prior AS (
		SELECT 1 FROM checkin_receipts WHERE client_id = $1
	), reg AS (
		SELECT id, event_id FROM registrations
		WHERE id = $2 AND event_id = $3 AND NOT EXISTS (SELECT 1 FROM prior)
	), att AS (
		INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		SELECT event_id, id, $4, $5, $6, $1, $7 FROM reg
		ON CONFLICT (registration_id) DO UPDATE SET checked_in_at = excluded.checked_in_at
			WHERE attendances.checked_in_at > excluded.checked_in_at
		RETURNING client_id
	)
	INSERT INTO checkin_receipts (client_id, event_id, registration_id, status, received_by_id, created_at)
	SELECT $1, $3, id, CASE WHEN EXISTS (SELECT 1 FROM att WHERE client_id = $1) THEN $8 ELSE $9 END, $5, $7
	FROM reg
	RETURNING status`

// tickOnRoster applies one roster tick on PostgreSQL. It returns nil, nil
// when the item needs ApplyBatch: its client id was received before, the
// person is not on this event's roster (or the event does not exist), or
// the same item is being applied by another request right now. ApplyBatch
// then gives the answer (duplicate, or rejected with its reason) and
// writes the rejected receipt.
func tickOnRoster(ctx context.Context, db *gorm.DB, eventID, byID uint, it BatchItem, now time.Time) (*BatchResult, error) {
	// PostgreSQL's numbered parameters, passed through by GORM as they are,
	// and the row scanned by hand: this runs for every tick of every phone.
	var status string
	err := db.WithContext(ctx).Raw(tickOnRosterSQL,
		it.ClientID, it.RegistrationID, eventID, clampTime(it.At, now), userPtr(byID), SourceOffline, now.UTC(),
		StatusCheckedIn, StatusAlready).
		Row().Scan(&status)
	if t, ok := db.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		err = t.Translate(err)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, gorm.ErrDuplicatedKey):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &BatchResult{ClientID: it.ClientID, Status: status, RegistrationID: it.RegistrationID}, nil
}

// ReceiptLifetime is how long a check-in item's receipt is kept. A phone's
// queue is at most days old (check-in times are clamped to the last 72
// hours), so a month keeps every replay harmless, and the table small.
const ReceiptLifetime = 30 * 24 * time.Hour

// SweepReceipts deletes the receipts older than ReceiptLifetime (the
// janitor calls it).
func SweepReceipts(ctx context.Context, db *gorm.DB, now time.Time) error {
	return db.WithContext(ctx).Where("created_at < ?", now.Add(-ReceiptLifetime).UTC()).Delete(&Receipt{}).Error
}
