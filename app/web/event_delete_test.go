package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// TestDeleteNeverPublishedDraft: an organiser deletes a false start (a
// draft never published, holding nobody's records) after ticking that
// they mean it, and the audit log keeps it; a draft that was once public,
// or that holds a registration, is refused (cancel it instead); trainers
// cannot delete.
func TestDeleteNeverPublishedDraft(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		draft := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Status: event.StatusDraft})
		testutil.AssignTrainer(t, db, draft.ID, testutil.Staff(t, db, user.RoleTrainer).ID)
		path := "/en/staff/events/" + itoa(int(draft.ID))
		if doc := ta.parse(c.get(path), http.StatusOK, "draft"); doc.Find("form.delete-draft").Length() != 1 {
			t.Fatal("a never-published draft's page offers no delete")
		}
		// Without the tick: nothing happens.
		if loc := wantRedirect(t, c.post(path+"/delete", url.Values{}), path); !strings.Contains(loc, "event_delete_confirm") {
			t.Errorf("unconfirmed: %s", loc)
		}
		if _, err := event.GetRef(t.Context(), db, draft.ID); err != nil {
			t.Fatalf("deleted without the tick: %v", err)
		}
		tc := ta.client()
		tc.login(testutil.Staff(t, db, user.RoleTrainer))
		if resp := tc.post(path+"/delete", url.Values{"confirm": {"1"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("trainer: %d, want 403", resp.StatusCode)
		}
		if loc := wantRedirect(t, c.post(path+"/delete", url.Values{"confirm": {"1"}}), "/en/staff/events"); !strings.Contains(loc, "flash=event_deleted") {
			t.Errorf("deleted: %s", loc)
		}
		var left int64
		for _, table := range []string{"events", "event_translations", "event_trainers"} {
			col := "event_id"
			if table == "events" {
				col = "id"
			}
			db.Table(table).Where(col+" = ?", draft.ID).Count(&left)
			if left != 0 {
				t.Errorf("%s keeps %d rows of the deleted draft", table, left)
			}
		}
		if n := auditCount(t, db, "event.delete", draft.ID); n != 1 {
			t.Errorf("audit entries = %d, want 1", n)
		}
		// Once public, or holding a registration: refused, kept.
		was := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Status: event.StatusDraft})
		db.Model(&event.Event{}).Where("id = ?", was.ID).Update("published_at", staffNow.Add(-time.Hour))
		held := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Status: event.StatusDraft})
		testutil.Registration(t, db, held.ID, testutil.RegistrationOpts{})
		for _, e := range []*event.Event{was, held} {
			resp := c.post("/en/staff/events/"+itoa(int(e.ID))+"/delete", url.Values{"confirm": {"1"}})
			if resp.StatusCode != http.StatusConflict {
				t.Errorf("event %d: %d, want 409", e.ID, resp.StatusCode)
			}
			if _, err := event.GetRef(t.Context(), db, e.ID); err != nil {
				t.Errorf("event %d deleted: %v", e.ID, err)
			}
		}
	})
}

// TestNoStaffActionsOnAnonymisedRows: a registration whose person was
// anonymised (retention, erasure) is listed for the counts, with no action
// to confirm, move or cancel it.
func TestNoStaffActionsOnAnonymisedRows(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 10})
		kept := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa"})
		gone := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Trần Văn Bảo"})
		db.Table("registrations").Where("id = ?", gone.ID).Updates(map[string]any{"anonymised_at": staffNow, "name": "", "phone": nil})
		doc := ta.parse(c.get("/en/staff/events/"+itoa(int(e.ID))+"/registrations"), http.StatusOK, "registrations")
		base := "/en/staff/events/" + itoa(int(e.ID)) + "/registrations/"
		if doc.Find(`form[action="`+base+itoa(int(kept.ID))+`/cancel"]`).Length() != 1 {
			t.Error("the kept registration has no cancel action")
		}
		if n := doc.Find(`form[action^="` + base + itoa(int(gone.ID)) + `/"]`).Length(); n != 0 {
			t.Errorf("the anonymised registration has %d actions", n)
		}
	})
}
