package web

import (
	"crypto/subtle"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Limits of the SMS webhook: the gateway is one address sending for
// everyone; one phone number may try a few times.
var (
	smsInboundLimitPerIP    = dbstate.Limit{Max: 600, Window: time.Minute}
	smsInboundLimitPerPhone = dbstate.Limit{Max: 5, Window: 10 * time.Minute}
	// A gateway posts reports in bursts after a blast, up to 500 a call.
	smsReportsLimitPerIP = dbstate.Limit{Max: 600, Window: time.Minute}
)

type smsInbound struct {
	From string `json:"from" form:"from"`
	Text string `json:"text" form:"text"`
}

// smsInboundToken reads the shared secret from X-Lantern-Token or a bearer
// Authorization header.
func smsInboundToken(c *fiber.Ctx) string {
	if t := c.Get("X-Lantern-Token"); t != "" {
		return t
	}
	if a := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimPrefix(a, "Bearer ")
	}
	return ""
}

// smsInbound is the SMS gateway's webhook: "DK <event code> <name>" (also
// "REG …" and "INS …") registers the sender's number and answers by SMS;
// anything else gets a short help reply.
func (s *Server) smsInbound(c *fiber.Ctx) error {
	ctx := c.UserContext()
	want := s.cfg.SMSInboundToken
	if want == "" || subtle.ConstantTimeCompare([]byte(smsInboundToken(c)), []byte(want)) != 1 {
		return apperr.New(apperr.Forbidden, "error.register.sms_token")
	}
	if err := s.rateLimit(ctx, c, "sms-in:ip:"+s.clientIP(c), smsInboundLimitPerIP); err != nil {
		return err
	}
	var in smsInbound
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return apperr.New(apperr.Invalid, "error.bad_request")
		}
	} else {
		in.From, in.Text = utils.CopyString(c.FormValue("from")), utils.CopyString(c.FormValue("text"))
	}
	home, err := s.homeCountry(c)
	if err != nil {
		return err
	}
	num, err := phone.ParseIn(in.From, home.PhoneRegion)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err.Error(), err)
	}
	if err := s.rateLimit(ctx, c, "sms-in:phone:"+num.E164, smsInboundLimitPerPhone); err != nil {
		return err
	}
	action, err := s.handleSMS(c, num, in.Text)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ok": true, "action": action})
}

func (s *Server) handleSMS(c *fiber.Ctx, num phone.Number, text string) (string, error) {
	ctx := c.UserContext()
	if lang, ok := registration.StopKeyword(text); ok {
		// TC, STOP, HUY QC: no more announcements (Decree 91/2020),
		// answered once.
		answered, err := registration.StopKeywordReply(ctx, s.db, num.E164, lang, s.bundle.For, s.now())
		if err != nil || !answered {
			return "already_stopped", err
		}
		return "stopped", nil
	}
	k, ok := registration.ParseKeyword(text)
	reply := func(lang, id string, args map[string]any) error {
		return registration.QueueReply(ctx, s.db, num.E164, lang, s.bundle.For(lang).TMap(id, args))
	}
	if !ok {
		return registration.KeywordHelp, reply("vi", "sms.help", nil)
	}
	out, err := registration.RegisterByKeyword(ctx, s.db, registration.KeywordRegistration{
		Keyword: k, Phone: num.E164, Source: registration.SourceSMS, Notify: s.notifier(),
	}, s.now())
	switch {
	case err != nil:
		return "", err
	case out.ReplyKey != "":
		return out.Action, reply(k.Lang, out.ReplyKey, out.ReplyArgs)
	case out.Action == registration.KeywordExisting:
		// The SMS comes from its number: its owner gets the code again.
		return out.Action, s.notifier().QueueExisting(ctx, s.db, out.Result.Registration)
	}
	return out.Action, nil
}
