package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/user"
)

type passwordSetForm struct {
	Password string `form:"password" validate:"required,max=200" label:"account.password_new"`
	Confirm  string `form:"confirm" validate:"required,max=200" label:"account.password_confirm"`
}

type passwordSetPage struct {
	Page
	Account *user.User
	Errors  FieldErrors
}

// passwordSetForm shows the one-time set-password page of a link.
func (s *Server) passwordSetForm(c *fiber.Ctx) error {
	token := utils.CopyString(c.Params("token"))
	u, err := user.UserForToken(c.UserContext(), s.db, token, s.now())
	if err != nil {
		return err
	}
	p := s.page(c, "admin.page.set_password.title")
	p.NoIndex = true
	return s.render(c, fiber.StatusOK, "staff/set_password", passwordSetPage{Page: p, Account: u, Errors: FieldErrors{}})
}

// passwordSetSubmit sets the password, spends the link and signs the person in.
func (s *Server) passwordSetSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := utils.CopyString(c.Params("token"))
	// Guessing links is slowed down per address; only unknown or spent
	// links count, so a room of new staff setting their passwords through
	// one Wi-Fi is never stopped.
	key := throttleKey{"setpw:ip:" + s.clientIP(c), throttleAddr}
	wait, err := s.attempt(ctx, key)
	if err != nil {
		return err
	}
	if wait > 0 {
		tooEarly(c, translator(c), wait)
		return apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	acc, err := user.UserForToken(ctx, s.db, token, s.now())
	if err != nil {
		return err
	}
	if err := s.attemptSucceeded(ctx, key); err != nil {
		return err
	}
	p := s.page(c, "admin.page.set_password.title")
	p.NoIndex = true
	var f passwordSetForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	errs := s.check(p.Translator, &f)
	if !errs.Any() && f.Password != f.Confirm {
		errs.Add("confirm", p.T("error.account.password_mismatch"))
	}
	if !errs.Any() {
		if key := user.CheckPasswordStrength(f.Password, acc.Email); key != "" {
			errs.Add("password", p.T(key))
		}
	}
	if errs.Any() {
		return s.render(c, fiber.StatusUnprocessableEntity, "staff/set_password", passwordSetPage{Page: p, Account: acc, Errors: errs})
	}
	u, err := user.SetPasswordWithToken(ctx, s.db, token, f.Password, s.now())
	if apperr.Is(err, apperr.Invalid) {
		errs.AddErr(p.Translator, err, "password")
		return s.render(c, fiber.StatusUnprocessableEntity, "staff/set_password", passwordSetPage{Page: p, Account: acc, Errors: errs})
	}
	if err != nil {
		return err
	}
	_ = user.EndSession(ctx, s.db, c.Cookies(sessionCookie))
	sess, err := user.StartSession(ctx, s.db, u.ID, s.now())
	if err != nil {
		return err
	}
	s.setSessionCookie(c, sess)
	return c.Redirect("/"+u.Lang+"/staff/?flash=account_password_set", fiber.StatusSeeOther)
}
