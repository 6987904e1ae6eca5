package registration_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

var now = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func notifier(t testing.TB) *registration.Notifier {
	t.Helper()
	b, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		t.Fatal(err)
	}
	return &registration.Notifier{BaseURL: "http://lantern.test", Translator: b.For}
}

func seatsTaken(t testing.TB, db *gorm.DB, id uint) int {
	t.Helper()
	var e event.Event
	if err := db.Select("seats_taken").Take(&e, id).Error; err != nil {
		t.Fatal(err)
	}
	return e.SeatsTaken
}

func countStatus(t testing.TB, db *gorm.DB, eventID uint, st registration.Status) int {
	t.Helper()
	var n int64
	db.Model(&registration.Registration{}).Where("event_id = ? AND status = ?", eventID, st).Count(&n)
	return int(n)
}

func in(eventID uint, name, phone string) registration.Input {
	return registration.Input{EventID: eventID, Name: name, Phone: phone, Lang: "vi", ConsentVersion: "2026-01"}
}

func TestRegisterConfirmsThenWaitlists(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 2})
		n := notifier(t)
		var codes []string
		for i, p := range []string{"0912 345 678", "0913 000 001", "0913 000 002", "0913 000 003"} {
			input := in(e.ID, "  Nguyễn   Văn Đức ", p)
			input.Notify = n
			res, err := registration.Register(ctx, db, input, now)
			if err != nil {
				t.Fatalf("register %d: %v", i, err)
			}
			codes = append(codes, res.Registration.Code)
			wantStatus, wantPos := registration.StatusConfirmed, registration.Place(0)
			if i >= 2 {
				wantStatus, wantPos = registration.StatusWaitlisted, registration.Place(i-1)
			}
			if res.Registration.Status != wantStatus || res.WaitlistPosition != wantPos {
				t.Errorf("registration %d: %s position %d, want %s position %d", i, res.Registration.Status, res.WaitlistPosition, wantStatus, wantPos)
			}
			if res.Registration.Name != "Nguyễn Văn Đức" || res.Registration.NameFolded != "nguyen van duc" {
				t.Errorf("name %q folded %q", res.Registration.Name, res.Registration.NameFolded)
			}
			if len(res.Registration.Code) != 7 || strings.ContainsAny(res.Registration.Code, "01OIL") {
				t.Errorf("code %q", res.Registration.Code)
			}
		}
		if got := seatsTaken(t, db, e.ID); got != 2 {
			t.Errorf("seats_taken = %d, want 2", got)
		}
		var kinds []string
		db.Model(&message.Message{}).Order("id").Pluck("kind", &kinds)
		if strings.Join(kinds, ",") != "confirmation,confirmation,waitlisted,waitlisted" {
			t.Errorf("SMS queued: %v", kinds)
		}
		var body string
		db.Model(&message.Message{}).Order("id").Limit(1).Pluck("body", &body)
		if !strings.Contains(body, codes[0]) || !strings.Contains(body, "http://lantern.test/vi/r/"+codes[0]) {
			t.Errorf("confirmation SMS %q lacks the code or the link", body)
		}

		// The first confirmed one cancels: the first in line is promoted and told.
		r, err := registration.Cancel(ctx, db, registration.Ref{Code: codes[0]}, 0, now, n)
		if err != nil || r.Status != registration.StatusCancelled {
			t.Fatalf("cancel: %v %v", r, err)
		}
		got, _ := registration.GetByCode(ctx, db, codes[2])
		if got.Status != registration.StatusConfirmed {
			t.Errorf("first waitlisted is %s, want confirmed", got.Status)
		}
		other, _ := registration.GetByCode(ctx, db, codes[3])
		if pos, _ := registration.WaitlistPosition(ctx, db, other); pos != 1 {
			t.Errorf("second waitlisted now at %d, want 1", pos)
		}
		if got := seatsTaken(t, db, e.ID); got != 2 {
			t.Errorf("seats_taken after promotion = %d, want 2", got)
		}
		var promo int64
		db.Model(&message.Message{}).Where("kind = ? AND registration_id = ?", registration.SMSPromotion, got.ID).Count(&promo)
		if promo != 1 {
			t.Errorf("promotion SMS = %d, want 1", promo)
		}
		// Cancelling again changes nothing.
		if _, err := registration.Cancel(ctx, db, registration.Ref{Code: codes[0]}, 0, now, n); err != nil {
			t.Fatal(err)
		}
		if got := seatsTaken(t, db, e.ID); got != 2 {
			t.Errorf("seats_taken after a second cancel = %d, want 2", got)
		}
		// The cancelled person's number is typed again on the form: nothing
		// comes back to life (whoever typed it may not own it); the phone is
		// sent the ticket link, whose page offers to register again.
		again := in(e.ID, "nguyen van  DUC", "+84 912 345 678")
		again.Notify = n
		res, err := registration.Register(ctx, db, again, now.Add(11*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Existing || res.Reactivated || !res.ResentTicket || res.Registration.Status != registration.StatusCancelled {
			t.Errorf("re-registration: existing %v reactivated %v resent %v status %s", res.Existing, res.Reactivated, res.ResentTicket, res.Registration.Status)
		}
		// Typed again within 10 minutes: nothing more is sent.
		res, err = registration.Register(ctx, db, again, now.Add(15*time.Minute))
		if err != nil || !res.Existing || res.ResentTicket {
			t.Errorf("second re-registration within 10 minutes: resent %v (%v)", res != nil && res.ResentTicket, err)
		}
		var resent []string
		db.Model(&message.Message{}).Where("kind = ?", registration.SMSTicketResent).Pluck("body", &resent)
		if len(resent) != 1 || !strings.Contains(resent[0], "/vi/r/"+codes[0]) {
			t.Errorf("ticket re-sent: %q", resent)
		}
		restored, err := registration.Restore(ctx, db, codes[0], now.Add(16*time.Minute), n)
		if err != nil {
			t.Fatal(err)
		}
		if pos, _ := registration.WaitlistPosition(ctx, db, restored); restored.Code != codes[0] || restored.Status != registration.StatusWaitlisted || pos != 2 {
			t.Errorf("restored: code %s (want %s) status %s pos %d", restored.Code, codes[0], restored.Status, pos)
		}
		var rows int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&rows)
		if rows != 4 {
			t.Errorf("rows = %d, want 4", rows)
		}
	})
}

func TestRegisterSameNumberWrittenDifferently(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 10})
		first, err := registration.Register(t.Context(), db, in(e.ID, "Trần Thị Mai", "0912 345 678"), now)
		if err != nil {
			t.Fatal(err)
		}
		// The same person (the name compared folded: case, diacritics, đ,
		// spacing) with the number written any way is the same registration.
		for i, p := range []string{"091.234.5678", "+84 91 234 5678", "84912345678", "0084912345678", "912345678"} {
			name := []string{"tran thi mai", "TRẦN  THỊ MAI", " Tran Thi Mai ", "trần thị mai", "Trân Thi Mái"}[i]
			res, err := registration.Register(t.Context(), db, in(e.ID, name, p), now)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if !res.Existing || res.Registration.ID != first.Registration.ID || res.Registration.Name != "Trần Thị Mai" {
				t.Errorf("%s: existing=%v id=%d name=%q, want the first registration unchanged", p, res.Existing, res.Registration.ID, res.Registration.Name)
			}
		}
		if got := seatsTaken(t, db, e.ID); got != 1 {
			t.Errorf("seats_taken = %d, want 1", got)
		}
		// An old 11-digit number is converted and said so: 0168 → 038.
		res, err := registration.Register(t.Context(), db, in(e.ID, "Lê Văn Nam", "0168 123 4567"), now)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Renumbered || *res.Registration.Phone != "+84381234567" || res.OldPhone != "01681234567" {
			t.Errorf("renumbered=%v phone=%s old=%s", res.Renumbered, *res.Registration.Phone, res.OldPhone)
		}
	})
}

func TestRegisterRejects(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		deadline := now.Add(-time.Hour)
		open := testutil.Event(t, db, testutil.EventOpts{Now: now})
		closed := testutil.Event(t, db, testutil.EventOpts{Now: now, Deadline: &deadline})
		started := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
		draft := testutil.Event(t, db, testutil.EventOpts{Now: now, Status: event.StatusDraft})
		cases := []struct {
			input registration.Input
			key   string
		}{
			{in(open.ID, "", "0912345678"), "error.register.name_required"},
			{in(open.ID, "A", "0912345678"), "error.register.name_short"},
			{in(open.ID, strings.Repeat("Đ", 101), "0912345678"), "error.register.name_long"},
			{in(open.ID, "<script>alert(1)</script>", "0912345678"), "error.register.name_chars"},
			{in(open.ID, "=HYPERLINK(1)", "0912345678"), "error.register.name_chars"},
			{in(open.ID, "Mai", ""), "error.phone.required"},
			{in(open.ID, "Mai", "0123"), "error.phone.invalid"},
			{in(open.ID, "Mai", "028 3829 1234"), "error.phone.not_mobile"},
			{in(closed.ID, "Mai", "0912345678"), "error.register.closed"},
			{in(started.ID, "Mai", "0912345678"), "error.register.closed"},
			{in(draft.ID, "Mai", "0912345678"), "error.register.closed"},
			{in(99999, "Mai", "0912345678"), "error.event.not_found"},
			{registration.Input{EventID: open.ID, Name: "Mai", Phone: "0912345678", Kind: registration.KindGroup, GroupSize: 1}, "error.register.group_size"},
			{registration.Input{EventID: open.ID, Name: "Mai", Phone: "0912345678", Kind: registration.KindGroup, GroupSize: 10,
				GroupBreakdown: registration.Breakdown{Grid: map[string]map[string]int{"female": {"under_16": 4}, "male": {"under_16": 5}}}}, "error.register.group_grid_sum"},
			{registration.Input{EventID: open.ID, Name: "Mai", Phone: "0912345678", Kind: registration.KindGroup, GroupSize: 51,
				GroupBreakdown: registration.Breakdown{Grid: map[string]map[string]int{"female": {"under_16": 51}}}}, "error.register.group_too_big"},
		}
		for _, c := range cases {
			_, err := registration.Register(t.Context(), db, c.input, now)
			if got := apperr.KeyOf(err); got != c.key {
				t.Errorf("Register(%q, %q) = %v, want %s", c.input.Name, c.input.Phone, err, c.key)
			}
		}
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations stored, want 0", n)
		}
	})
}

func TestGroupRegistrationTakesItsSeats(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 25})
		g := registration.Input{EventID: e.ID, Name: "CTSE Gò Vấp", Phone: "0912345678", Kind: registration.KindGroup, GroupSize: 20,
			GroupBreakdown: registration.Breakdown{Grid: map[string]map[string]int{"female": {"under_16": 12}, "male": {"under_16": 8}}}}
		res, err := registration.Register(ctx, db, g, now)
		if err != nil || res.Registration.Status != registration.StatusConfirmed {
			t.Fatalf("group: %v %v", res, err)
		}
		if res.Registration.GroupBreakdown != `{"grid":{"female":{"under_16":12},"male":{"under_16":8}}}` {
			t.Errorf("breakdown %s", res.Registration.GroupBreakdown)
		}
		// A second group from the same contact is a new registration, waitlisted: 5 seats left.
		g.GroupSize, g.GroupBreakdown = 6, registration.Breakdown{Grid: map[string]map[string]int{"not_stated": {"18_24": 6}}}
		res2, err := registration.Register(ctx, db, g, now)
		if err != nil || res2.Existing || res2.Registration.Status != registration.StatusWaitlisted {
			t.Fatalf("second group: %+v %v", res2, err)
		}
		// One person still fits; the group of 6 stays in line behind no one.
		p, err := registration.Register(ctx, db, in(e.ID, "Phạm Thu", "0987654321"), now)
		if err != nil || p.Registration.Status != registration.StatusConfirmed {
			t.Fatalf("individual: %+v %v", p, err)
		}
		if got := seatsTaken(t, db, e.ID); got != 21 {
			t.Errorf("seats_taken = %d, want 21", got)
		}
		// The first group cancels: 24 free, the group of 6 is promoted.
		if _, err := registration.Cancel(ctx, db, registration.Ref{ID: res.Registration.ID}, 0, now, nil); err != nil {
			t.Fatal(err)
		}
		if got := seatsTaken(t, db, e.ID); got != 7 {
			t.Errorf("seats_taken = %d, want 7 (1 + the promoted group of 6)", got)
		}
	})
}

func TestStaffConfirmAndMoveToWaitlist(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		staff := testutil.Staff(t, db, "organiser")
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 1})
		a, _ := registration.Register(ctx, db, in(e.ID, "Người A", "0912000001"), now)
		b, _ := registration.Register(ctx, db, in(e.ID, "Người B", "0912000002"), now)
		if _, err := registration.Confirm(ctx, db, b.Registration.ID, staff.ID, now, nil); apperr.KeyOf(err) != "error.register.no_seats" {
			t.Errorf("confirm with no seat: %v, want error.register.no_seats", err)
		}
		if got := countStatus(t, db, e.ID, registration.StatusConfirmed); got != 1 {
			t.Errorf("confirmed = %d, want 1 (the failed confirm must roll back)", got)
		}
		// A goes to the waiting list: B (first in line) gets the seat, A does not come back.
		if _, err := registration.MoveToWaitlist(ctx, db, a.Registration.ID, staff.ID, now, nil); err != nil {
			t.Fatal(err)
		}
		ra, _ := registration.Get(ctx, db, a.Registration.ID)
		rb, _ := registration.Get(ctx, db, b.Registration.ID)
		if ra.Status != registration.StatusWaitlisted || rb.Status != registration.StatusConfirmed {
			t.Errorf("A %s, B %s; want A waitlisted, B confirmed", ra.Status, rb.Status)
		}
		if got := seatsTaken(t, db, e.ID); got != 1 {
			t.Errorf("seats_taken = %d, want 1", got)
		}
		var audits int64
		db.Table("audit_logs").Where("actor_id = ?", staff.ID).Count(&audits)
		if audits != 1 {
			t.Errorf("audit entries = %d, want 1", audits)
		}
	})
}

func TestFindForEvent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 2})
		for i, name := range []string{"Nguyễn Văn Đức", "Trần Thị Mai", "Đỗ Đức Anh", "Lê 100%_Vui"} {
			if _, err := registration.Register(ctx, db, in(e.ID, name, fmt.Sprintf("09120000%02d", i)), now); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			q      string
			status registration.Status
			want   []string
		}{
			{"nguyen van duc", "", []string{"Nguyễn Văn Đức"}},
			{"ĐỨC", "", []string{"Nguyễn Văn Đức", "Đỗ Đức Anh"}},
			{"duc", registration.StatusWaitlisted, []string{"Đỗ Đức Anh"}},
			{"0912 000 001", "", []string{"Trần Thị Mai"}},
			{"+84912000003", "", []string{"Lê 100%_Vui"}},
			{"%", "", []string{"Lê 100%_Vui"}},
			{"", registration.StatusConfirmed, []string{"Nguyễn Văn Đức", "Trần Thị Mai"}},
		}
		for _, c := range cases {
			rs, total, err := registration.FindForEvent(ctx, db, e.ID, registration.Filter{Query: c.q, Status: c.status})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Name)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") || int(total) != len(c.want) {
				t.Errorf("find %q %q = %v (total %d), want %v", c.q, c.status, got, total, c.want)
			}
		}
		rs, total, _ := registration.FindForEvent(ctx, db, e.ID, registration.Filter{Limit: 1, Offset: 1})
		if total != 4 || len(rs) != 1 || rs[0].Name != "Trần Thị Mai" {
			t.Errorf("page 2 of 1: %d rows, total %d", len(rs), total)
		}
	})
}

// TestNoOverbookingUnderLoad fires 200 registrations at once at an event
// with 50 seats: exactly 50 are confirmed and 150 waitlisted, on each database.
func TestNoOverbookingUnderLoad(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 50})
		const clients = 200
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, clients)
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := registration.Register(ctx, db, in(e.ID, fmt.Sprintf("Người %d", i), fmt.Sprintf("0912%06d", i)), now)
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("register: %v", err)
			}
		}
		if got := countStatus(t, db, e.ID, registration.StatusConfirmed); got != 50 {
			t.Errorf("confirmed = %d, want 50", got)
		}
		if got := countStatus(t, db, e.ID, registration.StatusWaitlisted); got != 150 {
			t.Errorf("waitlisted = %d, want 150", got)
		}
		if got := seatsTaken(t, db, e.ID); got != 50 {
			t.Errorf("seats_taken = %d, want 50", got)
		}
		var distinctPhones, distinctCodes int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Distinct("phone").Count(&distinctPhones)
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Distinct("code").Count(&distinctCodes)
		if distinctPhones != 200 || distinctCodes != 200 {
			t.Errorf("distinct phones %d, codes %d; want 200 each", distinctPhones, distinctCodes)
		}
	})
}

// TestSameNumberConcurrently: 20 requests with the same number (written in
// four ways) at once make one registration.
func TestSameNumberConcurrently(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 50})
		spellings := []string{"0912 345 678", "+84912345678", "84912345678", "091.234.5678"}
		var wg sync.WaitGroup
		start := make(chan struct{})
		codes := make(chan string, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := registration.Register(ctx, db, in(e.ID, "Trần Thị Mai", spellings[i%4]), now)
				if err != nil {
					t.Error(err)
					return
				}
				codes <- res.Registration.Code
			}()
		}
		close(start)
		wg.Wait()
		close(codes)
		seen := map[string]bool{}
		for c := range codes {
			seen[c] = true
		}
		var rows int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&rows)
		if rows != 1 || len(seen) != 1 {
			t.Errorf("rows = %d, codes = %v; want one registration", rows, seen)
		}
		if got := seatsTaken(t, db, e.ID); got != 1 {
			t.Errorf("seats_taken = %d, want 1", got)
		}
	})
}

func TestCancelAfterStartRefusedForParticipant(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: time.Hour})
		res, err := registration.Register(t.Context(), db, in(e.ID, "Trần Mai", "0912345678"), now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = registration.Cancel(t.Context(), db, registration.Ref{Code: res.Registration.Code}, 0, now.Add(2*time.Hour), nil)
		if !errors.Is(err, err) || apperr.KeyOf(err) != "error.register.cancel_closed" {
			t.Errorf("cancel after start: %v", err)
		}
	})
}

// BenchmarkRegisterParallel measures registrations through the service on
// SQLite (run with TEST_DATABASE_URL for PostgreSQL figures the same way).
func BenchmarkRegisterParallel(b *testing.B) {
	for _, d := range testutil.Dialects(b) {
		b.Run(d, func(b *testing.B) {
			db := testutil.New(b, d).DB
			e := testutil.Event(b, db, testutil.EventOpts{Now: now, Capacity: 1_000_000})
			var seq atomicCounter
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.next()
					if _, err := registration.Register(context.Background(), db, in(e.ID, "Người tham gia", fmt.Sprintf("091%07d", i)), now); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

// A walk-in never took a seat: cancelling one must not free a seat that a
// registered person holds (that would let the event overbook).
func TestCancellingAWalkInFreesNoSeat(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 1})
		if _, err := registration.Register(t.Context(), db, in(e.ID, "Trần Mai", "0912345678"), now); err != nil {
			t.Fatal(err)
		}
		walkIn := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindWalkIn, Phone: "-"})
		if _, err := registration.Cancel(t.Context(), db, registration.Ref{ID: walkIn.ID}, 1, now, nil); err != nil {
			t.Fatal(err)
		}
		var taken int
		db.Table("events").Where("id = ?", e.ID).Select("seats_taken").Scan(&taken)
		if taken != 1 {
			t.Errorf("seats_taken = %d after cancelling a walk-in, want 1", taken)
		}
		res, err := registration.Register(t.Context(), db, in(e.ID, "Lê Văn Nam", "0912345679"), now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Registration.Status != registration.StatusWaitlisted {
			t.Errorf("a second person got %s on a full event", res.Registration.Status)
		}
	})
}

// Families share a phone: the same number with another name is another
// person, with their own registration and ticket, up to four a number.
func TestRegisterFamilySharingAPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 10})
		names := []string{"Nguyễn Thị Hoa", "Nguyễn Văn Minh", "Nguyễn Thị Lan", "Trần Văn Bảo"}
		codes := map[string]bool{}
		for i, name := range names {
			res, err := registration.Register(ctx, db, in(e.ID, name, []string{"0912 345 678", "0084 912-345-678", "+84912345678", "912345678"}[i]), now)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.Existing || res.Registration.Name != name || codes[res.Registration.Code] {
				t.Errorf("%s: existing %v name %q code %s", name, res.Existing, res.Registration.Name, res.Registration.Code)
			}
			codes[res.Registration.Code] = true
		}
		_, err := registration.Register(ctx, db, in(e.ID, "Lê Thị Năm", "0912345678"), now)
		if apperr.KeyOf(err) != "error.register.phone_full" {
			t.Errorf("fifth person on one number: %v, want error.register.phone_full", err)
		}
		if got := seatsTaken(t, db, e.ID); got != 4 {
			t.Errorf("seats_taken = %d, want 4", got)
		}
		// One of them cancels: the number may take one more person.
		var first registration.Registration
		db.Where("event_id = ? AND name = ?", e.ID, names[0]).Take(&first)
		if _, err := registration.Cancel(ctx, db, registration.Ref{ID: first.ID}, 0, now, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := registration.Register(ctx, db, in(e.ID, "Lê Thị Năm", "0912345678"), now); err != nil {
			t.Errorf("after a cancellation: %v", err)
		}
	})
}

// A place in line is counted up to a hundred; beyond, it reads "100+".
func TestPlaceReadsBeyondAHundred(t *testing.T) {
	for p, want := range map[registration.Place]string{1: "1", 100: "100", 101: "100+"} {
		if got := p.String(); got != want {
			t.Errorf("Place(%d) = %q, want %q", p, got, want)
		}
	}
}
