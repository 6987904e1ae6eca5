package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// TestFriendlyErrorPages: an error page says what to do next and leads back
// to the person's own pages: a trainer on an organiser's page is told whom
// to ask and sent back to their staff home; a stale form is to be reloaded;
// a missing page says so; in every language.
func TestFriendlyErrorPages(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		trainer := ta.client()
		trainer.login(testutil.Staff(t, db, user.RoleTrainer))
		for _, lang := range []string{"vi", "fr", "en"} {
			tr := ta.srv.bundle.For(lang)
			doc := ta.parse(trainer.get("/"+lang+"/staff/messages"), http.StatusForbidden, "trainer on the outbox")
			if got := text(doc, "main p"); got != tr.T("error.page.forbidden_staff") {
				t.Errorf("%s 403 hint %q", lang, got)
			}
			if doc.Find(`ul.error-links a[href="/`+lang+`/staff/"]`).Length() != 1 {
				t.Errorf("%s 403: no link back to the staff home", lang)
			}
			doc = ta.parse(trainer.get("/"+lang+"/no-such-page"), http.StatusNotFound, "missing page")
			if got := text(doc, "main p"); got != tr.T("error.page.not_found") {
				t.Errorf("%s 404 hint %q", lang, got)
			}
			visitor := ta.client()
			resp := visitor.post("/"+lang+"/login", url.Values{"_csrf": {"stale"}, "email": {"x@y.z"}, "password": {"x"}})
			doc = ta.parse(resp, http.StatusForbidden, "stale form")
			if got := text(doc, "main p"); got != tr.T("error.page.bad_request") || strings.Contains(doc.Text(), tr.T("error.page.staff_home")) {
				t.Errorf("%s stale form hint %q", lang, got)
			}
		}
	})
}
