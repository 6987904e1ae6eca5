package web

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// narrowWidth is the narrowest phone the public pages must fit.
const narrowWidth = 320

// Khmer and Lao write no spaces between words: the events list and a
// session's page, with a long title in the language, fit a 320 px phone
// without scrolling sideways (static/css/app.css wraps them).
func TestBrowserKhmerLaoFitNarrowPhone(t *testing.T) {
	titles := map[string]string{
		"km": "ការបញ្ចាំងភាពយន្តនិងការពិភាក្សាអំពីអន្ទាក់ជួញដូរមនុស្សនិងសុវត្ថិភាពកុមារនៅក្នុងសហគមន៍",
		"lo": "ການສາຍຮູບເງົາແລະການສົນທະນາກ່ຽວກັບກັບດັກການຄ້າມະນຸດແລະຄວາມປອດໄພຂອງເດັກໃນຊຸມຊົນ",
	}
	var langs []string
	for _, l := range []string{"km", "lo"} {
		if locale.IsSupported(l) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		t.Skip("neither km nor lo is enabled")
	}
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 72 * time.Hour, Capacity: 25,
			Titles: map[string]string{"vi": "Chiếu phim", "km": titles["km"], "lo": titles["lo"]}})
		if err := db.Model(&event.Event{}).Where("id = ?", e.ID).Update("country", "KH").Error; err != nil {
			t.Fatal(err)
		}
		b.do(t, chromedp.EmulateViewport(narrowWidth, phoneHeight, chromedp.EmulateScale(2)))
		for _, lang := range langs {
			for _, p := range []string{"/" + lang + "/events", "/" + lang + "/events/" + itoa(int(e.ID))} {
				b.navigate(t, p)
				if got := evalAs[string](t, b, `document.documentElement.lang`); got != lang {
					t.Errorf("%s: html lang = %q", p, got)
				}
				if w := evalAs[int](t, b, `document.documentElement.scrollWidth`); w > narrowWidth {
					t.Errorf("%s is %d px wide on a %d px screen: %s", p, w, narrowWidth, evalAs[string](t, b, overflowersJS))
				}
			}
		}
	})
}
