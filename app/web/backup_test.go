package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// The README's backup commands work: a pg_dump of a running database,
// restored into a fresh database, holds every registration, and the site
// runs on it.
func TestBackupAndRestorePostgres(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs TEST_DATABASE_URL")
		}
		t.Skip("PostgreSQL only: TEST_DATABASE_URL not set")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true but %s is missing", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	src := testutil.New(t, "postgres")
	ta := newTestApp(t, src.DB)
	e := testutil.Event(t, src.DB, testutil.EventOpts{Capacity: 3})
	c := ta.client()
	var codes []string
	for i, p := range []string{"0912 000 001", "0912 000 002", "0912 000 003", "0912 000 004"} {
		code, _ := c.register(e.ID, "vi", regForm("Người tham gia "+itoa(i+1), p))
		codes = append(codes, code)
	}

	dump := filepath.Join(t.TempDir(), "lantern.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--file="+dump, strings.Split(src.URL, "?")[0]).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	dst := testutil.New(t, "postgres") // a fresh, migrated database: empty it first
	name := dst.URL[strings.LastIndex(dst.URL, "/")+1:]
	if i := strings.Index(name, "?"); i >= 0 {
		name = name[:i]
	}
	if out, err := exec.Command("pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname="+strings.Split(dst.URL, "?")[0], dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore into %s: %v\n%s", name, err, out)
	}
	var restored []registration.Registration
	if err := dst.DB.Where("event_id = ?", e.ID).Order("id").Find(&restored).Error; err != nil {
		t.Fatal(err)
	}
	if len(restored) != 4 {
		t.Fatalf("restored %d registrations, want 4", len(restored))
	}
	for i, r := range restored {
		if r.Code != codes[i] || r.Phone == nil || *r.Phone == "" {
			t.Errorf("registration %d: code %q phone %v", i, r.Code, r.Phone)
		}
	}
	if n, _ := database.PendingMigrations(t.Context(), dst.DB); n != 0 {
		t.Errorf("the restored database misses %d migrations", n)
	}
	// The site runs on the restored database: the tickets open.
	ta2 := newTestApp(t, dst.DB)
	for _, code := range codes {
		ta2.client().page("/vi/r/"+code, 200)
	}
}
