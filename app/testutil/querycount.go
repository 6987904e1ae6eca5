package testutil

import (
	"sync/atomic"
	"testing"

	"gorm.io/gorm"
)

// QueryCounter counts the SQL statements GORM runs on a database.
type QueryCounter struct{ n atomic.Int64 }

// CountQueries registers a counter on db's callbacks (queries, rows, raw,
// creates, updates, deletes).
func CountQueries(t testing.TB, db *gorm.DB) *QueryCounter {
	t.Helper()
	qc := &QueryCounter{}
	inc := func(*gorm.DB) { qc.n.Add(1) }
	cb := db.Callback()
	name := "lantern:count"
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, inc),
		cb.Row().After("gorm:row").Register(name, inc),
		cb.Raw().After("gorm:raw").Register(name, inc),
		cb.Create().After("gorm:create").Register(name, inc),
		cb.Update().After("gorm:update").Register(name, inc),
		cb.Delete().After("gorm:delete").Register(name, inc),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return qc
}

// Reset sets the count to zero.
func (q *QueryCounter) Reset() { q.n.Store(0) }

// N returns the count.
func (q *QueryCounter) N() int64 { return q.n.Load() }
