package registration

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
)

// AdmitAtDoorTx gives a seat to a person on the waiting list who came to
// the session and whom the staff at the door chose to let in (the caller,
// attendance.CheckIn with Admit, holds the transaction and records the
// check-in with it). At the door the room decides, not the booking count:
// the seat is taken even when the session is fully booked (people who
// booked and did not come leave chairs free), so seats taken may exceed the
// capacity afterwards. No SMS is sent: the person is there. A registration
// that is not on the waiting list is returned unchanged.
func AdmitAtDoorTx(tx *gorm.DB, id, actorID uint, now time.Time) (*Registration, error) {
	now = now.UTC()
	ref := Ref{ID: id}
	if err := lockRef(tx, ref); err != nil {
		return nil, err
	}
	r, err := ref.load(tx)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusWaitlisted {
		return r, nil
	}
	ok, err := setStatus(tx, r, StatusConfirmed, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.New(apperr.Conflict, "error.register.changed")
	}
	if err := tx.Exec("UPDATE events SET seats_taken = seats_taken + ? WHERE id = ?", r.GroupSize, r.EventID).Error; err != nil {
		return nil, err
	}
	if err := audit.Record(tx, actorID, "registration.admit_at_door", "registration", fmt.Sprint(r.ID),
		map[string]any{"status": StatusWaitlisted}, map[string]any{"status": r.Status}); err != nil {
		return nil, err
	}
	return r, nil
}
