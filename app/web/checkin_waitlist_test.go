package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// A waiting-list code typed at the door (no JavaScript) checks nobody in:
// the page warns, in the staff member's language, and offers to let the
// person in; letting them in confirms the registration and checks them in.
func TestCheckinOfAWaitlistedCodeWarns(t *testing.T) {
	warning := map[string]string{
		"vi": "Người này đang trong danh sách chờ, chưa có chỗ: chưa điểm danh.",
		"fr": "Cette personne est sur la liste d'attente et n'a pas de place : émargement non enregistré.",
		"en": "This person is on the waiting list and has no seat: not checked in.",
	}
	admit := map[string]string{"vi": "Cho vào từ danh sách chờ", "fr": "Faire entrer depuis la liste d'attente", "en": "Let in from the waiting list"}
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		for _, lang := range []string{"vi", "fr", "en"} {
			w := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Phạm Thị Chờ " + lang, Status: registration.StatusWaitlisted})
			base := "/" + lang + f.base[3:]
			resp := f.c.post(base+"/checkin/code", url.Values{"code": {strings.ToLower(w.Code)}})
			attRedirect(t, resp, base+"/checkin?flash=checkin_waitlisted&last="+itoa(int(w.ID)))
			if attRow(t, db, w.ID) != nil {
				t.Fatalf("%s: a waitlisted code was checked in without asking", lang)
			}
			doc := f.c.page(resp.Header.Get("Location"), http.StatusOK)
			if got := text(doc, "p.flash.flash-warn"); got != warning[lang] {
				t.Errorf("%s: warning = %q, want %q", lang, got, warning[lang])
			}
			if doc.Find("p.flash.flash-ok").Length() != 0 {
				t.Errorf("%s: a success message beside the warning", lang)
			}
			box := doc.Find("#last.waitlisted")
			if !strings.Contains(box.Text(), "Phạm Thị Chờ") {
				t.Errorf("%s: the warning box does not name the person: %q", lang, box.Text())
			}
			btn := box.Find(`form[action$="/checkin/mark"] input[name=admit][value=true] ~ button`)
			if got := strings.TrimSpace(btn.Text()); got != admit[lang] {
				t.Fatalf("%s: admit button = %q, want %q", lang, got, admit[lang])
			}
			// A tap on the roster line asks the same question.
			resp = f.c.post(base+"/checkin/mark", url.Values{"registration_id": {itoa(int(w.ID))}, "source": {"roster"}})
			attRedirect(t, resp, base+"/checkin?flash=checkin_waitlisted&last="+itoa(int(w.ID)))
			if attRow(t, db, w.ID) != nil {
				t.Fatalf("%s: a roster tap checked a waitlisted person in", lang)
			}
			// The staff member lets them in.
			resp = f.c.post(base+"/checkin/mark", url.Values{"registration_id": {itoa(int(w.ID))}, "admit": {"true"}})
			attRedirect(t, resp, base+"/checkin?flash=checkin_admitted&last="+itoa(int(w.ID)))
			if attRow(t, db, w.ID) == nil {
				t.Fatalf("%s: not checked in after being let in", lang)
			}
			var got registration.Registration
			db.Take(&got, w.ID)
			if got.Status != registration.StatusConfirmed {
				t.Errorf("%s: status after being let in = %s, want confirmed", lang, got.Status)
			}
			doc = f.c.page(resp.Header.Get("Location"), http.StatusOK)
			if doc.Find("#last.present").Length() != 1 || doc.Find("#last.waitlisted").Length() != 0 {
				t.Errorf("%s: the page does not show the person as present", lang)
			}
		}
	})
}

// TestOfflineQueueDoesNotLetInTheWaitingList: a waiting-list ticket queued
// on a phone (alone, the one-statement tick on PostgreSQL, or in a batch)
// is refused with the waiting list's reason, so the page parks it and shows
// it to the trainer; nobody is counted present and the registration stays
// waiting. A person already let in is ticked as usual.
func TestOfflineQueueDoesNotLetInTheWaitingList(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		w1 := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		w2 := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		ok := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{})
		send := func(items ...map[string]any) []map[string]any {
			resp := f.c.attPostJSON(fmt.Sprintf("/api/v1/events/%d/checkins", f.ev.ID), map[string]any{"checkins": items})
			var out struct {
				Results []map[string]any `json:"results"`
			}
			if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
				t.Fatalf("batch: status %d", resp.StatusCode)
			}
			return out.Results
		}
		item := func(n int, id uint) map[string]any {
			return map[string]any{"client_id": fmt.Sprintf("wait-%04d", n), "registration_id": id}
		}
		for _, got := range [][]map[string]any{send(item(1, w1.ID)), send(item(2, w2.ID), item(3, ok.ID))} {
			if got[0]["status"] != "rejected" || got[0]["error"] != "error.checkin.waitlisted" {
				t.Errorf("waiting-list item answered %v, want rejected: error.checkin.waitlisted", got[0])
			}
		}
		for _, r := range []*registration.Registration{w1, w2} {
			if attRow(t, db, r.ID) != nil {
				t.Errorf("registration %d on the waiting list counted present", r.ID)
			}
			var got registration.Registration
			db.Take(&got, r.ID)
			if got.Status != registration.StatusWaitlisted {
				t.Errorf("registration %d: %s, want still waitlisted", r.ID, got.Status)
			}
		}
		if attRow(t, db, ok.ID) == nil {
			t.Error("the confirmed person in the same batch was not checked in")
		}
	})
}
