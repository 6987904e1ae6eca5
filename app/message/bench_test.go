package message_test

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// BenchmarkOutboxDrainTwoInstances: a burst of tickets leaves through the
// HTTP driver to a local fake gateway, drained by two senders at once (two
// instances on one database). It reports messages a second and fails when
// the gateway was given any message twice. An iteration drains 200.
//
//	go test ./app/message -run '^$' -bench OutboxDrain -benchtime 5x
func BenchmarkOutboxDrainTwoInstances(b *testing.B) {
	for _, dialect := range testutil.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			db := testutil.New(b, dialect).DB
			g := &gateway{accepted: map[string]int{}}
			srv := httptest.NewServer(g)
			defer srv.Close()
			const burst = 200
			// 10:00 in Vietnam: the quiet hours (22:00–07:00 where the
			// recipient is) would hold every ticket at night.
			now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
			start := now.Add(-time.Minute)
			sent, elapsed := 0, time.Duration(0)
			for b.Loop() {
				b.StopTimer()
				for i := range burst {
					m := &message.Message{To: fmt.Sprintf("+849120%05d", i), Body: "Lantern: Ma xac nhan K7M2QX5",
						Lang: "vi", Kind: "confirmation", NextAttemptAt: start}
					if err := message.Enqueue(db, m); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				t0 := time.Now()
				var wg sync.WaitGroup
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						s := &message.Sender{DB: db, Driver: message.NewHTTPDriver(srv.URL, "")}
						for {
							n, err := s.RunOnce(b.Context(), now)
							if err != nil {
								b.Error(err)
								return
							}
							if n == 0 {
								return
							}
						}
					}()
				}
				wg.Wait()
				elapsed += time.Since(t0)
				sent += burst
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			for key, n := range g.accepted {
				if n != 1 {
					b.Fatalf("%s accepted %d times", key, n)
				}
			}
			if len(g.accepted) != sent {
				b.Fatalf("the gateway has %d messages, want %d", len(g.accepted), sent)
			}
			b.ReportMetric(float64(sent)/elapsed.Seconds(), "msgs/s")
		})
	}
}
