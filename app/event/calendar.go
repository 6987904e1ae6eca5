package event

import (
	"strconv"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/locale"
)

// The calendar and the agenda of sessions, as the schedule pages show them.

// SessionItem is one session in the calendar or the agenda.
type SessionItem struct {
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

// CalendarDay is a day of the month calendar.
type CalendarDay struct {
	Day     int
	Full    string
	InMonth bool
	Today   bool
	Items   []SessionItem
}

// AgendaDay is a day of the agenda that has sessions.
type AgendaDay struct {
	Full  string
	Items []SessionItem
}

// SessionItems builds the items of a list of events (in start order), link
// giving each one's page. With trainers (staff pages) each item names its
// trainers and is flagged when it overlaps another booking of one of them
// or of its venue among the events.
func SessionItems(t *locale.Translator, events []Event, trainers map[uint][]TrainerRef, staff bool, now time.Time, link func(id uint) string) []SessionItem {
	items := make([]SessionItem, len(events))
	for i := range events {
		e := &events[i]
		v := ViewOf(t, e, now)
		it := SessionItem{ID: e.ID, Code: e.Code, Title: v.Title, Time: t.Time(v.Starts) + "–" + t.Time(v.Ends),
			KindLabel: v.KindLabel, Status: string(e.Status), Venue: v.Venue, City: v.City,
			Seats: strconv.Itoa(e.SeatsTaken) + "/" + strconv.Itoa(e.Capacity), Link: link(e.ID)}
		if v.FellBack {
			it.Lang = v.ContentLang
		}
		if staff {
			var names []string
			for _, tr := range trainers[e.ID] {
				names = append(names, tr.Name)
			}
			it.Trainers = strings.Join(names, ", ")
		}
		items[i] = it
	}
	if staff {
		markConflicts(events, trainers, items)
	}
	return items
}

// markConflicts flags the items of events that overlap another booking of
// a trainer or a venue among them. Events come in start order: each is
// compared with the later ones that start before it ends.
func markConflicts(events []Event, trainers map[uint][]TrainerRef, items []SessionItem) {
	for i := range events {
		a := &events[i]
		if a.Status == StatusCancelled {
			continue
		}
		for j := i + 1; j < len(events) && events[j].StartsAt.Before(a.EndsAt); j++ {
			b := &events[j]
			if b.Status == StatusCancelled {
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

// Weekdays are the names of the days of the week, Monday first.
func Weekdays(t *locale.Translator) []string {
	out := make([]string, 7)
	for i := range out {
		out[i] = t.T("schedule.weekday." + strconv.Itoa(i+1))
	}
	return out
}

// CalendarMonth is the first day of the month asked for ("2006-01" in loc),
// else of now's month.
func CalendarMonth(month string, now time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	if m, err := time.ParseInLocation("2006-01", month, loc); err == nil && m.Year() >= 2000 && m.Year() <= 2100 {
		return m
	}
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
}

// AgendaStart is the day asked for ("2006-01-02" in loc), else today.
func AgendaStart(from string, now time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	if d, err := time.ParseInLocation("2006-01-02", from, loc); err == nil && d.Year() >= 2000 && d.Year() <= 2100 {
		return d
	}
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
}

// MonthTitle names first's month ("Tháng 11, 2026").
func MonthTitle(t *locale.Translator, first time.Time) string {
	return t.T("schedule.month."+strconv.Itoa(int(first.Month())), "Year", first.Year())
}

// CalendarWeeks lays out the month that starts at first (in loc) as weeks
// from Monday, each day of the month with its sessions (events and their
// items, in the same order).
func CalendarWeeks(t *locale.Translator, first, now time.Time, loc *time.Location, events []Event, items []SessionItem) [][]CalendarDay {
	now = now.In(loc)
	byDay := map[int][]SessionItem{}
	for i := range events {
		d := events[i].StartsAt.In(loc).Day()
		byDay[d] = append(byDay[d], items[i])
	}
	next := first.AddDate(0, 1, 0)
	var weeks [][]CalendarDay
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	for day := start; day.Before(next); {
		week := make([]CalendarDay, 7)
		for i := range week {
			cd := CalendarDay{Day: day.Day(), Full: t.DateFull(day), InMonth: day.Month() == first.Month()}
			cd.Today = day.Year() == now.Year() && day.YearDay() == now.YearDay()
			if cd.InMonth {
				cd.Items = byDay[day.Day()]
			}
			week[i] = cd
			day = day.AddDate(0, 0, 1)
		}
		weeks = append(weeks, week)
	}
	return weeks
}

// AgendaDays groups the sessions (events and their items, in start order)
// by their day in loc.
func AgendaDays(t *locale.Translator, loc *time.Location, events []Event, items []SessionItem) []AgendaDay {
	var days []AgendaDay
	for i := range events {
		full := t.DateFull(events[i].StartsAt.In(loc))
		if n := len(days); n == 0 || days[n-1].Full != full {
			days = append(days, AgendaDay{Full: full})
		}
		days[len(days)-1].Items = append(days[len(days)-1].Items, items[i])
	}
	return days
}
