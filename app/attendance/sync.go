package attendance

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
)

// SyncResult is what a check-in phone gets back for a batch: what happened
// to each item, and the event's two figures it shows.
type SyncResult struct {
	Results  []BatchResult
	Attended int
	WalkIns  int
}

// Sync applies a batch sent by a check-in phone and reads the figures the
// phone shows. The event must exist (the caller checked the person may
// manage it).
//
// The batch a phone sends most on a screening day holds one person ticked on
// the roster. On PostgreSQL that batch is one statement (see tickOnRoster);
// every other batch, and every batch on SQLite, goes through ApplyBatch and
// PresentCounts, with the same results.
func Sync(ctx context.Context, db *gorm.DB, secret string, eventID, byID uint, items []BatchItem, now time.Time) (*SyncResult, error) {
	if len(items) == 1 && isRosterTick(items[0]) && db.Dialector.Name() == "postgres" {
		out, err := tickOnRoster(ctx, db, eventID, byID, items[0], now)
		if err != nil || out != nil {
			return out, err
		}
	}
	if err := eventMustExist(ctx, db, eventID); err != nil {
		return nil, err
	}
	results, err := ApplyBatch(ctx, db, secret, eventID, byID, items, now)
	if err != nil {
		return nil, err
	}
	attended, walkIns, err := PresentCounts(ctx, db, eventID)
	if err != nil {
		return nil, err
	}
	return &SyncResult{Results: results, Attended: attended, WalkIns: walkIns}, nil
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
// The figures are read from the statement's snapshot, which does not hold
// its own check-in: it is added.
const tickOnRosterSQL = `WITH prior AS (
		SELECT 1 FROM checkin_receipts WHERE client_id = @cid
	), reg AS (
		SELECT id, event_id, kind, group_size FROM registrations
		WHERE id = @reg AND event_id = @event AND NOT EXISTS (SELECT 1 FROM prior)
	), att AS (
		INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		SELECT event_id, id, @at, @by, @source, @cid, @now FROM reg
		ON CONFLICT (registration_id) DO UPDATE SET checked_in_at = excluded.checked_in_at
			WHERE attendances.checked_in_at > excluded.checked_in_at
		RETURNING client_id
	), rc AS (
		INSERT INTO checkin_receipts (client_id, event_id, registration_id, status, received_by_id, created_at)
		SELECT @cid, @event, id,
			CASE WHEN EXISTS (SELECT 1 FROM att WHERE client_id = @cid) THEN @checkedIn ELSE @already END,
			@by, @now
		FROM reg
		RETURNING status
	), present AS (
		SELECT COALESCE(SUM(CASE WHEN r.kind <> @walkIn THEN r.group_size ELSE 0 END), 0) AS attended,
			COALESCE(SUM(CASE WHEN r.kind = @walkIn THEN r.group_size ELSE 0 END), 0) AS walk_ins
		FROM attendances a JOIN registrations r ON r.id = a.registration_id
		WHERE a.event_id = @event
	)
	SELECT rc.status, reg.kind, reg.group_size, present.attended, present.walk_ins
	FROM rc, reg, present`

// tickOnRoster applies one roster tick on PostgreSQL. It returns nil, nil
// when the item needs ApplyBatch: its client id was received before, the
// person is not on this event's roster (or the event does not exist), or
// the same item is being applied by another request right now. ApplyBatch
// then gives the answer (duplicate, or rejected with its reason) and
// writes the rejected receipt.
func tickOnRoster(ctx context.Context, db *gorm.DB, eventID, byID uint, it BatchItem, now time.Time) (*SyncResult, error) {
	var rows []struct {
		Status    string
		Kind      string
		GroupSize int
		Attended  int
		WalkIns   int
	}
	err := db.WithContext(ctx).Raw(tickOnRosterSQL, map[string]any{
		"cid": it.ClientID, "reg": it.RegistrationID, "event": eventID,
		"at": clampTime(it.At, now), "by": userPtr(byID), "source": SourceOffline, "now": now.UTC(),
		"checkedIn": StatusCheckedIn, "already": StatusAlready, "walkIn": registration.KindWalkIn,
	}).Find(&rows).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, nil
	}
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	row := rows[0]
	if row.Status == StatusCheckedIn {
		if row.Kind == registration.KindWalkIn {
			row.WalkIns += row.GroupSize
		} else {
			row.Attended += row.GroupSize
		}
	}
	return &SyncResult{
		Results:  []BatchResult{{ClientID: it.ClientID, Status: row.Status, RegistrationID: it.RegistrationID}},
		Attended: row.Attended,
		WalkIns:  row.WalkIns,
	}, nil
}
