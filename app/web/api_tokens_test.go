package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apitoken"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// apiCall sends a request to the API with a bearer token (none when
// secret is "") and the client's cookies, and reads the JSON answer.
func (c *client) apiCall(method, path, secret string, body any, header ...string) (*http.Response, map[string]any) {
	c.ta.t.Helper()
	var req *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		req = httptest.NewRequest(method, path, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp := c.do(req)
	raw := bodyOf(c.ta.t, resp)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			c.ta.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return resp, out
}

// apiErr returns the code and message of an API error answer, failing the
// test when the answer does not have the one error shape.
func apiErr(t *testing.T, out map[string]any) (code, message string) {
	t.Helper()
	e, ok := out["error"].(map[string]any)
	if !ok || len(out) != 1 || len(e) != 2 {
		t.Fatalf("not the API error shape: %v", out)
	}
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	if code == "" || message == "" {
		t.Fatalf("empty code or message: %v", out)
	}
	return code, message
}

func makeToken(t *testing.T, db *gorm.DB, actor uint, in apitoken.Input, now time.Time) (*apitoken.Token, string) {
	t.Helper()
	if in.RatePerMinute == 0 {
		in.RatePerMinute = 100
	}
	tok, secret, err := apitoken.Create(context.Background(), db, actor, in, now)
	if err != nil {
		t.Fatal(err)
	}
	return tok, secret
}

// TestAPITokenForm: the back office's form shows every problem at once,
// beside its field, in the page's language; a good form makes a token
// whose secret is shown once and stored only as its SHA-256.
func TestAPITokenForm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		coach := testutil.Staff(t, db, user.RoleCoach)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		c := ta.client()
		c.login(admin)

		doc := c.page("/fr/staff/admin/tokens", http.StatusOK)
		if got := text(doc, "tbody td"); got != "Aucun jeton d'API pour l'instant." {
			t.Errorf("empty list: %q", got)
		}
		if c.page("/fr/staff/", http.StatusOK).Find(`a[href="/fr/staff/admin/tokens"]`).Length() == 0 {
			t.Error("the back office menu has no link to the tokens")
		}

		// Everything wrong at once: no name, an unknown scope with
		// checkins:write but no account, a rate that is not a number.
		resp := c.post("/fr/staff/admin/tokens", url.Values{"name": {"  "}, "scopes": {"checkins:write", "all:write"}, "rate_per_minute": {"vite"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "bad form")
		for field, want := range map[string]string{
			"name":            "Veuillez donner un nom au jeton.",
			"scopes":          "Portée inconnue.",
			"user_id":         "Veuillez choisir le compte au nom duquel l'appareil d'émargement agit.",
			"rate_per_minute": "Veuillez saisir un nombre entier d'appels de 1 à 6000.",
		} {
			if got := text(doc, "#f-"+field+"-err"); got != want {
				t.Errorf("%s: error %q, want %q", field, got, want)
			}
		}
		if v, _ := doc.Find(`input[name="scopes"][value="checkins:write"]`).Attr("checked"); v != "checked" && doc.Find(`input[name="scopes"][value="checkins:write"][checked]`).Length() == 0 {
			t.Error("the ticked scope is not kept")
		}
		// An account that cannot check people in, in English.
		resp = c.post("/en/staff/admin/tokens", url.Values{"name": {"Device"}, "scopes": {"checkins:write"}, "user_id": {itoa(int(coach.ID))}, "rate_per_minute": {"60"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "coach account")
		if got := text(doc, "#f-user_id-err"); !strings.HasPrefix(got, "This account cannot check people in") {
			t.Errorf("coach account: %q", got)
		}
		if got := text(doc, "#f-name-err"); got != "" {
			t.Errorf("a good name got an error: %q", got)
		}
		// No scope, in Vietnamese.
		resp = c.post("/vi/staff/admin/tokens", url.Values{"name": {"Đối tác"}, "rate_per_minute": {"60"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "no scope")
		if got := text(doc, "#f-scopes-err"); got != "Vui lòng chọn ít nhất một quyền." {
			t.Errorf("no scope: %q", got)
		}
		var n int64
		db.Model(&apitoken.Token{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d tokens made by refused forms", n)
		}

		resp = c.post("/en/staff/admin/tokens", url.Values{"name": {"Trainer's phone"}, "scopes": {"checkins:write", "events:read"},
			"user_id": {itoa(int(trainer.ID))}, "rate_per_minute": {"120"}})
		doc = ta.parse(resp, http.StatusOK, "good form")
		secret, _ := doc.Find("#f-secret").Attr("value")
		if !strings.HasPrefix(secret, apitoken.SecretPrefix) || len(secret) < 40 {
			t.Fatalf("secret shown: %q", secret)
		}
		if !strings.Contains(text(doc, "pre.example"), "Bearer "+secret) {
			t.Errorf("the example does not use the secret: %q", text(doc, "pre.example"))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the page with the secret is cacheable: %q", cc)
		}
		var tok apitoken.Token
		if err := db.First(&tok).Error; err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(secret))
		if tok.SecretHash != hex.EncodeToString(sum[:]) || tok.Scopes != "events:read,checkins:write" || tok.UserID == nil || *tok.UserID != trainer.ID || tok.RatePerMinute != 120 {
			t.Errorf("stored token: %+v", tok)
		}
		// The secret is nowhere in the database: not in the token's row, not
		// in the audit log.
		var rows []map[string]any
		db.Raw("SELECT * FROM api_tokens").Scan(&rows)
		var audits []map[string]any
		db.Raw("SELECT * FROM audit_logs WHERE entity = ?", "api_token").Scan(&audits)
		if len(audits) != 1 {
			t.Errorf("%d audit entries for the creation", len(audits))
		}
		for _, r := range append(rows, audits...) {
			for k, v := range r {
				if strings.Contains(fmt.Sprint(v), secret[len(apitoken.SecretPrefix):]) {
					t.Errorf("the secret is stored in %s", k)
				}
			}
		}
		// The list shows it, and the detail page never shows the secret.
		doc = c.page("/en/staff/admin/tokens", http.StatusOK)
		if !strings.Contains(doc.Find("tbody").Text(), "Trainer's phone") || !strings.Contains(doc.Find("tbody").Text(), tok.Prefix) {
			t.Errorf("list: %q", doc.Find("tbody").Text())
		}
		resp = c.get("/en/staff/admin/tokens/" + itoa(int(tok.ID)))
		if b := bodyOf(t, resp); resp.StatusCode != http.StatusOK || strings.Contains(b, secret) {
			t.Errorf("detail page: %d, shows the secret: %v", resp.StatusCode, strings.Contains(b, secret))
		}
	})
}

// TestAPITokenAccess: a bearer token authenticates /api/v1 calls within its
// scopes; outside them 403; revoked or rotated 401; over its rate 429 with
// Retry-After; every call counted per day. Staff session cookies keep
// working for the pages' own calls.
func TestAPITokenAccess(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC) // 18:00 in Ho Chi Minh City
		ta.setNow(now)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		other := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		testutil.AssignTrainer(t, db, ev.ID, trainer.ID)
		reg := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})

		_, eventsKey := makeToken(t, db, admin.ID, apitoken.Input{Name: "site", Scopes: []string{"events:read"}}, now)
		indTok, indKey := makeToken(t, db, admin.ID, apitoken.Input{Name: "donor", Scopes: []string{"indicators:read"}}, now)
		devTok, devKey := makeToken(t, db, admin.ID, apitoken.Input{Name: "phone", Scopes: []string{"checkins:write"}, UserID: &trainer.ID}, now)
		anon := ta.client()
		evPath := "/api/v1/events/" + itoa(int(ev.ID))

		// Within the scopes.
		for _, call := range []struct{ key, path string }{
			{eventsKey, "/api/v1/events?lang=en"},
			{eventsKey, evPath + "?lang=fr"},
			{indKey, "/api/v1/indicators"},
			{indKey, evPath + "/knowledge-gain"},
			{devKey, evPath + "/roster?lang=vi"},
		} {
			if resp, out := anon.apiCall("GET", call.path, call.key, nil); resp.StatusCode != http.StatusOK || out == nil {
				t.Errorf("GET %s: %d %v", call.path, resp.StatusCode, out)
			}
		}
		// A check-in from the device: no CSRF token needed with a bearer token.
		resp, out := anon.apiCall("POST", evPath+"/checkins?lang=en", devKey, map[string]any{"checkins": []map[string]any{
			{"client_id": "device-0001", "registration_id": reg.ID, "at": now.Format(time.RFC3339)}}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("check-in by token: %d %v", resp.StatusCode, out)
		}
		if res := out["results"].([]any)[0].(map[string]any); res["status"] != "checked_in" {
			t.Errorf("check-in by token: %v", res)
		}
		var who struct{ CheckedInByID *uint }
		db.Raw("SELECT checked_in_by_id FROM attendances WHERE registration_id = ?", reg.ID).Scan(&who)
		if who.CheckedInByID == nil || *who.CheckedInByID != trainer.ID {
			t.Errorf("the check-in is not the token's account's: %v", who.CheckedInByID)
		}

		// Outside the scopes: 403 scope_missing, in the language asked for.
		for _, call := range []struct{ key, path, lang, want string }{
			{eventsKey, "/api/v1/indicators?lang=fr", "", "Ce jeton d'API ne permet pas cet appel (il lui faut la portée indicators:read)."},
			{indKey, "/api/v1/events", "en", "This API token does not allow this call (it needs the scope events:read)."},
			{devKey, evPath + "/knowledge-gain", "vi", "Mã truy cập API này không được phép thực hiện yêu cầu này (cần quyền indicators:read)."},
			{indKey, evPath + "/roster", "en-GB,en;q=0.9", "This API token does not allow this call (it needs the scope checkins:write)."},
		} {
			resp, out := anon.apiCall("GET", call.path, call.key, nil, "Accept-Language", call.lang)
			code, msg := apiErr(t, out)
			if resp.StatusCode != http.StatusForbidden || code != "scope_missing" || msg != call.want {
				t.Errorf("GET %s: %d %s %q", call.path, resp.StatusCode, code, msg)
			}
		}
		// The device acts as its trainer: another session is not theirs.
		resp, out = anon.apiCall("GET", "/api/v1/events/"+itoa(int(other.ID))+"/roster", devKey, nil)
		if code, _ := apiErr(t, out); resp.StatusCode != http.StatusForbidden || code != "not_assigned" {
			t.Errorf("roster of another session: %d %s", resp.StatusCode, code)
		}
		// A token wins over a session cookie: an admin's browser holding an
		// events token gets no indicators with it.
		admC := ta.client()
		admC.login(admin)
		if resp, out := admC.apiCall("GET", "/api/v1/indicators", eventsKey, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("token with an admin's cookie: %d %v", resp.StatusCode, out)
		}
		// Staff session cookies keep working for the pages' own calls.
		trC := ta.client()
		trC.login(trainer)
		if resp := trC.get(evPath + "/roster?lang=en"); resp.StatusCode != http.StatusOK {
			t.Errorf("roster with the session: %d", resp.StatusCode)
		}
		if resp := admC.get("/api/v1/indicators"); resp.StatusCode != http.StatusOK {
			t.Errorf("indicators with the session: %d", resp.StatusCode)
		}
		// No credentials at all: 403 login_required, as before tokens.
		resp, out = anon.apiCall("GET", "/api/v1/indicators", "", nil)
		if code, _ := apiErr(t, out); resp.StatusCode != http.StatusForbidden || code != "login_required" {
			t.Errorf("no credentials: %d %s", resp.StatusCode, code)
		}

		// Unknown tokens and other schemes: 401 with WWW-Authenticate.
		for _, h := range []string{"Bearer lnt_nothing", "Bearer " + strings.ToUpper(eventsKey), "Basic " + eventsKey, "Bearer"} {
			resp, out := anon.apiCall("GET", "/api/v1/events", "", nil, "Authorization", h)
			if code, _ := apiErr(t, out); resp.StatusCode != http.StatusUnauthorized || code != "token_invalid" ||
				!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%q: %d %s %q", h, resp.StatusCode, code, resp.Header.Get("WWW-Authenticate"))
			}
		}

		// Rotated in the back office: the old secret is refused, the new one works.
		resp = admC.post("/en/staff/admin/tokens/"+itoa(int(indTok.ID))+"/rotate", nil)
		doc := ta.parse(resp, http.StatusOK, "rotate")
		newKey, _ := doc.Find("#f-secret").Attr("value")
		if newKey == "" || newKey == indKey {
			t.Fatalf("rotation shows %q", newKey)
		}
		resp, out = anon.apiCall("GET", "/api/v1/indicators", indKey, nil)
		if code, _ := apiErr(t, out); resp.StatusCode != http.StatusUnauthorized || code != "token_invalid" {
			t.Errorf("old secret after rotation: %d %s", resp.StatusCode, code)
		}
		if resp, _ := anon.apiCall("GET", "/api/v1/indicators", newKey, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("new secret after rotation: %d", resp.StatusCode)
		}

		// Revoked in the back office: 401, and it cannot be rotated back.
		resp = admC.post("/en/staff/admin/tokens/"+itoa(int(devTok.ID))+"/revoke", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "flash=token_revoked") {
			t.Fatalf("revoke: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, out = anon.apiCall("GET", evPath+"/roster", devKey, nil)
		if code, _ := apiErr(t, out); resp.StatusCode != http.StatusUnauthorized || code != "token_invalid" {
			t.Errorf("revoked: %d %s", resp.StatusCode, code)
		}
		if resp := admC.post("/en/staff/admin/tokens/"+itoa(int(devTok.ID))+"/rotate", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("rotating a revoked token: %d", resp.StatusCode)
		}
		// A token whose account is deactivated is refused too.
		_, dev2 := makeToken(t, db, admin.ID, apitoken.Input{Name: "phone 2", Scopes: []string{"checkins:write"}, UserID: &trainer.ID}, now)
		db.Model(&user.User{}).Where("id = ?", trainer.ID).Update("active", false)
		if resp, _ := anon.apiCall("GET", evPath+"/roster", dev2, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token of a deactivated account: %d", resp.StatusCode)
		}
		// The audit log has the rotation and the revocation.
		var actions []string
		db.Raw("SELECT action FROM audit_logs WHERE entity = 'api_token' ORDER BY id").Scan(&actions)
		if strings.Join(actions, ",") != "create,create,create,rotate,revoke,create" {
			t.Errorf("audit: %v", actions)
		}
	})
}

// TestAPITokenRateLimitAndUse: a token over its limit answers 429 with
// Retry-After until its minute is over; every call is counted on its day,
// refused ones apart, and "last used" follows; nothing else is kept.
func TestAPITokenRateLimitAndUse(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 11, 0, 20, 0, time.UTC)
		ta.setNow(now)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		tok, key := makeToken(t, db, admin.ID, apitoken.Input{Name: "site", Scopes: []string{"events:read"}, RatePerMinute: 3}, now)
		_, other := makeToken(t, db, admin.ID, apitoken.Input{Name: "other", Scopes: []string{"events:read"}, RatePerMinute: 3}, now)
		c := ta.client()
		for i := 1; i <= 3; i++ {
			// The first call fills the page cache; the others are answered
			// from it, and still count.
			if resp, _ := c.apiCall("GET", "/api/v1/events?lang=en", key, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("call %d: %d", i, resp.StatusCode)
			}
		}
		resp, out := c.apiCall("GET", "/api/v1/events?lang=fr", key, nil)
		code, msg := apiErr(t, out)
		if resp.StatusCode != http.StatusTooManyRequests || code != "rate_limited" || !strings.Contains(msg, "3 par minute") {
			t.Fatalf("4th call: %d %s %q", resp.StatusCode, code, msg)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 41 {
			t.Errorf("Retry-After = %q, want the rest of the minute (40 s)", resp.Header.Get("Retry-After"))
		}
		// Another token has its own limit; anonymous calls are not limited by it.
		if resp, _ := c.apiCall("GET", "/api/v1/events?lang=en", other, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("another token: %d", resp.StatusCode)
		}
		if resp, _ := c.apiCall("GET", "/api/v1/events?lang=en", "", nil); resp.StatusCode != http.StatusOK {
			t.Errorf("anonymous: %d", resp.StatusCode)
		}
		// The next minute, the token works again.
		later := now.Add(time.Minute)
		ta.setNow(later)
		if resp, _ := c.apiCall("GET", "/api/v1/events?lang=en", key, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("next minute: %d", resp.StatusCode)
		}

		uses, err := apitoken.Uses(context.Background(), db, tok.ID, 30, later)
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 1 || uses[0].Day != "2026-11-25" || uses[0].Uses != 4 || uses[0].Limited != 1 {
			t.Errorf("uses = %+v, want 4 calls and 1 refused on 2026-11-25", uses)
		}
		got, _ := apitoken.Get(context.Background(), db, tok.ID)
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(later) {
			t.Errorf("last used = %v, want %v", got.LastUsedAt, later)
		}
		// Only counts are kept: no address, path, agent or query.
		cols, err := db.Migrator().ColumnTypes("api_token_uses")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.Name())
		}
		if strings.Join(names, ",") != "token_id,day,uses,limited,last_used_at" {
			t.Errorf("api_token_uses columns: %v", names)
		}
		// The admin sees it.
		admC := ta.client()
		admC.login(admin)
		doc := admC.page("/en/staff/admin/tokens/"+itoa(int(tok.ID)), http.StatusOK)
		var cells []string
		doc.Find("#h-uses").Parent().Find("tbody tr").First().Find("td").Each(func(_ int, td *goquery.Selection) {
			cells = append(cells, strings.TrimSpace(td.Text()))
		})
		if strings.Join(cells, " ") != "2026-11-25 4 1" {
			t.Errorf("usage row: %q", cells)
		}
		doc = admC.page("/en/staff/admin/tokens", http.StatusOK)
		row := doc.Find("tbody tr").FilterFunction(func(_ int, tr *goquery.Selection) bool { return strings.Contains(tr.Text(), "site") })
		if !strings.Contains(row.Text(), "refused over the limit: 1") {
			t.Errorf("list row: %q", row.Text())
		}
	})
}

// TestAPIErrorShape: every /api/v1 error has the one shape, whatever raised
// it (a handler, the router, a middleware), in the language of ?lang= or
// Accept-Language.
func TestAPIErrorShape(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		c := ta.client()
		for _, tc := range []struct {
			method, path, lang string
			status             int
			code, message      string
		}{
			{"GET", "/api/v1/events?lang=de", "fr", 422, "bad_lang", "La langue doit être l'une de vi, fr, en, fil, km, lo."},
			{"GET", "/api/v1/events?kind=nope&lang=en", "", 422, "bad_kind", "Unknown kind of event."},
			{"GET", "/api/v1/events/999999?lang=fr", "en", 404, "event_not_found", "Cet événement n'existe pas ou n'est plus publié."},
			{"GET", "/api/v1/nothing", "en", 404, "not_found", "This page does not exist."},
			{"GET", "/api/v1/indicators", "vi", 403, "login_required", "Vui lòng đăng nhập trước."},
			{"POST", "/api/v1/events/1/checkins", "en", 403, "csrf_invalid", "This form has expired. Please go back, reload the page and send it again."},
			{"POST", "/api/v1/sms/inbound", "en", 403, "sms_token_invalid", ""},
		} {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.lang != "" {
				req.Header.Set("Accept-Language", tc.lang)
			}
			resp := c.do(req)
			raw := bodyOf(t, resp)
			var out map[string]any
			if err := json.Unmarshal([]byte(raw), &out); err != nil {
				t.Errorf("%s %s: not JSON: %s", tc.method, tc.path, raw)
				continue
			}
			code, msg := apiErr(t, out)
			if resp.StatusCode != tc.status || code != tc.code || (tc.message != "" && msg != tc.message) {
				t.Errorf("%s %s: %d %s %q, want %d %s %q", tc.method, tc.path, resp.StatusCode, code, msg, tc.status, tc.code, tc.message)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
		}
	})
}
