package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/user"
)

type profileLangForm struct {
	Lang string `form:"lang" validate:"required,lang" label:"account.lang"`
}

type profilePasswordForm struct {
	Current  string `form:"current" validate:"required,max=200" label:"account.password_current"`
	Password string `form:"password" validate:"required,max=200" label:"account.password_new"`
	Confirm  string `form:"confirm" validate:"required,max=200" label:"account.password_confirm"`
}

type profilePage struct {
	Page
	// Chosen is the language the staff member chose (the page's own,
	// Page.Lang, is the URL's).
	Chosen string
	Errors FieldErrors
}

// profile shows every staff member their own account: interface language
// and password.
func (s *Server) profile(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "staff/profile", profilePage{Page: s.page(c, "admin.page.profile.title"), Chosen: currentUser(c).Lang, Errors: FieldErrors{}})
}

// profileLang changes the interface language and continues in it.
func (s *Server) profileLang(c *fiber.Ctx) error {
	p := s.page(c, "admin.page.profile.title")
	var f profileLangForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	if errs := s.check(p.Translator, &f); errs.Any() {
		return s.render(c, fiber.StatusUnprocessableEntity, "staff/profile", profilePage{Page: p, Chosen: currentUser(c).Lang, Errors: errs})
	}
	if err := user.SetLang(c.UserContext(), s.db, currentUser(c).ID, f.Lang); err != nil {
		return err
	}
	return c.Redirect("/"+f.Lang+"/staff/profile?flash=account_lang_saved", fiber.StatusSeeOther)
}

// profilePassword changes the staff member's password: every session ends
// (other devices are signed out) and this device gets a new one.
func (s *Server) profilePassword(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	p := s.page(c, "admin.page.profile.title")
	var f profilePasswordForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	errs := s.check(p.Translator, &f)
	if !errs.Any() && f.Password != f.Confirm {
		errs.Add("confirm", p.T("error.account.password_mismatch"))
	}
	status := fiber.StatusUnprocessableEntity
	if !errs.Any() {
		// Guesses of the current password (from a session left open) are
		// slowed down per account and address, like sign-ins; failed
		// sign-ins elsewhere do not stop the owner here.
		key := throttleKey{"password:acct-ip:" + itoa(int(u.ID)) + "|" + s.clientIP(c), throttleAccountAddr}
		wait, err := s.attempt(ctx, key)
		if err != nil {
			return err
		}
		if wait > 0 {
			errs.Add("current", tooEarly(c, p.Translator, wait))
			status = fiber.StatusTooManyRequests
		} else {
			err := user.ChangePassword(ctx, s.db, u.ID, f.Current, f.Password)
			if !apperr.Is(err, apperr.Invalid) || apperr.KeyOf(err) != "error.account.current_wrong" {
				if err := s.attemptSucceeded(ctx, key); err != nil {
					return err
				}
			}
			switch {
			case apperr.Is(err, apperr.Invalid) && apperr.KeyOf(err) == "error.account.current_wrong":
				errs.Add("current", p.T("error.account.current_wrong"))
			case apperr.Is(err, apperr.Invalid):
				errs.Add("password", p.T(apperr.KeyOf(err)))
			case err != nil:
				return err
			}
		}
	}
	if errs.Any() {
		return s.render(c, status, "staff/profile", profilePage{Page: p, Chosen: u.Lang, Errors: errs})
	}
	token, err := user.StartSession(ctx, s.db, u.ID, s.now())
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	return c.Redirect(p.URL("/staff/profile?flash=account_password_changed"), fiber.StatusSeeOther)
}
