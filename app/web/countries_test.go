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
	"github.com/lantern-ngo/lantern/app/user"
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

// TestAdminsEditCountries: the list shows the four seeded countries; a
// form with several mistakes shows each beside its field with what was
// typed kept and changes nothing; a good form saves, audited; the home
// country cannot be made inactive; other roles are refused.
func TestAdminsEditCountries(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		doc := admin.page("/en/staff/admin/countries", http.StatusOK)
		for _, name := range []string{"Vietnam", "Cambodia", "Laos", "Philippines"} {
			if !strings.Contains(doc.Find("table").Text(), name) {
				t.Errorf("the countries list lacks %s", name)
			}
		}
		form := url.Values{"name_en": {"Cambodia"}, "name_vi": {"Campuchia"}, "phone_region": {"XX"}, "time_zone": {"Asia/Nowhere"},
			"languages": {"km, en, en"}, "content_fallback": {"en"}, "channels": {"sms, fax"}, "currency": {"KHR"},
			"sms_cost": {"ten"}, "zalo_cost": {"0"}, "retention_days": {"0"}, "active": {"true"}}
		doc = ta.parse(admin.post("/en/staff/admin/countries/KH", form), http.StatusUnprocessableEntity, "bad country")
		for _, f := range []string{"phone_region", "time_zone", "languages", "channels", "sms_cost"} {
			if text(doc, "#f-"+f+"-err") == "" {
				t.Errorf("no error beside %s", f)
			}
		}
		if v, _ := doc.Find("#f-time_zone").Attr("value"); v != "Asia/Nowhere" {
			t.Errorf("the typed time zone is not kept: %q", v)
		}
		var kh struct{ TimeZone, PhoneRegion string }
		db.Table("countries").Select("time_zone, phone_region").Where("code = ?", "KH").Scan(&kh)
		if kh.TimeZone != "Asia/Phnom_Penh" || kh.PhoneRegion != "KH" {
			t.Errorf("a refused form changed the country: %+v", kh)
		}

		form.Set("phone_region", "KH")
		form.Set("time_zone", "Asia/Phnom_Penh")
		form.Set("languages", "en, fr")
		form.Set("channels", "sms")
		form.Set("sms_cost", "120")
		wantRedirect(t, admin.post("/en/staff/admin/countries/KH", form), "/en/staff/admin/countries?flash=country_saved")
		var saved struct {
			SMSCost   int
			Languages string
		}
		db.Table("countries").Select("sms_cost, languages").Where("code = ?", "KH").Scan(&saved)
		if saved.SMSCost != 120 || saved.Languages != "en,fr" {
			t.Errorf("saved %+v", saved)
		}
		var n int64
		db.Table("audit_logs").Where("action = ? AND entity_id = ?", "country.update", "KH").Count(&n)
		if n != 1 {
			t.Errorf("audit country.update = %d, want 1", n)
		}

		// The home country stays active.
		vn := url.Values{"name_vi": {"Việt Nam"}, "phone_region": {"VN"}, "time_zone": {"Asia/Ho_Chi_Minh"}, "languages": {"vi, fr, en"},
			"content_fallback": {"vi, en, fr"}, "channels": {"zalo, sms"}, "currency": {"VND"}, "sms_cost": {"850"}, "zalo_cost": {"300"}}
		doc = ta.parse(admin.post("/en/staff/admin/countries/VN", vn), http.StatusUnprocessableEntity, "home inactive")
		if text(doc, "#f-active-err") == "" {
			t.Error("no error beside active for the home country")
		}

		org, _ := ta.organiser(t)
		if resp := org.get("/en/staff/admin/countries"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an organiser reads countries: %d, want 403", resp.StatusCode)
		}
	})
}

// TestSessionPageGivesANumberForQuestions: a session whose partner has a
// public line shows it (as written in the country, with a tel: link); a
// session without one shows its country's contact line; a past session
// shows none. An admin's mistyped line is refused beside its field.
func TestSessionPageGivesANumberForQuestions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		bad := url.Values{"code": {"CSWC"}, "name_vi": {"CSWC"}, "public_phone": {"12"}, "active": {"true"}}
		doc := ta.parse(admin.post("/en/staff/admin/partners", bad), http.StatusUnprocessableEntity, "bad partner phone")
		if text(doc, "#f-public_phone-err") == "" {
			t.Error("no error beside the partner's public phone")
		}
		bad.Set("public_phone", "0252 382 2000")
		wantRedirect(t, admin.post("/en/staff/admin/partners", bad), "/en/staff/admin/partners")
		var p event.Partner
		if err := db.Where("code = ?", "CSWC").Take(&p).Error; err != nil || p.PublicPhone != "+842523822000" {
			t.Fatalf("partner line %q %v, want +842523822000", p.PublicPhone, err)
		}

		withPartner := testutil.Event(t, db, testutil.EventOpts{Capacity: 10})
		db.Model(&event.Event{}).Where("id = ?", withPartner.ID).Update("partner_id", p.ID)
		doc = ta.client().page("/en/events/"+itoa(int(withPartner.ID)), http.StatusOK)
		if got, _ := doc.Find("#event-contact a").Attr("href"); got != "tel:+842523822000" || text(doc, "#event-contact") != "0252 3822 000" && text(doc, "#event-contact") != "0252 382 2000" {
			t.Errorf("partner's line: href %q text %q", got, text(doc, "#event-contact"))
		}

		alone := testutil.Event(t, db, testutil.EventOpts{Capacity: 10})
		if ta.client().page("/en/events/"+itoa(int(alone.ID)), http.StatusOK).Find("#event-contact").Length() != 0 {
			t.Error("a contact shows though neither partner nor country has one")
		}
		vn := url.Values{"name_vi": {"Việt Nam"}, "phone_region": {"VN"}, "time_zone": {"Asia/Ho_Chi_Minh"}, "languages": {"vi, fr, en"},
			"content_fallback": {"vi, en, fr"}, "channels": {"zalo, sms"}, "currency": {"VND"}, "sms_cost": {"850"}, "zalo_cost": {"300"},
			"contact_phone": {"028 3894 1000"}, "active": {"true"}}
		wantRedirect(t, admin.post("/en/staff/admin/countries/VN", vn), "/en/staff/admin/countries")
		doc = ta.client().page("/vi/events/"+itoa(int(alone.ID)), http.StatusOK)
		if got, _ := doc.Find("#event-contact a").Attr("href"); got != "tel:+842838941000" {
			t.Errorf("country's line: href %q", got)
		}
		past := testutil.Event(t, db, testutil.EventOpts{Capacity: 10, StartsIn: -48 * time.Hour})
		if ta.client().page("/en/events/"+itoa(int(past.ID)), http.StatusOK).Find("#event-contact").Length() != 0 {
			t.Error("a past session still offers a number for questions")
		}
	})
}
