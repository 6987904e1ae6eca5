package web

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// axe-core (from npm) checks the pages in a real browser against the WCAG
// 2.1 A and AA rules. .ci/run installs it; elsewhere set LANTERN_AXE to the
// path of axe.min.js, or run `npm install --prefix ~/.cache/lantern-axe axe-core@4.14.1`.
func findAxe() string {
	if p := os.Getenv("LANTERN_AXE"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	p := filepath.Join(home, ".cache", "lantern-axe", "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axeCheck runs axe on the open page and reports each violation.
func (b *browserEnv) axeCheck(t *testing.T, axe, page string) {
	t.Helper()
	// Runtime.evaluate is not subject to the page's CSP, so the page keeps
	// its strict policy while the checker runs.
	evalAs[bool](t, b, axe+";true")
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, "…")
				break
			}
			where = append(where, fmt.Sprint(n.Target))
		}
		t.Errorf("%s: %s (%s): %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
	}
}

// transferred sums the bytes the page and everything it loaded took on the
// wire (compressed bodies and headers), as the browser measured them.
func (b *browserEnv) transferred(t *testing.T) int {
	return evalAs[int](t, b, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		let n = nav ? nav.transferSize : 0;
		for (const r of performance.getEntriesByType('resource')) n += r.transferSize;
		return n;
	})()`)
}

// Every public page and the main staff pages pass axe in the three
// languages; every public page transfers 30 KB or less with all it loads.
func TestBrowserAccessibilityAndWeight(t *testing.T) {
	axe := findAxe()
	if axe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but axe-core is not installed (bash .ci/run installs it)")
		}
		t.Skip("axe-core not installed: set LANTERN_AXE or run bash .ci/run")
	}
	src, err := os.ReadFile(axe)
	if err != nil {
		t.Fatal(err)
	}
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		film := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 72 * time.Hour, Titles: map[string]string{"vi": "Chiếu phim: Lời hứa", "en": "Screening: The promise"}})
		ws := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 96 * time.Hour, Kind: event.KindAuthorityWorkshop})
		reg := testutil.Registration(t, db, film.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức"})
		admin := testutil.Staff(t, db, user.RoleAdmin, user.RoleOrganiser, user.RoleTrainer, user.RoleCoach)
		testutil.AssignTrainer(t, db, film.ID, admin.ID)
		id := itoa(int(film.ID))

		stop := stopLinkFixture(t, db, now)
		public := []string{"/events", "/events/" + id, "/events/" + itoa(int(ws.ID)), "/events/calendar", "/login", "/r/" + reg.Code, "/api",
			stop, confirmLinkFixture(t, db, now), ratingPath(t, b.ta, db, now)}
		staff := []string{"/staff/", "/staff/events/", "/staff/events/new", "/staff/events/" + id + "/registrations",
			"/staff/events/" + id + "/announce",
			"/trainer", "/staff/events/" + id + "/checkin", "/staff/coaching", "/staff/quizzes", "/staff/admin/accounts",
			"/staff/messages", "/staff/schedule", "/staff/dashboard/", "/staff/plan", "/staff/reports/missing",
			"/staff/admin/tokens", "/staff/admin/tokens/new",
			"/staff/admin/webhooks", "/staff/admin/webhooks/new",
			"/staff/admin/zalo-templates", "/staff/admin/zalo-templates/confirmation/vi"}
		for _, lang := range []string{"vi", "fr", "en"} {
			for _, p := range public {
				path := "/" + lang + p
				t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
					b.navigate(t, path)
					if n := b.transferred(t); n > PageBudget {
						t.Errorf("%s transferred %d bytes, over the %d budget", path, n, PageBudget)
					} else {
						t.Logf("%s: %d bytes transferred", path, n)
					}
					b.axeCheck(t, string(src), path)
				})
			}
		}
		// Sign in (once: the session covers the three languages).
		b.login(t, "en", admin)
		for _, lang := range []string{"vi", "fr", "en"} {
			for _, p := range staff {
				path := "/" + lang + p
				t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
					b.navigate(t, path)
					if loc := b.location(t); !strings.HasSuffix(loc, path) {
						t.Fatalf("%s ended on %s", path, loc)
					}
					b.axeCheck(t, string(src), path)
				})
			}
		}
	})
}
