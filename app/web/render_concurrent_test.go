package web

import (
	"html"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Every page, in every language, rendered at once by many requests: each
// answers in its own language from start to end (no translator, buffer or
// template state shared between requests). Run with -race in CI.
func TestPagesRenderConcurrently(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		d := seedStaffData(t, db, now)
		ta := newTestApp(t, db)
		staff := ta.client()
		staff.login(d.sweeper)
		stop := stopLinkFixture(t, db, now)
		ask := confirmLinkFixture(t, db, now)
		rate := ratingPath(t, ta, db, now)
		type job struct{ lang, path string }
		var jobs []job
		for _, lang := range locale.Supported {
			// Every staff page in the core languages; a sample of them in
			// the others (CI time: docs/DECISIONS.md).
			paths := staffPaths(t, ta, d, lang)
			if !locale.IsCore(lang) && len(paths) > staffSample {
				paths = sampleOf(paths, staffSample)
			}
			for _, p := range paths {
				jobs = append(jobs, job{lang, p})
			}
			for _, p := range []string{"/events", "/events/" + itoa(int(d.next)), "/my-data", "/privacy", stop, ask, rate} {
				jobs = append(jobs, job{lang, "/" + lang + p})
			}
		}
		if len(jobs) < 150 {
			t.Fatalf("only %d pages: the route walk is broken", len(jobs))
		}
		// The skip link opens every page's body, translated.
		skip := map[string]string{}
		for _, lang := range locale.Supported {
			skip[lang] = html.EscapeString(ta.srv.bundle.For(lang).T("nav.skip"))
		}
		work := make(chan job)
		var wg sync.WaitGroup
		var mu sync.Mutex
		rendered := 0
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range work {
					resp := staff.get(j.path)
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
						continue // files and redirects: not rendered pages
					}
					page := string(body)
					if printed(j.path) {
						// Printed in the event's or the participant's
						// language, whatever the staff member reads.
						if !strings.Contains(page, `<html lang="`) {
							t.Errorf("%s: no language", j.path)
						}
						continue
					}
					if !strings.Contains(page, `<html lang="`+j.lang+`"`) || !strings.Contains(page, skip[j.lang]) {
						t.Errorf("%s: not rendered in %s", j.path, j.lang)
					}
					for other, s := range skip {
						if other != j.lang && s != skip[j.lang] && strings.Contains(page, s) {
							t.Errorf("%s: carries %s text", j.path, other)
						}
					}
					mu.Lock()
					rendered++
					mu.Unlock()
				}
			}()
		}
		for _, j := range jobs {
			work <- j
		}
		close(work)
		wg.Wait()
		if rendered < 150 {
			t.Errorf("only %d pages rendered", rendered)
		}
	})
}

// printed tells the documents made for paper, in their reader's language.
func printed(path string) bool {
	return strings.HasSuffix(path, "/sheet") || strings.HasSuffix(path, "/certificates") || strings.HasSuffix(path, "/dashboard/donor")
}

// staffSample is how many staff pages the sweeps render in a language
// outside locale.Core.
const staffSample = 6

// sampleOf picks n paths spread over paths, the same ones on every run.
func sampleOf(paths []string, n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, paths[i*len(paths)/n])
	}
	return out
}
