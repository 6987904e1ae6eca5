package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// nameMax is the longest name of a partner, venue or target, in runes.
const nameMax = 200

// multilingual is the name of a thing (a partner, a venue, a target) in
// every interface language (issue 20): fields name_<lang>, one per
// language of locale.Supported, so that a new language needs no change
// here. Vietnamese, the programme's working language, is required; the
// others are optional and fall back along each country's order.
type multilingual struct {
	Names map[string]string
}

// Name is the typed name in a language, for the form.
func (m multilingual) Name(lang string) string { return m.Names[lang] }

// Others tells whether a name is typed in a language beyond the core
// three (the form then opens their disclosure).
func (m multilingual) Others() bool {
	for l, v := range m.Names {
		if v != "" && !locale.IsCore(l) {
			return true
		}
	}
	return false
}

// readNames reads the name_<lang> fields of a form, cleaned.
func readNames(c *fiber.Ctx) multilingual {
	m := multilingual{Names: map[string]string{}}
	for _, l := range locale.Supported {
		if v := textnorm.Clean(utils.CopyString(c.FormValue("name_" + l))); v != "" {
			m.Names[l] = v
		}
	}
	return m
}

// check adds the names' problems to errs, beside their fields.
func (m multilingual) check(t *locale.Translator, errs FieldErrors) {
	label := func(l string) string { return (Page{Translator: t}).LangLabel("admin.name_", l) }
	if m.Names["vi"] == "" {
		errs.Add("name_vi", t.T("validation.required", "Field", label("vi")))
	}
	for _, l := range locale.Supported {
		if len([]rune(m.Names[l])) > nameMax {
			errs.Add("name_"+l, t.T("validation.max", "Field", label(l), "Param", strconv.Itoa(nameMax)))
		}
	}
}

func (m multilingual) text() content.Text {
	out := content.Text{}
	for l, v := range m.Names {
		out[l] = v
	}
	return out
}

func multilingualOf(t content.Text) multilingual {
	m := multilingual{Names: map[string]string{}}
	for l, v := range t {
		m.Names[l] = v
	}
	return m
}
