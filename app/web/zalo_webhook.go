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
		return fiber.ErrNotFound
	}
	body := c.Body()
	if len(body) == 0 || len(body) > 64<<10 {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"ok": false, "error": "bad request"})
	}
	if _, ok := message.ZaloSignatureOK(s.zaloConfig(), body, c.Get("X-ZEvent-Signature")); !ok {
		return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"ok": false, "error": "bad signature"})
	}
	known, err := message.ZaloEvent(c.UserContext(), s.db, body, s.now())
	if err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"ok": false, "error": "bad event"})
	}
	return c.JSON(fiber.Map{"ok": true, "known": known})
}
