package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Every look at participants' personal data is logged (who, what, when, how
// many people); admins read the log, and the privacy page says who looked
// at a person's data.
func TestReadsOfPersonalDataAreLogged(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, org, orgUser := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		other := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		hoa := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa", Phone: "+84912000111"})
		if err := message.Enqueue(db, &message.Message{To: "+84912000111", Body: "Lantern: Lê Thị Hoa …", Lang: "vi", Kind: "ticket_resent",
			RegistrationID: &hoa.ID, EventID: &e.ID}); err != nil {
			t.Fatal(err)
		}
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Trần Văn Nam"})
		testutil.Registration(t, db, other.ID, testutil.RegistrationOpts{Name: "Phạm Thị Lan"})
		ev := "/en/staff/events/" + itoa(int(e.ID))
		org.page(ev+"/registrations", http.StatusOK)
		org.page(ev+"/registrations", http.StatusOK) // within the hour: logged once
		if resp := org.post(ev+"/registrations/export", url.Values{"format": {"csv"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("export: %d", resp.StatusCode)
		}
		org.page(ev+"/checkin", http.StatusOK)
		org.page(ev+"/sheet", http.StatusOK)
		org.page(ev+"/checkin/bulk", http.StatusOK) // the roster again, within the hour: logged once
		org.page("/en/staff/messages", http.StatusOK)

		coach := testutil.Staff(t, db, user.RoleCoach)
		coachee := testutil.Staff(t, db, user.RoleTrainer)
		db.Model(&user.User{}).Where("id = ?", coachee.ID).Update("coach_id", coach.ID)
		cc := ta.client()
		cc.login(coach)
		cc.page("/en/staff/coaching/coachees/"+itoa(int(coachee.ID)), http.StatusOK)

		admin := testutil.Staff(t, db, user.RoleAdmin)
		ac := ta.client()
		ac.login(admin)
		doc := ta.parse(ac.post("/en/staff/admin/privacy", url.Values{"subject": {"0912 000 111"}}), http.StatusOK, "privacy")
		if resp := ac.post("/en/staff/admin/privacy/export", url.Values{"subject": {"0912 000 111"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("privacy export: %d", resp.StatusCode)
		}

		var reads []audit.Read
		db.Order("id").Find(&reads)
		got := map[string]int{}
		for _, r := range reads {
			got[r.Kind]++
			if r.ActorID == 0 {
				t.Errorf("read without actor: %+v", r)
			}
		}
		want := map[string]int{audit.ReadRegistrations: 1, audit.ReadRegistrationsExport: 1, audit.ReadRoster: 1,
			audit.ReadAttendanceSheet: 1, audit.ReadCoachee: 1, audit.ReadPrivacySearch: 1, audit.ReadPrivacyExport: 1, audit.ReadOutbox: 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s logged %d times, want %d (all: %v)", k, got[k], n, got)
			}
		}
		for _, r := range reads {
			if r.Kind == audit.ReadRegistrations && (r.People != 2 || r.EventID == nil || *r.EventID != e.ID || r.ActorID != orgUser.ID) {
				t.Errorf("registrations read: %+v", r)
			}
		}
		// The privacy page names who looked at Hoa's data: the organiser
		// (her event's lists), not the coach.
		looks := doc.Find("table.looks").Text()
		if !strings.Contains(looks, orgUser.Name) || strings.Contains(looks, coach.Name) {
			t.Errorf("who looked: %q", looks)
		}
		// The admins' log.
		doc = ac.page("/en/staff/admin/reads", http.StatusOK)
		if n := doc.Find("tbody tr").Length(); n != len(reads) {
			t.Errorf("log shows %d rows, want %d", n, len(reads))
		}
		if resp := org.get("/en/staff/admin/reads"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("organiser reads the log: %d", resp.StatusCode)
		}
	})
}
