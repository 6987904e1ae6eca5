package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// routeAccess says who may use the routes under a path prefix. Paths are
// written as registered (after /{lang} for pages, whole for /api/v1), params
// included (":id<int>"); the longest matching prefix wins. A prefix matches
// the route itself and everything below it ("/staff/admin" covers
// "/staff/admin/audit"); Exact entries match only themselves.
type routeAccess struct {
	Prefix string
	Exact  bool
	Roles  []user.Role
	// Public routes need no session (the public API; webhooks that check
	// their own shared secret). They are listed so that nothing is unknown.
	Public bool
	// NoFixture: the route's id names a row the matrix does not make (a
	// quiz, a coaching session …), so an allowed GET may answer 404; the
	// refusals are still checked.
	NoFixture bool
	// Also lists other statuses an allowed GET may answer with the fixtures.
	Also []int
}

var (
	everyRole  = user.AllRoles
	adminOnly  = []user.Role{user.RoleAdmin}
	organisers = []user.Role{user.RoleOrganiser, user.RoleAdmin}
	fieldStaff = []user.Role{user.RoleTrainer, user.RoleOrganiser, user.RoleAdmin}
	coaches    = []user.Role{user.RoleCoach, user.RoleOrganiser, user.RoleAdmin}
)

// roleMatrix is the table every staff route must appear in. When you add a
// staff route, add its prefix here with the roles that may use it.
var roleMatrix = []routeAccess{
	// Public JSON API, and webhooks that check their own shared secret.
	{Prefix: "/api/v1/events", Exact: true, Public: true},
	{Prefix: "/api/v1/events/:id<int>", Exact: true, Public: true},
	{Prefix: "/api/v1/sms/inbound", Public: true},
	{Prefix: "/api/v1/sms/reports", Public: true}, // the gateway's shared secret: TestSMSDeliveryReports
	{Prefix: "/api/v1/zalo/events", Public: true}, // signed by Zalo: TestZaloWebhook
	// The API's OpenAPI document (issue 19).
	{Prefix: "/api/v1/openapi.json", Public: true},
	// JSON API behind the session: check-in devices (issue 5), knowledge gain (issue 6).
	{Prefix: "/api/v1/events/:id<int>/roster", Roles: fieldStaff},
	{Prefix: "/api/v1/events/:id<int>/checkins", Roles: fieldStaff},
	{Prefix: "/api/v1/events/:id<int>/knowledge-gain", Roles: fieldStaff},

	// Back-office home: every signed-in role.
	{Prefix: "/staff/", Exact: true, Roles: everyRole},
	// Accounts, programme set-up, audit, personal data (issue 4).
	{Prefix: "/staff/profile", Roles: everyRole},
	{Prefix: "/staff/admin", Roles: adminOnly},
	// API tokens (issue 19): the matrix makes no token.
	{Prefix: "/staff/admin/tokens/:id<int>", Roles: adminOnly, NoFixture: true},
	// Webhooks (issue 19): the matrix makes no endpoint.
	{Prefix: "/staff/admin/webhooks/:id<int>", Roles: adminOnly, NoFixture: true},
	// DHIS2 mapping, dry run and push (issue 19): admins only.
	{Prefix: "/staff/admin/dhis2", Roles: adminOnly},
	// Zalo templates per message kind and language (issue 15): admins only.
	{Prefix: "/staff/admin/zalo-templates", Roles: adminOnly},
	// Event management, registrations, schedule, plan (issue 4, events area).
	{Prefix: "/staff/events", Roles: organisers},
	// Import of an invitation list (CSV) into an event: upload, preview, confirm, template.
	{Prefix: "/staff/events/:id<int>/registrations/import", Roles: organisers},
	{Prefix: "/staff/schedule", Roles: organisers},
	{Prefix: "/staff/plan", Roles: organisers},
	// SMS outbox (issue 3).
	{Prefix: "/staff/messages", Roles: organisers},
	// Attendance and check-in (issue 5): trainers reach their own sessions.
	{Prefix: "/trainer", Roles: fieldStaff},
	{Prefix: "/staff/events/checkin-sw.js", Roles: fieldStaff},
	{Prefix: "/staff/events/:id<int>/checkin", Roles: fieldStaff},
	{Prefix: "/staff/events/:id<int>/sheet", Roles: fieldStaff},
	{Prefix: "/staff/events/:id<int>/attendance", Roles: fieldStaff},
	// Certificates exist once the session has ended; the fixture event is upcoming.
	{Prefix: "/staff/events/:id<int>/attendance/certificates", Roles: fieldStaff, Also: []int{http.StatusUnprocessableEntity}},
	// Quizzes and knowledge gain (issue 6).
	{Prefix: "/staff/quizzes", Roles: organisers, NoFixture: true},
	{Prefix: "/staff/knowledge-gain", Roles: organisers},
	{Prefix: "/staff/quiz-sessions", Roles: fieldStaff},
	{Prefix: "/staff/events/:id<int>/quizzes", Roles: organisers},
	{Prefix: "/staff/events/:id<int>/quiz-entry", Roles: fieldStaff},
	{Prefix: "/staff/events/:id<int>/knowledge-gain", Roles: fieldStaff},
	// The trainers of a session send the post-quiz link to those who attended
	// (an empty form is refused with 422).
	{Prefix: "/staff/events/:id<int>/quiz-sms", Roles: fieldStaff, Also: []int{http.StatusUnprocessableEntity}},
	// Session reports and coaching (issue 7).
	// Every role passes the route check; the handlers check the object (the
	// assigned trainer, the coach of that trainer, organisers and admins).
	{Prefix: "/staff/events/:id<int>/report", Roles: everyRole},
	{Prefix: "/staff/events/:id<int>/report/remind", Roles: organisers},
	{Prefix: "/staff/reports/missing", Roles: organisers},
	{Prefix: "/staff/reports/mine", Roles: everyRole},
	{Prefix: "/staff/coaching", Exact: true, Roles: coaches},
	{Prefix: "/staff/coaching/me", Roles: everyRole},
	// A coachee reads their own record; the handlers check the object.
	{Prefix: "/staff/coaching/coachees", Roles: everyRole},
	{Prefix: "/staff/coaching/coachees/:id<int>/sessions", Roles: coaches},
	{Prefix: "/staff/coaching/sessions", Roles: everyRole, NoFixture: true},
	{Prefix: "/staff/coaching/action-points", Roles: everyRole, NoFixture: true},
	{Prefix: "/staff/coaching/figures", Roles: organisers},
	{Prefix: "/staff/coaching/figures.csv", Roles: organisers},
	{Prefix: "/staff/coaching/figures.xlsx", Roles: organisers},
	{Prefix: "/staff/competencies", Roles: adminOnly, NoFixture: true},
	// Programme dashboard, exports, donor report and indicators API (issue 8).
	{Prefix: "/staff/dashboard", Roles: organisers},
	{Prefix: "/staff/dashboard/export/:dataset.:format", Roles: organisers, NoFixture: true},
	{Prefix: "/api/v1/indicators", Roles: organisers},
}

// accessFor returns the matrix entry of a route path.
func accessFor(path string) (routeAccess, bool) {
	var best routeAccess
	found := false
	for _, a := range roleMatrix {
		match := path == a.Prefix
		if !a.Exact && !match {
			match = strings.HasPrefix(path, strings.TrimSuffix(a.Prefix, "/")+"/")
		}
		if match && (!found || len(a.Prefix) > len(best.Prefix)) {
			best, found = a, true
		}
	}
	return best, found
}

func (a routeAccess) allows(r user.Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// fixtures are the rows whose ids replace route params.
type fixtures struct {
	event, venue, partner, target, user, registration uint
	code                                              string
}

func makeFixtures(t *testing.T, db *gorm.DB, trainer, coach *user.User) fixtures {
	t.Helper()
	if err := db.Model(&user.User{}).Where("id = ?", trainer.ID).Update("coach_id", coach.ID).Error; err != nil {
		t.Fatal(err)
	}
	e := testutil.Event(t, db, testutil.EventOpts{})
	testutil.AssignTrainer(t, db, e.ID, trainer.ID)
	r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
	p := event.Partner{Code: "RMX", Name: content.Text{"vi": "Đối tác"}, Description: content.Text{}, Active: true}
	if err := db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	tg := programme.Target{Code: "rmx", Name: content.Text{"vi": "Chỉ tiêu"}, Value: 1, Unit: "count", PeriodStart: e.StartsAt, PeriodEnd: e.EndsAt}
	if err := db.Create(&tg).Error; err != nil {
		t.Fatal(err)
	}
	return fixtures{event: e.ID, venue: e.VenueID, partner: p.ID, target: tg.ID, user: trainer.ID, registration: r.ID, code: r.Code}
}

var paramRE = regexp.MustCompile(`:([A-Za-z0-9_]+)(<[^>]*>)?\??`)

// fill replaces a route's params with real ids: the segment before a param
// says what it names (accounts → a user, partners → a partner, …).
func (f fixtures) fill(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		m := paramRE.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		var v string
		switch {
		case m[1] == "code":
			v = f.code
		case m[1] == "phase":
			v = "pre"
		case m[1] == "rid":
			v = fmt.Sprint(f.registration)
		case m[1] == "kind": // a message kind (Zalo templates)
			v = "confirmation"
		case m[1] == "tl": // a template's language, or "any"
			v = "vi"
		case prev == "accounts" || prev == "users" || prev == "coachees":
			// The trainer, whose coach is the coach of the matrix.
			v = fmt.Sprint(f.user)
		case prev == "partners":
			v = fmt.Sprint(f.partner)
		case prev == "venues":
			v = fmt.Sprint(f.venue)
		case prev == "targets":
			v = fmt.Sprint(f.target)
		case prev == "countries":
			v = "KH"
		case prev == "registrations":
			v = fmt.Sprint(f.registration)
		default:
			v = fmt.Sprint(f.event)
		}
		segs[i] = paramRE.ReplaceAllString(s, v)
	}
	return strings.Join(segs, "/")
}

// TestRoleMatrix walks every staff route (pages under /{lang}/staff and
// /{lang}/trainer, and the /api/v1 routes) with no session, with each
// role, and with an organiser of the fixtures' country and one of another
// country (role × scope × route), and checks the answer against roleMatrix: a GET a role may use
// answers 200 or a redirect; a forbidden role gets 403; no session is sent
// to the login page (403 for the API). POSTs are only sent where they must
// be refused, so the walk changes nothing.
func TestRoleMatrix(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		clients := map[user.Role]*client{}
		staff := map[user.Role]*user.User{}
		for _, r := range user.AllRoles {
			u := testutil.Staff(t, db, r)
			staff[r] = u
			c := ta.client()
			c.login(u)
			clients[r] = c
		}
		anon := ta.client()
		fx := makeFixtures(t, db, staff[user.RoleTrainer], staff[user.RoleCoach])
		// Scopes (issue 20): the fixtures are Vietnam's (the trainer, a
		// coachee, works there); one organiser works in Vietnam, another in
		// Cambodia only.
		if err := db.Model(&user.User{}).Where("id = ?", fx.user).Update("scope_country", "VN").Error; err != nil {
			t.Fatal(err)
		}
		scoped := map[string]*client{}
		for _, cc := range []string{"VN", "KH"} {
			u := testutil.Staff(t, db, user.RoleOrganiser)
			if err := db.Model(u).Update("scope_country", cc).Error; err != nil {
				t.Fatal(err)
			}
			scoped[cc] = ta.client()
			scoped[cc].login(u)
		}

		type route struct{ method, path, rel, lang string }
		var routes []route
		for _, r := range ta.app.GetRoutes(true) {
			if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodPut &&
				r.Method != http.MethodPatch && r.Method != http.MethodDelete {
				continue
			}
			rel, lang := r.Path, ""
			for _, l := range locale.Supported {
				if strings.HasPrefix(r.Path, "/"+l+"/") {
					rel, lang = r.Path[len(l)+1:], l
				}
			}
			staffish := strings.HasPrefix(rel, "/staff") || strings.HasPrefix(rel, "/trainer")
			if lang == "" {
				staffish = strings.HasPrefix(r.Path, "/api/v1/")
			}
			if staffish {
				routes = append(routes, route{r.Method, r.Path, rel, lang})
			}
		}
		sort.Slice(routes, func(i, j int) bool { return routes[i].path+routes[i].method < routes[j].path+routes[j].method })
		if len(routes) < 30 {
			t.Fatalf("only %d staff routes found: the walk is broken", len(routes))
		}

		send := func(c *client, method, path string) *http.Response {
			if method == http.MethodGet {
				return c.get(path)
			}
			// Form methods other than POST travel as POST with the same CSRF token.
			return c.post(path, url.Values{})
		}
		for _, rt := range routes {
			acc, ok := accessFor(rt.rel)
			if !ok {
				t.Errorf("add %s %s to the role matrix (app/web/roles_test.go)", rt.method, rt.rel)
				continue
			}
			if acc.Public {
				continue
			}
			path := fx.fill(rt.path)
			api := rt.lang == ""
			if rt.method != http.MethodGet && rt.method != http.MethodPost {
				continue // not reachable from HTML forms; the lead adds checks if such routes appear
			}
			// No session.
			resp := send(anon, rt.method, path)
			switch {
			case api && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s without session: %d, want 403", rt.method, path, resp.StatusCode)
			case !api && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/"+rt.lang+"/login")):
				t.Errorf("%s %s without session: %d %s, want 303 to the login page", rt.method, path, resp.StatusCode, resp.Header.Get("Location"))
			}
			// The organiser of the fixtures' country passes where organisers
			// do; the organiser of another country is refused every page,
			// form and export about the fixtures' session or coachee, and
			// passes elsewhere where organisers do.
			if acc.allows(user.RoleOrganiser) {
				if resp := send(scoped["KH"], rt.method, path); aboutScopedObject(rt.rel) && resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s as an organiser of another country: %d, want 403", rt.method, path, resp.StatusCode)
				}
				if rt.method == http.MethodGet {
					resp := send(scoped["VN"], rt.method, path)
					if code := resp.StatusCode; code != http.StatusOK && (code < 300 || code > 399) && !slices.Contains(acc.Also, code) &&
						!(acc.NoFixture && code == http.StatusNotFound) {
						t.Errorf("%s %s as an organiser of its country: %d, want 200 or a redirect", rt.method, path, code)
					}
				}
			}
			for _, role := range user.AllRoles {
				allowed := acc.allows(role)
				if rt.method != http.MethodGet && allowed {
					continue // allowed writes are tested by each area's own tests
				}
				resp := send(clients[role], rt.method, path)
				switch {
				case !allowed && resp.StatusCode != http.StatusForbidden:
					t.Errorf("%s %s as %s: %d, want 403", rt.method, path, role, resp.StatusCode)
				case allowed && acc.NoFixture && resp.StatusCode == http.StatusNotFound:
				case allowed && slices.Contains(acc.Also, resp.StatusCode):
				case allowed && resp.StatusCode != http.StatusOK && (resp.StatusCode < 300 || resp.StatusCode > 399):
					t.Errorf("%s %s as %s: %d, want 200 or a redirect", rt.method, path, role, resp.StatusCode)
				case allowed && strings.Contains(resp.Header.Get("Location"), "/login"):
					t.Errorf("%s %s as %s: sent to the login page", rt.method, path, role)
				}
			}
		}
	})
}

// aboutScopedObject tells whether a route is about one session or one
// coachee, which a staff member of another country may not reach.
func aboutScopedObject(rel string) bool {
	return strings.Contains(rel, "/events/:id<int>") || strings.HasPrefix(rel, "/staff/coaching/coachees/:id<int>")
}

// TestRoleMatrixFindsUnlistedRoutes makes sure the walk fails on a route
// that is in no entry of the table.
func TestRoleMatrixFindsUnlistedRoutes(t *testing.T) {
	for _, p := range []string{"/staff/eventsx", "/staff/unknown/1", "/staff/adminx", "/api/v1/checkins", "/api/v1/events/:id<int>/other", "/staff"} {
		if _, ok := accessFor(p); ok {
			t.Errorf("%s matched an entry; it must be added explicitly", p)
		}
	}
	for p, want := range map[string]bool{"/staff/": true, "/staff/admin/audit": true, "/staff/profile/lang": true, "/trainer": true, "/staff/coaching/me": true} {
		if _, ok := accessFor(p); ok != want {
			t.Errorf("%s: found=%v", p, ok)
		}
	}
	if a, _ := accessFor("/staff/admin/accounts/:id<int>/edit"); a.allows(user.RoleOrganiser) || !a.allows(user.RoleAdmin) {
		t.Errorf("admin routes: %+v", a)
	}
	// The longest prefix wins: check-in is for trainers, the rest of an event's pages are not.
	if a, _ := accessFor("/staff/events/:id<int>/checkin/mark"); !a.allows(user.RoleTrainer) {
		t.Errorf("check-in: %+v", a)
	}
	if a, _ := accessFor("/staff/events/:id<int>/registrations"); a.allows(user.RoleTrainer) {
		t.Errorf("registrations: %+v", a)
	}
	if a, _ := accessFor("/api/v1/events/:id<int>/roster"); a.Public || !a.allows(user.RoleTrainer) || a.allows(user.RoleCoach) {
		t.Errorf("roster API: %+v", a)
	}
}
