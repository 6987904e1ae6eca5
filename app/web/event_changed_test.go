package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestEventChangeTellsRegistrants: moving a published session (its time or
// its place) queues one message to each person registered or waiting, in
// their language, with the new time; saving the same form again, or
// changing only its words, queues nothing; a draft's changes tell nobody.
func TestEventChangeTellsRegistrants(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 40})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Phone: "+84912000081", Lang: "vi"})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Phone: "+84912000082", Lang: "en", Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Phone: "+84912000083", Status: registration.StatusCancelled})
		changed := func() []message.Message {
			var ms []message.Message
			db.Where("event_id = ? AND kind = ?", e.ID, registration.SMSEventChanged).Order("id").Find(&ms)
			return ms
		}
		path := "/en/staff/events/" + itoa(int(e.ID))
		// Before saving, the form says who would be told and the cost.
		doc := ta.parse(c.get(path), http.StatusOK, "edit form")
		if got := text(doc, "#change-reach"); !strings.Contains(got, "the 2 people registered or waiting will each get a message") || !strings.Contains(got, "VND") {
			t.Errorf("edit form's preview = %q", got)
		}
		form := eventValues(e.VenueID) // another time than the session's
		if loc := wantRedirect(t, c.post(path, form), path); !strings.Contains(loc, "flash=event_saved_told") {
			t.Errorf("moved: redirected to %s, want the flash that people are told", loc)
		}
		ms := changed()
		if len(ms) != 2 {
			t.Fatalf("moved: %d messages, want 2 (the confirmed and the waiting, not the cancelled)", len(ms))
		}
		byPhone := map[string]message.Message{ms[0].To: ms[0], ms[1].To: ms[1]}
		if m := byPhone["+84912000082"]; m.Lang != "en" || !strings.Contains(m.Body, "has changed") || !strings.Contains(m.Body, "Dec 2, 2026") {
			t.Errorf("English message: %s %q", m.Lang, m.Body)
		}
		if m := byPhone["+84912000081"]; m.Lang != "vi" || !strings.Contains(m.Body, "thay doi") {
			t.Errorf("Vietnamese message: %s %q", m.Lang, m.Body)
		}
		// The same form again, then only its words: nothing more.
		if loc := wantRedirect(t, c.post(path, form), path); !strings.Contains(loc, "flash=event_saved") || strings.Contains(loc, "told") {
			t.Errorf("saved again: redirected to %s", loc)
		}
		form.Set("title_en", "Screening: The quiet house")
		wantRedirect(t, c.post(path, form), path)
		if n := len(changed()); n != 2 {
			t.Errorf("after saving the same time and place: %d messages, want still 2", n)
		}
		// Moved again: everyone is told again.
		form.Set("starts_at", "2026-12-03T18:30")
		form.Set("ends_at", "2026-12-03T20:30")
		wantRedirect(t, c.post(path, form), path)
		if n := len(changed()); n != 4 {
			t.Errorf("moved again: %d messages, want 4", n)
		}
		// A draft tells nobody.
		d := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 40, Status: event.StatusDraft})
		testutil.Registration(t, db, d.ID, testutil.RegistrationOpts{Phone: "+84912000084"})
		dp := "/en/staff/events/" + itoa(int(d.ID))
		wantRedirect(t, c.post(dp, eventValues(d.VenueID, func(v url.Values) { v.Set("starts_at", "2026-12-04T18:30"); v.Set("ends_at", "2026-12-04T20:30") })), dp)
		var n int64
		db.Model(&message.Message{}).Where("event_id = ? AND kind = ?", d.ID, registration.SMSEventChanged).Count(&n)
		if n != 0 {
			t.Errorf("a draft's change queued %d messages", n)
		}
	})
}
