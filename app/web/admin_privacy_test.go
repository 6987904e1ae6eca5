package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

type bandCount struct {
	EventID uint
	Sex     string
	AgeBand string
	N       int
	Seats   int
}

// countsBySexAndAge are the programme's aggregates per event.
func countsBySexAndAge(t *testing.T, db *gorm.DB) []bandCount {
	t.Helper()
	var out []bandCount
	err := db.Table("registrations").Select("event_id, sex, age_band, COUNT(*) AS n, SUM(group_size) AS seats").
		Group("event_id, sex, age_band").Order("event_id, sex, age_band").Scan(&out).Error
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ensureAttendances creates the attendance area's table when this branch
// runs without it (the export reads it only when it exists).
func ensureAttendances(t *testing.T, db *gorm.DB) {
	t.Helper()
	if db.Migrator().HasTable("attendances") {
		return
	}
	if err := db.Exec(`CREATE TABLE attendances (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, registration_id INTEGER NOT NULL UNIQUE,
		checked_in_at TIMESTAMP NOT NULL, checked_in_by_id INTEGER, source VARCHAR(16) NOT NULL, client_id VARCHAR(64), created_at TIMESTAMP NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
}

func TestPersonalDataExportAndErasure(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		now := time.Now().UTC()
		past := testutil.Event(t, db, testutil.EventOpts{StartsIn: -10 * 24 * time.Hour})
		next := testutil.Event(t, db, testutil.EventOpts{})
		const phoneX = "+84912000111"
		x1 := testutil.Registration(t, db, past.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa", Phone: phoneX, Sex: "female", AgeBand: "18_24", Role: "parent"})
		db.Model(x1).Update("organisation", "Trường Lan Sàn")
		x2 := testutil.Registration(t, db, next.ID, testutil.RegistrationOpts{Name: "Lê Thị Hoa", Phone: phoneX, Sex: "female", AgeBand: "18_24", Role: "parent"})
		other := testutil.Registration(t, db, past.ID, testutil.RegistrationOpts{Name: "Phạm Văn Nam", Sex: "male", AgeBand: "25_59", Role: "local_official"})
		testutil.Registration(t, db, past.ID, testutil.RegistrationOpts{Name: "Võ Thị Lan", Sex: "female", AgeBand: "18_24"})
		group := testutil.Registration(t, db, past.ID, testutil.RegistrationOpts{Name: "CTSE", Phone: "-", Kind: registration.KindGroup, Size: 12, Sex: "not_stated", AgeBand: "under_16"})
		if err := message.Enqueue(db, &message.Message{To: phoneX, Body: "Lantern: Lê Thị Hoa, mã " + x2.Code, Lang: "vi", Kind: "confirmation", RegistrationID: &x2.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := privacy.PublishConsent(t.Context(), db, admin.ID, privacy.ConsentInput{Audience: registration.ConsentAdult, Version: "2026-01", Text: content.Text{"vi": "Tôi đồng ý", "fr": "J'accepte", "en": "I agree"}}, now); err != nil {
			t.Fatal(err)
		}
		ensureAttendances(t, db)
		if err := db.Exec("INSERT INTO attendances (id, event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, ?, 'roster', ?)",
			9001, past.ID, x1.ID, past.StartsAt.Add(5*time.Minute), now).Error; err != nil {
			t.Fatal(err)
		}

		// Written by hand: the past event has 2 female 18-24, 1 male 25-59 and
		// a group of 12; the next one 1 female 18-24.
		want := []bandCount{
			{past.ID, "female", "18_24", 2, 2}, {past.ID, "male", "25_59", 1, 1}, {past.ID, "not_stated", "under_16", 1, 12},
			{next.ID, "female", "18_24", 1, 1},
		}
		if got := countsBySexAndAge(t, db); !equalCounts(got, want) {
			t.Fatalf("counts before = %+v", got)
		}

		// Organisers have no access.
		o := ta.client()
		o.login(org)
		if resp := o.post("/en/staff/admin/privacy", url.Values{"subject": {"0912 000 111"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("organiser: %d", resp.StatusCode)
		}

		c := ta.client()
		c.login(admin)
		// The readable page.
		doc := ta.parse(c.post("/en/staff/admin/privacy", url.Values{"subject": {"0912 000 111"}}), http.StatusOK, "lookup")
		if got := doc.Find("table:not(.looks) tbody tr").Length(); got != 2 {
			t.Errorf("%d rows, want 2", got)
		}
		if main := text(doc, "main"); !strings.Contains(main, "Lê Thị Hoa") || !strings.Contains(main, "confirmed") || !strings.Contains(main, "2026-01") || !strings.Contains(main, "Screening: The promise") {
			t.Errorf("page lacks the person's data: %.500s", main)
		}
		// The JSON download.
		resp := c.post("/en/staff/admin/privacy/export", url.Values{"subject": {"091.200.0111"}})
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("export: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), resp.Header.Get("Cache-Control"))
		}
		var ex privacy.Export
		if err := json.Unmarshal(body, &ex); err != nil {
			t.Fatal(err)
		}
		if ex.Subject != phoneX || len(ex.Registrations) != 2 || len(ex.Messages) != 1 || ex.Consents["2026-01"]["vi"] != "Tôi đồng ý" {
			t.Fatalf("export = %s", body)
		}
		r0 := ex.Registrations[0]
		if r0.Code != x1.Code || r0.Name != "Lê Thị Hoa" || r0.Phone != phoneX || r0.Organisation != "Trường Lan Sàn" || r0.ConsentVersion != "2026-01" ||
			r0.ConsentAt == nil || !r0.Attended || r0.Event.ID != past.ID || r0.Event.Title != "Screening: The promise" {
			t.Errorf("first registration = %+v", r0)
		}
		if ex.Registrations[1].Attended || ex.Registrations[1].Event.ID != next.ID {
			t.Errorf("second registration = %+v", ex.Registrations[1])
		}
		// Bad input, nothing found: on the form.
		doc = ta.parse(c.post("/en/staff/admin/privacy", url.Values{"subject": {"hello, there!"}}), http.StatusUnprocessableEntity, "bad subject")
		if got := text(doc, "#f-subject-err"); got != "This is neither a phone number nor a confirmation code." {
			t.Errorf("bad subject = %q", got)
		}
		doc = ta.parse(c.post("/en/staff/admin/privacy", url.Values{"subject": {"0987 654 321"}}), http.StatusNotFound, "nobody")
		if got := text(doc, "#f-subject-err"); got != "No registration found for this number or code." {
			t.Errorf("nobody = %q", got)
		}

		// Erasure: first a confirmation step that changes nothing.
		doc = ta.parse(c.post("/en/staff/admin/privacy/erase", url.Values{"subject": {"0912000111"}}), http.StatusOK, "confirm step")
		if doc.Find(`input[name=confirm][value=yes]`).Length() != 1 {
			t.Errorf("no confirmation form")
		}
		var still registration.Registration
		db.First(&still, x1.ID)
		if still.AnonymisedAt != nil || still.Name == "" {
			t.Fatalf("the confirmation step erased data")
		}
		resp = c.post("/en/staff/admin/privacy/erase", url.Values{"subject": {"0912000111"}, "confirm": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/en/staff/admin/privacy?flash=account_erased" {
			t.Fatalf("erase: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, id := range []uint{x1.ID, x2.ID} {
			var r registration.Registration
			db.First(&r, id)
			if r.Name != "" || r.NameFolded != "" || r.Phone != nil || r.Organisation != "" || r.AnonymisedAt == nil {
				t.Errorf("registration %d not anonymised: %+v", id, r)
			}
			// The session that has taken place keeps its confirmed (counted)
			// registration; the one still to come is cancelled, its seat
			// freed for the waiting list.
			want := registration.StatusConfirmed
			if id == x2.ID {
				want = registration.StatusCancelled
			}
			if r.Sex != "female" || r.AgeBand != "18_24" || r.Role != "parent" || r.Status != want || r.Code == "" {
				t.Errorf("registration %d lost its aggregate fields: %+v", id, r)
			}
		}
		var o2 registration.Registration
		db.First(&o2, other.ID)
		if o2.Name != "Phạm Văn Nam" || o2.Phone == nil || o2.AnonymisedAt != nil {
			t.Errorf("another person was touched: %+v", o2)
		}
		if got := countsBySexAndAge(t, db); !equalCounts(got, want) {
			t.Errorf("counts after = %+v, want %+v", got, want)
		}
		var m message.Message
		db.Where("registration_id = ?", x2.ID).First(&m)
		if m.To != "" || strings.Contains(m.Body, "Hoa") || m.Status != message.StatusFailed {
			t.Errorf("the SMS still holds personal data or will be sent: %+v", m)
		}
		var n int64
		db.Model(&registration.Registration{}).Where("phone = ? OR name LIKE ?", phoneX, "%Hoa%").Count(&n)
		if n != 0 {
			t.Errorf("%d rows still hold the person", n)
		}
		var entries []audit.Entry
		db.Where("entity = ?", "personal_data").Order("id").Find(&entries)
		if len(entries) < 3 || entries[len(entries)-1].Action != "erase" {
			t.Fatalf("audit = %+v", entries)
		}
		for _, e := range entries {
			if strings.Contains(e.Before+e.After, "912000111") || strings.Contains(e.Before+e.After, "Hoa") {
				t.Errorf("audit holds personal data: %+v", e)
			}
		}
		// The person is gone: nothing is found any more.
		ta.parse(c.post("/en/staff/admin/privacy", url.Values{"subject": {"0912000111"}}), http.StatusNotFound, "after erasure")
		// A group registration is found by its code.
		doc = ta.parse(c.post("/en/staff/admin/privacy", url.Values{"subject": {strings.ToLower(group.Code[:3]) + "-" + group.Code[3:]}}), http.StatusOK, "by code")
		if doc.Find("table:not(.looks) tbody tr").Length() != 1 || !strings.Contains(text(doc, "tbody"), "CTSE") || !strings.Contains(text(doc, "tbody"), "group of 12") {
			t.Errorf("lookup by code failed")
		}
	})
}

func equalCounts(a, b []bandCount) bool {
	if len(a) != len(b) {
		return false
	}
	idx := map[bandCount]bool{}
	for _, x := range a {
		idx[x] = true
	}
	for _, x := range b {
		if !idx[x] {
			return false
		}
	}
	return true
}

func TestConsentVersions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		c := ta.client()
		c.login(admin)
		form := url.Values{"audience": {"adult"}, "version": {"2026-02"}, "text_vi": {"Tôi đồng ý lần hai"}, "text_fr": {"J'accepte encore"}, "text_en": {"I agree again"}}
		if resp := c.post("/en/staff/admin/consent", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", resp.StatusCode)
		}
		doc := ta.parse(c.post("/en/staff/admin/consent", form), http.StatusUnprocessableEntity, "same version")
		if got := text(doc, "#f-version-err"); got != "This version name is already used." {
			t.Errorf("duplicate = %q", got)
		}
		form.Set("version", "2026-03")
		form.Set("text_fr", "")
		doc = ta.parse(c.post("/en/staff/admin/consent", form), http.StatusUnprocessableEntity, "missing French")
		if got := text(doc, "#f-text_fr-err"); got != "The text in French is required." {
			t.Errorf("missing French = %q", got)
		}
		cur, err := privacy.CurrentConsent(t.Context(), db, "VN")
		if err != nil || cur == nil || cur.Version != "2026-02" || cur.Text["fr"] != "J'accepte encore" {
			t.Errorf("current = %+v, %v", cur, err)
		}
		doc = c.page("/vi/staff/admin/consent", http.StatusOK)
		if !strings.Contains(text(doc, "main"), "Tôi đồng ý lần hai") {
			t.Errorf("the page does not show the version")
		}
	})
}
