package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestClientAddressBehindProxies: the per-address limits key on the
// right-most X-Forwarded-For address that is not a trusted proxy, so that a
// client cannot pick its own key by sending the header itself (nginx's
// $proxy_add_x_forwarded_for keeps what the client sent, on the left).
// The certificate check allows 30 lookups per address in 10 minutes.
func TestClientAddressBehindProxies(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		// app.Test's requests come from 0.0.0.0: that is the proxy next to
		// the app; 10.0.0.0/8 is a second layer of proxies (a CIDR range).
		ta := newTestAppWith(t, db, func(cfg *config.Config) { cfg.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"} })
		lookup := func(xff ...string) int {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, "/en/certificates/ABCD-EFGH", nil)
			for _, h := range xff {
				req.Header.Add("X-Forwarded-For", h)
			}
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode
		}
		// One client, 203.0.113.7, sends a different made-up header each
		// time, through two proxies (and once as two header lines).
		for i := 0; i < 30; i++ {
			var st int
			switch i % 3 {
			case 0:
				st = lookup(fmt.Sprintf("198.51.100.%d, 203.0.113.7, 10.1.2.3", i))
			case 1:
				st = lookup(fmt.Sprintf("garbage-%d, 192.0.2.%d , 203.0.113.7", i, i))
			default:
				st = lookup(fmt.Sprintf("192.0.2.%d", i), "203.0.113.7, 10.9.9.9")
			}
			if st != http.StatusNotFound {
				t.Fatalf("lookup %d: %d, want 404 (no such certificate)", i+1, st)
			}
		}
		if st := lookup("198.51.100.250, 203.0.113.7, 10.1.2.3"); st != http.StatusTooManyRequests {
			t.Errorf("31st lookup with a new spoofed address: %d, want 429", st)
		}
		// Another client behind the same proxies is not limited, whatever
		// it claims on the left.
		if st := lookup("203.0.113.7, 203.0.113.8, 10.1.2.3"); st != http.StatusNotFound {
			t.Errorf("another client: %d, want 404", st)
		}
		if st := lookup("203.0.113.8"); st != http.StatusNotFound {
			t.Errorf("another client straight through the first proxy: %d, want 404", st)
		}
	})
}

// TestClientAddressUntrustedPeer: a peer that is not a trusted proxy is the
// client, whatever X-Forwarded-For it sends.
func TestClientAddressUntrustedPeer(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestAppWith(t, db, func(cfg *config.Config) { cfg.TrustedProxies = []string{"10.0.0.0/8"} })
		for i := 0; i < 31; i++ {
			req := httptest.NewRequest(http.MethodGet, "/en/certificates/ABCD-EFGH", nil)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			want := http.StatusNotFound
			if i == 30 {
				want = http.StatusTooManyRequests
			}
			if resp.StatusCode != want {
				t.Fatalf("lookup %d: %d, want %d", i+1, resp.StatusCode, want)
			}
		}
	})
}
