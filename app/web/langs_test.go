package web

import (
	"html"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// newLangs are the languages added after the core ones (issue 20) that are
// enabled in locale.Supported.
func newLangs() []string {
	var out []string
	for _, l := range locale.Supported {
		if !locale.IsCore(l) {
			out = append(out, l)
		}
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

func placeholders(v any) []string {
	var all []string
	switch x := v.(type) {
	case string:
		all = placeholderRE.FindAllString(x, -1)
	case map[string]any:
		for _, s := range x {
			all = append(all, placeholders(s)...)
		}
	}
	set := map[string]bool{}
	for _, p := range all {
		set[p] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestLocaleFilesMatchEnglish checks every file in locales/, enabled or
// still a draft: the same keys as en.yaml, none empty, the same
// placeholders, a plural message stays plural with its "other" form
// (docs/TRANSLATING.md). A file that fails cannot be enabled.
func TestLocaleFilesMatchEnglish(t *testing.T) {
	read := func(name string) map[string]any {
		b, err := fs.ReadFile(lantern.Assets, path.Join("locales", name))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	en := read("en.yaml")
	files, _ := fs.Glob(lantern.Assets, "locales/*.yaml")
	if len(files) < len(locale.Supported) {
		t.Fatalf("only %d locale files", len(files))
	}
	for _, f := range files {
		name := path.Base(f)
		if name == "en.yaml" {
			continue
		}
		m := read(name)
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: %q is not in en.yaml", name, k)
			}
		}
		for k, ev := range en {
			v, ok := m[k]
			if !ok {
				t.Errorf("%s: %q is missing", name, k)
				continue
			}
			switch x := v.(type) {
			case string:
				if strings.TrimSpace(x) == "" {
					t.Errorf("%s: %q is empty", name, k)
				}
			case map[string]any:
				if s, _ := x["other"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s: %q has no \"other\" form", name, k)
				}
			default:
				t.Errorf("%s: %q is neither a text nor plural forms", name, k)
			}
			if _, plural := ev.(map[string]any); plural {
				if _, ok := v.(map[string]any); !ok {
					t.Errorf("%s: %q must keep its plural forms", name, k)
				}
			}
			want, got := strings.Join(placeholders(ev), " "), strings.Join(placeholders(v), " ")
			if want != got {
				t.Errorf("%s: %q has placeholders %q, en.yaml %q", name, k, got, want)
			}
		}
	}
}

// The pages of a language added after the core ones (km, lo, fil) are
// served under its prefix, in it: <html lang>, a translated string, dates
// in its CLDR format; a session in a country that lists the language
// offers it in the switcher.
func TestNewLanguagesPages(t *testing.T) {
	langs := newLangs()
	if len(langs) == 0 {
		t.Skip("no language enabled beyond the core ones")
	}
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 72 * time.Hour, Capacity: 25})
		c := ta.client()
		for _, lang := range langs {
			tr := ta.srv.bundle.For(lang)
			if tr.Lang != lang {
				t.Fatalf("%s: no translator", lang)
			}
			title := tr.T("page.events.title")
			if title == ta.srv.bundle.For("en").T("page.events.title") && lang != "en" {
				t.Errorf("%s: page.events.title is not translated", lang)
			}
			date := html.EscapeString(tr.DateFull(e.StartsAt.In(e.Location())))
			for _, p := range []string{"/events", "/events/" + itoa(int(e.ID))} {
				resp := c.get("/" + lang + p)
				body := bodyOf(t, resp)
				if resp.StatusCode != 200 {
					t.Errorf("/%s%s: %d", lang, p, resp.StatusCode)
					continue
				}
				if !strings.Contains(body, `<html lang="`+lang+`"`) {
					t.Errorf("/%s%s: <html lang> is not %s", lang, p, lang)
				}
				if !strings.Contains(body, date) {
					t.Errorf("/%s%s: no date %q in the language's format", lang, p, date)
				}
			}
			if body := bodyOf(t, c.get("/"+lang+"/events")); !strings.Contains(body, html.EscapeString(title)) {
				t.Errorf("/%s/events: no %q", lang, title)
			}
		}
		// A Vietnamese session offers vi, fr and en; moved to a country
		// that lists the language, it offers that one too.
		page := "/vi/events/" + itoa(int(e.ID))
		for _, lang := range langs {
			if strings.Contains(bodyOf(t, c.get(page)), `hreflang="`+lang+`"`) {
				t.Errorf("%s: a Vietnamese session's page offers %s", page, lang)
			}
		}
		for _, code := range []string{"KH", "LA", "PH"} {
			if err := db.Model(&event.Event{}).Where("id = ?", e.ID).Update("country", code).Error; err != nil {
				t.Fatal(err)
			}
			if ta.srv.pageCache != nil {
				ta.srv.pageCache.version.Expire()
			}
			var langsOf string
			if err := db.Table("countries").Where("code = ?", code).Pluck("languages", &langsOf).Error; err != nil {
				t.Fatal(err)
			}
			body := bodyOf(t, c.get(page))
			for _, lang := range langs {
				want := strings.Contains(","+langsOf+",", ","+lang+",")
				if got := strings.Contains(body, `hreflang="`+lang+`"`); got != want {
					t.Errorf("%s in %s: offers %s = %v, want %v", page, code, lang, got, want)
				}
			}
		}
		// The list of all events offers every enabled language.
		body := bodyOf(t, c.get("/vi/events"))
		for _, lang := range langs {
			if !strings.Contains(body, `hreflang="`+lang+`"`) {
				t.Errorf("/vi/events does not offer %s", lang)
			}
		}
	})
}

// Accept-Language picks the new languages, their regional variants too.
func TestNewLanguagesNegotiated(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"km-KH,km;q=0.9,en;q=0.5", "km"},
		{"lo", "lo"},
		{"fil-PH, en;q=0.8", "fil"},
		{"tl-PH, en;q=0.8", "fil"},
	} {
		want := c.want
		if !locale.IsSupported(want) {
			continue
		}
		if got := locale.FromAcceptLanguage(c.header); got != want {
			t.Errorf("%q → %s, want %s", c.header, got, want)
		}
	}
}
