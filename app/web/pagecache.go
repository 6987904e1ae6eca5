package web

import (
	"bytes"
	"context"
	"html"
	"net/textproto"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/pagecache"
)

// The public pages most people load (events list, event page, calendar, the
// public API) are the same for every anonymous visitor but for the CSRF token
// of the registration form. They are rendered once per public version and
// then served from memory, the token written into its place per visitor:
// on a screening day the site answers at close to static-file speed while
// seat counts stay exact to the poll interval (see app/pagecache).
//
// While the database is away, an anonymous visitor gets the last good copy
// of such a page rather than a 503 (stale-if-error), marked as possibly out
// of date: a translated notice at the top of an HTML page, and on every such
// answer (the API's included) the headers Warning: 110 and Age. Forms on it
// still carry a valid token (checking it needs no database); what they post
// answers the translated 503 until the database is back.

// csrfPlaceholder stands for the visitor's CSRF token in a cached page. It
// is made of characters html/template leaves alone in attributes.
const csrfPlaceholder = "lantern0csrf0placeholder0b8d1f3"

const localsCacheRender = "lantern.pagecache.render"

// staleMax is how old a copy may be and still be shown while the database
// is away; older, the page answers 503 like one never cached.
const staleMax = 24 * time.Hour

// versionTimeout bounds the reading of the public version: a database that
// hangs instead of refusing must not hold every anonymous request.
const versionTimeout = 2 * time.Second

// pageCache is the server's cache of anonymous public pages (nil: off).
type pageCache struct {
	version *pagecache.Version
	store   *pagecache.Store
	results *prometheus.CounterVec
}

func (s *Server) newPageCache() *pageCache {
	if !s.cfg.PageCache {
		return nil
	}
	pc := &pageCache{
		version: pagecache.NewVersion(func() (int64, error) {
			ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
			defer cancel()
			return database.PublicVersion(s.db.WithContext(ctx))
		}, s.cfg.PageCachePoll, func() time.Time { return s.now() }),
		store: pagecache.NewStore(s.cfg.PageCacheTTL, 2000),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lantern_page_cache_total",
			Help: "Anonymous public page requests by cache result (hit, miss, bypass, stale: the last good copy shown while the database is away).",
		}, []string{"result"}),
	}
	s.metrics.registry.MustRegister(pc.results)
	return pc
}

// cachedPublic serves a public GET from the page cache when the visitor is
// anonymous, and fills the cache on a miss.
func (s *Server) cachedPublic(c *fiber.Ctx) error {
	pc := s.pageCache
	if pc == nil || c.Method() != fiber.MethodGet || c.Cookies(sessionCookie) != "" {
		// Staff see their own links on public pages: rendered per request.
		return c.Next()
	}
	key := string(c.Request().URI().RequestURI())
	version, ok := pc.version.Current()
	if !ok {
		// The database cannot be read: its last good copy, if there is one.
		if e := pc.store.Stale(key, s.now(), staleMax); e != nil {
			pc.results.WithLabelValues("stale").Inc()
			return s.writeCached(c, e, true)
		}
		pc.results.WithLabelValues("bypass").Inc()
		return c.Next()
	}
	if e := pc.store.Get(key, version, s.now()); e != nil {
		pc.results.WithLabelValues("hit").Inc()
		return s.writeCached(c, e, false)
	}
	pc.results.WithLabelValues("miss").Inc()

	// Render with the placeholder instead of a token; on an error the error
	// page is rendered later, outside this mode.
	cookiesBefore := responseCookies(c)
	c.Locals(localsCacheRender, true)
	err := c.Next()
	c.Locals(localsCacheRender, nil)
	if err != nil {
		// The database went away after the version was read.
		if e := pc.store.Stale(key, s.now(), staleMax); e != nil && s.isDBDown(c.UserContext(), err) {
			pc.results.WithLabelValues("stale").Inc()
			return s.writeCached(c, e, true)
		}
		return err
	}
	resp := c.Response()
	e := &pagecache.Entry{
		Version: version,
		Stored:  s.now(),
		Status:  resp.StatusCode(),
		Parts:   pagecache.Split(append([]byte(nil), resp.Body()...), csrfPlaceholder),
	}
	// A page that set a cookie of its own is someone's, not everyone's.
	// (Cookies set before the handler, such as the language, are the
	// request's and are set again on every request.)
	cacheable := e.Status == fiber.StatusOK && responseCookies(c) == cookiesBefore
	resp.Header.VisitAll(func(k, v []byte) {
		// fasthttp writes names in its own case ("X-Request-Id"), not
		// always Fiber's constants' ("X-Request-ID"): compare canonical forms.
		switch textproto.CanonicalMIMEHeaderKey(string(k)) {
		case "Content-Length", "Date", "Server", "X-Request-Id", "Set-Cookie":
			// The request's own, never another visitor's.
			return
		case "Cache-Control":
			if string(v) == "no-store" {
				cacheable = false
			}
		}
		e.Header = append(e.Header, [2]string{string(k), string(v)})
	})
	if cacheable {
		e.Compress()
		pc.store.Put(key, e)
	}
	return s.writeCached(c, e, false)
}

// writeCached writes an entry, with the visitor's CSRF token where the page
// has a form. A stale entry (the database is away) is marked as possibly out
// of date.
func (s *Server) writeCached(c *fiber.Ctx, e *pagecache.Entry, stale bool) error {
	token := ""
	if len(e.Parts) > 1 {
		token = s.csrfToken(c)
	}
	c.Status(e.Status)
	for _, h := range e.Header {
		c.Set(h[0], h[1])
	}
	if stale {
		age := max(s.now().Sub(e.Stored), 0)
		c.Set(fiber.HeaderAge, strconv.Itoa(int(age.Seconds())))
		c.Set("Warning", `110 - "Response is Stale"`)
		// Not to be kept: the next visit asks again.
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Response().SetBodyRaw(s.staleNotice(c, e, e.Body(token)))
		return nil
	}
	if e.Gzip != nil && c.Request().Header.HasAcceptEncoding("gzip") {
		// Compressed once when stored; the compress middleware leaves a
		// body that already has its encoding.
		c.Set(fiber.HeaderContentEncoding, "gzip")
		c.Vary(fiber.HeaderAcceptEncoding)
		c.Response().SetBodyRaw(e.Gzip)
		return nil
	}
	c.Response().SetBodyRaw(e.Body(token))
	return nil
}

// staleMark is where an HTML page's out-of-date notice goes: the start of
// its main content (views/layouts/base.html).
var staleMark = []byte(`<main id="main">`)

// staleNotice puts the translated notice that the page may be out of date
// (with the time of the copy) at the top of an HTML page's main content.
// Other bodies (JSON, iCalendar) are left as they are: their headers say it.
func (s *Server) staleNotice(c *fiber.Ctx, e *pagecache.Entry, body []byte) []byte {
	t := translator(c)
	i := bytes.Index(body, staleMark)
	if t == nil || i < 0 {
		return body
	}
	at := locale.In(e.Stored, locale.DefaultTimeZone)
	msg := t.T("error.stale_copy", "Time", t.DateShort(at)+" "+t.Time(at))
	notice := `<p class="flash flash-stale" role="status">` + html.EscapeString(msg) + `</p>`
	i += len(staleMark)
	out := make([]byte, 0, len(body)+len(notice))
	out = append(append(append(out, body[:i]...), notice...), body[i:]...)
	return out
}

// expirePublicVersion makes this instance read the public version again
// after it changed something, so the next page it serves shows the change.
func (s *Server) expirePublicVersion(c *fiber.Ctx) error {
	err := c.Next()
	if s.pageCache != nil && !isSafeMethod(c.Method()) {
		s.pageCache.version.Expire()
	}
	s.expireMemos(c)
	return err
}

// renderingForCache tells Page.CSRF to write the placeholder.
func renderingForCache(c *fiber.Ctx) bool {
	v, _ := c.Locals(localsCacheRender).(bool)
	return v
}

// responseCookies is the response's Set-Cookie headers, joined.
func responseCookies(c *fiber.Ctx) string {
	var b []byte
	c.Response().Header.VisitAllCookie(func(k, v []byte) {
		b = append(append(append(b, k...), '\n'), v...)
	})
	return string(b)
}
