package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// The staff home is a work page: a trainer sees today's and the next
// sessions with check-in one tap away and the reports to write; an
// organiser the next sessions with their fill and what needs attention; a
// coach who is overdue; an admin the same as an organiser plus the accounts
// awaiting set-up. Every staff page carries the staff navigation, by role.
func TestStaffHomeIsAWorkPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		ta.setNow(now)
		loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
		local := now.In(loc)
		// A session later today (or earlier today, late in the evening).
		todayIn := time.Date(local.Year(), local.Month(), local.Day(), 23, 0, 0, 0, loc).Sub(now)
		if todayIn < time.Minute {
			todayIn = time.Minute
		}
		today := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: todayIn, Duration: 30 * time.Second,
			Titles: map[string]string{"vi": "Buổi hôm nay", "en": "Today's session"}})
		next := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 50 * time.Hour, Capacity: 2,
			Titles: map[string]string{"vi": "Buổi sau", "en": "Next session"}})
		held := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -72 * time.Hour,
			Titles: map[string]string{"vi": "Buổi đã qua", "en": "Held session"}})
		tr := testutil.Staff(t, db, user.RoleTrainer)
		for _, e := range []uint{today.ID, next.ID, held.ID} {
			testutil.AssignTrainer(t, db, e, tr.ID)
		}
		// The next session is full: two on its waiting list, a child awaiting a guardian.
		db.Exec("UPDATE events SET seats_taken = 2 WHERE id = ?", next.ID)
		testutil.Registration(t, db, next.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, next.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, next.ID, testutil.RegistrationOpts{Status: registration.StatusPending, AgeBand: "under_16"})
		failed := message.Message{To: "+84912000009", Body: "x", Lang: "vi", Kind: "confirmation", Encoding: "GSM-7", Segments: 1,
			Status: message.StatusFailed, NextAttemptAt: now, CreatedAt: now}
		if err := db.Create(&failed).Error; err != nil {
			t.Fatal(err)
		}
		// An account created by an admin, whose owner has not set a password.
		newcomer := user.User{Email: "new@lantern.test", Name: "Người Mới", Roles: "trainer", Lang: "vi", Active: true}
		if err := db.Create(&newcomer).Error; err != nil {
			t.Fatal(err)
		}
		coach := testutil.Staff(t, db, user.RoleCoach)
		db.Model(&user.User{}).Where("id = ?", tr.ID).Update("coach_id", coach.ID)

		login := func(u *user.User) *client { c := ta.client(); c.login(u); return c }
		home := func(c *client) *goquery.Document { return c.page("/en/staff/", http.StatusOK) }
		items := func(doc *goquery.Document, sel string) []string {
			var out []string
			doc.Find(sel).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.Join(strings.Fields(s.Text()), " ")) })
			return out
		}

		// Trainer.
		doc := home(login(tr))
		checkin := func(id uint) string {
			return fmt.Sprintf(`#h-mine ~ ul.cards a.button[href="/en/staff/events/%d/checkin"]`, id)
		}
		if doc.Find(checkin(today.ID)).Length() != 1 || doc.Find(checkin(next.ID)).Length() != 1 {
			t.Errorf("trainer: check-in buttons for today's and the next session missing: %q", items(doc, "#h-mine ~ ul.cards h4"))
		}
		if got := items(doc, "#h-mine ~ ul.cards h4"); len(got) != 2 || got[0] != "Today's session" || got[1] != "Next session" {
			t.Errorf("trainer's sessions = %q, want today's then the next", got)
		}
		if got := text(doc, `a[href="/en/staff/reports/mine"]`); got != "1 session report to write" {
			t.Errorf("trainer: reports to write = %q", got)
		}
		if doc.Find("#h-attention, #h-upcoming, #h-coachees").Length() != 0 {
			t.Error("trainer: the organisers' or coaches' parts are shown")
		}

		// Organiser.
		org := login(testutil.Staff(t, db, user.RoleOrganiser))
		doc = home(org)
		want := []string{
			"1 past session without a report",
			"1 SMS not sent (failed)",
			"2 people on the waiting list: Next session (" + ta.srv.bundle.For("en").DateShort(next.StartsAt.In(loc)) + ")",
			"1 child awaits a parent's or guardian's confirmation: Next session (" + ta.srv.bundle.For("en").DateShort(next.StartsAt.In(loc)) + ")",
		}
		if got := items(doc, "ul.attention li"); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("organiser's attention list =\n%q\nwant\n%q", got, want)
		}
		for sel, n := range map[string]int{
			`ul.attention a[href="/en/staff/reports/missing"]`:                                                 1,
			`ul.attention a[href="/en/staff/messages?status=failed"]`:                                          1,
			fmt.Sprintf(`ul.attention a[href="/en/staff/events/%d/registrations?status=waitlisted"]`, next.ID): 1,
			fmt.Sprintf(`ul.attention a[href="/en/staff/events/%d/registrations?status=pending"]`, next.ID):    1,
			`ul.attention a[href="/en/staff/admin/accounts"]`:                                                  0,
		} {
			if got := doc.Find(sel).Length(); got != n {
				t.Errorf("organiser: %s found %d times, want %d", sel, got, n)
			}
		}
		row := doc.Find(fmt.Sprintf(`table.upcoming tr[data-id="%d"]`, next.ID))
		if got := strings.Join(strings.Fields(row.Text()), " "); !strings.Contains(got, "2 of 2 seats taken") {
			t.Errorf("organiser: the next session's line = %q, want its fill", got)
		}
		if doc.Find(fmt.Sprintf(`table.upcoming tr[data-id="%d"]`, held.ID)).Length() != 0 {
			t.Error("organiser: a past session among the upcoming ones")
		}

		// Admin: the same, plus the account awaiting set-up.
		doc = home(login(testutil.Staff(t, db, user.RoleAdmin)))
		if got := text(doc, `ul.attention a[href="/en/staff/admin/accounts"]`); got != "1 staff account awaiting set-up (no password yet)" {
			t.Errorf("admin: accounts awaiting set-up = %q", got)
		}
		if doc.Find("table.upcoming").Length() != 1 {
			t.Error("admin: no upcoming sessions")
		}

		// Coach: the trainer has never been coached; an action point is due.
		doc = home(login(coach))
		if got := items(doc, "#h-coachees ~ ul.attention li"); len(got) != 1 || !strings.Contains(got[0], tr.Name) || !strings.Contains(got[0], "Never coached yet") {
			t.Errorf("coach: overdue = %q", got)
		}
		if _, err := coaching.RecordSession(t.Context(), db, coaching.SessionInput{CoacheeID: tr.ID, HeldOn: coaching.AddDays(coaching.Today(now, loc), -1),
			Mode: coaching.ModeRemote, ActionPoints: []coaching.ActionPoint{{Text: "Read the guide", DueOn: coaching.Today(now, loc)}}}, coach, now); err != nil {
			t.Fatal(err)
		}
		doc = home(login(coach))
		if doc.Find("#h-coachees ~ ul.attention li").Length() != 0 || text(doc, "#h-coachees ~ p") != "Nobody is overdue for coaching." {
			t.Errorf("coach: after a session, overdue = %q", items(doc, "#h-coachees ~ ul.attention li"))
		}
		if got := text(doc, `#h-coachees ~ p a[href="/en/staff/coaching"]`); got != "1 action point due this week or overdue" {
			t.Errorf("coach: actions due = %q", got)
		}

		// The staff navigation, on another page, by role, the current one marked.
		nav := func(c *client, path string) []string {
			d := c.page(path, http.StatusOK)
			var out []string
			d.Find("nav.staffnav a").Each(func(_ int, s *goquery.Selection) {
				h := s.AttrOr("href", "")
				if _, cur := s.Attr("aria-current"); cur {
					h += "*"
				}
				out = append(out, h)
			})
			return out
		}
		if got := strings.Join(nav(org, "/en/staff/events/"+itoa(int(next.ID))+"/registrations"), " "); got != "/en/staff/ /en/trainer /en/staff/events* /en/staff/dashboard /en/staff/coaching" {
			t.Errorf("organiser's navigation = %s", got)
		}
		if got := strings.Join(nav(login(tr), "/en/trainer"), " "); got != "/en/staff/ /en/trainer*" {
			t.Errorf("trainer's navigation = %s", got)
		}
		if got := strings.Join(nav(login(coach), "/en/staff/"), " "); got != "/en/staff/* /en/staff/coaching" {
			t.Errorf("coach's navigation = %s", got)
		}
	})
}
