package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/report"
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

type messageCostsPage struct {
	Page
	Months []costMonth
	Prices string
}

// messageCosts is the monthly messaging cost page, for the budget: the
// last twelve months by channel and kind, at the configured prices.
func (s *Server) messageCosts(c *fiber.Ctx) error {
	p := s.page(c, "costs.title")
	t := p.Translator
	loc, err := locale.LoadLocation(report.ProgrammeTZ)
	if err != nil {
		return err
	}
	prices := message.Prices{SMSSegment: s.cfg.SMSCostPerSegment, ZaloMessage: s.cfg.ZaloCostPerMessage}
	// A scoped organiser reads their country's messages, at its prices and
	// in its time zone (issue 20).
	home, err := s.staffCountry(c)
	if err != nil {
		return err
	}
	if home != nil {
		loc = home.Location()
		prices = message.Prices{SMSSegment: home.SMSCost, ZaloMessage: home.ZaloCost}
	}
	rows, err := message.MonthlyCosts(c.UserContext(), s.db, s.now().AddDate(0, -11, 0), loc, prices, staffScope(c))
	if err != nil {
		return err
	}
	data := messageCostsPage{Page: p, Prices: t.T("costs.prices", "SMS", p.Number(float64(prices.SMSSegment), 0), "Zalo", p.Number(float64(prices.ZaloMessage), 0))}
	total := 0
	for _, r := range rows {
		if len(data.Months) == 0 || data.Months[len(data.Months)-1].Label != r.Month {
			if len(data.Months) > 0 {
				data.Months[len(data.Months)-1].Cost = p.Number(float64(total), 0)
			}
			data.Months = append(data.Months, costMonth{Label: r.Month})
			total = 0
		}
		m := &data.Months[len(data.Months)-1]
		m.Rows = append(m.Rows, costRow{Channel: t.T("costs.channel." + r.Channel), Kind: t.T("outbox.kind." + r.Kind),
			Messages: r.Messages, Segments: r.Segments, Cost: p.Number(float64(r.Cost), 0)})
		m.Messages += r.Messages
		m.Segments += r.Segments
		total += r.Cost
	}
	if len(data.Months) > 0 {
		data.Months[len(data.Months)-1].Cost = p.Number(float64(total), 0)
	}
	for i := range data.Months {
		month, _ := time.ParseInLocation("2006-01", data.Months[i].Label, loc)
		data.Months[i].Label = t.MonthYear(month)
	}
	return s.render(c, fiber.StatusOK, "messages/costs", data)
}
