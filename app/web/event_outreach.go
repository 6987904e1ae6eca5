package web

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/locale"
)

// The forms that write to many people about one session (a message to its
// registrants, an announcement of it) share their shape: a text in each of
// the session's languages, and a "preview" that shows the reach and the
// cost before "send" queues anything.

// sessionTexts are what was typed in each of a session's languages
// (text_<lang>); the domain checks their length.
type sessionTexts struct {
	Texts content.Text `form:"-"`
}

// Text is a language's text as typed, for the template.
func (f sessionTexts) Text(lang string) string { return f.Texts[lang] }

// readSessionTexts reads text_<lang> for each language a session's
// registrants are written to in, copied (Fiber reuses the request's
// memory), and returns those languages.
func (s *Server) readSessionTexts(c *fiber.Ctx, cc string) (sessionTexts, []string, error) {
	langs, err := s.messageLangs(c, cc)
	if err != nil {
		return sessionTexts{}, nil, err
	}
	f := sessionTexts{Texts: content.Text{}}
	for _, l := range langs {
		f.Texts[l] = utils.CopyString(c.FormValue("text_" + l))
	}
	return f, langs, nil
}

// messageLangs are the languages an organiser writes a message to a
// session's registrants in (issue 20): its country's interface languages,
// at most three, else the core ones.
func (s *Server) messageLangs(c *fiber.Ctx, cc string) ([]string, error) {
	home, err := country.ByCode(c.UserContext(), s.db, cc)
	if apperr.Is(err, apperr.NotFound) || (err == nil && len(home.Languages) == 0) {
		return locale.Core, nil
	}
	if err != nil {
		return nil, err
	}
	return home.Languages[:min(3, len(home.Languages))], nil
}

// sendOrPreview is the flow of those forms: "send" without a problem calls
// send and reports sent; otherwise, or when the domain refuses, preview
// fills the page's reach and cost. Every problem lands in errs, beside its
// field or above the form, and the status says whether there was one.
func sendOrPreview(t *locale.Translator, errs FieldErrors, action string, send, preview func() error) (sent bool, status int, err error) {
	if action == "send" && !errs.Any() {
		err := send()
		if err == nil {
			return true, fiber.StatusSeeOther, nil
		}
		if !apperr.Is(err, apperr.Invalid) {
			return false, 0, err
		}
		errs.AddErr(t, err, "_form")
	}
	if !errs.Any() {
		err := preview()
		if apperr.Is(err, apperr.Invalid) {
			errs.AddErr(t, err, "_form")
		} else if err != nil {
			return false, 0, err
		}
	}
	if errs.Any() {
		return false, fiber.StatusUnprocessableEntity, nil
	}
	return false, fiber.StatusOK, nil
}

func newNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
