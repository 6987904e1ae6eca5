package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
