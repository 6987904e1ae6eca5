package database

import (
	"path/filepath"
	"testing"
)

// The SQLite options must all take effect: WAL, foreign keys, and BEGIN
// IMMEDIATE (a read-then-write transaction must hold the write lock from its
// start, or two of them fail with SQLITE_BUSY instead of queueing).
func TestSQLiteOptions(t *testing.T) {
	db, err := Open("sqlite:"+filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q", mode)
	}
	var fk int
	db.Raw("PRAGMA foreign_keys").Scan(&fk)
	if fk != 1 {
		t.Errorf("foreign_keys = %d", fk)
	}
	if err := db.Exec("CREATE TABLE t (n INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	// With BEGIN IMMEDIATE, a second connection cannot start a transaction
	// while the first holds one open: it waits (here: fails after a short
	// busy timeout) instead of reading a snapshot it could not write on.
	sqlDB, _ := db.DB()
	tx1, err := sqlDB.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	conn2, err := sqlDB.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	if _, err := conn2.ExecContext(t.Context(), "PRAGMA busy_timeout = 50"); err != nil {
		t.Fatal(err)
	}
	tx2, err := conn2.BeginTx(t.Context(), nil)
	if err == nil {
		tx2.Rollback()
		t.Fatal("a second transaction began while the first held the write lock: _txlock=immediate is not in effect")
	}
}
