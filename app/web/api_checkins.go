package web

import (
	"github.com/gofiber/fiber/v2"
	"strings"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/locale"
)

// apiRoster is GET /api/v1/events/:id/roster?lang=xx: the roster with who is
// present, for the check-in page to follow other phones' check-ins (staff
// session; trainers only for their sessions). Phone numbers never leave the
// server: only their last four digits, to tell namesakes apart.
func (s *Server) apiRoster(c *fiber.Ctx) error {
	lang := c.Query("lang", langOf(c))
	if !locale.IsSupported(lang) {
		return apperr.New(apperr.Invalid, "error.api.bad_lang").With(map[string]any{"Langs": strings.Join(locale.Supported, ", ")})
	}
	t := s.bundle.For(lang)
	c.Locals(localsTranslator, t)
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	entries, err := attendance.Roster(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	rows := viewRoster(t, e, entries)
	if err := s.logRead(c, audit.ReadRoster, e.ID, len(rows), nil); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"event_id": e.ID, "present": countPresent(rows), "roster": rows})
}

// batchResult is one item's answer: what attendance says, and for a
// refused item the reason in the page's language (?lang=), which the
// check-in page shows beside the item it keeps.
type batchResult struct {
	attendance.BatchResult
	Message string `json:"message,omitempty"`
}

// apiCheckinBatch is POST /api/v1/events/:id/checkins, body {"checkins":
// [item, …]}: what a trainer's phone queued (check-ins, walk-ins, undos with
// "op": "undo", headcounts with "op": "headcount"), each with its
// client-generated id and the time it happened on the phone. Each item is
// answered on its own, in the order sent (accepted, duplicate, or rejected
// with its reason): one that cannot be read, names nobody on the roster or
// comes outside the session's check-in window does not stop the others.
// Only a body that is not such an object answers 422. Sending the same
// batch again changes nothing (see attendance.ApplyBatch). With ?figures=1
// the answer also holds the event's present counts ("attended",
// "walk_ins"); the check-in page does not ask for them (it counts its
// roster lines and follows the roster).
// Header X-CSRF-Token and the staff session cookie are required.
func (s *Server) apiCheckinBatch(c *fiber.Ctx) error {
	// The batch is the busiest staff request on a screening day: the event
	// is not loaded here (attendance.Sync tells when it does not exist).
	eventID, err := s.manageableEventID(c)
	if err != nil {
		return err
	}
	items, err := attendance.DecodeBatch(c.Body())
	if err != nil {
		return err
	}
	figures := c.Query("figures") == "1"
	out, err := attendance.Sync(c.UserContext(), s.db, s.checkinWindow(), s.cfg.SecretKey, eventID, currentUser(c).ID, items, s.now(), figures)
	if err != nil {
		return err
	}
	results := make([]batchResult, len(out.Results))
	var t *locale.Translator
	for i, r := range out.Results {
		results[i].BatchResult = r
		if r.Error == "" {
			continue
		}
		if t == nil {
			lang := c.Query("lang")
			if !locale.IsSupported(lang) {
				lang = langOf(c)
			}
			t = s.bundle.For(lang)
		}
		results[i].Message = t.T(r.Error)
	}
	if out.Figures == nil {
		return c.JSON(fiber.Map{"results": results})
	}
	return c.JSON(fiber.Map{"results": results, "attended": out.Figures.Attended, "walk_ins": out.Figures.WalkIns})
}

// checkinServiceWorker serves static/js/sw.js at /{lang}/staff/events/checkin-sw.js
// so that its scope (/{lang}/staff/events/) covers the check-in pages. It is
// never cached by HTTP: browsers check it for updates.
func (s *Server) checkinServiceWorker(c *fiber.Ctx) error {
	f := s.assets.byURL[s.assets.URL("js/sw.js")]
	if f == nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(f.body)
}
