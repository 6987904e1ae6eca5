package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Admins map a kind × language to a Zalo template: every error at once
// beside its field with what was typed kept, a preview of the template
// data from sample params, then saved (audited) and shown on the list.
func TestZaloTemplateForm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		const base = "/en/staff/admin/zalo-templates"
		doc := admin.page(base, http.StatusOK)
		if doc.Find(`a[href="`+base+`/confirmation/vi"]`).Length() != 1 || doc.Find(`a[href="`+base+`/waitlisted/any"]`).Length() != 1 {
			t.Error("the list does not link every kind × language")
		}
		if doc.Find(`a[href="`+base+`/reply/any"]`).Length() != 0 {
			t.Error("a kind without params is offered a template")
		}
		doc = admin.page(base+"/waitlisted/vi", http.StatusOK)
		if doc.Find("#f-lantern_0 option[value=Position]").Length() != 1 {
			t.Error("the select does not offer the kind's params")
		}

		bad := url.Values{"template_id": {"12ab"}, "active": {"1"}, "zalo_0": {"ten-buoi"}, "lantern_0": {"Event"},
			"zalo_1": {"so_thu_tu"}, "lantern_1": {"Nope"}, "zalo_2": {"so_thu_tu"}, "lantern_2": {"Position"}}
		doc = ta.parse(admin.post(base+"/waitlisted/vi", bad), http.StatusUnprocessableEntity, "bad")
		for _, f := range []string{"template_id", "zalo_0", "lantern_1", "zalo_2"} {
			if text(doc, "#f-"+f+"-err") == "" {
				t.Errorf("no error beside %s", f)
			}
		}
		if doc.Find("#f-template_id").AttrOr("value", "") != "12ab" || doc.Find("#f-zalo_0").AttrOr("value", "") != "ten-buoi" ||
			doc.Find("#f-lantern_2 option[selected]").AttrOr("value", "") != "Position" || doc.Find("#f-active[checked]").Length() != 1 {
			t.Error("what was typed is not kept")
		}
		var n int64
		db.Model(&message.ZaloTemplate{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d rows written on error", n)
		}

		good := url.Values{"template_id": {"123456"}, "active": {"1"}, "zalo_0": {"ten_buoi"}, "lantern_0": {"Event"},
			"zalo_1": {"so_thu_tu"}, "lantern_1": {"Position"}}
		good.Set("action", "preview")
		doc = ta.parse(admin.post(base+"/waitlisted/vi", good), http.StatusOK, "preview")
		if p := text(doc, "pre.preview"); !strings.Contains(p, `"so_thu_tu": "3"`) || !strings.Contains(p, `"ten_buoi"`) || strings.Contains(p, "Code") {
			t.Errorf("preview %q", p)
		}
		db.Model(&message.ZaloTemplate{}).Count(&n)
		if n != 0 {
			t.Fatal("the preview saved")
		}
		good.Set("action", "save")
		wantRedirect(t, admin.post(base+"/waitlisted/vi", good), base+"?flash=zalotpl_saved")
		row, found, err := message.ZaloTemplateRow(t.Context(), db, "waitlisted", "vi")
		if err != nil || !found || row.TemplateID != "123456" || !row.Active || len(row.Mapping()) != 2 || row.Mapping()[1] != (message.ZaloParam{Zalo: "so_thu_tu", Lantern: "Position"}) {
			t.Errorf("saved %+v %v %v", row, found, err)
		}
		var audits int64
		db.Table("audit_logs").Where("action = ? AND entity_id = ?", "zalo_template.save", "waitlisted.vi").Count(&audits)
		if audits != 1 {
			t.Errorf("%d audit entries", audits)
		}
		doc = admin.page(base, http.StatusOK)
		if !strings.Contains(doc.Find(`a[href="`+base+`/waitlisted/vi"]`).Closest("tr").Text(), "123456") {
			t.Error("the list does not show the saved template")
		}
		org, _ := ta.organiser(t)
		if resp := org.get(base); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an organiser gets %d", resp.StatusCode)
		}
		if resp := admin.get(base + "/reply/any"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a kind without params: %d", resp.StatusCode)
		}
	})
}
