package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// A coach, working in French on a phone, records a coaching session with a
// trainer: signs in, opens their coaching page, fills in the form (a rating
// on the rubric, an action point) and lands on the trainer's page with the
// chart.
func TestBrowserCoachRecordsSessionOnPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		b.ta.setNow(now)
		if err := seed.Competencies(db, lantern.Assets); err != nil {
			t.Fatal(err)
		}
		comps, _ := coaching.Competencies(t.Context(), db, false)
		coach := testutil.Staff(t, db, user.RoleCoach)
		hoa := testutil.Staff(t, db, user.RoleTrainer)
		db.Model(coach).Update("lang", "fr")
		db.Model(hoa).Updates(map[string]any{"coach_id": coach.ID, "name": "Nguyễn Thị Hoa"})

		b.login(t, "fr", coach)

		b.navigate(t, "/fr/staff/coaching")
		if got := b.text(t, "h1"); got != "Accompagnement" {
			t.Errorf("heading = %q", got)
		}
		if !strings.Contains(b.text(t, ".card.overdue"), "Jamais accompagné·e") {
			t.Error("Hoa, never coached, must show as overdue")
		}
		b.noHorizontalScroll(t)
		b.click(t, ".card a.button")
		b.waitVisible(t, "form.coaching-form")
		if got := b.text(t, "h1"); got != "Noter une séance d'accompagnement" {
			t.Errorf("form heading = %q", got)
		}
		b.noHorizontalScroll(t)
		// The date defaults to today in Vietnam.
		if v := evalAs[string](t, b, `document.querySelector("#held_on").value`); v != "2026-11-25" {
			t.Errorf("default date = %q", v)
		}
		// The "session observed" list shows only for an observation.
		hidden := `document.getElementById("event-field").hidden`
		if !evalAs[bool](t, b, hidden) {
			t.Error("the session list must be hidden for an on-site session")
		}
		b.click(t, `input[name="mode"][value="observation"]`)
		if evalAs[bool](t, b, hidden) {
			t.Error("the session list must show for an observation")
		}
		b.click(t, `input[name="mode"][value="on_site"]`)
		b.fill(t, "#topics", "Procédure d'orientation")
		b.click(t, fmt.Sprintf(`input[name="rating_%d"][value="3"]`, comps[0].ID))
		b.click(t, fmt.Sprintf(`input[name="rating_%d"][value="2"]`, comps[3].ID))
		b.fill(t, "#strengths", "Écoute attentive")
		b.fill(t, "#ap_text_0", "Relire la procédure")
		evalAs[bool](t, b, `(document.querySelector("#ap_due_0").value = "2026-12-05") !== ""`)
		b.click(t, "form.coaching-form button[type=submit]")
		b.waitVisible(t, ".flash")
		if got := b.text(t, ".flash"); got != "La séance d'accompagnement est enregistrée." {
			t.Errorf("flash = %q", got)
		}
		if got := b.text(t, "h1"); got != "Nguyễn Thị Hoa" {
			t.Errorf("coachee page heading = %q", got)
		}
		if n := evalAs[int](t, b, `document.querySelectorAll("svg circle").length`); n != 2 {
			t.Errorf("%d dots on the chart, want 2", n)
		}
		if !strings.Contains(b.text(t, "#h-actions + ul"), "Relire la procédure") {
			t.Error("action point not listed")
		}
		b.noHorizontalScroll(t)

		var s coaching.Session
		if err := db.Preload("Ratings").Preload("ActionPoints").Take(&s).Error; err != nil {
			t.Fatal(err)
		}
		if s.CoachID != coach.ID || s.CoacheeID != hoa.ID || s.HeldOn != "2026-11-25" || s.Mode != "on_site" ||
			s.RatingOf(comps[0].ID) != 3 || s.RatingOf(comps[3].ID) != 2 || len(s.Ratings) != 2 ||
			len(s.ActionPoints) != 1 || s.ActionPoints[0].DueOn != "2026-12-05" {
			t.Errorf("stored session = %+v", s)
		}
	})
}
