package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Issue 17, class 3: invisible and direction-control characters typed into
// names and free text are removed where they come in, searches fold
// compatibility forms, and the pages isolate what people typed (<bdi>), so
// that one line of a staff list cannot change how the next one reads.
func TestInvisibleCharactersInNames(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		f := newAttFixture(t, db, event.KindFilmDebate)
		id := itoa(int(f.ev.ID))

		// A registrant hides a right-to-left override, a soft hyphen, a
		// zero-width space, a joiner and an isolate in their name.
		typed := "\u202eNguy\u00adễn\u200b Lan\u200d\u2066"
		code, _ := f.ta.client().register(f.ev.ID, "vi", regForm(typed, "0912 345 001"))
		var reg registration.Registration
		if err := db.Where("code = ?", code).Take(&reg).Error; err != nil {
			t.Fatal(err)
		}
		if reg.Name != "Nguyễn Lan" || reg.NameFolded != "nguyen lan" {
			t.Errorf("stored name %q, folded %q; want \"Nguyễn Lan\", \"nguyen lan\"", reg.Name, reg.NameFolded)
		}

		// The organiser's search finds her by the plain spelling, by a
		// full-width one, and by one with a hidden character of its own.
		org, _ := f.ta.organiser(t)
		base := "/en/staff/events/" + id + "/registrations"
		for _, q := range []string{"nguyen lan", "ｎｇｕｙｅｎ　ＬＡＮ", "Nguy\u00adễn\u200b Lan"} {
			doc := f.ta.parse(org.post(base, url.Values{"q": {q}}), http.StatusOK, "search "+q)
			names := doc.Find("table.registrations td.name .pname bdi")
			if names.Length() != 1 || strings.TrimSpace(names.Text()) != "Nguyễn Lan" {
				t.Errorf("search %q: names in <bdi> %q (%d)", q, names.Text(), names.Length())
			}
		}

		// A walk-in typed by the trainer, with an override and a BOM.
		attRedirect(t, f.c.post(f.base+"/checkin/walkin", url.Values{"sex": {"female"}, "age_band": {"25_59"},
			"name": {"\ufeffTrần\u202e Thị\u2067 Hoa"}}), f.base+"/checkin?flash=checkin_walkin_added")
		var walkIn registration.Registration
		if err := db.Where("event_id = ? AND kind = ?", f.ev.ID, registration.KindWalkIn).Take(&walkIn).Error; err != nil {
			t.Fatal(err)
		}
		if walkIn.Name != "Trần Thị Hoa" || walkIn.NameFolded != "tran thi hoa" {
			t.Errorf("walk-in stored as %q, folded %q", walkIn.Name, walkIn.NameFolded)
		}

		// A row written before the fix (or by hand) still shows isolated:
		// the roster, the attendance sheet and the ticket put names in <bdi>.
		legacy := testutil.Registration(t, db, f.ev.ID, testutil.RegistrationOpts{Name: "Lê Mai"})
		if err := db.Exec("UPDATE registrations SET name = ? WHERE id = ?", "\u202eLê Mai", legacy.ID).Error; err != nil {
			t.Fatal(err)
		}
		roster := f.c.page(f.base+"/checkin", http.StatusOK)
		got := bdiTexts(roster.Find("#roster .who"))
		for _, want := range []string{"Nguyễn Lan", "Trần Thị Hoa", "\u202eLê Mai"} {
			if !got[want] {
				t.Errorf("roster: %q not in a <bdi> of its own; names in <bdi>: %s", want, got)
			}
		}
		if n, lines := roster.Find("#roster .who bdi").Length(), roster.Find("#roster li").Length(); n != lines {
			t.Errorf("roster: %d names in <bdi> for %d lines", n, lines)
		}
		sheet := f.c.page(f.base+"/sheet", http.StatusOK)
		if got := bdiTexts(sheet.Find("table")); !got["Nguyễn Lan"] || !got["\u202eLê Mai"] {
			t.Errorf("sheet: names in <bdi>: %s", got)
		}
		ticket := f.ta.client().page("/vi/r/"+code, http.StatusOK)
		if got := bdiTexts(ticket.Find("dl")); !got["Nguyễn Lan"] {
			t.Errorf("ticket: names in <bdi>: %s", got)
		}

		// Staff names typed by an admin are cleaned and isolated too.
		admin := f.ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		resp := admin.post("/en/staff/admin/accounts", url.Values{"name": {"Phạm\u200b \u202eVăn\u00ad An"},
			"email": {"an.pham@lantern.test"}, "lang": {"vi"}, "roles": {"trainer"}})
		wantRedirect(t, resp, "/en/staff/admin/accounts")
		var acc user.User
		if err := db.Where("email = ?", "an.pham@lantern.test").Take(&acc).Error; err != nil {
			t.Fatal(err)
		}
		if acc.Name != "Phạm Văn An" {
			t.Errorf("account name stored as %q", acc.Name)
		}
		list := admin.page("/en/staff/admin/accounts", http.StatusOK)
		if got := bdiTexts(list.Find("main")); !got["Phạm Văn An"] {
			t.Errorf("accounts list: names in <bdi>: %s", got)
		}
	})
}

// bdiTexts is the set of texts of the <bdi> elements in sel.
func bdiTexts(sel *goquery.Selection) textSet {
	out := textSet{}
	sel.Find("bdi").Each(func(_ int, s *goquery.Selection) { out[s.Text()] = true })
	return out
}

type textSet map[string]bool

func (s textSet) String() string {
	var out []string
	for k := range s {
		out = append(out, strconv.Quote(k))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
