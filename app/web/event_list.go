package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

type filterOption struct {
	Value    string
	Label    string
	Selected bool
}

type eventListPage struct {
	Page
	Upcoming []eventView
	Past     []eventView
	Cities   []filterOption
	Kinds    []filterOption
	Filtered bool
	PageNum  int
	PrevURL  string
	NextURL  string
	// Feed is the calendar feed of the list's filter (city and kind).
	Feed feedLinks
}

// eventList shows published events, upcoming first, filterable by city and kind.
func (s *Server) eventList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "page.events.title")
	p.Switch = locale.Supported // the list spans every country: all languages
	t := p.Translator
	cities, err := event.Cities(ctx, s.db)
	if err != nil {
		return err
	}
	f := event.ListFilter{Limit: event.DefaultPageSize}
	data := eventListPage{Page: p}
	cityCode := c.Query("city")
	for _, ct := range cities {
		sel := ct.Code == cityCode
		if sel {
			f.CityID = ct.ID
		}
		data.Cities = append(data.Cities, filterOption{Value: ct.Code, Label: ct.Name.String(t.Lang), Selected: sel})
	}
	kind := c.Query("kind")
	for _, k := range event.Kinds {
		sel := string(k) == kind
		if sel {
			f.Kind = k
		}
		data.Kinds = append(data.Kinds, filterOption{Value: string(k), Label: t.T("kind." + string(k)), Selected: sel})
	}
	data.Filtered = f.CityID != 0 || f.Kind != ""
	data.PageNum = c.QueryInt("page", 1)
	if data.PageNum < 1 || data.PageNum > 10000 {
		data.PageNum = 1
	}
	f.Offset = (data.PageNum - 1) * f.Limit
	// One more row than a page tells whether there is a next page.
	f.Limit++
	events, err := event.ListCards(ctx, s.db, f, t.Lang, s.now())
	if err != nil {
		return err
	}
	more := len(events) == f.Limit
	if more {
		events = events[:len(events)-1]
	}
	now := s.now()
	for i := range events {
		v := viewCard(t, &events[i], now)
		if v.Past {
			data.Past = append(data.Past, v)
		} else {
			data.Upcoming = append(data.Upcoming, v)
		}
	}
	q := func(page int) string {
		u := p.URL("/events?page=") + itoa(page)
		if cityCode != "" && f.CityID != 0 {
			u += "&city=" + cityCode
		}
		if f.Kind != "" {
			u += "&kind=" + string(f.Kind)
		}
		return u
	}
	ff := feedFilter{Kind: f.Kind}
	if f.CityID != 0 {
		ff.CityCode = cityCode
	}
	data.Feed = s.feedLinksFor(t.Lang, ff)
	if data.PageNum > 1 {
		data.PrevURL = q(data.PageNum - 1)
	}
	if more {
		data.NextURL = q(data.PageNum + 1)
	}
	return s.render(c, fiber.StatusOK, "events/list", data)
}
