package web

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestBrowserReadmeScreenshots opens, on a phone, the pages the README
// shows, with the demo data of `go run ./app`: the events list, a session
// in French, the trainer's home with today's work, the donor report. Each
// fits the phone and renders something; with LANTERN_README_SHOTS=docs the
// screenshots are written there (how the README's are made current).
func TestBrowserReadmeScreenshots(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		if err := seed.Run(t.Context(), db, lantern.Assets, seed.Options{Demo: true, Now: now}); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, db)
		var next uint
		if err := db.Table("events").Where("starts_at > ? AND status = ?", now, "published").Order("starts_at").Limit(1).Pluck("id", &next).Error; err != nil || next == 0 {
			t.Fatalf("no upcoming demo session: %v", err)
		}
		shot := func(b *browserEnv, name string) {
			t.Helper()
			b.noHorizontalScroll(t)
			ctx, cancel := b.step()
			defer cancel()
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if len(png) < 5000 {
				t.Errorf("%s: a %d-byte screenshot is an empty page", name, len(png))
			}
			if dir := os.Getenv("LANTERN_README_SHOTS"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, "screenshot-"+name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		b.navigate(t, "/vi/events")
		shot(b, "events")
		b.navigate(t, "/fr/events/"+itoa(int(next)))
		shot(b, "event")
		// The demo accounts, as the README gives them.
		demoLogin := func(b *browserEnv, lang, email string) {
			t.Helper()
			b.navigate(t, "/"+lang+"/login")
			b.fill(t, "#email", email)
			b.fill(t, "#password", "lantern-demo-2026")
			b.click(t, "form.form button[type=submit]")
			b.waitVisible(t, ".staffnav")
		}
		demoLogin(b, "vi", "trainer@lantern.test")
		b.navigate(t, "/vi/staff")
		shot(b, "staff-home")
		b = newBrowser(t, db) // a browser of its own: no trainer's session
		demoLogin(b, "en", "organiser@lantern.test")
		b.navigate(t, "/en/staff/dashboard/donor")
		shot(b, "donor")
	})
}
