package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// TestWebhookAdmin: through the real app, an admin registers an endpoint
// (every problem of a bad form at once, beside its field, input kept; an
// internal address refused), sees its secret once, marks it personal
// (audited), disables it, replays a failed delivery (audited) and deletes
// it; a trainer is refused.
func TestWebhookAdmin(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		c := ta.client()
		c.login(admin)

		if c.page("/en/staff/", http.StatusOK).Find(`a[href="/en/staff/admin/webhooks"]`).Length() == 0 {
			t.Error("the back office menu has no link to the webhooks")
		}
		resp := c.post("/fr/staff/admin/webhooks", url.Values{"url": {"http://partner.example.org/x"}, "description": {"Mon partenaire"}, "events": {"nope"}})
		doc := ta.parse(resp, http.StatusUnprocessableEntity, "bad form")
		if doc.Find("#f-url-err").Length() != 1 || doc.Find("#f-events-err").Length() != 1 {
			t.Errorf("errors not beside each field: %s", doc.Find("form").Text())
		}
		if v, _ := doc.Find("#f-description").Attr("value"); v != "Mon partenaire" {
			t.Errorf("input not kept: %q", v)
		}
		resp = c.post("/en/staff/admin/webhooks", url.Values{"url": {"https://169.254.169.254/latest"}, "events": {webhook.EventChanged}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "internal address")
		if !strings.Contains(doc.Find("#f-url-err").Text(), "internal") {
			t.Errorf("internal address: %q", doc.Find("#f-url-err").Text())
		}
		var n int64
		db.Model(&webhook.Endpoint{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d endpoints made by refused forms", n)
		}

		resp = c.post("/vi/staff/admin/webhooks", url.Values{"url": {"https://partner.example.org/hooks"}, "description": {"Đối tác"},
			"events": {webhook.EventChanged, webhook.RegistrationCreated}, "enabled": {"true"}})
		doc = ta.parse(resp, http.StatusOK, "create")
		secret, _ := doc.Find("#f-secret").Attr("value")
		var ep webhook.Endpoint
		if err := db.Take(&ep).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, webhook.SecretPrefix) || ep.Secret != secret || ep.Personal || !ep.Enabled {
			t.Fatalf("endpoint %+v, secret %q", ep, secret)
		}
		path := "/en/staff/admin/webhooks/" + itoa(int(ep.ID))
		if strings.Contains(bodyOf(t, c.get(path)), secret) {
			t.Error("the secret is shown again")
		}

		resp = c.post(path, url.Values{"url": {"https://partner.example.org/hooks"}, "events": {webhook.EventChanged}, "personal": {"true"}, "enabled": {"true"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", resp.StatusCode, bodyOf(t, resp))
		}
		var audits int64
		db.Table("audit_logs").Where("action = ? AND entity = ?", "webhook.personal", "webhook_endpoint").Count(&audits)
		if audits != 1 {
			t.Errorf("%d audit entries of the personal marking", audits)
		}

		// A failed delivery, replayed by hand.
		ev := testutil.Event(t, db, testutil.EventOpts{Now: time.Now()})
		if err := db.Transaction(func(tx *gorm.DB) error {
			return webhook.Raise(tx, webhook.EventChanged, webhook.Subject{EventID: ev.ID}, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		var dl webhook.Delivery
		db.Take(&dl)
		db.Model(&dl).Updates(map[string]any{"status": webhook.StatusFailed, "last_status": 500, "last_body": "oops"})
		doc = c.page(path, http.StatusOK)
		if !strings.Contains(doc.Find("table").Text(), "oops") || doc.Find(`form[action$="/replay"]`).Length() != 1 {
			t.Errorf("delivery log: %s", doc.Find("table").Text())
		}
		resp = c.post(path+"/deliveries/"+itoa(int(dl.ID))+"/replay", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("replay: %d", resp.StatusCode)
		}
		db.Take(&dl, dl.ID)
		db.Table("audit_logs").Where("action = ?", "webhook.replay").Count(&audits)
		if dl.Status != webhook.StatusQueued || audits != 1 {
			t.Errorf("replay: %s, %d audit entries", dl.Status, audits)
		}

		if resp := c.post(path+"/disable", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		db.Take(&ep, ep.ID)
		if ep.Enabled {
			t.Error("not disabled")
		}
		if resp := c.post(path+"/rotate", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("rotate: %d", resp.StatusCode)
		}
		trainer := ta.client()
		trainer.login(testutil.Staff(t, db, user.RoleTrainer))
		if resp := trainer.post(path+"/delete", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("trainer deletes: %d", resp.StatusCode)
		}
		if resp := c.post(path+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		db.Model(&webhook.Endpoint{}).Count(&n)
		if n != 0 {
			t.Error("not deleted")
		}
	})
}
