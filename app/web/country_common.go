package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
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
// name of its currency in the page's language; the configured prices in
// VND when the country is not known.
func (s *Server) pricesOf(c *fiber.Ctx, t *locale.Translator, cc string) (message.Prices, string, error) {
	home, err := country.ByCode(c.UserContext(), s.db, cc)
	if apperr.Is(err, apperr.NotFound) || cc == "" {
		return message.Prices{SMSSegment: s.cfg.SMSCostPerSegment, ZaloMessage: s.cfg.ZaloCostPerMessage}, currencyName(t, "VND"), nil
	}
	if err != nil {
		return message.Prices{}, "", err
	}
	return message.Prices{SMSSegment: home.SMSCost, ZaloMessage: home.ZaloCost}, currencyName(t, home.Currency), nil
}

// priceIn is what one SMS segment costs in a country, and the name of its
// currency in the page's language, for the previews of what a session's
// messages cost (issue 20); the configured price in VND when the country
// is not known.
func (s *Server) priceIn(c *fiber.Ctx, t *locale.Translator, cc string) (int, string, error) {
	p, cur, err := s.pricesOf(c, t, cc)
	return p.SMSSegment, cur, err
}

// currencyName is a currency as people say it in a language ("đồng" in
// Vietnamese), else its ISO code.
func currencyName(t *locale.Translator, code string) string {
	if s := t.T("currency." + code); s != "currency."+code {
		return s
	}
	return code
}
