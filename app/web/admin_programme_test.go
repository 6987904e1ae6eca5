package web

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func TestPartnersVenuesTargetsAreAudited(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		c := ta.client()
		c.login(admin)

		// Partner: Vietnamese name required, code unique.
		doc := ta.parse(c.post("/vi/staff/admin/partners", url.Values{"code": {"CTSE"}, "name_fr": {"Centre"}}), http.StatusUnprocessableEntity, "no vi name")
		if got := text(doc, "#f-name_vi-err"); got != "Vui lòng nhập Tên tiếng Việt." {
			t.Errorf("name_vi error = %q", got)
		}
		if doc.Find("#f-name_fr").AttrOr("value", "") != "Centre" {
			t.Errorf("input not kept")
		}
		partner := url.Values{"code": {"CTSE"}, "name_vi": {"Trung tâm Công tác xã hội Trẻ em"}, "name_en": {"Center for Social Work for Children"}, "active": {"true"}}
		if resp := c.post("/en/staff/admin/partners", partner); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("partner: %d", resp.StatusCode)
		}
		doc = ta.parse(c.post("/en/staff/admin/partners", partner), http.StatusUnprocessableEntity, "same code")
		if got := text(doc, "#f-code-err"); got != "This code is already used." {
			t.Errorf("code error = %q", got)
		}
		ps, _ := programme.Partners(t.Context(), db)
		if len(ps) != 1 || ps[0].Name["en"] != "Center for Social Work for Children" || ps[0].Name["fr"] != "" || !ps[0].Active {
			t.Fatalf("partners = %+v", ps)
		}
		partner.Set("name_fr", "Centre de travail social pour les enfants")
		partner.Del("active")
		c.post("/en/staff/admin/partners/"+itoa(int(ps[0].ID)), partner)
		p, _ := programme.GetPartner(t.Context(), db, ps[0].ID)
		if p.Name.String("fr") != "Centre de travail social pour les enfants" || p.Active {
			t.Errorf("partner after edit = %+v", p)
		}

		// Venue: a city is required.
		v := testutil.Venue(t, db)
		venue := url.Values{"code": {"GOVAP1"}, "name_vi": {"Nhà văn hóa Gò Vấp"}, "address": {"1 Quang Trung"}, "partner_id": {itoa(int(p.ID))}, "active": {"true"}}
		doc = ta.parse(c.post("/en/staff/admin/venues", venue), http.StatusUnprocessableEntity, "no city")
		if got := text(doc, "#f-city_id-err"); got != "City is required." {
			t.Errorf("city error = %q", got)
		}
		venue.Set("city_id", itoa(int(v.CityID)))
		venue.Set("partner_id", "99999")
		doc = ta.parse(c.post("/en/staff/admin/venues", venue), http.StatusUnprocessableEntity, "unknown partner")
		if got := text(doc, "#f-partner_id-err"); got != "Please choose a partner from the list." {
			t.Errorf("partner error = %q", got)
		}
		venue.Set("partner_id", itoa(int(p.ID)))
		if resp := c.post("/en/staff/admin/venues", venue); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("venue: %d", resp.StatusCode)
		}
		var nv event.Venue
		db.Where("code = ?", "GOVAP1").First(&nv)
		if nv.CityID != v.CityID || nv.PartnerID == nil || *nv.PartnerID != p.ID || nv.Address != "1 Quang Trung" {
			t.Errorf("venue = %+v", nv)
		}

		// Target: value, unit, period.
		target := url.Values{"code": {"film_debate_events"}, "name_vi": {"Buổi chiếu phim"}, "value": {"15"}, "unit": {"count"}, "period_start": {"2026-01-01"}, "period_end": {"2028-12-31"}}
		if resp := c.post("/en/staff/admin/targets", target); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("target: %d", resp.StatusCode)
		}
		ts, _ := programme.Targets(t.Context(), db)
		target.Set("value", "18")
		target.Set("period_end", "2025-12-31")
		doc = ta.parse(c.post("/en/staff/admin/targets/"+itoa(int(ts[0].ID)), target), http.StatusUnprocessableEntity, "period")
		if got := text(doc, "#f-period_end-err"); got != "The period must end after it starts." {
			t.Errorf("period error = %q", got)
		}
		target.Set("period_end", "2028-12-31")
		c.post("/en/staff/admin/targets/"+itoa(int(ts[0].ID)), target)
		tg, _ := programme.GetTarget(t.Context(), db, ts[0].ID)
		// Period days are local (Asia/Ho_Chi_Minh, UTC+7) midnights.
		if tg.Value != 18 || tg.PeriodStart.UTC().Format(time.RFC3339) != "2025-12-31T17:00:00Z" || tg.PeriodEnd.UTC().Format(time.RFC3339) != "2028-12-30T17:00:00Z" {
			t.Errorf("target = %+v", tg)
		}

		// Every change is in the audit log, shown to admins with before and after.
		var actions []string
		db.Model(&audit.Entry{}).Where("entity IN ?", []string{"partner", "venue", "target"}).Order("id").Pluck("action", &actions)
		if strings.Join(actions, ",") != "create,update,create,create,update" {
			t.Errorf("audit = %v", actions)
		}
		doc = c.page("/en/staff/admin/audit?entity=target", http.StatusOK)
		if got := doc.Find("ol.audit > li").Length(); got != 2 {
			t.Errorf("%d target entries shown, want 2", got)
		}
		doc2 := c.page("/en/staff/admin/targets/"+itoa(int(tg.ID))+"/edit", http.StatusOK)
		if doc2.Find("#f-period_start").AttrOr("value", "") != "2026-01-01" || doc2.Find("#f-period_end").AttrOr("value", "") != "2028-12-31" {
			t.Errorf("the form does not show the local days")
		}
		changed := doc.Find("tr.changed")
		if changed.Length() != 1 || !strings.Contains(changed.Text(), "15") || !strings.Contains(changed.Text(), "18") {
			t.Errorf("the change 15 → 18 is not shown: %q", changed.Text())
		}
		doc = c.page("/en/staff/admin/audit?entity=partner", http.StatusOK)
		var fields []string
		doc.Find("tr.changed th").Each(func(_ int, sel *goquery.Selection) {
			fields = append(fields, sel.Text()+"="+sel.AttrOr("title", ""))
		})
		if strings.Join(fields, ",") != "Active=active,Name (fr)=name.fr" {
			t.Errorf("partner changes shown = %v, want active and name.fr", fields)
		}
		doc = c.page("/en/staff/admin/audit?actor="+itoa(int(admin.ID))+"&from=2000-01-01&to=2000-01-02", http.StatusOK)
		if doc.Find("ol.audit > li.card").Length() != 0 {
			t.Errorf("the date filter does not filter")
		}
		// Organisers and trainers do not see it.
		for _, r := range []user.Role{user.RoleOrganiser, user.RoleTrainer} {
			o := ta.client()
			o.login(testutil.Staff(t, db, r))
			if resp := o.get("/en/staff/admin/audit"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s sees the audit log: %d", r, resp.StatusCode)
			}
		}
	})
}

func TestAuditLogPages(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	ta := newTestApp(t, db)
	admin := testutil.Staff(t, db, user.RoleAdmin)
	for i := 0; i < 120; i++ {
		if err := audit.Record(db, admin.ID, "update", "thing", itoa(i), nil, map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	c := ta.client()
	c.login(admin)
	doc := c.page("/en/staff/admin/audit?entity=thing&page=3", http.StatusOK)
	if got := doc.Find("ol.audit > li.card").Length(); got != 20 {
		t.Errorf("page 3 has %d entries, want 20", got)
	}
	if got := text(doc, ".pager .pageno"); got != "3 / 3" {
		t.Errorf("pager = %q", got)
	}
	if href := doc.Find(".pager a").First().AttrOr("href", ""); href != "/en/staff/admin/audit?entity=thing&page=2" {
		t.Errorf("previous = %q", href)
	}
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	ta := newTestAppWith(t, db, func(cfg *config.Config) { cfg.CookieSecure = true })
	u := testutil.Staff(t, db, user.RoleAdmin)
	c := ta.client()
	resp := c.get("/en/login")
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", h)
	}
	secure := func(resp *http.Response) {
		t.Helper()
		for _, ck := range resp.Cookies() {
			if !ck.Secure || !ck.HttpOnly || ck.SameSite == http.SameSiteNoneMode {
				t.Errorf("cookie %s: Secure=%v HttpOnly=%v SameSite=%v", ck.Name, ck.Secure, ck.HttpOnly, ck.SameSite)
			}
		}
	}
	secure(resp)
	resp = c.post("/en/login", url.Values{"email": {u.Email}, "password": {testutil.DefaultPassword}})
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	secure(resp)
	resp = c.get("/en/staff/admin/accounts")
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("staff pages must not be cached: %q", resp.Header.Get("Cache-Control"))
	}
}

func TestBodyLimitIsTranslated(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	ta := newTestApp(t, db)
	// fasthttp answers an oversized body before any handler runs, and
	// app.Test does not return that answer: use a real listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ta.app.Listener(ln)
	t.Cleanup(func() { _ = ta.app.Shutdown() })
	for lang, want := range map[string]string{"vi": "Nội dung bạn gửi quá lớn.", "fr": "Ce que vous avez envoyé est trop volumineux."} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /%s/login HTTP/1.1\r\nHost: lantern.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nemail=", lang, 3<<20)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		doc := ta.parse(resp, http.StatusRequestEntityTooLarge, lang)
		if got := text(doc, "h1"); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		conn.Close()
	}
}

// TestAdminMessagesBuiltAtRunTime checks the message IDs composed in
// templates (roles, units, audit actions) exist in every language.
func TestAdminMessagesBuiltAtRunTime(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	ta := newTestApp(t, db)
	var ids []string
	for _, r := range user.AllRoles {
		ids = append(ids, "account.role."+string(r), "account.role_help."+string(r))
	}
	for _, u := range programme.Units {
		ids = append(ids, "targets.unit."+u)
	}
	for _, a := range []string{"create", "update", "deactivate", "reactivate", "password_link", "password_set", "password_change", "export", "erase", "retention", "publish"} {
		ids = append(ids, "audit.action."+a)
	}
	for _, l := range locale.Supported {
		for _, id := range ids {
			if !ta.srv.bundle.IDs(l)[id] {
				t.Errorf("%s: %s missing", l, id)
			}
		}
	}
}
