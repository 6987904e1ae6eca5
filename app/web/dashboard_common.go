package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/report"
)

// dashboardFilter reads the period and partner of the dashboard, the
// exports, the donor report and the indicators API from a request (query
// string, or form fields of a POST). The error carries a translation key.
func (s *Server) dashboardFilter(c *fiber.Ctx) (report.Filter, error) {
	get := func(k string) string {
		v := c.Query(k)
		if v == "" && c.Method() == fiber.MethodPost {
			v = c.FormValue(k)
		}
		return utils.CopyString(v)
	}
	var pid uint
	if p := get("partner"); p != "" {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return report.Filter{}, apperr.New(apperr.Invalid, "error.dashboard.bad_partner")
		}
		pid = uint(n)
	}
	f, err := report.ParseFilter(get("from"), get("to"), pid)
	// A scoped staff member's figures are their part of the programme's,
	// its dates read in their country's zone.
	f.Scope = staffScope(c)
	home, herr := s.staffCountry(c)
	if herr != nil {
		return f, herr
	}
	if home != nil {
		f.TimeZone = home.TimeZone
	}
	return f, err
}

// filterQuery is the filter as a query string ("" when empty), for links.
func filterQuery(f report.Filter) string {
	v := url.Values{}
	if f.From != "" {
		v.Set("from", f.From)
	}
	if f.To != "" {
		v.Set("to", f.To)
	}
	if f.PartnerID != 0 {
		v.Set("partner", strconv.FormatUint(uint64(f.PartnerID), 10))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// partnerOption is a partner in the filter's list.
type partnerOption struct {
	ID       uint
	Name     string
	Selected bool
}

// dashboardPartners lists the partners for the filter, by name.
func (s *Server) dashboardPartners(c *fiber.Ctx, selected uint, lang string) ([]partnerOption, string, error) {
	rows, err := event.Partners(c.UserContext(), s.db)
	if err != nil {
		return nil, "", err
	}
	out := make([]partnerOption, len(rows))
	chosen := ""
	for i, r := range rows {
		out[i] = partnerOption{ID: r.ID, Name: r.Name.String(lang), Selected: r.ID == selected}
		if r.ID == selected {
			chosen = out[i].Name
		}
	}
	return out, chosen, nil
}

// smallCounts is the rule that hides small counts of people in what leaves
// the organisation (SMALL_COUNT_THRESHOLD).
func (s *Server) smallCounts() report.SmallCounts {
	return report.SmallCounts{Threshold: s.cfg.SmallCountThreshold}
}
