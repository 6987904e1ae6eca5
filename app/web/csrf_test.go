package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/csrftoken"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// dbSnapshot is the content of every table, each row printed and the rows
// sorted: two snapshots are equal when nothing was inserted, updated or
// deleted.
func dbSnapshot(t *testing.T, db *gorm.DB) map[string][]string {
	t.Helper()
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		var rows []map[string]any
		if err := db.Table(tb).Find(&rows).Error; err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = fmt.Sprint(r) // fmt sorts map keys
		}
		slices.Sort(lines)
		out[tb] = lines
	}
	if len(out) < 20 {
		t.Fatalf("only %d tables found", len(out))
	}
	return out
}

// formToken is the _csrf value of a page's first form.
func formToken(t *testing.T, ta *testApp, resp *http.Response, what string) string {
	t.Helper()
	doc := ta.parse(resp, http.StatusOK, what)
	tok := doc.Find(`input[name=_csrf]`).AttrOr("value", "")
	if tok == "" {
		t.Fatalf("%s: no CSRF token in the form", what)
	}
	return tok
}

// Issue 17, class 4: reading public pages writes nothing to the database,
// whoever reads them (a crawler without cookies, a returning visitor) and
// however often; pages with a form still carry a working token.
func TestPublicPagesWriteNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 48 * time.Hour})
		quizFixture(t, db, e.ID)
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Trần Thị Mai"})
		id := itoa(int(e.ID))
		// A quiz under way, for its question page.
		starter := ta.client()
		take := quizRedirect(t, starter.post("/vi/r/"+reg.Code+"/quiz/pre", nil), http.StatusSeeOther)

		pages := []string{
			"/vi/events", "/en/events?city=1", "/fr/events/" + id, "/vi/events/" + id, "/vi/events/calendar",
			"/vi/events/" + id + "/calendar.ics", "/api/v1/events", "/api/v1/events/" + id,
			"/vi/r/" + reg.Code, "/en/r/" + reg.Code + "/cancel", "/vi/r/" + reg.Code + "/quiz/pre",
			"/vi/events/" + id + "/quiz/pre", take, take + "?n=2", "/vi/login",
		}
		before := dbSnapshot(t, db)
		returning := ta.client()
		for round := 0; round < 5; round++ {
			for _, p := range pages {
				// A crawler: no cookie, a new client each time.
				if resp := ta.client().get(p); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", p, resp.StatusCode)
				}
				if resp := returning.get(p); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s (returning visitor): %d", p, resp.StatusCode)
				}
			}
		}
		if after := dbSnapshot(t, db); !equalSnapshots(before, after) {
			for tb, rows := range after {
				if !slices.Equal(rows, before[tb]) {
					t.Errorf("anonymous GETs changed table %s: %d rows before, %d after", tb, len(before[tb]), len(rows))
				}
			}
		}

		// The forms of those pages work: the event page's token registers.
		c := ta.client()
		tok := formToken(t, ta, c.get("/vi/events/"+id), "event page")
		form := regForm("Lê Văn Nam", "0912345670")
		form.Set("_csrf", tok)
		if _, flash := c.register(e.ID, "vi", form); flash != "register_done" {
			t.Errorf("flash %s", flash)
		}
	})
}

func equalSnapshots(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// An anonymous form's token is signed, not stored: another instance with the
// same SECRET_KEY takes it; a forged, altered, expired or borrowed token, or
// one signed with another key, is refused with the translated error.
func TestAnonymousCSRFTokenIsStateless(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		a, b := newTestApp(t, db), newTestApp(t, db) // two instances, one database
		now := time.Now().UTC()
		a.setNow(now)
		b.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 40})
		path := "/fr/events/" + itoa(int(e.ID))

		visitor := a.client()
		tok := formToken(t, a, visitor.get(path), "event page on instance A")
		cookie := visitor.cookies[csrfCookie]
		if cookie == "" || strings.Contains(cookie, tok) || strings.Contains(tok, cookie) {
			t.Fatalf("visitor cookie %q and token %q: the token must be bound to the cookie, not be it", cookie, tok)
		}
		var rows int64
		db.Table("kv_entries").Count(&rows)
		if rows != 0 {
			t.Errorf("kv_entries holds %d rows after a page view", rows)
		}

		// post sends a registration to an instance with a token and a visitor cookie.
		n := 0
		post := func(ta *testApp, cookie, tok string) *http.Response {
			n++
			form := regForm("Phạm Thị Thu", fmt.Sprintf("091234%04d", n))
			form.Set("_csrf", tok)
			req := httptest.NewRequest(http.MethodPost, path+"/register", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "10.0.0.9")
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: csrfCookie, Value: cookie})
			}
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		refused := func(what string, resp *http.Response) {
			t.Helper()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "formulaire a expiré") {
				t.Errorf("%s: status %d, want 403 with the translated CSRF message\n%.300s", what, resp.StatusCode, body)
			}
		}

		if resp := post(b, cookie, tok); resp.StatusCode != http.StatusSeeOther {
			body, _ := io.ReadAll(resp.Body)
			t.Fatalf("token of instance A posted to instance B: %d\n%.500s", resp.StatusCode, body)
		}

		mac := tok[strings.IndexByte(tok, '.')+1:]
		flipped := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(tok, "AA")]
		later := strconv.FormatInt(now.Add(48*time.Hour).Unix(), 36)
		other := a.client()
		otherTok := formToken(t, a, other.get(path), "event page for another visitor")
		foreign := newTestAppWith(t, db, func(cfg *config.Config) { cfg.SecretKey = "another-deployment-key-0123456789abcdef" })
		foreignVisitor := foreign.client()
		foreignTok := formToken(t, foreign, foreignVisitor.get(path), "event page of another deployment")
		for what, c := range map[string]struct{ cookie, tok string }{
			"no token":                        {cookie, ""},
			"no cookie":                       {"", tok},
			"a made-up token":                 {cookie, "forged-token"},
			"an altered signature":            {cookie, flipped},
			"an end moved later":              {cookie, later + "." + mac},
			"the cookie sent as token":        {cookie, cookie},
			"another visitor's token":         {cookie, otherTok},
			"another visitor's cookie":        {other.cookies[csrfCookie], tok},
			"a token signed with another key": {foreignVisitor.cookies[csrfCookie], foreignTok},
		} {
			refused(what, post(b, c.cookie, c.tok))
		}

		// Twelve hours on, the token has ended, on every instance.
		b.setNow(now.Add(csrftoken.Lifetime + time.Minute))
		refused("an expired token", post(b, cookie, tok))

		// Six and a half days on, the visitor's cookie is renewed with the
		// same random value: a page left open still posts, and so does the
		// new page's token.
		later6 := now.Add(csrftoken.CookieLifetime - csrftoken.Lifetime/2)
		a.setNow(later6.Add(-time.Hour))
		b.setNow(later6.Add(-time.Hour))
		oldPage := formToken(t, a, visitor.get(path), "event page before the renewal")
		a.setNow(later6)
		b.setNow(later6)
		newPage := formToken(t, a, visitor.get(path), "event page at the renewal")
		renewed := visitor.cookies[csrfCookie]
		if renewed == cookie || strings.Split(renewed, ".")[0] != strings.Split(cookie, ".")[0] {
			t.Errorf("cookie %q renewed as %q: want the same random value with a later end", cookie, renewed)
		}
		for what, tk := range map[string]string{"page left open": oldPage, "new page": newPage} {
			if resp := post(b, renewed, tk); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("%s after the cookie's renewal: %d", what, resp.StatusCode)
			}
		}
	})
}

// A staff member's token is bound to their session: it works on every
// instance for that session, not for another staff member, not after the
// session changed, and an anonymous token does not pass for a signed-in
// staff member.
func TestStaffCSRFTokenBoundToSession(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		a, b := newTestApp(t, db), newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		hoa := a.client()
		hoa.login(testutil.Staff(t, db, user.RoleOrganiser))
		anonTok := hoa.csrfFromCookieOnly()
		lan := a.client()
		lan.login(testutil.Staff(t, db, user.RoleOrganiser))

		path := "/en/staff/events/" + itoa(int(e.ID)) + "/registrations/" + itoa(int(r.ID))
		hoaTok := formToken(t, a, hoa.get("/en/staff/events/"+itoa(int(e.ID))+"/registrations"), "registrations page")
		send := func(c *client, ta *testApp, action, tok string) int {
			req := httptest.NewRequest(http.MethodPost, path+"/"+action, strings.NewReader(url.Values{"_csrf": {tok}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range c.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode
		}
		if got := send(lan, b, "waitlist", hoaTok); got != http.StatusForbidden {
			t.Errorf("Hoa's token with Lan's session: %d, want 403", got)
		}
		if got := send(hoa, b, "waitlist", anonTok); got != http.StatusForbidden {
			t.Errorf("an anonymous token with Hoa's session: %d, want 403", got)
		}
		if got := send(hoa, b, "waitlist", hoaTok); got != http.StatusSeeOther {
			t.Errorf("Hoa's token on instance B: %d, want 303", got)
		}
		// A new session (signed in again): the old session's token is refused.
		hoa.post("/en/logout", nil)
		hoa.login(testutil.Staff(t, db, user.RoleOrganiser))
		if got := send(hoa, a, "confirm", hoaTok); got != http.StatusForbidden {
			t.Errorf("a token of an ended session with a new one: %d, want 403", got)
		}
		if got := send(hoa, a, "confirm", hoa.csrf()); got != http.StatusSeeOther {
			t.Errorf("the new session's token: %d, want 303", got)
		}
	})
}

// csrfFromCookieOnly is the anonymous token for the client's visitor cookie,
// even when it is signed in.
func (c *client) csrfFromCookieOnly() string {
	random, _, ok := csrftoken.Visitor(c.cookies[csrfCookie])
	if !ok {
		c.ta.t.Fatalf("no visitor cookie")
	}
	return c.ta.srv.csrfSigner.Make("a", random, c.ta.srv.now())
}

// Codes typed or followed (tickets, quiz links, certificates) are limited by
// the address's misses only, so that opening one's own ticket writes
// nothing; once over the limit, a code that exists is refused like one that
// does not (the answer must not tell them apart).
func TestCodeLookupsLimitedByMisses(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		c := ta.client()
		for i := 0; i < 40; i++ {
			c.page("/vi/r/"+reg.Code, http.StatusOK)
		}
		var rows int64
		db.Table("rate_limits").Count(&rows)
		if rows != 0 {
			t.Fatalf("opening a ticket 40 times wrote %d rate-limit rows", rows)
		}
		for i := 0; i < int(ticketMissLimit.Max); i++ {
			c.page("/vi/r/ZZZZ"+itoa(1000+i), http.StatusNotFound)
		}
		for _, p := range []string{"/vi/r/ZZZZ9999", "/vi/r/" + reg.Code} {
			resp := c.get(p)
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Errorf("GET %s over the limit: %d (Retry-After %q), want 429", p, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}
	})
}
