package web

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// staffNow is 10:00 on Wednesday 25 November 2026 in Ho Chi Minh City.
var staffNow = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func eventValues(venueID uint, mods ...func(url.Values)) url.Values {
	v := url.Values{
		"kind": {"film_debate"}, "lang": {"vi"},
		"title_vi": {"Chiếu phim: Ngôi nhà bình yên"}, "description_vi": {"Phim và thảo luận về quyền trẻ em."},
		"title_fr": {"Projection : La maison paisible"}, "description_fr": {"Film et débat sur les droits de l'enfant."},
		"title_en": {"Screening: The peaceful house"}, "description_en": {"Film and debate on children's rights."},
		"starts_at": {"2026-12-02T18:30"}, "ends_at": {"2026-12-02T20:30"},
		"venue_id": {itoa(int(venueID))}, "capacity": {"40"}, "audience": {"families"}, "film_vi": {"Ngôi nhà bình yên"},
	}
	for _, m := range mods {
		m(v)
	}
	return v
}

// organiser returns a signed-in organiser's client.
// organiserApp is the app at staffNow with an organiser signed in.
func organiserApp(t *testing.T, db *gorm.DB) (*testApp, *client, *user.User) {
	t.Helper()
	ta := newTestApp(t, db)
	ta.setNow(staffNow)
	c, u := ta.organiser(t)
	return ta, c, u
}

func (ta *testApp) organiser(t *testing.T) (*client, *user.User) {
	t.Helper()
	u := testutil.Staff(t, ta.db, user.RoleOrganiser)
	c := ta.client()
	c.login(u)
	return c, u
}

func wantRedirect(t *testing.T, resp *http.Response, prefix string) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want 303\n%.3000s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("redirect to %q, want prefix %q", loc, prefix)
	}
	return loc
}

// idFromLocation reads the event id in /xx/staff/events/{id}?….
func idFromLocation(t *testing.T, loc string) uint {
	t.Helper()
	rest := strings.SplitN(loc, "/staff/events/", 2)[1]
	rest = strings.SplitN(rest, "?", 2)[0]
	n, err := strconv.Atoi(rest)
	if err != nil {
		t.Fatalf("no id in %q", loc)
	}
	return uint(n)
}

func auditCount(t *testing.T, db *gorm.DB, action string, id uint) int64 {
	t.Helper()
	var n int64
	db.Model(&audit.Entry{}).Where("action = ? AND entity = ? AND entity_id = ?", action, "event", itoa(int(id))).Count(&n)
	return n
}

func TestEventCreateInThreeLanguagesAndPublish(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, org := organiserApp(t, db)
		v := testutil.Venue(t, db)
		trainer := testutil.Staff(t, db, user.RoleTrainer)

		doc := c.page("/en/staff/events/new", http.StatusOK)
		if doc.Find(`form input[name=_csrf]`).Length() == 0 || doc.Find(`#title_fr`).Length() != 1 {
			t.Fatal("the new-event form lacks its CSRF field or the French title")
		}
		if doc.Find(`input[name=trainers][value="`+itoa(int(trainer.ID))+`"]`).Length() != 1 {
			t.Error("the trainer is not offered on the form")
		}
		loc := wantRedirect(t, c.post("/en/staff/events/new", eventValues(v.ID, func(v url.Values) {
			v.Set("trainers", itoa(int(trainer.ID)))
		})), "/en/staff/events/")
		id := idFromLocation(t, loc)

		e, err := event.Get(t.Context(), db, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != event.StatusDraft || e.Code != "FD01" || e.Capacity != 40 || e.Lang != "vi" {
			t.Errorf("saved event = status %s code %s capacity %d lang %s; want draft FD01 40 vi", e.Status, e.Code, e.Capacity, e.Lang)
		}
		// 18:30 in Ho Chi Minh City (UTC+7) is 11:30 UTC.
		if want := time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC); !e.StartsAt.Equal(want) {
			t.Errorf("starts at %v, want %v", e.StartsAt, want)
		}
		if len(e.Translations) != 3 {
			t.Errorf("translations = %d, want 3", len(e.Translations))
		}
		if e.CreatedByID == nil || *e.CreatedByID != org.ID {
			t.Errorf("created by %v, want %d", e.CreatedByID, org.ID)
		}
		ids, _ := event.TrainerIDs(t.Context(), db, id)
		if len(ids) != 1 || ids[0] != trainer.ID {
			t.Errorf("trainers = %v, want [%d]", ids, trainer.ID)
		}
		// A draft is not public.
		if html := bodyOf(t, ta.client().get("/vi/events")); strings.Contains(html, "Ngôi nhà bình yên") {
			t.Error("a draft is on the public list")
		}
		if resp := ta.client().get("/vi/events/" + itoa(int(id))); resp.StatusCode != http.StatusNotFound {
			t.Errorf("public page of a draft: %d, want 404", resp.StatusCode)
		}

		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(id))+"/publish", nil), "/en/staff/events/"+itoa(int(id))+"?flash=event_published")
		for lang, title := range map[string]string{"vi": "Chiếu phim: Ngôi nhà bình yên", "fr": "Projection : La maison paisible", "en": "Screening: The peaceful house"} {
			doc := ta.client().page("/"+lang+"/events", http.StatusOK)
			if got := text(doc, "#h-upcoming + ul .card h3 a"); got != title {
				t.Errorf("%s public list: first title %q, want %q", lang, got, title)
			}
		}
		if n := auditCount(t, db, "event.create", id); n != 1 {
			t.Errorf("audit event.create = %d, want 1", n)
		}
		if n := auditCount(t, db, "event.publish", id); n != 1 {
			t.Errorf("audit event.publish = %d, want 1", n)
		}
		// Publishing twice is refused.
		if resp := c.post("/en/staff/events/"+itoa(int(id))+"/publish", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("second publish: %d, want 409", resp.StatusCode)
		}
		// The staff list shows the event with its status.
		doc = c.page("/en/staff/events?status=published", http.StatusOK)
		if got := text(doc, ".staff-events .card .badge"); got != "Published" {
			t.Errorf("status badge = %q, want Published", got)
		}
		// A second event of the same kind gets the next code; dates typed in a
		// plain text box (old phone browsers) are understood too.
		loc = wantRedirect(t, c.post("/en/staff/events/new", eventValues(v.ID, func(v url.Values) {
			v.Set("starts_at", "09/12/2026 18:30")
			v.Set("ends_at", "2026-12-09 20:30")
		})), "/en/staff/events/")
		e2, _ := event.Get(t.Context(), db, idFromLocation(t, loc))
		if e2.Code != "FD02" {
			t.Errorf("second code = %q, want FD02", e2.Code)
		}
		if want := time.Date(2026, 12, 9, 11, 30, 0, 0, time.UTC); !e2.StartsAt.Equal(want) || !e2.EndsAt.Equal(want.Add(2*time.Hour)) {
			t.Errorf("second event %v–%v, want %v–%v", e2.StartsAt, e2.EndsAt, want, want.Add(2*time.Hour))
		}
	})
}

func TestEventFormErrorsKeepInput(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		v := testutil.Venue(t, db)
		resp := c.post("/fr/staff/events/new", eventValues(v.ID, func(v url.Values) {
			v.Set("title_vi", "")
			v.Set("capacity", "beaucoup")
			v.Set("ends_at", "2026-12-02T17:00")
		}))
		doc := ta.parse(resp, http.StatusUnprocessableEntity, "POST invalid event")
		if got := doc.Find("#title_fr").AttrOr("value", ""); got != "Projection : La maison paisible" {
			t.Errorf("French title not kept: %q", got)
		}
		if got := doc.Find("#capacity").AttrOr("value", ""); got != "beaucoup" {
			t.Errorf("capacity not kept: %q", got)
		}
		if got := text(doc, "#capacity-err"); got != "Veuillez saisir un nombre de places entre 1 et 100000." {
			t.Errorf("capacity error = %q", got)
		}
		if doc.Find("#capacity").AttrOr("aria-invalid", "") != "true" {
			t.Error("capacity is not marked invalid")
		}
		// The domain rules run once the form itself is well formed.
		resp = c.post("/fr/staff/events/new", eventValues(v.ID, func(v url.Values) {
			v.Set("title_vi", "")
		}))
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "POST event without its own-language title")
		if got := text(doc, "#title_vi-err"); got != "Le titre est obligatoire dans la langue de rédaction." {
			t.Errorf("title error = %q", got)
		}
		resp = c.post("/fr/staff/events/new", eventValues(v.ID, func(v url.Values) {
			v.Set("ends_at", "2026-12-02T17:00")
		}))
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "POST event ending before it starts")
		if got := text(doc, "#ends_at-err"); got != "La fin doit être après le début." {
			t.Errorf("end error = %q", got)
		}
		if got := doc.Find("#ends_at").AttrOr("value", ""); got != "2026-12-02T17:00" {
			t.Errorf("end not kept: %q", got)
		}
		var n int64
		db.Model(&event.Event{}).Count(&n)
		if n != 0 {
			t.Errorf("%d events saved from invalid forms", n)
		}
	})
}

func TestTranslationMarkers(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		v := testutil.Venue(t, db)
		loc := wantRedirect(t, c.post("/en/staff/events/new", eventValues(v.ID, func(v url.Values) {
			v.Set("title_en", "")
			v.Set("description_en", "")
		})), "/en/staff/events/")
		id := idFromLocation(t, loc)
		doc := c.page("/en/staff/events/"+itoa(int(id)), http.StatusOK)
		if got := text(doc, `#text-en legend .tmark-missing`); got != "translation missing" {
			t.Errorf("English marker = %q, want 'translation missing'", got)
		}
		if doc.Find(`#text-fr legend .tmark`).Length() != 0 {
			t.Error("the French translation is marked though it is up to date")
		}
		// An hour later the Vietnamese text changes: French becomes stale.
		ta.setNow(staffNow.Add(time.Hour))
		form := eventValues(v.ID, func(v url.Values) {
			v.Set("title_en", "")
			v.Set("description_en", "")
			v.Set("description_vi", "Phim, thảo luận và giải đáp thắc mắc về quyền trẻ em.")
		})
		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(id)), form), "/en/staff/events/"+itoa(int(id))+"?flash=event_saved")
		doc = c.page("/en/staff/events/"+itoa(int(id)), http.StatusOK)
		if got := text(doc, `#text-fr legend .tmark-stale`); got != "translation older than the original" {
			t.Errorf("French marker = %q, want stale", got)
		}
		if doc.Find(`#text-vi legend .tmark-own`).Length() != 1 {
			t.Error("the original language is not marked")
		}
		list := c.page("/en/staff/events", http.StatusOK)
		if list.Find(`.tmark-stale[data-lang=fr]`).Length() != 1 || list.Find(`.tmark-missing[data-lang=en]`).Length() != 1 {
			t.Error("the staff list does not show the stale French and missing English markers")
		}
		// Updating French clears its marker.
		ta.setNow(staffNow.Add(2 * time.Hour))
		form.Set("description_fr", "Film, débat et réponses aux questions sur les droits de l'enfant.")
		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(id)), form), "/en/staff/events/")
		doc = c.page("/en/staff/events/"+itoa(int(id)), http.StatusOK)
		if doc.Find(`#text-fr legend .tmark`).Length() != 0 {
			t.Error("French is still marked after its update")
		}
		if n := auditCount(t, db, "event.update", id); n != 2 {
			t.Errorf("audit event.update = %d, want 2", n)
		}
	})
}

func TestEventCapacityNeverBelowSeatsTaken(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 30})
		db.Model(&event.Event{}).Where("id = ?", e.ID).Update("seats_taken", 12)
		form := eventValues(e.VenueID, func(v url.Values) { v.Set("capacity", "10") })
		doc := ta.parse(c.post("/en/staff/events/"+itoa(int(e.ID)), form), http.StatusUnprocessableEntity, "lower capacity")
		if got := text(doc, "#capacity-err"); got != "12 seats are already taken: the number of seats cannot be lower." {
			t.Errorf("capacity error = %q", got)
		}
		form.Set("capacity", "12")
		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(e.ID)), form), "/en/staff/events/")
		var got event.Event
		db.First(&got, e.ID)
		if got.Capacity != 12 {
			t.Errorf("capacity = %d, want 12", got.Capacity)
		}
	})
}

func TestEventDuplicate(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, c, _ := organiserApp(t, db)
		src := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 25})
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, src.ID, trainer.ID)
		testutil.Registration(t, db, src.ID, testutil.RegistrationOpts{})
		db.Model(&event.Event{}).Where("id = ?", src.ID).Update("seats_taken", 1)

		loc := wantRedirect(t, c.post("/en/staff/events/"+itoa(int(src.ID))+"/duplicate", nil), "/en/staff/events/")
		id := idFromLocation(t, loc)
		if id == src.ID {
			t.Fatal("duplicate redirected to the source")
		}
		cp, err := event.Get(t.Context(), db, id)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Status != event.StatusDraft || cp.SeatsTaken != 0 || cp.Capacity != 25 || cp.Code == src.Code || cp.Code != "FD01" {
			t.Errorf("copy: status %s seats %d capacity %d code %s (source %s)", cp.Status, cp.SeatsTaken, cp.Capacity, cp.Code, src.Code)
		}
		if len(cp.Translations) != 3 || cp.Content("fr").Title != "Projection : La promesse" {
			t.Errorf("copy translations = %d, fr %q", len(cp.Translations), cp.Content("fr").Title)
		}
		var regs int64
		db.Model(&registration.Registration{}).Where("event_id = ?", id).Count(&regs)
		if regs != 0 {
			t.Errorf("copy has %d registrations", regs)
		}
		ids, _ := event.TrainerIDs(t.Context(), db, id)
		if len(ids) != 1 || ids[0] != trainer.ID {
			t.Errorf("copy trainers = %v", ids)
		}
		if n := auditCount(t, db, "event.duplicate", id); n != 1 {
			t.Errorf("audit event.duplicate = %d, want 1", n)
		}
		doc := c.page(loc, http.StatusOK)
		if doc.Find(".flash").Length() != 1 {
			t.Error("no flash after duplicate")
		}
	})
}

func TestEventCancelTellsRegistrants(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		// Starts Wednesday 2 December 2026, 18:30 local (11:30 UTC).
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 7*24*time.Hour + 8*time.Hour + 30*time.Minute})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Lang: "en"})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Status: registration.StatusCancelled})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Phone: "-", Size: 12})

		doc := c.page("/en/staff/events/"+itoa(int(e.ID))+"/cancel", http.StatusOK)
		if got := text(doc, "#cancel-count"); got != "3 people registered (confirmed or on the waiting list) will be told by SMS." {
			t.Errorf("count = %q", got)
		}
		// Worked example. The Vietnamese message, unaccented because that is
		// cheaper: "Lantern: Rat tiec, Chieu phim: Loi hua ngay 2 thg 12, 2026
		// 18:30 da bi huy. Ban khong can lam gi them. Chung toi se bao ban cac su
		// kien tiep theo." is 146 GSM-7 characters: 1 segment (with accents it
		// would be 3). The English one, 139 characters: 1 segment. Three
		// recipients: 3 segments, 3 × 850 = 2,550 VND.
		if got := doc.Find("#cancel-cost .segments").AttrOr("data-segments", ""); got != "3" {
			t.Errorf("segments = %s, want 3", got)
		}
		if got := text(doc, "#cancel-cost .cost"); got != "about 2,550 VND" {
			t.Errorf("cost = %q, want about 2,550 VND", got)
		}
		var n int64
		db.Model(&message.Message{}).Count(&n)
		if n != 0 {
			t.Fatalf("the preview queued %d messages", n)
		}

		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(e.ID))+"/cancel", nil),
			"/en/staff/events/"+itoa(int(e.ID))+"?flash=event_cancelled")
		var msgs []message.Message
		db.Where("event_id = ?", e.ID).Order("id").Find(&msgs)
		if len(msgs) != 3 {
			t.Fatalf("queued %d messages, want 3", len(msgs))
		}
		for _, m := range msgs {
			if m.Kind != "event_cancelled" || m.DedupeKey == nil || m.Encoding != "GSM7" || m.Segments != 1 {
				t.Errorf("message %+v", m)
			}
		}
		if !strings.Contains(msgs[0].Body, "Chieu phim: Loi hua") || !strings.Contains(msgs[0].Body, "18:30") {
			t.Errorf("Vietnamese body = %q", msgs[0].Body)
		}
		if !strings.Contains(msgs[1].Body, "is cancelled") {
			t.Errorf("English body = %q", msgs[1].Body)
		}
		var got event.Event
		db.First(&got, e.ID)
		if got.Status != event.StatusCancelled || got.CancelledAt == nil {
			t.Errorf("status = %s", got.Status)
		}
		pub := ta.client().page("/vi/events/"+itoa(int(e.ID)), http.StatusOK)
		if !strings.Contains(pub.Text(), "Sự kiện này đã bị hủy") {
			t.Error("the public page does not say the event is cancelled")
		}
		// Cancelling again changes nothing.
		if resp := c.post("/en/staff/events/"+itoa(int(e.ID))+"/cancel", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("second cancel: %d, want 409", resp.StatusCode)
		}
		db.Model(&message.Message{}).Count(&n)
		if n != 3 {
			t.Errorf("%d messages after a second cancel, want 3", n)
		}
		if n := auditCount(t, db, "event.cancel", e.ID); n != 1 {
			t.Errorf("audit event.cancel = %d, want 1", n)
		}
	})
}

func TestEventConflictMustBeConfirmed(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		// Booked: 2 December 2026, 18:30–20:30 local.
		booked := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 7*24*time.Hour + 8*time.Hour + 30*time.Minute})
		testutil.AssignTrainer(t, db, booked.ID, trainer.ID)
		other := testutil.Venue(t, db)

		// Same trainer, another venue, 19:30–21:00: overlaps.
		form := eventValues(other.ID, func(v url.Values) {
			v.Set("starts_at", "2026-12-02T19:30")
			v.Set("ends_at", "2026-12-02T21:00")
			v.Set("trainers", itoa(int(trainer.ID)))
		})
		doc := ta.parse(c.post("/en/staff/events/new", form), http.StatusUnprocessableEntity, "conflicting event")
		cf := doc.Find(".conflict li")
		if cf.Length() != 1 || !strings.Contains(cf.Text(), booked.Code) || !strings.Contains(cf.Text(), trainer.Name) {
			t.Errorf("conflict list = %q", cf.Text())
		}
		if doc.Find(`#confirm_conflict`).Length() != 1 {
			t.Error("no confirmation checkbox")
		}
		var n int64
		db.Model(&event.Event{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d events, want 1: a conflicting event was saved unconfirmed", n)
		}
		// Back to back is no conflict: 20:30–22:00.
		ok := eventValues(other.ID, func(v url.Values) {
			v.Set("starts_at", "2026-12-02T20:30")
			v.Set("ends_at", "2026-12-02T22:00")
			v.Set("trainers", itoa(int(trainer.ID)))
		})
		wantRedirect(t, c.post("/en/staff/events/new", ok), "/en/staff/events/")
		// Confirmed, the conflicting one is saved.
		form.Set("confirm_conflict", "1")
		wantRedirect(t, c.post("/en/staff/events/new", form), "/en/staff/events/")
		db.Model(&event.Event{}).Count(&n)
		if n != 3 {
			t.Errorf("%d events, want 3", n)
		}
		// Same venue, no trainer: also a conflict.
		venueClash := eventValues(booked.VenueID, func(v url.Values) {
			v.Set("starts_at", "2026-12-02T18:00")
			v.Set("ends_at", "2026-12-02T19:00")
		})
		doc = ta.parse(c.post("/en/staff/events/new", venueClash), http.StatusUnprocessableEntity, "venue conflict")
		if !strings.Contains(doc.Find(".conflict li").Text(), "Same venue") {
			t.Errorf("venue conflict not flagged: %q", doc.Find(".conflict").Text())
		}
	})
}

func TestScheduleCalendarAndAgendaFilters(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		day := 24 * time.Hour
		// All in December 2026 (local), each at its own new venue and city.
		film := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 8 * day, Titles: map[string]string{"vi": "Phim A", "en": "Film A"}})
		workshop := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 10 * day, Kind: event.KindAuthorityWorkshop, Titles: map[string]string{"vi": "Hội thảo B", "en": "Workshop B"}})
		draft := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 12 * day, Status: event.StatusDraft, Titles: map[string]string{"vi": "Nháp C", "en": "Draft C"}})
		january := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 45 * day, Titles: map[string]string{"vi": "Phim D", "en": "Film D"}})
		testutil.AssignTrainer(t, db, workshop.ID, trainer.ID)

		titles := func(path string, status int) []string {
			doc := c.page(path, status)
			var out []string
			doc.Find(".session a").Each(func(_ int, s *goqueryS) { out = append(out, strings.TrimSpace(s.Text())) })
			return out
		}
		has := func(list []string, title string) bool {
			for _, s := range list {
				if strings.HasSuffix(s, title) {
					return true
				}
			}
			return false
		}
		all := titles("/en/staff/schedule?month=2026-12", http.StatusOK)
		if len(all) != 3 || !has(all, "Film A") || !has(all, "Workshop B") || !has(all, "Draft C") {
			t.Errorf("December calendar = %v", all)
		}
		if got := titles("/en/staff/schedule?month=2026-12&kind=authority_workshop", http.StatusOK); len(got) != 1 || !has(got, "Workshop B") {
			t.Errorf("kind filter = %v", got)
		}
		if got := titles("/en/staff/schedule?month=2026-12&city="+film.Venue.City.Code, http.StatusOK); len(got) != 1 || !has(got, "Film A") {
			t.Errorf("city filter = %v", got)
		}
		if got := titles("/en/staff/schedule?month=2026-12&trainer="+itoa(int(trainer.ID)), http.StatusOK); len(got) != 1 || !has(got, "Workshop B") {
			t.Errorf("trainer filter = %v", got)
		}
		doc := c.page("/en/staff/schedule?month=2026-12", http.StatusOK)
		if got := text(doc, "#month-title"); got != "December 2026" {
			t.Errorf("month title = %q", got)
		}
		// The agenda from 1 December covers 62 days: January's event too.
		ag := titles("/en/staff/schedule/agenda?from=2026-12-01", http.StatusOK)
		if len(ag) != 4 || !has(ag, "Film D") {
			t.Errorf("agenda = %v", ag)
		}
		if got := titles("/en/staff/schedule/agenda?from=2026-12-01&kind=film_debate", http.StatusOK); len(got) != 3 || has(got, "Workshop B") {
			t.Errorf("agenda kind filter = %v", got)
		}
		// The public calendar shows published events only, without staff links.
		pub := titles("/en/events/calendar?month=2026-12", http.StatusOK)
		if len(pub) != 2 || has(pub, "Draft C") {
			t.Errorf("public calendar = %v", pub)
		}
		pdoc := ta.client().page("/vi/events/calendar?month=2026-12", http.StatusOK)
		if pdoc.Find(`a[href*="/staff/"]`).Length() > 0 && pdoc.Find(".session a[href*='/staff/']").Length() > 0 {
			t.Error("the public calendar links to staff pages")
		}
		_ = draft
		_ = january
	})
}

func TestRegistrationsSearchAndExport(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức", Phone: "+84912345678", Sex: "male", AgeBand: "25_59"})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Trần Thị Mai", Phone: "+84987654321", Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "=HYPERLINK(\"x\")", Phone: "+84911111111"})
		base := "/en/staff/events/" + itoa(int(e.ID)) + "/registrations"

		doc := c.page(base, http.StatusOK)
		if got := doc.Find("table.registrations tbody tr").Length(); got != 3 {
			t.Errorf("rows = %d, want 3", got)
		}
		if html, _ := doc.Html(); strings.Contains(html, "84912345678") || strings.Contains(doc.Find("td.phone").Text(), "0912") {
			t.Errorf("the page shows a full phone number: %s", doc.Find("td.phone").Text())
		}
		search := func(q, status string) []string {
			resp := c.post(base, url.Values{"q": {q}, "status": {status}})
			d := ta.parse(resp, http.StatusOK, "search "+q)
			var out []string
			d.Find("table.registrations tbody td.name .pname").Each(func(_ int, s *goqueryS) {
				out = append(out, strings.TrimSpace(s.Text()))
			})
			return out
		}
		if got := search("nguyen van duc", ""); len(got) != 1 || got[0] != "Nguyễn Văn Đức" {
			t.Errorf("search 'nguyen van duc' = %v", got)
		}
		if got := search("ĐỨC", ""); len(got) != 1 {
			t.Errorf("search 'ĐỨC' = %v", got)
		}
		if got := search("0987 654 321", ""); len(got) != 1 || got[0] != "Trần Thị Mai" {
			t.Errorf("search by phone = %v", got)
		}
		if got := search("84 98 765 4321", ""); len(got) != 1 || got[0] != "Trần Thị Mai" {
			t.Errorf("search by phone in international form = %v", got)
		}
		if got := search("", "waitlisted"); len(got) != 1 || got[0] != "Trần Thị Mai" {
			t.Errorf("status filter = %v", got)
		}
		if got := search("100%", ""); len(got) != 0 {
			t.Errorf("a LIKE wildcard matched: %v", got)
		}
		// Masked number on the page.
		d := ta.parse(c.post(base, url.Values{"q": {"nguyen"}}), http.StatusOK, "search")
		if got := text(d, "td.phone"); got != "…5678" {
			t.Errorf("phone shown as %q, want …5678", got)
		}

		// CSV: every registration with the full number.
		resp := c.post(base+"/export", url.Values{"format": {"csv"}})
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "registrations-"+e.Code+"-2026-11-25.csv") {
			t.Errorf("content disposition = %q", cd)
		}
		raw := strings.TrimPrefix(bodyOf(t, resp), "\uFEFF")
		records, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 4 {
			t.Fatalf("csv lines = %d, want 4", len(records))
		}
		if records[0][1] != "Full name" || records[0][2] != "Phone number" {
			t.Errorf("csv header = %v", records[0])
		}
		if records[1][1] != "Nguyễn Văn Đức" || records[1][2] != "+84912345678" || records[1][5] != "Confirmed" || records[1][6] != "Male" || records[1][7] != "25–59" {
			t.Errorf("csv row = %v", records[1])
		}
		if records[3][1] != "'=HYPERLINK(\"x\")" {
			t.Errorf("formula not neutralised: %q", records[3][1])
		}
		// Filtered CSV.
		resp = c.post(base+"/export", url.Values{"format": {"csv"}, "status": {"waitlisted"}})
		records, _ = csv.NewReader(strings.NewReader(strings.TrimPrefix(bodyOf(t, resp), "\uFEFF"))).ReadAll()
		if len(records) != 2 || records[1][1] != "Trần Thị Mai" {
			t.Errorf("filtered csv = %v", records)
		}

		// XLSX, opened with excelize.
		resp = c.post(base+"/export", url.Values{"format": {"xlsx"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("xlsx: %d", resp.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(bodyOf(t, resp))))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("Registrations")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][0] != "Confirmation code" || rows[1][1] != "Nguyễn Văn Đức" || rows[1][2] != "+84912345678" || rows[2][5] != "Waiting list" {
			t.Errorf("xlsx rows = %v", rows)
		}
		var n int64
		db.Model(&audit.Entry{}).Where("action = ? AND entity_id = ?", "registrations.export", itoa(int(e.ID))).Count(&n)
		if n != 3 {
			t.Errorf("audit registrations.export = %d, want 3", n)
		}
	})
}

func TestEventPagesRoles(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(staffNow)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		id := itoa(int(e.ID))
		gets := []string{"/en/staff/events", "/en/staff/events/new", "/en/staff/events/" + id, "/en/staff/events/" + id + "/cancel",
			"/en/staff/events/" + id + "/registrations", "/en/staff/schedule", "/en/staff/schedule/agenda", "/en/staff/plan"}
		posts := []string{"/en/staff/events/new", "/en/staff/events/" + id, "/en/staff/events/" + id + "/publish",
			"/en/staff/events/" + id + "/unpublish", "/en/staff/events/" + id + "/duplicate", "/en/staff/events/" + id + "/cancel",
			"/en/staff/events/" + id + "/registrations", "/en/staff/events/" + id + "/registrations/export"}
		trainer := ta.client()
		trainer.login(testutil.Staff(t, db, user.RoleTrainer, user.RoleCoach))
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		anon := ta.client()
		for _, p := range gets {
			if resp := trainer.get(p); resp.StatusCode != http.StatusForbidden {
				t.Errorf("trainer GET %s: %d, want 403", p, resp.StatusCode)
			}
			if resp := anon.get(p); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/en/login") {
				t.Errorf("anonymous GET %s: %d %s, want 303 to login", p, resp.StatusCode, resp.Header.Get("Location"))
			}
			if resp := admin.get(p); resp.StatusCode != http.StatusOK {
				t.Errorf("admin GET %s: %d, want 200", p, resp.StatusCode)
			}
		}
		for _, p := range posts {
			if resp := trainer.post(p, url.Values{}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("trainer POST %s: %d, want 403", p, resp.StatusCode)
			}
		}
		var got event.Event
		db.First(&got, e.ID)
		if got.Status != event.StatusPublished {
			t.Errorf("a trainer changed the event: %s", got.Status)
		}
		// The back-office menu offers these pages to organisers and admins only.
		if trainer.page("/en/staff/", http.StatusOK).Find(`a[href="/en/staff/events"]`).Length() != 0 {
			t.Error("the trainer's menu links to the events pages")
		}
		if admin.page("/en/staff/", http.StatusOK).Find(`.menu a[href="/en/staff/events"]`).Length() != 1 {
			t.Error("the admin's menu lacks the events pages")
		}
	})
}

func TestProgrammePlan(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, c, _ := organiserApp(t, db)
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		end := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
		for _, tg := range []event.Target{
			{Code: "film_debate_events", Name: map[string]string{"vi": "Buổi chiếu phim", "en": "Film-and-debate events"}, Value: 15, Unit: "count", PeriodStart: start, PeriodEnd: end},
			{Code: "authority_participants", Name: map[string]string{"vi": "Người tham gia", "en": "Authority participants"}, Value: 180, Unit: "count", PeriodStart: start, PeriodEnd: end},
		} {
			if err := db.Create(&tg).Error; err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour
		// Film-and-debate: 2 held, 1 published to come, 1 draft, 1 cancelled (not counted).
		testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -30 * day})
		testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -10 * day})
		testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 10 * day})
		testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 20 * day, Status: event.StatusDraft})
		testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -5 * day, Status: event.StatusCancelled})
		// Authority workshop held: 3 people and a group of 20 confirmed; one waitlisted and one cancelled.
		aw := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -3 * day, Kind: event.KindAuthorityWorkshop})
		var came []uint
		for range 3 {
			came = append(came, testutil.Registration(t, db, aw.ID, testutil.RegistrationOpts{}).ID)
		}
		came = append(came, testutil.Registration(t, db, aw.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 20, Phone: "-"}).ID)
		// All 23 were checked in (attendance area): the target counts attendance.
		if _, err := attendance.CheckInMany(t.Context(), db, attendance.DefaultWindow, aw.ID, came, 0, attendance.SourceSheet, staffNow); err != nil {
			t.Fatal(err)
		}
		testutil.Registration(t, db, aw.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, aw.ID, testutil.RegistrationOpts{Status: registration.StatusCancelled})
		// Before the programme period: not counted.
		testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: -800 * day})

		doc := c.page("/en/staff/plan", http.StatusOK)
		targets := doc.Find(".target .progress-text")
		if targets.Length() != 2 {
			t.Fatalf("targets shown = %d, want 2", targets.Length())
		}
		if got := strings.TrimSpace(targets.Eq(0).Text()); !strings.HasPrefix(got, "2 of 15") {
			t.Errorf("film-and-debate progress = %q, want 2 of 15", got)
		}
		if got := strings.TrimSpace(targets.Eq(1).Text()); !strings.HasPrefix(got, "23 of 180") {
			t.Errorf("authority participants progress = %q, want 23 of 180", got)
		}
		row := func(i int) []string {
			var out []string
			doc.Find("table.plan tbody tr").Eq(i).Find("th,td").Each(func(_ int, s *goqueryS) { out = append(out, strings.TrimSpace(s.Text())) })
			return out
		}
		if got := row(0); strings.Join(got[1:], ",") != "4,2,0,0" {
			t.Errorf("film-and-debate row = %v, want planned 4 held 2 registered 0 attended 0", got)
		}
		if got := row(1); strings.Join(got[1:], ",") != "1,1,23,23" {
			t.Errorf("workshop row = %v, want 1,1,23,23", got)
		}
	})
}

type goqueryS = goquery.Selection

func TestRegistrationsStaffActions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, org := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 6})
		base := "/en/staff/events/" + itoa(int(e.ID)) + "/registrations"
		seats := func() int {
			var ev event.Event
			db.First(&ev, e.ID)
			return ev.SeatsTaken
		}
		reg := func(name string) *registration.Registration {
			var r registration.Registration
			if err := db.Where("event_id = ? AND name = ?", e.ID, name).First(&r).Error; err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return &r
		}

		// A bad number comes back with the input kept and a translated message.
		doc := ta.parse(c.post(base+"/new", url.Values{"name": {"Lê Thị Hoa"}, "phone": {"0912 34"}, "kind": {"individual"}, "lang": {"vi"}}),
			http.StatusUnprocessableEntity, "bad phone")
		if got := doc.Find("#r-name").AttrOr("value", ""); got != "Lê Thị Hoa" {
			t.Errorf("name not kept: %q", got)
		}
		if got := text(doc, "#r-phone-err"); got != "This is not a valid mobile number. Please check it (for example 0912 345 678)." {
			t.Errorf("phone error = %q", got)
		}
		if doc.Find("details.reg-new[open]").Length() != 1 {
			t.Error("the form with errors is not open")
		}

		// A phone call: confirmed, one seat, a confirmation SMS.
		wantRedirect(t, c.post(base+"/new", url.Values{"name": {"Lê Thị Hoa"}, "phone": {"0912 345 001"}, "kind": {"individual"}, "lang": {"vi"}}),
			base+"?flash=event_reg_added")
		hoa := reg("Lê Thị Hoa")
		if hoa.Status != registration.StatusConfirmed || *hoa.Phone != "+84912345001" || hoa.Source != registration.SourceStaff ||
			hoa.CreatedByID == nil || *hoa.CreatedByID != org.ID {
			t.Errorf("registration = %+v", hoa)
		}
		if seats() != 1 {
			t.Errorf("seats taken = %d, want 1", seats())
		}
		var sms int64
		db.Model(&message.Message{}).Where("registration_id = ? AND kind = ?", hoa.ID, "confirmation").Count(&sms)
		if sms != 1 {
			t.Errorf("confirmation SMS = %d, want 1", sms)
		}
		// The same person and number again: the same registration.
		wantRedirect(t, c.post(base+"/new", url.Values{"name": {"le thi hoa"}, "phone": {"+84 912 345 001"}, "kind": {"individual"}}),
			base+"?flash=event_reg_existing")
		// A partner's group of 5 fills the event (6 seats).
		wantRedirect(t, c.post(base+"/new", url.Values{"name": {"CTSE nhóm A"}, "phone": {"0912 345 002"}, "kind": {"group"}, "group_size": {"5"}, "organisation": {"CTSE"}, "g_female_under_16": {"3"}, "g_male_under_16": {"2"}}),
			base+"?flash=event_reg_added")
		if seats() != 6 {
			t.Errorf("seats taken = %d, want 6", seats())
		}
		// Full: the next person waits.
		wantRedirect(t, c.post(base+"/new", url.Values{"name": {"Phạm Văn Nam"}, "phone": {"0912 345 003"}, "kind": {"individual"}}),
			base+"?flash=event_reg_waitlisted_new")
		nam := reg("Phạm Văn Nam")
		if nam.Status != registration.StatusWaitlisted {
			t.Fatalf("Nam = %s, want waitlisted", nam.Status)
		}
		// Confirming while full is refused: staff never overbook.
		if resp := c.post(base+"/"+itoa(int(nam.ID))+"/confirm", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("confirm when full: %d, want 409", resp.StatusCode)
		}
		// Hoa moves to the waiting list: her seat goes to Nam.
		wantRedirect(t, c.post(base+"/"+itoa(int(hoa.ID))+"/waitlist", nil), base+"?flash=event_reg_waitlisted")
		if reg("Lê Thị Hoa").Status != registration.StatusWaitlisted || reg("Phạm Văn Nam").Status != registration.StatusConfirmed || seats() != 6 {
			t.Errorf("after waitlist: Hoa %s, Nam %s, seats %d", reg("Lê Thị Hoa").Status, reg("Phạm Văn Nam").Status, seats())
		}
		// Nam cancels by phone: Hoa gets the seat back.
		wantRedirect(t, c.post(base+"/"+itoa(int(nam.ID))+"/cancel", nil), base+"?flash=event_reg_cancelled")
		if reg("Phạm Văn Nam").Status != registration.StatusCancelled || reg("Lê Thị Hoa").Status != registration.StatusConfirmed || seats() != 6 {
			t.Errorf("after cancel: Nam %s, Hoa %s, seats %d", reg("Phạm Văn Nam").Status, reg("Lê Thị Hoa").Status, seats())
		}
		var n int64
		db.Model(&audit.Entry{}).Where("entity = ? AND action IN ?", "registration", []string{"registration.waitlist", "registration.cancel"}).Count(&n)
		if n != 2 {
			t.Errorf("audit rows = %d, want 2", n)
		}
		// One more person waits; raising the capacity to 7 gives them the seat.
		wantRedirect(t, c.post(base+"/new", url.Values{"name": {"Võ Minh Tuấn"}, "phone": {"0912 345 004"}, "kind": {"individual"}}),
			base+"?flash=event_reg_waitlisted_new")
		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(e.ID)), eventValues(e.VenueID, func(v url.Values) { v.Set("capacity", "7") })),
			"/en/staff/events/")
		if got := reg("Võ Minh Tuấn").Status; got != registration.StatusConfirmed || seats() != 7 {
			t.Errorf("after raising the capacity: Tuấn %s, seats %d; want confirmed, 7", got, seats())
		}
		// A registration is only reached through its own event.
		other := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		if resp := c.post("/en/staff/events/"+itoa(int(other.ID))+"/registrations/"+itoa(int(hoa.ID))+"/cancel", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("cancel through another event: %d, want 404", resp.StatusCode)
		}
		if reg("Lê Thị Hoa").Status != registration.StatusConfirmed {
			t.Error("a registration was changed through another event's URL")
		}
	})
}

// TestEventMessageIDsComposedAtRunTime checks the message IDs the event
// pages build from values (statuses, kinds, weekdays, months, flashes).
func TestEventMessageIDsComposedAtRunTime(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	var ids []string
	for _, st := range []string{"draft", "published", "cancelled"} {
		ids = append(ids, "staff.events.status."+st)
	}
	for _, st := range []string{"confirmed", "waitlisted", "cancelled"} {
		ids = append(ids, "registrations.status."+st, "registrations.count."+st)
	}
	for _, k := range []string{"individual", "group", "walk_in"} {
		ids = append(ids, "registrations.kind."+k)
	}
	for i := 1; i <= 7; i++ {
		ids = append(ids, "schedule.weekday."+strconv.Itoa(i))
	}
	for i := 1; i <= 12; i++ {
		ids = append(ids, "schedule.month."+strconv.Itoa(i))
	}
	for _, f := range []string{"event_created", "event_saved", "event_duplicated", "event_published", "event_unpublished",
		"event_cancelled", "event_reg_added", "event_reg_waitlisted_new", "event_reg_existing", "event_reg_confirmed",
		"event_reg_waitlisted", "event_reg_cancelled"} {
		ids = append(ids, "flash."+f)
	}
	for _, l := range []string{"vi", "fr", "en"} {
		have := ta.srv.Bundle().IDs(l)
		for _, id := range ids {
			if !have[id] {
				t.Errorf("%s: %s is missing", l, id)
			}
		}
	}
}

// The staff pages of events run a fixed number of queries whatever the
// number of events, trainers and registrations (no query per row).
func TestStaffEventPagesQueryCountDoesNotGrow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, c, _ := organiserApp(t, db)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		first := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: time.Hour})
		mk := func(n int) {
			for i := 0; i < n; i++ {
				e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: time.Duration(i+2) * time.Hour})
				testutil.AssignTrainer(t, db, e.ID, trainer.ID)
				testutil.Registration(t, db, first.ID, testutil.RegistrationOpts{})
			}
		}
		qc := testutil.CountQueries(t, db)
		paths := []string{"/en/staff/events", "/en/staff/events/" + itoa(int(first.ID)), "/en/staff/schedule",
			"/en/staff/schedule/agenda", "/en/staff/plan", "/en/staff/events/" + itoa(int(first.ID)) + "/registrations",
			"/en/events/calendar"}
		count := func() map[string]int64 {
			out := map[string]int64{}
			for _, p := range paths {
				qc.Reset()
				c.page(p, http.StatusOK)
				out[p] = qc.N()
			}
			return out
		}
		mk(2)
		small := count()
		mk(30)
		large := count()
		for _, p := range paths {
			t.Logf("%s: %d queries", p, small[p])
			if large[p] != small[p] {
				t.Errorf("%s runs %d queries with 3 events and %d with 33: a query per row", p, small[p], large[p])
			}
		}
	})
}

func TestEventUnpublish(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		quiet := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		busy := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		testutil.Registration(t, db, busy.ID, testutil.RegistrationOpts{})

		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(quiet.ID))+"/unpublish", nil), "/en/staff/events/"+itoa(int(quiet.ID))+"?flash=event_unpublished")
		if resp := ta.client().get("/vi/events/" + itoa(int(quiet.ID))); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unpublished event is public: %d", resp.StatusCode)
		}
		// People registered: unpublishing would hide the event from them
		// without a word; the organiser is told to cancel it instead.
		doc := ta.parse(c.post("/en/staff/events/"+itoa(int(busy.ID))+"/unpublish", nil), http.StatusConflict, "unpublish with registrations")
		if !strings.Contains(doc.Text(), "cancel it instead") {
			t.Errorf("message = %q", text(doc, "main"))
		}
		var got event.Event
		db.First(&got, busy.ID)
		if got.Status != event.StatusPublished {
			t.Errorf("status = %s, want published", got.Status)
		}
		if n := auditCount(t, db, "event.unpublish", quiet.ID); n != 1 {
			t.Errorf("audit event.unpublish = %d", n)
		}
		if n := auditCount(t, db, "event.unpublish", busy.ID); n != 0 {
			t.Errorf("a refused unpublish was audited")
		}
	})
}

// TestFilmTitlePerLanguage: the film of a film-and-debate has a title per
// language; each page shows its own, a language without one shows the
// event's own language's; a too-long film title is refused beside its
// field with the others' errors; a workshop keeps no film.
func TestFilmTitlePerLanguage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		v := testutil.Venue(t, db)
		bad := eventValues(v.ID, func(f url.Values) {
			f.Set("film_en", strings.Repeat("x", 201))
			f.Set("title_fr", "")
			f.Set("description_fr", "")
			f.Set("film_fr", "La maison paisible")
			f.Set("capacity", "0")
		})
		doc := ta.parse(c.post("/en/staff/events/new", bad), http.StatusUnprocessableEntity, "bad film")
		for _, id := range []string{"film_en-err", "title_fr-err", "capacity-err"} {
			if text(doc, "#"+id) == "" {
				t.Errorf("no error %s", id)
			}
		}
		if v, _ := doc.Find("#film_fr").Attr("value"); v != "La maison paisible" {
			t.Errorf("the typed French film title is not kept: %q", v)
		}
		loc := wantRedirect(t, c.post("/en/staff/events/new", eventValues(v.ID, func(f url.Values) {
			f.Set("film_en", "The peaceful house (short film)")
		})), "/en/staff/events/")
		id := idFromLocation(t, loc)
		wantRedirect(t, c.post("/en/staff/events/"+itoa(int(id))+"/publish", nil), "/en/staff/events/")
		for lang, want := range map[string]string{"vi": "Ngôi nhà bình yên", "en": "The peaceful house (short film)", "fr": "Ngôi nhà bình yên"} {
			doc := ta.client().page("/"+lang+"/events/"+itoa(int(id)), http.StatusOK)
			got := ""
			doc.Find("dt").Each(func(_ int, s *goquery.Selection) {
				if s.Text() == ta.srv.bundle.For(lang).T("event.film") {
					got = s.Next().Text()
				}
			})
			if got != want {
				t.Errorf("%s page: film %q, want %q", lang, got, want)
			}
		}
		// A workshop has no film, whatever was typed.
		loc = wantRedirect(t, c.post("/en/staff/events/new", eventValues(v.ID, func(f url.Values) {
			f.Set("kind", "authority_workshop")
			f.Set("starts_at", "2026-12-10T08:00")
			f.Set("ends_at", "2026-12-10T11:00")
		})), "/en/staff/events/")
		e, _ := event.Get(t.Context(), db, idFromLocation(t, loc))
		if e.FilmIn("vi") != "" || e.Film != "" {
			t.Errorf("a workshop kept a film: %q", e.FilmIn("vi"))
		}
	})
}
