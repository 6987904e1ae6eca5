package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/registration"
)

// The unsubscribe link every announcement carries (Decree 91/2020):
// /{lang}/stop/{token}, a random token and no number. The page stops
// announcements with one POST, without JavaScript; unknown tokens count
// against the address's limit, like unknown ticket codes.

type announceStopPage struct {
	Page
	Token   string
	Stopped bool
}

func (s *Server) stopState(c *fiber.Ctx) (*registration.StopState, error) {
	var st *registration.StopState
	err := s.missLimited(c, "ticket-miss:"+s.clientIP(c), ticketMissLimit, func() (err error) {
		st, err = registration.StopStateOf(c.UserContext(), s.db, c.Params("token"))
		return err
	})
	return st, err
}

// announceStopShow is GET /{lang}/stop/{token}: never cached, never indexed.
func (s *Server) announceStopShow(c *fiber.Ctx) error {
	st, err := s.stopState(c)
	if err != nil {
		return err
	}
	p := s.page(c, "announce.stop_title")
	p.NoIndex = true
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	return s.render(c, fiber.StatusOK, "announce/stop", announceStopPage{Page: p, Token: utils.CopyString(c.Params("token")), Stopped: st.Stopped})
}

// announceStop is POST /{lang}/stop/{token}: stops, then shows the page.
func (s *Server) announceStop(c *fiber.Ctx) error {
	if _, err := s.stopState(c); err != nil {
		return err
	}
	token := utils.CopyString(c.Params("token"))
	if err := registration.StopByLink(c.UserContext(), s.db, token, s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/stop/"+token+"?flash=announce_stopped", fiber.StatusSeeOther)
}

// myDataStopAnnouncements is POST /{lang}/my-data/announcements/stop: the
// person withdraws their opt-in from the "my data" page.
func (s *Server) myDataStopAnnouncements(c *fiber.Ctx) error {
	e164, err := s.myDataPhone(c)
	if err != nil {
		return s.myDataSessionOver(c, err)
	}
	if _, err := registration.StopByPhone(c.UserContext(), s.db, e164, registration.StopMyData, s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/my-data/view?flash=announce_stopped", fiber.StatusSeeOther)
}
