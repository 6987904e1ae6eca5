package web

import (
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// The impact assessment is drafted from the live configuration, in the
// language asked for, and downloads as a file; only admins reach it.
func TestImpactAssessmentDraft(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		testutil.Staff(t, db, user.RoleTrainer)
		testutil.Staff(t, db, user.RoleTrainer, user.RoleCoach)
		c := ta.client()
		c.login(admin)
		titles := map[string]string{
			"vi": "Hồ sơ đánh giá tác động xử lý dữ liệu cá nhân — bản nháp",
			"fr": "Analyse d'impact du traitement des données personnelles — brouillon",
			"en": "Personal data processing impact assessment — draft",
		}
		for lang, title := range titles {
			doc := c.page("/en/staff/admin/impact-assessment?lang="+lang, http.StatusOK)
			if got := text(doc, "article h1"); got != title {
				t.Errorf("%s: title %q", lang, got)
			}
			body := doc.Find("article").Text()
			for _, want := range []string{"90", "365", "91/2025"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s: the draft lacks %q", lang, want)
				}
			}
		}
		doc := c.page("/en/staff/admin/impact-assessment?lang=en", http.StatusOK)
		roles := doc.Find("article ul").Eq(1).Text()
		if !strings.Contains(roles, "Trainer / facilitator: 2 active accounts") || !strings.Contains(roles, "Administrator: 1 active account") {
			t.Errorf("roles: %q", roles)
		}
		resp := c.get("/en/staff/admin/impact-assessment?lang=vi&download=1")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="lantern-impact-assessment-vi-`) {
			t.Errorf("download: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		o := ta.client()
		o.login(testutil.Staff(t, db, user.RoleOrganiser))
		if resp := o.get("/en/staff/admin/impact-assessment"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("organiser: %d", resp.StatusCode)
		}
	})
}
