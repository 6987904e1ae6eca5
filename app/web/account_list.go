package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/user"
)

type accountListPage struct {
	Page
	Accounts []user.User
	Names    map[uint]string // names by id, for coaches
}

// CoachName is the name of an account's coach ("" when none).
func (p accountListPage) CoachName(id *uint) string {
	if id == nil {
		return ""
	}
	return p.Names[*id]
}

// accountList shows every staff account (admins only).
func (s *Server) accountList(c *fiber.Ctx) error {
	us, err := user.List(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	names := map[uint]string{}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	return s.render(c, fiber.StatusOK, "admin/accounts", accountListPage{Page: s.page(c, "admin.page.accounts.title"), Accounts: us, Names: names})
}
