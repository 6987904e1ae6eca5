package message_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

// gateway is a test SMS gateway: it fails the first `fail` calls with 500,
// then accepts, and counts what it accepted per idempotency key.
type gateway struct {
	mu       sync.Mutex
	calls    int
	fail     int
	status   int
	accepted map[string]int
	bodies   []map[string]any
	auth     string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	g.auth = r.Header.Get("Authorization")
	if g.calls <= g.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if g.status != 0 {
		w.WriteHeader(g.status)
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	g.bodies = append(g.bodies, body)
	g.accepted[r.Header.Get("Idempotency-Key")]++
	fmt.Fprintf(w, `{"id":"gw-%d"}`, g.calls)
}

func enqueue(t *testing.T, db *gorm.DB, body string) *message.Message {
	t.Helper()
	m := &message.Message{To: "+84912345678", Body: body, Lang: "vi", Kind: "confirmation", NextAttemptAt: t0}
	if err := message.Enqueue(db, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func reload(t *testing.T, db *gorm.DB, id uint) message.Message {
	t.Helper()
	var m message.Message
	if err := db.Take(&m, id).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHTTPDriverRetriesWithBackoffAndNeverSendsTwice(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		g := &gateway{fail: 2, accepted: map[string]int{}}
		srv := httptest.NewServer(g)
		defer srv.Close()
		s := &message.Sender{DB: db, Driver: message.NewHTTPDriver(srv.URL, "tok-123"), MaxAttempts: 5}
		m := enqueue(t, db, "Lantern: Ma xac nhan K7M2QX5")

		// Attempt 1 fails: queued again in 30 s.
		if _, err := s.RunOnce(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		got := reload(t, db, m.ID)
		if got.Status != message.StatusQueued || got.Attempts != 1 || !got.NextAttemptAt.Equal(t0.Add(30*time.Second)) || got.LastError == "" {
			t.Fatalf("after a 500: %s attempts %d next %v err %q", got.Status, got.Attempts, got.NextAttemptAt, got.LastError)
		}
		// Not due yet: nothing happens.
		if n, _ := s.RunOnce(t.Context(), t0.Add(29*time.Second)); n != 0 {
			t.Errorf("sent %d before the backoff ended", n)
		}
		// Attempt 2 fails: backoff doubles to 60 s.
		s.RunOnce(t.Context(), t0.Add(30*time.Second))
		got = reload(t, db, m.ID)
		if got.Attempts != 2 || !got.NextAttemptAt.Equal(t0.Add(90*time.Second)) {
			t.Fatalf("after the second 500: attempts %d next %v", got.Attempts, got.NextAttemptAt)
		}
		// Attempt 3 succeeds.
		s.RunOnce(t.Context(), t0.Add(90*time.Second))
		got = reload(t, db, m.ID)
		if got.Status != message.StatusSent || got.ProviderID != "gw-3" || got.SentAt == nil || got.LockedUntil != nil {
			t.Fatalf("after success: %+v", got)
		}
		// Later runs send nothing more.
		s.RunOnce(t.Context(), t0.Add(time.Hour))
		if g.calls != 3 || g.accepted[fmt.Sprintf("lantern-sms-%d", m.ID)] != 1 {
			t.Errorf("gateway calls %d, accepted %v; want 3 calls and one acceptance", g.calls, g.accepted)
		}
		if g.auth != "Bearer tok-123" || g.bodies[0]["to"] != "+84912345678" || g.bodies[0]["text"] != "Lantern: Ma xac nhan K7M2QX5" {
			t.Errorf("request: auth %q body %v", g.auth, g.bodies[0])
		}
	})
}

func TestHTTPDriverFailures(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		// A 400 is final at once.
		g := &gateway{status: http.StatusBadRequest, accepted: map[string]int{}}
		srv := httptest.NewServer(g)
		defer srv.Close()
		s := &message.Sender{DB: db, Driver: message.NewHTTPDriver(srv.URL, ""), MaxAttempts: 3}
		m := enqueue(t, db, "x")
		s.RunOnce(t.Context(), t0)
		if got := reload(t, db, m.ID); got.Status != message.StatusFailed || got.Attempts != 1 {
			t.Errorf("400: %s after %d attempts, want failed after 1", got.Status, got.Attempts)
		}
		// A gateway that always fails: failed after MaxAttempts.
		g2 := &gateway{fail: 1000, accepted: map[string]int{}}
		srv2 := httptest.NewServer(g2)
		defer srv2.Close()
		s = &message.Sender{DB: db, Driver: message.NewHTTPDriver(srv2.URL, ""), MaxAttempts: 3}
		m2 := enqueue(t, db, "y")
		at := t0
		for i := 0; i < 5; i++ {
			s.RunOnce(t.Context(), at)
			at = at.Add(time.Hour)
		}
		if got := reload(t, db, m2.ID); got.Status != message.StatusFailed || got.Attempts != 3 || g2.calls != 3 {
			t.Errorf("always 500: %s after %d attempts (%d calls), want failed after 3", got.Status, got.Attempts, g2.calls)
		}
	})
}

func TestOutboxDriverKeeps(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		m := enqueue(t, db, "kept")
		s := &message.Sender{DB: db, Driver: message.OutboxDriver{}}
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v", n, err)
		}
		if got := reload(t, db, m.ID); got.Status != message.StatusKept || got.Attempts != 1 {
			t.Errorf("status %s attempts %d, want kept 1", got.Status, got.Attempts)
		}
	})
}

// slowDriver counts sends per message and is slow enough for senders to overlap.
type slowDriver struct{ sent sync.Map }

func (d *slowDriver) Send(ctx context.Context, m *message.Message) (string, error) {
	time.Sleep(2 * time.Millisecond)
	v, _ := d.sent.LoadOrStore(m.ID, new(atomic.Int32))
	v.(*atomic.Int32).Add(1)
	return "", nil
}

func TestConcurrentSendersNeverSendTwice(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		const n = 40
		for i := 0; i < n; i++ {
			enqueue(t, db, fmt.Sprintf("message %d", i))
		}
		d := &slowDriver{}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := &message.Sender{DB: db, Driver: d, Batch: n}
				if _, err := s.RunOnce(context.Background(), t0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		count := 0
		d.sent.Range(func(k, v any) bool {
			count++
			if got := v.(*atomic.Int32).Load(); got != 1 {
				t.Errorf("message %v sent %d times", k, got)
			}
			return true
		})
		var sent int64
		db.Model(&message.Message{}).Where("status = ?", message.StatusSent).Count(&sent)
		if count != n || sent != n {
			t.Errorf("sent %d distinct messages (%d marked sent), want %d", count, sent, n)
		}
	})
}

func TestInterruptedSendIsNotRetried(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		m := enqueue(t, db, "z")
		lease := t0.Add(time.Minute)
		db.Model(&message.Message{}).Where("id = ?", m.ID).Updates(map[string]any{"status": message.StatusSending, "locked_until": lease, "attempts": 1})
		d := &slowDriver{}
		s := &message.Sender{DB: db, Driver: d}
		s.RunOnce(t.Context(), t0.Add(30*time.Second)) // lease still running: untouched
		if got := reload(t, db, m.ID); got.Status != message.StatusSending {
			t.Errorf("status %s during the lease", got.Status)
		}
		s.RunOnce(t.Context(), t0.Add(2*time.Minute))
		if got := reload(t, db, m.ID); got.Status != message.StatusFailed {
			t.Errorf("status %s after the lease, want failed", got.Status)
		}
		if _, ok := d.sent.Load(m.ID); ok {
			t.Error("an interrupted message was sent again")
		}
	})
}

// stuckDriver holds its first message until the send's deadline (a gateway
// that does not answer), then accepts the others at once.
type stuckDriver struct {
	calls atomic.Int32
	sent  sync.Map
}

func (d *stuckDriver) Send(ctx context.Context, m *message.Message) (string, error) {
	if d.calls.Add(1) == 1 {
		<-ctx.Done()
		return "", ctx.Err()
	}
	d.sent.Store(m.ID, true)
	return "ok", nil
}

// A sender claims a batch in one statement under one lease. A message whose
// turn comes after half the lease goes back to the queue untried (its
// attempt not counted), so that no other sender can take it for
// interrupted while this one still holds it.
func TestBatchClaimGivesBackWhatItCannotSendWithinTheLease(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		var ids []uint
		for i := 0; i < 5; i++ {
			ids = append(ids, enqueue(t, db, fmt.Sprintf("m%d", i)).ID)
		}
		d := &stuckDriver{}
		s := &message.Sender{DB: db, Driver: d, Lease: 400 * time.Millisecond}
		n, err := s.RunOnce(t.Context(), t0)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("handled %d, want the stuck one only", n)
		}
		first := reload(t, db, ids[0])
		if first.Status != message.StatusQueued || first.Attempts != 1 || !first.NextAttemptAt.After(t0) {
			t.Errorf("stuck message: status %s, %d attempts, next %v; want queued for a retry after its one attempt", first.Status, first.Attempts, first.NextAttemptAt)
		}
		for _, id := range ids[1:] {
			m := reload(t, db, id)
			if m.Status != message.StatusQueued || m.Attempts != 0 || m.LockedUntil != nil || !m.NextAttemptAt.Equal(t0) {
				t.Errorf("message %d: status %s, %d attempts, locked %v, next %v; want given back untried", id, m.Status, m.Attempts, m.LockedUntil, m.NextAttemptAt)
			}
			if _, ok := d.sent.Load(id); ok {
				t.Errorf("message %d was sent after half the lease", id)
			}
		}
		// The next run sends them (the stuck one waits for its backoff).
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 4 {
			t.Errorf("second run handled %d (%v), want 4", n, err)
		}
	})
}

// A run claims one batch, never the queue: the rest stay queued, untouched,
// for the next run or another sender.
func TestARunClaimsOneBatch(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		for i := 0; i < 300; i++ {
			enqueue(t, db, fmt.Sprintf("m%d", i))
		}
		d := &slowDriver{}
		s := &message.Sender{DB: db, Driver: d, Batch: 50}
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 50 {
			t.Fatalf("first run handled %d (%v), want a batch of 50", n, err)
		}
		var sent, queued, untouched int64
		db.Model(&message.Message{}).Where("status = ?", message.StatusSent).Count(&sent)
		db.Model(&message.Message{}).Where("status = ?", message.StatusQueued).Count(&queued)
		db.Model(&message.Message{}).Where("status = ? AND attempts = 0", message.StatusQueued).Count(&untouched)
		if sent != 50 || queued != 250 || untouched != 250 {
			t.Errorf("after one run: %d sent, %d queued (%d untouched); want 50, 250, 250", sent, queued, untouched)
		}
		// The oldest first.
		var first message.Message
		db.Where("status = ?", message.StatusSent).Order("id").First(&first)
		var oldest message.Message
		db.Order("id").First(&oldest)
		if first.ID != oldest.ID {
			t.Errorf("first sent %d, want the oldest %d", first.ID, oldest.ID)
		}
	})
}

// A batch that went out at once has its outcomes written together: twenty
// messages kept by the outbox cost one statement, not twenty.
func TestOutcomesOfABatchAreWrittenTogether(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		for i := 0; i < 20; i++ {
			enqueue(t, db, fmt.Sprintf("m%d", i))
		}
		var writes atomic.Int32
		if err := db.Callback().Update().After("gorm:update").Register("count_kept", func(tx *gorm.DB) {
			for _, v := range tx.Statement.Vars {
				if v == message.StatusKept {
					writes.Add(1)
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		s := &message.Sender{DB: db, Driver: message.OutboxDriver{}}
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 20 {
			t.Fatalf("handled %d (%v), want 20", n, err)
		}
		var kept int64
		db.Model(&message.Message{}).Where("status = ? AND locked_until IS NULL", message.StatusKept).Count(&kept)
		if kept != 20 || writes.Load() != 1 {
			t.Errorf("%d kept in %d statements; want 20 in 1", kept, writes.Load())
		}
	})
}

// seenDriver takes its time over each message and notes, as each send
// begins, the status the previous message has in the database.
type seenDriver struct {
	db   *gorm.DB
	prev uint
	seen []string
}

func (d *seenDriver) Send(ctx context.Context, m *message.Message) (string, error) {
	if d.prev != 0 {
		var p message.Message
		d.db.Take(&p, d.prev)
		d.seen = append(d.seen, p.Status)
	}
	d.prev = m.ID
	time.Sleep(60 * time.Millisecond)
	return fmt.Sprintf("gw-%d", m.ID), nil
}

// Through a gateway slower than outcomeWait, each outcome is written before
// the next send: a stop mid-batch loses at most the one in flight.
func TestASlowGatewaysOutcomesAreWrittenAsTheyCome(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		for i := 0; i < 3; i++ {
			enqueue(t, db, fmt.Sprintf("m%d", i))
		}
		d := &seenDriver{db: db}
		s := &message.Sender{DB: db, Driver: d}
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 3 {
			t.Fatalf("handled %d (%v), want 3", n, err)
		}
		if len(d.seen) != 2 || d.seen[0] != message.StatusSent || d.seen[1] != message.StatusSent {
			t.Errorf("previous message's status as each send began: %v, want [sent sent]", d.seen)
		}
	})
}
