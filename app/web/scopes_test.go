package web

import (
	"encoding/json"

	"github.com/PuerkitoBio/goquery"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// heldIn makes a published session at a venue of a country that ended the
// day before now, titled title in every interface language.
func heldIn(t *testing.T, db *gorm.DB, v event.Venue, country, code, title string, now time.Time) *event.Event {
	t.Helper()
	e := &event.Event{Code: code, Kind: event.KindFilmDebate, Status: event.StatusPublished, Lang: "en",
		StartsAt: now.Add(-26 * time.Hour), EndsAt: now.Add(-24 * time.Hour), TimeZone: "Asia/Ho_Chi_Minh",
		Country: country, PhoneRegion: country, VenueID: v.ID, Capacity: 30, Audience: "families",
		Translations: []event.Translation{{Lang: "en", Title: title, UpdatedAt: now}, {Lang: "vi", Title: title, UpdatedAt: now}}}
	pub := now.Add(-72 * time.Hour)
	e.PublishedAt = &pub
	if err := db.Create(e).Error; err != nil {
		t.Fatal(err)
	}
	return e
}

// scopedOrganiser makes an organiser who works in one country only.
func scopedOrganiser(t *testing.T, db *gorm.DB, country string) *user.User {
	t.Helper()
	u := testutil.Staff(t, db, user.RoleOrganiser)
	if err := db.Model(u).Update("scope_country", country).Error; err != nil {
		t.Fatal(err)
	}
	u.ScopeCountry = country
	return u
}

// TestStaffSeeOnlyTheirCountry (issue 20): an organiser of Cambodia lists,
// opens, counts and books Cambodia's sessions only; an organiser of the
// whole programme sees both countries.
func TestStaffSeeOnlyTheirCountry(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, global, _ := organiserApp(t, db)
		now := ta.srv.now()
		khVenue := venueIn(t, db, "PNH", "KH", "Asia/Phnom_Penh")
		vnVenue := testutil.Venue(t, db)
		kh := heldIn(t, db, khVenue, "KH", "KH01", "Phnom Penh screening", now)
		vn := heldIn(t, db, vnVenue, "VN", "VN01", "Saigon screening", now)
		khOrg := ta.client()
		khOrg.login(scopedOrganiser(t, db, "KH"))

		for _, path := range []string{"/en/staff/events/", "/en/staff/reports/missing", "/en/staff/quiz-sessions", "/en/trainer"} {
			mine, all := bodyOf(t, khOrg.get(path)), bodyOf(t, global.get(path))
			if !strings.Contains(mine, "Phnom Penh screening") || strings.Contains(mine, "Saigon screening") {
				t.Errorf("%s as Cambodia's organiser: want the Phnom Penh session only", path)
			}
			if !strings.Contains(all, "Phnom Penh screening") || !strings.Contains(all, "Saigon screening") {
				t.Errorf("%s as the programme's organiser: want both sessions", path)
			}
		}
		if resp := khOrg.get("/en/staff/events/" + itoa(int(vn.ID)) + "/registrations"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("Cambodia's organiser opens a Vietnamese session's registrations: %d, want 403", resp.StatusCode)
		}
		if resp := khOrg.get("/en/staff/events/" + itoa(int(kh.ID)) + "/registrations"); resp.StatusCode != http.StatusOK {
			t.Errorf("Cambodia's organiser opens their own session's registrations: %d, want 200", resp.StatusCode)
		}

		// A message to a Cambodian session's registrants is written in
		// Cambodia's languages.
		msg := khOrg.page("/en/staff/events/"+itoa(int(kh.ID))+"/message", http.StatusOK)
		if msg.Find(`textarea[name="text_km"]`).Length() != 1 || msg.Find(`textarea[name="text_vi"]`).Length() != 0 {
			t.Error("the message form of a Cambodian session does not offer Khmer (or offers Vietnamese)")
		}
		indicators := func(c *client) *report.Indicators {
			t.Helper()
			resp := c.get("/api/v1/indicators")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("indicators: %d", resp.StatusCode)
			}
			var r report.Indicators
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				t.Fatal(err)
			}
			return &r
		}
		mine, all := indicators(khOrg).Get(report.CodeEventsHeld), indicators(global).Get(report.CodeEventsHeld)
		if mine.Numerator != 1 || all.Numerator != 2 {
			t.Errorf("sessions held: Cambodia's organiser reads %v (want 1), the programme's %v (want 2)", mine.Numerator, all.Numerator)
		}
		// The programme's figures, per country.
		byCountry := map[string]float64{}
		for _, c := range all.Dis(report.DimCountry).Cells {
			byCountry[c.Key] = c.Numerator
		}
		if byCountry["KH"] != 1 || byCountry["VN"] != 1 {
			t.Errorf("sessions held per country: %v, want KH 1 and VN 1", byCountry)
		}
		if body := bodyOf(t, global.get("/en/staff/dashboard/")); !strings.Contains(body, "By country") || !strings.Contains(body, "Cambodia") {
			t.Error("the programme's dashboard has no per-country table naming Cambodia")
		}
		if body := bodyOf(t, khOrg.get("/en/staff/dashboard/")); strings.Contains(body, "Saigon screening") {
			t.Error("Cambodia's organiser's dashboard names a Vietnamese session")
		}

		// Booking a Vietnamese venue is refused beside the venue, with what
		// was typed kept, and nothing is created.
		var before int64
		db.Model(&event.Event{}).Count(&before)
		resp := khOrg.post("/en/staff/events/new", eventValues(vnVenue.ID))
		doc := ta.parse(resp, http.StatusUnprocessableEntity, "Cambodia's organiser books a Vietnamese venue")
		if got := doc.Find("#venue_id-err").Text(); !strings.Contains(got, "your own area") {
			t.Errorf("venue error %q; errors on the page: %q", got, doc.Find(".err").Text())
		}
		if v, _ := doc.Find(`input[name="title_en"]`).Attr("value"); v != "Screening: The peaceful house" {
			t.Errorf("the typed title was not kept: %q", v)
		}
		var after int64
		db.Model(&event.Event{}).Count(&after)
		if after != before {
			t.Errorf("a refused session was created: %d → %d", before, after)
		}
		// The form offers only Cambodia's venues.
		form := bodyOf(t, khOrg.get("/en/staff/events/new"))
		if !strings.Contains(form, "Hall PNH") || strings.Contains(form, vnVenue.Name.String("en")) {
			t.Error("the event form of Cambodia's organiser offers another country's venue, or not their own")
		}
	})
}

// TestAccountScopes (issue 20): an admin sets an account's country and
// cities; every problem is shown at once beside its field and nothing is
// changed; an admin cannot be scoped.
func TestAccountScopes(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		target := testutil.Staff(t, db, user.RoleOrganiser)
		vnCity := testutil.Venue(t, db).CityID
		khVenue := venueIn(t, db, "PNH", "KH", "Asia/Phnom_Penh")
		path := "/en/staff/admin/accounts/" + itoa(int(target.ID))
		form := func(mod func(url.Values)) url.Values {
			f := url.Values{"name": {target.Name}, "email": {target.Email}, "roles": {"organiser"}, "lang": {"en"}}
			mod(f)
			return f
		}
		resp := admin.post(path, form(func(f url.Values) {
			f["roles"] = []string{"admin", "organiser"}
			f.Set("scope_country", "KH")
			f["scope_cities"] = []string{itoa(int(vnCity))}
			f.Set("coach_id", itoa(int(target.ID)))
		}))
		doc := ta.parse(resp, http.StatusUnprocessableEntity, "an admin scoped to a country with a Vietnamese city")
		for sel, want := range map[string]string{
			"#f-scope_country-err": "administrator sees the whole programme",
			"#f-scope_cities-err":  "cities of the chosen country",
			"#f-coach_id-err":      "",
		} {
			if got := doc.Find(sel).Text(); got == "" || !strings.Contains(got, want) {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if sel := doc.Find(`select[name="scope_country"] option[selected]`).AttrOr("value", ""); sel != "KH" {
			t.Errorf("the chosen country was not kept: %q", sel)
		}
		u, err := user.Get(t.Context(), db, target.ID)
		if err != nil || u.ScopeCountry != "" || u.Has(user.RoleAdmin) {
			t.Fatalf("a refused form changed the account: %+v %v", u, err)
		}

		wantRedirect(t, admin.post(path, form(func(f url.Values) {
			f.Set("scope_country", "KH")
			f["scope_cities"] = []string{itoa(int(khVenue.CityID))}
		})), "/en/staff/admin/accounts")
		u, _ = user.Get(t.Context(), db, target.ID)
		if sc := u.Scope(); sc.Country != "KH" || len(sc.CityIDs) != 1 || sc.CityIDs[0] != khVenue.CityID {
			t.Errorf("saved scope %+v", sc)
		}
		if list := bodyOf(t, admin.get("/en/staff/admin/accounts")); !strings.Contains(list, "Cambodia") {
			t.Error("the accounts list does not say the account works in Cambodia")
		}
		var n int64
		db.Table("audit_logs").Where("entity = ? AND entity_id = ? AND after LIKE ?", "user", itoa(int(target.ID)), "%scope_country%").Count(&n)
		if n != 1 {
			t.Errorf("audit entries naming the scope: %d, want 1", n)
		}
	})
}

// TestNamesInEveryLanguage (issue 20): partners, venues, targets and
// competencies take their texts in every interface language, not only vi,
// fr and en; a name too long in Khmer is refused beside its field.
func TestNamesInEveryLanguage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		long := strings.Repeat("ក", 201)
		doc := ta.parse(admin.post("/en/staff/admin/partners", url.Values{"code": {"KHP"}, "name_vi": {"Đối tác Campuchia"}, "name_km": {long}}),
			http.StatusUnprocessableEntity, "a Khmer name too long")
		if got := doc.Find("#f-name_km-err").Text(); !strings.Contains(got, "Name in Khmer") {
			t.Errorf("Khmer name error %q", got)
		}
		if _, open := doc.Find("details.more-langs").Attr("open"); !open {
			t.Error("the other languages are closed although one of them is wrong")
		}
		wantRedirect(t, admin.post("/en/staff/admin/partners", url.Values{"code": {"KHP"}, "name_vi": {"Đối tác Campuchia"},
			"name_km": {"ដៃគូកម្ពុជា"}, "name_lo": {"ຄູ່ຮ່ວມງານ"}, "name_fil": {"Katuwang"}, "active": {"true"}}), "/en/staff/admin/partners")
		var p event.Partner
		if err := db.Where("code = ?", "KHP").First(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Name["km"] != "ដៃគូកម្ពុជា" || p.Name["lo"] != "ຄູ່ຮ່ວມງານ" || p.Name["fil"] != "Katuwang" {
			t.Errorf("saved names %v", p.Name)
		}
		form := admin.page("/en/staff/admin/partners/"+itoa(int(p.ID))+"/edit", http.StatusOK)
		if v, _ := form.Find("#f-name_km").Attr("value"); v != "ដៃគូកម្ពុជា" {
			t.Errorf("the edit form shows the Khmer name as %q", v)
		}

		wantRedirect(t, admin.post("/en/staff/competencies/new", url.Values{
			"name_vi": {"Ghi chép hồ sơ"}, "name_km": {"ការកត់ត្រា"}, "l1_vi": {"a"}, "l2_vi": {"b"}, "l3_vi": {"c"}, "l4_vi": {"d"},
			"l1_lo": {"ລະດັບ 1"}, "position": {"0"},
		}), "/en/staff/competencies")
		// A quiz question in Khmer and Vietnamese, with choices in both.
		wantRedirect(t, admin.post("/en/staff/quizzes/questions/new", url.Values{"kind": {"single"}, "topic": {quiz.Topics[0]}, "lang": {"km"},
			"text_vi": {"Câu hỏi"}, "text_km": {"សំណួរ"}, "choice_0_vi": {"Đúng"}, "choice_0_km": {"ត្រូវ"}, "correct_0": {"1"},
			"choice_1_vi": {"Sai"}, "choice_1_km": {"ខុស"}}), "/en/staff/quizzes")
		var qn quiz.Question
		if err := db.Order("id DESC").First(&qn).Error; err != nil {
			t.Fatal(err)
		}
		if qn.Lang != "km" || qn.Text["km"] != "សំណួរ" || len(qn.Choices) != 2 || qn.Choices[0].Text["km"] != "ត្រូវ" {
			t.Errorf("question saved without its Khmer texts: %+v", qn)
		}
		var cp coaching.Competency
		if err := db.Order("id DESC").First(&cp).Error; err != nil {
			t.Fatal(err)
		}
		if cp.Name["km"] != "ការកត់ត្រា" || cp.Level1["lo"] != "ລະດັບ 1" || cp.Name["vi"] != "Ghi chép hồ sơ" {
			t.Errorf("competency saved without its Khmer name or Lao level: %v / %v", cp.Name, cp.Level1)
		}
	})
}

// TestConsentPerCountry (issue 20): a consent text can belong to one
// country, required in each of its interface languages; that country's
// sessions show it and record its version, the others keep the text of
// every country.
func TestConsentPerCountry(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := ta.client()
		admin.login(testutil.Staff(t, db, user.RoleAdmin))
		every := url.Values{"audience": {"adult"}, "version": {"ALL-1"}, "text_vi": {"Tôi đồng ý (chung)"}, "text_fr": {"J'accepte (commun)"}, "text_en": {"I agree (common)"}}
		wantRedirect(t, admin.post("/en/staff/admin/consent", every), "/en/staff/admin/consent")
		// Cambodia's text: Khmer, English and French are its languages.
		kh := url.Values{"audience": {"adult"}, "version": {"KH-1"}, "country": {"KH"}, "text_en": {"I agree (Cambodia)"}}
		doc := ta.parse(admin.post("/en/staff/admin/consent", kh), http.StatusUnprocessableEntity, "Cambodia's text without Khmer or French")
		for sel, want := range map[string]string{"#f-text_km-err": "The text in Khmer is required.", "#f-text_fr-err": "The text in French is required."} {
			if got := text(doc, sel); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if v := doc.Find("#f-text_en").Text(); v != "I agree (Cambodia)" {
			t.Errorf("the typed English text was not kept: %q", v)
		}
		kh.Set("text_km", "ខ្ញុំយល់ព្រម (កម្ពុជា)")
		kh.Set("text_fr", strings.Repeat("J'accepte ", privacy.ConsentTextMax/10+1))
		doc = ta.parse(admin.post("/vi/staff/admin/consent", kh), http.StatusUnprocessableEntity, "a French text too long")
		if got, want := text(doc, "#f-text_fr-err"), "Văn bản bằng tiếng Pháp quá dài (tối đa "+strconv.Itoa(privacy.ConsentTextMax)+" ký tự)."; !strings.EqualFold(got, want) {
			t.Errorf("the long French text's error = %q, want %q (beside the French field, named in Vietnamese)", got, want)
		}
		if got := text(doc, "#f-text_km-err"); got != "" {
			t.Errorf("the Khmer text is fine but shows %q", got)
		}
		kh.Set("text_fr", "J'accepte (Cambodge)")
		wantRedirect(t, admin.post("/en/staff/admin/consent", kh), "/en/staff/admin/consent")

		khEvent := heldIn(t, db, venueIn(t, db, "PNH", "KH", "Asia/Phnom_Penh"), "KH", "KH02", "Phnom Penh screening", ta.srv.now().Add(30*24*time.Hour))
		vnEvent := testutil.Event(t, db, testutil.EventOpts{})
		if page := bodyOf(t, ta.client().get("/km/events/"+itoa(int(khEvent.ID)))); !strings.Contains(page, "ខ្ញុំយល់ព្រម (កម្ពុជា)") {
			t.Error("a Cambodian session's page in Khmer does not show Cambodia's consent")
		}
		if page := bodyOf(t, ta.client().get("/en/events/"+itoa(int(vnEvent.ID)))); !strings.Contains(page, "I agree (common)") || strings.Contains(page, "Cambodia)") {
			t.Error("a Vietnamese session's page does not show the text of every country")
		}
		for cc, want := range map[string]string{"KH": "KH-1", "VN": "ALL-1", "PH": "ALL-1"} {
			cur, err := privacy.CurrentConsent(t.Context(), db, cc)
			if err != nil || cur == nil || cur.Version != want {
				t.Errorf("current consent of %s = %+v, %v; want %s", cc, cur, err, want)
			}
		}
	})
}

// TestMessagingCostsPerCountry (issue 20): each country's messages are
// costed at its prices, in its currency; a scoped organiser reads their
// country's only.
func TestMessagingCostsPerCountry(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, global, _ := organiserApp(t, db)
		sent := time.Date(2026, 11, 10, 3, 0, 0, 0, time.UTC)
		for _, to := range []string{"+84912000091", "+85512345678", "+85512345679"} {
			m := &message.Message{To: to, Body: "x", Lang: "vi", Kind: "confirmation", Status: message.StatusSent, Channel: message.ChannelSMS, SentAt: &sent}
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
			db.Model(m).Update("segments", 1)
		}
		doc := ta.parse(global.get("/en/staff/messages/costs"), http.StatusOK, "costs")
		sections := map[string]string{}
		doc.Find("section.cost-country").Each(func(_ int, s *goquery.Selection) {
			sections[strings.TrimSpace(s.Find("h2").Text())] = strings.Join(strings.Fields(s.Text()), " ")
		})
		if kh := sections["Cambodia"]; !strings.Contains(kh, "Cost (KHR)") || !strings.Contains(kh, "Month total22200") {
			t.Errorf("Cambodia's costs: %q", kh)
		}
		if vn := sections["Vietnam"]; !strings.Contains(vn, "Cost (VND)") || !strings.Contains(vn, "Month total11850") {
			t.Errorf("Vietnam's costs: %q", vn)
		}
		// The outbox's total: each country's session messages at its prices,
		// in its currency; messages about no session at the default's.
		khEvent := heldIn(t, db, venueIn(t, db, "PNH", "KH", "Asia/Phnom_Penh"), "KH", "KH09", "Phnom Penh screening", ta.srv.now())
		m := &message.Message{To: "+85512345670", Body: "x", Lang: "km", Kind: "confirmation", EventID: &khEvent.ID}
		if err := message.Enqueue(db, m); err != nil {
			t.Fatal(err)
		}
		db.Model(m).Update("segments", 2)
		totals := text(ta.parse(global.get("/en/staff/messages"), http.StatusOK, "outbox"), ".totals")
		if totals != "Messages: 4 · SMS segments: 5 · cost about 200 riels + 2,550 VND." {
			t.Errorf("the whole programme's outbox total: %q (want VND and riels, each at its prices)", totals)
		}
		khOrg := ta.client()
		khOrg.login(scopedOrganiser(t, db, "KH"))
		if totals := text(ta.parse(khOrg.get("/en/staff/messages"), http.StatusOK, "KH outbox"), ".totals"); !strings.Contains(totals, "Messages: 1 · SMS segments: 2") || strings.Contains(totals, "VND") {
			t.Errorf("Cambodia's outbox total: %q", totals)
		}
		if body := bodyOf(t, khOrg.get("/en/staff/messages/costs")); strings.Contains(body, "Vietnam") || strings.Contains(body, "VND") {
			t.Error("Cambodia's organiser reads Vietnam's costs")
		}
	})
}
