package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/pagecache"
)

// The public pages most people load (events list, event page, calendar, the
// public API) are the same for every anonymous visitor but for the CSRF token
// of the registration form. They are rendered once per public version and
// then served from memory, the token written into its place per visitor:
// on a screening day the site answers at close to static-file speed while
// seat counts stay exact to the poll interval (see app/pagecache).

// csrfPlaceholder stands for the visitor's CSRF token in a cached page. It
// is made of characters html/template leaves alone in attributes.
const csrfPlaceholder = "lantern0csrf0placeholder0b8d1f3"

const localsCacheRender = "lantern.pagecache.render"

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
		version: pagecache.NewVersion(func() (int64, error) { return database.PublicVersion(s.db) }, s.cfg.PageCachePoll,
			func() time.Time { return s.now() }),
		store: pagecache.NewStore(s.cfg.PageCacheTTL, 2000),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lantern_page_cache_total",
			Help: "Anonymous public page requests by cache result (hit, miss, bypass).",
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
	version, ok := pc.version.Current()
	if !ok {
		pc.results.WithLabelValues("bypass").Inc()
		return c.Next()
	}
	key := string(c.Request().URI().RequestURI())
	if e := pc.store.Get(key, version, s.now()); e != nil {
		pc.results.WithLabelValues("hit").Inc()
		return s.writeCached(c, e)
	}
	pc.results.WithLabelValues("miss").Inc()

	// Render with the placeholder instead of a token; on an error the error
	// page is rendered later, outside this mode.
	cookiesBefore := responseCookies(c)
	c.Locals(localsCacheRender, true)
	err := c.Next()
	c.Locals(localsCacheRender, nil)
	if err != nil {
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
		switch string(k) {
		case fiber.HeaderContentLength, fiber.HeaderDate, fiber.HeaderServer, fiber.HeaderXRequestID, fiber.HeaderSetCookie:
			return
		case fiber.HeaderCacheControl:
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
	return s.writeCached(c, e)
}

// writeCached writes an entry, with the visitor's CSRF token where the page
// has a form.
func (s *Server) writeCached(c *fiber.Ctx, e *pagecache.Entry) error {
	token := ""
	if len(e.Parts) > 1 {
		token = s.csrfToken(c)
	}
	c.Status(e.Status)
	for _, h := range e.Header {
		c.Set(h[0], h[1])
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

// expirePublicVersion makes this instance read the public version again
// after it changed something, so the next page it serves shows the change.
func (s *Server) expirePublicVersion(c *fiber.Ctx) error {
	err := c.Next()
	if s.pageCache != nil && !isSafeMethod(c.Method()) {
		s.pageCache.version.Expire()
	}
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
