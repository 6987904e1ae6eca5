package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

// sessionItem is one session in the calendar or the agenda.
type sessionItem struct {
	ID        uint
	Code      string
	Title     string
	Time      string // "18:30–20:30"
	KindLabel string
	Status    string
	Venue     string
	City      string
	Trainers  string
	Seats     string
	Link      string
	Conflict  bool
	Lang      string // the title's language when it is not the page's
}

type calendarDay struct {
	Day     int
	Full    string
	InMonth bool
	Today   bool
	Items   []sessionItem
}

type agendaDay struct {
	Full  string
	Items []sessionItem
}

type schedulePage struct {
	Page
	Staff      bool
	MonthTitle string
	Weekdays   []string
	Weeks      [][]calendarDay
	Days       []agendaDay
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
func (s *Server) scheduleSessions(c *fiber.Ctx, p *schedulePage, f *event.StaffFilter) (url.Values, []event.Event, []sessionItem, error) {
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

// sessionItems builds the items of a list of events, with their trainers on
// staff pages and a conflict flag for overlapping bookings of a trainer or
// a venue among them.
func (s *Server) sessionItems(c *fiber.Ctx, p *schedulePage, events []event.Event) ([]sessionItem, error) {
	t := p.Translator
	var trainers map[uint][]event.TrainerRef
	if p.Staff {
		ids := make([]uint, len(events))
		for i := range events {
			ids[i] = events[i].ID
		}
		var err error
		if trainers, err = event.TrainersOf(c.UserContext(), s.db, ids); err != nil {
			return nil, err
		}
	}
	items := make([]sessionItem, len(events))
	now := s.now()
	for i := range events {
		e := &events[i]
		v := viewEvent(t, e, now)
		it := sessionItem{ID: e.ID, Code: e.Code, Title: v.Title, Time: t.Time(v.Starts) + "–" + t.Time(v.Ends),
			KindLabel: v.KindLabel, Status: string(e.Status), Venue: v.Venue, City: v.City,
			Seats: itoa(e.SeatsTaken) + "/" + itoa(e.Capacity), Link: p.URL("/events/" + itoa(int(e.ID)))}
		if v.FellBack {
			it.Lang = v.ContentLang
		}
		if p.Staff {
			it.Link = p.URL("/staff/events/" + itoa(int(e.ID)))
			var names []string
			for _, tr := range trainers[e.ID] {
				names = append(names, tr.Name)
			}
			it.Trainers = strings.Join(names, ", ")
		}
		items[i] = it
	}
	if p.Staff {
		// Events come in start order: compare each with the later ones that
		// start before it ends.
		for i := range events {
			a := &events[i]
			if a.Status == event.StatusCancelled {
				continue
			}
			for j := i + 1; j < len(events) && events[j].StartsAt.Before(a.EndsAt); j++ {
				b := &events[j]
				if b.Status == event.StatusCancelled {
					continue
				}
				clash := a.VenueID == b.VenueID
				for _, x := range trainers[a.ID] {
					for _, y := range trainers[b.ID] {
						clash = clash || x.UserID == y.UserID
					}
				}
				if clash {
					items[i].Conflict, items[j].Conflict = true, true
				}
			}
		}
	}
	return items, nil
}

func weekdays(t *locale.Translator) []string {
	out := make([]string, 7)
	for i := range out {
		out[i] = t.T("schedule.weekday." + strconv.Itoa(i+1))
	}
	return out
}

// scheduleCalendar is the month calendar: a table on wide screens, a list
// of the days with sessions on a phone.
func (s *Server) scheduleCalendar(c *fiber.Ctx, staff bool) error {
	p := schedulePage{Page: s.page(c, "schedule.title_calendar"), Staff: staff}
	t := p.Translator
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	now := s.now().In(loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	if m, err := time.ParseInLocation("2006-01", c.Query("month"), loc); err == nil && m.Year() >= 2000 && m.Year() <= 2100 {
		first = m
	}
	next := first.AddDate(0, 1, 0)
	f := event.StaffFilter{From: first.UTC(), To: next.UTC()}
	q, events, items, err := s.scheduleSessions(c, &p, &f)
	if err != nil {
		return err
	}
	byDay := map[int][]sessionItem{}
	for i := range events {
		d := events[i].StartsAt.In(loc).Day()
		byDay[d] = append(byDay[d], items[i])
	}
	p.Empty = len(events) == 0
	p.Weekdays = weekdays(t)
	p.Month = first.Format("2006-01")
	p.MonthTitle = t.T("schedule.month."+strconv.Itoa(int(first.Month())), "Year", first.Year())
	// Weeks start on Monday.
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	for day := start; day.Before(next); {
		week := make([]calendarDay, 7)
		for i := range week {
			cd := calendarDay{Day: day.Day(), Full: t.DateFull(day), InMonth: day.Month() == first.Month()}
			cd.Today = day.Year() == now.Year() && day.YearDay() == now.YearDay()
			if cd.InMonth {
				cd.Items = byDay[day.Day()]
			}
			week[i] = cd
			day = day.AddDate(0, 0, 1)
		}
		p.Weeks = append(p.Weeks, week)
	}
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
	now := s.now().In(loc)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if d, err := time.ParseInLocation("2006-01-02", c.Query("from"), loc); err == nil && d.Year() >= 2000 && d.Year() <= 2100 {
		from = d
	}
	to := from.Add(agendaSpan)
	p.From = from.Format("2006-01-02")
	f := event.StaffFilter{From: from.UTC(), To: to.UTC()}
	q, events, items, err := s.scheduleSessions(c, &p, &f)
	if err != nil {
		return err
	}
	for i := range events {
		full := t.DateFull(events[i].StartsAt.In(loc))
		if n := len(p.Days); n == 0 || p.Days[n-1].Full != full {
			p.Days = append(p.Days, agendaDay{Full: full})
		}
		p.Days[len(p.Days)-1].Items = append(p.Days[len(p.Days)-1].Items, items[i])
	}
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
