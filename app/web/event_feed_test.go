package web

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// feedOf fetches a feed, checks its iCalendar framing (CRLF line ends, no
// bare CR or LF, lines folded at 75 octets) and parses it back with
// golang-ical.
func feedOf(t *testing.T, c *client, path string) *ics.Calendar {
	t.Helper()
	resp := c.get(path)
	body := bodyOf(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.500s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasSuffix(body, "\r\n") {
		t.Errorf("the feed does not end with CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets long: %q", i+1, len(l), l)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return cal
}

// calProp is a calendar property's value and parameters, by name.
func calProp(cal *ics.Calendar, name string) (string, map[string][]string) {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return p.Value, p.ICalParameters
		}
	}
	return "", nil
}

func feedUIDs(cal *ics.Calendar) []string {
	var out []string
	for _, e := range cal.Events() {
		out = append(out, e.Id())
	}
	sort.Strings(out)
	return out
}

func uidOf(ids ...uint) []string {
	var out []string
	for _, id := range ids {
		out = append(out, "event-"+itoa(int(id))+"@lantern")
	}
	sort.Strings(out)
	return out
}

// TestEventsFeed: the calendar feed holds the published sessions (and those
// cancelled after publication, marked so), not drafts nor sessions long
// past; it filters by city and kind, names itself in the page's language,
// asks calendar apps to refresh it, reads back with golang-ical, is served
// from the page cache, and the events page links to it with webcal://.
func TestEventsFeed(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		ta.setNow(now)
		film := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 48 * time.Hour})
		workshop := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 120 * time.Hour, Kind: event.KindAuthorityWorkshop,
			Titles: map[string]string{"vi": "Hội thảo", "fr": "Atelier\r\n: droits, enfants; familles"}})
		draft := testutil.Event(t, db, testutil.EventOpts{Now: now, Status: event.StatusDraft})
		cancelled := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 72 * time.Hour, Status: event.StatusCancelled})
		old := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -120 * 24 * time.Hour})
		if err := db.Exec("UPDATE events SET published_at = ? WHERE id IN ?", now.Add(-24*time.Hour), []uint{film.ID, workshop.ID, cancelled.ID, old.ID}).Error; err != nil {
			t.Fatal(err)
		}
		var cityCode string
		db.Raw("SELECT code FROM cities WHERE id = ?", film.Venue.CityID).Scan(&cityCode)
		c := ta.client()

		cal := feedOf(t, c, "/fr/events/calendar.ics")
		if got, want := feedUIDs(cal), uidOf(film.ID, workshop.ID, cancelled.ID); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("events %v, want %v (not the draft %d nor the old %d)", got, want, draft.ID, old.ID)
		}
		if v, params := calProp(cal, "REFRESH-INTERVAL"); v != "PT1H" || strings.Join(params["VALUE"], "") != "DURATION" {
			t.Errorf("REFRESH-INTERVAL = %q %v", v, params)
		}
		if v, _ := calProp(cal, "X-PUBLISHED-TTL"); v != "PT1H" {
			t.Errorf("X-PUBLISHED-TTL = %q", v)
		}
		if v, _ := calProp(cal, "X-WR-CALNAME"); v != "Lantern : événements" {
			t.Errorf("X-WR-CALNAME = %q", v)
		}
		if v, _ := calProp(cal, "METHOD"); v != "PUBLISH" {
			t.Errorf("METHOD = %q", v)
		}
		for _, e := range cal.Events() {
			status := e.GetProperty(ics.ComponentPropertyStatus).Value
			summary := e.GetProperty(ics.ComponentPropertySummary).Value
			switch e.Id() {
			case uidOf(cancelled.ID)[0]:
				if status != "CANCELLED" {
					t.Errorf("cancelled session: STATUS %q", status)
				}
			case uidOf(workshop.ID)[0]:
				if summary != "Atelier\n: droits, enfants; familles" || status != "CONFIRMED" {
					t.Errorf("workshop: %q %q", summary, status)
				}
				if start, err := e.GetStartAt(); err != nil || !start.Equal(workshop.StartsAt.Truncate(time.Second)) {
					t.Errorf("workshop starts %v %v", start, err)
				}
			case uidOf(film.ID)[0]:
				if summary != "Projection : La promesse" {
					t.Errorf("film: %q", summary)
				}
			}
		}

		// Filters.
		if got := feedUIDs(feedOf(t, c, "/en/events/calendar.ics?city="+cityCode)); strings.Join(got, " ") != uidOf(film.ID)[0] {
			t.Errorf("city filter: %v", got)
		}
		if got := feedUIDs(feedOf(t, c, "/en/events/calendar.ics?kind=authority_workshop")); strings.Join(got, " ") != uidOf(workshop.ID)[0] {
			t.Errorf("kind filter: %v", got)
		}
		both := feedOf(t, c, "/vi/events/calendar.ics?city="+cityCode+"&kind=authority_workshop")
		if len(both.Events()) != 0 {
			t.Errorf("city and kind: %v", feedUIDs(both))
		}
		if v, _ := calProp(both, "X-WR-CALNAME"); !strings.HasPrefix(v, "Lantern: sự kiện (Phan Thiết, ") {
			t.Errorf("filtered name = %q", v)
		}
		for _, bad := range []string{"?city=NOPE", "?kind=party"} {
			if resp := c.get("/en/events/calendar.ics" + bad); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
			}
		}

		// Served from the page cache like the public pages.
		hits := ta.cacheCount("hit")
		feedOf(t, c, "/fr/events/calendar.ics")
		if ta.cacheCount("hit") != hits+1 {
			t.Error("the second request of the feed was not served from the page cache")
		}
		// The per-event file stays.
		if resp := c.get("/fr/events/" + itoa(int(film.ID)) + "/calendar.ics"); resp.StatusCode != http.StatusOK {
			t.Errorf("per-event file: %d", resp.StatusCode)
		}

		// The events page links to the feed of its filter.
		doc := c.page("/fr/events?city="+cityCode+"&kind=film_debate", http.StatusOK)
		wantWebcal := "webcal://lantern.test/fr/events/calendar.ics?city=" + cityCode + "&kind=film_debate"
		if doc.Find(`a[href="`+wantWebcal+`"]`).Length() != 1 {
			href, _ := doc.Find(".feed-links a").First().Attr("href")
			t.Errorf("no webcal link %q on the events page (first feed link: %q)", wantWebcal, href)
		}
		if doc.Find(`a[href="http://lantern.test/fr/events/calendar.ics?city=`+cityCode+`&kind=film_debate"]`).Length() != 1 {
			t.Error("no https feed link on the events page")
		}
		doc = c.page("/en/events", http.StatusOK)
		if doc.Find(`a[href="webcal://lantern.test/en/events/calendar.ics"]`).Length() != 1 {
			t.Error("no webcal link on the unfiltered events page")
		}
	})
}
