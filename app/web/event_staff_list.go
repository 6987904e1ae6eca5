package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
)

type staffEventRow struct {
	eventView
	StatusLabel string
	Marks       []event.TranslationMark
	Taken       int
}

type staffEventListPage struct {
	Page
	// Upcoming (not ended yet, soonest first) and Past (ended, latest
	// first) are the page's events under their own headings.
	Upcoming []staffEventRow
	Past     []staffEventRow
	Statuses []filterOption
	Kinds    []filterOption
	Cities   []filterOption
	Filtered bool
	PrevURL  string
	NextURL  string
}

// scheduleFilters reads the city, kind (and status) filters shared by the
// staff list, the agenda and the calendar.
func (s *Server) scheduleFilters(c *fiber.Ctx, p Page, f *event.StaffFilter, q url.Values) (cities, kinds []filterOption, err error) {
	t := p.Translator
	cs, err := event.Cities(c.UserContext(), s.db)
	if err != nil {
		return nil, nil, err
	}
	cityCode := c.Query("city")
	for _, ct := range cs {
		if !f.Scope.CoversCity(ct.Country, ct.ID) {
			continue // a scoped account filters among its own cities
		}
		sel := ct.Code == cityCode
		if sel {
			f.CityID = ct.ID
			q.Set("city", ct.Code)
		}
		cities = append(cities, filterOption{Value: ct.Code, Label: ct.Name.String(t.Lang), Selected: sel})
	}
	kind := c.Query("kind")
	for _, k := range event.Kinds {
		sel := string(k) == kind
		if sel {
			f.Kind = k
			q.Set("kind", kind)
		}
		kinds = append(kinds, filterOption{Value: string(k), Label: t.T("kind." + string(k)), Selected: sel})
	}
	return cities, kinds, nil
}

// staffEventList lists every event (drafts included) with filters and pages.
func (s *Server) staffEventList(c *fiber.Ctx) error {
	p := s.page(c, "staff.events.title")
	t := p.Translator
	data := staffEventListPage{Page: p}
	f := event.StaffFilter{Limit: event.DefaultPageSize, Scope: staffScope(c)}
	q := url.Values{}
	var err error
	data.Cities, data.Kinds, err = s.scheduleFilters(c, p, &f, q)
	if err != nil {
		return err
	}
	status := c.Query("status")
	for _, st := range []event.Status{event.StatusDraft, event.StatusPublished, event.StatusCancelled} {
		sel := string(st) == status
		if sel {
			f.Status = st
			q.Set("status", status)
		}
		data.Statuses = append(data.Statuses, filterOption{Value: string(st), Label: t.T("staff.events.status." + string(st)), Selected: sel})
	}
	data.Filtered = len(q) > 0
	pageNum := c.QueryInt("page", 1)
	if pageNum < 1 || pageNum > 10000 {
		pageNum = 1
	}
	f.Offset = (pageNum - 1) * f.Limit
	f.Limit++
	now := s.now()
	events, err := event.ListStaff(c.UserContext(), s.db, f, now)
	if err != nil {
		return err
	}
	more := len(events) == f.Limit
	if more {
		events = events[:len(events)-1]
	}
	for i := range events {
		e := &events[i]
		row := staffEventRow{eventView: viewEvent(t, e, now),
			StatusLabel: t.T("staff.events.status." + string(e.Status)), Marks: e.TranslationMarks(), Taken: e.SeatsTaken}
		// The list comes upcoming first, then past (event.ListStaff).
		if e.Past(now) {
			data.Past = append(data.Past, row)
		} else {
			data.Upcoming = append(data.Upcoming, row)
		}
	}
	link := func(n int) string {
		q.Set("page", itoa(n))
		return p.URL("/staff/events?" + q.Encode())
	}
	if pageNum > 1 {
		data.PrevURL = link(pageNum - 1)
	}
	if more {
		data.NextURL = link(pageNum + 1)
	}
	return s.render(c, fiber.StatusOK, "staffevents/list", data)
}
