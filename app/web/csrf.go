package web

import (
	"crypto/subtle"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/user"
)

// CSRF protection: a random token in an HttpOnly cookie, recorded in the
// database (so every instance knows it), and sent back by each form in the
// field _csrf (or by scripts in the X-CSRF-Token header). A state-changing
// request passes only when the sent token equals the cookie's and the
// database knows it.
//
// The token is created lazily, when a page renders a form: a visitor who only
// reads the events list costs no database write. (Fiber's csrf middleware
// writes a token on every GET without a cookie, which made each anonymous
// page view an INSERT.)

const (
	csrfCookie    = "lantern_csrf"
	csrfLifetime  = 12 * time.Hour
	csrfKeyPrefix = "csrf:"
	// csrfRenewBefore: a form is never rendered with a token that ends
	// sooner than this; a new one is made instead.
	csrfRenewBefore = time.Hour
)

// csrfUsableUntil tells whether a token of the form random.end (end in
// base 36 Unix seconds) is still valid at t.
func csrfUsableUntil(tok string, t time.Time) bool {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return false
	}
	end, err := strconv.ParseInt(tok[i+1:], 36, 64)
	return err == nil && end > t.Unix()
}

func isSafeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return true
	}
	return false
}

// csrfSent is the token an unsafe request carries, when it equals its
// cookie's (and, on HTTPS, the request comes from this site): what
// csrfProtection then looks up in the database. ok is false when the request
// must be refused without asking the database.
func csrfSent(c *fiber.Ctx) (tok string, ok bool) {
	cookie := c.Cookies(csrfCookie)
	sent := c.FormValue("_csrf")
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if cookie == "" || sent == "" || len(cookie) > 100 ||
		subtle.ConstantTimeCompare([]byte(cookie), []byte(sent)) != 1 {
		return "", false
	}
	if c.Protocol() == "https" && !sameOrigin(c) {
		return "", false
	}
	return cookie, true
}

// csrfExempt: requests that need no token (safe methods; the SMS gateway,
// which authenticates with a shared secret instead).
func csrfExempt(c *fiber.Ctx) bool {
	return isSafeMethod(c.Method()) || c.Path() == "/api/v1/sms/inbound"
}

// csrfChecked is what loadSession found of the request's token, when it
// checked it with the session (localsCSRFChecked).
type csrfChecked struct {
	token string
	known bool
}

// csrfProtection refuses unsafe requests without a valid token. It runs
// after loadSession: on a staff request that one already asked the database
// about the token, in the session's query.
func (s *Server) csrfProtection() fiber.Handler {
	kv := dbstate.NewKV(s.db)
	return func(c *fiber.Ctx) error {
		if csrfExempt(c) {
			return c.Next()
		}
		tok, ok := csrfSent(c)
		if !ok {
			return apperr.New(apperr.Forbidden, "error.csrf")
		}
		known := false
		if chk, ok := c.Locals(localsCSRFChecked).(csrfChecked); ok && chk.token == tok {
			known = chk.known
		} else {
			v, err := kv.Get(csrfKeyPrefix + tok)
			if err != nil {
				return err
			}
			known = v != nil
		}
		if !known {
			return apperr.New(apperr.Forbidden, "error.csrf")
		}
		c.Locals(csrfContextKey, utils.CopyString(tok))
		return c.Next()
	}
}

// sameOrigin checks Origin (or Referer) against the host on HTTPS, where
// browsers send them reliably.
func sameOrigin(c *fiber.Ctx) bool {
	src := c.Get(fiber.HeaderOrigin)
	if src == "" {
		src = c.Get(fiber.HeaderReferer)
	}
	if src == "" {
		return false
	}
	u, err := url.Parse(src)
	return err == nil && strings.EqualFold(u.Host, c.Hostname())
}

// csrfToken returns the request's token, creating and recording one when the
// client has none or an unknown one.
func (s *Server) csrfToken(c *fiber.Ctx) (string, error) {
	if tok, ok := c.Locals(csrfContextKey).(string); ok && tok != "" {
		return tok, nil
	}
	now := s.now()
	if tok := c.Cookies(csrfCookie); tok != "" && len(tok) <= 100 && csrfUsableUntil(tok, now.Add(csrfRenewBefore)) {
		// The token says when it ends, and the cookie ends with it: a page
		// renders it without asking the database (the form's POST does).
		tok = utils.CopyString(tok)
		c.Locals(csrfContextKey, tok)
		return tok, nil
	}
	kv := dbstate.NewKV(s.db)
	if tok := c.Cookies(csrfCookie); tok != "" && len(tok) <= 100 && !strings.Contains(tok, ".") {
		// A token from before tokens carried their end.
		v, err := kv.Get(csrfKeyPrefix + tok)
		if err != nil {
			return "", err
		}
		if v != nil {
			tok = utils.CopyString(tok)
			c.Locals(csrfContextKey, tok)
			return tok, nil
		}
	}
	tok := user.RandomToken(24) + "." + strconv.FormatInt(now.Add(csrfLifetime).Unix(), 36)
	if err := kv.Set(csrfKeyPrefix+tok, []byte{1}, csrfLifetime); err != nil {
		return "", err
	}
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: tok, Path: "/", HTTPOnly: true, Secure: s.cfg.CookieSecure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(csrfLifetime.Seconds())})
	c.Locals(csrfContextKey, tok)
	return tok, nil
}
