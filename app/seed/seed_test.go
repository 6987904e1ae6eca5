package seed_test

import (
	"os"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

func TestSeedIsIdempotentAndMatchesTheProgramme(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 2; i++ {
			if err := seed.Run(ctx, db, lantern.Assets, seed.Options{Demo: true, Now: now}); err != nil {
				t.Fatalf("run %d: %v", i+1, err)
			}
		}
		count := func(table, where string, args ...any) int64 {
			var n int64
			q := db.Table(table)
			if where != "" {
				q = q.Where(where, args...)
			}
			q.Count(&n)
			return n
		}
		if n := count("events", "kind = ?", event.KindFilmDebate); n != 15 {
			t.Errorf("film-and-debate events = %d, want 15", n)
		}
		if n := count("events", "kind = ?", event.KindAuthorityWorkshop); n < 6 {
			t.Errorf("authority workshops = %d, want at least 6", n)
		}
		var seats int
		db.Table("events").Where("kind = ?", event.KindAuthorityWorkshop).Select("COALESCE(SUM(capacity), 0)").Scan(&seats)
		if seats < 180 {
			t.Errorf("workshop capacity = %d, want 180 or more", seats)
		}
		if n := count("events", "starts_at > ? AND kind = ?", now, event.KindFilmDebate); n == 0 || n == 15 {
			t.Errorf("upcoming film events = %d: want some past and some upcoming", n)
		}
		for _, code := range []string{"CSWC", "CTSE", "LANSAN", "BINHAN", "SUNRISE", "DOLISA"} {
			if count("partners", "code = ?", code) != 1 {
				t.Errorf("partner %s missing", code)
			}
		}
		if n := count("users", ""); n != 6 {
			t.Errorf("demo users = %d, want 6", n)
		}
		if n := count("event_translations", ""); n < 60 {
			t.Errorf("translations = %d", n)
		}
		if n, _ := database.PendingMigrations(ctx, db); n != 0 {
			t.Errorf("pending migrations = %d", n)
		}

		// Demo participants, seeded once (two runs above): every session has
		// people within its capacity, seats taken match them, and only the
		// sessions that are over have check-ins.
		var evs []struct {
			ID, Capacity, SeatsTaken, People, Seats, CheckedIn int
			EndsAt                                             time.Time
		}
		db.Raw(`SELECT e.id, e.capacity, e.seats_taken, e.ends_at,
				(SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id) AS people,
				(SELECT COALESCE(SUM(group_size), 0) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed') AS seats,
				(SELECT COUNT(*) FROM attendances a WHERE a.event_id = e.id) AS checked_in
			FROM events e ORDER BY e.id`).Scan(&evs)
		groups := count("registrations", "kind = ?", "group")
		for _, e := range evs {
			if e.People < 10 || e.SeatsTaken != e.Seats || e.Seats > e.Capacity {
				t.Errorf("event %d: %d people, %d seats confirmed, seats_taken %d, capacity %d", e.ID, e.People, e.Seats, e.SeatsTaken, e.Capacity)
			}
			if over := e.EndsAt.Before(now); over != (e.CheckedIn > 0) {
				t.Errorf("event %d (over: %v): %d check-ins", e.ID, over, e.CheckedIn)
			}
		}
		if len(evs) == 0 || groups == 0 {
			t.Errorf("%d events, %d groups: want demo participants and some groups", len(evs), groups)
		}
		// Each check-in has its latest observation (attendance_marks), at its time.
		if n := count("attendances a", "NOT EXISTS (SELECT 1 FROM attendance_marks m WHERE m.registration_id = a.registration_id AND m.present AND m.checked_in_at = a.checked_in_at)"); n != 0 {
			t.Errorf("%d demo check-ins without their mark", n)
		}
	})
}
