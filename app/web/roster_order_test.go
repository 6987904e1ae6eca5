package web

import (
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestRosterVietnameseOrder: the printed sign-in sheet and the check-in
// roster list people by given name, then family name, in the Vietnamese
// alphabet (Dung before Đức, Uyên before Ưng).
func TestRosterVietnameseOrder(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		for _, n := range []string{"Trần Văn Đức", "Bùi Thị Ưng", "Nguyễn Thị Dung", "Lê Văn Anh", "Vũ Thị Uyên", "Nguyễn Văn Đức"} {
			testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: n})
		}
		want := "Lê Văn Anh|Nguyễn Thị Dung|Nguyễn Văn Đức|Trần Văn Đức|Vũ Thị Uyên|Bùi Thị Ưng"
		doc := f.c.page(f.base+"/sheet", http.StatusOK)
		var got []string
		doc.Find("table.sheet-table").First().Find("tbody tr td bdi").Each(func(_ int, s *goqueryS) {
			got = append(got, strings.TrimSpace(s.Text()))
		})
		if strings.Join(got, "|") != want {
			t.Errorf("sheet order = %q, want %q", got, want)
		}
		body := bodyOf(t, f.c.get(f.base+"/checkin"))
		last := -1
		for _, n := range strings.Split(want, "|") {
			i := strings.Index(body[last+1:], n)
			if i < 0 {
				t.Errorf("check-in roster: %q missing or out of order (want %s)", n, want)
				break
			}
			last += 1 + i
		}
	})
}
