package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Admins set retention per kind of data: every error beside its field in
// their language, what they typed kept, nothing saved on error; the page
// shows what will be anonymised next.
func TestRetentionSettingsPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{StartsIn: -80 * 24 * time.Hour})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa"})
		admin := testutil.Staff(t, db, user.RoleAdmin)
		c := ta.client()
		c.login(admin)
		want := map[string]string{"vi": "Một số ngày nguyên từ 1 đến 36500.", "fr": "Un nombre entier de jours entre 1 et 36500.", "en": "A whole number of days between 1 and 36500."}
		for lang, msg := range want {
			doc := c.page("/"+lang+"/staff/admin/retention", http.StatusOK)
			if doc.Find("#f-phone_days").AttrOr("value", "") != "90" || doc.Find("tbody tr").Length() == 0 {
				t.Errorf("%s: defaults or preview missing", lang)
			}
			doc = ta.parse(c.post("/"+lang+"/staff/admin/retention", url.Values{"phone_days": {"abc"}, "name_days": {"0"}, "report_text_days": {"30"}}),
				http.StatusUnprocessableEntity, lang)
			if text(doc, "#f-phone_days-err") != msg || text(doc, "#f-name_days-err") != msg || doc.Find("#f-phone_days").AttrOr("value", "") != "abc" {
				t.Errorf("%s: errors %q %q", lang, text(doc, "#f-phone_days-err"), text(doc, "#f-name_days-err"))
			}
		}
		if p, _ := privacy.LoadPeriods(t.Context(), db, ta.srv.retentionDefaults()); p != ta.srv.retentionDefaults() {
			t.Errorf("saved on error: %+v", p)
		}
		wantRedirect(t, c.post("/en/staff/admin/retention", url.Values{"phone_days": {"30"}, "name_days": {"200"}, "report_text_days": {"100"}}),
			"/en/staff/admin/retention?flash=retention_saved")
		if p, _ := privacy.LoadPeriods(t.Context(), db, ta.srv.retentionDefaults()); p != (privacy.Periods{PhoneDays: 30, NameDays: 200, ReportTextDays: 100}) {
			t.Errorf("saved %+v", p)
		}
		org := testutil.Staff(t, db, user.RoleOrganiser)
		o := ta.client()
		o.login(org)
		if resp := o.get("/en/staff/admin/retention"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("organiser: %d", resp.StatusCode)
		}
	})
}
