// Package attendance records who came to a session: check-in at the venue
// (typed code, scanned ticket, search, roster, walk-ins, batches queued
// offline on a trainer's phone), aggregate headcounts of people who never
// registered, the per-event figures and certificates of attendance. It never
// imports Fiber.
//
// "Attended" means an attendance row exists for the registration; there is
// one row per registration (unique registration_id). Check-ins and undos are
// observations made at a moment on a device: for one person the latest one
// decides (attendance_marks keeps it, see markSet), whatever order phones
// send them in; the row keeps the start of the present stay. A session takes
// them only within its Window, and a cancelled one takes none.
package attendance

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/user"
)

// Sources of a check-in.
const (
	SourceCode    = "code"    // short code typed by the trainer
	SourceQR      = "qr"      // ticket QR code scanned
	SourceSearch  = "search"  // found by phone number or name
	SourceRoster  = "roster"  // ticked on the roster
	SourceWalkIn  = "walk_in" // added at the venue
	SourceSheet   = "sheet"   // reconciled from the paper sheet
	SourceOffline = "offline" // queued on the device, sent in a batch
)

// Attendance is one person (or one group) present at an event.
type Attendance struct {
	ID             uint
	EventID        uint
	RegistrationID uint
	CheckedInAt    time.Time
	CheckedInByID  *uint
	Source         string
	ClientID       *string
	CreatedAt      time.Time
}

// TableName keeps GORM on the migrated table.
func (Attendance) TableName() string { return "attendances" }

// Headcount is the number of people of one sex and age band counted at an
// event without registering (community screenings).
type Headcount struct {
	ID           uint
	EventID      uint
	Sex          string
	AgeBand      string
	Count        int
	RecordedByID *uint
	UpdatedAt    time.Time
}

// TableName keeps GORM on the migrated table.
func (Headcount) TableName() string { return "headcounts" }

// Receipt records that a check-in queued on a device (identified by the
// client-generated id) has been received, so that a batch sent again
// changes nothing, even after a later undo.
type Receipt struct {
	ClientID       string `gorm:"primaryKey"`
	EventID        uint
	RegistrationID *uint
	Status         string
	ReceivedByID   *uint
	CreatedAt      time.Time
}

// TableName keeps GORM on the migrated table.
func (Receipt) TableName() string { return "checkin_receipts" }

// CanManage tells whether u may check people in at an event and see its
// attendance: organisers and admins for every event, trainers only for the
// events they are assigned to.
func CanManage(ctx context.Context, db *gorm.DB, u *user.User, eventID uint) (bool, error) {
	if u == nil {
		return false, nil
	}
	if u.Has(user.RoleOrganiser, user.RoleAdmin) {
		return true, nil
	}
	if !u.Has(user.RoleTrainer) {
		return false, nil
	}
	var n int64
	err := db.WithContext(ctx).Table("event_trainers").Where("event_id = ? AND user_id = ?", eventID, u.ID).Count(&n).Error
	return n > 0, err
}

// IsChild tells whether an age band is a child's: no name and no phone
// number are kept for children.
func IsChild(ageBand string) bool { return ageBand == "under_16" || ageBand == "16_17" }

func ptr[T any](v T) *T { return &v }

func userPtr(id uint) *uint {
	if id == 0 {
		return nil
	}
	return &id
}

func notFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }
