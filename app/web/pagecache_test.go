package web

import (
	"github.com/lantern-ngo/lantern/app/csrftoken"
	"github.com/lantern-ngo/lantern/app/registration"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus/testutil"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func newTestAppConfig(t testing.TB, db *gorm.DB, cfg *config.Config) *testApp {
	t.Helper()
	srv, err := New(Options{Config: cfg, DB: db, Assets: lantern.Assets,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, srv: srv, app: srv.App(), db: db}
}

func (ta *testApp) cacheCount(result string) float64 {
	return prom.ToFloat64(ta.srv.pageCache.results.WithLabelValues(result))
}

// Anonymous visitors share one rendering of a public page, each with their
// own CSRF token in the form; a registration, or any change to what the page
// shows, is on the next page served.
func TestPageCacheServesSharedPagesWithOwnTokens(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 40})
		path := "/en/events/" + itoa(int(e.ID))

		a, b := ta.client(), ta.client()
		a.ip, b.ip = "10.0.0.1", "10.0.0.2"
		docA := a.page(path, http.StatusOK)
		hits := ta.cacheCount("hit")
		docB := b.page(path, http.StatusOK)
		if ta.cacheCount("hit") != hits+1 {
			t.Fatalf("second anonymous view was not served from the cache")
		}
		tokA, _ := docA.Find(`input[name=_csrf]`).Attr("value")
		tokB, _ := docB.Find(`input[name=_csrf]`).Attr("value")
		randA, _, okA := csrftoken.Visitor(a.cookies[csrfCookie])
		randB, _, okB := csrftoken.Visitor(b.cookies[csrfCookie])
		now := ta.srv.now()
		if tokA == "" || tokB == "" || tokA == tokB || !okA || !okB || randA == randB ||
			!ta.srv.csrfSigner.Verify(tokA, "a", randA, now) || !ta.srv.csrfSigner.Verify(tokB, "a", randB, now) ||
			ta.srv.csrfSigner.Verify(tokA, "a", randB, now) || ta.srv.csrfSigner.Verify(tokB, "a", randA, now) {
			t.Fatalf("tokens in the forms: %q and %q, each must be bound to its own visitor's cookie (%q and %q)",
				tokA, tokB, a.cookies[csrfCookie], b.cookies[csrfCookie])
		}
		if html, _ := docB.Html(); strings.Contains(html, csrfPlaceholder) {
			t.Fatal("the placeholder reached a visitor")
		}
		// The page kept in memory holds no visitor's token.
		if e := ta.srv.pageCache.store.Get(path, mustVersion(t, ta), now); e == nil ||
			strings.Contains(string(e.Body("")), tokA) || strings.Contains(string(e.Body("")), tokB) {
			t.Fatal("the cached page is missing or holds a visitor's token")
		}
		if got := text(docB, "dd:nth-of-type(4)"); !strings.Contains(docB.Text(), "40 seats left") {
			t.Fatalf("seats before registering: %q", got)
		}

		// B registers with the token of the cached page.
		form := regForm("Trần Thị Mai", "0912345678")
		form.Set("_csrf", tokB)
		if _, flash := b.register(e.ID, "en", form); flash != "register_done" {
			t.Fatalf("flash %s", flash)
		}
		if doc := a.page(path, http.StatusOK); !strings.Contains(doc.Text(), "39 seats left") {
			t.Fatalf("after a registration the page still shows the old seat count")
		}

		// A change made behind the application's back (raw SQL) shows too:
		// the database's triggers, not the code paths, bump the version.
		if err := db.Exec("UPDATE event_translations SET title = ? WHERE event_id = ? AND lang = ?", "Renamed screening", e.ID, "en").Error; err != nil {
			t.Fatal(err)
		}
		if doc := b.page(path, http.StatusOK); text(doc, "h1") != "Renamed screening" {
			t.Fatalf("title after a change: %q", text(doc, "h1"))
		}

		// Compressed and plain answers carry the same page.
		req := httptest.NewRequest(http.MethodGet, "/en/events", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		z1 := bodyOf(t, a.do(req))
		req = httptest.NewRequest(http.MethodGet, "/en/events", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		z2 := bodyOf(t, a.do(req))
		plain := bodyOf(t, a.get("/en/events"))
		if z1 != plain || z2 != plain || !strings.Contains(plain, "Renamed screening") {
			t.Fatalf("gzip and plain bodies differ or miss the event (%d, %d, %d bytes)", len(z1), len(z2), len(plain))
		}
	})
}

// Staff see their own links and personal data on public pages: their views
// are never cached nor served from the cache.
func TestPageCacheBypassesStaff(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		path := "/vi/events/" + itoa(int(e.ID))
		ta.client().page(path, http.StatusOK) // fills the cache
		staff := ta.client()
		staff.login(testutil.Staff(t, db, user.RoleOrganiser))
		hits := ta.cacheCount("hit")
		resp := staff.get(path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("staff view: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if ta.cacheCount("hit") != hits {
			t.Fatal("a staff view was served from the cache")
		}
	})
}

// What changes with the clock alone (a registration deadline passing) shows
// within the cache's time to live.
func TestPageCacheEntriesAgeOut(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		ta.setNow(now)
		deadline := now.Add(10 * time.Second)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Deadline: &deadline})
		path := "/en/events/" + itoa(int(e.ID))
		c := ta.client()
		if doc := c.page(path, http.StatusOK); doc.Find(`input#reg-phone`).Length() != 1 {
			t.Fatal("registration form missing before the deadline")
		}
		ta.setNow(now.Add(ta.srv.cfg.PageCacheTTL))
		if doc := c.page(path, http.StatusOK); doc.Find(`input#reg-phone`).Length() != 0 {
			t.Fatal("registration form still offered a cache lifetime after the deadline")
		}
	})
}

// Two instances on one database: a change made through one shows on the
// other within the poll interval, and at once on the one that made it.
func TestPageCacheAcrossInstances(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t)
		cfg.PageCachePoll = 2 * time.Second
		one, two := newTestAppConfig(t, db, cfg), newTestAppConfig(t, db, cfg)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		one.setNow(now)
		two.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 40})
		path := "/en/events/" + itoa(int(e.ID))
		visitors := map[*testApp]*client{one: one.client(), two: two.client()}
		seats := func(ta *testApp) string {
			doc := visitors[ta].page(path, http.StatusOK)
			for _, s := range []string{"40 seats left", "39 seats left"} {
				if strings.Contains(doc.Text(), s) {
					return s
				}
			}
			return "?"
		}
		if seats(one) != "40 seats left" || seats(two) != "40 seats left" {
			t.Fatal("initial seat counts wrong")
		}
		qc := testutil.CountQueries(t, db)
		qc.Reset()
		seats(one)
		if n := qc.N(); n != 0 {
			t.Errorf("a cached page within the poll interval ran %d queries, want 0", n)
		}
		two.client().register(e.ID, "en", regForm("Lê Văn Nam", "0912345679"))
		if got := seats(two); got != "39 seats left" {
			t.Errorf("the instance that registered shows %q", got)
		}
		if got := seats(one); got != "40 seats left" {
			t.Logf("the other instance already shows %q", got)
		}
		one.setNow(now.Add(cfg.PageCachePoll))
		if got := seats(one); got != "39 seats left" {
			t.Errorf("the other instance after the poll interval shows %q", got)
		}
	})
}

// Every table the public pages show bumps the public version when written,
// and the busiest table they do not show (registrations) does not.
func TestPublicVersionTriggers(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{})
		version := func() int64 {
			n, err := database.PublicVersion(db)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, q := range []string{
			"UPDATE events SET capacity = capacity + 1 WHERE id = ?",
			"UPDATE event_translations SET description = 'x' WHERE event_id = ?",
			"UPDATE venues SET address = 'y' WHERE id = (SELECT venue_id FROM events WHERE id = ?)",
			"UPDATE cities SET country = 'VN' WHERE id = (SELECT city_id FROM venues WHERE id = (SELECT venue_id FROM events WHERE id = ?))",
		} {
			before := version()
			if err := db.Exec(q, e.ID).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if version() <= before {
				t.Errorf("%s did not bump the public version", q)
			}
		}
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		before := version()
		if err := db.Exec("UPDATE registrations SET updated_at = updated_at WHERE event_id = ?", e.ID).Error; err != nil {
			t.Fatal(err)
		}
		if version() != before {
			t.Error("a change to registrations alone bumped the public version")
		}
	})
}

// mustVersion is the public version the instance's page cache reads now.
func mustVersion(t *testing.T, ta *testApp) int64 {
	t.Helper()
	v, ok := ta.srv.pageCache.version.Current()
	if !ok {
		t.Fatal("the public version cannot be read")
	}
	return v
}

// A page served from the cache carries the request's own headers: its
// request id and its visitor cookie, never those of the visitor whose
// request filled the cache.
func TestPageCacheKeepsNoRequestHeaders(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		path := "/vi/events/" + itoa(int(e.ID))
		first := ta.client().get(path)
		hits := ta.cacheCount("hit")
		second := ta.client().get(path)
		if ta.cacheCount("hit") != hits+1 {
			t.Fatal("the second view was not served from the cache")
		}
		if a, b := first.Header.Get("X-Request-Id"), second.Header.Get("X-Request-Id"); a == "" || a == b || len(second.Header.Values("X-Request-Id")) != 1 {
			t.Errorf("request ids %q and %q (%d on the second): each request must have its own", a, b, len(second.Header.Values("X-Request-Id")))
		}
		cookieOf := func(r *http.Response) string {
			for _, c := range r.Cookies() {
				if c.Name == csrfCookie {
					return c.Value
				}
			}
			return ""
		}
		if a, b := cookieOf(first), cookieOf(second); a == "" || b == "" || a == b {
			t.Errorf("visitor cookies %q and %q: each visitor must get their own", a, b)
		}
	})
}

// The content version moves with what an event is (its texts, times, venue)
// and, on PostgreSQL, not with the seats a registration takes: a rush of
// registrations leaves the registration form's copy of the event in place.
func TestContentVersionIgnoresSeats(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{})
		version := func() int64 {
			n, err := database.ContentVersion(db)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, q := range []string{
			"UPDATE events SET capacity = capacity + 1 WHERE id = ?",
			"UPDATE event_translations SET title = 'x' WHERE event_id = ?",
			"UPDATE venues SET address = 'y' WHERE id = (SELECT venue_id FROM events WHERE id = ?)",
		} {
			before := version()
			if err := db.Exec(q, e.ID).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if version() <= before {
				t.Errorf("%s did not bump the content version", q)
			}
		}
		before := version()
		if err := db.Exec("UPDATE events SET seats_taken = seats_taken + 1 WHERE id = ?", e.ID).Error; err != nil {
			t.Fatal(err)
		}
		if database.Dialect(db) == "postgres" && version() != before {
			t.Error("taking a seat bumped the content version")
		}
	})
}

// The registration form keeps the event's description between requests
// (no query for it), and a change a staff member makes reaches the next
// registration's message at once on the instance that made it.
func TestRegistrationUsesCurrentEventContent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t)
		cfg.PageCachePoll = 2 * time.Second
		ta := newTestAppConfig(t, db, cfg)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 40})
		ta.client().register(e.ID, "en", regForm("Lê Văn Nam", "0912345679"))
		if err := db.Exec("UPDATE event_translations SET title = 'Renamed screening' WHERE event_id = ? AND lang = 'en'", e.ID).Error; err != nil {
			t.Fatal(err)
		}
		// A change made elsewhere (another instance, a script) is seen once
		// the poll interval has passed; until then PostgreSQL's instance
		// uses its copy (SQLite's content version moves with every seat).
		ta.client().register(e.ID, "en", regForm("Trần Thị Lan", "0912345670"))
		ta.setNow(now.Add(cfg.PageCachePoll))
		ta.client().register(e.ID, "en", regForm("Phạm Văn Hùng", "0912345671"))
		var bodies []string
		db.Table("sms_messages").Where("event_id = ?", e.ID).Order("id").Pluck("body", &bodies)
		if len(bodies) != 3 || strings.Contains(bodies[0], "Renamed screening") || !strings.Contains(bodies[2], "Renamed screening") {
			t.Fatalf("messages %q: want the last one only to carry the new title", bodies)
		}
		if database.Dialect(db) == "postgres" && strings.Contains(bodies[1], "Renamed screening") {
			t.Errorf("within the poll interval the form read the event again: %q", bodies[1])
		}
	})
}

// An organiser's change on an instance reaches the next registration's
// message on that instance at once, whatever the poll interval.
func TestRegistrationSeesOrganiserChangeAtOnce(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t)
		cfg.PageCachePoll = time.Hour
		ta := newTestAppConfig(t, db, cfg)
		ta.setNow(staffNow)
		org, _ := ta.organiser(t)
		v := testutil.Venue(t, db)
		id := idFromLocation(t, wantRedirect(t, org.post("/en/staff/events/new", eventValues(v.ID)), "/en/staff/events/"))
		wantRedirect(t, org.post("/en/staff/events/"+itoa(int(id))+"/publish", nil), "/en/staff/events/")
		ta.client().register(id, "en", regForm("Lê Văn Nam", "0912345679"))
		wantRedirect(t, org.post("/en/staff/events/"+itoa(int(id)), eventValues(v.ID, func(v url.Values) {
			v.Set("title_en", "Screening: The house by the river")
		})), "/en/staff/events/")
		ta.client().register(id, "en", regForm("Trần Thị Lan", "0912345670"))
		var bodies []string
		db.Table("sms_messages").Where("event_id = ? AND kind = ?", id, registration.SMSConfirmation).Order("id").Pluck("body", &bodies)
		if len(bodies) != 2 || !strings.Contains(bodies[0], "peaceful house") || !strings.Contains(bodies[1], "house by the river") {
			t.Errorf("messages %q: want the old title, then the new one", bodies)
		}
	})
}
