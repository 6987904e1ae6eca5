package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
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

// pricesOf are a country's prices (an SMS segment, a Zalo message) and the
// name of its currency in the page's language, for the previews of what a
// session's messages cost (issue 20).
func (s *Server) pricesOf(c *fiber.Ctx, t *locale.Translator, cc string) (message.Prices, string, error) {
	p, cur, err := message.PricesIn(c.UserContext(), s.db, cc,
		message.Prices{SMSSegment: s.cfg.SMSCostPerSegment, ZaloMessage: s.cfg.ZaloCostPerMessage})
	return p, currencyName(t, cur), err
}

// currencyName is a currency as people say it in a language ("đồng" in
// Vietnamese), else its ISO code.
func currencyName(t *locale.Translator, code string) string {
	if s := t.T("currency." + code); s != "currency."+code {
		return s
	}
	return code
}
