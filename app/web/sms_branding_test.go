package web

import (
	"net/http"
	"net/url"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Admins set the SMS sender's branding: every error at once beside its
// field with what was typed kept, then saved (and read back by the
// sender); an organiser cannot reach the page.
func TestSMSBrandingSettings(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		doc := admin.page("/vi/staff/admin/sms", http.StatusOK)
		if doc.Find("#b-prefix").AttrOr("value", "") != message.DefaultPrefix || doc.Find("#b-unaccented[checked]").Length() != 0 {
			t.Error("the defaults are not shown")
		}
		doc = ta.parse(admin.post("/en/staff/admin/sms", url.Values{"prefix": {""}, "brandname": {"ÁNH SÁNG"}}), http.StatusUnprocessableEntity, "bad")
		if text(doc, "#b-prefix-err") == "" || text(doc, "#b-brandname-err") == "" || doc.Find("#b-brandname").AttrOr("value", "") != "ÁNH SÁNG" {
			t.Errorf("errors %q / %q", text(doc, "#b-prefix-err"), text(doc, "#b-brandname-err"))
		}
		wantRedirect(t, admin.post("/en/staff/admin/sms", url.Values{"prefix": {"Anh Sang"}, "brandname": {"ANHSANG"}, "unaccented": {"1"}}),
			"/en/staff/admin/sms?flash=branding_saved")
		if b, err := message.LoadBranding(t.Context(), db); err != nil || b != (message.Branding{Prefix: "Anh Sang", Brandname: "ANHSANG", Unaccented: true}) {
			t.Errorf("saved %+v %v", b, err)
		}
		org, _ := ta.organiser(t)
		if resp := org.get("/en/staff/admin/sms"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an organiser gets %d", resp.StatusCode)
		}
	})
}
