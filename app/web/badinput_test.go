package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// badValues are what careless or hostile clients send.
var badValues = map[string]string{
	"invalid UTF-8": "Nguy\xff\xfen",
	"NUL bytes":     "Lan\x00\x00Anh",
	"script":        `<script>alert("x")</script>`,
	"SQL":           `'; DROP TABLE registrations; --`,
	"huge number":   "99999999999999999999999999999999",
	"negative":      "-2147483649",
	"wrong type":    "[object Object]",
	"very long":     strings.Repeat("Đ", 1000),
}

// Field names the site's forms use; each bad value goes into all of them.
var formFields = []string{"name", "phone", "email", "password", "organisation", "role", "sex", "age_band", "kind",
	"group_size", "capacity", "starts_at", "ends_at", "deadline", "venue_id", "partner_id", "title_vi", "title_fr", "title_en",
	"description_vi", "lang", "code", "q", "search", "status", "count", "value", "text", "date", "mode", "answer", "choices",
	"consent", "version", "registration_id", "next", "stars", "comment"}

func badForm(v string) url.Values {
	f := url.Values{}
	for _, k := range formFields {
		f.Set(k, v)
	}
	return f
}

// tableCounts counts the rows of the tables people's data lives in.
func tableCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	out := map[string]int64{}
	for _, tb := range []string{"registrations", "events", "event_translations", "users", "attendances", "quiz_attempts", "coaching_sessions", "sms_messages"} {
		var n int64
		db.Table(tb).Count(&n)
		out[tb] = n
	}
	return out
}

// Every POST route of the site, public and staff, gets bad values in every
// field: none answers 5xx, none echoes a script unescaped; without a CSRF
// token every one answers 403 and changes nothing; an oversized body gets 413.
func TestBadInputOnEveryForm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.AllRoles...)
		coach := testutil.Staff(t, db, user.RoleCoach)
		fx := makeFixtures(t, db, admin, coach)
		c := ta.client()
		c.login(admin)

		var posts []string
		seen := map[string]bool{}
		for _, r := range ta.app.GetRoutes(true) {
			if r.Method != http.MethodPost || seen[r.Path] || strings.HasPrefix(r.Path, "/fr/") || strings.HasPrefix(r.Path, "/en/") {
				continue
			}
			seen[r.Path] = true
			posts = append(posts, r.Path)
		}
		if len(posts) < 40 {
			t.Fatalf("only %d POST routes found", len(posts))
		}

		before := tableCounts(t, db)
		for _, route := range posts {
			path := fx.fill(route)
			if route == "/api/v1/sms/inbound" || route == "/api/v1/sms/reports" || route == "/api/v1/zalo/events" {
				continue // shared-secret or signed webhooks: their own tests
			}
			// No CSRF token: refused, whatever the body.
			resp := c.post(path, url.Values{"_csrf": {""}, "name": {"x"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s without a CSRF token: %d, want 403", route, resp.StatusCode)
			}
		}
		if after := tableCounts(t, db); !sameTableCounts(before, after) {
			t.Errorf("requests without a CSRF token changed data: %v → %v", before, after)
		}

		for _, route := range posts {
			path := fx.fill(route)
			if route == "/api/v1/sms/inbound" || route == "/api/v1/sms/reports" || route == "/api/v1/zalo/events" || strings.HasSuffix(route, "/logout") {
				continue
			}
			for what, v := range badValues {
				resp := c.post(path, badForm(v))
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode >= 500 {
					t.Errorf("%s with %s: %d\n%.300s", route, what, resp.StatusCode, body)
				}
				if strings.Contains(string(body), `<script>alert("x")</script>`) {
					t.Errorf("%s with %s: the script came back unescaped", route, what)
				}
			}
		}

		// Oversized bodies are refused before any handler runs.
		big := strings.NewReader("name=" + strings.Repeat("a", 2<<20) + "&_csrf=" + c.csrf())
		req := httptest.NewRequest(http.MethodPost, "/vi/events/"+itoa(int(fx.event))+"/register", big)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// app.Test reports fasthttp's refusal as an error, not as the 413
		// page a client gets (TestBodyLimitIsTranslated reads that one).
		resp, err := ta.app.Test(req, -1)
		switch {
		case err != nil && !strings.Contains(err.Error(), "body size exceeds"):
			t.Errorf("a 2 MB form: %v, want the body limit", err)
		case err == nil && resp.StatusCode != http.StatusRequestEntityTooLarge:
			t.Errorf("a 2 MB form: %d, want 413", resp.StatusCode)
		}
	})
}

// The public registration form with each bad value: a translated 422, the
// input kept (escaped), and no registration written.
func TestBadInputOnTheRegistrationForm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		path := "/fr/events/" + itoa(int(e.ID)) + "/register"
		for what, v := range badValues {
			for _, field := range []string{"name", "phone"} {
				form := url.Values{"name": {"Trần Thị Lan"}, "phone": {"0912 345 678"}, "consent": {"1"}}
				form.Set(field, v)
				resp := ta.client().post(path, form)
				if field == "name" && (what == "SQL" || what == "wrong type") {
					// Quotes and brackets are text in a name: stored as
					// typed, escaped on output, bound as parameters.
					if resp.StatusCode != http.StatusSeeOther {
						t.Errorf("name with %s: %d", what, resp.StatusCode)
					}
					continue
				}
				doc := ta.parse(resp, http.StatusUnprocessableEntity, field+" with "+what)
				msg := strings.TrimSpace(doc.Find(".err").First().Text())
				if msg == "" {
					msg = strings.TrimSpace(doc.Find("h1").First().Text()) // refused before the form (bad bytes)
				}
				if msg == "" || strings.HasPrefix(msg, "error.") {
					t.Errorf("%s with %s: no translated message (%q)", field, what, msg)
				}
			}
		}
		var n int64
		db.Table("registrations").Where("event_id = ? AND name NOT LIKE ? AND name NOT LIKE ?", e.ID, "%DROP%", "%object%").Count(&n)
		if n != 0 {
			t.Errorf("%d registrations written from bad input", n)
		}
	})
}

func sameTableCounts(a, b map[string]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
