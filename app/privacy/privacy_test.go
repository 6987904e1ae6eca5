package privacy_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

func TestRetentionAnonymisesOldRegistrationsInBatches(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		day := 24 * time.Hour
		old := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -400 * day})
		edge := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -364 * day})
		recent := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -100 * day})
		var oldRegs []*registration.Registration
		for _, o := range []testutil.RegistrationOpts{
			{Sex: "female", AgeBand: "18_24", Role: "parent"},
			{Sex: "male", AgeBand: "25_59", Role: "local_official"},
			{Sex: "female", AgeBand: "under_16", Role: "youth", Phone: "-"},
		} {
			oldRegs = append(oldRegs, testutil.Registration(t, db, old.ID, o))
		}
		keepEdge := testutil.Registration(t, db, edge.ID, testutil.RegistrationOpts{Sex: "male", AgeBand: "60_plus"})
		keepRecent := testutil.Registration(t, db, recent.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "16_17"})

		// One batch of 2, then the rest.
		n, err := privacy.RetentionBatch(ctx, db, 365, 2, now)
		if err != nil || n != 2 {
			t.Fatalf("first batch: %d, %v", n, err)
		}
		total, err := privacy.RunRetention(ctx, db, 365, now)
		if err != nil || total != 1 {
			t.Fatalf("run: %d, %v", total, err)
		}
		// Nothing left: a second instance running now changes nothing.
		if n, err := privacy.RetentionBatch(ctx, db, 365, 200, now); err != nil || n != 0 {
			t.Fatalf("again: %d, %v", n, err)
		}
		for i, r := range oldRegs {
			var got registration.Registration
			db.First(&got, r.ID)
			if got.Name != "" || got.NameFolded != "" || got.Phone != nil || got.AnonymisedAt == nil || !got.AnonymisedAt.Equal(now) {
				t.Errorf("old registration %d not anonymised: %+v", i, got)
			}
			if got.Sex != r.Sex || got.AgeBand != r.AgeBand || got.Role != r.Role || got.EventID != old.ID || got.Status != registration.StatusConfirmed {
				t.Errorf("old registration %d lost its aggregates: %+v", i, got)
			}
		}
		for _, r := range []*registration.Registration{keepEdge, keepRecent} {
			var got registration.Registration
			db.First(&got, r.ID)
			if got.Name != r.Name || got.Phone == nil || got.AnonymisedAt != nil {
				t.Errorf("registration of a recent event anonymised: %+v", got)
			}
		}
		var entries []audit.Entry
		db.Where("action = ?", "retention").Order("id").Find(&entries)
		if len(entries) != 2 || entries[0].ActorID != nil || entries[0].After != `{"older_than_days":365,"registrations":2}` {
			t.Errorf("audit = %+v", entries)
		}
		// Old SMS lose their number and text; queued ones are left to the sender.
		oldSent := message.Message{To: "+84912000999", Body: "Lantern: Nguyễn Văn Đức", Kind: "confirmation", Status: message.StatusSent, CreatedAt: now.AddDate(0, 0, -400)}
		oldQueued := message.Message{To: "+84912000998", Body: "x", Kind: "reminder", Status: message.StatusQueued, CreatedAt: now.AddDate(0, 0, -400)}
		fresh := message.Message{To: "+84912000997", Body: "y", Kind: "confirmation", Status: message.StatusSent, CreatedAt: now.AddDate(0, 0, -10)}
		for _, m := range []*message.Message{&oldSent, &oldQueued, &fresh} {
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := privacy.ScrubOldMessages(ctx, db, 365, now); err != nil || n != 1 {
			t.Errorf("scrub: %d, %v", n, err)
		}
		var msgs []message.Message
		db.Order("id").Find(&msgs)
		if len(msgs) != 3 || msgs[0].To != "" || msgs[0].Body != "" || msgs[1].To == "" || msgs[2].To == "" {
			t.Errorf("messages after scrub = %+v", msgs)
		}
		// A shorter retention reaches the edge event too.
		if n, err := privacy.RunRetention(ctx, db, 300, now); err != nil || n != 1 {
			t.Errorf("300 days: %d, %v", n, err)
		}
	})
}

// Three instances run the retention at once: every old registration is
// anonymised once, none fails, and the counts add up.
func TestRetentionOnSeveralInstances(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		old := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -500 * 24 * time.Hour})
		for range 30 {
			testutil.Registration(t, db, old.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "18_24"})
		}
		var wg sync.WaitGroup
		counts := make([]int64, 3)
		errs := make([]error, 3)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := privacy.RetentionBatch(t.Context(), db, 365, 7, now)
					counts[i] += n
					if err != nil || n == 0 {
						errs[i] = err
						return
					}
				}
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("instance %d: %v", i, err)
			}
		}
		if total := counts[0] + counts[1] + counts[2]; total != 30 {
			t.Errorf("anonymised %v = %d in all, want 30", counts, total)
		}
		var left int64
		db.Model(&registration.Registration{}).Where("anonymised_at IS NULL").Count(&left)
		if left != 0 {
			t.Errorf("%d left", left)
		}
	})
}

// Erasing someone registered for a session still to come gives their seat
// to the first person waiting, instead of leaving it held by an anonymous row.
func TestEraseFreesTheSeatOfAnUpcomingSession(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Now().UTC()
		admin := testutil.Staff(t, db, "admin")
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 1})
		reg := func(name, phone string) *registration.Registration {
			res, err := registration.Register(ctx, db, registration.Input{EventID: e.ID, Name: name, Phone: phone, Lang: "vi", Source: registration.SourceWeb, ConsentVersion: "2026-01"}, now)
			if err != nil {
				t.Fatal(err)
			}
			return res.Registration
		}
		a := reg("Trần Thị Lan", "0912 345 678")
		b := reg("Lê Văn Nam", "0912 345 679")
		if b.Status != registration.StatusWaitlisted {
			t.Fatalf("second person: %s", b.Status)
		}
		if _, err := privacy.Erase(ctx, db, admin.ID, privacy.Subject{Phone: "+84912345678"}, now, nil); err != nil {
			t.Fatal(err)
		}
		var got registration.Registration
		db.First(&got, b.ID)
		if got.Status != registration.StatusConfirmed {
			t.Errorf("the waiting person is %s, want confirmed", got.Status)
		}
		var erased registration.Registration
		db.First(&erased, a.ID)
		if erased.Status != registration.StatusCancelled || erased.Phone != nil || erased.AnonymisedAt == nil {
			t.Errorf("the erased registration: status %s, phone %v, anonymised %v", erased.Status, erased.Phone, erased.AnonymisedAt)
		}
		var taken int
		db.Table("events").Where("id = ?", e.ID).Select("seats_taken").Scan(&taken)
		if taken != 1 {
			t.Errorf("seats_taken = %d, want 1", taken)
		}
	})
}
