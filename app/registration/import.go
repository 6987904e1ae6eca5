package registration

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
)

// ImportPlan is what an import would do, for the preview: which numbers
// are already registered for the event, and how many of the others get a
// seat or go to the waiting list.
type ImportPlan struct {
	Open       bool // the event takes registrations
	Capacity   int
	SeatsLeft  int
	Existing   map[string]Status // PersonKey → status of the registration already there
	New        int
	Confirmed  int
	Waitlisted int
	// Outcome of each row, in order: StatusConfirmed, StatusWaitlisted, or
	// "existing".
	Outcomes []string
}

// PersonKey names a person registered by phone: families share numbers, so
// the number (E.164) and the folded name together.
func PersonKey(e164, name string) string { return e164 + "|" + FoldName(name) }

// OutcomeExisting marks a row whose number is already registered.
const OutcomeExisting = "existing"

// PlanImport previews an import of rows into an event, without writing.
// The figures are what Import would do if nothing changed meanwhile; Import
// applies the rules again under the event's lock.
func PlanImport(ctx context.Context, db *gorm.DB, eventID uint, rows []ImportRow, now time.Time) (*ImportPlan, error) {
	db = db.WithContext(ctx)
	var ev event.Event
	if err := db.Select("id", "status", "starts_at", "registration_deadline", "capacity", "seats_taken").Take(&ev, eventID).Error; err != nil {
		return nil, err
	}
	p := &ImportPlan{Open: ev.RegistrationOpen(now.UTC()), Capacity: ev.Capacity, SeatsLeft: ev.SeatsLeft(), Existing: map[string]Status{}}
	phones := make([]string, len(rows))
	for i, r := range rows {
		phones[i] = r.Phone
	}
	for len(phones) > 0 {
		n := min(len(phones), 500)
		var found []struct {
			Phone      string
			NameFolded string
			Status     Status
		}
		if err := db.Model(&Registration{}).Select("phone", "name_folded", "status").
			Where("event_id = ? AND kind = ? AND status <> ? AND phone IN ?", eventID, KindIndividual, StatusCancelled, phones[:n]).
			Find(&found).Error; err != nil {
			return nil, err
		}
		for _, f := range found {
			p.Existing[f.Phone+"|"+f.NameFolded] = f.Status
		}
		phones = phones[n:]
	}
	left := p.SeatsLeft
	for _, r := range rows {
		switch {
		case p.Existing[PersonKey(r.Phone, r.Name)] != "":
			p.Outcomes = append(p.Outcomes, OutcomeExisting)
			continue
		case left > 0:
			left--
			p.Confirmed++
			p.Outcomes = append(p.Outcomes, string(StatusConfirmed))
		default:
			p.Waitlisted++
			p.Outcomes = append(p.Outcomes, string(StatusWaitlisted))
		}
		p.New++
	}
	return p, nil
}

// ImportInput is an import of checked rows into an event.
type ImportInput struct {
	EventID        uint
	Rows           []ImportRow
	Lang           string // language of the participants' SMS
	ConsentVersion string
	ActorID        uint
	// Notify, when set, queues each new participant's SMS (ticket or
	// waiting list), as when staff register someone by phone.
	Notify *Notifier
}

// ImportResult tells what Import did.
type ImportResult struct {
	Created     int // new registrations (reactivated ones included)
	Reactivated int
	Confirmed   int // of the created ones
	Waitlisted  int
	Existing    int // already registered: left as they were
}

// Import registers every row for the event through the same code as any
// registration (registerTx): seats taken atomically, the rest on the
// waiting list, one registration per number and event, the participant's
// SMS queued with it.
//
// All rows go in ONE transaction, which holds the event's lock from its
// first statement: an import lands whole or not at all (a failure at row
// 900 leaves no half list for the organiser to untangle), and no other
// registration slips in between its rows. It is also idempotent per row:
// a number already registered is returned unchanged (Result.Existing), so
// a confirm form submitted twice, or an import retried after a timeout,
// adds nobody twice and sends no second SMS. The cost is one longer
// transaction (2,000 rows at most) during which other registrations for
// this one event wait.
func Import(ctx context.Context, db *gorm.DB, in ImportInput, now time.Time) (*ImportResult, error) {
	now = now.UTC()
	out := &ImportResult{}
	var actor *uint
	if in.ActorID != 0 {
		id := in.ActorID
		actor = &id
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The event's lock first, for the whole import: a row is looked up
		// only once no other import can be adding the same person.
		if err := lockEvent(tx, "id = ?", in.EventID); err != nil {
			return err
		}
		st := &regState{locked: true}
		for _, row := range in.Rows {
			reg := Input{EventID: in.EventID, Name: row.Name, Phone: row.Phone, Organisation: row.Organisation,
				Role: row.Role, Lang: in.Lang, Source: SourceImport, Kind: KindIndividual,
				ConsentVersion: in.ConsentVersion, CreatedByID: actor, Notify: in.Notify}
			num, err := reg.normalise()
			if err != nil {
				return apperr.Wrap(apperr.Invalid, ErrImportChanged, err).With(map[string]any{"Row": row.Row})
			}
			res, err := registerTx(tx, &reg, num, now, st)
			if err != nil {
				return err
			}
			switch {
			case res.Existing:
				out.Existing++
				continue
			case res.Reactivated:
				out.Reactivated++
			}
			out.Created++
			if res.Registration.Status == StatusConfirmed {
				out.Confirmed++
			} else {
				out.Waitlisted++
			}
		}
		if !st.locked {
			// No rows: nothing to do, nothing to record.
			return nil
		}
		// Counts only: no names, no numbers in the audit log.
		return audit.Record(tx, in.ActorID, "registrations.import", "event", fmt.Sprint(in.EventID), nil,
			map[string]any{"Rows": len(in.Rows), "Created": out.Created, "Reactivated": out.Reactivated,
				"Confirmed": out.Confirmed, "Waitlisted": out.Waitlisted, "Existing": out.Existing,
				"SMS": in.Notify != nil && out.Created > 0, "Lang": in.Lang})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ErrImportChanged: a carried row no longer passes the checks.
const ErrImportChanged = "error.import.changed"
