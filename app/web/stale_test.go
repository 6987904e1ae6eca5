package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
)

// outageDB is a database that a test can take away (and, for PostgreSQL,
// bring back): PostgreSQL is a private cluster really stopped (pg_ctl stop
// -m immediate, as in TestDatabaseOutageAndRecovery); SQLite's pool is
// closed, after which no statement reaches the file.
type outageDB struct {
	db    *gorm.DB
	stop  func(t *testing.T)
	start func(t *testing.T) // nil: no way back
}

func newOutageDB(t *testing.T, dialect string) outageDB {
	t.Helper()
	if dialect != "postgres" {
		db := testutil.New(t, dialect).DB
		return outageDB{db: db, stop: func(t *testing.T) {
			sqlDB, err := db.DB()
			if err != nil {
				t.Fatal(err)
			}
			sqlDB.Close()
		}}
	}
	pgc := testutil.NewCluster(t)
	pg := testutil.PostgresOn(t, pgc.URL)
	return outageDB{db: pg.DB,
		stop: func(t *testing.T) {
			if err := pgc.Stop("immediate"); err != nil {
				t.Fatal(err)
			}
		},
		start: func(t *testing.T) {
			if err := pgc.Start(); err != nil {
				t.Fatal(err)
			}
		}}
}

// Issue 17, class 12: while the database is away, the public pages already
// seen (events list, event page, calendar, public API) are served from their
// last good copy, marked as possibly out of date: a translated notice on
// HTML pages, Warning: 110 and Age on every such answer. Registration still
// answers the translated 503, and so does a page never cached. Once the
// database is back, pages are fresh again and registration works.
func TestStalePublicPagesWhileDatabaseAway(t *testing.T) {
	for _, dialect := range testutil.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			odb := newOutageDB(t, dialect)
			ta := newTestApp(t, odb.db)
			start := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC) // 10:00 in Ho Chi Minh City
			ta.setNow(start)
			e := testutil.Event(t, odb.db, testutil.EventOpts{Now: start, Capacity: 40})
			id := itoa(int(e.ID))

			type page struct{ path, title, notice string }
			pages := []page{
				{"/vi/events", "Chiếu phim: Lời hứa", "đây là bản lưu lúc"},
				{"/fr/events/" + id, "Projection : La promesse", "cette page est la copie de"},
				{"/en/events/calendar?month=2026-12", "Screening: The promise", "this page is the copy of"},
			}
			apis := []string{"/api/v1/events", "/api/v1/events/" + id, "/vi/events/" + id + "/calendar.ics"}
			visitor := ta.client()
			for _, p := range pages {
				resp := visitor.get(p.path)
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Warning") != "" {
					t.Fatalf("GET %s with the database up: %d, Warning %q", p.path, resp.StatusCode, resp.Header.Get("Warning"))
				}
			}
			for _, p := range apis {
				if resp := visitor.get(p); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s with the database up: %d", p, resp.StatusCode)
				}
			}

			odb.stop(t)
			ta.setNow(start.Add(10 * time.Minute))
			for _, p := range pages {
				// A new visitor, without cookies (a crawler would get the same).
				c := ta.client()
				resp := c.get(p.path)
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Warning"), "110 ") ||
					resp.Header.Get("Age") != "600" {
					body, _ := io.ReadAll(resp.Body)
					t.Fatalf("GET %s with the database away: %d, Warning %q, Age %q, want 200 from the last copy\n%.600s",
						p.path, resp.StatusCode, resp.Header.Get("Warning"), resp.Header.Get("Age"), body)
				}
				doc := ta.parse(resp, http.StatusOK, p.path)
				notice := doc.Find("main .flash-stale[role=status]")
				if notice.Length() != 1 || !strings.Contains(notice.Text(), p.notice) || !strings.Contains(notice.Text(), "10:00") {
					t.Errorf("GET %s: notice %q, want one with %q and the copy's time 10:00", p.path, notice.Text(), p.notice)
				}
				if !strings.Contains(doc.Find("main").Text(), p.title) {
					t.Errorf("GET %s: the copy lacks the event %q", p.path, p.title)
				}
			}
			for _, p := range apis {
				resp := ta.client().get(p)
				body := bodyOf(t, resp)
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Warning"), "110 ") ||
					!strings.Contains(body, "The promise") && !strings.Contains(body, "Lời hứa") {
					t.Errorf("GET %s with the database away: %d, Warning %q\n%.300s", p, resp.StatusCode, resp.Header.Get("Warning"), body)
				}
				if strings.HasPrefix(p, "/api/") && !json.Valid([]byte(body)) {
					t.Errorf("GET %s: the copy is not JSON any more", p)
				}
			}

			// The copy's form posts, and gets the translated 503.
			c := ta.client()
			tok := formToken(t, ta, c.get("/fr/events/"+id), "event page from its copy")
			form := regForm("Trần Thị Lan", "0912345678")
			form.Set("_csrf", tok)
			resp := c.post("/fr/events/"+id+"/register", form)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
				!strings.Contains(string(body), "momentanément indisponible") {
				t.Errorf("registration with the database away: %d (Retry-After %q)\n%.500s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
			// A page no one opened before the outage has no copy: 503.
			if resp := c.get("/en/events/" + id); resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("a page never cached: %d, want 503", resp.StatusCode)
			}
			if n := ta.cacheCount("stale"); n < float64(len(pages)+len(apis)) {
				t.Errorf("stale answers counted: %v", n)
			}

			if odb.start == nil {
				return
			}
			odb.start(t)
			var fresh *http.Response
			for try := 0; try < 50; try++ { // the pool reconnects on its own
				if fresh = ta.client().get("/vi/events"); fresh.StatusCode == http.StatusOK && fresh.Header.Get("Warning") == "" {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if fresh.StatusCode != http.StatusOK || fresh.Header.Get("Warning") != "" {
				t.Fatalf("after the database came back: %d, Warning %q", fresh.StatusCode, fresh.Header.Get("Warning"))
			}
			if doc := ta.parse(fresh, http.StatusOK, "events list after"); doc.Find(".flash-stale").Length() != 0 {
				t.Error("the notice is still on the page after the database came back")
			}
			if _, flash := ta.client().register(e.ID, "fr", regForm("Trần Thị Lan", "0912345678")); flash != "register_done" {
				t.Errorf("registration after the outage: flash %s", flash)
			}
		})
	}
}
