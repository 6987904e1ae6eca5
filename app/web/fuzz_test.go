package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// The SMS webhook parses whatever a phone sends: no text makes it fail.
func FuzzSMSInbound(f *testing.F) {
	ta := newTestApp(f, testutil.New(f, "sqlite").DB)
	ta.srv.cfg.SMSInboundToken = "fuzz-token"
	e := testutil.Event(f, ta.db, testutil.EventOpts{})
	for _, s := range []string{"DK " + e.Code + " Trần Thị Lan", "REG " + e.Code + " Ann", "dk", "", "ĐK x y", "HELP", "\x00", "DK " + strings.Repeat("A", 500)} {
		f.Add("+84912345678", s)
	}
	f.Fuzz(func(t *testing.T, from, text string) {
		form := url.Values{"from": {from}, "text": {text}}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sms/inbound", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Lantern-Token", "fuzz-token")
		req.Header.Set("X-Forwarded-For", "10.9.9.9")
		resp, err := ta.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 500 {
			body, _ := io.ReadAll(resp.Body)
			t.Fatalf("from %q text %q: %d %s", from, text, resp.StatusCode, body)
		}
	})
}

// Check-in batches from phones: no body makes the endpoint fail.
func FuzzCheckinBatch(f *testing.F) {
	ta := newTestApp(f, testutil.New(f, "sqlite").DB)
	admin := testutil.Staff(f, ta.db, user.RoleAdmin)
	e := testutil.Event(f, ta.db, testutil.EventOpts{})
	r := testutil.Registration(f, ta.db, e.ID, testutil.RegistrationOpts{})
	c := ta.client()
	c.login(admin)
	tok := c.csrf()
	for _, s := range []string{
		`{"checkins":[{"client_id":"a1","registration_id":` + itoa(int(r.ID)) + `,"at":"2026-11-25T10:00:00Z"}]}`,
		`{"checkins":[{"client_id":"a2","code":"` + r.Code + `"}]}`,
		`{"checkins":[{"client_id":"a3","walk_in":{"sex":"female","age_band":"under_16"}}]}`,
		`{}`, `[]`, `null`, `{"checkins":[{}]}`, `{"checkins":[{"client_id":"` + strings.Repeat("x", 100) + `"}]}`,
		`{"checkins":[{"client_id":"a4","registration_id":-1,"at":"yesterday"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/events/"+itoa(int(e.ID))+"/checkins", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", tok)
		for k, v := range c.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := ta.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 500 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("body %q: %d %s", body, resp.StatusCode, b)
		}
	})
}
