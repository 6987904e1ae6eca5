package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// An organiser writes to a session's registrants: every error at once and
// the text kept; a preview of whom it reaches and the SMS cost; the send
// queues one message per person, in their language, and a repeated
// submission queues nothing more.
func TestOrganiserMessageToRegistrants(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, org, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 5 * 24 * time.Hour})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa", Lang: "vi", Status: registration.StatusConfirmed})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Marie Dupont", Lang: "fr", Status: registration.StatusConfirmed})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "John Smith", Lang: "en", Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Gone", Lang: "vi", Status: registration.StatusCancelled})
		base := "/en/staff/events/" + itoa(int(e.ID)) + "/message"
		doc := org.page(base, http.StatusOK)
		nonce := doc.Find(`input[name=nonce]`).AttrOr("value", "")
		// Nothing written, a bad audience: both said.
		doc = ta.parse(org.post(base, url.Values{"nonce": {nonce}, "audience": {"everyone"}, "action": {"preview"}}), http.StatusUnprocessableEntity, "empty")
		if text(doc, "#m-text_vi-err") != "Write the message in one language at least." || !strings.Contains(doc.Find("fieldset").Text(), "Please choose one of the options offered.") {
			t.Errorf("errors: %q / %q", text(doc, "#m-text_vi-err"), doc.Find("fieldset").Text())
		}
		form := url.Values{"nonce": {nonce}, "audience": {"confirmed"}, "text_vi": {"Buổi chiếu chuyển sang phòng 2."}, "text_fr": {"La projection a lieu salle 2."}, "action": {"preview"}}
		doc = org.page(base, http.StatusOK)
		doc = ta.parse(org.post(base, form), http.StatusOK, "preview")
		if got := text(doc, "#reach strong"); got != "It reaches 2 people." {
			t.Errorf("reach %q", got)
		}
		if doc.Find(`button[value=send]`).Length() != 1 || doc.Find("#m-text_fr").Text() != "La projection a lieu salle 2." {
			t.Error("no send button, or the text was not kept")
		}
		form.Set("action", "send")
		wantRedirect(t, org.post(base, form), "/en/staff/events/"+itoa(int(e.ID))+"/registrations?flash=broadcast_sent")
		wantRedirect(t, org.post(base, form), "/en/staff/events/"+itoa(int(e.ID))+"/registrations?flash=broadcast_sent") // a double tap
		var sent []message.Message
		db.Where("kind = ?", registration.SMSOrganiser).Order("id").Find(&sent)
		if len(sent) != 2 {
			t.Fatalf("%d messages queued, want 2", len(sent))
		}
		bodies := sent[0].Body + " | " + sent[1].Body
		if !strings.Contains(bodies, "Buổi chiếu chuyển sang phòng 2.") || !strings.Contains(bodies, "La projection a lieu salle 2.") {
			t.Errorf("bodies: %s", bodies)
		}
		if resp := ta.client().get(base); resp.StatusCode == http.StatusOK {
			t.Error("an anonymous visitor reaches the form")
		}
	})
}
