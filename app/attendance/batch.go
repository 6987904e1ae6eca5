package attendance

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
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
// undo of a check-in, or a headcount. At is when it happened on the device.
type BatchItem struct {
	ClientID       string       `json:"client_id"`
	Op             string       `json:"op,omitempty"`
	RegistrationID uint         `json:"registration_id,omitempty"`
	Code           string       `json:"code,omitempty"`
	At             time.Time    `json:"at"`
	WalkIn         *BatchWalkIn `json:"walk_in,omitempty"`
	Headcount      []BatchCell  `json:"headcount,omitempty"`
	// Invalid is the reason (an i18n key) an item sent by a phone could not
	// be read (DecodeBatch); it is refused, the rest of the batch is not.
	Invalid string `json:"-"`
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

// Batch results, besides the statuses of an observation (StatusCheckedIn,
// StatusAlready, StatusUndone, StatusNotIn, StatusSuperseded).
const (
	StatusDuplicate = "duplicate" // this client id was received before: nothing changed
	StatusRejected  = "rejected"  // unreadable, unknown code, forged ticket, another event, outside the window…
	StatusSaved     = "saved"     // headcount: recorded (cells written after it on another device kept theirs)
)

// BatchResult is what happened to one item.
type BatchResult struct {
	ClientID       string `json:"client_id"`
	Status         string `json:"status"`
	RegistrationID uint   `json:"registration_id,omitempty"`
	// Present is the person's state after the item (items about a person,
	// but not a duplicate: the phone then follows the roster).
	Present *bool  `json:"present,omitempty"`
	Error   string `json:"error,omitempty"` // i18n key when rejected
}

// maxRegistrationID is the largest id either database stores (a signed
// 64-bit integer): a bigger one is on no roster, and is never sent to
// PostgreSQL, which would refuse the whole statement.
const maxRegistrationID = math.MaxInt64

// DecodeBatch reads the body of a batch, {"checkins": [item, …]}. Only a
// body that is not such an object (or lists too many items) is an error;
// an item that cannot be read is kept, with Invalid set, so that it is
// refused alone and the rest of the batch goes through: numbers are read
// as they were written, so that an id beyond what a database holds is a
// refusal, not a failure of the batch.
func DecodeBatch(body []byte) ([]BatchItem, error) {
	var req struct {
		Checkins []json.RawMessage `json:"checkins"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, apperr.Wrap(apperr.Invalid, "error.checkin.bad_batch", err)
	}
	if len(req.Checkins) > MaxBatch {
		return nil, apperr.New(apperr.Invalid, "error.checkin.batch_too_large")
	}
	items := make([]BatchItem, len(req.Checkins))
	for i, raw := range req.Checkins {
		items[i] = decodeItem(raw)
	}
	return items, nil
}

func decodeItem(raw []byte) BatchItem {
	var w struct {
		ClientID       string       `json:"client_id"`
		Op             string       `json:"op"`
		RegistrationID json.Number  `json:"registration_id"`
		Code           string       `json:"code"`
		At             time.Time    `json:"at"`
		WalkIn         *BatchWalkIn `json:"walk_in"`
		Headcount      []BatchCell  `json:"headcount"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&w); err != nil {
		// Keep the client id if it can be read, so that the phone knows
		// which item was refused.
		var id struct {
			ClientID any `json:"client_id"`
		}
		_ = json.Unmarshal(raw, &id)
		s, _ := id.ClientID.(string)
		return BatchItem{ClientID: s, Invalid: "error.checkin.bad_item"}
	}
	it := BatchItem{ClientID: w.ClientID, Op: w.Op, Code: w.Code, At: w.At, WalkIn: w.WalkIn, Headcount: w.Headcount}
	if w.RegistrationID != "" {
		n, err := strconv.ParseUint(w.RegistrationID.String(), 10, 64)
		switch {
		case err != nil || n > maxRegistrationID:
			// -1, 1.5, 1e3, 2^64: no registration has that id.
			it.Invalid = "error.checkin.not_on_roster"
		default:
			it.RegistrationID = uint(n)
		}
	}
	return it
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

// ApplyBatch records actions queued offline, in one transaction, if the
// session takes them at now (w); otherwise each item is refused with the
// reason. Each item is idempotent by its client id: a receipt is written
// first (INSERT … ON CONFLICT DO NOTHING), and an item whose receipt exists
// changes nothing, so the same batch sent three times gives the same totals,
// even if a check-in was undone in between. A refused item leaves no
// receipt: sent again, it is judged again. Check-ins and undos are
// observations at the device's time: for one person the latest one decides,
// whatever order they arrive in (see markSet).
func ApplyBatch(ctx context.Context, db *gorm.DB, w Window, secret string, eventID, byID uint, items []BatchItem, now time.Time) ([]BatchResult, error) {
	if len(items) > MaxBatch {
		return nil, apperr.New(apperr.Invalid, "error.checkin.batch_too_large")
	}
	out := make([]BatchResult, len(items))
	// Apply in registration order, so that two phones sending overlapping
	// batches take row locks in the same order (no deadlock on PostgreSQL);
	// results keep the order of the request. The sort is stable: the items
	// about one person keep the phone's order (it matters when their times
	// tie).
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
		s, err := loadSession(tx, eventID)
		if err != nil {
			return err
		}
		b := batch{tx: tx, w: w, s: s, closed: w.Check(s, now), secret: secret, byID: byID, now: now}
		for _, i := range order {
			res, err := b.apply(items[i])
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

// batch is what every item of a batch shares.
type batch struct {
	tx     *gorm.DB
	w      Window
	s      Session
	closed error // why the session takes nothing now (nil: it does)
	secret string
	byID   uint
	now    time.Time
}

func (b *batch) apply(it BatchItem) (BatchResult, error) {
	res := BatchResult{ClientID: it.ClientID}
	if it.Invalid != "" {
		res.Status, res.Error = StatusRejected, it.Invalid
		return res, nil
	}
	if !validClientID(it.ClientID) {
		res.Status, res.Error = StatusRejected, "error.checkin.bad_client_id"
		return res, nil
	}
	if it.RegistrationID > maxRegistrationID {
		res.Status, res.Error = StatusRejected, "error.checkin.not_on_roster"
		return res, nil
	}
	tx := b.tx
	ins := tx.Exec(`INSERT INTO checkin_receipts (client_id, event_id, status, received_by_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		it.ClientID, b.s.ID, "received", userPtr(b.byID), b.now.UTC())
	if ins.Error != nil {
		return res, ins.Error
	}
	if ins.RowsAffected == 0 {
		var rc Receipt
		if err := tx.Where("client_id = ?", it.ClientID).Take(&rc).Error; err != nil {
			return res, err
		}
		if rc.EventID != b.s.ID {
			res.Status, res.Error = StatusRejected, "error.checkin.bad_client_id"
			return res, nil
		}
		res.Status = StatusDuplicate
		if rc.RegistrationID != nil {
			res.RegistrationID = *rc.RegistrationID
		}
		return res, nil
	}
	if b.closed != nil {
		return b.reject(res, b.closed)
	}
	at := b.w.Clamp(b.s, it.At, b.now)

	var regID uint
	switch it.Op {
	case "", OpCheckIn:
		switch {
		case it.WalkIn != nil:
			r, err := addWalkIn(tx, WalkIn{EventID: b.s.ID, Name: it.WalkIn.Name, Phone: it.WalkIn.Phone,
				Sex: it.WalkIn.Sex, AgeBand: it.WalkIn.AgeBand, ByID: b.byID, ClientID: it.ClientID, At: at}, b.now)
			if err != nil {
				return b.reject(res, err)
			}
			res.Status, res.RegistrationID, res.Present = StatusCheckedIn, r.ID, ptr(true)
			return res, b.done(res)
		case it.Code != "":
			r, _, err := ResolveCode(tx.Statement.Context, tx, b.secret, b.s.ID, it.Code)
			if err != nil {
				return b.reject(res, err)
			}
			regID = r.ID
		default:
			regID = it.RegistrationID
		}
		// A waiting-list ticket queued offline is not let in: the phone
		// shows it to the trainer, who admits it on purpose.
		a, err := observeCheckIn(tx, CheckInInput{EventID: b.s.ID, RegistrationID: regID, ByID: b.byID,
			Source: SourceOffline, ClientID: it.ClientID, At: at, refuseWaiting: true}, b.now)
		if err != nil {
			return b.reject(res, err)
		}
		res.Status, res.RegistrationID, res.Present = a.Status, regID, ptr(a.Present)
	case OpUndo:
		a, err := undo(tx, b.s.ID, it.RegistrationID, b.byID, it.ClientID, at, b.now)
		if err != nil {
			return b.reject(res, err)
		}
		res.Status, res.RegistrationID, res.Present = a.Status, it.RegistrationID, ptr(a.Present)
	case OpHeadcount:
		cells := make([]Cell, len(it.Headcount))
		for i, c := range it.Headcount {
			cells[i] = Cell{Sex: c.Sex, AgeBand: c.AgeBand, Count: c.Count}
		}
		if len(cells) == 0 {
			return b.reject(res, apperr.New(apperr.Invalid, "error.checkin.headcount_bad_cell"))
		}
		if _, err := setHeadcount(tx, b.s.ID, cells, b.byID, it.ClientID, at); err != nil {
			return b.reject(res, err)
		}
		res.Status = StatusSaved
	default:
		return b.reject(res, apperr.New(apperr.Invalid, "error.checkin.bad_item"))
	}
	return res, b.done(res)
}

// done writes the item's receipt with its final status.
func (b *batch) done(res BatchResult) error {
	var regID *uint
	if res.RegistrationID != 0 {
		regID = &res.RegistrationID
	}
	return b.tx.Model(&Receipt{}).Where("client_id = ?", res.ClientID).
		Updates(map[string]any{"status": res.Status, "registration_id": regID}).Error
}

// reject refuses an item for the reason err gives (an internal error fails
// the batch), and forgets its receipt: it changed nothing, and sent again it
// is judged again (a code unknown offline may be registered since; a
// session that was not open yet may be).
func (b *batch) reject(res BatchResult, err error) (BatchResult, error) {
	if apperr.KindOf(err) == apperr.Internal {
		return res, err
	}
	res.Status, res.Error = StatusRejected, apperr.KeyOf(err)
	return res, b.tx.Exec(`DELETE FROM checkin_receipts WHERE client_id = ?`, res.ClientID).Error
}
