package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// The webhook pages (list, new, the endpoint with its delivery log, edit,
// the secret shown once, and the form with every error) fit a 360 px phone
// in vi, fr and en, and the delivery log prints on A4 without cells over
// each other. (TestBrowserStaffPagesFitPhone sweeps the GET pages too; this
// one is quick and reaches the pages that answer a POST.)
func TestBrowserWebhookPagesFitPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		admin := testutil.Staff(t, db, user.RoleAdmin)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now})
		id := seedWebhook(t, db, admin.ID, ev.ID, now)
		b := newBrowser(t, db)
		b.login(t, "en", admin)
		for _, lang := range locale.Core {
			base := "/" + lang + "/staff/admin/webhooks"
			for _, p := range []string{base, base + "/new", fmt.Sprintf("%s/%d", base, id), fmt.Sprintf("%s/%d/edit", base, id)} {
				b.navigate(t, p)
				b.fitsPhone(t, p)
			}
			// Every error at once, then the secret.
			b.navigate(t, base+"/new")
			b.fill(t, "#f-url", "http://10.0.0.1/x")
			b.click(t, `main form.form button[type="submit"]`)
			b.waitVisible(t, "#f-events-err")
			b.fitsPhone(t, base+" (errors)")
			b.do(t, chromedp.SetValue(chromedp.CSS("#f-url"), "https://partner-information-system.example.org/integrations/lantern/receive"))
			b.click(t, `input[name="events"]`)
			b.click(t, `main form.form button[type="submit"]`)
			b.waitVisible(t, "#f-secret")
			b.fitsPhone(t, base+" (secret)")
		}
		for _, lang := range locale.Core {
			b.printFaults(t, fmt.Sprintf("/%s/staff/admin/webhooks/%d", lang, id), a4Width, "print", true)
		}
		b.do(t, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
	})
}
