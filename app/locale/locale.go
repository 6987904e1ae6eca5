// Package locale loads the go-i18n bundle once at start and gives each
// request a Translator for its language, with CLDR date and number formats.
package locale

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/locales"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/fil"
	"github.com/go-playground/locales/fr"
	"github.com/go-playground/locales/km"
	"github.com/go-playground/locales/lo"
	"github.com/go-playground/locales/vi"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"gopkg.in/yaml.v3"
)

// Default is the language of the programme and of most participants.
const Default = "vi"

// Supported lists the interface languages, default first: the one list the
// router, the locale loader, the forms and the tests read. Adding a language
// is its file locales/<code>.yaml plus one code here (docs/TRANSLATING.md);
// its CLDR formats come from cldrs below.
var Supported = []string{"vi", "fr", "en", "fil", "km", "lo"}

// Core are the programme's first three languages: the ones every page
// offers, and the ones the tests sweep over every staff page. Languages
// added after them (km, lo, fil) are offered where a country lists them
// (docs/DECISIONS.md) and are tested on a sample of pages.
var Core = []string{"vi", "fr", "en"}

// cldrs are the CLDR date, time and number formats of the languages that
// may be enabled (github.com/go-playground/locales).
var cldrs = map[string]func() locales.Translator{
	"vi": vi.New, "fr": fr.New, "en": en.New,
	"km": km.New, "lo": lo.New, "fil": fil.New,
}

// names are the languages' names in themselves, for the switcher.
var names = map[string]string{
	"vi": "Tiếng Việt", "fr": "Français", "en": "English",
	"km": "ខ្មែរ", "lo": "ລາວ", "fil": "Filipino",
}

// Name is a language's name in that language ("ខ្មែរ"); the code when unknown.
func Name(lang string) string {
	if n, ok := names[lang]; ok {
		return n
	}
	return lang
}

// IsCore tells whether lang is one of Core.
func IsCore(lang string) bool {
	for _, l := range Core {
		if l == lang {
			return true
		}
	}
	return false
}

// SplitPath splits a path that starts with a supported language,
// "/fil/events" → "fil", "/events"; ok is false when it does not.
func SplitPath(p string) (lang, rest string, ok bool) {
	if len(p) < 2 || p[0] != '/' {
		return "", p, false
	}
	seg := p[1:]
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	if !IsSupported(seg) {
		return "", p, false
	}
	return seg, p[1+len(seg):], true
}

// Fallback is the order in which a text missing in a person's language is
// looked for: the programme's language, then the one most read after it.
var Fallback = []string{"vi", "en", "fr"}

// IsSupported whitelists a language code.
func IsSupported(lang string) bool {
	for _, l := range Supported {
		if l == lang {
			return true
		}
	}
	return false
}

// matcher picks among the supported languages, the default first: it is
// what Match answers when nothing matches.
var matcher = language.NewMatcher(supportedTags())

func supportedTags() []language.Tag {
	tags := make([]language.Tag, len(Supported))
	for i, l := range Supported {
		tags[i] = language.MustParse(l)
	}
	return tags
}

// FromAcceptLanguage picks the supported language an Accept-Language
// header prefers, with golang.org/x/text's matcher: q weights count, q=0
// refuses a language, regional variants (fr-CA, en-GB) match their
// language; Default when nothing matches. A malformed entry is skipped,
// not the whole header.
func FromAcceptLanguage(header string) string {
	if strings.TrimSpace(header) == "" {
		return Default
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		tags = lenientAcceptLanguage(header)
	}
	if len(tags) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(Supported) {
		return Default
	}
	return Supported[i]
}

// lenientAcceptLanguage parses each entry on its own, drops the ones
// x/text refuses, and orders the rest by weight as ParseAcceptLanguage does.
func lenientAcceptLanguage(header string) []language.Tag {
	type entry struct {
		tag language.Tag
		q   float32
	}
	var es []entry
	for _, part := range strings.Split(header, ",") {
		tags, qs, err := language.ParseAcceptLanguage(part)
		if err != nil {
			continue
		}
		for i := range tags {
			es = append(es, entry{tags[i], qs[i]})
		}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].q > es[j].q })
	out := make([]language.Tag, len(es))
	for i, e := range es {
		out[i] = e.tag
	}
	return out
}

// Bundle holds all messages and one Translator per language; it is built once
// and read concurrently, never mutated after Load.
type Bundle struct {
	bundle      *i18n.Bundle
	translators map[string]*Translator
	// IDs per language, for the parity test and template checks.
	ids map[string]map[string]bool
}

// Load reads locales/<lang>.yaml for every supported language from fsys.
func Load(fsys fs.FS, dir string) (*Bundle, error) {
	b := &Bundle{
		bundle:      i18n.NewBundle(language.Vietnamese),
		translators: map[string]*Translator{},
		ids:         map[string]map[string]bool{},
	}
	b.bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, lang := range Supported {
		name := path.Join(dir, lang+".yaml")
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("locale %s: %w", lang, err)
		}
		mf, err := b.bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("locale %s: %w", name, err)
		}
		b.ids[lang] = map[string]bool{}
		for _, m := range mf.Messages {
			b.ids[lang][m.ID] = true
		}
	}
	for _, lang := range Supported {
		b.translators[lang] = &Translator{
			Lang:      lang,
			localizer: i18n.NewLocalizer(b.bundle, lang),
			cldr:      cldrFor(lang),
		}
	}
	return b, nil
}

// IDs returns the message IDs defined for lang.
func (b *Bundle) IDs(lang string) map[string]bool { return b.ids[lang] }

// Messages returns every message of lang with its "other" text.
func (b *Bundle) Messages(lang string) map[string]string {
	out := map[string]string{}
	t := b.For(lang)
	for id := range b.ids[lang] {
		out[id] = t.T(id)
	}
	return out
}

// For returns the Translator of lang, or of the default language.
func (b *Bundle) For(lang string) *Translator {
	if t, ok := b.translators[lang]; ok {
		return t
	}
	return b.translators[Default]
}

func cldrFor(lang string) locales.Translator {
	if f, ok := cldrs[lang]; ok {
		return f()
	}
	return vi.New()
}

// HasCLDR tells whether lang has CLDR formats here (a test checks every
// supported language does).
func HasCLDR(lang string) bool { _, ok := cldrs[lang]; return ok }

// Translator translates for one language. It is safe for concurrent use.
type Translator struct {
	Lang      string
	localizer *i18n.Localizer
	cldr      locales.Translator
}

// T translates id; args are pairs of name and value for the template
// ({{.Name}} in the message). A missing message shows its ID, so that the
// gap is visible (and the locale tests catch it).
func (t *Translator) T(id string, args ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		cfg.TemplateData = pairs(args)
	}
	s, err := t.localizer.Localize(cfg)
	if err != nil && s == "" {
		return id
	}
	return s
}

// TN translates a message with plural forms for count. Vietnamese has only
// the "other" form.
func (t *Translator) TN(id string, count int, args ...any) string {
	data := pairs(args)
	data["Count"] = count
	s, err := t.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: data})
	if err != nil && s == "" {
		return id
	}
	return s
}

// TMap translates with a prepared template map. A "Lang" argument (a
// language code, as domains give it) also reaches the message as
// {{.Language}}, the language's name in the reader's language, so that a
// domain can say "the text in French is required" without translating.
func (t *Translator) TMap(id string, data map[string]any) string {
	if code, ok := data["Lang"].(string); ok && data["Language"] == nil {
		data = maps.Clone(data)
		data["Language"] = t.LanguageName(code)
	}
	s, err := t.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil && s == "" {
		return id
	}
	return s
}

// LanguageName is a language's name in the reader's language ("tiếng
// Pháp", "French"), from CLDR's display names; the code when unknown.
func (t *Translator) LanguageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Tags(language.Make(t.Lang)).Name(tag); n != "" {
		return n
	}
	return code
}

func pairs(args []any) map[string]any {
	m := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			m[k] = args[i+1]
		}
	}
	return m
}

// DateFull formats a date as the language writes it in full:
// "Thứ Tư, 25 tháng 11, 2026", "mercredi 25 novembre 2026".
func (t *Translator) DateFull(tm time.Time) string { return t.cldr.FmtDateFull(tm) }

// DateShort formats a short date: "25 thg 11, 2026", "25 nov. 2026", "Nov 25, 2026".
func (t *Translator) DateShort(tm time.Time) string { return t.cldr.FmtDateMedium(tm) }

// Time formats a time of day: "18:30", "6:30 pm".
func (t *Translator) Time(tm time.Time) string {
	s := t.cldr.FmtTimeShort(tm)
	if t.Lang == "en" {
		s = strings.NewReplacer(" PM", " pm", " AM", " am").Replace(s)
	}
	return s
}

// DateTime formats a full date and time: "Thứ Tư, 25 tháng 11, 2026 · 18:30".
func (t *Translator) DateTime(tm time.Time) string { return t.DateFull(tm) + " · " + t.Time(tm) }

// Number formats a number with the language's separators.
func (t *Translator) Number(n float64, decimals int) string {
	return t.cldr.FmtNumber(n, uint64(decimals))
}

// Percent formats a percentage given as 0–100.
func (t *Translator) Percent(p float64, decimals int) string {
	return t.cldr.FmtPercent(p, uint64(decimals))
}

// MonthYear is a month and its year in the language ("décembre 2026").
func (t *Translator) MonthYear(tm time.Time) string {
	return t.cldr.MonthWide(tm.Month()) + " " + strconv.Itoa(tm.Year())
}

// In converts t to the time zone name, falling back to Asia/Ho_Chi_Minh.
func In(tm time.Time, tz string) time.Time {
	loc, err := LoadLocation(tz)
	if err != nil {
		return tm
	}
	return tm.In(loc)
}
