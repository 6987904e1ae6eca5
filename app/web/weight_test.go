package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/testutil"
)

// PageBudget is the most a public page may transfer, compressed, with
// everything it loads (slow 3G, prepaid data).
const PageBudget = 30 * 1024

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// pageWeight fetches a page gzip-compressed, then every static file it
// references, and returns the bytes on the wire (bodies, without headers).
func pageWeight(t *testing.T, ta *testApp, path string) (total int, html int) {
	t.Helper()
	get := func(p string) ([]byte, int) {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := ta.app.Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, err, resp.StatusCode)
		}
		wire, _ := io.ReadAll(resp.Body)
		body := wire
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(wire))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		return body, len(wire)
	}
	body, n := get(path)
	total, html = n, n
	seen := map[string]bool{}
	for _, m := range assetRef.FindAllSubmatch(body, -1) {
		u := string(m[1])
		if seen[u] {
			continue
		}
		seen[u] = true
		_, n := get(u)
		total += n
	}
	return total, html
}

func TestPublicPagesWithinBudget(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	now := time.Now().UTC()
	var last uint
	for i := 0; i < 30; i++ { // a full first page of the list
		last = testutil.Event(t, ta.db, testutil.EventOpts{Now: now, StartsIn: time.Duration(i+1) * 24 * time.Hour}).ID
	}
	for _, lang := range []string{"vi", "fr", "en"} {
		for _, p := range []string{"/" + lang + "/events", "/" + lang + "/events/" + itoa(int(last)), "/" + lang + "/login"} {
			total, html := pageWeight(t, ta, p)
			t.Logf("%s: %d bytes (HTML %d)", p, total, html)
			if total > PageBudget {
				t.Errorf("%s transfers %d bytes, over the %d budget", p, total, PageBudget)
			}
		}
	}
}
