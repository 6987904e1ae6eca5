package web

import (
	"net/http"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestStrictTransportSecurity: with COOKIE_SECURE (the site is on HTTPS)
// every answer — pages, errors, health checks, redirects — asks browsers to
// keep to HTTPS; without it, none does.
func TestStrictTransportSecurity(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		paths := []string{"/", "/vi/events", "/en/login", "/fr/nowhere", "/healthz"}
		secure := newTestAppWith(t, db, func(cfg *config.Config) { cfg.CookieSecure = true }).client()
		for _, p := range paths {
			resp := secure.get(p)
			if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
				t.Errorf("COOKIE_SECURE=true, %s (%d): Strict-Transport-Security %q", p, resp.StatusCode, got)
			}
		}
		plain := newTestApp(t, db).client()
		for _, p := range paths {
			if got := plain.get(p).Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("COOKIE_SECURE=false, %s: Strict-Transport-Security %q", p, got)
			}
		}
		// The session cookie follows the same setting.
		u := testutil.Staff(t, db, "admin")
		req := secure.post("/en/login", map[string][]string{"email": {u.Email}, "password": {testutil.DefaultPassword}})
		if req.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", req.StatusCode)
		}
		found := false
		for _, ck := range req.Cookies() {
			if ck.Name == sessionCookie {
				found = true
				if !ck.Secure {
					t.Errorf("session cookie without Secure under COOKIE_SECURE=true")
				}
			}
		}
		if !found {
			t.Errorf("no session cookie")
		}
	})
}
