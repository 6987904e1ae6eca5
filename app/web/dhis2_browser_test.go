package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/dhis2/dhis2test"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// The group form's sex × age grid and the DHIS2 screen (mapped, with
// DHIS2's menus, a dry run's JSON and a push's summary) fit a 360 px phone
// in the three languages; the DHIS2 screen prints on A4.
func TestBrowserGroupGridAndDHIS2FitPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		b := newBrowser(t, db)
		b.ta.setNow(reporttest.Now)
		fake := dhis2test.New(t, report.SexAgeKeys())
		b.ta.srv.dhis2 = dhis2.NewClient(dhis2.Settings{URL: fake.URL, Token: dhis2test.Token})
		admin := testutil.Staff(t, db, user.RoleAdmin)
		c := b.ta.client()
		c.login(admin)
		wantRedirect(t, c.post("/en/staff/admin/dhis2/mapping", dhis2Form(dhis2.Monthly)), "/en/staff/admin/dhis2?flash=dhis2_saved")
		e := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), Capacity: 50})
		b.login(t, "en", admin)
		for _, lang := range locale.Supported {
			b.navigate(t, "/"+lang+"/events/"+itoa(int(e.ID)))
			b.click(t, "details.group summary")
			b.fitsPhone(t, lang+" group form")
			if w := evalAs[int](t, b, `Math.round(document.querySelector("#g_not_stated_60_plus").getBoundingClientRect().width)`); w < 36 {
				t.Errorf("%s: a grid box is %d px wide: too narrow to type in", lang, w)
			}
			// An error in the grid: the form comes back, still fitting.
			b.fill(t, "#g_female_under_16", "-3")
			b.click(t, "details.group form button[type=submit]")
			b.waitVisible(t, "#grp-grid-err")
			b.fitsPhone(t, lang+" group form with errors")

			b.navigate(t, "/"+lang+"/staff/admin/dhis2")
			b.fitsPhone(t, lang+" DHIS2")
			evalAs[string](t, b, `document.querySelector("#period").value = "202603"`)
			b.click(t, "#run form button[type=submit]")
			b.waitVisible(t, "#dhis2-json")
			b.fitsPhone(t, lang+" DHIS2 dry run")
			b.click(t, "#run form button[formaction]")
			b.waitVisible(t, "#dhis2-counts")
			b.fitsPhone(t, lang+" DHIS2 push")
			// 106 values, 5 of them small counts of people (or giving one away) not sent.
			if got := b.text(t, "#dhis2-counts"); !strings.Contains(got, "101") {
				t.Errorf("%s: counts %q", lang, got)
			}
		}
		b.printFaults(t, "/en/staff/admin/dhis2", a4Width, "print", false)
		b.do(t, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
	})
}
