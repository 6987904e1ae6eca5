package web

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// An organiser on a phone creates an event in three languages, publishes it
// and finds it on the public list in each language.
func TestBrowserOrganiserCreatesAndPublishesAnEvent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		v := testutil.Venue(t, db)
		trainer := testutil.Staff(t, db, user.RoleTrainer)

		b.login(t, "en", org)

		b.navigate(t, "/en/staff/events/new")
		b.noHorizontalScroll(t)
		b.fill(t, "#title_vi", "Chiếu phim: Ngôi nhà bình yên")
		b.fill(t, "#description_vi", "Phim và thảo luận về quyền trẻ em.")
		b.fill(t, "#title_fr", "Projection : La maison paisible")
		b.fill(t, "#description_fr", "Film et débat sur les droits de l'enfant.")
		b.fill(t, "#title_en", "Screening: The peaceful house")
		b.fill(t, "#description_en", "Film and debate on children's rights.")
		// Ten days from now, 18:30–20:30 local time.
		loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
		day := time.Now().In(loc).AddDate(0, 0, 10).Format("2006-01-02")
		set := func(css, value string) {
			t.Helper()
			js := `(function(){var e=document.querySelector(` + jsString(css) + `);e.value=` + jsString(value) + `;return e.value})()`
			if got := evalAs[string](t, b, js); got != value {
				t.Fatalf("%s = %q, want %q", css, got, value)
			}
		}
		set("#starts_at", day+"T18:30")
		set("#ends_at", day+"T20:30")
		set("#venue_id", itoa(int(v.ID)))
		set("#capacity", "40")
		b.click(t, `input[name=trainers][value="`+itoa(int(trainer.ID))+`"]`)
		b.click(t, ".event-form button[type=submit]")
		b.waitVisible(t, ".event-actions .badge-draft") // the saved event's page
		if got := b.text(t, ".flash"); got != "The event is saved as a draft." {
			t.Errorf("flash = %q", got)
		}
		b.noHorizontalScroll(t)

		b.click(t, `form[action$="/publish"] button`)
		b.waitVisible(t, ".event-actions .badge-published")
		if got := b.text(t, ".flash"); got != "The event is published." {
			t.Errorf("flash = %q", got)
		}
		var e event.Event
		if err := db.Where("code = ?", "FD01").First(&e).Error; err != nil {
			t.Fatal(err)
		}
		if e.Status != event.StatusPublished || e.Capacity != 40 {
			t.Errorf("saved: status %s capacity %d", e.Status, e.Capacity)
		}

		for lang, title := range map[string]string{"vi": "Chiếu phim: Ngôi nhà bình yên", "fr": "Projection : La maison paisible", "en": "Screening: The peaceful house"} {
			b.navigate(t, "/"+lang+"/events")
			if got := b.text(t, ".card h3 a"); got != title {
				t.Errorf("%s: first card = %q, want %q", lang, got, title)
			}
		}

		// The back-office pages fit the phone too.
		for _, p := range []string{"/en/staff/events", "/en/staff/schedule", "/en/staff/schedule/agenda",
			"/en/staff/plan", "/en/staff/events/" + itoa(int(e.ID)) + "/registrations", "/en/staff/events/" + itoa(int(e.ID)) + "/cancel"} {
			b.navigate(t, p)
			if h := b.text(t, "h1"); strings.Contains(h, "wrong") {
				t.Errorf("%s: %s", p, h)
			}
			b.noHorizontalScroll(t)
		}
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
