// Package testutil gives each test a fresh, migrated database: SQLite always,
// and PostgreSQL whenever TEST_DATABASE_URL is set (required under CI=true).
// No database is mocked.
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/user"
)

// Named is a database with its dialect name, for subtests.
type Named struct {
	Name string
	DB   *gorm.DB
	URL  string
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Main wraps testing.M so that template databases are dropped at the end:
// func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }
func Main(m *testing.M) int {
	user.BcryptCost = 4 // tests need no slow password hashes
	code := m.Run()
	cleanupTemplates()
	return code
}

// Dialects lists the databases tests run on.
func Dialects(t testing.TB) []string {
	t.Helper()
	out := []string{"sqlite"}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		out = append(out, "postgres")
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests cannot be skipped in CI")
	}
	return out
}

// ForEachDB runs fn as a subtest on a fresh database of every dialect.
func ForEachDB(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) {
			fn(t, New(t, d).DB)
		})
	}
}

// New returns a fresh migrated database of the dialect, dropped after the test.
func New(t testing.TB, dialect string) Named {
	t.Helper()
	switch dialect {
	case "postgres":
		return newPostgres(t)
	default:
		return newSQLite(t)
	}
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

var (
	sqliteOnce     sync.Once
	sqliteTemplate string
	sqliteErr      error
	tplDir         string
)

func newSQLite(t testing.TB) Named {
	t.Helper()
	sqliteOnce.Do(func() {
		tplDir, sqliteErr = os.MkdirTemp("", "lantern-tpl-")
		if sqliteErr != nil {
			return
		}
		sqliteTemplate = filepath.Join(tplDir, "template.db")
		db, err := database.Open("sqlite:"+sqliteTemplate, quiet)
		if err != nil {
			sqliteErr = err
			return
		}
		if err := database.Migrate(context.Background(), db); err != nil {
			sqliteErr = err
		}
		db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		sqlDB, _ := db.DB()
		sqlDB.Close()
	})
	if sqliteErr != nil {
		t.Fatalf("sqlite template: %v", sqliteErr)
	}
	path := filepath.Join(t.TempDir(), "lantern.db")
	b, err := os.ReadFile(sqliteTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	u := "sqlite:" + path
	db, err := database.Open(u, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	})
	return Named{Name: "sqlite", DB: db, URL: u}
}

var (
	pgOnce     sync.Once
	pgTemplate string
	pgErr      error
)

// withDB replaces the database name of a postgres:// URL.
func withDB(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// adminExec runs stmt on the server of serverURL (through the database the
// URL names).
func adminExec(serverURL, stmt string) error {
	db, err := database.Open(serverURL, quiet)
	if err != nil {
		return err
	}
	defer func() { s, _ := db.DB(); s.Close() }()
	return db.Exec(stmt).Error
}

func newPostgres(t testing.TB) Named {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TEST_DATABASE_URL is not set")
		}
		t.Skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped (bash .ci/run sets it)")
	}
	pgOnce.Do(func() {
		// One migrated template per test process; each test clones it, which
		// is much faster than migrating every time.
		pgTemplate = randomName("lantern_tpl_")
		if pgErr = adminExec(base, "CREATE DATABASE "+pgTemplate); pgErr != nil {
			return
		}
		db, err := database.Open(withDB(base, pgTemplate), quiet)
		if err != nil {
			pgErr = err
			return
		}
		pgErr = database.Migrate(context.Background(), db)
		s, _ := db.DB()
		s.Close()
	})
	if pgErr != nil {
		t.Fatalf("postgres template: %v", pgErr)
	}
	return createPostgres(t, base, pgTemplate)
}

// PostgresOn returns a fresh migrated database on another PostgreSQL server
// than TEST_DATABASE_URL's (a test's private Cluster), dropped after the
// test. serverURL names any database there that may CREATE DATABASE.
func PostgresOn(t testing.TB, serverURL string) Named {
	t.Helper()
	return createPostgres(t, serverURL, "")
}

// createPostgres creates a database on the server of base: a clone of
// template, or migrated from scratch when template is "".
func createPostgres(t testing.TB, base, template string) Named {
	t.Helper()
	name := randomName("lantern_t_")
	stmt := "CREATE DATABASE " + name
	if template != "" {
		stmt += " TEMPLATE " + template
	}
	if err := adminExec(base, stmt); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u := withDB(base, name)
	db, err := database.Open(u, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s, _ := db.DB()
		s.Close()
		if err := adminExec(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil && !strings.Contains(err.Error(), "does not exist") {
			t.Logf("drop %s: %v", name, err)
		}
	})
	if template == "" {
		if err := database.Migrate(t.Context(), db); err != nil {
			t.Fatal(err)
		}
	}
	return Named{Name: "postgres", DB: db, URL: u}
}

func cleanupTemplates() {
	if pgTemplate != "" {
		_ = adminExec(os.Getenv("TEST_DATABASE_URL"), "DROP DATABASE IF EXISTS "+pgTemplate+" WITH (FORCE)")
	}
	if tplDir != "" {
		os.RemoveAll(tplDir)
	}
}
