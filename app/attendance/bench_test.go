package attendance_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// BenchmarkEventStats: the figures of a screening with 300 registrations,
// half of them present (go test -bench EventStats ./app/attendance).
func BenchmarkEventStats(b *testing.B) {
	db := testutil.New(b, "sqlite").DB
	now := time.Now().UTC()
	ev := testutil.Event(b, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
	for i := 0; i < 300; i++ {
		r := testutil.Registration(b, db, ev.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "25_59"})
		if i%2 == 0 {
			if _, err := attendance.CheckIn(b.Context(), db, attendance.DefaultWindow, attendance.CheckInInput{EventID: ev.ID, RegistrationID: r.ID}, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := attendance.EventStats(b.Context(), db, ev.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyBatch: a phone sends 50 queued check-ins.
func BenchmarkApplyBatch(b *testing.B) {
	db := testutil.New(b, "sqlite").DB
	now := time.Now().UTC()
	ev := testutil.Event(b, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
	var ids []uint
	for i := 0; i < 50; i++ {
		ids = append(ids, testutil.Registration(b, db, ev.ID, testutil.RegistrationOpts{}).ID)
	}
	n := 0
	b.ResetTimer()
	for b.Loop() {
		items := make([]attendance.BatchItem, len(ids))
		for i, id := range ids {
			n++
			items[i] = attendance.BatchItem{ClientID: fmt.Sprintf("bench-%d", n), RegistrationID: id, At: now}
		}
		if _, err := attendance.ApplyBatch(b.Context(), db, attendance.DefaultWindow, "secret", ev.ID, 0, items, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyncTick: phones tick people on the roster of one screening, in
// parallel, one person per batch, as the check-in page sends them (most are
// repeats: "already"). On PostgreSQL this is the one-statement path.
//
//	TEST_DATABASE_URL=… go test ./app/attendance -run '^$' -bench SyncTick -cpu 1,8
func BenchmarkSyncTick(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			db := testutil.New(b, dialect).DB
			now := time.Now().UTC()
			ev := testutil.Event(b, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
			var ids []uint
			for i := 0; i < 66; i++ {
				ids = append(ids, testutil.Registration(b, db, ev.ID, testutil.RegistrationOpts{}).ID)
			}
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					item := attendance.BatchItem{ClientID: fmt.Sprintf("bench-%d", i), RegistrationID: ids[int(i)%len(ids)], At: now}
					if _, err := attendance.Sync(b.Context(), db, attendance.DefaultWindow, "secret", ev.ID, 0, []attendance.BatchItem{item}, now, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
