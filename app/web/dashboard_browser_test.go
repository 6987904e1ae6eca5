package web

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// a4MediaBox matches an A4 page (595 × 842 points, give or take rounding).
var a4MediaBox = regexp.MustCompile(`/MediaBox ?\[ ?0 0 59[4-6](\.\d+)? 84[1-2](\.\d+)? ?\]`)

// An organiser opens the dashboard and the donor report on a phone: the
// page does not scroll sideways (wide tables scroll inside their frame),
// and the bars are drawn. LANTERN_SCREENSHOTS=dir keeps screenshots.
func TestBrowserDashboardOnAPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		reporttest.Seed(t, db)
		b.ta.setNow(reporttest.Now)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		b.login(t, "vi", org)

		shot := func(name string) {
			dir := os.Getenv("LANTERN_SCREENSHOTS")
			if dir == "" {
				return
			}
			ctx, cancel := b.step()
			defer cancel()
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
			if err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
		b.navigate(t, "/vi/staff/dashboard")
		if got := b.text(t, `li.indicator[data-code="people_reached"] .value`); got != "44" {
			t.Errorf("people reached = %q, want 44", got)
		}
		if os.Getenv("DEBUG_WIDE") != "" {
			t.Log(evalAs[string](t, b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361 && !e.closest(".table-wrap")).slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join(" | ")`))
		}
		b.noHorizontalScroll(t)
		if w := evalAs[float64](t, b, `document.querySelector('li.indicator[data-code="film_debate_events"] rect.bar-fill').getBoundingClientRect().width`); w <= 0 {
			t.Errorf("film bar is %v px wide", w)
		}
		shot("dashboard-vi")

		b.navigate(t, "/vi/staff/dashboard?from=2026-01-01")
		if got := b.text(t, `li.indicator[data-code="people_reached"] .value`); got != "39" {
			t.Errorf("people reached since 2026 = %q, want 39", got)
		}

		b.navigate(t, "/fr/staff/dashboard/donor")
		if os.Getenv("DEBUG_WIDE") != "" {
			t.Log(evalAs[string](t, b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361 && !e.closest(".table-wrap")).slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join(" | ")`))
		}
		b.noHorizontalScroll(t)
		if hidden := evalAs[bool](t, b, `document.querySelector("[data-print]").hidden`); hidden {
			t.Error("the print button stays hidden with JavaScript")
		}
		shot("donor-fr")

		// Printed, the report is set on A4 (the print CSS names its page size).
		ctx, cancel := b.step()
		defer cancel()
		yes := true
		res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes})
		if err != nil {
			t.Fatal(err)
		}
		pdf := res.Data
		if !a4MediaBox.Match(pdf) {
			t.Errorf("the printed report is not A4: %q", regexp.MustCompile(`/MediaBox ?\[[^\]]*\]`).Find(pdf))
		}
		if dir := os.Getenv("LANTERN_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "donor-fr.pdf"), pdf, 0o644)
		}
	})
}
