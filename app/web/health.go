package web

import (
	"log/slog"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/database"
)

// healthz answers while the process runs.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 only when the database answers.
func (s *Server) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if err := database.Ping(c.UserContext(), s.db); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "down"})
	}
	return c.JSON(fiber.Map{"status": "ok", "database": "up"})
}

// logPanic logs a recovered panic with its stack; the person sees the
// translated error page from handleError.
func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", slog.String("request_id", requestIDOf(c)), slog.String("route", c.Route().Path),
		slog.Any("panic", e), slog.String("stack", string(debug.Stack())))
}

// rootRedirect sends / to the visitor's language.
func (s *Server) rootRedirect(c *fiber.Ctx) error {
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	return c.Redirect("/"+negotiateLang(c)+"/events", fiber.StatusFound)
}

// homeRedirect sends /{lang}/ to the events list.
func (s *Server) homeRedirect(c *fiber.Ctx) error {
	return c.Redirect("/"+langOf(c)+"/events", fiber.StatusFound)
}
