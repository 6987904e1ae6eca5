package web

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/user"
)

const (
	localsTranslator = "lantern.tr"
	localsUser       = "lantern.user"
	localsRequestID  = "lantern.reqid"
	csrfContextKey   = "lantern.csrf"
	sessionCookie    = "lantern_session"
	langCookie       = "lang"
)

// requestID gives each request an id, echoed in X-Request-Id and in logs.
func requestID(c *fiber.Ctx) error {
	id := c.Get("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsAny(id, " \r\n") {
		id = user.RandomToken(9)
	} else {
		id = utils.CopyString(id)
	}
	c.Locals(localsRequestID, id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

// deadline bounds the database work of a request, so that a stuck database
// turns into a quick 503 instead of piling up requests.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// rejectBadText refuses, with a translated 400, requests whose form fields,
// query or JSON body hold invalid UTF-8 or NUL bytes. No phone keyboard types
// them; PostgreSQL refuses them in text columns (and would turn them into a
// 500 deep in a handler), and SQLite would store them.
func rejectBadText(c *fiber.Ctx) error {
	bad := false
	check := func(_, v []byte) {
		if !bad && (!utf8.Valid(v) || bytes.IndexByte(v, 0) >= 0) {
			bad = true
		}
	}
	c.Context().QueryArgs().VisitAll(check)
	if !isSafeMethod(c.Method()) {
		ct := string(c.Request().Header.ContentType())
		switch {
		case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
			c.Request().PostArgs().VisitAll(check)
		case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
			body := c.Body()
			if !utf8.Valid(body) || bytes.Contains(body, []byte(`\u0000`)) {
				bad = true
			}
		case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
			if form, err := c.MultipartForm(); err == nil {
				for _, vs := range form.Value {
					for _, v := range vs {
						check(nil, []byte(v))
					}
				}
			}
		}
	}
	if bad {
		return apperr.New(apperr.Invalid, "error.bad_text")
	}
	return c.Next()
}

// contentSecurityPolicy allows no inline script or style and no other origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// hstsPolicy asks browsers to use HTTPS only for a year. It is sent when
// COOKIE_SECURE is on (the site is served over HTTPS); without
// includeSubDomains, since other sites of the organisation's domain may
// not be on HTTPS.
const hstsPolicy = "max-age=31536000"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	if s.cfg.CookieSecure {
		c.Set(fiber.HeaderStrictTransportSecurity, hstsPolicy)
	}
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	return c.Next()
}

// withLang fixes the language of a /{lang}/… group and remembers it.
func (s *Server) withLang(lang string) fiber.Handler {
	t := s.bundle.For(lang)
	return func(c *fiber.Ctx) error {
		c.Locals(localsTranslator, t)
		if c.Cookies(langCookie) != lang {
			c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
				SameSite: fiber.CookieSameSiteLaxMode, Secure: s.cfg.CookieSecure, HTTPOnly: true})
		}
		return c.Next()
	}
}

// translator returns the request's translator (Vietnamese outside /{lang}).
func translator(c *fiber.Ctx) *locale.Translator {
	if t, ok := c.Locals(localsTranslator).(*locale.Translator); ok {
		return t
	}
	return nil
}

// langOf returns the request's language.
func langOf(c *fiber.Ctx) string {
	if t := translator(c); t != nil {
		return t.Lang
	}
	return locale.Default
}

// negotiateLang picks a language for a page outside /{lang} (the path
// decides there): by cookie, then Accept-Language with its weights
// (locale.FromAcceptLanguage), then Vietnamese (gitea
// modules/web/middleware/locale.go).
func negotiateLang(c *fiber.Ctx) string {
	if l := c.Cookies(langCookie); locale.IsSupported(l) {
		return l
	}
	return locale.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
}

// loadSession resolves the staff session cookie, if any. A request
// authenticated by an API token is not a session's: its cookie is ignored.
func (s *Server) loadSession(c *fiber.Ctx) error {
	tok := c.Cookies(sessionCookie)
	if tok == "" || apiCallerOf(c) != nil {
		return c.Next()
	}
	u, err := user.Resolve(c.UserContext(), s.db, tok, s.cfg.SessionIdle, s.now())
	if err != nil {
		return err
	}
	if u != nil {
		c.Locals(localsUser, u)
		// Staff pages carry personal data: never cache them.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// currentUser returns the signed-in staff member or nil.
func currentUser(c *fiber.Ctx) *user.User {
	u, _ := c.Locals(localsUser).(*user.User)
	return u
}

// requireRole lets through staff holding any of roles; others go to the
// login page (no session) or get 403.
func (s *Server) requireRole(roles ...user.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			if strings.HasPrefix(c.Path(), "/api/") {
				return apperr.New(apperr.Forbidden, "error.login_required")
			}
			next := c.OriginalURL()
			return c.Redirect("/"+langOf(c)+"/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
		}
		if len(roles) > 0 && !u.Has(roles...) {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Next()
	}
}

// staffScope is the signed-in staff member's part of the programme (the
// whole programme without a session).
func staffScope(c *fiber.Ctx) scope.Scope { return currentUser(c).Scope() }

// eventInScope refuses a session outside the staff member's scope (issue
// 20) on every route under /staff/events/{id} and /api/v1/events/{id}: one
// check for every page, form and API call about a session, before the
// route's own role and object checks. Without a session it lets the route
// answer (the login page, or 403 for the API); global accounts cost no
// query.
func (s *Server) eventInScope(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil || u.Scope().IsGlobal() {
		return c.Next()
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ok, err := event.InScope(c.UserContext(), s.db, id, u.Scope())
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "error.scope.outside")
	}
	return c.Next()
}

// rateLimit counts a hit on key in the database and refuses with 429 when
// over the limit.
func (s *Server) rateLimit(ctx context.Context, c *fiber.Ctx, key string, l dbstate.Limit) error {
	return s.rateLimitAll(ctx, c, dbstate.Counter{Key: key, Limit: l})
}

// rateLimitAll counts a hit on every counter in one statement and refuses
// with 429 when any is over its limit.
func (s *Server) rateLimitAll(ctx context.Context, c *fiber.Ctx, counters ...dbstate.Counter) error {
	ok, retry, err := dbstate.HitAll(ctx, s.db, s.now(), counters...)
	if err != nil {
		return err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	return nil
}

// missLimited runs a lookup of a code someone typed or followed (a ticket, a
// certificate) limited by the failures of the client's address: a lookup
// that finds nothing (apperr.NotFound) counts against l, and an address over
// the limit is refused before looking, found or not. A lookup that succeeds
// writes nothing to the database.
func (s *Server) missLimited(c *fiber.Ctx, key string, l dbstate.Limit, lookup func() error) error {
	ctx := c.UserContext()
	blocked, retry, err := dbstate.Blocked(ctx, s.db, key, l, s.now())
	if err != nil {
		return err
	}
	if blocked {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	err = lookup()
	if apperr.Is(err, apperr.NotFound) {
		if lerr := s.rateLimit(ctx, c, key, l); lerr != nil {
			return lerr
		}
	}
	return err
}

// isDBDown tells whether err comes from an unreachable database: from the
// error itself (the database may be back by the time a ping runs, see
// database.Unavailable), else from a ping, for errors the driver does not
// type (SQLite, a connection closed between two messages).
func (s *Server) isDBDown(ctx context.Context, err error) bool {
	if database.Unavailable(err) {
		return true
	}
	sqlDB, e := s.db.DB()
	if e != nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	return sqlDB.PingContext(ctx) != nil
}
