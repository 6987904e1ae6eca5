package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
)

// competencyForm holds a competency in every interface language (issue
// 20): its name, what it covers, and the description of each rubric level,
// in fields <part>_<lang> ("name_vi", "l3_km"). Vietnamese, the
// programme's working language, is required for the name and the levels.
type competencyForm struct {
	Position int  `form:"position" validate:"gte=0,lte=1000" label:"competency.position"`
	Active   bool `form:"active"`
	// Texts are the typed texts by field name.
	Texts map[string]string `form:"-"`
}

// competencyPart is one translated text of a competency.
type competencyPart struct {
	prefix, label string
	max           int
	required      bool // in Vietnamese
	get           func(*coaching.Competency) *content.Text
}

var competencyParts = []competencyPart{
	{"name", "competency.name", 200, true, func(c *coaching.Competency) *content.Text { return &c.Name }},
	{"desc", "competency.description", 1000, false, func(c *coaching.Competency) *content.Text { return &c.Description }},
	{"l1", "competency.level_1", 500, true, func(c *coaching.Competency) *content.Text { return &c.Level1 }},
	{"l2", "competency.level_2", 500, true, func(c *coaching.Competency) *content.Text { return &c.Level2 }},
	{"l3", "competency.level_3", 500, true, func(c *coaching.Competency) *content.Text { return &c.Level3 }},
	{"l4", "competency.level_4", 500, true, func(c *coaching.Competency) *content.Text { return &c.Level4 }},
}

// readTexts reads every part in every language from the form.
func (f *competencyForm) readTexts(c *fiber.Ctx) {
	f.Texts = map[string]string{}
	for _, part := range competencyParts {
		for _, l := range locale.Supported {
			n := part.prefix + "_" + l
			f.Texts[n] = strings.TrimSpace(utils.CopyString(c.FormValue(n)))
		}
	}
}

// checkTexts adds the texts' problems to errs, beside their fields.
func (f *competencyForm) checkTexts(t *locale.Translator, errs FieldErrors) {
	for _, part := range competencyParts {
		for _, l := range locale.Supported {
			n, label := part.prefix+"_"+l, t.T(part.label)
			switch v := f.Texts[n]; {
			case part.required && l == "vi" && v == "":
				errs.Add(n, t.T("validation.required", "Field", label))
			case len([]rune(v)) > part.max:
				errs.Add(n, t.T("validation.max", "Field", label, "Param", strconv.Itoa(part.max)))
			}
		}
	}
}

func (f *competencyForm) apply(c *coaching.Competency) {
	c.Position, c.Active = f.Position, f.Active
	for _, part := range competencyParts {
		txt := content.Text{}
		for _, l := range locale.Supported {
			if v := f.Texts[part.prefix+"_"+l]; v != "" || locale.IsCore(l) {
				txt[l] = v
			}
		}
		*part.get(c) = txt
	}
}

func competencyFormOf(c *coaching.Competency) competencyForm {
	f := competencyForm{Position: c.Position, Active: c.Active, Texts: map[string]string{}}
	for _, part := range competencyParts {
		for l, v := range *part.get(c) {
			f.Texts[part.prefix+"_"+l] = v
		}
	}
	return f
}

// fieldView is one input of the competency form, laid out by the handler so
// that the template stays a loop.
type fieldView struct {
	Name, Label, Lang, Value, Err string
	Long                          bool
}

type competencyGroup struct {
	Legend string
	Fields []fieldView
}

type competencyEditPage struct {
	Page
	ID     uint
	Form   competencyForm
	Groups []competencyGroup
	Errors FieldErrors
}

func (pg *competencyEditPage) layout() {
	pg.Groups = nil
	for _, part := range competencyParts {
		cg := competencyGroup{Legend: pg.T(part.label)}
		for _, l := range locale.Supported { // a field per interface language
			n := part.prefix + "_" + l
			cg.Fields = append(cg.Fields, fieldView{Name: n, Label: pg.LangName(l), Lang: l, Value: pg.Form.Texts[n], Err: pg.Errors.Get(n), Long: part.prefix != "name"})
		}
		pg.Groups = append(pg.Groups, cg)
	}
}

type competencyListPage struct {
	Page
	Competencies []coaching.Competency
}

// competencyList lists the framework for admins.
func (s *Server) competencyList(c *fiber.Ctx) error {
	list, err := coaching.Competencies(c.UserContext(), s.db, true)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "coaching/competencies", competencyListPage{Page: s.page(c, "competency.list_title"), Competencies: list})
}

// competencyEdit shows the form of a new (no :id) or existing competency.
func (s *Server) competencyEdit(c *fiber.Ctx) error {
	pg := &competencyEditPage{Page: s.page(c, "competency.edit_title"), Errors: FieldErrors{}, Form: competencyForm{Active: true}}
	if c.Params("id") != "" {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		cp, err := coaching.GetCompetency(c.UserContext(), s.db, id)
		if err != nil {
			return err
		}
		pg.ID, pg.Form = cp.ID, competencyFormOf(cp)
	}
	pg.layout()
	return s.render(c, fiber.StatusOK, "coaching/competency_edit", pg)
}

// competencySave creates or updates a competency.
func (s *Server) competencySave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pg := &competencyEditPage{Page: s.page(c, "competency.edit_title")}
	cp := &coaching.Competency{}
	if c.Params("id") != "" {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		if cp, err = coaching.GetCompetency(ctx, s.db, id); err != nil {
			return err
		}
		pg.ID = cp.ID
	}
	var f competencyForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.readTexts(c)
	pg.Errors = s.check(pg.Translator, &f)
	f.checkTexts(pg.Translator, pg.Errors)
	pg.Form = f
	if pg.Errors.Any() {
		pg.layout()
		return s.render(c, fiber.StatusUnprocessableEntity, "coaching/competency_edit", pg)
	}
	f.apply(cp)
	if err := coaching.SaveCompetency(ctx, s.db, cp, currentUser(c).ID, s.now()); err != nil {
		return err
	}
	return c.Redirect(pg.URL("/staff/competencies?flash=coaching_competency_saved#c"+strconv.FormatUint(uint64(cp.ID), 10)), fiber.StatusSeeOther)
}
