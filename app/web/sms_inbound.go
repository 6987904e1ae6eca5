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
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Limits of the SMS webhook: the gateway is one address sending for
// everyone; one phone number may try a few times.
var (
	smsInboundLimitPerIP    = dbstate.Limit{Max: 600, Window: time.Minute}
	smsInboundLimitPerPhone = dbstate.Limit{Max: 5, Window: 10 * time.Minute}
	// A gateway posts reports in bursts after a blast, up to 500 a call.
	smsReportsLimitPerIP = dbstate.Limit{Max: 600, Window: time.Minute}
)

// smsKeywords maps a keyword to the language of the answer.
var smsKeywords = map[string]string{"DK": "vi", "DANGKY": "vi", "REG": "en", "INS": "fr"}

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
	words := strings.Fields(textnorm.Clean(text))
	lang := ""
	if len(words) > 0 {
		lang = smsKeywords[strings.ToUpper(textnorm.Unaccent(words[0]))]
	}
	reply := func(action, lang, id string, args ...any) (string, error) {
		return action, registration.QueueReply(ctx, s.db, num.E164, lang, s.bundle.For(lang).T(id, args...))
	}
	if lang == "" || len(words) < 2 {
		if lang == "" {
			lang = "vi"
		}
		return reply("help", lang, "sms.help")
	}
	code := strings.ToUpper(words[1])
	if len(code) > 16 {
		return reply("unknown_event", lang, "sms.unknown_event", "EventCode", code[:16])
	}
	e, err := event.GetByCode(ctx, s.db, code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && e.Status == event.StatusDraft) {
		return reply("unknown_event", lang, "sms.unknown_event", "EventCode", code)
	}
	if err != nil {
		return "", err
	}
	name := strings.Join(words[2:], " ")
	if name == "" {
		return reply("bad_name", lang, "sms.bad_name")
	}
	res, err := registration.Register(ctx, s.db, registration.Input{
		EventID: e.ID, Name: name, Phone: num.E164, Lang: lang, Source: registration.SourceSMS,
		ConsentVersion: registration.SMSConsent, Notify: s.notifier(),
	}, s.now())
	switch {
	case apperr.KeyOf(err) == "error.register.closed":
		return reply("closed", lang, "sms.closed", "EventCode", e.Code)
	case apperr.Is(err, apperr.Invalid):
		return reply("bad_name", lang, "sms.bad_name")
	case err != nil:
		return "", err
	case res.Existing:
		return "existing", s.notifier().QueueExisting(ctx, s.db, res.Registration)
	case res.Registration.Status == registration.StatusWaitlisted:
		return "waitlisted", nil
	}
	return "registered", nil
}
