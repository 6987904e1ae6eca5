package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/audit"
)

// logRead records that the signed-in staff member looked at participants'
// personal data (Law 91/2025: the controller can say who looked at whom).
// eventID names the event whose people the look covered (0: none);
// subjects the registrations a targeted look showed.
func (s *Server) logRead(c *fiber.Ctx, kind string, eventID uint, people int, subjects []uint) error {
	u := currentUser(c)
	if u == nil {
		return nil
	}
	r := audit.Read{ActorID: u.ID, Kind: kind, People: people, Subjects: subjects, CreatedAt: s.now().UTC()}
	if eventID != 0 {
		r.EventID = &eventID
	}
	return audit.RecordRead(c.UserContext(), s.db, r)
}

// logCoacheeRead records a look at a coachee's coaching record.
func (s *Server) logCoacheeRead(c *fiber.Ctx, coacheeID uint) error {
	u := currentUser(c)
	if u == nil || u.ID == coacheeID {
		return nil // one's own record
	}
	return audit.RecordRead(c.UserContext(), s.db, audit.Read{ActorID: u.ID, Kind: audit.ReadCoachee,
		SubjectUserID: &coacheeID, People: 1, CreatedAt: s.now().UTC()})
}
