package seed_test

import (
	"github.com/lantern-ngo/lantern/app/phone"
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
		if n := count("events", "kind = ? AND country = ?", event.KindFilmDebate, "VN"); n != 15 {
			t.Errorf("film-and-debate events in Vietnam = %d, want 15", n)
		}
		// One made-up session in each of PEGASE's other countries, in its
		// language and its city's zone (issue 20).
		for code, want := range map[string]string{"FD90": "KH/km/Asia/Phnom_Penh", "AW90": "LA/lo/Asia/Vientiane", "IS90": "PH/fil/Asia/Manila"} {
			var e struct{ Country, Lang, TimeZone, PhoneRegion string }
			db.Table("events").Select("country, lang, time_zone, phone_region").Where("code = ?", code).Scan(&e)
			if got := e.Country + "/" + e.Lang + "/" + e.TimeZone; got != want || e.PhoneRegion != e.Country {
				t.Errorf("demo session %s = %s (region %s), want %s", code, got, e.PhoneRegion, want)
			}
		}
		if n := count("events", "kind = ?", event.KindAuthorityWorkshop); n < 6 {
			t.Errorf("authority workshops = %d, want at least 6", n)
		}
		var seats int
		db.Table("events").Where("kind = ?", event.KindAuthorityWorkshop).Select("COALESCE(SUM(capacity), 0)").Scan(&seats)
		if seats < 180 {
			t.Errorf("workshop capacity = %d, want 180 or more", seats)
		}
		if n := count("events", "starts_at > ? AND kind = ? AND country = ?", now, event.KindFilmDebate, "VN"); n == 0 || n == 15 {
			t.Errorf("upcoming film events = %d: want some past and some upcoming", n)
		}
		for _, code := range []string{"CSWC", "CTSE", "LANSAN", "BINHAN", "SUNRISE", "DOLISA"} {
			if count("partners", "code = ?", code) != 1 {
				t.Errorf("partner %s missing", code)
			}
		}
		if n := count("users", ""); n != 9 {
			t.Errorf("demo users = %d, want 9", n)
		}
		// One organiser per other country, who sees only that country.
		for _, cc := range []string{"KH", "LA", "PH"} {
			if n := count("users", "roles = ? AND scope_country = ?", "organiser", cc); n != 1 {
				t.Errorf("organisers of %s only: %d, want 1", cc, n)
			}
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

// TestDemoIsBelievable (issue 16): the demo tells a coherent story — no
// session has more quiz takers than people present, and not everyone did
// both quizzes; names fit the sex recorded and ages fit the role; coachees
// have coaching sessions whose ratings rise, with an overdue action point;
// every past session but the latest has its report.
func TestDemoIsBelievable(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		if err := seed.Run(t.Context(), db, lantern.Assets, seed.Options{Demo: true, Now: now}); err != nil {
			t.Fatal(err)
		}
		var over []struct {
			ID              uint
			Present, Takers int
		}
		db.Raw(`SELECT e.id,
				(SELECT COUNT(*) FROM attendances a JOIN registrations r ON r.id = a.registration_id WHERE a.event_id = e.id AND r.kind = 'individual') AS present,
				(SELECT COUNT(DISTINCT q.person_key) FROM quiz_attempts q WHERE q.event_id = e.id) AS takers
			FROM events e WHERE e.ends_at < ?`, now).Scan(&over)
		if len(over) == 0 {
			t.Fatal("no past session")
		}
		for _, e := range over {
			if e.Takers > e.Present {
				t.Errorf("event %d: %d quiz takers, %d people present", e.ID, e.Takers, e.Present)
			}
		}
		// Ratings (issue 15) only from adults present with a phone, on
		// sessions that are over, and some of them.
		var strangers, rated int64
		db.Raw(`SELECT COUNT(*) FROM session_ratings s JOIN registrations r ON r.id = s.registration_id JOIN events e ON e.id = s.event_id
			WHERE r.event_id <> s.event_id OR e.ends_at >= ? OR r.phone IS NULL OR r.age_band IN ('under_16', '16_17')
				OR NOT EXISTS (SELECT 1 FROM attendances a WHERE a.registration_id = r.id)`, now).Scan(&strangers)
		db.Raw(`SELECT COUNT(*) FROM session_ratings WHERE stars IS NOT NULL`).Scan(&rated)
		if strangers > 0 || rated < 10 {
			t.Errorf("demo ratings: %d answers, %d from people not present or not asked", rated, strangers)
		}
		var pairs, takers int64
		db.Raw(`SELECT COUNT(*) FROM quiz_attempts a WHERE a.phase = 'pre' AND EXISTS (SELECT 1 FROM quiz_attempts o WHERE o.event_id = a.event_id AND o.person_key = a.person_key AND o.phase = 'post')`).Scan(&pairs)
		db.Raw(`SELECT COUNT(*) FROM (SELECT DISTINCT event_id, person_key FROM quiz_attempts) x`).Scan(&takers)
		if takers == 0 || pairs == takers || float64(pairs) < 0.5*float64(takers) {
			t.Errorf("%d of %d quiz takers did both: want most, not all", pairs, takers)
		}
		var misfits []string
		db.Table("registrations").Where(`kind = 'individual' AND ((name LIKE '% Thị %' AND sex <> 'female') OR (name LIKE '% Văn %' AND sex <> 'male')
			OR (role = 'youth' AND age_band NOT IN ('16_17', '18_24')) OR (role = 'parent' AND age_band IN ('under_16', '16_17')))`).Pluck("name", &misfits)
		if len(misfits) > 0 {
			t.Errorf("people whose name, sex, age and role do not fit: %v", misfits)
		}
		// Every demo number is a mobile of its session's country.
		var phones []struct{ Phone, PhoneRegion string }
		db.Raw(`SELECT r.phone, e.phone_region FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.phone IS NOT NULL`).Scan(&phones)
		for _, p := range phones {
			if n, err := phone.ParseIn(p.Phone, p.PhoneRegion); err != nil || n.E164 != p.Phone {
				t.Errorf("demo number %s (%s): %v", p.Phone, p.PhoneRegion, err)
				break
			}
		}
		var sessions []struct {
			CoacheeID uint
			HeldOn    string
			Mean      float64
		}
		db.Raw(`SELECT s.coachee_id, s.held_on, AVG(r.level) AS mean FROM coaching_sessions s JOIN coaching_ratings r ON r.session_id = s.id
			GROUP BY s.id, s.coachee_id, s.held_on ORDER BY s.coachee_id, s.held_on`).Scan(&sessions)
		if len(sessions) < 8 {
			t.Fatalf("coaching sessions = %d, want four for each of the coachees", len(sessions))
		}
		first := map[uint]float64{}
		last := map[uint]float64{}
		for _, s := range sessions {
			if _, ok := first[s.CoacheeID]; !ok {
				first[s.CoacheeID] = s.Mean
			}
			last[s.CoacheeID] = s.Mean
		}
		for id := range first {
			if last[id] <= first[id] {
				t.Errorf("coachee %d: ratings %.2f → %.2f, want rising", id, first[id], last[id])
			}
		}
		today := now.Format("2006-01-02")
		var overdue int64
		db.Table("action_points").Where("done_on = '' AND due_on < ?", today).Count(&overdue)
		if overdue == 0 {
			t.Error("no overdue action point for the coach to see")
		}
		var reported, missing int64
		db.Raw(`SELECT COUNT(*) FROM events e WHERE e.ends_at < ? AND e.status = 'published' AND EXISTS (SELECT 1 FROM session_reports r WHERE r.event_id = e.id)`, now).Scan(&reported)
		db.Raw(`SELECT COUNT(*) FROM events e WHERE e.ends_at < ? AND e.status = 'published' AND NOT EXISTS (SELECT 1 FROM session_reports r WHERE r.event_id = e.id)`, now).Scan(&missing)
		if reported < 5 || missing != 1 {
			t.Errorf("session reports: %d written, %d missing; want most written and one due", reported, missing)
		}
	})
}
