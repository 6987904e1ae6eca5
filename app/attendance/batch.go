package attendance

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
)

// MaxBatch is the most check-ins one batch may carry.
const MaxBatch = 500

// Operations of a batch item.
const (
	OpCheckIn   = "checkin"   // the default when op is empty
	OpUndo      = "undo"      // undo the check-in of registration_id
	OpHeadcount = "headcount" // the whole headcount grid, as typed
)

// BatchItem is one action queued on a trainer's device: a check-in of a
// registration (by id, typed code or scanned ticket text), a walk-in, the
// undo of a check-in, or a headcount.
type BatchItem struct {
	ClientID       string       `json:"client_id"`
	Op             string       `json:"op,omitempty"`
	RegistrationID uint         `json:"registration_id,omitempty"`
	Code           string       `json:"code,omitempty"`
	At             time.Time    `json:"at"`
	WalkIn         *BatchWalkIn `json:"walk_in,omitempty"`
	Headcount      []BatchCell  `json:"headcount,omitempty"`
}

// BatchCell is one number of a headcount typed offline.
type BatchCell struct {
	Sex     string `json:"sex"`
	AgeBand string `json:"age_band"`
	Count   int    `json:"count"`
}

// BatchWalkIn is a walk-in added offline.
type BatchWalkIn struct {
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Sex     string `json:"sex"`
	AgeBand string `json:"age_band"`
}

// Batch results.
const (
	StatusCheckedIn = "checked_in" // new attendance
	StatusAlready   = "already"    // the person was already checked in (the first time is kept)
	StatusDuplicate = "duplicate"  // this client id was received before: nothing changed
	StatusRejected  = "rejected"   // unknown code, forged ticket, another event…
	StatusUndone    = "undone"     // undo: the check-in was removed
	StatusNotIn     = "not_in"     // undo: the person was not checked in (already undone): nothing changed
	StatusSaved     = "saved"      // headcount: recorded (cells written after it on another device kept theirs)
)

// BatchResult is what happened to one item.
type BatchResult struct {
	ClientID       string `json:"client_id"`
	Status         string `json:"status"`
	RegistrationID uint   `json:"registration_id,omitempty"`
	Error          string `json:"error,omitempty"` // i18n key when rejected
}

// validClientID accepts what crypto.randomUUID and similar generators give.
func validClientID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ApplyBatch records actions queued offline, in one transaction. Each item
// is idempotent by its client id: a receipt is written first (INSERT … ON
// CONFLICT DO NOTHING), and an item whose receipt exists changes nothing, so
// the same batch sent three times gives the same totals — even if a check-in
// was undone in between. Items about the same registration are applied in
// the order of the request (check-in, undo, check-in again ends checked in).
func ApplyBatch(ctx context.Context, db *gorm.DB, secret string, eventID, byID uint, items []BatchItem, now time.Time) ([]BatchResult, error) {
	if len(items) > MaxBatch {
		return nil, apperr.New(apperr.Invalid, "error.checkin.batch_too_large")
	}
	out := make([]BatchResult, len(items))
	// Apply in registration order, so that two phones sending overlapping
	// batches take row locks in the same order (no deadlock on PostgreSQL);
	// results keep the order of the request.
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := items[order[a]], items[order[b]]
		if x.RegistrationID != y.RegistrationID {
			return x.RegistrationID < y.RegistrationID
		}
		return x.Code < y.Code
	})
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, i := range order {
			res, err := applyOne(tx, secret, eventID, byID, items[i], now)
			if err != nil {
				return err
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func applyOne(tx *gorm.DB, secret string, eventID, byID uint, it BatchItem, now time.Time) (BatchResult, error) {
	res := BatchResult{ClientID: it.ClientID}
	if !validClientID(it.ClientID) {
		res.Status, res.Error = StatusRejected, "error.checkin.bad_client_id"
		return res, nil
	}
	ins := tx.Exec(`INSERT INTO checkin_receipts (client_id, event_id, status, received_by_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		it.ClientID, eventID, "received", userPtr(byID), now.UTC())
	if ins.Error != nil {
		return res, ins.Error
	}
	if ins.RowsAffected == 0 {
		var rc Receipt
		if err := tx.Where("client_id = ?", it.ClientID).Take(&rc).Error; err != nil {
			return res, err
		}
		if rc.EventID != eventID {
			res.Status, res.Error = StatusRejected, "error.checkin.bad_client_id"
			return res, nil
		}
		res.Status = StatusDuplicate
		if rc.RegistrationID != nil {
			res.RegistrationID = *rc.RegistrationID
		}
		return res, nil
	}

	switch it.Op {
	case "", OpCheckIn:
	case OpUndo:
		return applyUndo(tx, eventID, byID, it, res, now)
	case OpHeadcount:
		return applyHeadcount(tx, eventID, byID, it, res, now)
	default:
		return reject(tx, res, "error.checkin.bad_batch")
	}

	var regID uint
	var err error
	source := SourceOffline
	switch {
	case it.WalkIn != nil:
		var r *registration.Registration
		r, err = addWalkIn(tx, WalkIn{EventID: eventID, Name: it.WalkIn.Name, Phone: it.WalkIn.Phone,
			Sex: it.WalkIn.Sex, AgeBand: it.WalkIn.AgeBand, ByID: byID, ClientID: it.ClientID, At: it.At}, now)
		if err == nil {
			regID = r.ID
			res.Status = StatusCheckedIn
		}
	case it.Code != "":
		var r *registration.Registration
		r, _, err = ResolveCode(tx.Statement.Context, tx, secret, eventID, it.Code)
		if err == nil {
			regID = r.ID
		}
	default:
		// The usual item: someone ticked on the roster. One statement
		// checks they are on this event's roster and checks them in; when
		// it writes nothing, the registration is read to tell "already
		// checked in" from "not on this roster".
		in := CheckInInput{EventID: eventID, RegistrationID: it.RegistrationID, ByID: byID, Source: source, ClientID: it.ClientID, At: it.At}
		done, ierr := checkInIfOnRoster(tx, in, now)
		if ierr != nil {
			return res, ierr
		}
		if done == notDone {
			if _, err := registrationOf(tx, eventID, it.RegistrationID); err != nil {
				if apperr.KindOf(err) == apperr.Internal {
					return res, err
				}
				return reject(tx, res, apperr.KeyOf(err))
			}
		}
		res.Status, res.RegistrationID = StatusAlready, it.RegistrationID
		if done == checkedInNow {
			res.Status = StatusCheckedIn
		}
		return res, tx.Model(&Receipt{}).Where("client_id = ?", it.ClientID).
			Updates(map[string]any{"status": res.Status, "registration_id": it.RegistrationID}).Error
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.Internal {
			return res, err
		}
		return reject(tx, res, apperr.KeyOf(err))
	}
	if it.WalkIn == nil {
		cr, err := checkIn(tx, CheckInInput{EventID: eventID, RegistrationID: regID, ByID: byID, Source: source, ClientID: it.ClientID, At: it.At}, now, false)
		if err != nil {
			return res, err
		}
		res.Status = StatusAlready
		if cr.New {
			res.Status = StatusCheckedIn
		}
	}
	res.RegistrationID = regID
	return res, tx.Model(&Receipt{}).Where("client_id = ?", it.ClientID).
		Updates(map[string]any{"status": res.Status, "registration_id": regID}).Error
}

// reject marks an item refused (its receipt too, so a replay says duplicate).
func reject(tx *gorm.DB, res BatchResult, key string) (BatchResult, error) {
	res.Status, res.Error = StatusRejected, key
	return res, tx.Model(&Receipt{}).Where("client_id = ?", res.ClientID).Update("status", StatusRejected).Error
}

// applyUndo undoes a check-in queued offline. Undoing someone who is not
// checked in (undone on another phone, or by this undo sent before) is not
// an error: nothing changes and the status says not_in.
func applyUndo(tx *gorm.DB, eventID, byID uint, it BatchItem, res BatchResult, now time.Time) (BatchResult, error) {
	r, err := registrationOf(tx, eventID, it.RegistrationID)
	if err != nil {
		if apperr.KindOf(err) == apperr.Internal {
			return res, err
		}
		return reject(tx, res, apperr.KeyOf(err))
	}
	done, err := undo(tx, r, byID, it.ClientID, now)
	if err != nil {
		return res, err
	}
	res.Status, res.RegistrationID = StatusNotIn, r.ID
	if done {
		res.Status = StatusUndone
	}
	return res, tx.Model(&Receipt{}).Where("client_id = ?", it.ClientID).
		Updates(map[string]any{"status": res.Status, "registration_id": r.ID}).Error
}

// applyHeadcount records a headcount typed offline, as of the device's time.
func applyHeadcount(tx *gorm.DB, eventID, byID uint, it BatchItem, res BatchResult, now time.Time) (BatchResult, error) {
	cells := make([]Cell, len(it.Headcount))
	for i, c := range it.Headcount {
		cells[i] = Cell{Sex: c.Sex, AgeBand: c.AgeBand, Count: c.Count}
	}
	if len(cells) == 0 {
		return reject(tx, res, "error.checkin.headcount_bad_cell")
	}
	if _, err := setHeadcount(tx, eventID, cells, byID, it.ClientID, it.At, now); err != nil {
		if apperr.KindOf(err) == apperr.Internal {
			return res, err
		}
		return reject(tx, res, apperr.KeyOf(err))
	}
	res.Status = StatusSaved
	return res, tx.Model(&Receipt{}).Where("client_id = ?", it.ClientID).Update("status", StatusSaved).Error
}
