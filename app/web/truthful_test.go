package web

// Issue 16, "misleading": past and cancelled things lose their upcoming
// parts, and the venue is said once.

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// upcomingParts lists what a page offers only for a session still ahead.
func upcomingParts(doc *goquery.Document) []string {
	var got []string
	if doc.Find(`a[href$="/calendar.ics"]`).Length() != 0 {
		got = append(got, "add to calendar")
	}
	if doc.Find("#event-seats").Length() != 0 || strings.Contains(doc.Text(), "seats left") {
		got = append(got, "seats left")
	}
	if doc.Find("section.register").Length() != 0 || doc.Find(`form[action$="/register#register"]`).Length() != 0 {
		got = append(got, "registration form")
	}
	return got
}

func TestPastAndCancelledEventPagesHaveNoUpcomingParts(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(staffNow)
		ahead := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 48 * time.Hour, Capacity: 20})
		past := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -5 * 24 * time.Hour, Capacity: 20})
		cancelled := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 48 * time.Hour, Status: event.StatusCancelled})
		c := ta.client()

		doc := c.page("/en/events/"+itoa(int(ahead.ID)), http.StatusOK)
		if got := upcomingParts(doc); len(got) != 3 {
			t.Errorf("an upcoming event shows %v, want seats, calendar and the form", got)
		}
		doc = c.page("/en/events/"+itoa(int(past.ID)), http.StatusOK)
		if got := upcomingParts(doc); len(got) != 0 {
			t.Errorf("a past event still shows %v", got)
		}
		if got := text(doc, "#event-past"); got != "This event has taken place" {
			t.Errorf("past notice = %q", got)
		}
		doc = c.page("/vi/events/"+itoa(int(cancelled.ID)), http.StatusOK)
		if got := upcomingParts(doc); len(got) != 0 {
			t.Errorf("a cancelled event still shows %v", got)
		}
		if !strings.Contains(doc.Text(), "Sự kiện này đã bị hủy") {
			t.Error("the cancelled event does not say so")
		}
	})
}

// cssRules returns the declarations of every rule of css whose selector
// list names sel.
func cssRules(css, sel string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`).FindAllStringSubmatch(css, -1) {
		for _, s := range strings.Split(m[1], ",") {
			if strings.TrimSpace(s) == sel {
				out = append(out, m[2])
			}
		}
	}
	return out
}

func TestCancelledTicketOffersNoCalendarAndKeepsItsStatusReadable(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(staffNow)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 48 * time.Hour})
		live := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		gone := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Status: registration.StatusCancelled})
		c := ta.client()

		doc := c.page("/en/r/"+live.Code, http.StatusOK)
		if doc.Find("#add-to-calendar").Length() != 1 {
			t.Error("a confirmed ticket for an upcoming session offers to add it to the calendar")
		}
		doc = c.page("/en/r/"+gone.Code, http.StatusOK)
		if doc.Find(`a[href$="/calendar.ics"]`).Length() != 0 {
			t.Error("a cancelled ticket offers to add the session to the calendar")
		}
		if got := text(doc, ".ticket-cancelled .status"); got != "This registration is cancelled" {
			t.Errorf("status = %q", got)
		}
		if doc.Find(`form[action="/en/r/`+gone.Code+`/restore"] button`).Length() != 1 {
			t.Error("a cancelled ticket of an open session must still offer to register again")
		}
		// The status says "cancelled": striking it through would say the
		// opposite.
		href, _ := doc.Find(`link[rel=stylesheet]`).First().Attr("href")
		if href == "" {
			t.Fatal("no stylesheet")
		}
		css := bodyOf(t, c.get(href))
		if len(cssRules(css, ".ticket-cancelled .code")) == 0 {
			t.Fatalf("stylesheet %s has no rule for a cancelled ticket", href)
		}
		for _, r := range cssRules(css, ".ticket-cancelled .status") {
			if strings.Contains(r, "line-through") {
				t.Errorf("a cancelled ticket's status is struck through: {%s}", r)
			}
		}

		// A past session: no calendar on a confirmed ticket either.
		old := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -3 * 24 * time.Hour})
		was := testutil.Registration(t, db, old.ID, testutil.RegistrationOpts{})
		if doc := c.page("/en/r/"+was.Code, http.StatusOK); doc.Find(`a[href$="/calendar.ics"]`).Length() != 0 {
			t.Error("a ticket of a past session offers to add it to the calendar")
		}
	})
}

func TestAttendanceFiguresBeforeTheSessionSayItHasNotTakenPlace(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 7 * 24 * time.Hour})
		for range 3 {
			testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		}
		doc := c.page("/en/staff/events/"+itoa(int(e.ID))+"/attendance", http.StatusOK)
		if got := text(doc, "#f-rate"); got != "Not taken place yet" {
			t.Errorf("rate before the session = %q, want %q", got, "Not taken place yet")
		}
		if got := text(doc, "#f-noshows"); got != "—" {
			t.Errorf("no-shows before the session = %q, want —", got)
		}
		if got := text(doc, "#not-yet"); !strings.HasPrefix(got, "This session has not taken place yet") {
			t.Errorf("note = %q", got)
		}
		if got := text(doc, "#f-confirmed"); got != "3" {
			t.Errorf("confirmed = %q, want 3", got)
		}
		// In Vietnamese too, and never a percentage.
		doc = c.page("/vi/staff/events/"+itoa(int(e.ID))+"/attendance", http.StatusOK)
		if got := text(doc, "#f-rate"); got != "Chưa diễn ra" {
			t.Errorf("vi rate = %q", got)
		}
		// Once a session has been held, the rate is a figure: 0 % is true.
		held := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -2 * 24 * time.Hour})
		for range 3 {
			testutil.Registration(t, db, held.ID, testutil.RegistrationOpts{})
		}
		doc = c.page("/en/staff/events/"+itoa(int(held.ID))+"/attendance", http.StatusOK)
		if got := text(doc, "#f-rate"); !strings.HasPrefix(got, "0") || !strings.Contains(got, "%") {
			t.Errorf("rate after the session = %q, want 0 %%", got)
		}
		if got := text(doc, "#f-noshows"); got != "3" {
			t.Errorf("no-shows after the session = %q, want 3", got)
		}
		if doc.Find("#not-yet").Length() != 0 {
			t.Error("a held session is said not to have taken place")
		}
	})
}

func TestTrainerUpcomingSessionsOfferNoReportNorGain(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate) // today, in 30 minutes
		later := testutil.Event(t, db, testutil.EventOpts{Now: f.now, StartsIn: 3 * 24 * time.Hour})
		past := testutil.Event(t, db, testutil.EventOpts{Now: f.now, StartsIn: -5 * 24 * time.Hour})
		testutil.AssignTrainer(t, db, later.ID, f.trainer.ID)
		testutil.AssignTrainer(t, db, past.ID, f.trainer.ID)
		doc := f.c.page("/en/trainer", http.StatusOK)
		links := func(id uint) (report, gain int) {
			base := fmt.Sprintf("/en/staff/events/%d/", id)
			return doc.Find(`a[href="` + base + `report"]`).Length(), doc.Find(`a[href="` + base + `knowledge-gain"]`).Length()
		}
		for name, id := range map[string]uint{"today, not started": f.ev.ID, "upcoming": later.ID} {
			if r, g := links(id); r+g != 0 {
				t.Errorf("%s session offers the session report (%d) or the knowledge gain (%d)", name, r, g)
			}
			if doc.Find(fmt.Sprintf(`a[href="/en/staff/events/%d/checkin"]`, id)).Length() != 1 {
				t.Errorf("%s session lost its check-in", name)
			}
		}
		if r, g := links(past.ID); r != 1 || g != 1 {
			t.Errorf("past session: report %d, knowledge gain %d; want 1 and 1", r, g)
		}
		// The organiser's page of an upcoming session neither.
		org, _ := f.ta.organiser(t)
		odoc := org.page(fmt.Sprintf("/en/staff/events/%d", later.ID), http.StatusOK)
		if n := odoc.Find(fmt.Sprintf(`a[href="/en/staff/events/%d/report"], a[href="/en/staff/events/%d/knowledge-gain"]`, later.ID, later.ID)).Length(); n != 0 {
			t.Errorf("the organiser's page of an upcoming session offers %d report or gain links", n)
		}
		odoc = org.page(fmt.Sprintf("/en/staff/events/%d", past.ID), http.StatusOK)
		if n := odoc.Find(fmt.Sprintf(`a[href="/en/staff/events/%d/report"], a[href="/en/staff/events/%d/knowledge-gain"]`, past.ID, past.ID)).Length(); n != 2 {
			t.Errorf("the organiser's page of a held session offers %d report or gain links, want 2", n)
		}
		// Once today's session has started it has a report.
		f.ta.setNow(f.ev.StartsAt.Add(10 * time.Minute))
		doc = f.c.page("/en/trainer", http.StatusOK)
		if r, g := links(f.ev.ID); r != 1 || g != 1 {
			t.Errorf("started session: report %d, knowledge gain %d; want 1 and 1", r, g)
		}
	})
}

func TestStaffEventListSeparatesUpcomingAndPast(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, c, _ := organiserApp(t, db)
		soon := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 2 * 24 * time.Hour})
		draft := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 9 * 24 * time.Hour, Status: event.StatusDraft})
		done := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -4 * 24 * time.Hour})
		older := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -40 * 24 * time.Hour, Status: event.StatusCancelled})
		doc := c.page("/fr/staff/events", http.StatusOK)
		if got := text(doc, "#h-upcoming"); got != "Séances à venir" {
			t.Errorf("upcoming heading = %q", got)
		}
		if got := text(doc, "#h-past"); got != "Séances passées" {
			t.Errorf("past heading = %q", got)
		}
		ids := func(sel string) []string {
			var out []string
			doc.Find(sel + " + ul .card h3 a").Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("href", "")) })
			return out
		}
		href := func(es ...*event.Event) []string {
			var out []string
			for _, e := range es {
				out = append(out, "/fr/staff/events/"+itoa(int(e.ID)))
			}
			return out
		}
		if got, want := ids("#h-upcoming"), href(soon, draft); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("upcoming = %v, want %v", got, want)
		}
		if got, want := ids("#h-past"), href(done, older); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("past = %v, want %v", got, want)
		}
		// With nothing past, no empty "past" heading.
		doc = c.page("/fr/staff/events?status=draft", http.StatusOK)
		if doc.Find("#h-past").Length() != 0 || doc.Find("#h-upcoming").Length() != 1 {
			t.Error("a list of upcoming drafts has a past heading, or no upcoming one")
		}
	})
}

func TestCancellingADraftSaysWhatReallyHappens(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		draft := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Status: event.StatusDraft})
		base := "/en/staff/events/" + itoa(int(draft.ID))
		doc := c.page(base+"/cancel", http.StatusOK)
		page := doc.Find("main").Text()
		for _, lie := range []string{"SMS segment", "will be told by SMS", "send the SMS", "The public page will say"} {
			if strings.Contains(page, lie) {
				t.Errorf("the draft's cancel page says %q", lie)
			}
		}
		if got := text(doc, "#cancel-draft"); !strings.Contains(got, "never published") {
			t.Errorf("draft note = %q", got)
		}
		if got := text(doc, "#cancel-count"); got != "Nobody is registered: no SMS will be sent." {
			t.Errorf("count = %q", got)
		}
		if got := text(doc, "#cancel-warning"); !strings.Contains(got, "never appears on the public site") {
			t.Errorf("warning = %q", got)
		}
		if got := text(doc, "form button.danger"); got != "Cancel the event" {
			t.Errorf("button = %q", got)
		}

		loc := wantRedirect(t, c.post(base+"/cancel", nil), base+"?flash=event_cancelled_nobody_told")
		doc = c.page(loc, http.StatusOK)
		if !strings.Contains(doc.Text(), "Nobody was registered, so no SMS was sent.") {
			t.Error("the flash after cancelling a draft does not say that no SMS was sent")
		}
		var n int64
		db.Model(&message.Message{}).Count(&n)
		if n != 0 {
			t.Errorf("%d messages queued for a draft", n)
		}
		// And it is true: the cancelled draft stays off the public site.
		if resp := ta.client().get("/en/events/" + itoa(int(draft.ID))); resp.StatusCode != http.StatusNotFound {
			t.Errorf("public page of a cancelled draft: %d, want 404", resp.StatusCode)
		}

		// A published event with registrants keeps the SMS wording.
		pub := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		testutil.Registration(t, db, pub.ID, testutil.RegistrationOpts{})
		doc = c.page("/en/staff/events/"+itoa(int(pub.ID))+"/cancel", http.StatusOK)
		if doc.Find("#cancel-draft").Length() != 0 || text(doc, "form button.danger") != "Cancel the event and send the SMS" {
			t.Errorf("published event's cancel page: draft note %d, button %q", doc.Find("#cancel-draft").Length(), text(doc, "form button.danger"))
		}
	})
}

func TestVenueSaidOnceWithAMapLink(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(staffNow)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 48 * time.Hour})
		const address = "Phường Phan Thiết, tỉnh Lâm Đồng"
		if err := db.Model(&event.Venue{}).Where("id = ?", e.VenueID).Update("address", address).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&event.City{}).Where("id = ?", e.Venue.CityID).
			Update("name", content.Text{"vi": "Phan Thiết (Lâm Đồng)", "fr": "Phan Thiet (Lam Dong)", "en": "Phan Thiet (Lam Dong)"}).Error; err != nil {
			t.Fatal(err)
		}
		wantMap := "https://www.openstreetmap.org/search?query=" + url.QueryEscape(address)
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		c := ta.client()
		for _, path := range []string{"/en/events/" + itoa(int(e.ID)), "/en/r/" + r.Code} {
			doc := c.page(path, http.StatusOK)
			where := doc.Find("dd.where")
			line := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(where.Text()), "See the place on a map (OpenStreetMap)"))
			if line != "Cultural house, "+address {
				t.Errorf("%s: where = %q, want the venue in English and the address once", path, line)
			}
			if strings.Contains(where.Text(), "Lam Dong") {
				t.Errorf("%s: the city is repeated in another language: %q", path, where.Text())
			}
			if got := where.Find("a.map-link").AttrOr("href", ""); got != wantMap {
				t.Errorf("%s: map link = %q, want %q", path, got, wantMap)
			}
		}
		// A venue without an address: its city, in the page's language.
		if err := db.Model(&event.Venue{}).Where("id = ?", e.VenueID).Update("address", "").Error; err != nil {
			t.Fatal(err)
		}
		doc := c.page("/fr/events/"+itoa(int(e.ID)), http.StatusOK)
		if got := text(doc, "dd.where .place"); got != "Phan Thiet (Lam Dong)" {
			t.Errorf("place without an address = %q", got)
		}
		if got := doc.Find("dd.where a.map-link").AttrOr("href", ""); got != "https://www.openstreetmap.org/search?query="+url.QueryEscape("Phan Thiết (Lâm Đồng)") {
			t.Errorf("map link without an address = %q", got)
		}
	})
}
