package web

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// The database goes away: pages answer a translated 503 quickly, /readyz
// reports it, nothing crashes, and once the database is back everything works
// again without a restart. The outage is made by refusing connections to the
// test's own database and ending its sessions, which leaves the PostgreSQL
// server (shared with other test packages) running.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs TEST_DATABASE_URL")
		}
		t.Skip("PostgreSQL only: TEST_DATABASE_URL not set")
	}
	pg := testutil.New(t, "postgres")
	ta := newTestApp(t, pg.DB)
	e := testutil.Event(t, pg.DB, testutil.EventOpts{})
	c := ta.client()
	c.page("/vi/events/"+itoa(int(e.ID)), http.StatusOK)

	name := pg.URL[strings.LastIndex(pg.URL, "/")+1:]
	if i := strings.Index(name, "?"); i >= 0 {
		name = name[:i]
	}
	admin, err := database.Open(os.Getenv("TEST_DATABASE_URL"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s, _ := admin.DB(); s.Close() }()
	down := func() {
		admin.Exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
		admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()", name)
	}
	up := func() { admin.Exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true") }
	down()
	t.Cleanup(up)

	for _, p := range []string{"/vi/events", "/fr/events/" + itoa(int(e.ID))} {
		start := time.Now()
		resp := c.get(p)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s with the database down: %d, want 503", p, resp.StatusCode)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s took %s to fail", p, took)
		}
		if p[1:3] == "vi" && !strings.Contains(string(body), "Hệ thống tạm thời gián đoạn") {
			t.Errorf("%s: no translated message:\n%.500s", p, body)
		}
		if p[1:3] == "fr" && !strings.Contains(string(body), "momentanément indisponible") {
			t.Errorf("%s: no translated message", p)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", p)
		}
	}
	if resp := c.get("/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %d", resp.StatusCode)
	}
	if resp := c.get("/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz must still answer: %d", resp.StatusCode)
	}

	up()
	// The pool reconnects by itself: no restart.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp := c.get("/vi/events/" + itoa(int(e.ID)))
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after the database came back", resp.StatusCode)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if resp := c.get("/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after recovery: %d", resp.StatusCode)
	}
}
