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

// BatchItem is one check-in queued on a trainer's device: a registration
// (by id, typed code or scanned ticket text) or a walk-in.
type BatchItem struct {
	ClientID       string       `json:"client_id"`
	RegistrationID uint         `json:"registration_id,omitempty"`
	Code           string       `json:"code,omitempty"`
	At             time.Time    `json:"at"`
	WalkIn         *BatchWalkIn `json:"walk_in,omitempty"`
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

// ApplyBatch records check-ins queued offline, in one transaction. Each item
// is idempotent by its client id: a receipt is written first (INSERT … ON
// CONFLICT DO NOTHING), and an item whose receipt exists changes nothing, so
// the same batch sent three times gives the same totals — even if a check-in
// was undone in between.
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
		_, err = registrationOf(tx, eventID, it.RegistrationID)
		regID = it.RegistrationID
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.Internal {
			return res, err
		}
		res.Status, res.Error = StatusRejected, apperr.KeyOf(err)
		return res, tx.Model(&Receipt{}).Where("client_id = ?", it.ClientID).Update("status", StatusRejected).Error
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
