package attendance

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// Window is when a session takes check-ins, undos and headcounts: from
// Before its start until After its end (long enough to type a paper sheet
// in days later). A cancelled session takes none. The settings
// CHECKIN_WINDOW_BEFORE and CHECKIN_WINDOW_AFTER give it.
type Window struct {
	Before time.Duration
	After  time.Duration
}

// DefaultWindow is the settings' default: 12 hours before, 7 days after.
var DefaultWindow = Window{Before: 12 * time.Hour, After: 7 * 24 * time.Hour}

// Keys of the refusals of the window.
const (
	KeyCancelled = "error.checkin.cancelled"
	KeyTooEarly  = "error.checkin.too_early"
	KeyClosed    = "error.checkin.closed"
)

// Session is what the rules need to know of an event.
type Session struct {
	ID       uint
	Status   event.Status
	StartsAt time.Time
	EndsAt   time.Time
}

// SessionOf is e's session.
func SessionOf(e *event.Event) Session {
	return Session{ID: e.ID, Status: e.Status, StartsAt: e.StartsAt, EndsAt: e.EndsAt}
}

// Opens is when s starts taking check-ins.
func (w Window) Opens(s Session) time.Time { return s.StartsAt.Add(-w.Before) }

// Closes is when s stops taking them.
func (w Window) Closes(s Session) time.Time { return s.EndsAt.Add(w.After) }

// Check tells why s takes nothing at now (an Invalid error whose key is
// KeyCancelled, KeyTooEarly with Args["opens"] or KeyClosed with
// Args["closes"]), or nil when it does.
func (w Window) Check(s Session, now time.Time) error {
	switch {
	case s.Status == event.StatusCancelled:
		return apperr.New(apperr.Invalid, KeyCancelled)
	case now.Before(w.Opens(s)):
		return apperr.New(apperr.Invalid, KeyTooEarly).With(map[string]any{"opens": w.Opens(s)})
	case now.After(w.Closes(s)):
		return apperr.New(apperr.Invalid, KeyClosed).With(map[string]any{"closes": w.Closes(s)})
	}
	return nil
}

// IsWindowRefusal tells an error of Check.
func IsWindowRefusal(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && (e.Key == KeyCancelled || e.Key == KeyTooEarly || e.Key == KeyClosed)
}

// Clamp is the time an observation is recorded at: the device's time, but
// never after the server's (a phone whose clock is fast would otherwise
// outrank what other phones and the pages record after it; the check-in
// page corrects its clock by the server's when it can) and never before the
// window opens (a phone whose clock is far behind). Zero means now.
func (w Window) Clamp(s Session, at, now time.Time) time.Time {
	if at.IsZero() || at.After(now) {
		at = now
	}
	if o := w.Opens(s); at.Before(o) {
		at = o
	}
	return at.UTC().Truncate(time.Microsecond)
}

// loadSession reads the session of an event (NotFound when there is none).
func loadSession(tx *gorm.DB, eventID uint) (Session, error) {
	var s Session
	err := tx.Table("events").Select("id, status, starts_at, ends_at").Where("id = ?", eventID).Take(&s).Error
	if notFound(err) {
		return s, apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
	}
	return s, err
}

// openSession reads the session and checks it takes check-ins at now.
func openSession(tx *gorm.DB, w Window, eventID uint, now time.Time) (Session, error) {
	s, err := loadSession(tx, eventID)
	if err != nil {
		return s, err
	}
	return s, w.Check(s, now)
}

// OpenSession tells whether the event takes check-ins at now (the pages ask
// before showing their actions).
func OpenSession(ctx context.Context, db *gorm.DB, w Window, eventID uint, now time.Time) error {
	_, err := openSession(db.WithContext(ctx), w, eventID, now)
	return err
}

// mark is a person's state at a session after an observation: present or
// not, and since when (the start of the present stay).
type mark struct {
	Present     bool
	CheckedInAt *time.Time
}

// markSet is the upsert of an observation into attendance_marks (the same
// SQL on PostgreSQL and SQLite; SET expressions read the row as it was):
//   - the latest observation (by time; a tie goes to the one applied last)
//     decides present, observed_at;
//   - checked_in_at: a later check-in continues a present stay or starts
//     one; a later undo clears it; an older check-in moves it earlier, but
//     never before an undo seen; an older undo made during the stay (the
//     person was undone, then ticked again later) moves it to the latest
//     check-in, the first one known after that undo;
//   - undone_at: the latest undo seen.
const markSet = `ON CONFLICT (registration_id) DO UPDATE SET
	present = CASE WHEN excluded.observed_at >= attendance_marks.observed_at THEN excluded.present ELSE attendance_marks.present END,
	checked_in_at = CASE
		WHEN excluded.observed_at >= attendance_marks.observed_at THEN
			CASE WHEN NOT excluded.present THEN NULL
				WHEN attendance_marks.present THEN attendance_marks.checked_in_at
				ELSE excluded.observed_at END
		WHEN NOT attendance_marks.present THEN attendance_marks.checked_in_at
		WHEN excluded.present THEN
			CASE WHEN excluded.observed_at < attendance_marks.checked_in_at
					AND (attendance_marks.undone_at IS NULL OR excluded.observed_at > attendance_marks.undone_at)
				THEN excluded.observed_at ELSE attendance_marks.checked_in_at END
		WHEN excluded.observed_at >= attendance_marks.checked_in_at THEN attendance_marks.observed_at
		ELSE attendance_marks.checked_in_at END,
	observed_at = CASE WHEN excluded.observed_at >= attendance_marks.observed_at THEN excluded.observed_at ELSE attendance_marks.observed_at END,
	undone_at = CASE WHEN excluded.undone_at IS NOT NULL AND (attendance_marks.undone_at IS NULL OR excluded.undone_at > attendance_marks.undone_at)
		THEN excluded.undone_at ELSE attendance_marks.undone_at END`

// observeSQL records one observation about a registration of the event.
// The row is locked by the upsert until the transaction ends, so
// observations of one person are applied one after the other, each against
// the latest state, on both databases; what the caller then does to the
// attendance row follows the state it returns.
const observeSQL = `INSERT INTO attendance_marks (registration_id, event_id, present, observed_at, checked_in_at, undone_at)
	SELECT id, event_id, ?, ?, ?, ? FROM registrations WHERE id = ? AND event_id = ?
	` + markSet + `
	RETURNING present, checked_in_at`

// observe records that the person of registration regID was seen present
// (a check-in) or not (an undo) at at, and returns their state after it;
// ok is false when the registration is not on the event's roster.
func observe(tx *gorm.DB, eventID, regID uint, present bool, at time.Time) (m mark, ok bool, err error) {
	var in, out *time.Time
	if present {
		in = &at
	} else {
		out = &at
	}
	var rows []mark
	if err := tx.Raw(observeSQL, present, at, in, out, regID, eventID).Scan(&rows).Error; err != nil {
		return m, false, err
	}
	if len(rows) == 0 {
		return m, false, nil
	}
	return rows[0], true, nil
}

// Statuses of an observation applied (a batch answers them too).
const (
	StatusCheckedIn = "checked_in" // checked in now
	StatusAlready   = "already"    // was present already (the earliest time of the stay is kept)
	StatusUndone    = "undone"     // undo: the check-in was removed
	StatusNotIn     = "not_in"     // undo: the person was not checked in: nothing changed
	// StatusSuperseded: a later observation of the person (a check-in after
	// this undo, an undo after this check-in), from any phone or page,
	// decides; this one changed nothing but the record of times.
	StatusSuperseded = "superseded"
)

// applied is what an observation did.
type applied struct {
	Status  string
	Present bool
	// Attendance is the row removed by an undo (for the audit log).
	Removed *Attendance
}

// observeCheckInPG is observeCheckIn in one statement on PostgreSQL (one
// round trip per item of a batch, as before marks existed): the mark's
// upsert, then the attendance row made to follow it (inserted, or its time
// set to the stay's start); xmax = 0 tells a row inserted by this statement.
// A check-in never deletes a row, so reading the statement's snapshot is
// safe here (see tickOnRosterSQL).
var observeCheckInPG = `WITH r AS (
		SELECT id, event_id, (status = 'waitlisted' AND NOT EXISTS (SELECT 1 FROM attendances x WHERE x.registration_id = registrations.id)) AS waiting
		FROM registrations WHERE id = $2 AND event_id = $3
	), m AS (
		INSERT INTO attendance_marks (registration_id, event_id, present, observed_at, checked_in_at, undone_at)
		SELECT id, event_id, TRUE, $1::timestamptz, $1::timestamptz, NULL FROM r WHERE NOT (waiting AND $8::boolean)
		` + markSet + `
		RETURNING present, checked_in_at
	), att AS (
		INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		SELECT $3, $2, checked_in_at, $4, $5, $6, $7 FROM m WHERE present
		ON CONFLICT (registration_id) DO UPDATE SET checked_in_at = excluded.checked_in_at
			WHERE attendances.checked_in_at <> excluded.checked_in_at
		RETURNING xmax = 0 AS inserted
	)` + webhook.CheckinCreatedPG("att", "$3", "$2", "$7") + `
	SELECT r.waiting, COALESCE((SELECT present FROM m), FALSE) AS present,
		COALESCE((SELECT inserted FROM att), FALSE) AS inserted FROM r`

// observeCheckIn applies a check-in of a registration of the event seen at
// in.At (already clamped) and makes the attendance row follow the mark.
func observeCheckIn(tx *gorm.DB, in CheckInInput, now time.Time) (applied, error) {
	a, err := observeCheckInOnce(tx, in, now)
	if err == nil && a.Status == StatusCheckedIn && tx.Dialector.Name() != "postgres" {
		// checkin.created, in the check-in's transaction (on PostgreSQL,
		// in the observation's statement: no statement more per tick).
		err = webhook.Raise(tx, webhook.CheckinCreated, webhook.Subject{EventID: in.EventID, RegistrationID: in.RegistrationID}, now)
	}
	return a, err
}

func observeCheckInOnce(tx *gorm.DB, in CheckInInput, now time.Time) (applied, error) {
	source := in.Source
	if source == "" {
		source = SourceRoster
	}
	var clientID *string
	if in.ClientID != "" {
		clientID = ptr(in.ClientID)
	}
	if tx.Dialector.Name() == "postgres" {
		var rows []struct{ Waiting, Present, Inserted bool }
		if err := tx.Raw(observeCheckInPG, in.At, in.RegistrationID, in.EventID, userPtr(in.ByID), source, clientID, now.UTC(), in.refuseWaiting).
			Scan(&rows).Error; err != nil {
			return applied{}, err
		}
		switch {
		case len(rows) == 0:
			return applied{}, apperr.New(apperr.NotFound, "error.checkin.not_on_roster")
		case rows[0].Waiting && in.refuseWaiting:
			return applied{}, apperr.New(apperr.Conflict, "error.checkin.waitlisted")
		case !rows[0].Present:
			return applied{Status: StatusSuperseded}, nil
		case rows[0].Inserted:
			return applied{Status: StatusCheckedIn, Present: true}, nil
		}
		return applied{Status: StatusAlready, Present: true}, nil
	}
	if in.refuseWaiting {
		// SQLite: the same refusal, read first (its writers are serialised).
		if reg, err := registrationOf(tx, in.EventID, in.RegistrationID); err == nil {
			if waiting, err := waitingAtDoor(tx, reg); err != nil {
				return applied{}, err
			} else if waiting {
				return applied{}, apperr.New(apperr.Conflict, "error.checkin.waitlisted")
			}
		}
	}
	m, ok, err := observe(tx, in.EventID, in.RegistrationID, true, in.At)
	if err != nil {
		return applied{}, err
	}
	if !ok {
		return applied{}, apperr.New(apperr.NotFound, "error.checkin.not_on_roster")
	}
	if !m.Present || m.CheckedInAt == nil {
		return applied{Status: StatusSuperseded}, nil
	}
	at := m.CheckedInAt.UTC()
	ins := tx.Exec(`INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		in.EventID, in.RegistrationID, at, userPtr(in.ByID), source, clientID, now.UTC())
	if ins.Error != nil {
		return applied{}, ins.Error
	}
	if ins.RowsAffected == 1 {
		return applied{Status: StatusCheckedIn, Present: true}, nil
	}
	// Present already. The stay's start moved only if this check-in is
	// older than it (a phone that was offline saw the person first).
	if at.Equal(in.At) {
		if err := tx.Exec(`UPDATE attendances SET checked_in_at = ? WHERE registration_id = ? AND checked_in_at <> ?`,
			at, in.RegistrationID, at).Error; err != nil {
			return applied{}, err
		}
	}
	return applied{Status: StatusAlready, Present: true}, nil
}

// observeUndo applies an undo seen at at (already clamped).
func observeUndo(tx *gorm.DB, eventID, regID uint, at time.Time) (applied, error) {
	m, ok, err := observe(tx, eventID, regID, false, at)
	if err != nil {
		return applied{}, err
	}
	if !ok {
		return applied{}, apperr.New(apperr.NotFound, "error.checkin.not_on_roster")
	}
	if m.Present && m.CheckedInAt != nil {
		// Ticked again after this undo: still present, since the first
		// check-in known after the undo.
		if err := tx.Exec(`UPDATE attendances SET checked_in_at = ? WHERE registration_id = ? AND checked_in_at <> ?`,
			m.CheckedInAt.UTC(), regID, m.CheckedInAt.UTC()).Error; err != nil {
			return applied{}, err
		}
		return applied{Status: StatusSuperseded, Present: true}, nil
	}
	var rows []Attendance
	if err := tx.Where("registration_id = ?", regID).Find(&rows).Error; err != nil {
		return applied{}, err
	}
	if len(rows) == 0 {
		return applied{Status: StatusNotIn}, nil
	}
	if err := tx.Delete(&Attendance{}, rows[0].ID).Error; err != nil {
		return applied{}, err
	}
	return applied{Status: StatusUndone, Removed: &rows[0]}, nil
}
