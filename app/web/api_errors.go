package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/locale"
)

// Every /api/v1 error has one JSON shape (documented as the Error schema in
// api/openapi.yaml):
//
//	{"error": {"code": "stable_code", "message": "translated message"}}
//
// code is what partners' programs switch on: it is written here, not derived
// from the message's i18n key, so rewording or renaming a message never
// changes it. An error without a code of its own gets the code of its HTTP
// status (statusCodes). message speaks the language of ?lang= when it is
// vi, fr or en, else the first of those Accept-Language prefers, else
// Vietnamese.

// apiCodes gives the errors API clients may want to tell apart their own
// stable code. TestAPIErrorCodesDocumented keeps it and the document's enum
// the same.
var apiCodes = map[string]string{
	"error.api.bad_lang":            "bad_lang",
	"error.api.bad_kind":            "bad_kind",
	"error.api.bad_page":            "bad_page",
	"error.api.token_invalid":       "token_invalid",
	"error.api.scope_missing":       "scope_missing",
	"error.api.rate_limited":        "rate_limited",
	"error.login_required":          "login_required",
	"error.csrf":                    "csrf_invalid",
	"error.bad_text":                "bad_text",
	"error.event.not_found":         "event_not_found",
	"error.checkin.not_assigned":    "not_assigned",
	"error.checkin.bad_batch":       "bad_batch",
	"error.checkin.batch_too_large": "batch_too_large",
	"error.dashboard.bad_date":      "bad_date",
	"error.dashboard.bad_range":     "bad_range",
	"error.dashboard.bad_partner":   "bad_partner",
	"error.register.sms_token":      "sms_token_invalid",
	"error.api.bad_signature":       "bad_signature",
}

// statusCodes is the code of an error that has none of its own.
var statusCodes = map[int]string{
	fiber.StatusBadRequest:            "bad_request",
	fiber.StatusUnauthorized:          "unauthorized",
	fiber.StatusForbidden:             "forbidden",
	fiber.StatusNotFound:              "not_found",
	fiber.StatusMethodNotAllowed:      "method_not_allowed",
	fiber.StatusRequestTimeout:        "timeout",
	fiber.StatusConflict:              "conflict",
	fiber.StatusRequestEntityTooLarge: "too_large",
	fiber.StatusUnprocessableEntity:   "invalid",
	fiber.StatusTooManyRequests:       "rate_limited",
	fiber.StatusInternalServerError:   "internal",
	fiber.StatusServiceUnavailable:    "unavailable",
}

// apiErrorCode is the stable code of an error's key and status.
func apiErrorCode(key string, status int) string {
	if code, ok := apiCodes[key]; ok {
		return code
	}
	if code, ok := statusCodes[status]; ok {
		return code
	}
	if status < 500 {
		return "bad_request"
	}
	return "internal"
}

// apiErrorLang is the language of an API error message.
func apiErrorLang(c *fiber.Ctx) string {
	if l := c.Query("lang"); locale.IsSupported(l) {
		return l
	}
	return locale.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
}

// apiErrorBody is the JSON of an API error.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError writes an /api/v1 error (handleError has chosen its status and
// message key, and logged it when internal).
func (s *Server) apiError(c *fiber.Ctx, _ error, status int, key string, args map[string]any) error {
	t := s.bundle.For(apiErrorLang(c))
	c.Locals(localsTranslator, t)
	if status == fiber.StatusUnauthorized {
		// RFC 6750: the token sent is not (or no longer) valid.
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="lantern", error="invalid_token"`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Status(status).JSON(apiErrorBody{Error: apiErrorDetail{Code: apiErrorCode(key, status), Message: t.TMap(key, args)}})
}
