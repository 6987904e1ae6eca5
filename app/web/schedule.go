package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

type schedulePage struct {
	Page
	Staff      bool
	MonthTitle string
	Weekdays   []string
	Weeks      [][]event.CalendarDay
	Days       []event.AgendaDay
	Cities     []filterOption
	Kinds      []filterOption
	TrainerOps []filterOption
	Filtered   bool
	Query      string // filters, to keep across month and view links
	PrevURL    string
	NextURL    string
	MonthURL   string
	AgendaURL  string
	FormAction string
	Month      string
	From       string
	Empty      bool
}

// scheduleQuery reads the filters (trainer on staff pages only) into f.
func (s *Server) scheduleQuery(c *fiber.Ctx, p *schedulePage, f *event.StaffFilter) (url.Values, error) {
	q := url.Values{}
	if p.Staff {
		f.Scope = staffScope(c)
	}
	var err error
	p.Cities, p.Kinds, err = s.scheduleFilters(c, p.Page, f, q)
	if err != nil {
		return nil, err
	}
	if p.Staff {
		trainers, err := event.Trainers(c.UserContext(), s.db)
		if err != nil {
			return nil, err
		}
		want := c.Query("trainer")
		for _, u := range trainers {
			id := itoa(int(u.ID))
			sel := id == want
			if sel {
				f.TrainerID = u.ID
				q.Set("trainer", id)
			}
			p.TrainerOps = append(p.TrainerOps, filterOption{Value: id, Label: u.Name, Selected: sel})
		}
	} else {
		f.PublishedOnly = true
	}
	p.Filtered = len(q) > 0
	p.Query = q.Encode()
	return q, nil
}

// scheduleSessions applies the page's filters and loads the sessions of the
// period with their display items (calendar and agenda alike).
func (s *Server) scheduleSessions(c *fiber.Ctx, p *schedulePage, f *event.StaffFilter) (url.Values, []event.Event, []event.SessionItem, error) {
	q, err := s.scheduleQuery(c, p, f)
	if err != nil {
		return nil, nil, nil, err
	}
	events, err := event.Sessions(c.UserContext(), s.db, *f)
	if err != nil {
		return nil, nil, nil, err
	}
	items, err := s.sessionItems(c, p, events)
	return q, events, items, err
}

// sessionItems builds the items of a list of events, with their trainers
// and conflicts on staff pages.
func (s *Server) sessionItems(c *fiber.Ctx, p *schedulePage, events []event.Event) ([]event.SessionItem, error) {
	var trainers map[uint][]event.TrainerRef
	path := "/events/"
	if p.Staff {
		ids := make([]uint, len(events))
		for i := range events {
			ids[i] = events[i].ID
		}
		var err error
		if trainers, err = event.TrainersOf(c.UserContext(), s.db, ids); err != nil {
			return nil, err
		}
		path = "/staff/events/"
	}
	link := func(id uint) string { return p.URL(path + itoa(int(id))) }
	return event.SessionItems(p.Translator, events, trainers, p.Staff, s.now(), link), nil
}

// scheduleCalendar is the month calendar: a table on wide screens, a list
// of the days with sessions on a phone.
func (s *Server) scheduleCalendar(c *fiber.Ctx, staff bool) error {
	p := schedulePage{Page: s.page(c, "schedule.title_calendar"), Staff: staff}
	t := p.Translator
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	first := event.CalendarMonth(c.Query("month"), s.now(), loc)
	next := first.AddDate(0, 1, 0)
	f := event.StaffFilter{From: first.UTC(), To: next.UTC()}
	q, events, items, err := s.scheduleSessions(c, &p, &f)
	if err != nil {
		return err
	}
	p.Empty = len(events) == 0
	p.Weekdays = event.Weekdays(t)
	p.Month = first.Format("2006-01")
	p.MonthTitle = event.MonthTitle(t, first)
	p.Weeks = event.CalendarWeeks(t, first, s.now(), loc, events, items)
	base := "/events/calendar"
	if staff {
		base = "/staff/schedule"
	}
	link := func(path string, month time.Time) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if !month.IsZero() {
			v.Set("month", month.Format("2006-01"))
		}
		if len(v) == 0 {
			return p.URL(path)
		}
		return p.URL(path + "?" + v.Encode())
	}
	p.FormAction = p.URL(base)
	p.PrevURL = link(base, first.AddDate(0, -1, 0))
	p.NextURL = link(base, next)
	if staff {
		p.AgendaURL = link("/staff/schedule/agenda", time.Time{})
	}
	return s.render(c, fiber.StatusOK, "schedule/calendar", p)
}

func (s *Server) staffCalendar(c *fiber.Ctx) error  { return s.scheduleCalendar(c, true) }
func (s *Server) publicCalendar(c *fiber.Ctx) error { return s.scheduleCalendar(c, false) }

// agendaSpan is how far the agenda looks ahead from its start date.
const agendaSpan = 62 * 24 * time.Hour

// staffAgenda lists every session (drafts included) day by day from a date.
func (s *Server) staffAgenda(c *fiber.Ctx) error {
	p := schedulePage{Page: s.page(c, "schedule.title_agenda"), Staff: true}
	t := p.Translator
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	from := event.AgendaStart(c.Query("from"), s.now(), loc)
	to := from.Add(agendaSpan)
	p.From = from.Format("2006-01-02")
	f := event.StaffFilter{From: from.UTC(), To: to.UTC()}
	q, events, items, err := s.scheduleSessions(c, &p, &f)
	if err != nil {
		return err
	}
	p.Days = event.AgendaDays(t, loc, events, items)
	p.Empty = len(events) == 0
	p.MonthTitle = t.T("schedule.agenda_range", "From", t.DateShort(from), "To", t.DateShort(to.Add(-time.Hour)))
	link := func(d time.Time) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("from", d.Format("2006-01-02"))
		return p.URL("/staff/schedule/agenda?" + v.Encode())
	}
	p.PrevURL = link(from.Add(-agendaSpan))
	p.NextURL = link(to)
	p.FormAction = p.URL("/staff/schedule/agenda")
	if p.Query != "" {
		p.MonthURL = p.URL("/staff/schedule?" + p.Query)
	} else {
		p.MonthURL = p.URL("/staff/schedule")
	}
	return s.render(c, fiber.StatusOK, "schedule/agenda", p)
}
