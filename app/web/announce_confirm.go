package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/registration"
)

// The link that confirms an opt-in to announcements (issue 15, double
// opt-in): /{lang}/a/{token}, sent only to the number that was typed, so
// that only its owner can say yes. GET shows a button and writes nothing
// (link previews by chat apps open links by themselves); POST confirms.
// Unknown tokens count against the address's limit, like ticket codes.

type announceConfirmPage struct {
	Page
	Token     string
	Confirmed bool
}

func (s *Server) optinRequest(c *fiber.Ctx) (*registration.OptinRequest, error) {
	var st *registration.OptinRequest
	err := s.missLimited(c, "ticket-miss:"+s.clientIP(c), ticketMissLimit, func() (err error) {
		st, err = registration.OptinRequestOf(c.UserContext(), s.db, c.Params("token"), s.now())
		return err
	})
	return st, err
}

// announceConfirmShow is GET /{lang}/a/{token}: never cached, never indexed.
func (s *Server) announceConfirmShow(c *fiber.Ctx) error {
	st, err := s.optinRequest(c)
	if err != nil {
		return err
	}
	p := s.page(c, "announce.confirm_title")
	p.NoIndex = true
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	return s.render(c, fiber.StatusOK, "announce/confirm",
		announceConfirmPage{Page: p, Token: utils.CopyString(c.Params("token")), Confirmed: st.Confirmed})
}

// announceConfirm is POST /{lang}/a/{token}: confirms, then shows the page.
func (s *Server) announceConfirm(c *fiber.Ctx) error {
	if _, err := s.optinRequest(c); err != nil {
		return err
	}
	token := utils.CopyString(c.Params("token"))
	if err := registration.ConfirmOptin(c.UserContext(), s.db, token, s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/a/"+token+"?flash=announce_confirmed", fiber.StatusSeeOther)
}
