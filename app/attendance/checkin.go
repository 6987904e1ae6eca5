package attendance

import (
	"context"
	"github.com/lantern-ngo/lantern/app/event"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/webhook"
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
	// trusted beyond reason: see Window.Clamp.
	At time.Time
	// Admit lets in a person on the waiting list: staff at the door saw the
	// warning and chose to (see CheckIn).
	Admit bool
	// refuseWaiting: a queued item (ApplyBatch) about a person on the
	// waiting list who is not present changes nothing and is refused, in
	// the statement that would record it.
	refuseWaiting bool
}

// CheckInResult tells what a check-in did.
type CheckInResult struct {
	Attendance Attendance
	// New is false when the person was already checked in: the first time is kept.
	New bool
	// Status is StatusCheckedIn, StatusAlready, or StatusSuperseded when a
	// later undo recorded on another phone decides (the person is not
	// present; Attendance is empty).
	Status string
	// Admitted: the person left the waiting list to come in (in.Admit).
	Admitted bool
}

// CheckIn records that a registered person is present, if the session
// takes check-ins at now (w). It is idempotent: checking the same person in
// again, from any phone and at the same moment, keeps one row with the
// earliest time of the present stay.
//
// A person on the waiting list has no seat: without in.Admit nothing is
// written and the error (Conflict, "error.checkin.waitlisted") lets the
// staff at the door decide. With in.Admit the registration is confirmed (a
// seat taken even beyond capacity: registration.AdmitAtDoorTx) and the
// check-in recorded, in one transaction. See docs/ATTENDANCE.md.
func CheckIn(ctx context.Context, db *gorm.DB, w Window, in CheckInInput, now time.Time) (*CheckInResult, error) {
	var res *CheckInResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := openSession(tx, w, in.EventID, now)
		if err != nil {
			return err
		}
		reg, err := registrationOf(tx, in.EventID, in.RegistrationID)
		if err != nil {
			return err
		}
		admitted := false
		if reg.Status == registration.StatusWaitlisted {
			waiting, err := waitingAtDoor(tx, reg)
			if err != nil {
				return err
			}
			if waiting {
				if !in.Admit {
					return apperr.New(apperr.Conflict, "error.checkin.waitlisted")
				}
				if _, err := registration.AdmitAtDoorTx(tx, reg.ID, in.ByID, now); err != nil {
					return err
				}
				admitted = true
			}
		}
		in.At = w.Clamp(s, in.At, now)
		a, err := observeCheckIn(tx, in, now)
		if err != nil {
			return err
		}
		res = &CheckInResult{New: a.Status == StatusCheckedIn, Status: a.Status, Admitted: admitted}
		if !a.Present {
			return nil
		}
		return tx.Where("registration_id = ?", in.RegistrationID).Take(&res.Attendance).Error
	})
	return res, err
}

// registrationOf loads a registration of the event.
// waitingAtDoor tells a registration on the waiting list that is not
// present: letting it in takes a seat, which staff decide on purpose
// (CheckIn with Admit), never a tick or a queued item.
func waitingAtDoor(tx *gorm.DB, reg *registration.Registration) (bool, error) {
	if reg.Status != registration.StatusWaitlisted {
		return false, nil
	}
	var present int64
	err := tx.Model(&Attendance{}).Where("registration_id = ?", reg.ID).Count(&present).Error
	return present == 0, err
}

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

// Undo removes a wrong check-in, if the session takes check-ins at now. A
// walk-in added by mistake is cancelled as well, so that it leaves the
// figures. It returns false when the person was not checked in (nothing to
// undo).
func Undo(ctx context.Context, db *gorm.DB, w Window, eventID, regID, byID uint, now time.Time) (bool, error) {
	done := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := openSession(tx, w, eventID, now)
		if err != nil {
			return err
		}
		a, err := undo(tx, eventID, regID, byID, "", w.Clamp(s, now, now), now)
		done = a.Status == StatusUndone
		return err
	})
	return done, err
}

// undo records an undo seen at at (clamped): the attendance goes unless a
// later check-in says the person is there; a walk-in undone is cancelled and
// the audit line written. clientID is the device's id of an undo queued
// offline ("" online).
func undo(tx *gorm.DB, eventID, regID, byID uint, clientID string, at, now time.Time) (applied, error) {
	a, err := observeUndo(tx, eventID, regID, at)
	if err != nil || a.Removed == nil {
		return a, err
	}
	if err := tx.Model(&registration.Registration{}).Where("id = ? AND kind = ?", regID, registration.KindWalkIn).
		Updates(map[string]any{"status": registration.StatusCancelled, "cancelled_at": now, "updated_at": now}).Error; err != nil {
		return a, err
	}
	var after any
	if clientID != "" {
		after = map[string]any{"client_id": clientID, "at": at}
	}
	return a, audit.Record(tx, byID, "attendance.undo", "registration", itoa(regID),
		map[string]any{"checked_in_at": a.Removed.CheckedInAt, "source": a.Removed.Source}, after)
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

// Roster lists everyone expected at (or present at) an event, in one
// query, in the order of a Vietnamese list: by given name, then the rest
// of the name, in the Vietnamese alphabet (SortByName). The check-in
// phones and the printed sign-in sheet both read it.
func Roster(ctx context.Context, db *gorm.DB, eventID uint) ([]RosterEntry, error) {
	var out []RosterEntry
	if err := rosterQuery(db.WithContext(ctx), eventID).Scan(&out).Error; err != nil {
		return nil, err
	}
	SortByName(out, func(r *RosterEntry) string { return r.Name }, func(r *RosterEntry) uint { return r.ID })
	return out, nil
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
	whole := ""
	if len(digits) >= 8 {
		// A whole number is read as the session's country's.
		region, err := event.RegionOf(db.WithContext(ctx), eventID)
		if err != nil {
			return nil, err
		}
		if n, err := phone.ParseIn(q, region); err == nil {
			whole = n.E164
		}
	}
	if whole != "" {
		query = query.Where("r.phone = ?", whole)
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
// transaction, if the session takes check-ins at now; people already checked
// in keep their time. It returns how many were newly checked in.
func CheckInMany(ctx context.Context, db *gorm.DB, w Window, eventID uint, regIDs []uint, byID uint, source string, now time.Time) (int, error) {
	if len(regIDs) == 0 {
		return 0, nil
	}
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := openSession(tx, w, eventID, now)
		if err != nil {
			return err
		}
		// Only registrations of this event: one query for all of them.
		var valid []uint
		if err := tx.Model(&registration.Registration{}).Where("event_id = ? AND id IN ?", eventID, regIDs).
			Pluck("id", &valid).Error; err != nil {
			return err
		}
		if len(valid) != len(uniq(regIDs)) {
			return apperr.New(apperr.Invalid, "error.checkin.not_on_roster")
		}
		// The sheet is typed now: an observation of everyone ticked, one
		// statement for the marks (in registration order: the lock order of
		// batches), one for the attendances of those now present (people
		// already checked in keep their row: ON CONFLICT DO NOTHING; SQLite
		// needs the WHERE to read ON CONFLICT as the upsert clause).
		var present []uint // checked in before: no checkin.created for them
		if err := tx.Model(&Attendance{}).Where("registration_id IN ?", valid).Pluck("registration_id", &present).Error; err != nil {
			return err
		}
		at := w.Clamp(s, now, now)
		if err := tx.Exec(`INSERT INTO attendance_marks (registration_id, event_id, present, observed_at, checked_in_at, undone_at)
			SELECT r.id, r.event_id, ?, ?, ?, NULL FROM registrations r WHERE r.event_id = ? AND r.id IN ? ORDER BY r.id
			`+markSet, true, at, at, eventID, valid).Error; err != nil {
			return err
		}
		ins := tx.Exec(`INSERT INTO attendances (event_id, registration_id, checked_in_at, checked_in_by_id, source, created_at)
			SELECT m.event_id, m.registration_id, m.checked_in_at, ?, ?, ? FROM attendance_marks m
			WHERE m.event_id = ? AND m.registration_id IN ? AND m.present ORDER BY m.registration_id
			ON CONFLICT DO NOTHING`, userPtr(byID), source, now.UTC(), eventID, valid)
		if ins.Error != nil {
			return ins.Error
		}
		n = int(ins.RowsAffected)
		if n > 0 {
			var now2 []uint
			if err := tx.Model(&Attendance{}).Where("registration_id IN ?", valid).Order("registration_id").Pluck("registration_id", &now2).Error; err != nil {
				return err
			}
			for _, id := range now2 {
				if !slices.Contains(present, id) {
					if err := webhook.Raise(tx, webhook.CheckinCreated, webhook.Subject{EventID: eventID, RegistrationID: id}, now); err != nil {
						return err
					}
				}
			}
		}
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
