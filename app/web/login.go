package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

type loginForm struct {
	Email    string `form:"email" validate:"required,email,max=254" label:"form.email"`
	Password string `form:"password" validate:"required,max=200" label:"form.password"`
	Next     string `form:"next"`
}

type loginPage struct {
	Page
	Form   loginForm
	Errors FieldErrors
}

func (s *Server) loginForm(c *fiber.Ctx) error {
	p := s.page(c, "page.login.title")
	if p.User != nil {
		return c.Redirect(p.URL("/staff/"), fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "staff/login", loginPage{Page: p, Form: loginForm{Next: safeNext(c.Query("next"))}, Errors: FieldErrors{}})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "page.login.title")
	var f loginForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Email = textnorm.Clean(f.Email)
	f.Next = safeNext(f.Next)
	errs := s.check(p.Translator, &f)
	again := func(status int) error {
		f.Password = "" // never echo a password back
		return s.render(c, status, "staff/login", loginPage{Page: p, Form: f, Errors: errs})
	}
	if errs.Any() {
		return again(fiber.StatusUnprocessableEntity)
	}
	keys := loginThrottleKeys(user.NormaliseEmail(f.Email), s.clientIP(c))
	wait, err := s.attempt(ctx, keys...)
	if err != nil {
		return err
	}
	if wait > 0 {
		errs.Add("_form", tooEarly(c, p.Translator, wait))
		return again(fiber.StatusTooManyRequests)
	}
	u, err := user.Authenticate(ctx, s.db, f.Email, f.Password)
	if apperr.Is(err, apperr.Invalid) {
		// The failure stays counted (attempt counted it in advance).
		errs.Add("_form", p.T("error.login.invalid"))
		return again(fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	if err := s.attemptSucceeded(ctx, keys...); err != nil {
		return err
	}
	// A new session token at every login (rotation); the old one, if any, ends.
	_ = user.EndSession(ctx, s.db, c.Cookies(sessionCookie))
	token, err := user.StartSession(ctx, s.db, u.ID, s.now())
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	s.log.Info("staff login", "user_id", u.ID)
	dest := f.Next
	if dest == "" {
		dest = "/" + u.Lang + "/staff/"
	} else if _, rest, ok := locale.SplitPath(dest); u.Lang != "" && ok && rest != "" {
		// Staff work in their own interface language after login.
		dest = "/" + u.Lang + rest
	}
	return c.Redirect(dest, fiber.StatusSeeOther)
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.cfg.CookieSecure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(user.SessionLifetime.Seconds()),
	})
}

func (s *Server) logout(c *fiber.Ctx) error {
	_ = user.EndSession(c.UserContext(), s.db, c.Cookies(sessionCookie))
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HTTPOnly: true,
		Secure: s.cfg.CookieSecure, SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect("/"+langOf(c)+"/login?flash=logged_out", fiber.StatusSeeOther)
}

// safeNext keeps only local paths of this site as a redirect target.
func safeNext(next string) string {
	next = utils.CopyString(next)
	if len(next) < 4 || len(next) > 300 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	// Browsers drop tabs and other control characters from URLs, so that
	// "/\t/evil.example" would become "//evil.example": refuse them all.
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == ' ' {
			return ""
		}
	}
	return next
}
