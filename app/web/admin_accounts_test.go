package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/config"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// newTestAppWith is newTestApp with a changed configuration.
func newTestAppWith(t testing.TB, db *gorm.DB, change func(*config.Config)) *testApp {
	t.Helper()
	cfg := testConfig(t)
	change(cfg)
	srv, err := New(Options{Config: cfg, DB: db, Assets: lantern.Assets,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, srv: srv, app: srv.App(), db: db}
}

var linkRE = regexp.MustCompile(`^http://lantern\.test/(vi|fr|en)(/set-password/[A-Za-z0-9_-]{20,})$`)

// createAccount posts the new-account form as admin c and returns the account.
func createAccount(t *testing.T, ta *testApp, c *client, form url.Values) *user.User {
	t.Helper()
	resp := c.post("/en/staff/admin/accounts", form)
	if resp.StatusCode != http.StatusSeeOther {
		ta.parse(resp, http.StatusSeeOther, "create account")
	}
	var u user.User
	if err := ta.db.Where("email = ?", strings.ToLower(form.Get("email"))).First(&u).Error; err != nil {
		t.Fatal(err)
	}
	if want := "/en/staff/admin/accounts/" + itoa(int(u.ID)) + "/edit?flash=account_created"; resp.Header.Get("Location") != want {
		t.Errorf("after create: Location %q, want %q", resp.Header.Get("Location"), want)
	}
	return &u
}

// makeLink asks for a set-password link and returns its path (/vi/set-password/…).
func makeLink(t *testing.T, ta *testApp, c *client, id uint, sms bool) string {
	t.Helper()
	form := url.Values{}
	if sms {
		form.Set("sms", "1")
	}
	doc := ta.parse(c.post("/en/staff/admin/accounts/"+itoa(int(id))+"/link", form), http.StatusOK, "make link")
	link := doc.Find("#link").AttrOr("value", "")
	m := linkRE.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("link %q is not a set-password link", link)
	}
	return "/" + m[1] + m[2]
}

func TestAccountsCreateEditAndSetPasswordLink(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		coach := testutil.Staff(t, db, user.RoleCoach)
		c := ta.client()
		c.login(admin)

		// A forged CSRF token is refused, even for a signed-in admin.
		forged := url.Values{"name": {"X"}, "email": {"forged@lantern.test"}, "lang": {"en"}, "roles": {"admin"}, "_csrf": {"forged"}}
		if resp := c.post("/en/staff/admin/accounts", forged); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged CSRF: %d", resp.StatusCode)
		}
		var forgedN int64
		db.Model(&user.User{}).Where("email = ?", "forged@lantern.test").Count(&forgedN)
		if forgedN != 0 {
			t.Errorf("an account was created without a valid CSRF token")
		}
		// No role ticked: the form comes back with the input kept and the message.
		form := url.Values{"name": {"Trần Thị  Mai"}, "email": {"Mai.Tran@Lantern.test"}, "lang": {"vi"}, "phone": {"0912 345 678"}}
		doc := ta.parse(c.post("/en/staff/admin/accounts", form), http.StatusUnprocessableEntity, "no role")
		if got := text(doc, "#f-roles-err"); got != "Please tick at least one role." {
			t.Errorf("roles error = %q", got)
		}
		if got := doc.Find("#f-name").AttrOr("value", ""); got != "Trần Thị Mai" {
			t.Errorf("name not kept: %q", got)
		}
		// A bad phone number is refused next to the field.
		bad := url.Values{"name": {"X"}, "email": {"x@lantern.test"}, "lang": {"en"}, "roles": {"trainer"}, "phone": {"12345"}}
		doc = ta.parse(c.post("/en/staff/admin/accounts", bad), http.StatusUnprocessableEntity, "bad phone")
		if got := text(doc, "#f-phone-err"); !strings.Contains(got, "not a valid mobile number") {
			t.Errorf("phone error = %q", got)
		}

		form["roles"] = []string{"organiser", "trainer"}
		form.Set("coach_id", itoa(int(coach.ID)))
		u := createAccount(t, ta, c, form)
		if u.Name != "Trần Thị Mai" || u.Email != "mai.tran@lantern.test" || u.Roles != "organiser,trainer" ||
			u.Phone != "+84912345678" || u.Lang != "vi" || u.PasswordHash != "" || !u.Active || u.CoachID == nil || *u.CoachID != coach.ID {
			t.Errorf("account = %+v", u)
		}
		doc = c.page("/en/staff/admin/accounts", http.StatusOK)
		if !strings.Contains(text(doc, "main"), "Coach: "+coach.Name) {
			t.Errorf("the list does not show the coach")
		}
		// The same e-mail again is refused on the e-mail field.
		doc = ta.parse(c.post("/en/staff/admin/accounts", form), http.StatusUnprocessableEntity, "duplicate")
		if got := text(doc, "#f-email-err"); got != "An account with this e-mail address already exists." {
			t.Errorf("duplicate error = %q", got)
		}

		// Edit: new name and roles; a coach that is not a coach is refused.
		edit := url.Values{"name": {"Trần Thị Mai Anh"}, "email": {u.Email}, "lang": {"fr"}, "roles": {"trainer"}, "coach_id": {itoa(int(admin.ID))}}
		doc = ta.parse(c.post("/en/staff/admin/accounts/"+itoa(int(u.ID)), edit), http.StatusUnprocessableEntity, "bad coach")
		if got := text(doc, "#f-coach_id-err"); got != "Please choose an active coach." {
			t.Errorf("coach error = %q", got)
		}
		edit.Set("coach_id", "")
		if resp := c.post("/en/staff/admin/accounts/"+itoa(int(u.ID)), edit); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d", resp.StatusCode)
		}
		got, _ := user.Get(t.Context(), db, u.ID)
		if got.Name != "Trần Thị Mai Anh" || got.Roles != "trainer" || got.Lang != "fr" || got.Phone != "" || got.CoachID != nil {
			t.Errorf("after edit: %+v", got)
		}
		doc = c.page("/en/staff/admin/accounts", http.StatusOK)
		if !strings.Contains(doc.Find("main").Text(), "Trần Thị Mai Anh") || !strings.Contains(doc.Find("main").Text(), "Active — password not set yet") {
			t.Errorf("the list does not show the account")
		}

		// Audit: create and update, with no secret in them.
		var entries []audit.Entry
		db.Where("entity = ? AND entity_id = ?", "user", itoa(int(u.ID))).Order("id").Find(&entries)
		if len(entries) != 2 || entries[0].Action != "create" || entries[1].Action != "update" || *entries[1].ActorID != admin.ID {
			t.Fatalf("audit = %+v", entries)
		}
		if !strings.Contains(entries[1].Before, `"name":"Trần Thị Mai"`) || !strings.Contains(entries[1].After, `"name":"Trần Thị Mai Anh"`) {
			t.Errorf("audit before/after = %s / %s", entries[1].Before, entries[1].After)
		}

		// Set-password link, with the SMS queued to the staff member's phone.
		edit.Set("phone", "+84 912 345 678")
		c.post("/en/staff/admin/accounts/"+itoa(int(u.ID)), edit)
		link := makeLink(t, ta, c, u.ID, true)
		if !strings.HasPrefix(link, "/fr/") {
			t.Errorf("the link must open in the staff member's language: %s", link)
		}
		token := link[strings.LastIndex(link, "/")+1:]
		var sms []message.Message
		db.Where("kind = ?", "staff_password_link").Find(&sms)
		if len(sms) != 1 || sms[0].To != "+84912345678" || !strings.Contains(sms[0].Body, token) || !strings.HasPrefix(sms[0].Body, "Lantern : choisissez") {
			t.Errorf("sms = %+v", sms)
		}
		var pt user.PasswordToken
		db.Where("user_id = ?", u.ID).First(&pt)
		if pt.TokenHash == "" || pt.TokenHash == token {
			t.Errorf("the token must be stored hashed")
		}
		var n int64
		db.Model(&audit.Entry{}).Where("entity = 'user' AND (\"before\" LIKE ? OR \"after\" LIKE ? OR \"after\" LIKE ?)", "%"+token+"%", "%"+token+"%", "%password_hash%").Count(&n)
		if n != 0 {
			t.Errorf("a secret reached the audit log")
		}

		// The person opens the link.
		p := ta.client()
		doc = p.page(link, http.StatusOK)
		if !strings.Contains(text(doc, "main"), u.Email) {
			t.Errorf("the page does not say which account")
		}
		// Weak, mismatched: translated messages (French link).
		doc = ta.parse(p.post(link, url.Values{"password": {"court"}, "confirm": {"court"}}), http.StatusUnprocessableEntity, "weak")
		if got := text(doc, "#f-password-err"); got != "Le mot de passe doit comporter au moins 10 caractères." {
			t.Errorf("weak = %q", got)
		}
		doc = ta.parse(p.post(link, url.Values{"password": {"mai.tran-2026-ok"}, "confirm": {"x"}}), http.StatusUnprocessableEntity, "mismatch")
		if got := text(doc, "#f-confirm-err"); got != "Les deux mots de passe ne sont pas identiques." {
			t.Errorf("mismatch = %q", got)
		}
		doc = ta.parse(p.post(link, url.Values{"password": {"xx-mai.tran-xx"}, "confirm": {"xx-mai.tran-xx"}}), http.StatusUnprocessableEntity, "contains email")
		if got := text(doc, "#f-password-err"); got != "Le mot de passe ne doit pas contenir votre adresse e-mail." {
			t.Errorf("contains e-mail = %q", got)
		}
		const pw = "bến thuyền 2026 mưa"
		resp := p.post(link, url.Values{"password": {pw}, "confirm": {pw}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/staff/?flash=account_password_set" {
			t.Fatalf("set password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		p.page("/fr/staff/", http.StatusOK)
		// Single use.
		doc = ta.parse(ta.client().get(link), http.StatusNotFound, "used link")
		if !strings.Contains(text(doc, "h1"), "ne fonctionne plus") {
			t.Errorf("used link message = %q", text(doc, "h1"))
		}
		if resp := ta.client().post(link, url.Values{"password": {"another-good-pass"}, "confirm": {"another-good-pass"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a used link set a password again: %d", resp.StatusCode)
		}
		// The new password signs in.
		l := ta.client()
		if resp := l.post("/en/login", url.Values{"email": {u.Email}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("login with the new password: %d", resp.StatusCode)
		}

		// Expiry: a link older than 72 hours no longer works; a newer link replaces an older one.
		old := makeLink(t, ta, c, u.ID, false)
		newer := makeLink(t, ta, c, u.ID, false)
		if resp := ta.client().get(old); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a replaced link still works: %d", resp.StatusCode)
		}
		ta.setNow(time.Now().UTC().Add(73 * time.Hour))
		if resp := ta.client().get(newer); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an expired link still works: %d", resp.StatusCode)
		}
	})
}

func TestDeactivationEndsSessions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		a, o1, o2 := ta.client(), ta.client(), ta.client()
		a.login(admin)
		o1.login(org)
		o2.login(org)
		o1.page("/en/staff/", http.StatusOK)

		resp := a.post("/en/staff/admin/accounts/"+itoa(int(org.ID))+"/active", url.Values{"active": {"false"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/en/staff/admin/accounts?flash=account_deactivated" {
			t.Fatalf("deactivate: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		for i, cl := range []*client{o1, o2} {
			if resp := cl.get("/en/staff/"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/en/login") {
				t.Errorf("session %d still works after deactivation: %d", i+1, resp.StatusCode)
			}
		}
		var n int64
		db.Model(&user.Session{}).Where("user_id = ?", org.ID).Count(&n)
		if n != 0 {
			t.Errorf("%d sessions left", n)
		}
		if resp := ta.client().post("/en/login", url.Values{"email": {org.Email}, "password": {testutil.DefaultPassword}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a deactivated account signed in: %d", resp.StatusCode)
		}
		// An admin cannot lock themselves out.
		doc := ta.parse(a.post("/en/staff/admin/accounts/"+itoa(int(admin.ID))+"/active", url.Values{"active": {"false"}}), http.StatusUnprocessableEntity, "self")
		if got := text(doc, "h1"); got != "You cannot deactivate your own account." {
			t.Errorf("self deactivation: %q", got)
		}
		// Reactivation.
		a.post("/en/staff/admin/accounts/"+itoa(int(org.ID))+"/active", url.Values{"active": {"true"}})
		ta.client().login(org)
		var actions []string
		db.Model(&audit.Entry{}).Where("entity = 'user' AND entity_id = ?", itoa(int(org.ID))).Order("id").Pluck("action", &actions)
		if strings.Join(actions, ",") != "deactivate,reactivate" {
			t.Errorf("audit actions = %v", actions)
		}
	})
}

func TestProfileLanguageAndPassword(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		tr := testutil.Staff(t, db, user.RoleTrainer)
		c, other := ta.client(), ta.client()
		c.login(tr)
		other.login(tr)
		doc := c.page("/en/staff/profile", http.StatusOK)
		if doc.Find(`#f-lang option[selected]`).AttrOr("value", "") != "en" {
			t.Errorf("the current language is not selected")
		}
		resp := c.post("/en/staff/profile/lang", url.Values{"lang": {"fr"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/staff/profile?flash=account_lang_saved" {
			t.Fatalf("lang: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp := c.post("/en/staff/profile/lang", url.Values{"lang": {"de"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("unknown language accepted: %d", resp.StatusCode)
		}
		// After sign-in, staff work in their own language.
		l := ta.client()
		resp = l.post("/en/login", url.Values{"email": {tr.Email}, "password": {testutil.DefaultPassword}, "next": {"/en/staff/profile"}})
		if resp.Header.Get("Location") != "/fr/staff/profile" {
			t.Errorf("after login: %s", resp.Header.Get("Location"))
		}

		// Password change: wrong current one, weak new one, then a good one.
		doc = ta.parse(c.post("/fr/staff/profile/password", url.Values{"current": {"nope-nope-nope"}, "password": {"new-password-2026"}, "confirm": {"new-password-2026"}}), http.StatusUnprocessableEntity, "wrong current")
		if got := text(doc, "#f-current-err"); got != "Le mot de passe actuel est incorrect." {
			t.Errorf("wrong current = %q", got)
		}
		doc = ta.parse(c.post("/fr/staff/profile/password", url.Values{"current": {testutil.DefaultPassword}, "password": {"aaaaaaaaaaaa"}, "confirm": {"aaaaaaaaaaaa"}}), http.StatusUnprocessableEntity, "weak")
		if got := text(doc, "#f-password-err"); got != "Le mot de passe est trop simple : utilisez des caractères plus variés." {
			t.Errorf("weak = %q", got)
		}
		resp = c.post("/fr/staff/profile/password", url.Values{"current": {testutil.DefaultPassword}, "password": {"new-password-2026"}, "confirm": {"new-password-2026"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change: %d", resp.StatusCode)
		}
		c.page("/fr/staff/profile?flash=account_password_changed", http.StatusOK)
		if resp := other.get("/fr/staff/"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("another session survived the password change: %d", resp.StatusCode)
		}
		if resp := ta.client().post("/en/login", url.Values{"email": {tr.Email}, "password": {"new-password-2026"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the new password does not sign in: %d", resp.StatusCode)
		}
	})
}

func TestSessionIdleTimeoutAndMenu(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		a, o := ta.client(), ta.client()
		a.login(admin)
		o.login(org)

		// The back-office menu shows admin links to admins only; everyone has a profile.
		doc := a.page("/en/staff/", http.StatusOK)
		if doc.Find(`.menu a[href="/en/staff/admin/accounts"]`).Length() != 1 || doc.Find(`a[href="/en/staff/admin/audit"]`).Length() != 1 {
			t.Errorf("admin menu lacks links")
		}
		doc = o.page("/en/staff/", http.StatusOK)
		if doc.Find(`a[href^="/en/staff/admin/"]`).Length() != 0 || doc.Find(`a[href="/en/staff/profile"]`).Length() != 1 {
			t.Errorf("organiser menu is wrong")
		}

		// Idle longer than SESSION_IDLE (2 h by default): the session ends.
		ta.setNow(time.Now().UTC().Add(ta.srv.cfg.SessionIdle + time.Minute))
		if resp := a.get("/en/staff/"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("an idle session still works: %d", resp.StatusCode)
		}
		var n int64
		db.Model(&user.Session{}).Where("user_id = ?", admin.ID).Count(&n)
		if n != 0 {
			t.Errorf("the idle session was not deleted")
		}
	})
}

func TestSafeNextRefusesOtherSites(t *testing.T) {
	for in, want := range map[string]string{
		"/en/staff/admin/audit":      "/en/staff/admin/audit",
		"/vi/staff/?flash=x":         "/vi/staff/?flash=x",
		"//evil.example/":            "",
		"/\t/evil.example/":          "",
		"/\\evil.example":            "",
		"https://evil.example/vi/x":  "",
		"/vi/staff/\r\nSet-Cookie:x": "",
		"/ /evil.example":            "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
