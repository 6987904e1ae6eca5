package database

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Errors that mean "the database is not there" are told apart from errors
// of the statement, without asking the database again.
func TestUnavailable(t *testing.T) {
	// A real refused connection: nothing listens on the port any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = Open(fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable&connect_timeout=2", port), nil)
	if err == nil || !Unavailable(err) {
		t.Errorf("refused connection: Unavailable(%v) = false", err)
	}

	db, err := Open("sqlite:"+filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("SELEC 1").Error; err == nil || Unavailable(err) {
		t.Errorf("syntax error: Unavailable(%v) = true", err)
	}

	for code, want := range map[string]bool{
		"57P03": true,  // the database system is starting up
		"57P01": true,  // terminating connection due to administrator command
		"08006": true,  // connection failure
		"53300": true,  // too many connections
		"23505": false, // unique violation
		"42601": false, // syntax error
	} {
		err := fmt.Errorf("query: %w", &pgconn.PgError{Code: code})
		if got := Unavailable(err); got != want {
			t.Errorf("SQLSTATE %s: Unavailable = %v, want %v", code, got, want)
		}
	}
	if !Unavailable(fmt.Errorf("x: %w", context.DeadlineExceeded)) || Unavailable(errors.New("template: no such field")) || Unavailable(nil) {
		t.Error("deadline must count, other errors must not")
	}
}
