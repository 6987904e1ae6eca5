package web

import (
	"errors"
	"log/slog"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
)

var statusOf = map[apperr.Kind]int{
	apperr.NotFound:     fiber.StatusNotFound,
	apperr.Invalid:      fiber.StatusUnprocessableEntity,
	apperr.Conflict:     fiber.StatusConflict,
	apperr.Forbidden:    fiber.StatusForbidden,
	apperr.Unauthorized: fiber.StatusUnauthorized,
	apperr.RateLimited:  fiber.StatusTooManyRequests,
	apperr.Unavailable:  fiber.StatusServiceUnavailable,
	apperr.Internal:     fiber.StatusInternalServerError,
}

type errorPage struct {
	Page
	Status  int
	Message string
	Hint    string // what to do now
}

// errorHint is the key of what a person can do after an error: staff who
// lack a role are told whom to ask, a visitor on a staff page to sign in,
// a stale form to reload.
func errorHint(status int, key string, signedIn bool) string {
	switch {
	case key == "error.csrf" || status == fiber.StatusBadRequest:
		return "error.page.bad_request"
	case status == fiber.StatusForbidden && signedIn:
		return "error.page.forbidden_staff"
	case status == fiber.StatusForbidden:
		return "error.page.forbidden_public"
	case status == fiber.StatusNotFound:
		return "error.page.not_found"
	}
	return "error.page.hint"
}

// handleError maps an error to a status once, logs only internal errors
// (with the request id, never the query string or form), and shows a
// translated page — or JSON under /api/.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if to, ok := importTooLargeRedirect(c, err); ok {
		return c.Redirect(to, fiber.StatusSeeOther)
	}
	status := fiber.StatusInternalServerError
	key := "error.internal"
	var args map[string]any
	var fe *fiber.Error
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		status, key, args = statusOf[ae.Kind], ae.Key, ae.Args
	case errors.As(err, &fe):
		status = fe.Code
		switch fe.Code {
		case fiber.StatusNotFound:
			key = "error.not_found"
		case fiber.StatusMethodNotAllowed:
			key = "error.method_not_allowed"
		case fiber.StatusRequestEntityTooLarge:
			key = "error.too_large"
		case fiber.StatusRequestTimeout:
			key = "error.timeout"
		default:
			if fe.Code < 500 {
				key = "error.bad_request"
			}
		}
	}
	if status == fiber.StatusInternalServerError {
		if s.isDBDown(c.UserContext(), err) {
			status, key = fiber.StatusServiceUnavailable, "error.unavailable"
			c.Set(fiber.HeaderRetryAfter, "10")
		}
		s.log.Error("request failed",
			slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Method()),
			slog.String("route", c.Route().Path),
			slog.Int("status", status),
			slog.String("error", err.Error()))
	}
	if isAPI(c) {
		return s.apiError(c, err, status, key, args)
	}
	t := translator(c)
	if t == nil {
		lang := negotiateLang(c)
		// Errors raised before the /{lang} group ran (CSRF, body limit)
		// still speak the language of the URL.
		if l, _, ok := locale.SplitPath(c.Path()); ok {
			lang = l
		}
		t = s.bundle.For(lang)
		c.Locals(localsTranslator, t)
	}
	msg := t.TMap(key, args)
	p := s.page(c, "")
	p.Title = msg
	c.Set(fiber.HeaderCacheControl, "no-store")
	page := errorPage{Page: p, Status: status, Message: msg, Hint: t.T(errorHint(status, key, p.User != nil))}
	if rerr := s.render(c, status, "errors/error", page); rerr != nil {
		return c.Status(status).SendString(msg)
	}
	return nil
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(localsRequestID).(string)
	return id
}

func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= 5 && p[:5] == "/api/"
}

// importUploadPath matches the CSV import's upload: /{lang}/staff/events/{id}/registrations/import.
var importUploadPath = regexp.MustCompile(`^/(vi|fr|en)/staff/events/[0-9]{1,12}/registrations/import$`)

// importTooLargeRedirect: a CSV over the server's body limit is refused
// before any handler runs, which would leave the organiser on a bare "too
// large" page. The upload form says instead what the limit is and what to
// do (split the list), in the language of the page.
func importTooLargeRedirect(c *fiber.Ctx, err error) (string, bool) {
	var fe *fiber.Error
	if c.Method() != fiber.MethodPost || !errors.As(err, &fe) || fe.Code != fiber.StatusRequestEntityTooLarge || !importUploadPath.MatchString(c.Path()) {
		return "", false
	}
	return c.Path() + "?too_large=1", true
}
