package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/user"
)

// CSRF protection keeps nothing on the server. A form's token (field _csrf,
// or header X-CSRF-Token for scripts) is an HMAC-SHA256, keyed with
// SECRET_KEY, of what it is bound to and of the moment it ends, written
// "end.mac" (end in base 36 Unix seconds, mac in base64url):
//
//   - a staff member's token is bound to their session cookie: it is good
//     for that session only, and a token seen in one staff member's page
//     opens nothing for another;
//   - an anonymous visitor's token is bound to a random value in the cookie
//     lantern_csrf, set (HttpOnly, SameSite=Lax) with the first page that
//     has a form. Another site can neither read that cookie nor make the
//     token that goes with it.
//
// A request that changes something passes only with a token that is valid
// for the request's own cookie and has not ended. Every instance with the
// same SECRET_KEY checks any instance's tokens, and a page view writes
// nothing to the database: the tokens used to be rows (kept 12 hours), one
// per cookieless visitor with a form on their page, which crawlers and link
// previews grew without bound (issue 17).

const (
	csrfCookie = "lantern_csrf"
	// csrfLifetime is how long a token rendered in a form stays valid.
	csrfLifetime = 12 * time.Hour
	// csrfCookieLifetime is how long the visitor cookie lives. It is renewed
	// (same random value, so pages already open keep working) when a form is
	// rendered and less than csrfLifetime remains: a token never outlives
	// the cookie it is bound to.
	csrfCookieLifetime = 7 * 24 * time.Hour
)

// csrfKey derives the key of the tokens from SECRET_KEY, apart from the
// other uses of that secret (ticket signatures).
func csrfKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lantern csrf v1"))
	return m.Sum(nil)
}

// csrfMAC is the token's signature of binding (kind "s" for a session, "a"
// for a visitor cookie) and of end.
func (s *Server) csrfMAC(kind, binding, end string) []byte {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(end))
	return m.Sum(nil)
}

// csrfMake makes a token bound to binding, valid until now+csrfLifetime.
func (s *Server) csrfMake(kind, binding string, now time.Time) string {
	end := strconv.FormatInt(now.Add(csrfLifetime).Unix(), 36)
	return end + "." + base64.RawURLEncoding.EncodeToString(s.csrfMAC(kind, binding, end))
}

// csrfVerify tells whether tok is a token bound to binding that has not
// ended at now.
func (s *Server) csrfVerify(tok, kind, binding string, now time.Time) bool {
	if binding == "" || len(tok) > 100 {
		return false
	}
	end, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	t, err := strconv.ParseInt(end, 36, 64)
	if err != nil || t <= now.Unix() {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	return err == nil && hmac.Equal(got, s.csrfMAC(kind, binding, end))
}

// csrfVisitor splits the visitor cookie "random.renew" into its random
// value (what tokens are bound to) and the moment the cookie ends (base 36
// Unix seconds). ok is false for anything this server did not set.
func csrfVisitor(cookie string) (random string, ends time.Time, ok bool) {
	random, end, found := strings.Cut(cookie, ".")
	if !found || len(random) < 22 || len(random) > 64 {
		return "", time.Time{}, false
	}
	for _, r := range random {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", time.Time{}, false
		}
	}
	t, err := strconv.ParseInt(end, 36, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return random, time.Unix(t, 0), true
}

func isSafeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return true
	}
	return false
}

// csrfExempt: requests that need no token (safe methods; the SMS gateway's
// webhooks, which authenticate with a shared secret instead; Zalo's webhook, which
// signs its calls; calls authenticated by an API token in the Authorization
// header, which no other site's page can make a browser send, see
// api_auth.go).
func csrfExempt(c *fiber.Ctx) bool {
	return isSafeMethod(c.Method()) || smsGatewayPath(c) || c.Path() == zaloEventsPath || apiCallerOf(c) != nil
}

// csrfValid tells whether the request carries a token valid for it. A
// signed-in staff member's must be bound to their session. Without a valid
// session, a token bound to the session cookie sent (a page rendered before
// the session ended: the request then goes on to the sign-in page) or to the
// visitor cookie passes.
func (s *Server) csrfValid(c *fiber.Ctx) bool {
	sent := c.FormValue("_csrf")
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if sent == "" {
		return false
	}
	if c.Protocol() == "https" && !sameOrigin(c) {
		return false
	}
	now := s.now()
	session := c.Cookies(sessionCookie)
	if s.csrfVerify(sent, "s", session, now) {
		return true
	}
	if currentUser(c) != nil {
		return false
	}
	random, _, ok := csrfVisitor(c.Cookies(csrfCookie))
	return ok && s.csrfVerify(sent, "a", random, now)
}

// csrfProtection refuses unsafe requests without a valid token, with the
// translated error.csrf. It runs after loadSession, which tells it whether
// the request is a staff member's.
func (s *Server) csrfProtection() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if csrfExempt(c) {
			return c.Next()
		}
		if !s.csrfValid(c) {
			return apperr.New(apperr.Forbidden, "error.csrf")
		}
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

// csrfToken returns a token for the forms of the request's page: bound to
// the staff session when there is one, else to the visitor cookie, which it
// sets (or renews) when needed. It never touches the database.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if tok, ok := c.Locals(csrfContextKey).(string); ok && tok != "" {
		return tok
	}
	now := s.now()
	var tok string
	if currentUser(c) != nil {
		tok = s.csrfMake("s", c.Cookies(sessionCookie), now)
	} else {
		random, ends, ok := csrfVisitor(c.Cookies(csrfCookie))
		if !ok {
			random = user.RandomToken(24)
		} else {
			random = utils.CopyString(random)
		}
		if !ok || ends.Sub(now) < csrfLifetime {
			ends = now.Add(csrfCookieLifetime)
			c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: random + "." + strconv.FormatInt(ends.Unix(), 36),
				Path: "/", HTTPOnly: true, Secure: s.cfg.CookieSecure,
				SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(csrfCookieLifetime.Seconds())})
		}
		tok = s.csrfMake("a", random, now)
	}
	c.Locals(csrfContextKey, tok)
	return tok
}
