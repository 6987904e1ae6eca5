package web

import (
	"encoding/base64"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// managedEvent loads the event of /staff/events/:id/… (or /api/v1/events/:id/…)
// and checks that the signed-in staff member may manage its attendance:
// organisers and admins for every event, trainers for their own sessions.
func (s *Server) managedEvent(c *fiber.Ctx) (*event.Event, error) {
	id, err := s.manageableEventID(c)
	if err != nil {
		return nil, err
	}
	return event.Get(c.UserContext(), s.db, id)
}

// managedEventRef is managedEvent for handlers that need only to know the
// event exists and the staff member may manage it.
func (s *Server) managedEventRef(c *fiber.Ctx) (*event.Event, error) {
	id, err := s.manageableEventID(c)
	if err != nil {
		return nil, err
	}
	return event.GetRef(c.UserContext(), s.db, id)
}

// manageableEventID is the :id of the request, if the staff member may
// manage that event.
func (s *Server) manageableEventID(c *fiber.Ctx) (uint, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return 0, err
	}
	ok, err := attendance.CanManage(c.UserContext(), s.db, currentUser(c), id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.New(apperr.Forbidden, "error.checkin.not_assigned")
	}
	return id, nil
}

// option is a choice in a form.
type option struct {
	Value string
	Label string
}

func sexOptions(t *locale.Translator) []option {
	out := make([]option, len(registration.Sexes))
	for i, x := range registration.Sexes {
		out[i] = option{x, t.T("attendance.sex." + x)}
	}
	return out
}

func bandOptions(t *locale.Translator) []option {
	out := make([]option, len(registration.AgeBands))
	for i, x := range registration.AgeBands {
		out[i] = option{x, t.T("attendance.band." + x)}
	}
	return out
}

// personLabel is how a roster shows a person: their name, or for people
// without one (children, groups) what is known about them.
func personLabel(t *locale.Translator, name, kind, sex, band string, size int) string {
	if kind == registration.KindGroup {
		if name == "" {
			name = t.T("attendance.group")
		}
		return t.TN("attendance.group_of", size, "Name", name)
	}
	if name != "" {
		return name
	}
	parts := t.T("attendance.unnamed")
	if sex != "" {
		parts += " · " + t.T("attendance.sex."+sex)
	}
	if band != "" {
		parts += " · " + t.T("attendance.band."+band)
	}
	return parts
}

// rosterRow is a roster line as pages and the roster API show it.
type rosterRow struct {
	ID         uint   `json:"id"`
	Code       string `json:"code"`
	Label      string `json:"label"`
	Folded     string `json:"-"`
	Tail       string `json:"tail,omitempty"`
	Kind       string `json:"kind"`
	Waitlisted bool   `json:"waitlisted,omitempty"`
	Cancelled  bool   `json:"cancelled,omitempty"`
	Present    bool   `json:"present"`
	At         string `json:"at,omitempty"` // local time of check-in
}

func viewRoster(t *locale.Translator, e *event.Event, entries []attendance.RosterEntry) []rosterRow {
	loc := e.Location()
	out := make([]rosterRow, len(entries))
	for i, r := range entries {
		row := rosterRow{
			ID: r.ID, Code: r.Code, Kind: r.Kind, Tail: r.PhoneTail(),
			Label:      personLabel(t, r.Name, r.Kind, r.Sex, r.AgeBand, r.GroupSize),
			Waitlisted: r.Status == string(registration.StatusWaitlisted),
			Cancelled:  r.Status == string(registration.StatusCancelled),
			Present:    r.Present(),
		}
		row.Folded = textnorm.Fold(row.Label)
		if r.CheckedInAt != nil {
			row.At = t.Time(r.CheckedInAt.In(loc))
		}
		out[i] = row
	}
	return out
}

// eventKeyB64 is the per-event ticket key handed to an authorised trainer's
// device so that it can tell genuine tickets offline (never SECRET_KEY).
func (s *Server) eventKeyB64(eventID uint) string {
	return base64.RawURLEncoding.EncodeToString(registration.EventTicketKey(s.cfg.SecretKey, eventID))
}

func countPresent(rows []rosterRow) int {
	n := 0
	for _, r := range rows {
		if r.Present {
			n++
		}
	}
	return n
}
