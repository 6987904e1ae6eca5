package web

import (
	"crypto/subtle"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/message"
)

// smsReports is POST /api/v1/sms/reports, the SMS gateway's delivery
// reports (message.Report), authenticated with the gateway's shared secret
// like its incoming messages. A refused call changes nothing.
func (s *Server) smsReports(c *fiber.Ctx) error {
	want := s.cfg.SMSInboundToken
	if want == "" || subtle.ConstantTimeCompare([]byte(smsInboundToken(c)), []byte(want)) != 1 {
		return apperr.New(apperr.Forbidden, "error.register.sms_token")
	}
	if err := s.rateLimit(c.UserContext(), c, "sms-reports:ip:"+s.clientIP(c), smsReportsLimitPerIP); err != nil {
		return err
	}
	var in struct {
		Reports []message.Report `json:"reports"`
	}
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return apperr.New(apperr.Invalid, "error.bad_request")
	}
	known, err := message.ApplyReports(c.UserContext(), s.db, in.Reports, s.now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ok": true, "known": known})
}
