package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/csrftoken"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestEventListInThreeLanguages(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC) // 10:00 in Ho Chi Minh City
		ta.setNow(now)
		// Starts 2026-12-02 18:30 local = 11:30 UTC.
		soon := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 7*24*time.Hour + 8*time.Hour + 30*time.Minute, Capacity: 40})
		later := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * 24 * time.Hour, Capacity: 10})
		past := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -30 * 24 * time.Hour, Capacity: 10})
		draft := testutil.Event(t, db, testutil.EventOpts{Status: event.StatusDraft, Now: now, StartsIn: 3 * 24 * time.Hour, Capacity: 10})
		db.Model(&event.Event{}).Where("id = ?", soon.ID).Update("seats_taken", 39)

		cases := []struct{ lang, title, date, seats string }{
			{"vi", "Chiếu phim: Lời hứa", "Thứ Tư, 2 tháng 12, 2026 · 18:30", "Còn 1 chỗ"},
			{"fr", "Projection : La promesse", "mercredi 2 décembre 2026 · 18:30", "1 place restante"},
			{"en", "Screening: The promise", "Wednesday, December 2, 2026 · 6:30 pm", "1 seat left"},
		}
		for _, c := range cases {
			t.Run(c.lang, func(t *testing.T) {
				doc := ta.client().page("/"+c.lang+"/events", http.StatusOK)
				if got := doc.Find("html").AttrOr("lang", ""); got != c.lang {
					t.Errorf("html lang = %q, want %q", got, c.lang)
				}
				cards := doc.Find("#h-upcoming + ul .card")
				if cards.Length() != 2 {
					t.Fatalf("upcoming cards = %d, want 2", cards.Length())
				}
				first := cards.First()
				if got := strings.TrimSpace(first.Find("h3 a").Text()); got != c.title {
					t.Errorf("first title = %q, want %q", got, c.title)
				}
				if href := first.Find("h3 a").AttrOr("href", ""); href != "/"+c.lang+"/events/"+itoa(int(soon.ID)) {
					t.Errorf("first event link = %q: the soonest event must come first", href)
				}
				if got := strings.TrimSpace(first.Find(".when").Text()); !strings.HasPrefix(got, c.date) {
					t.Errorf("date = %q, want prefix %q", got, c.date)
				}
				if got := strings.TrimSpace(first.Find(".seats").Text()); got != c.seats {
					t.Errorf("seats = %q, want %q", got, c.seats)
				}
				if doc.Find("#h-past + ul .card").Length() != 1 {
					t.Errorf("past events: want 1")
				}
				html, _ := doc.Html()
				if strings.Contains(html, "/events/"+itoa(int(draft.ID))+"\"") {
					t.Errorf("a draft event is listed")
				}
				// hreflang alternates and the switcher keep the page.
				for _, l := range []string{"vi", "fr", "en"} {
					if doc.Find(`link[rel=alternate][hreflang="`+l+`"][href="http://lantern.test/`+l+`/events"]`).Length() != 1 {
						t.Errorf("missing hreflang alternate for %s", l)
					}
				}
				if c.lang != "en" && doc.Find(`.langs a[href="/en/events"]`).Length() != 1 {
					t.Errorf("switcher does not keep the page")
				}
			})
		}
		_ = later
		_ = past
	})
}

func TestEventListFilters(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		film := testutil.Event(t, db, testutil.EventOpts{Kind: event.KindFilmDebate, Now: now, StartsIn: 48 * time.Hour, Capacity: 10})
		ws := testutil.Event(t, db, testutil.EventOpts{Kind: event.KindAuthorityWorkshop, Now: now, StartsIn: 72 * time.Hour, Capacity: 30})
		var city event.City
		db.Joins("JOIN venues ON venues.city_id = cities.id").Where("venues.id = ?", ws.VenueID).First(&city)

		doc := ta.client().page("/en/events?kind=authority_workshop", http.StatusOK)
		if n := doc.Find(".card").Length(); n != 1 {
			t.Fatalf("kind filter: %d cards, want 1", n)
		}
		if got := doc.Find(".card h3 a").AttrOr("href", ""); got != "/en/events/"+itoa(int(ws.ID)) {
			t.Errorf("kind filter shows %s", got)
		}
		doc = ta.client().page("/en/events?city="+city.Code, http.StatusOK)
		if n := doc.Find(".card").Length(); n != 1 || doc.Find(".card h3 a").AttrOr("href", "") != "/en/events/"+itoa(int(ws.ID)) {
			t.Errorf("city filter: %d cards", n)
		}
		// Unknown filter values are ignored, never passed to SQL.
		doc = ta.client().page("/en/events?kind=x';DROP+TABLE+events;--&city=nowhere", http.StatusOK)
		if n := doc.Find(".card").Length(); n != 2 {
			t.Errorf("unknown filters: %d cards, want 2", n)
		}
		_ = film
	})
}

func TestEventPageFallbackAndCalendar(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Titles: map[string]string{"vi": "Quyền trẻ em", "en": "Children's rights"}, Now: now, StartsIn: 48 * time.Hour, Capacity: 20})
		c := ta.client()

		doc := c.page("/fr/events/"+itoa(int(e.ID)), http.StatusOK)
		if got := text(doc, "h1"); got != "Quyền trẻ em" {
			t.Errorf("French falls back to the event's language (vi), got %q", got)
		}
		if got := text(doc, ".note"); !strings.Contains(got, "Tiếng Việt") || !strings.Contains(got, "pas encore traduit") {
			t.Errorf("fallback notice = %q", got)
		}
		doc = c.page("/en/events/"+itoa(int(e.ID)), http.StatusOK)
		if got := text(doc, "h1"); got != "Children's rights" {
			t.Errorf("en title = %q", got)
		}
		if doc.Find(".note").Length() != 0 {
			t.Errorf("no fallback notice expected in English")
		}

		resp := c.get("/en/events/" + itoa(int(e.ID)) + "/calendar.ics")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("ics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"BEGIN:VCALENDAR", "SUMMARY:Children's rights", "DTSTART:" + e.StartsAt.UTC().Format("20060102T150405Z")} {
			if !strings.Contains(string(body), want) {
				t.Errorf("ics lacks %q:\n%s", want, body)
			}
		}

		// Drafts and unknown ids are a translated 404.
		draft := testutil.Event(t, db, testutil.EventOpts{Status: event.StatusDraft, Now: now, StartsIn: 48 * time.Hour, Capacity: 20})
		doc = c.page("/vi/events/"+itoa(int(draft.ID)), http.StatusNotFound)
		if got := text(doc, "h1"); got != "Sự kiện này không tồn tại hoặc không còn được công bố." {
			t.Errorf("404 message = %q", got)
		}
		c.page("/fr/events/999999", http.StatusNotFound)
		doc = c.page("/fr/nowhere", http.StatusNotFound)
		if got := text(doc, "h1"); got != "Cette page n'existe pas." {
			t.Errorf("404 page = %q", got)
		}
	})
}

func TestEventsAPI(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Kind: event.KindAuthorityWorkshop, Now: now, StartsIn: 48 * time.Hour, Capacity: 30})
		db.Model(&event.Event{}).Where("id = ?", e.ID).Update("seats_taken", 12)
		testutil.Event(t, db, testutil.EventOpts{Status: event.StatusDraft, Now: now, StartsIn: 48 * time.Hour, Capacity: 30})
		c := ta.client()

		resp := c.get("/api/v1/events?lang=fr")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		var list struct {
			Events []map[string]any `json:"events"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			t.Fatal(err)
		}
		if len(list.Events) != 1 {
			t.Fatalf("events = %d, want 1 (drafts hidden)", len(list.Events))
		}
		got := list.Events[0]
		if got["kind"] != "authority_workshop" || got["title"] != "Projection : La promesse" ||
			got["capacity"] != float64(30) || got["seats_left"] != float64(18) {
			t.Errorf("event = %v", got)
		}
		for _, k := range []string{"id", "starts_at", "ends_at", "city", "venue"} {
			if _, ok := got[k]; !ok {
				t.Errorf("missing field %s", k)
			}
		}
		if _, err := time.Parse(time.RFC3339, got["starts_at"].(string)); err != nil {
			t.Errorf("starts_at is not RFC 3339: %v", got["starts_at"])
		}

		resp = c.get("/api/v1/events/" + itoa(int(e.ID)) + "?lang=en")
		var one map[string]any
		json.NewDecoder(resp.Body).Decode(&one)
		if resp.StatusCode != 200 || one["title"] != "Screening: The promise" {
			t.Errorf("show: %d %v", resp.StatusCode, one)
		}
		for path, want := range map[string]int{
			"/api/v1/events?lang=de":           422,
			"/api/v1/events/999999":            404,
			"/api/v1/events?lang=en&kind=nope": 422,
			"/api/v1/events?page=-1":           422,
		} {
			resp := c.get(path)
			var body struct {
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != want || body.Error.Message == "" {
				t.Errorf("%s: status %d (want %d), message %q", path, resp.StatusCode, want, body.Error.Message)
			}
		}
	})
}

func TestRootRedirectAndHealth(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		c := ta.client()
		cases := []struct {
			cookie, accept, want string
		}{
			{"", "", "/vi/events"},
			{"", "fr-FR,fr;q=0.9,en;q=0.8", "/fr/events"},
			{"", "de-DE,en;q=0.5", "/en/events"},
			{"en", "fr", "/en/events"},
			{"xx", "", "/vi/events"},
		}
		for _, cs := range cases {
			req := httptest.NewRequest("GET", "/", nil)
			if cs.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "lang", Value: cs.cookie})
			}
			if cs.accept != "" {
				req.Header.Set("Accept-Language", cs.accept)
			}
			resp, _ := ta.app.Test(req)
			if loc := resp.Header.Get("Location"); loc != cs.want {
				t.Errorf("cookie %q accept %q: redirect to %q, want %q", cs.cookie, cs.accept, loc, cs.want)
			}
		}
		for _, p := range []string{"/healthz", "/readyz"} {
			if resp := c.get(p); resp.StatusCode != 200 {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
		resp := c.get("/vi/events")
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s = %q", h, got)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP = %q", csp)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("no request id")
		}
	})
}

func TestStaticFilesAreFingerprintedAndCached(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	doc := ta.client().page("/vi/events", 200)
	href := doc.Find(`link[rel=stylesheet]`).AttrOr("href", "")
	if !strings.HasPrefix(href, "/static/css/app.") || href == "/static/css/app.css" {
		t.Fatalf("stylesheet href %q is not fingerprinted", href)
	}
	req := httptest.NewRequest("GET", href, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, _ := ta.app.Test(req)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("static: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Encoding"))
	}
}

func TestLoginAndStaffAccess(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		u := testutil.Staff(t, db, "organiser")
		c := ta.client()

		// No session: the staff area sends to the login page.
		resp := c.get("/en/staff/")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/en/login?next=") {
			t.Fatalf("staff without session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A wrong password: translated message, e-mail kept, password not echoed.
		resp = c.post("/fr/login", url.Values{"email": {u.Email}, "password": {"wrong-password-123"}})
		doc := ta.parse(resp, http.StatusUnprocessableEntity, "bad login")
		if got := text(doc, ".flash-error"); got != "L'adresse e-mail ou le mot de passe est incorrect." {
			t.Errorf("message = %q", got)
		}
		if doc.Find("#email").AttrOr("value", "") != u.Email || doc.Find("#password").AttrOr("value", "") != "" {
			t.Errorf("the form must keep the e-mail and drop the password")
		}
		// Missing fields: validator messages, translated.
		resp = c.post("/vi/login", url.Values{"email": {"not-an-email"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "invalid login form")
		if got := text(doc, "#email-err"); got != "Địa chỉ email phải là địa chỉ email hợp lệ." {
			t.Errorf("email error = %q", got)
		}
		if got := text(doc, "#password-err"); got != "Vui lòng nhập Mật khẩu." {
			t.Errorf("password error = %q", got)
		}
		// A good login goes to the staff's own language.
		before := c.cookies["lantern_session"]
		c.login(u)
		if c.cookies["lantern_session"] == "" || c.cookies["lantern_session"] == before {
			t.Fatalf("no new session cookie")
		}
		doc = c.page("/en/staff/", http.StatusOK)
		if !strings.Contains(text(doc, "main"), u.Name) {
			t.Errorf("staff home does not greet the user")
		}
		// Logout ends the session server-side.
		token := c.cookies["lantern_session"]
		c.post("/en/logout", nil)
		replay := ta.client()
		replay.cookies["lantern_session"] = token
		if resp := replay.get("/en/staff/"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a logged-out session still works: %d", resp.StatusCode)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
		u := testutil.Staff(t, db, "admin")
		c := ta.client()
		for i := 0; i < 4; i++ {
			resp := c.post("/en/login", url.Values{"email": {u.Email}, "password": {"wrong-password-123"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
			}
		}
		// The fifth attempt comes before the second it must wait.
		resp := c.post("/en/login", url.Values{"email": {u.Email}, "password": {testutil.DefaultPassword}})
		doc := ta.parse(resp, http.StatusTooManyRequests, "5th attempt")
		if got := text(doc, ".flash-error"); got != "Too many wrong passwords in a row. Please wait 1 second and try again." || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("message = %q, Retry-After %q", got, resp.Header.Get("Retry-After"))
		}
		// Another account is not slowed down.
		other := testutil.Staff(t, db, "admin")
		c2 := ta.client()
		c2.ip = "10.0.0.2"
		c2.login(other)
	})
}

func TestCSRFRefused(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		u := testutil.Staff(t, db, "admin")
		c := ta.client()
		c.csrf()
		for name, tok := range map[string]string{"missing": "", "forged": "forged-token"} {
			form := url.Values{"email": {u.Email}, "password": {testutil.DefaultPassword}, "_csrf": {tok}}
			resp := c.post("/fr/login", form)
			doc := ta.parse(resp, http.StatusForbidden, name)
			if got := text(doc, "h1"); !strings.Contains(got, "formulaire a expiré") {
				t.Errorf("%s: message %q", name, got)
			}
			if c.cookies["lantern_session"] != "" {
				t.Errorf("%s: signed in without a CSRF token", name)
			}
		}
	})
}

// The visitor cookie is set only with a page that has a form, and kept: the
// next form's token is bound to the same cookie. Nothing is stored.
func TestCSRFTokenOnlyForForms(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	c := ta.client()
	c.get("/vi/events")
	if c.cookies["lantern_csrf"] != "" {
		t.Errorf("the events list set a CSRF cookie")
	}
	doc := c.page("/vi/login", http.StatusOK)
	tok := doc.Find(`input[name=_csrf]`).AttrOr("value", "")
	cookie := c.cookies["lantern_csrf"]
	random, _, ok := csrftoken.Visitor(cookie)
	if tok == "" || !ok || !ta.srv.csrfSigner.Verify(tok, "a", random, ta.srv.now()) {
		t.Fatalf("form token %q, cookie %q", tok, cookie)
	}
	resp := c.get("/fr/login")
	got := formToken(t, ta, resp, "second form")
	for _, ck := range resp.Cookies() {
		if ck.Name == "lantern_csrf" {
			t.Errorf("the second form set the visitor cookie again: %v", ck)
		}
	}
	if !ta.srv.csrfSigner.Verify(got, "a", random, ta.srv.now()) {
		t.Errorf("the second form's token %q is not bound to the first cookie", got)
	}
	var n int64
	ta.db.Table("kv_entries").Count(&n)
	if n != 0 {
		t.Errorf("kv_entries = %d, want 0", n)
	}
}

func TestMetricsNeedTheToken(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		c := ta.client()
		c.get("/vi/events")
		if resp := c.get("/metrics"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("metrics without a configured token: %d", resp.StatusCode)
		}
		ta.srv.cfg.MetricsToken = "metrics-secret"
		if resp := c.get("/metrics"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("metrics without the token: %d", resp.StatusCode)
		}
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", "Bearer metrics-secret")
		resp := c.do(req)
		body, _ := io.ReadAll(resp.Body)
		for _, want := range []string{
			`lantern_http_request_duration_seconds_count{method="GET",route="/vi/events",status="2xx"} 1`,
			`lantern_registrations{status="confirmed"} 1`,
			`lantern_metrics_db_errors 0`,
			`go_sql_max_open_connections{db_name="lantern"}`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// A panic in a handler becomes the translated error page, never a stack
// trace (the same recover and error handler as the real routes).
func TestPanicBecomesTranslatedPage(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	app := fiber.New(fiber.Config{ErrorHandler: ta.srv.handleError})
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: ta.srv.logPanic}))
	app.Get("/fr/boom", func(c *fiber.Ctx) error { panic("nil map in a handler") })
	resp, err := app.Test(httptest.NewRequest("GET", "/fr/boom", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || !strings.Contains(string(body), "Une erreur s&#39;est produite de notre côté") {
		t.Errorf("panic page: %d\n%.500s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "nil map") || strings.Contains(string(body), "goroutine") {
		t.Errorf("the panic leaked to the person")
	}
}

// Fiber reuses a request's memory once it is answered: a label taken from
// it unchanged (the method) turns into another request's bytes, and the
// scrape then fails on two series with the same labels. Requests of
// several methods, then a scrape that answers every one of them.
func TestMetricsKeepEachRequestsLabels(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	ta.srv.cfg.MetricsToken = "metrics-secret"
	c := ta.client()
	for i := 0; i < 20; i++ {
		c.do(httptest.NewRequest("POST", "/vi/events", strings.NewReader("x=1")))
		c.do(httptest.NewRequest("DELETE", "/vi/events", nil))
		c.get("/vi/events")
		c.do(httptest.NewRequest("HEAD", "/vi/events", nil))
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-secret")
	resp := c.do(req)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "collected before") {
		t.Fatalf("scrape: %d\n%.600s", resp.StatusCode, body)
	}
	for _, want := range []string{`method="GET",route="/vi/events"`, `method="POST"`, `method="DELETE"`, `method="HEAD"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, "lantern_http_request_duration_seconds_count") {
				t.Log(l)
			}
		}
	}
}
