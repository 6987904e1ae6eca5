package attendance

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/webhook"
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
// person may manage it); the session must take check-ins at now (w), or
// each item is refused with the reason.
//
// The batch a phone sends most on a screening day holds one person ticked on
// the roster. On PostgreSQL that batch is one statement (see tickOnRoster);
// every other batch, and every batch on SQLite, goes through ApplyBatch, with
// the same results. The figures cost a query over the event's attendances:
// the check-in page keeps its own count and follows other phones through the
// roster, so it does not ask for them.
func Sync(ctx context.Context, db *gorm.DB, w Window, secret string, eventID, byID uint, items []BatchItem, now time.Time, figures bool) (*SyncResult, error) {
	var out *SyncResult
	if len(items) == 1 && isRosterTick(items[0]) && db.Dialector.Name() == "postgres" {
		res, err := tickOnRoster(ctx, db, w, eventID, byID, items[0], now)
		if err != nil {
			return nil, err
		}
		if res != nil {
			out = &SyncResult{Results: []BatchResult{*res}}
		}
	}
	if out == nil {
		results, err := ApplyBatch(ctx, db, w, secret, eventID, byID, items, now)
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
	return (it.Op == "" || it.Op == OpCheckIn) && it.RegistrationID != 0 && it.RegistrationID <= maxRegistrationID &&
		it.Code == "" && it.WalkIn == nil && len(it.Headcount) == 0 && it.Invalid == "" && validClientID(it.ClientID)
}

// tickOnRosterSQL does what ApplyBatch does for one roster tick, in one
// statement, so in one round trip and one implicit transaction:
//   - reg: the registration, if it is on the event's roster, the session
//     takes check-ins now ($7, within the window $10 before its start and
//     $12 after its end, not cancelled) and the item's client id was never
//     received; with the device's time ($4, at most now) moved up to the
//     window's opening;
//   - m: the observation recorded in the person's mark (the same upsert as
//     observe), which returns their state after it;
//   - att: the attendance row made to follow the mark: inserted when the
//     person is now present, its time moved when the stay's start moved
//     (never deleted: a tick never makes anyone absent, so a row inserted by
//     a transaction this statement's snapshot does not see never needs it);
//   - rc: the item's receipt, with its final status.
//
// The receipt is a plain INSERT: if the same item is being applied by
// another request at this very moment (a phone sending again before the
// first answer came), its receipt makes this statement fail with a unique
// violation, and the whole statement, check-in included, is rolled back.
var tickOnRosterSQL = `WITH prior AS (
		SELECT 1 FROM checkin_receipts WHERE client_id = $1
	), reg AS (
		SELECT r.id, r.event_id, GREATEST($4::timestamptz, e.starts_at - $10::bigint * interval '1 microsecond') AS at
		FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE r.id = $2 AND r.event_id = $3 AND NOT EXISTS (SELECT 1 FROM prior)
			AND (r.status <> 'waitlisted' OR EXISTS (SELECT 1 FROM attendances x WHERE x.registration_id = r.id))
			AND e.status <> $11
			AND $7::timestamptz >= e.starts_at - $10::bigint * interval '1 microsecond'
			AND $7::timestamptz <= e.ends_at + $12::bigint * interval '1 microsecond'
	), m AS (
		INSERT INTO attendance_marks (registration_id, event_id, present, observed_at, checked_in_at, undone_at)
		SELECT id, event_id, TRUE, at, at, NULL FROM reg
		` + markSet + `
		RETURNING registration_id, event_id, present, checked_in_at
	), att AS (
		INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		SELECT event_id, registration_id, checked_in_at, $5, $6, $1, $7 FROM m WHERE present
		ON CONFLICT (registration_id) DO UPDATE SET checked_in_at = excluded.checked_in_at
			WHERE attendances.checked_in_at <> excluded.checked_in_at
		RETURNING client_id, (xmax = 0) AS inserted
	)` + webhook.CheckinCreatedPG("att", "$3", "$2", "$7") + `
	INSERT INTO checkin_receipts (client_id, event_id, registration_id, status, received_by_id, created_at)
	SELECT $1, $3, id, CASE WHEN EXISTS (SELECT 1 FROM att WHERE client_id = $1) THEN $8
		WHEN EXISTS (SELECT 1 FROM m WHERE present) THEN $9 ELSE $13 END, $5, $7
	FROM reg
	RETURNING status`

// tickOnRoster applies one roster tick on PostgreSQL. It returns nil, nil
// when the item needs ApplyBatch: its client id was received before, the
// person is not on this event's roster (or the event does not exist) or
// waits on its waiting list and is not present, the
// session takes no check-ins now, or the same item is being applied by
// another request right now. ApplyBatch then gives the answer (duplicate,
// or rejected with its reason).
func tickOnRoster(ctx context.Context, db *gorm.DB, w Window, eventID, byID uint, it BatchItem, now time.Time) (*BatchResult, error) {
	// PostgreSQL's numbered parameters, passed through by GORM as they are,
	// and the row scanned by hand: this runs for every tick of every phone.
	at := it.At
	if at.IsZero() || at.After(now) {
		at = now
	}
	var status string
	err := db.WithContext(ctx).Raw(tickOnRosterSQL,
		it.ClientID, it.RegistrationID, eventID, at.UTC().Truncate(time.Microsecond), userPtr(byID), SourceOffline, now.UTC(),
		StatusCheckedIn, StatusAlready, w.Before.Microseconds(), string(event.StatusCancelled), w.After.Microseconds(), StatusSuperseded).
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
	return &BatchResult{ClientID: it.ClientID, Status: status, RegistrationID: it.RegistrationID, Present: ptr(status != StatusSuperseded)}, nil
}

// ReceiptLifetime is how long a check-in item's receipt is kept. A session
// takes items for at most CHECKIN_WINDOW_BEFORE + its length +
// CHECKIN_WINDOW_AFTER (4 weeks at most with the longest settings), so a
// month keeps every replay harmless (a walk-in sent again is not added
// twice), and the table small.
const ReceiptLifetime = 30 * 24 * time.Hour

// SweepReceipts deletes the receipts older than ReceiptLifetime (the
// janitor calls it).
func SweepReceipts(ctx context.Context, db *gorm.DB, now time.Time) error {
	return db.WithContext(ctx).Where("created_at < ?", now.Add(-ReceiptLifetime).UTC()).Delete(&Receipt{}).Error
}
