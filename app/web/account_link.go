package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/user"
)

type accountLinkPage struct {
	Page
	Account *user.User
	Link    string
	SMSSent bool
}

// accountLink makes a one-time set-password link and shows it once to the
// admin, who passes it on; with sms=1 it is also queued by SMS to the staff
// member's phone. The link is never stored: only its hash is.
func (s *Server) accountLink(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	acc, err := user.Get(ctx, s.db, id)
	if err != nil {
		return err
	}
	bySMS := c.FormValue("sms") == "1" && acc.Phone != ""
	var queue user.LinkThen
	if bySMS {
		queue = user.PasswordLinkSMS(func(u *user.User, token string) string {
			return s.bundle.For(u.Lang).T("account.sms_link", "URL", s.cfg.BaseURL+"/"+u.Lang+"/set-password/"+token)
		})
	}
	token, err := user.NewPasswordLink(ctx, s.db, currentUser(c).ID, id, s.now(), queue)
	if err != nil {
		return err
	}
	p := s.page(c, "admin.page.accounts.link")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "admin/account_link", accountLinkPage{
		Page: p, Account: acc, SMSSent: bySMS,
		Link: s.cfg.BaseURL + "/" + acc.Lang + "/set-password/" + token,
	})
}
