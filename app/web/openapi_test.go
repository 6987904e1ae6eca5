package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/apidoc"
	"github.com/lantern-ngo/lantern/app/apitoken"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// testBaseURL is BASE_URL in tests (testConfig): the document's server.
const testBaseURL = "http://lantern.test"

// openAPIDoc loads api/openapi.yaml as the server does.
func openAPIDoc(t testing.TB) *openapi3.T {
	t.Helper()
	d, err := apidoc.Load(lantern.Assets, testBaseURL)
	if err != nil {
		t.Fatal(err)
	}
	return d.Doc
}

// fiberParam matches a Fiber path parameter (":id<int>").
var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)(<[^>]*>)?`)

// routeGaps compares the app's /api/v1 routes with the document: routes
// the document does not describe, and documented operations no route
// answers. HEAD (which Fiber adds to every GET) is left out.
func routeGaps(app *fiber.App, doc *openapi3.T) (undocumented, unrouted []string) {
	routed := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == http.MethodHead {
			continue
		}
		path := fiberParam.ReplaceAllString(r.Path, "{$1}")
		routed[r.Method+" "+path] = true
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			undocumented = append(undocumented, r.Method+" "+path)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method := range doc.Paths.Value(path).Operations() {
			if !routed[method+" "+path] {
				unrouted = append(unrouted, method+" "+path)
			}
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	return undocumented, unrouted
}

// TestOpenAPIDescribesEveryRoute: every route under /api/v1 is in the
// document, and every operation of the document is a route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	doc := openAPIDoc(t)
	undocumented, unrouted := routeGaps(ta.app, doc)
	for _, r := range undocumented {
		t.Errorf("%s is a route but api/openapi.yaml does not describe it", r)
	}
	for _, r := range unrouted {
		t.Errorf("%s is in api/openapi.yaml but no route answers it", r)
	}
	// The check itself finds a route added without its description.
	ta.app.Post("/api/v1/events/:id<int>/secret", func(c *fiber.Ctx) error { return nil })
	if undocumented, _ := routeGaps(ta.app, doc); !slices.Equal(undocumented, []string{"POST /api/v1/events/{id}/secret"}) {
		t.Errorf("an undocumented route is not found: %v", undocumented)
	}
}

// TestAPIErrorCodesDocumented: the stable error codes the server writes
// are exactly the Error schema's enum.
func TestAPIErrorCodesDocumented(t *testing.T) {
	doc := openAPIDoc(t)
	enum := doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum
	documented := map[string]bool{}
	for _, v := range enum {
		documented[fmt.Sprint(v)] = true
	}
	written := map[string]bool{}
	for _, code := range apiCodes {
		written[code] = true
	}
	for _, code := range statusCodes {
		written[code] = true
	}
	for code := range written {
		if !documented[code] {
			t.Errorf("error code %q is not in the Error schema's enum", code)
		}
	}
	for code := range documented {
		if !written[code] {
			t.Errorf("the Error schema lists %q, which the server never writes", code)
		}
	}
}

// apiCheck is one call of the conformance test.
type apiCheck struct {
	method, path string
	// auth: "" (none), "session:<role>", "token:<name>", "sms", "bad-token".
	auth   string
	body   string // JSON
	status int
	header map[string]string // more request headers
	// badInput: the request breaks the document on purpose (to see the
	// error answer); it is not validated, the answer is.
	badInput bool
}

// TestOpenAPIConformance calls every operation of the document through the
// real app, with every way in it allows (anonymous, staff session, token)
// and with the errors partners meet, and validates each request and each
// answer against the document (status, headers, JSON schema) with
// kin-openapi. Every operation must be answered with a success once, and
// every scope the document names must be what the server enforces.
func TestOpenAPIConformance(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
		ta.setNow(now)
		ta.srv.cfg.SMSInboundToken = "sms-gateway-secret-0123456789"
		doc := openAPIDoc(t)
		router, err := legacy.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}

		admin := testutil.Staff(t, db, user.RoleAdmin)
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		other := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Minute})
		testutil.AssignTrainer(t, db, ev.ID, trainer.ID)
		reg := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})
		reg2 := testutil.Registration(t, db, ev.ID, testutil.RegistrationOpts{})

		all := []string{"events:read", "indicators:read", "checkins:write"}
		tokens := map[string]string{}
		mk := func(name string, scopes []string, rate int) {
			in := apitoken.Input{Name: name, Scopes: scopes, RatePerMinute: rate}
			if slices.Contains(scopes, "checkins:write") {
				in.UserID = &trainer.ID
			}
			_, tokens[name] = makeToken(t, db, admin.ID, in, now)
		}
		for _, s := range all {
			mk(s, []string{s}, 1000)
			var others []string
			for _, o := range all {
				if o != s {
					others = append(others, o)
				}
			}
			mk("all-but-"+s, others, 1000)
		}
		mk("slow", []string{"events:read"}, 1)
		sessions := map[string]*client{}
		for _, u := range []*user.User{admin, trainer} {
			c := ta.client()
			c.login(u)
			sessions[strings.Split(u.Roles, ",")[0]] = c
		}

		id, otherID := itoa(int(ev.ID)), itoa(int(other.ID))
		// Zalo's webhook, with an Official Account configured.
		ta.srv.cfg.ZaloAppID, ta.srv.cfg.ZaloOASecret = "app-1", "oa-secret"
		zaloBody := `{"app_id":"app-1","event_name":"user_received_message","timestamp":"1733540000000","message":{"msg_id":"zmsg-0"}}`
		zaloSum := sha256.Sum256([]byte("app-1" + zaloBody + "1733540000000" + "oa-secret"))
		zaloSig := "mac=" + hex.EncodeToString(zaloSum[:])
		batch := func(clientID string, regID uint) string {
			return fmt.Sprintf(`{"checkins":[{"client_id":%q,"registration_id":%d,"at":%q}]}`, clientID, regID, now.Format(time.RFC3339))
		}
		checks := []apiCheck{
			{method: "GET", path: "/api/v1/openapi.json", status: 200},
			{method: "GET", path: "/api/v1/events?lang=en", status: 200},
			{method: "GET", path: "/api/v1/events?lang=fr&kind=film_debate&page=1", auth: "token:events:read", status: 200},
			{method: "GET", path: "/api/v1/events?lang=xx", status: 422, badInput: true},
			{method: "GET", path: "/api/v1/events?page=0", status: 422, badInput: true},
			{method: "GET", path: "/api/v1/events", auth: "bad-token", status: 401},
			{method: "GET", path: "/api/v1/events", auth: "token:slow", status: 200},
			{method: "GET", path: "/api/v1/events", auth: "token:slow", status: 429},
			{method: "GET", path: "/api/v1/events/" + id + "?lang=vi", status: 200},
			{method: "GET", path: "/api/v1/events/" + id, auth: "token:events:read", status: 200},
			{method: "GET", path: "/api/v1/events/999999?lang=en", status: 404},
			{method: "GET", path: "/api/v1/events/" + id + "/roster?lang=en", auth: "token:checkins:write", status: 200},
			{method: "GET", path: "/api/v1/events/" + id + "/roster?lang=fr", auth: "session:trainer", status: 200},
			{method: "GET", path: "/api/v1/events/" + otherID + "/roster", auth: "token:checkins:write", status: 403},
			{method: "GET", path: "/api/v1/events/" + id + "/roster", status: 403},
			{method: "POST", path: "/api/v1/events/" + id + "/checkins?lang=en", auth: "token:checkins:write", body: batch("device-0001", reg.ID), status: 200},
			{method: "POST", path: "/api/v1/events/" + id + "/checkins?figures=1", auth: "session:trainer", body: batch("device-0002", reg2.ID), status: 200},
			{method: "POST", path: "/api/v1/events/" + id + "/checkins", auth: "token:checkins:write", body: batch("device-0001", reg.ID), status: 200},
			{method: "POST", path: "/api/v1/events/" + id + "/checkins", auth: "token:checkins:write", body: `[1, 2]`, status: 422, badInput: true},
			{method: "POST", path: "/api/v1/events/999999/checkins", auth: "session:admin", body: batch("device-0003", reg.ID), status: 404},
			{method: "GET", path: "/api/v1/events/" + id + "/knowledge-gain", auth: "token:indicators:read", status: 200},
			{method: "GET", path: "/api/v1/events/" + id + "/knowledge-gain", auth: "session:trainer", status: 200},
			{method: "GET", path: "/api/v1/events/999999/knowledge-gain", auth: "token:indicators:read", status: 404},
			{method: "GET", path: "/api/v1/indicators", auth: "token:indicators:read", status: 200},
			{method: "GET", path: "/api/v1/indicators?from=2026-01-01&to=2026-12-31&lang=vi", auth: "session:admin", status: 200},
			{method: "GET", path: "/api/v1/indicators?from=2026-12-31&to=2026-01-01", auth: "session:admin", status: 422},
			{method: "GET", path: "/api/v1/indicators", auth: "session:trainer", status: 403},
			{method: "GET", path: "/api/v1/indicators", status: 403},
			{method: "POST", path: "/api/v1/sms/inbound", auth: "sms", body: `{"from":"0912345678","text":"HELLO"}`, status: 200},
			{method: "POST", path: "/api/v1/sms/inbound", body: `{"from":"0912345678","text":"HELLO"}`, status: 403},
			{method: "POST", path: "/api/v1/sms/reports", auth: "sms", body: `{"reports":[{"provider_id":"gw-none","status":"delivered"}]}`, status: 200},
			{method: "POST", path: "/api/v1/sms/reports", auth: "sms", body: `{"reports":[{"id":"x","status":"lost"}]}`, status: 422, badInput: true},
			{method: "POST", path: "/api/v1/sms/reports", body: `{"reports":[{"provider_id":"gw-none","status":"delivered"}]}`, status: 403},
			{method: "POST", path: "/api/v1/zalo/events", body: zaloBody, header: map[string]string{"X-ZEvent-Signature": zaloSig}, status: 200},
			{method: "POST", path: "/api/v1/zalo/events", body: zaloBody, header: map[string]string{"X-ZEvent-Signature": "mac=00"}, status: 401},
		}
		// Every scope in the document is enforced: a token with every other
		// scope is refused each operation that names one.
		for _, path := range doc.Paths.InMatchingOrder() {
			for method, op := range doc.Paths.Value(path).Operations() {
				if op.Security == nil {
					continue
				}
				for _, req := range *op.Security {
					for _, scope := range req["bearerToken"] {
						c := apiCheck{method: method, path: strings.ReplaceAll(path, "{id}", id), auth: "token:all-but-" + scope, status: 403}
						if method == http.MethodPost {
							c.body = batch("device-0009", reg.ID)
						}
						checks = append(checks, c)
					}
				}
			}
		}

		succeeded := map[string]bool{}
		anon := ta.client()
		for _, ck := range checks {
			name := ck.method + " " + ck.path + " (" + ck.auth + ")"
			c := anon
			header := http.Header{}
			switch {
			case strings.HasPrefix(ck.auth, "session:"):
				c = sessions[strings.TrimPrefix(ck.auth, "session:")]
				if ck.method == http.MethodPost {
					header.Set("X-CSRF-Token", c.csrf())
				}
			case strings.HasPrefix(ck.auth, "token:"):
				secret := tokens[strings.TrimPrefix(ck.auth, "token:")]
				if secret == "" {
					t.Fatalf("%s: no such token", name)
				}
				header.Set("Authorization", "Bearer "+secret)
			case ck.auth == "sms":
				header.Set("X-Lantern-Token", ta.srv.cfg.SMSInboundToken)
			case ck.auth == "bad-token":
				header.Set("Authorization", "Bearer lnt_not-a-token")
			}
			if ck.body != "" {
				header.Set("Content-Type", "application/json")
			}
			for k, v := range ck.header {
				header.Set(k, v)
			}
			newReq := func() *http.Request {
				var body io.Reader
				if ck.body != "" {
					body = strings.NewReader(ck.body)
				}
				r := httptest.NewRequest(ck.method, testBaseURL+ck.path, body)
				r.Header = header.Clone()
				return r
			}
			resp := c.do(newReq())
			raw := []byte(bodyOf(t, resp))
			if resp.StatusCode != ck.status {
				t.Errorf("%s: status %d, want %d\n%.400s", name, resp.StatusCode, ck.status, raw)
				continue
			}
			route, params, err := router.FindRoute(newReq())
			if err != nil {
				t.Errorf("%s: not in the document: %v", name, err)
				continue
			}
			opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
			in := &openapi3filter.RequestValidationInput{Request: newReq(), PathParams: params, Route: route, Options: opts}
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && !ck.badInput {
				t.Errorf("%s: the test's request does not follow the document: %v", name, err)
			} else if err == nil && ck.badInput {
				t.Errorf("%s: meant to break the document, the request follows it", name)
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
				Header: resp.Header, Body: io.NopCloser(bytes.NewReader(raw)), Options: opts}
			out.Header.Del("Content-Encoding") // bodyOf has gunzipped it
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%s: the answer does not follow the document: %v\n%.600s", name, err, raw)
			}
			if resp.StatusCode < 300 {
				succeeded[ck.method+" "+route.Path] = true
			}
			if resp.StatusCode >= 400 {
				var e apiErrorBody
				if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Errorf("%s: not the error shape: %s", name, raw)
				}
			}
		}
		for _, path := range doc.Paths.InMatchingOrder() {
			for method := range doc.Paths.Value(path).Operations() {
				if !succeeded[method+" "+path] {
					t.Errorf("%s %s is never answered with a success by the test: add a call", method, path)
				}
			}
		}
	})
}

// TestOpenAPIServedAndReadable: the JSON document is the file, valid, with
// BASE_URL as its server; the readable page lists every operation and every
// schema, in the page's language, with no script.
func TestOpenAPIServedAndReadable(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	c := ta.client()
	resp := c.get("/api/v1/openapi.json")
	raw := bodyOf(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	loader := openapi3.NewLoader()
	served, err := loader.LoadFromData([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := served.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid: %v", err)
	}
	if served.OpenAPI != "3.1.0" || len(served.Servers) != 1 || served.Servers[0].URL != testBaseURL {
		t.Errorf("openapi %q, servers %v", served.OpenAPI, served.Servers)
	}
	doc := openAPIDoc(t)
	if served.Paths.Len() != doc.Paths.Len() || len(served.Components.Schemas) != len(doc.Components.Schemas) {
		t.Errorf("served %d paths and %d schemas, the file has %d and %d", served.Paths.Len(), len(served.Components.Schemas), doc.Paths.Len(), len(doc.Components.Schemas))
	}

	for lang, heading := range map[string]string{"vi": "API dành cho đối tác", "fr": "API pour les partenaires", "en": "API for partners"} {
		page := c.page("/"+lang+"/api", http.StatusOK)
		if got := text(page, "h1"); got != heading {
			t.Errorf("%s: heading %q", lang, got)
		}
		if page.Find("script").Length() != 0 {
			t.Errorf("%s: the page has a script", lang)
		}
		for _, path := range doc.Paths.InMatchingOrder() {
			for _, op := range doc.Paths.Value(path).Operations() {
				art := page.Find("#op-" + op.OperationID)
				if art.Length() != 1 || !strings.Contains(art.Find("h3").Text(), path) {
					t.Errorf("%s: operation %s (%s) is not on the page", lang, op.OperationID, path)
				}
			}
		}
		for name := range doc.Components.Schemas {
			if page.Find("#schema-"+name).Length() != 1 {
				t.Errorf("%s: schema %s is not on the page", lang, name)
			}
		}
		if page.Find(`a[href="/api/v1/openapi.json"]`).Length() != 1 {
			t.Errorf("%s: no link to the JSON document", lang)
		}
	}
	// The scopes of an operation show on the page.
	page := c.page("/en/api", http.StatusOK)
	if got := page.Find("#op-getIndicators").Text(); !strings.Contains(got, "indicators:read") || !strings.Contains(got, "Lantern's own pages, with the staff session") {
		t.Errorf("indicators' access is not shown: %q", got)
	}
}
