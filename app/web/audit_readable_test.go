package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// TestAuditActionsTranslated fails when an action the application records
// (audit.Actions, itself checked against the source) has no message in a
// language.
func TestAuditActionsTranslated(t *testing.T) {
	b, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locale.Supported {
		for _, a := range audit.Actions {
			if !b.IDs(l)["audit.action."+a] {
				t.Errorf("%s: action %q has no audit.action.%s message", l, a, a)
			}
		}
	}
}

// TestAuditLogReadable: the audit log names actions and fields in the
// page's language, shows times in the event's or the programme's time zone
// as the language writes them, partners and trainers by name, and keeps the
// developers' keys in title attributes; an unknown action still shows,
// made readable.
func TestAuditLogReadable(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		p := event.Partner{Code: "CSWC", Name: content.Text{"vi": "Trung tâm Công tác xã hội", "en": "Social Work Centre"}, Active: true}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		starts := time.Date(2027, 1, 9, 11, 30, 0, 0, time.UTC)
		snap := map[string]any{"Code": "T006", "Status": "published", "StartsAt": starts, "PartnerID": p.ID,
			"TrainerIDs": []uint{trainer.ID}, "Capacity": 40, "Lang": "vi"}
		if err := audit.Record(db, admin.ID, "event.create", "event", "6", nil, snap); err != nil {
			t.Fatal(err)
		}
		paris := map[string]any{"StartsAt": starts, "TimeZone": "Europe/Paris"}
		if err := audit.Record(db, admin.ID, "event.update", "event", "7", nil, paris); err != nil {
			t.Fatal(err)
		}
		if err := audit.Record(db, admin.ID, "thing.frobnicate", "gizmo", "1", nil, map[string]any{"older_than_days": 30}); err != nil {
			t.Fatal(err)
		}
		c := ta.client()
		c.login(admin)
		cell := func(doc *goquery.Document, entity, key string) (label, after, title string) {
			t.Helper()
			li := doc.Find("ol.audit > li").FilterFunction(func(_ int, s *goqueryS) bool {
				return strings.Contains(s.Find("p").First().Text(), "#"+entity)
			})
			tr := li.Find(`tr[data-key="` + key + `"]`)
			if tr.Length() != 1 {
				t.Fatalf("entry #%s has no row %s: %s", entity, key, li.Text())
			}
			return strings.TrimSpace(tr.Find("th").Text()), strings.TrimSpace(tr.Find("td").Last().Text()), tr.Find("th").AttrOr("title", "")
		}

		doc := c.page("/en/staff/admin/audit", http.StatusOK)
		strong := doc.Find("ol.audit > li strong")
		var actions []string
		strong.Each(func(_ int, s *goqueryS) { actions = append(actions, s.Text()+"="+s.AttrOr("title", "")) })
		want := "Thing frobnicate=thing.frobnicate,Event changed=event.update,Event created=event.create"
		if strings.Join(actions, ",") != want {
			t.Errorf("actions = %v, want %s", actions, want)
		}
		if got := doc.Find(`span[title="gizmo"]`).Text(); got != "Gizmo" {
			t.Errorf("unknown entity shown as %q", got)
		}
		for _, c := range []struct{ entity, key, label, after string }{
			{"6", "StartsAt", "Starts", "Saturday, January 9, 2027 · 6:30 pm"},
			{"6", "PartnerID", "Partner", "Social Work Centre"},
			{"6", "TrainerIDs", "Trainers", trainer.Name},
			{"6", "Status", "Status", "Published"},
			{"6", "Lang", "Language", "Tiếng Việt"},
			{"7", "StartsAt", "Starts", "Saturday, January 9, 2027 · 12:30 pm"},
			{"1", "older_than_days", "Older than (days)", "30"},
		} {
			label, after, title := cell(doc, c.entity, c.key)
			if label != c.label || after != c.after || title != c.key {
				t.Errorf("#%s %s: %q = %q (title %q), want %q = %q", c.entity, c.key, label, after, title, c.label, c.after)
			}
		}
		if html, _ := doc.Html(); !strings.Contains(html, `title="2027-01-09T11:30:00Z"`) {
			t.Error("the raw time is not kept in a title")
		}

		doc = c.page("/vi/staff/admin/audit?entity=event", http.StatusOK)
		if got := doc.Find(`ol.audit strong[title="event.create"]`).Text(); got != "Đã tạo sự kiện" {
			t.Errorf("vi action = %q", got)
		}
		label, after, _ := cell(doc, "6", "StartsAt")
		if label != "Bắt đầu" || !strings.Contains(after, "tháng 1") || !strings.HasSuffix(after, "18:30") {
			t.Errorf("vi StartsAt: %q = %q", label, after)
		}
		if _, after, _ := cell(doc, "6", "PartnerID"); after != "Trung tâm Công tác xã hội" {
			t.Errorf("vi partner = %q", after)
		}
		if got := doc.Find(`#f-entity option[value="event"]`).Text(); got != "Sự kiện" {
			t.Errorf("vi entity filter option = %q", got)
		}
	})
}
