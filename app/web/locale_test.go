package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestMissingTranslations fails when a message ID is missing or empty in any
// locale (miniflux internal/locale/catalog_test.go).
func TestMissingTranslations(t *testing.T) {
	b, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, l := range locale.Supported {
		for id := range b.IDs(l) {
			all[id] = true
		}
	}
	for _, l := range locale.Supported {
		msgs := b.Messages(l)
		for id := range all {
			if !b.IDs(l)[id] {
				t.Errorf("%s: message %q is missing", l, id)
				continue
			}
			if strings.TrimSpace(msgs[id]) == "" || msgs[id] == id {
				t.Errorf("%s: message %q is empty", l, id)
			}
		}
	}
}

var (
	// {{.T "id"}}, {{$p.TN "id" …}}, (.T "id") in templates.
	templateID = regexp.MustCompile(`\.(?:T|TN)\s+"([a-z0-9_.]+)"`)
	// t.T("id"), p.T("id"), T("id", …), TN("id", …), apperr.New(kind, "id"), "error.x" keys in Go.
	goID = regexp.MustCompile(`\b(?:T|TN|TMap)\("([a-z0-9_.]+)"|apperr\.(?:New|Wrap)\([^,]+,\s*"([a-z0-9_.]+)"|errors\.New\("((?:error|validation)\.[a-z0-9_.]+)"\)`)
)

// TestTemplatesUseDefinedIDs fails when a template or Go file uses a message
// ID that no locale defines, and checks the IDs built at run time.
func TestTemplatesUseDefinedIDs(t *testing.T) {
	b, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		t.Fatal(err)
	}
	defined := b.IDs("en")
	check := func(where, id string) {
		for _, l := range locale.Supported {
			if !b.IDs(l)[id] {
				t.Errorf("%s uses %q, missing in %s", where, id, l)
			}
		}
	}
	fs.WalkDir(lantern.Assets, "views", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, _ := fs.ReadFile(lantern.Assets, p)
		for _, m := range templateID.FindAllStringSubmatch(string(src), -1) {
			check(p, m[1])
		}
		return nil
	})
	// Go sources of the whole app.
	filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, _ := os.ReadFile(p)
		for _, m := range goID.FindAllStringSubmatch(string(src), -1) {
			for _, id := range m[1:] {
				if id != "" && strings.Contains(id, ".") && !strings.HasSuffix(id, ".") {
					check(p, id)
				}
			}
		}
		return nil
	})
	// IDs composed at run time.
	for _, k := range event.Kinds {
		check("event kinds", "kind."+string(k))
	}
	for _, a := range event.Audiences {
		check("audiences", "audience."+a)
	}
	for _, tag := range []string{"required", "email", "max", "min", "oneof", "gte", "lte"} {
		check("validator", "validation."+tag)
	}
	if len(defined) < 50 {
		t.Errorf("only %d messages: the locale files did not load", len(defined))
	}
}

// TestEveryPageRenders renders each page template's layout with an empty
// page, so that a template error fails here and not in front of a person.
func TestTemplatesParse(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	if len(ta.srv.renderer.Pages()) < 4 {
		t.Errorf("pages = %v", ta.srv.renderer.Pages())
	}
}

// TestLanguageNegotiation: the path decides, then the lang cookie, then
// Accept-Language with its q weights (x/text's matcher), then Vietnamese.
func TestLanguageNegotiation(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		get := func(path, cookie, accept string) *http.Response {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: "lang", Value: cookie})
			}
			if accept != "" {
				req.Header.Set("Accept-Language", accept)
			}
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		for _, cs := range []struct{ cookie, accept, want string }{
			{"", "en;q=0, fr", "fr"},
			{"", "fr;q=0.5, en;q=0.9", "en"},
			{"", "en-GB;q=0.8, vi-VN", "vi"},
			{"", "de-CH, fr-CH;q=0.7, en;q=0.6", "fr"},
			{"", "vi;q=0, fr;q=0, en;q=0.1", "en"},
			{"", "EN-us", "en"},
			{"", "fr-CA", "fr"},
			{"", "zh-Hant, ja;q=0.9", "vi"},
			{"", "*", "vi"},
			{"", "nl, en;q=0", "vi"},
			{"", "fr;q=abc, en;q=0.4", "en"},
			{"", "", "vi"},
			{"fr", "en;q=1, vi;q=0.5", "fr"},
			{"xx", "en;q=0.2, fr;q=0.3", "fr"},
		} {
			resp := get("/", cs.cookie, cs.accept)
			if loc := resp.Header.Get("Location"); loc != "/"+cs.want+"/events" {
				t.Errorf("cookie %q, Accept-Language %q: redirect to %q, want /%s/events", cs.cookie, cs.accept, loc, cs.want)
			}
		}
		// A page outside /{lang} (here a 404) speaks the negotiated language…
		doc := ta.parse(get("/no-such-page", "", "vi;q=0.1, fr"), http.StatusNotFound, "404")
		if lang, _ := doc.Find("html").Attr("lang"); lang != "fr" {
			t.Errorf("404 outside /{lang}: lang %q, want fr", lang)
		}
		// …and the path beats the cookie and the header.
		doc = ta.parse(get("/en/events", "fr", "fr, vi;q=0.9"), http.StatusOK, "/en/events")
		if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
			t.Errorf("/en/events with a French cookie and header: lang %q, want en", lang)
		}
	})
}
