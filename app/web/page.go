package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/user"
)

// Page is what every template receives: the translator (so templates call
// {{.T "id"}}), the language, the CSRF token, the signed-in staff member and
// the current path for the language switcher. Page types embed it.
type Page struct {
	*locale.Translator
	Title string
	Path  string // the path after /{lang}, with its query, for the switcher
	// csrf makes the CSRF token on first use (see CSRF).
	csrf      func() string
	User      *user.User
	Flash     string
	FlashKind string   // "ok", "warn" or "error"
	Langs     []string // every interface language (locale.Supported), for the forms that choose one
	Switch    []string // the languages the switcher offers on this page (offeredLangs)
	Now       time.Time
	// NoIndex keeps personal pages (tickets) out of search engines.
	NoIndex bool
	// Wide gives the page a wider column (72rem instead of 46rem) for
	// tables of many columns that would be cut on a laptop.
	Wide    bool
	BaseURL string
}

// CSRF is the token forms send back in the field _csrf, made on first use
// (an anonymous visitor's first form also sets the cookie it is bound to).
func (p Page) CSRF() string {
	if p.csrf == nil {
		return ""
	}
	return p.csrf()
}

// URL prefixes a path with the page's language: {{.URL "/events"}} → /vi/events.
func (p Page) URL(path string) string { return "/" + p.Lang + path }

// SwitchURL is the current page in another language.
func (p Page) SwitchURL(lang string) string { return "/" + lang + p.Path }

// AbsURL is an absolute URL of a path in the page's language.
func (p Page) AbsURL(path string) string { return p.BaseURL + "/" + p.Lang + path }

// LangName is a language's name in that language, for the switcher.
func (p Page) LangName(lang string) string { return locale.Name(lang) }

// offerLangs sets the languages the switcher offers: the core ones, the
// page's own, and the extra ones (a session's country's), in the order of
// locale.Supported (docs/DECISIONS.md, "Which languages a page offers").
func (p *Page) offerLangs(extra ...string) {
	p.Switch = offeredLangs(p.Lang, extra...)
}

// LangLabel is the label prefix+lang when the locale has it (the core
// languages' "Name in Vietnamese"), else the language's own name.
func (p Page) LangLabel(prefix, lang string) string {
	if s := p.T(prefix + lang); s != prefix+lang {
		return s
	}
	return locale.Name(lang)
}

func offeredLangs(current string, extra ...string) []string {
	want := map[string]bool{current: true}
	for _, l := range locale.Core {
		want[l] = true
	}
	for _, l := range extra {
		want[l] = true
	}
	out := make([]string, 0, len(want))
	for _, l := range locale.Supported {
		if want[l] {
			out = append(out, l)
		}
	}
	return out
}

// Local converts a UTC time to the programme's time zone for display.
func (p Page) Local(t time.Time, tz string) time.Time { return locale.In(t, tz) }

// Here tells the staff navigation whether the page is under prefix (the
// path after /{lang}, query left out), or is prefix itself when exact.
func (p Page) Here(prefix string, exact bool) bool {
	path, _, _ := strings.Cut(p.Path, "?")
	if exact || path == prefix {
		return path == prefix
	}
	return strings.HasPrefix(path, strings.TrimSuffix(prefix, "/")+"/")
}

// HasRole tells a template whether the staff member holds a role.
func (p Page) HasRole(roles ...string) bool {
	if p.User == nil {
		return false
	}
	rs := make([]user.Role, len(roles))
	for i, r := range roles {
		rs[i] = user.Role(r)
	}
	return p.User.Has(rs...)
}

// warnFlashes are the flash messages that report something not done (shown
// as a warning, not as a success).
var warnFlashes = map[string]bool{"register_waitlisted": true, "checkin_waitlisted": true}

// page builds the Page of the current request.
func (s *Server) page(c *fiber.Ctx, titleKey string) Page {
	t := translator(c)
	p := Page{
		Translator: t,
		Langs:      locale.Supported,
		Switch:     offeredLangs(t.Lang),
		User:       currentUser(c),
		Now:        s.now(),
		BaseURL:    s.cfg.BaseURL,
	}
	p.csrf = func() string {
		if renderingForCache(c) {
			return csrfPlaceholder // the cache writes each visitor's token here
		}
		return s.csrfToken(c)
	}
	if titleKey != "" {
		p.Title = t.T(titleKey)
	}
	rest := c.Path()
	if _, r, ok := locale.SplitPath(rest); ok {
		rest = r
	} else if len(rest) >= 3 {
		rest = rest[3:]
	}
	if q := string(c.Request().URI().QueryString()); q != "" {
		rest += "?" + q
	}
	p.Path = rest
	if f := c.Query("flash"); f != "" && len(f) < 80 && s.bundle.IDs(t.Lang)["flash."+f] {
		// Flash messages travel as an i18n key in the redirect, never as text.
		p.Flash = t.T("flash." + f)
		p.FlashKind = "ok"
		if warnFlashes[f] {
			p.FlashKind = "warn"
		}
	}
	return p
}

// render writes a page with a status.
func (s *Server) render(c *fiber.Ctx, status int, name string, data any) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return s.renderer.Render(c, name, data)
}
