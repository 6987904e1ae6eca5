package web

import (
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/testutil"
)

// Benchmarks of the public pages through the whole Fiber app (middleware,
// database, templates, compression), rendered on every request (render) and
// served from the page cache (cached, the default). The visitor keeps the
// CSRF cookie of a first visit, as a browser does. Run:
//
//	go test ./app/web -run '^$' -bench . -benchmem
//	TEST_DATABASE_URL=postgres://… go test ./app/web -run '^$' -bench . -benchmem
func benchPages(b *testing.B, dialect string) {
	db := testutil.New(b, dialect).DB
	now := time.Now().UTC()
	var id uint
	for i := 0; i < 60; i++ {
		e := testutil.Event(b, db, testutil.EventOpts{Now: now, StartsIn: time.Duration(i-20) * 24 * time.Hour})
		id = e.ID
	}
	for _, mode := range []string{"render", "cached"} {
		cfg := testConfig(b)
		cfg.PageCache = mode == "cached"
		cfg.PageCachePoll = 250 * time.Millisecond
		ta := newTestAppConfig(b, db, cfg)
		for _, p := range []string{"/vi/events", "/vi/events/" + itoa(int(id)), "/api/v1/events?lang=vi"} {
			first, err := ta.app.Test(httptest.NewRequest("GET", p, nil), -1)
			if err != nil {
				b.Fatal(err)
			}
			cookies := first.Cookies()
			b.Run(mode+p, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					req := httptest.NewRequest("GET", p, nil)
					req.Header.Set("Accept-Encoding", "gzip")
					for _, c := range cookies {
						req.AddCookie(c)
					}
					resp, err := ta.app.Test(req, -1)
					if err != nil || resp.StatusCode != 200 {
						b.Fatalf("%s: %v %d", p, err, resp.StatusCode)
					}
					resp.Body.Close()
				}
			})
		}
	}
}

func BenchmarkPublicPagesSQLite(b *testing.B) { benchPages(b, "sqlite") }

func BenchmarkPublicPagesPostgres(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL not set")
	}
	benchPages(b, "postgres")
}
