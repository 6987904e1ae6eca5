package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable tells whether err says that the database cannot be reached or
// does not take work right now (connection refused or lost, server shutting
// down or starting up, too many connections, deadline passed), rather than
// that the statement itself failed. Pages answer such errors with a 503.
//
// The error itself must be read: asking the database afterwards (a ping) is
// not enough, because the server may be back by the time the ping runs.
// Seen in the outage test: during pg_ctl start after a stop -m immediate, a
// connection was refused with "the database system is not yet accepting
// connections" (57P03), the ping just after succeeded, and the page
// answered 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	// Any failure to connect, whatever the server said (it may be starting
	// up, or refusing a wrong password: either way pages cannot work).
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception. 57P01-57P03: admin or crash
		// shutdown, cannot connect now (starting up, recovering).
		// 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
			pe.Code == "57P03" || pe.Code == "53300"
	}
	// A connection lost in the middle of a statement. (A bare io.EOF is left
	// to the caller's ping: parsing code returns it too.)
	var ne net.Error
	return errors.As(err, &ne)
}
