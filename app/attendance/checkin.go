package attendance

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// CheckInInput is one check-in.
type CheckInInput struct {
	EventID        uint
	RegistrationID uint
	ByID           uint
	Source         string
	// ClientID is the id the trainer's device gave a queued check-in ("" for
	// check-ins made online).
	ClientID string
	// At is when it happened on the device (zero: now). A device clock is not
	// trusted beyond reason: see clampTime.
	At time.Time
	// Admit lets in a person on the waiting list: staff at the door saw the
	// warning and chose to (see CheckIn).
	Admit bool
}

// CheckInResult tells what a check-in did.
type CheckInResult struct {
	Attendance Attendance
	// New is false when the person was already checked in: the first time is kept.
	New bool
	// Admitted: the person left the waiting list to come in (in.Admit).
	Admitted bool
}

// CheckIn records that a registered person is present. It is idempotent:
// checking the same person in again, from any phone and at the same moment,
// keeps one row with the earliest time.
//
// A person on the waiting list has no seat: without in.Admit nothing is
// written and the error (Conflict, "error.checkin.waitlisted") lets the
// staff at the door decide. With in.Admit the registration is confirmed (a
// seat taken even beyond capacity: registration.AdmitAtDoorTx) and the
// check-in recorded, in one transaction. See docs/ATTENDANCE.md.
func CheckIn(ctx context.Context, db *gorm.DB, in CheckInInput, now time.Time) (*CheckInResult, error) {
	var res *CheckInResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		reg, err := registrationOf(tx, in.EventID, in.RegistrationID)
		if err != nil {
			return err
		}
		admitted := false
		if reg.Status == registration.StatusWaitlisted {
			var present int64
			if err := tx.Model(&Attendance{}).Where("registration_id = ?", reg.ID).Count(&present).Error; err != nil {
				return err
			}
			if present == 0 {
				if !in.Admit {
					return apperr.New(apperr.Conflict, "error.checkin.waitlisted")
				}
				if _, err := registration.AdmitAtDoorTx(tx, reg.ID, in.ByID, now); err != nil {
					return err
				}
				admitted = true
			}
		}
		r, err := checkIn(tx, in, now, true)
		if r != nil {
			r.Admitted = admitted
		}
		res = r
		return err
	})
	return res, err
}

// registrationOf loads a registration of the event.
func registrationOf(tx *gorm.DB, eventID, regID uint) (*registration.Registration, error) {
	var r registration.Registration
	err := tx.Where("id = ? AND event_id = ?", regID, eventID).Take(&r).Error
	if notFound(err) {
		return nil, apperr.Wrap(apperr.NotFound, "error.checkin.not_on_roster", err)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// clampTime keeps a device's time within the last three days and never in
// the future; anything else (a phone whose clock is wrong) becomes now.
func clampTime(at, now time.Time) time.Time {
	if at.IsZero() || at.After(now) || at.Before(now.Add(-72*time.Hour)) {
		at = now
	}
	return at.UTC().Truncate(time.Microsecond)
}

// checkIn inserts the attendance row unless one exists (ON CONFLICT DO
// NOTHING, on both databases), then moves the time earlier if this check-in
// happened first on its device. The caller checked the registration. With
// reload, the result holds the attendance row as stored (batches only need
// to know whether it is new, and skip that read).
func checkIn(tx *gorm.DB, in CheckInInput, now time.Time, reload bool) (*CheckInResult, error) {
	at := clampTime(in.At, now)
	var clientID *string
	if in.ClientID != "" {
		clientID = ptr(in.ClientID)
	}
	source := in.Source
	if source == "" {
		source = SourceRoster
	}
	ins := tx.Exec(`INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		in.EventID, in.RegistrationID, at, userPtr(in.ByID), source, clientID, now.UTC())
	if ins.Error != nil {
		return nil, ins.Error
	}
	res := &CheckInResult{New: ins.RowsAffected == 1}
	if !res.New {
		// Already there: the earliest check-in wins (a phone that was offline
		// may report a time before the one recorded).
		if err := tx.Exec(`UPDATE attendances SET checked_in_at = ? WHERE registration_id = ? AND checked_in_at > ?`,
			at, in.RegistrationID, at).Error; err != nil {
			return nil, err
		}
	}
	if !reload {
		return res, nil
	}
	if err := tx.Where("registration_id = ?", in.RegistrationID).Take(&res.Attendance).Error; err != nil {
		return nil, err
	}
	return res, nil
}

// rosterCheckIn is what checkInIfOnRoster did.
type rosterCheckIn int

const (
	// notDone: not on the event's roster, or already checked in at the
	// same time or earlier (nothing written; the caller tells which).
	notDone rosterCheckIn = iota
	checkedInNow
	// movedEarlier: already checked in, and this item's earlier time kept.
	movedEarlier
)

// checkInIfOnRoster checks in a registration of the event in one statement:
// inserted when it has no attendance yet; when it has one, its time moves
// to this item's only if that is earlier (a phone that was offline may
// report an earlier one). Nothing is written otherwise, so that phones
// sending the same person again cost no new row version. The returned row's
// client id tells an insert (this item's) from an update.
func checkInIfOnRoster(tx *gorm.DB, in CheckInInput, now time.Time) (rosterCheckIn, error) {
	var rows []struct{ ClientID *string }
	err := tx.Raw(`INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, client_id, created_at)
		SELECT event_id, id, ?, ?, ?, ?, ? FROM registrations WHERE id = ? AND event_id = ?
		ON CONFLICT (registration_id) DO UPDATE SET checked_in_at = excluded.checked_in_at
			WHERE attendances.checked_in_at > excluded.checked_in_at
		RETURNING client_id`,
		clampTime(in.At, now), userPtr(in.ByID), in.Source, in.ClientID, now.UTC(), in.RegistrationID, in.EventID).
		Scan(&rows).Error
	switch {
	case err != nil || len(rows) == 0:
		return notDone, err
	case rows[0].ClientID != nil && *rows[0].ClientID == in.ClientID:
		return checkedInNow, nil
	}
	return movedEarlier, nil
}

// NormaliseCode turns a typed confirmation code into its stored form:
// upper case, without spaces or dashes.
func NormaliseCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "", "-", "", ".", "").Replace(s)
}

// ResolveCode finds the registration a typed short code or a scanned ticket
// QR text ("L1.<eventID>.<code>.<sig>") designates at an event, and tells
// which it was (SourceQR or SourceCode).
func ResolveCode(ctx context.Context, db *gorm.DB, secret string, eventID uint, text string) (*registration.Registration, string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, "", apperr.New(apperr.Invalid, "error.checkin.code_required")
	}
	if len(text) > 200 {
		return nil, "", apperr.New(apperr.Invalid, "error.checkin.unknown_code")
	}
	source := SourceCode
	codes := []string{NormaliseCode(text), text}
	if strings.HasPrefix(strings.ToUpper(text), registration.TicketPrefix+".") {
		eid, code, ok := registration.ParseTicket(secret, text)
		if !ok {
			return nil, "", apperr.New(apperr.Invalid, "error.checkin.bad_ticket")
		}
		if eid != eventID {
			return nil, "", apperr.New(apperr.Invalid, "error.checkin.other_event")
		}
		source, codes = SourceQR, []string{code}
	}
	var r registration.Registration
	err := db.WithContext(ctx).Where("code IN ?", codes).Take(&r).Error
	if notFound(err) {
		return nil, "", apperr.Wrap(apperr.NotFound, "error.checkin.unknown_code", err)
	}
	if err != nil {
		return nil, "", err
	}
	if r.EventID != eventID {
		return nil, "", apperr.New(apperr.Invalid, "error.checkin.other_event")
	}
	return &r, source, nil
}

// Undo removes a wrong check-in. A walk-in added by mistake is cancelled as
// well, so that it leaves the figures. It returns false when the person was
// not checked in (nothing to undo).
func Undo(ctx context.Context, db *gorm.DB, eventID, regID, byID uint, now time.Time) (bool, error) {
	done := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := registrationOf(tx, eventID, regID)
		if err != nil {
			return err
		}
		done, err = undo(tx, r, byID, "", now)
		return err
	})
	return done, err
}

// undo deletes the attendance of r, if any (false: there was none, and
// nothing changed), cancels a walk-in and writes the audit line. clientID is
// the device's id of an undo queued offline ("" online).
func undo(tx *gorm.DB, r *registration.Registration, byID uint, clientID string, now time.Time) (bool, error) {
	var a Attendance
	if err := tx.Where("registration_id = ?", r.ID).Take(&a).Error; notFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if err := tx.Delete(&Attendance{}, a.ID).Error; err != nil {
		return false, err
	}
	if r.Kind == registration.KindWalkIn {
		if err := tx.Model(&registration.Registration{}).Where("id = ?", r.ID).
			Updates(map[string]any{"status": registration.StatusCancelled, "cancelled_at": now, "updated_at": now}).Error; err != nil {
			return false, err
		}
	}
	var after any
	if clientID != "" {
		after = map[string]any{"client_id": clientID}
	}
	return true, audit.Record(tx, byID, "attendance.undo", "registration", itoa(r.ID),
		map[string]any{"checked_in_at": a.CheckedInAt, "source": a.Source}, after)
}

// RosterEntry is one line of an event's roster: a registration with its
// check-in, if any.
type RosterEntry struct {
	ID          uint
	Code        string
	Kind        string
	Status      string
	Name        string
	Phone       *string
	Sex         string
	AgeBand     string
	GroupSize   int
	Lang        string
	CheckedInAt *time.Time
	Source      *string
}

// Present tells whether the person is checked in.
func (r RosterEntry) Present() bool { return r.CheckedInAt != nil }

// PhoneTail is the last digits of the phone number (for telling two people
// of the same name apart without showing the number).
func (r RosterEntry) PhoneTail() string {
	if r.Phone == nil || len(*r.Phone) < 4 {
		return ""
	}
	p := *r.Phone
	return p[len(p)-4:]
}

func rosterQuery(tx *gorm.DB, eventID uint) *gorm.DB {
	return tx.Table("registrations r").
		Select("r.id, r.code, r.kind, r.status, r.name, r.phone, r.sex, r.age_band, r.group_size, r.lang, a.checked_in_at, a.source").
		Joins("LEFT JOIN attendances a ON a.registration_id = r.id").
		// Cancelled registrations leave the roster unless the person came anyway.
		Where("r.event_id = ? AND (r.status <> ? OR a.id IS NOT NULL)", eventID, registration.StatusCancelled)
}

// Roster lists everyone expected at (or present at) an event, by name, in
// one query.
func Roster(ctx context.Context, db *gorm.DB, eventID uint) ([]RosterEntry, error) {
	var out []RosterEntry
	err := rosterQuery(db.WithContext(ctx), eventID).Order("r.name_folded, r.id").Scan(&out).Error
	return out, err
}

// SearchLimit caps the results of a search.
const SearchLimit = 20

// Search finds people on an event's roster by phone number (however typed),
// by the last digits of their number as the roster shows them ("…5678",
// "5678": three digits or more), by name ignoring case and diacritics ("duc"
// finds "Đức"), or by their code or part of it (three characters or more).
func Search(ctx context.Context, db *gorm.DB, eventID uint, q string) ([]RosterEntry, error) {
	q = textnorm.Clean(q)
	if q == "" || len(q) > 120 {
		return nil, nil
	}
	query := rosterQuery(db.WithContext(ctx), eventID)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, q)
	code := NormaliseCode(q)
	codeLike := "%" + escapeLike(code) + "%"
	if n, err := phone.Parse(q); err == nil && len(digits) >= 8 {
		query = query.Where("r.phone = ?", n.E164)
	} else if len(digits) >= 3 && phoneTail(q) {
		// The tail of a number (or digits of a code).
		query = query.Where("(r.phone LIKE ? OR r.code LIKE ? ESCAPE '!')", "%"+digits, codeLike)
	} else if len(code) >= 3 {
		like := "%" + escapeLike(textnorm.Fold(q)) + "%"
		query = query.Where("(r.name_folded LIKE ? ESCAPE '!' OR r.code LIKE ? ESCAPE '!')", like, codeLike)
	} else {
		like := "%" + escapeLike(textnorm.Fold(q)) + "%"
		query = query.Where("(r.name_folded LIKE ? ESCAPE '!' OR r.code = ?)", like, code)
	}
	var out []RosterEntry
	err := query.Order("r.name_folded, r.id").Limit(SearchLimit).Scan(&out).Error
	return out, err
}

// phoneTail tells whether q is only digits with what people type around the
// end of a number ("…5678", "...5678", "*5678", "56 78").
func phoneTail(q string) bool {
	for _, r := range q {
		if (r < '0' || r > '9') && !strings.ContainsRune(" .…*x-", r) {
			return false
		}
	}
	return true
}

// escapeLike escapes LIKE wildcards with '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// CheckInMany checks in the registrations ticked on a paper sheet, in one
// transaction; people already checked in keep their time. It returns how
// many were newly checked in.
func CheckInMany(ctx context.Context, db *gorm.DB, eventID uint, regIDs []uint, byID uint, source string, now time.Time) (int, error) {
	if len(regIDs) == 0 {
		return 0, nil
	}
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Only registrations of this event: one query for all of them.
		var valid []uint
		if err := tx.Model(&registration.Registration{}).Where("event_id = ? AND id IN ?", eventID, regIDs).
			Pluck("id", &valid).Error; err != nil {
			return err
		}
		if len(valid) != len(uniq(regIDs)) {
			return apperr.New(apperr.Invalid, "error.checkin.not_on_roster")
		}
		// One statement for the whole sheet; people already checked in keep
		// their row (ON CONFLICT DO NOTHING). SQLite needs the WHERE to read
		// ON CONFLICT as the upsert clause.
		ins := tx.Exec(`INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, created_at)
			SELECT r.event_id, r.id, ?, ?, ?, ? FROM registrations r WHERE r.event_id = ? AND r.id IN ? ORDER BY r.id
			ON CONFLICT DO NOTHING`, now.UTC().Truncate(time.Microsecond), userPtr(byID), source, now.UTC(), eventID, valid)
		if ins.Error != nil {
			return ins.Error
		}
		n = int(ins.RowsAffected)
		return audit.Record(tx, byID, "attendance.bulk", "event", itoa(eventID), nil, map[string]any{"source": source, "ticked": len(valid), "new": n})
	})
	return n, err
}

func uniq(ids []uint) []uint {
	seen := map[uint]bool{}
	var out []uint
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
