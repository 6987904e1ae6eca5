package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// lastCode reads the one-time code sent to a number.
func lastCode(t *testing.T, db *gorm.DB, e164 string) string {
	t.Helper()
	var m message.Message
	if err := db.Where("to_phone = ? AND kind = ?", e164, privacy.SMSDataCode).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatalf("no code sent to %s: %v", e164, err)
	}
	code := sixDigits.FindString(m.Body)
	if code == "" {
		t.Fatalf("no code in %q", m.Body)
	}
	return code
}

// A participant sees their data from their phone, in each language: the
// number, a code by SMS, their registrations and their children's, quiz
// scores and consents; they download it, correct a name and erase it all.
func TestMyDataFromThePhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 10})
		titles := map[string]string{"vi": "Dữ liệu của tôi", "fr": "Mes données", "en": "My data"}
		for i, lang := range []string{"vi", "fr", "en"} {
			number := []string{"0912 000 501", "0912 000 502", "0912 000 503"}[i]
			e164 := "+84" + strings.ReplaceAll(number, " ", "")[1:]
			code, _ := ta.client().register(e.ID, lang, regForm("Nguyễn Thị Hoa", number))
			wantRedirect(t, ta.client().post("/"+lang+"/events/"+itoa(int(e.ID))+"/register", childValues("Bé Na", registration.AgeUnder7, "Nguyễn Thị Hoa", number)),
				"/"+lang+"/events/"+itoa(int(e.ID))+"/guardian-asked")

			cl := ta.client()
			doc := cl.page("/"+lang+"/my-data", http.StatusOK)
			if text(doc, "h1") != titles[lang] {
				t.Errorf("%s: title %q", lang, text(doc, "h1"))
			}
			wantRedirect(t, cl.post("/"+lang+"/my-data", url.Values{"phone": {number}}), "/"+lang+"/my-data/code")
			// A wrong code first: said beside the field, tries left.
			doc = ta.parse(cl.post("/"+lang+"/my-data/code", url.Values{"code": {"000000"}}), http.StatusUnprocessableEntity, lang+" wrong")
			if got := text(doc, "#md-code-err"); !strings.Contains(got, "4") || doc.Find("#md-code").AttrOr("value", "") != "000000" {
				t.Errorf("%s: wrong code answer %q", lang, got)
			}
			wantRedirect(t, cl.post("/"+lang+"/my-data/code", url.Values{"code": {lastCode(t, db, e164)}}), "/"+lang+"/my-data/view")
			doc = cl.page("/"+lang+"/my-data/view", http.StatusOK)
			main := doc.Find("main").Text()
			if !strings.Contains(main, "Nguyễn Thị Hoa") || !strings.Contains(main, "Bé Na") || !strings.Contains(main, code) {
				t.Errorf("%s: the page lacks the registrations: %.400s", lang, main)
			}
			if strings.Contains(main, strings.ReplaceAll(number, " ", "")) {
				t.Errorf("%s: the whole number is shown", lang)
			}
			// Download.
			resp := cl.get("/" + lang + "/my-data/download")
			var ex privacy.Export
			if err := json.NewDecoder(resp.Body).Decode(&ex); err != nil || len(ex.Registrations) != 2 || len(ex.ConsentRecords) != 1 {
				t.Errorf("%s: download %d registrations, %d consents (%v)", lang, len(ex.Registrations), len(ex.ConsentRecords), err)
			}
			// Correct the name; a bad name keeps what was typed.
			doc = ta.parse(cl.post("/"+lang+"/my-data/name", url.Values{"code": {code}, "name": {"<b>"}}), http.StatusUnprocessableEntity, lang+" bad name")
			if doc.Find("#md-name-"+code).AttrOr("value", "") != "<b>" || text(doc, "#md-name-"+code+"-err") == "" {
				t.Errorf("%s: bad name not answered beside the field", lang)
			}
			wantRedirect(t, cl.post("/"+lang+"/my-data/name", url.Values{"code": {code}, "name": {"Nguyễn Thị Hòa"}}), "/"+lang+"/my-data/view?flash=mydata_renamed")
			// Erase: the box must be ticked.
			ta.parse(cl.post("/"+lang+"/my-data/erase", url.Values{}), http.StatusUnprocessableEntity, lang+" unconfirmed erase")
			wantRedirect(t, cl.post("/"+lang+"/my-data/erase", url.Values{"confirm": {"yes"}}), "/"+lang+"/my-data?flash=mydata_erased")
			var left int64
			db.Model(&registration.Registration{}).Where("phone = ?", e164).Count(&left)
			var anon int64
			db.Model(&registration.Registration{}).Where("event_id = ? AND anonymised_at IS NOT NULL AND age_band <> ''", e.ID).Count(&anon)
			if left != 0 || anon < 1 {
				t.Errorf("%s: after erasure %d registrations keep the number, %d anonymised with counts", lang, left, anon)
			}
			// The session is over.
			if resp := cl.get("/" + lang + "/my-data/view"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: the page stays open after erasure: %d", lang, resp.StatusCode)
			}
		}
		var logged int64
		db.Model(&audit.Entry{}).Where("action IN ?", []string{"self.rename", "self.erase"}).Count(&logged)
		if logged != 6 {
			t.Errorf("audit entries: %d, want 6", logged)
		}
	})
}

// Typing a number reveals nothing: the answer is the same whether Lantern
// holds data about it or not, and a code goes only to a number it knows.
// Five wrong codes end the code; codes are limited per number.
func TestMyDataCodeRules(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		// A fixed clock: the per-number limit counts in hour-long windows,
		// and the test moves 11 minutes on within one.
		start := time.Now().UTC().Truncate(time.Hour).Add(5 * time.Minute)
		ta.setNow(start)
		e := testutil.Event(t, db, testutil.EventOpts{Now: start})
		ta.client().register(e.ID, "en", regForm("Trần Văn Nam", "0912000601"))
		known, unknown := ta.client(), ta.client()
		r1 := known.post("/en/my-data", url.Values{"phone": {"0912000601"}})
		r2 := unknown.post("/en/my-data", url.Values{"phone": {"0912000699"}})
		if r1.StatusCode != r2.StatusCode || r1.Header.Get("Location") != r2.Header.Get("Location") {
			t.Errorf("known %d %s, unknown %d %s", r1.StatusCode, r1.Header.Get("Location"), r2.StatusCode, r2.Header.Get("Location"))
		}
		var sent int64
		db.Model(&message.Message{}).Where("kind = ? AND to_phone = ?", privacy.SMSDataCode, "+84912000699").Count(&sent)
		if sent != 0 {
			t.Error("a code went to a number Lantern does not know")
		}
		for i := 0; i < privacy.CodeTries; i++ {
			known.post("/en/my-data/code", url.Values{"code": {"999999"}})
		}
		doc := ta.parse(known.post("/en/my-data/code", url.Values{"code": {lastCode(t, db, "+84912000601")}}), http.StatusUnprocessableEntity, "sixth try")
		if got := text(doc, "#md-code-err"); got != "Too many wrong codes. Please ask for a new code." {
			t.Errorf("after 5 wrong codes: %q", got)
		}
		// Expired.
		c := ta.client()
		c.post("/en/my-data", url.Values{"phone": {"0912000601"}})
		ta.setNow(start.Add(11 * time.Minute))
		doc = ta.parse(c.post("/en/my-data/code", url.Values{"code": {lastCode(t, db, "+84912000601")}}), http.StatusUnprocessableEntity, "expired")
		if got := text(doc, "#md-code-err"); got != "This code is no longer valid. Please ask for a new code." {
			t.Errorf("expired: %q", got)
		}
		// At most 3 codes an hour to a number, answered 429 in the language.
		ta.client().post("/fr/my-data", url.Values{"phone": {"0912000601"}})
		resp := ta.client().post("/fr/my-data", url.Values{"phone": {"+84 912 000 601"}})
		doc = ta.parse(resp, http.StatusTooManyRequests, "fourth code")
		if got := text(doc, "h1"); got != "Trop de demandes pour ce numéro ou depuis ce réseau. Patientez une heure puis réessayez." {
			t.Errorf("429: %q", got)
		}
	})
}
