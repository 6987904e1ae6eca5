package web

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
)

// A person on a phone opens the events list and an event in each language.
func TestBrowserEventsOnAPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 72 * time.Hour, Capacity: 25,
			Titles: map[string]string{"vi": "Chiếu phim: Lời hứa việc làm", "fr": "Projection : la promesse d'un emploi"}})
		cases := []struct{ lang, heading, title, seats, fallback string }{
			{"vi", "Sự kiện", "Chiếu phim: Lời hứa việc làm", "Còn 25 chỗ", ""},
			{"fr", "Événements", "Projection : la promesse d'un emploi", "25 places restantes", ""},
			{"en", "Events", "Chiếu phim: Lời hứa việc làm", "25 seats left", "not been translated"},
		}
		for _, c := range cases {
			t.Run(c.lang, func(t *testing.T) {
				b.navigate(t, "/"+c.lang+"/events")
				if got := b.text(t, "h1"); got != c.heading {
					t.Errorf("heading = %q, want %q", got, c.heading)
				}
				if got := b.text(t, ".card h3 a"); got != c.title {
					t.Errorf("first card = %q, want %q", got, c.title)
				}
				if got := b.text(t, ".card .seats"); got != c.seats {
					t.Errorf("seats = %q, want %q", got, c.seats)
				}
				b.noHorizontalScroll(t)

				// Tap the event: the page opens in the same language.
				b.click(t, ".card h3 a")
				b.waitVisible(t, "article.event h1")
				if got := b.text(t, "article.event h1"); got != c.title {
					t.Errorf("event title = %q, want %q", got, c.title)
				}
				if lang := evalAs[string](t, b, `document.documentElement.lang`); lang != c.lang {
					t.Errorf("html lang = %q", lang)
				}
				if c.fallback != "" && !strings.Contains(b.text(t, ".note"), c.fallback) {
					t.Errorf("the page does not say the text is in another language")
				}
				b.noHorizontalScroll(t)
			})
		}
		// The switcher keeps the page.
		b.navigate(t, "/vi/events/"+itoa(int(e.ID)))
		b.click(t, `.langs a[hreflang="fr"]`)
		b.waitVisible(t, "article.event h1")
		if loc := b.location(t); !strings.HasSuffix(loc, "/fr/events/"+itoa(int(e.ID))) {
			t.Errorf("switcher went to %s", loc)
		}
	})
}
