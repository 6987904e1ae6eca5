package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/zalochat"
)

// zaloEvents is POST /api/v1/zalo/events, the Official Account's webhook:
// an unsigned, badly signed or malformed call is refused (4xx) and changes
// nothing; a delivery receipt marks its message delivered; a rating given
// in Zalo's rating template is recorded on its request; a follower's
// text or shared information goes to the registration by chat, which only
// queues its answers so that Zalo gets its 200 at once.
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
	// The parsed event copies what it keeps: nothing refers to Fiber's buffer.
	chat, isChat, err := message.ParseZaloChatEvent(body)
	if err != nil {
		return s.apiError(c, nil, fiber.StatusBadRequest, "error.bad_request", nil)
	}
	if isChat {
		return s.zaloChatEvent(c, chat)
	}
	fb, isFeedback, err := message.ParseZaloFeedbackEvent(body)
	if err != nil {
		return s.apiError(c, nil, fiber.StatusBadRequest, "error.bad_request", nil)
	}
	if isFeedback {
		// A rating given inside Zalo's rating template.
		applied, err := rating.FromZalo(c.UserContext(), s.db, fb, s.now())
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"ok": true, "known": applied})
	}
	known, err := message.ZaloEvent(c.UserContext(), s.db, body, s.now())
	if err != nil {
		return s.apiError(c, nil, fiber.StatusBadRequest, "error.bad_request", nil)
	}
	return c.JSON(fiber.Map{"ok": true, "known": known})
}

// zaloChatEvent hands a follower's chat event to the registration by chat.
func (s *Server) zaloChatEvent(c *fiber.Ctx, ev message.ZaloChatEvent) error {
	svc, err := s.zaloChat(c)
	if err != nil {
		return err
	}
	action, err := svc.Handle(c.UserContext(), ev, s.now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ok": true, "known": true, "action": action})
}

// zaloChat is the registration by chat, reading shared numbers written
// without a country code in the home country's plan.
func (s *Server) zaloChat(c *fiber.Ctx) (*zalochat.Service, error) {
	home, err := s.homeCountry(c)
	if err != nil {
		return nil, err
	}
	return &zalochat.Service{DB: s.db, Notify: s.notifier(), Region: home.PhoneRegion}, nil
}

// zaloChatSender sends the OA's chat answers.
func (s *Server) zaloChatSender() *zalochat.Sender {
	return &zalochat.Sender{DB: s.db, OA: message.NewZaloOA(s.zaloConfig(), s.db), ImageURL: s.cfg.ZaloOAInfoImageURL}
}

// zaloEventsPath is Zalo's webhook, authenticated by its signature.
const zaloEventsPath = "/api/v1/zalo/events"
