package web

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Someone on a 360 px phone opens the rating link in Vietnamese, sends the
// form without a star (told beside the stars, the comment kept), taps the
// fourth star — the first four light up — and sends: thanked, rating kept.
func TestBrowserRatingPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		path := "/vi" + ratingPath(t, b.ta, db, time.Now().UTC())
		b.navigate(t, path)
		if got := b.text(t, "fieldset legend"); got != "Buổi sinh hoạt này có hữu ích cho bạn không?" {
			t.Errorf("legend = %q", got)
		}
		b.noHorizontalScroll(t)
		b.fill(t, "#comment", "Phim rất hay, cảm ơn")
		b.click(t, "form.rating-form button[type=submit]")
		b.waitVisible(t, "#stars-err")
		if got := b.text(t, "#stars-err"); got != "Vui lòng chọn từ 1 đến 5 sao." {
			t.Errorf("stars error = %q", got)
		}
		if got := evalAs[string](t, b, `document.querySelector("#comment").value`); got != "Phim rất hay, cảm ơn" {
			t.Errorf("comment kept as %q", got)
		}
		b.noHorizontalScroll(t)
		b.click(t, `label[for="stars-4"]`)
		colour := func(n int) string {
			return evalAs[string](t, b, `getComputedStyle(document.querySelectorAll(".star-glyph")[`+itoa(n-1)+`]).color`)
		}
		if colour(1) != colour(4) || colour(4) == colour(5) {
			t.Errorf("stars lit: 1 %s, 4 %s, 5 %s (want the first four alike, the fifth not)", colour(1), colour(4), colour(5))
		}
		b.click(t, "form.rating-form button[type=submit]")
		b.waitVisible(t, "p.flash")
		if got := b.text(t, "p.flash"); !strings.Contains(got, "4 trên 5 sao") {
			t.Errorf("thanks = %q", got)
		}
		b.noHorizontalScroll(t)
		// The page, answered, in every language: nothing scrolls sideways.
		for _, lang := range locale.Supported {
			b.navigate(t, "/"+lang+strings.TrimPrefix(path, "/vi"))
			b.noHorizontalScroll(t)
		}
		var r rating.Rating
		if err := db.Where("stars IS NOT NULL").Take(&r).Error; err != nil || *r.Stars != 4 || r.Comment != "Phim rất hay, cảm ơn" {
			t.Errorf("stored %+v, %v", r, err)
		}
	})
}
