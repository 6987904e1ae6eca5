package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// venueIn makes a city of a seeded country (its own time zone) and a venue.
func venueIn(t *testing.T, db *gorm.DB, code, country, tz string) event.Venue {
	t.Helper()
	city := event.City{Code: code, Country: country, TimeZone: tz, Name: content.Text{"en": code}}
	if err := db.Create(&city).Error; err != nil {
		t.Fatal(err)
	}
	v := event.Venue{Code: code + "-V", CityID: city.ID, Address: "1 Main street", Active: true, Name: content.Text{"en": "Hall " + code}}
	if err := db.Create(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSessionsTakeTheirCountrysZoneAndPhones: a Manila session typed for
// 19:00 is stored at 11:00 UTC and shown at 19:00; it takes its city's
// country and phone region; a number typed without + on its form is read
// as Philippine, on a Cambodian session's as Cambodian, on a Vietnamese
// session's as Vietnamese, and a number written with + keeps its country.
func TestSessionsTakeTheirCountrysZoneAndPhones(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		create := func(v event.Venue, starts, ends string) *event.Event {
			t.Helper()
			loc := wantRedirect(t, c.post("/en/staff/events/new", eventValues(v.ID, func(f url.Values) {
				f.Set("starts_at", starts)
				f.Set("ends_at", ends)
			})), "/en/staff/events/")
			id := idFromLocation(t, loc)
			wantRedirect(t, c.post("/en/staff/events/"+itoa(int(id))+"/publish", nil), "/en/staff/events/")
			e, err := event.Get(t.Context(), db, id)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		manila := create(venueIn(t, db, "MNL", "PH", "Asia/Manila"), "2026-12-02T19:00", "2026-12-02T21:00")
		if want := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC); !manila.StartsAt.Equal(want) {
			t.Errorf("Manila 19:00 stored as %v, want %v (UTC+8)", manila.StartsAt, want)
		}
		if manila.TimeZone != "Asia/Manila" || manila.Country != "PH" || manila.PhoneRegion != "PH" {
			t.Errorf("Manila session: zone %q country %q region %q", manila.TimeZone, manila.Country, manila.PhoneRegion)
		}
		for lang, want := range map[string]string{"en": "7:00 pm", "vi": "19:00", "fr": "19:00"} {
			page := bodyOf(t, ta.client().get("/"+lang+"/events/"+itoa(int(manila.ID))))
			if !strings.Contains(page, want) || strings.Contains(page, "18:00") || strings.Contains(page, "6:00 pm") {
				t.Errorf("%s: the Manila session's page does not show %s local time", lang, want)
			}
		}
		phnomPenh := create(venueIn(t, db, "PNH", "KH", "Asia/Phnom_Penh"), "2026-12-03T18:00", "2026-12-03T20:00")
		if want := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC); !phnomPenh.StartsAt.Equal(want) || phnomPenh.PhoneRegion != "KH" {
			t.Errorf("Phnom Penh 18:00 = %v region %q, want %v KH", phnomPenh.StartsAt, phnomPenh.PhoneRegion, want)
		}
		hcmc := create(testutil.Venue(t, db), "2026-12-04T18:30", "2026-12-04T20:30")
		if hcmc.Country != "VN" || hcmc.PhoneRegion != "VN" {
			t.Errorf("a Vietnamese city's session: country %q region %q", hcmc.Country, hcmc.PhoneRegion)
		}

		for _, c := range []struct {
			e     *event.Event
			typed string
			want  string
		}{
			{manila, "0917 123 4567", "+639171234567"},
			{phnomPenh, "012 345 678", "+85512345678"},
			{hcmc, "0912 345 678", "+84912345678"},
			{phnomPenh, "+84 912 345 679", "+84912345679"},
		} {
			cl := ta.client()
			cl.register(c.e.ID, "en", regForm("Maria Santos", c.typed))
			var r registration.Registration
			if err := db.Where("event_id = ? AND name = ?", c.e.ID, "Maria Santos").Order("id DESC").Take(&r).Error; err != nil {
				t.Fatal(err)
			}
			if r.Phone == nil || *r.Phone != c.want {
				t.Errorf("%q typed on a %s session = %v, want %s", c.typed, c.e.Country, r.Phone, c.want)
			}
		}
		// A Philippine national number is no number on a Vietnamese form.
		resp := ta.client().post("/en/events/"+itoa(int(hcmc.ID))+"/register", regForm("Jose Cruz", "0917 123 4567"))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a Philippine number without + on a Vietnamese session: %d, want 422", resp.StatusCode)
		}
	})
}
