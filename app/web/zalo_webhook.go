package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/message"
)

// zaloEvents is POST /api/v1/zalo/events, the Official Account's webhook:
// an unsigned or badly signed call is refused (401) and changes nothing; a
// delivery receipt marks its message delivered.
func (s *Server) zaloEvents(c *fiber.Ctx) error {
	if s.cfg.ZaloAppID == "" {
		return s.apiError(c, nil, fiber.StatusNotFound, "error.not_found", nil)
	}
	body := c.Body()
	if len(body) == 0 || len(body) > 64<<10 {
		return s.apiError(c, nil, fiber.StatusBadRequest, "error.bad_request", nil)
	}
	if _, ok := message.ZaloSignatureOK(s.zaloConfig(), body, c.Get("X-ZEvent-Signature")); !ok {
		return s.apiError(c, nil, fiber.StatusUnauthorized, "error.api.bad_signature", nil)
	}
	known, err := message.ZaloEvent(c.UserContext(), s.db, body, s.now())
	if err != nil {
		return s.apiError(c, nil, fiber.StatusBadRequest, "error.bad_request", nil)
	}
	return c.JSON(fiber.Map{"ok": true, "known": known})
}

// zaloEventsPath is Zalo's webhook, authenticated by its signature.
const zaloEventsPath = "/api/v1/zalo/events"
