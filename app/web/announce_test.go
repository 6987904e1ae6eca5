package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// announceEvents creates n published sessions at one venue (one city), and
// one session in another city.
func announceEvents(t *testing.T, db *gorm.DB, n int) (same []*event.Event, other *event.Event) {
	t.Helper()
	for i := 0; i < n; i++ {
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 20, StartsIn: time.Duration(5+i) * 24 * time.Hour})
		if i > 0 {
			if err := db.Model(&event.Event{}).Where("id = ?", e.ID).Update("venue_id", same[0].VenueID).Error; err != nil {
				t.Fatal(err)
			}
		}
		same = append(same, e)
	}
	return same, testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 20, StartsIn: 6 * 24 * time.Hour})
}

var stopLink = regexp.MustCompile(`http://lantern\.test(/[a-z]+/stop/[A-Za-z0-9_-]+)`)

func announcementTo(t *testing.T, db *gorm.DB, e164 string) message.Message {
	t.Helper()
	var m message.Message
	if err := db.Where("to_phone = ? AND kind = ?", e164, registration.SMSAnnouncement).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatalf("no announcement to …%s: %v", e164[len(e164)-3:], err)
	}
	return m
}

// The whole path through the real app: the box is unticked by default and
// its text versioned; ticking it records the opt-in; the organiser's
// preview counts only opted-in, not-stopped, not-registered numbers of the
// city, with the cost per channel; the send queues [QC] SMS in each
// person's language; a stop by the link or by TC / STOP cancels what is
// queued and is answered once; "my data" shows and withdraws the opt-in,
// and the export carries it.
func TestAnnouncementsThroughTheApp(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, org, _ := organiserApp(t, db)
		ta.srv.cfg.SMSInboundToken = inboundToken
		evs, far := announceEvents(t, db, 2)
		past, next := evs[0], evs[1]
		visitor := ta.client()
		doc := visitor.page("/vi/events/"+itoa(int(past.ID)), http.StatusOK)
		box := doc.Find("#reg-announce")
		if box.Length() != 1 || box.Is("[checked]") || box.Is("[required]") {
			t.Fatalf("the announcements box: found %d, checked or required", box.Length())
		}
		if !strings.Contains(doc.Find(`label[for=reg-announce]`).Text(), "Báo cho tôi về các buổi sắp tới") {
			t.Errorf("box text %q", doc.Find(`label[for=reg-announce]`).Text())
		}
		withBox := func(name, number string) url.Values {
			f := regForm(name, number)
			f.Set("announce", "1")
			return f
		}
		visitor.register(past.ID, "vi", withBox("Lê Thị Hoa", "0912 000 601"))   // reached
		visitor.register(past.ID, "en", withBox("John Smith", "0912 000 602"))   // reached, in English
		visitor.register(past.ID, "vi", regForm("Trần Văn Nam", "0912 000 603")) // no box
		visitor.register(past.ID, "vi", withBox("Phạm Thị Lan", "0912 000 604")) // registered for next too
		visitor.register(next.ID, "vi", regForm("Phạm Thị Lan", "0912 000 604")) //
		visitor.register(far.ID, "vi", withBox("Đỗ Văn Hùng", "0912 000 605"))   // another city
		visitor.register(past.ID, "vi", withBox("Võ Thị Mai", "0912 000 606"))   // stops by keyword first
		var o registration.Optin
		if err := db.Where("phone = ?", "+84912000601").Take(&o).Error; err != nil || o.ConsentVersion != registration.BuiltinAnnouncementsConsent || o.Lang != "vi" {
			t.Fatalf("opt-in %+v: %v", o, err)
		}
		// Double opt-in: the box only asks; the number's owner confirms by
		// the link sent to that number.
		if o.Active() {
			t.Fatal("ticking the box opted the number in without its owner")
		}
		for _, n := range []string{"+84912000601", "+84912000602", "+84912000604", "+84912000605"} {
			confirmOptin(t, ta, db, n)
		}
		if n, out := ta.inbound(inboundToken, false, "0912000606", "tc"); n != http.StatusOK || out["action"] != "stopped" {
			t.Fatalf("TC: %d %v", n, out)
		}

		base := "/en/staff/events/" + itoa(int(next.ID)) + "/announce"
		doc = org.page(base, http.StatusOK)
		if doc.Find(`input[name=scope][value=city]`).AttrOr("checked", "no") == "no" {
			t.Error("the city is not the default")
		}
		// A partner scope without a partner, and a text too long: both said, the text kept.
		long := strings.Repeat("a", registration.AnnounceTextMax+1)
		doc = ta.parse(org.post(base, url.Values{"scope": {"partner"}, "text_fr": {long}, "action": {"preview"}}), http.StatusUnprocessableEntity, "errors")
		if text(doc, "#an-partner-err") == "" || text(doc, "#an-text_fr-err") == "" || doc.Find("#an-text_fr").Text() != long {
			t.Errorf("errors: %q / %q", text(doc, "#an-partner-err"), text(doc, "#an-text_fr-err"))
		}
		form := url.Values{"scope": {"city"}, "text_vi": {"Có phim mới!"}, "action": {"preview"}}
		doc = ta.parse(org.post(base, form), http.StatusOK, "preview")
		if got := text(doc, "#reach strong"); got != "It reaches 2 people." {
			t.Errorf("reach %q", got)
		}
		row := doc.Find("table.announce-costs tbody tr")
		if row.Length() != 1 || text(doc, "table.announce-costs tbody th") != "SMS" || !strings.Contains(row.Text(), "VND") {
			t.Errorf("costs: %q", row.Text())
		}
		form.Set("action", "send")
		wantRedirect(t, org.post(base, form), base+"?flash=announce_sent")
		doc = ta.parse(org.post(base, form), http.StatusUnprocessableEntity, "twice")
		if !strings.Contains(doc.Find(".flash-error").Text(), "Nobody to tell") {
			t.Errorf("a second send: %q", doc.Find(".flash-error").Text())
		}
		var ms []message.Message
		db.Where("kind = ?", registration.SMSAnnouncement).Order("id").Find(&ms)
		if len(ms) != 2 {
			t.Fatalf("%d announcements, want 2", len(ms))
		}
		vi, en := announcementTo(t, db, "+84912000601"), announcementTo(t, db, "+84912000602")
		if !strings.HasPrefix(vi.Body, "[QC] Lantern") || !strings.HasPrefix(en.Body, "[QC] Lantern") || !strings.Contains(en.Body, "/en/events/") ||
			!strings.Contains(vi.Body, "Co phim moi!") || !strings.Contains(vi.Body, "soan TC") || strings.Contains(vi.Body, "0912000601") {
			t.Errorf("bodies:\n%s\n%s", vi.Body, en.Body)
		}
		if strings.Contains(vi.Params, "[QC]") {
			t.Error("the label is in the template's parameters")
		}

		// Stop by the link: a page, one POST, the queued message not sent.
		path := stopLink.FindStringSubmatch(vi.Body)
		if path == nil || strings.Contains(path[1], "84912") {
			t.Fatalf("no stop link in %q", vi.Body)
		}
		phoneOwner := ta.client()
		doc = phoneOwner.page(path[1], http.StatusOK)
		if doc.Find(`form[action="`+path[1]+`"] button`).Length() != 1 {
			t.Fatal("no stop button")
		}
		wantRedirect(t, phoneOwner.post(path[1], nil), path[1]+"?flash=announce_stopped")
		if m := announcementTo(t, db, "+84912000601"); m.Status != message.StatusFailed || m.LastError != message.StoppedError {
			t.Errorf("stopped number's announcement: %s", m.Status)
		}
		doc = phoneOwner.page(path[1], http.StatusOK)
		if doc.Find("form button").Length() != 0 && doc.Find(`form[action="`+path[1]+`"]`).Length() != 0 {
			t.Error("the stop button is still offered")
		}
		if resp := phoneOwner.get("/vi/stop/AAAAAAAAAAAAAAAAAAAAAA"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown link: %d", resp.StatusCode)
		}

		// STOP by SMS: answered once.
		replies := func() int64 {
			var n int64
			db.Model(&message.Message{}).Where("to_phone = ? AND kind = ?", "+84912000602", registration.SMSReply).Count(&n)
			return n
		}
		if _, out := ta.inbound(inboundToken, true, "+84912000602", "STOP"); out["action"] != "stopped" || replies() != 1 {
			t.Errorf("STOP: %v, %d replies", out, replies())
		}
		if _, out := ta.inbound(inboundToken, true, "+84912000602", "Stop"); out["action"] != "already_stopped" || replies() != 1 {
			t.Errorf("STOP again: %v, %d replies", out, replies())
		}
		if m := announcementTo(t, db, "+84912000602"); m.Status != message.StatusFailed {
			t.Errorf("STOP left the announcement %s", m.Status)
		}
		// Someone who knows the number registers it again with the box
		// ticked: it stays stopped, and no second request goes out within a day.
		visitor.register(next.ID, "en", withBox("John Smith", "0912 000 602"))
		if o, _ := registration.OptinOf(t.Context(), db, "+84912000602"); o.Active() {
			t.Error("a stopped number was opted in again by whoever typed it")
		}
		var asks int64
		db.Model(&message.Message{}).Where("to_phone = ? AND kind = ?", "+84912000602", registration.SMSAnnounceConfirm).Count(&asks)
		if asks != 1 {
			t.Errorf("%d confirmation requests to one number in a day, want 1", asks)
		}

		// "My data": shows the opt-in, withdraws it; the export carries it.
		cl := ta.client()
		wantRedirect(t, cl.post("/en/my-data", url.Values{"phone": {"0912 000 605"}}), "/en/my-data/code")
		wantRedirect(t, cl.post("/en/my-data/code", url.Values{"code": {lastCode(t, db, "+84912000605")}}), "/en/my-data/view")
		doc = cl.page("/en/my-data/view", http.StatusOK)
		if !strings.Contains(doc.Find("main").Text(), "to hear about future sessions near you") {
			t.Errorf("my data lacks the opt-in: %.600s", doc.Find("main").Text())
		}
		var ex privacy.Export
		if err := json.NewDecoder(cl.get("/en/my-data/download").Body).Decode(&ex); err != nil || ex.Announcements == nil || !ex.Announcements.Active {
			t.Errorf("export: %+v %v", ex.Announcements, err)
		}
		wantRedirect(t, cl.post("/en/my-data/announcements/stop", nil), "/en/my-data/view?flash=announce_stopped")
		if o, _ := registration.OptinOf(t.Context(), db, "+84912000605"); o.Active() || o.StopMethod != registration.StopMyData {
			t.Errorf("after my data's stop: %+v", o)
		}
		// A number asked but not confirmed: "my data" says so, and offers the stop.
		visitor.register(past.ID, "en", withBox("Mai Anh", "0912 000 607"))
		pend := ta.client()
		wantRedirect(t, pend.post("/en/my-data", url.Values{"phone": {"0912 000 607"}}), "/en/my-data/code")
		wantRedirect(t, pend.post("/en/my-data/code", url.Values{"code": {lastCode(t, db, "+84912000607")}}), "/en/my-data/view")
		if doc := pend.page("/en/my-data/view", http.StatusOK); !strings.Contains(doc.Find("main").Text(), "Nothing is sent until it is confirmed") ||
			doc.Find(`form[action="/en/my-data/announcements/stop"]`).Length() != 1 {
			t.Errorf("my data of a pending opt-in: %.600s", doc.Find("main").Text())
		}
		// Erasing the data deletes the opt-in.
		wantRedirect(t, cl.post("/en/my-data/erase", url.Values{"confirm": {"yes"}}), "/en/my-data")
		if o, _ := registration.OptinOf(t.Context(), db, "+84912000605"); o != nil {
			t.Error("the opt-in outlived the erasure")
		}
	})
}

var confirmLink = regexp.MustCompile(`https?://[^/\s]+(/[a-z]+/a/[A-Za-z0-9_-]+)`)

// confirmOptin follows the confirmation link sent to e164: the page
// writes nothing, its button confirms.
func confirmOptin(t *testing.T, ta *testApp, db *gorm.DB, e164 string) {
	t.Helper()
	var m message.Message
	if err := db.Where("to_phone = ? AND kind = ?", e164, registration.SMSAnnounceConfirm).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatalf("no confirmation request to …%s: %v", e164[len(e164)-3:], err)
	}
	path := confirmLink.FindStringSubmatch(m.Body)
	if path == nil || strings.Contains(m.Body, e164[3:]) {
		t.Fatalf("no confirmation link (or the number) in %q", m.Body)
	}
	owner := ta.client()
	doc := owner.page(path[1], http.StatusOK)
	if o, _ := registration.OptinOf(t.Context(), db, e164); o.Active() {
		t.Fatal("opening the link (a chat app's preview does) confirmed")
	}
	if doc.Find(`form[action="`+path[1]+`"] button`).Length() != 1 {
		t.Fatal("no confirm button")
	}
	wantRedirect(t, owner.post(path[1], nil), path[1]+"?flash=announce_confirmed")
	if o, _ := registration.OptinOf(t.Context(), db, e164); !o.Active() {
		t.Fatal("the owner's confirmation did not opt the number in")
	}
	if doc := owner.page(path[1], http.StatusOK); doc.Find(`form[action="`+path[1]+`"]`).Length() != 0 {
		t.Error("the confirm button is still offered")
	}
}

// confirmLinkFixture is a number's pending confirmation page (its path
// without the language), for the sweeps.
func confirmLinkFixture(t *testing.T, db *gorm.DB, now time.Time) string {
	t.Helper()
	token := "sweepASKtoken0123456789x"
	o := registration.Optin{Phone: "+84912999002", Lang: "vi", ConsentVersion: registration.BuiltinAnnouncementsConsent,
		StopToken: "sweepSTOPtoken0123456780", ConfirmToken: &token, RequestedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := db.Create(&o).Error; err != nil {
		t.Fatal(err)
	}
	return "/a/" + token
}

// stopLinkFixture is an opted-in number's unsubscribe page (its path
// after the language), for the sweeps of every page.
func stopLinkFixture(t *testing.T, db *gorm.DB, now time.Time) string {
	t.Helper()
	o := registration.Optin{Phone: "+84912999001", Lang: "vi", ConsentVersion: registration.BuiltinAnnouncementsConsent,
		OptedInAt: &now, StopToken: "sweepSTOPtoken0123456789", CreatedAt: now, UpdatedAt: now}
	if err := db.Create(&o).Error; err != nil {
		t.Fatal(err)
	}
	return "/stop/" + o.StopToken
}
