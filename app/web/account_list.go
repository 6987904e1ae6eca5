package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/user"
)

type accountListPage struct {
	Page
	Accounts []user.User
	Names    map[uint]string // names by id, for coaches
	// Countries' names by code, in the page's language, for the scopes.
	Countries map[string]string
}

// CountryName is the name of a scope's country.
func (p accountListPage) CountryName(code string) string {
	if n, ok := p.Countries[code]; ok {
		return n
	}
	return code
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
	cs, err := country.All(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	pg := accountListPage{Page: s.page(c, "admin.page.accounts.title"), Names: map[uint]string{}, Countries: map[string]string{}, Accounts: us}
	for _, u := range us {
		pg.Names[u.ID] = u.Name
	}
	for _, x := range cs {
		pg.Countries[x.Code] = x.Name.String(pg.Lang)
	}
	return s.render(c, fiber.StatusOK, "admin/accounts", pg)
}
