package registration

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/groupcommit"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// The hot event: a message to thousands of families fills one session in a
// minute, and every registration of that session waits for the one before
// it on the event's row. What runs while the row is locked sets how many
// people a second the session takes. In a transaction that is every round
// trip between the seat's claim and the commit (the registration's insert,
// its message's insert, the COMMIT) and the commit's disk flush: about 400
// people a second on two cores, whatever the cores could do.
//
// fastRegister does the common case, a person whose number is new to the
// session, in ONE statement on PostgreSQL: the seat's claim (or the place
// on the waiting list), the registration and its message are written by
// the same statement, which commits on its own. And the registrations of
// one session that arrive while a statement runs are written together by
// the next one (group commit: one lock, one flush for many). Anything else
// (the number already used at the session, registration closed, a group,
// SQLite) changes nothing here and goes the locked way (registerTx), which
// decides it all again.

// fastRegister registers in (an individual whose number is new to the
// event) in one statement, and returns nil, nil when the locked way must
// decide.
func fastRegister(ctx context.Context, db *gorm.DB, in *Input, num phone.Number, now time.Time) (*Result, error) {
	if db.Dialector.Name() != "postgres" || in.Kind != KindIndividual || in.Notify == nil ||
		in.Event == nil || in.Event.ID != in.EventID {
		return nil, nil
	}
	r := newRegistration(in, num, now)
	r.Code = NewCode()
	j := &job{reg: &r, now: now, place: "#W" + r.Code + "#", done: make(chan bool, 1)}
	// Both messages are written before the statement decides which one
	// goes: the waiting list's carries a placeholder for the place in line,
	// which only the locked row knows.
	j.confirmed = newMessage(&r, SMSConfirmation, in.Notify.compose(r.Lang, "sms.confirmation", in.Notify.regData(in.Event, &r)), "", time.Time{})
	d := in.Notify.regData(in.Event, &r)
	d["Position"] = j.place
	j.waitlisted = newMessage(&r, SMSWaitlisted, in.Notify.compose(r.Lang, "sms.waitlisted", d), "", time.Time{})
	for _, m := range []*message.Message{j.confirmed, j.waitlisted} {
		message.Prepare(m)
		m.CreatedAt = time.Now() // as GORM's Create stamps it
	}
	// Segments as for the longest place ("100+").
	j.waitlisted.Encoding, j.waitlisted.Segments = message.Segments(strings.ReplaceAll(j.waitlisted.Body, j.place, Place(PlacesCounted+1).String()))

	if !batcherFor(db, in.EventID).submit(ctx, db, j) {
		return nil, nil
	}
	res := &Result{Registration: &r}
	if r.Status == StatusConfirmed {
		r.ConfirmedAt = &now
	} else {
		r.WaitlistedAt = &now
		res.WaitlistPosition = j.position
	}
	return res, nil
}

// The batches: the registrations of one session that arrive while its
// statement runs wait for the next (app/groupcommit). Nothing waits for a
// timer: a registration alone is written at once.
const batchMax = 32

type job struct {
	reg                   *Registration
	now                   time.Time
	confirmed, waitlisted *message.Message
	place                 string // the placeholder of the place in line in waitlisted
	// Set by the batch before done: what the statement decided.
	position Place
	done     chan bool // true: registered; false: take the locked way
}

type batcherKey struct {
	pool    gorm.ConnPool
	eventID uint
}

type batcher struct {
	eventID uint
	queue   groupcommit.Queue[*job]
}

var batchers sync.Map // batcherKey → *batcher

func batcherFor(db *gorm.DB, eventID uint) *batcher {
	key := batcherKey{db.Statement.ConnPool, eventID}
	if b, ok := batchers.Load(key); ok {
		return b.(*batcher)
	}
	b, _ := batchers.LoadOrStore(key, &batcher{eventID: eventID, queue: groupcommit.Queue[*job]{Max: batchMax}})
	return b.(*batcher)
}

// submit adds j to the next batch and tells whether it was registered.
// Even if this request is given up, the batch may write it: the answer is
// awaited, never a registration nobody was told about.
func (b *batcher) submit(ctx context.Context, db *gorm.DB, j *job) bool {
	b.queue.Submit(ctx, j, func(wctx context.Context, jobs []*job) { b.write(wctx, db, jobs) })
	return <-j.done
}

// write registers jobs in one statement when the session is open and every
// number is new to it; otherwise none is written and each takes the locked
// way.
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
	written, err := writeBatch(db.WithContext(ctx), b.eventID, batch)
	if err != nil || !written {
		return
	}
	for k := range batch {
		ok[idx[k]] = true
	}
}

// writeBatch is the statement. The claim is the UPDATE: it locks the
// event's row (FOR NO KEY UPDATE: the row as it is once the lock is held),
// takes the seats left up to one a job, and checks the session is open and
// every number new on that row (each number's people through
// lantern_phone_people, which reads afresh: m0020); lantern_waiting counts
// the waiting list on it too. Job i is confirmed when i < the seats that
// were left, and otherwise waits, behind everyone already waiting and the
// jobs before it. Each insert selects from the claim, so nothing is written
// when it took nothing. The jobs' registrations and places are filled in.
func writeBatch(db *gorm.DB, eventID uint, jobs []*job) (bool, error) {
	now := jobs[0].now
	var q strings.Builder
	args := []any{len(jobs), eventID, event.StatusPublished, now, now}
	q.WriteString(`WITH claim AS (
	UPDATE events e SET seats_taken = e.seats_taken + LEAST(?, GREATEST(b.capacity - b.seats_taken, 0))
	FROM (SELECT id, seats_taken, capacity FROM events WHERE id = ? FOR NO KEY UPDATE) b
	WHERE e.id = b.id AND e.status = ? AND e.starts_at > ? AND (e.registration_deadline IS NULL OR e.registration_deadline > ?)`)
	for _, j := range jobs {
		q.WriteString(" AND lantern_phone_people(e.id, ?, false) = 0")
		args = append(args, *j.reg.Phone)
	}
	q.WriteString(`
	RETURNING GREATEST(b.capacity - b.seats_taken, 0) AS free, lantern_waiting(e.id, ?) AS waiting, e.seats_taken, e.capacity
)`)
	args = append(args, PlacesCounted+1)
	for i, j := range jobs {
		seat := fmt.Sprintf("claim.free > %d", i)
		place := fmt.Sprintf("LEAST(claim.waiting + %d - claim.free + 1, %d)", i, PlacesCounted+1)
		placeText := fmt.Sprintf("CASE WHEN %s > %d THEN '%s' ELSE (%s)::text END", place, PlacesCounted, Place(PlacesCounted+1), place)
		regCols, regVals, regArgs, err := insertSelect(db, j.reg, map[string]override{
			"status":        {"CASE WHEN " + seat + " THEN ? ELSE ? END", []any{StatusConfirmed, StatusWaitlisted}},
			"confirmed_at":  {"CASE WHEN " + seat + " THEN CAST(? AS timestamptz) END", []any{j.now}},
			"waitlisted_at": {"CASE WHEN NOT " + seat + " THEN CAST(? AS timestamptz) END", []any{j.now}},
		})
		if err != nil {
			return false, err
		}
		c, w := j.confirmed, j.waitlisted
		msgCols, msgVals, msgArgs, err := insertSelect(db, c, map[string]override{
			"registration_id": {"r" + fmt.Sprint(i) + ".id", nil},
			"kind":            {"CASE WHEN " + seat + " THEN ? ELSE ? END", []any{c.Kind, w.Kind}},
			"body":            {"CASE WHEN " + seat + " THEN ? ELSE replace(?, ?, " + placeText + ") END", []any{c.Body, w.Body, j.place}},
			"encoding":        {"CASE WHEN " + seat + " THEN ? ELSE ? END", []any{c.Encoding, w.Encoding}},
			"segments":        {"CASE WHEN " + seat + " THEN CAST(? AS bigint) ELSE CAST(? AS bigint) END", []any{c.Segments, w.Segments}},
			"params":          {"CASE WHEN " + seat + " THEN ? ELSE replace(?, ?, (" + place + ")::text) END", []any{c.Params, w.Params, `"` + j.place + `"`}},
		})
		if err != nil {
			return false, err
		}
		fmt.Fprintf(&q, `, r%d AS (
	INSERT INTO registrations (%s) SELECT %s FROM claim RETURNING id, status
), m%d AS (
	INSERT INTO sms_messages (%s) SELECT %s FROM r%d, claim RETURNING id
)`, i, regCols, regVals, i, msgCols, msgVals, i)
		args = append(append(args, regArgs...), msgArgs...)
		// registration.created for the webhooks, in this same statement
		// (never lost, never without its registration; the deliveries'
		// unique key and lease-based claiming keep it from being delivered
		// twice). It carries the ids and the facts of this moment (status,
		// seats) and writes nothing when no endpoint subscribes: the
		// statement stays as fast, and the dispatcher completes the
		// payload, off the hot path.
		whq, whArgs := webhook.RegistrationCreatedSQL(i, fmt.Sprintf("r%d", i), "claim", eventID, j.now)
		q.WriteString(whq)
		args = append(args, whArgs...)
	}
	for i := range jobs {
		if i == 0 {
			q.WriteString("\nSELECT ")
		} else {
			q.WriteString("\nUNION ALL SELECT ")
		}
		// The message is selected too, so that its insert is done here.
		fmt.Fprintf(&q, "%d AS i, r%d.id, r%d.status, LEAST(claim.waiting + %d - claim.free + 1, %d) AS place FROM r%d JOIN m%d ON true, claim",
			i, i, i, i, PlacesCounted+1, i, i)
	}
	// Sent as it is, numbered for PostgreSQL, past GORM's rendering of each
	// value (a statement of hundreds of values, on every batch of a crowd);
	// GORM's logger still traces it (slow statements are logged).
	sqlText := numberPlaceholders(q.String())
	begin := time.Now()
	rows, err := db.Statement.ConnPool.QueryContext(db.Statement.Context, sqlText, args...)
	db.Logger.Trace(db.Statement.Context, begin, func() (string, int64) { return sqlText, int64(len(jobs)) }, err)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	type out struct {
		id     uint
		status Status
		place  int
	}
	got := make([]*out, len(jobs))
	for rows.Next() {
		var i int
		var o out
		if err := rows.Scan(&i, &o.id, &o.status, &o.place); err != nil {
			return false, err
		}
		got[i] = &o
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, o := range got {
		if o == nil {
			return false, nil // the claim took nothing: none was written
		}
	}
	for i, j := range jobs {
		j.reg.ID, j.reg.Status = got[i].id, got[i].status
		if j.reg.Status == StatusWaitlisted {
			j.position = Place(got[i].place)
		}
	}
	return true, nil
}

// numberPlaceholders turns the statement's ? into PostgreSQL's $1, $2, …
// in order, leaving quoted text alone.
func numberPlaceholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + len(q)/8)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// override replaces a column's placeholder in an insert's select list by an
// expression and its arguments.
type override struct {
	expr string
	args []any
}

// insertShape is how GORM inserts one model: its columns and the fields
// whose values fill them, in that order.
type insertShape struct {
	cols   []string
	fields []*schema.Field
}

var insertShapes sync.Map // reflect.Type → *insertShape

// insertSelect renders GORM's own INSERT of value (every column GORM would
// write, so the one-statement way never drifts from the model) as a column
// list and a select list with ? placeholders; a column of over takes its
// expression instead, and is added when GORM does not write it. GORM
// renders each model's shape once; the values are read from the fields
// GORM names.
func insertSelect(db *gorm.DB, value any, over map[string]override) (cols, vals string, args []any, err error) {
	rv := reflect.ValueOf(value)
	sh, ok := insertShapes.Load(rv.Type())
	if !ok {
		shape, err := renderInsert(db, value)
		if err != nil {
			return "", "", nil, err
		}
		sh, _ = insertShapes.LoadOrStore(rv.Type(), shape)
	}
	shape := sh.(*insertShape)
	var c, v []string
	used := map[string]bool{}
	for i, f := range shape.fields {
		c = append(c, `"`+shape.cols[i]+`"`)
		if o, ok := over[shape.cols[i]]; ok {
			used[shape.cols[i]] = true
			v = append(v, o.expr)
			args = append(args, o.args...)
			continue
		}
		val, _ := f.ValueOf(db.Statement.Context, rv.Elem())
		v = append(v, "?")
		args = append(args, val)
	}
	for col, o := range over {
		if !used[col] {
			c = append(c, `"`+col+`"`)
			v = append(v, o.expr)
			args = append(args, o.args...)
		}
	}
	return strings.Join(c, ","), strings.Join(v, ","), args, nil
}

func renderInsert(db *gorm.DB, value any) (*insertShape, error) {
	// Silent: a dry run is not a statement the database ran.
	stmt := db.Session(&gorm.Session{DryRun: true, NewDB: true, Logger: logger.Discard}).Create(value).Statement
	sql := stmt.SQL.String()
	open := strings.Index(sql, " (")
	mid := strings.Index(sql, ") VALUES (")
	if open < 0 || mid < open {
		return nil, fmt.Errorf("registration: unexpected insert %q", sql)
	}
	shape := &insertShape{}
	for _, c := range strings.Split(sql[open+2:mid], ",") {
		col := strings.Trim(c, `"`)
		f := stmt.Schema.LookUpField(col)
		if f == nil {
			return nil, fmt.Errorf("registration: no field for column %s", c)
		}
		shape.cols = append(shape.cols, col)
		shape.fields = append(shape.fields, f)
	}
	if len(shape.fields) != len(stmt.Vars) {
		return nil, fmt.Errorf("registration: %d columns for %d values in %q", len(shape.fields), len(stmt.Vars), sql)
	}
	return shape, nil
}
