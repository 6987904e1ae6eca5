package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/csrftoken"
	"github.com/lantern-ngo/lantern/app/user"
)

// CSRF protection keeps nothing on the server. A form's token (field _csrf,
// or header X-CSRF-Token for scripts) is signed with a key derived from
// SECRET_KEY (app/csrftoken) and bound to:
//
//   - a staff member's session cookie: it is good for that session only,
//     and a token seen in one staff member's page opens nothing for
//     another;
//   - for an anonymous visitor, a random value in the cookie lantern_csrf,
//     set (HttpOnly, SameSite=Lax) with the first page that has a form.
//     Another site can neither read that cookie nor make the token that
//     goes with it.
//
// A request that changes something passes only with a token that is valid
// for the request's own cookie and has not ended. Every instance with the
// same SECRET_KEY checks any instance's tokens, and a page view writes
// nothing to the database: the tokens used to be rows (kept 12 hours), one
// per cookieless visitor with a form on their page, which crawlers and link
// previews grew without bound (issue 17).

const csrfCookie = "lantern_csrf"

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
	if s.csrfSigner.Verify(sent, "s", session, now) {
		return true
	}
	if currentUser(c) != nil {
		return false
	}
	random, _, ok := csrftoken.Visitor(c.Cookies(csrfCookie))
	return ok && s.csrfSigner.Verify(sent, "a", random, now)
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
		tok = s.csrfSigner.Make("s", c.Cookies(sessionCookie), now)
	} else {
		random, ends, ok := csrftoken.Visitor(c.Cookies(csrfCookie))
		if !ok {
			random = user.RandomToken(24)
		} else {
			random = utils.CopyString(random)
		}
		if !ok || ends.Sub(now) < csrftoken.Lifetime {
			ends = now.Add(csrftoken.CookieLifetime)
			c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: csrftoken.VisitorCookie(random, ends),
				Path: "/", HTTPOnly: true, Secure: s.cfg.CookieSecure,
				SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(csrftoken.CookieLifetime.Seconds())})
		}
		tok = s.csrfSigner.Make("a", random, now)
	}
	c.Locals(csrfContextKey, tok)
	return tok
}
