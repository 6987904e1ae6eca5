package web

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/csrftoken"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// testApp is the real Fiber app on a real database.
type testApp struct {
	t   testing.TB
	srv *Server
	app *fiber.App
	db  *gorm.DB
}

func testConfig(t testing.TB) *config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return "sqlite:unused.db"
		case "SECRET_KEY":
			return "test-secret-key-0123456789abcdef0123456789"
		case "BASE_URL":
			return "http://lantern.test"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	// The page cache stays on in tests, reading the public version on every
	// request: a test that changes the database sees it on its next page.
	cfg.PageCachePoll = 0
	// The dashboard computes its figures on every view in tests, but for
	// the test of its cache.
	cfg.DashboardMaxAge = 0
	return cfg
}

func newTestApp(t testing.TB, db *gorm.DB) *testApp {
	t.Helper()
	srv, err := New(Options{Config: testConfig(t), DB: db, Assets: lantern.Assets,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, srv: srv, app: srv.App(), db: db}
}

// client keeps cookies between requests, like a browser, and sends the CSRF
// token of its cookie with every form.
type client struct {
	ta      *testApp
	mu      sync.Mutex
	cookies map[string]string
	ip      string
}

func (ta *testApp) client() *client {
	return &client{ta: ta, cookies: map[string]string{}, ip: "10.0.0.1"}
}

func (c *client) do(req *http.Request) *http.Response {
	c.ta.t.Helper()
	c.mu.Lock()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	c.mu.Unlock()
	if req.Header.Get("X-Forwarded-For") == "" {
		req.Header.Set("X-Forwarded-For", c.ip)
	}
	resp, err := c.ta.app.Test(req, -1)
	if err != nil {
		c.ta.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	c.mu.Lock()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	c.mu.Unlock()
	return resp
}

// get fetches a page.
func (c *client) get(path string) *http.Response {
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// page fetches a page, expects want, and parses it.
func (c *client) page(path string, want int) *goquery.Document {
	c.ta.t.Helper()
	resp := c.get(path)
	return c.ta.parse(resp, want, "GET "+path)
}

// csrf returns the CSRF token a page would give the client's forms now: bound
// to its staff session, or else to its visitor cookie (fetched with a page
// that has a form when it has none yet). The tests of the tokens themselves
// read them from the pages.
func (c *client) csrf() string {
	c.mu.Lock()
	session, visitor := c.cookies[sessionCookie], c.cookies[csrfCookie]
	c.mu.Unlock()
	srv := c.ta.srv
	if session != "" {
		return srv.csrfSigner.Make("s", session, srv.now())
	}
	if visitor == "" {
		c.get("/vi/login")
		c.mu.Lock()
		visitor = c.cookies[csrfCookie]
		c.mu.Unlock()
	}
	random, _, ok := csrftoken.Visitor(visitor)
	if !ok {
		return ""
	}
	return srv.csrfSigner.Make("a", random, srv.now())
}

// post sends a form with the CSRF token (unless the form has its own _csrf).
func (c *client) post(path string, form url.Values) *http.Response {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.csrf())
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs a staff member in.
func (c *client) login(u *user.User) {
	c.ta.t.Helper()
	resp := c.post("/en/login", url.Values{"email": {u.Email}, "password": {testutil.DefaultPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		c.ta.t.Fatalf("login %s: status %d: %s", u.Email, resp.StatusCode, body)
	}
}

// parse checks the status and parses the HTML.
func (ta *testApp) parse(resp *http.Response, want int, what string) *goquery.Document {
	ta.t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		ta.t.Fatalf("%s: status %d, want %d\n%.2000s", what, resp.StatusCode, want, body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		ta.t.Fatal(err)
	}
	return doc
}

// text returns the trimmed text of the first match.
func text(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).First().Text())
}

// setNow freezes the server clock.
func (ta *testApp) setNow(now time.Time) { ta.srv.now = func() time.Time { return now } }

// bodyOf reads a response's body, gunzipped when it came compressed.
func bodyOf(t testing.TB, resp *http.Response) string {
	t.Helper()
	r := io.Reader(resp.Body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
