package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/country"
)

// homeCountry is the country of a page that belongs to no session (a
// person asking for their data, a staff account's phone, an SMS that came
// in): the one whose first language is the page's, else the default.
// A page about a session reads its region from the session instead.
func (s *Server) homeCountry(c *fiber.Ctx) (*country.Country, error) {
	return country.ForLanguage(c.UserContext(), s.db, langOf(c))
}

// staffCountry is the country a scoped staff member works in, or nil for
// the whole programme: its zone and prices are theirs on the figures pages.
func (s *Server) staffCountry(c *fiber.Ctx) (*country.Country, error) {
	sc := staffScope(c)
	if sc.IsGlobal() {
		return nil, nil
	}
	return country.ByCode(c.UserContext(), s.db, sc.Country)
}
