package registration

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/phone"
)

// The hot event: a message to thousands of families fills one session in a
// minute, and every registration of that session waits for the one before
// it on the event's row. What runs while the row is locked sets how many
// people a second the session takes. In a transaction that is every round
// trip between the seat's claim and the commit (the registration's insert,
// its message's insert, the COMMIT): a few milliseconds under load, about
// 400 people a second on two cores.
//
// fastRegister does the common case, a person new to the event while seats
// are left, in ONE statement on PostgreSQL: the claim of the seat, the
// registration and its message are inserted by the same statement, which
// commits on its own. The row is locked only inside the server, for the
// time of two inserts. Anything else (the number already used at the event,
// no seat left, registration closed, a group, SQLite) changes nothing here
// and goes the locked way (registerTx), which decides it all again.

// fullHintFor is how long a session found full skips the one-statement
// attempt: once the seats are gone every attempt would wait for the row and
// then fall back to the waiting list's locked way, paying twice. A hint of
// this instance only: the locked way decides, whatever the hint says.
const fullHintFor = 2 * time.Second

func (b *batcher) seenFull(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.fullAt.IsZero() && now.Sub(b.fullAt) < fullHintFor
}

// fastRegister registers in (an individual whose number is new to the
// event) in one statement when a seat is free, and returns nil, nil when
// the locked way must decide.
func fastRegister(ctx context.Context, db *gorm.DB, in *Input, num phone.Number, now time.Time) (*Result, error) {
	if db.Dialector.Name() != "postgres" || in.Kind != KindIndividual || in.Notify == nil ||
		in.Event == nil || in.Event.ID != in.EventID {
		return nil, nil
	}
	b := batcherFor(db, in.EventID)
	if b.seenFull(now) {
		return nil, nil
	}
	r := newRegistration(in, num, now)
	r.Code = NewCode()
	r.Status, r.ConfirmedAt = StatusConfirmed, &now
	m := newMessage(&r, SMSConfirmation, in.Notify.compose(r.Lang, "sms.confirmation", in.Notify.regData(in.Event, &r)), "", time.Time{})
	message.Prepare(m)
	m.CreatedAt = time.Now() // as GORM's Create stamps it

	j := &job{reg: &r, msg: m, done: make(chan bool, 1)}
	if !b.submit(ctx, db, j) {
		return nil, nil
	}
	return &Result{Registration: &r}, nil
}

// Every one-statement registration waits for the event's row, and holds it
// until its commit is on disk: one registration per disk flush, however
// many arrive. So the registrations of one event that arrive while its
// statement runs are written together by the next one (group commit): a
// batcher per event and database, whose first caller runs the statements
// while others add to the next batch. Nothing waits for a timer, so a
// registration alone is written at once.
const batchMax = 32

type job struct {
	reg  *Registration
	msg  *message.Message
	done chan bool // true: registered; false: take the locked way
}

type batcherKey struct {
	pool    gorm.ConnPool
	eventID uint
}

type batcher struct {
	eventID uint
	mu      sync.Mutex
	pending []*job
	running bool
	fullAt  time.Time // when a statement last found no seat left
}

var batchers sync.Map // batcherKey → *batcher

func batcherFor(db *gorm.DB, eventID uint) *batcher {
	key := batcherKey{db.Statement.ConnPool, eventID}
	if b, ok := batchers.Load(key); ok {
		return b.(*batcher)
	}
	b, _ := batchers.LoadOrStore(key, &batcher{eventID: eventID})
	return b.(*batcher)
}

// submit adds j to the next batch and tells whether it was registered. The
// caller that finds no batch running writes batches until none is left.
func (b *batcher) submit(ctx context.Context, db *gorm.DB, j *job) bool {
	b.mu.Lock()
	b.pending = append(b.pending, j)
	if b.running {
		b.mu.Unlock()
		select {
		case ok := <-j.done:
			return ok
		case <-ctx.Done():
			// The batch may still write it: wait for the answer rather than
			// leave a registration nobody was told about.
			return <-j.done
		}
	}
	b.running = true
	// The batches outlive this request if others joined them.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for {
		n := min(len(b.pending), batchMax)
		jobs := b.pending[:n:n]
		b.pending = append([]*job(nil), b.pending[n:]...)
		b.mu.Unlock()
		b.write(wctx, db, jobs)
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.running = false
			b.mu.Unlock()
			break
		}
	}
	return <-j.done
}

// write registers jobs in one statement when the event has a seat for each
// and every number is new to it; otherwise none is written and each takes
// the locked way.
func (b *batcher) write(ctx context.Context, db *gorm.DB, jobs []*job) {
	ok := make([]bool, len(jobs))
	defer func() {
		for i, j := range jobs {
			j.done <- ok[i]
		}
	}()
	// One number once a batch: a family typing the same number at once is
	// decided under the lock.
	seen := map[string]bool{}
	batch := jobs[:0:0]
	idx := []int{}
	for i, j := range jobs {
		if p := *j.reg.Phone; !seen[p] {
			seen[p] = true
			batch = append(batch, j)
			idx = append(idx, i)
		}
	}
	written, free, err := writeBatch(db.WithContext(ctx), b.eventID, batch)
	if err != nil || written == nil {
		if err == nil && free <= 0 {
			b.mu.Lock()
			b.fullAt = batch[0].reg.CreatedAt
			b.mu.Unlock()
		}
		return
	}
	for k, id := range written {
		batch[k].reg.ID = id
		ok[idx[k]] = true
	}
}

// writeBatch is the statement: the claim of every seat is the UPDATE, which
// waits for the row and checks its conditions again on the row it waited
// for (each number's count through lantern_phone_people, which reads
// afresh: m0020); each insert selects from it, so nothing is written when
// it took no seat. It returns the new registrations' ids in the jobs'
// order, or nil, and the seats that were left.
func writeBatch(db *gorm.DB, eventID uint, jobs []*job) ([]uint, int, error) {
	now := jobs[0].reg.CreatedAt
	var q strings.Builder
	args := []any{len(jobs), eventID, event.StatusPublished, now, now, len(jobs)}
	q.WriteString(`WITH claim AS (
	UPDATE events SET seats_taken = seats_taken + ?
	WHERE id = ? AND status = ? AND starts_at > ? AND (registration_deadline IS NULL OR registration_deadline > ?)
	  AND seats_taken + ? <= capacity`)
	for _, j := range jobs {
		q.WriteString(" AND lantern_phone_people(id, ?, false) = 0")
		args = append(args, *j.reg.Phone)
	}
	q.WriteString("\n\tRETURNING id\n)")
	for i, j := range jobs {
		regCols, regVals, regArgs, err := insertSelect(db, j.reg)
		if err != nil {
			return nil, 0, err
		}
		msgCols, msgVals, msgArgs, err := insertSelect(db, j.msg, "registration_id")
		if err != nil {
			return nil, 0, err
		}
		fmt.Fprintf(&q, `, r%d AS (
	INSERT INTO registrations (%s) SELECT %s FROM claim RETURNING id
), m%d AS (
	INSERT INTO sms_messages (%s, registration_id) SELECT %s, r%d.id FROM r%d RETURNING id
)`, i, regCols, regVals, i, msgCols, msgVals, i, i)
		args = append(append(args, regArgs...), msgArgs...)
	}
	q.WriteString("\nSELECT -1 AS i, capacity - seats_taken AS id FROM events WHERE id = ?")
	args = append(args, eventID)
	for i := range jobs {
		// Each message is selected too, so that its insert is not left to
		// the end of the statement.
		fmt.Fprintf(&q, "\nUNION ALL SELECT %d, r%d.id FROM r%d JOIN m%d ON true", i, i, i, i)
	}
	rows, err := db.Raw(q.String(), args...).Rows()
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ids := make([]uint, len(jobs))
	free, got := 0, 0
	for rows.Next() {
		var i, id int
		if err := rows.Scan(&i, &id); err != nil {
			return nil, 0, err
		}
		if i < 0 {
			free = id
			continue
		}
		ids[i] = uint(id)
		got++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if got != len(jobs) {
		return nil, free, nil
	}
	return ids, free, nil
}

var bindVar = regexp.MustCompile(`\$\d+`)

// insertShape is how GORM inserts one model: its columns, the select list
// of placeholders, and the fields whose values fill them, in that order.
type insertShape struct {
	cols, vals string
	fields     []*schema.Field
}

var insertShapes sync.Map // reflect.Type and omitted columns → *insertShape

// insertSelect renders GORM's own INSERT of value (every column GORM would
// write, so the one-statement way never drifts from the model) as a column
// list and a select list with ? placeholders, leaving out the columns
// omitted. GORM renders each model's shape once; the values are read from
// the fields GORM names.
func insertSelect(db *gorm.DB, value any, omit ...string) (cols, vals string, args []any, err error) {
	rv := reflect.ValueOf(value)
	key := rv.Type().String() + "|" + strings.Join(omit, ",")
	sh, ok := insertShapes.Load(key)
	if !ok {
		shape, err := renderInsert(db, value, omit...)
		if err != nil {
			return "", "", nil, err
		}
		sh, _ = insertShapes.LoadOrStore(key, shape)
	}
	shape := sh.(*insertShape)
	args = make([]any, len(shape.fields))
	for i, f := range shape.fields {
		args[i], _ = f.ValueOf(db.Statement.Context, rv.Elem())
	}
	return shape.cols, shape.vals, args, nil
}

func renderInsert(db *gorm.DB, value any, omit ...string) (*insertShape, error) {
	// Silent: a dry run is not a statement the database ran.
	stmt := db.Session(&gorm.Session{DryRun: true, NewDB: true, Logger: logger.Discard}).Omit(omit...).Create(value).Statement
	sql := stmt.SQL.String()
	open := strings.Index(sql, " (")
	mid := strings.Index(sql, ") VALUES (")
	if open < 0 || mid < open {
		return nil, fmt.Errorf("registration: unexpected insert %q", sql)
	}
	rest := sql[mid+len(") VALUES ("):]
	end := strings.Index(rest, ")")
	if end < 0 {
		return nil, fmt.Errorf("registration: unexpected insert %q", sql)
	}
	shape := &insertShape{cols: sql[open+2 : mid], vals: bindVar.ReplaceAllString(rest[:end], "?")}
	for _, c := range strings.Split(shape.cols, ",") {
		f := stmt.Schema.LookUpField(strings.Trim(c, `"`))
		if f == nil {
			return nil, fmt.Errorf("registration: no field for column %s", c)
		}
		shape.fields = append(shape.fields, f)
	}
	if len(shape.fields) != len(stmt.Vars) {
		return nil, fmt.Errorf("registration: %d columns for %d values in %q", len(shape.fields), len(stmt.Vars), sql)
	}
	return shape, nil
}
