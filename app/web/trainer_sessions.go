package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/user"
)

type trainerSessionsPage struct {
	Page
	All      bool // every session (organisers and admins)
	Today    []eventView
	Upcoming []eventView
	Past     []eventView
}

// trainerSessions is /{lang}/trainer: the signed-in trainer's sessions,
// today's first (organisers and admins see every session).
func (s *Server) trainerSessions(c *fiber.Ctx) error {
	p := s.page(c, "page.trainer.title")
	all := p.User.Has(user.RoleOrganiser, user.RoleAdmin)
	if all {
		// Organisers and admins see every session, not only their own.
		p.Title = p.T("page.trainer.title_all")
	}
	now := s.now()
	ss, err := attendance.TrainerSessions(c.UserContext(), s.db, p.User, now)
	if err != nil {
		return err
	}
	views := func(es []event.Event) []eventView {
		out := make([]eventView, len(es))
		for i := range es {
			out[i] = viewEvent(p.Translator, &es[i], now)
		}
		return out
	}
	return s.render(c, fiber.StatusOK, "attendance/trainer", trainerSessionsPage{
		Page: p, All: all, Today: views(ss.Today), Upcoming: views(ss.Upcoming), Past: views(ss.Past),
	})
}
