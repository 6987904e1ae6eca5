package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/message"
)

// costMonth is one month of the messaging cost page.
type costMonth struct {
	Label    string
	Rows     []costRow
	Messages int
	Segments int
	Cost     string
}

type costRow struct {
	Channel, Kind, Cost string
	Messages, Segments  int
}

// costCountry is one country's part of the cost page, in its currency.
type costCountry struct {
	Name     string
	Currency string
	Prices   string
	Months   []costMonth
}

type messageCostsPage struct {
	Page
	Countries []costCountry
}

// messageCosts is the monthly messaging cost page, for the budget: the
// last twelve months by country, channel and kind, each country's messages
// at its prices and in its currency (issue 20); a scoped organiser reads
// their country's only.
func (s *Server) messageCosts(c *fiber.Ctx) error {
	p := s.page(c, "costs.title")
	t := p.Translator
	countries, err := country.All(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	rates, home := map[string]message.Rate{}, ""
	for _, cn := range countries {
		rates[cn.Code] = message.Rate{Loc: cn.Location(), Prices: message.Prices{SMSSegment: cn.SMSCost, ZaloMessage: cn.ZaloCost}}
		if cn.IsDefault {
			home = cn.Code
		}
	}
	rows, err := message.MonthlyCosts(c.UserContext(), s.db, s.now().AddDate(0, -11, 0), rates, home, staffScope(c))
	if err != nil {
		return err
	}
	data := messageCostsPage{Page: p}
	for _, cn := range countries {
		var mine []message.CostRow
		for _, r := range rows {
			if r.Country == cn.Code {
				mine = append(mine, r)
			}
		}
		if len(mine) == 0 {
			continue
		}
		cur := cn.Currency
		data.Countries = append(data.Countries, costCountry{Name: cn.Name.String(p.Lang), Currency: cur,
			Prices: t.T("costs.prices", "SMS", p.Number(float64(cn.SMSCost), 0), "Zalo", p.Number(float64(cn.ZaloCost), 0), "Currency", cur),
			Months: costMonths(p, mine, cn.Location())})
	}
	return s.render(c, fiber.StatusOK, "messages/costs", data)
}

// costMonths groups a country's rows by month, with each month's totals.
func costMonths(p Page, rows []message.CostRow, loc *time.Location) []costMonth {
	t := p.Translator
	var out []costMonth
	total := 0
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Label != r.Month {
			if len(out) > 0 {
				out[len(out)-1].Cost = p.Number(float64(total), 0)
			}
			out = append(out, costMonth{Label: r.Month})
			total = 0
		}
		m := &out[len(out)-1]
		m.Rows = append(m.Rows, costRow{Channel: t.T("costs.channel." + r.Channel), Kind: t.T("outbox.kind." + r.Kind),
			Messages: r.Messages, Segments: r.Segments, Cost: p.Number(float64(r.Cost), 0)})
		m.Messages += r.Messages
		m.Segments += r.Segments
		total += r.Cost
	}
	if len(out) > 0 {
		out[len(out)-1].Cost = p.Number(float64(total), 0)
	}
	for i := range out {
		month, _ := time.ParseInLocation("2006-01", out[i].Label, loc)
		out[i].Label = t.MonthYear(month)
	}
	return out
}
