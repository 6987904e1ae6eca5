package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/user"
)

// routes declares every route of the site, grouped by audience, with the
// middleware of each group (miniflux internal/ui/ui.go).
func (s *Server) routes(app *fiber.App) {
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(requestID, securityHeaders)
	app.Use(compress.New(compress.Config{
		Level: compress.LevelBestSpeed,
		// Static files are compressed once at start.
		Next: func(c *fiber.Ctx) bool { return len(c.Path()) > 8 && c.Path()[:8] == "/static/" },
	}))

	// ---- Operations ----------------------------------------------------
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/static/*", s.assets.Handler)
	app.Get("/favicon.ico", func(c *fiber.Ctx) error { return c.Redirect(s.assets.URL("img/favicon.svg"), fiber.StatusMovedPermanently) })
	app.Get("/robots.txt", func(c *fiber.Ctx) error { return c.SendString("User-agent: *\nDisallow: /vi/r/\nDisallow: /fr/r/\nDisallow: /en/r/\n") })

	// ---- Public JSON API (partners' sites) ------------------------------
	api := app.Group("/api/v1")
	api.Get("/events", s.apiEventList)
	api.Get("/events/:id<int>", s.apiEventShow)

	// Everything below has CSRF protection and knows the staff session.
	app.Use(s.csrfProtection(), s.loadSession)

	app.Get("/", s.rootRedirect)

	for _, lang := range locale.Supported {
		g := app.Group("/"+lang, s.withLang(lang))

		// ---- Public pages ------------------------------------------
		g.Get("/", s.homeRedirect)
		g.Get("/events", s.eventList)
		g.Get("/events/:id<int>", s.eventShow)
		g.Get("/events/:id<int>/calendar.ics", s.eventICS)

		// ---- Staff sign-in -----------------------------------------
		g.Get("/login", s.loginForm)
		g.Post("/login", s.loginSubmit)
		g.Post("/logout", s.logout)

		// ---- Staff: every signed-in role ---------------------------
		staff := g.Group("/staff", s.requireRole(user.AllRoles...))
		staff.Get("/", s.staffHome)
	}

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
