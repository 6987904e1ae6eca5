package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
)

// competencyForm holds a competency in three languages: its name, what it
// covers, and the description of each rubric level.
type competencyForm struct {
	Position int    `form:"position" validate:"gte=0,lte=1000" label:"competency.position"`
	Active   bool   `form:"active"`
	NameVI   string `form:"name_vi" validate:"required,max=200" label:"competency.name_vi"`
	NameFR   string `form:"name_fr" validate:"max=200" label:"competency.name_fr"`
	NameEN   string `form:"name_en" validate:"max=200" label:"competency.name_en"`
	DescVI   string `form:"desc_vi" validate:"max=1000" label:"competency.description"`
	DescFR   string `form:"desc_fr" validate:"max=1000" label:"competency.description"`
	DescEN   string `form:"desc_en" validate:"max=1000" label:"competency.description"`
	L1VI     string `form:"l1_vi" validate:"required,max=500" label:"competency.level_1"`
	L1FR     string `form:"l1_fr" validate:"max=500" label:"competency.level_1"`
	L1EN     string `form:"l1_en" validate:"max=500" label:"competency.level_1"`
	L2VI     string `form:"l2_vi" validate:"required,max=500" label:"competency.level_2"`
	L2FR     string `form:"l2_fr" validate:"max=500" label:"competency.level_2"`
	L2EN     string `form:"l2_en" validate:"max=500" label:"competency.level_2"`
	L3VI     string `form:"l3_vi" validate:"required,max=500" label:"competency.level_3"`
	L3FR     string `form:"l3_fr" validate:"max=500" label:"competency.level_3"`
	L3EN     string `form:"l3_en" validate:"max=500" label:"competency.level_3"`
	L4VI     string `form:"l4_vi" validate:"required,max=500" label:"competency.level_4"`
	L4FR     string `form:"l4_fr" validate:"max=500" label:"competency.level_4"`
	L4EN     string `form:"l4_en" validate:"max=500" label:"competency.level_4"`
}

func text3(vi, fr, en string) content.Text {
	return content.Text{"vi": strings.Clone(vi), "fr": strings.Clone(fr), "en": strings.Clone(en)}
}

func (f *competencyForm) apply(c *coaching.Competency) {
	c.Position, c.Active = f.Position, f.Active
	c.Name = text3(f.NameVI, f.NameFR, f.NameEN)
	c.Description = text3(f.DescVI, f.DescFR, f.DescEN)
	c.Level1 = text3(f.L1VI, f.L1FR, f.L1EN)
	c.Level2 = text3(f.L2VI, f.L2FR, f.L2EN)
	c.Level3 = text3(f.L3VI, f.L3FR, f.L3EN)
	c.Level4 = text3(f.L4VI, f.L4FR, f.L4EN)
}

func competencyFormOf(c *coaching.Competency) competencyForm {
	return competencyForm{
		Position: c.Position, Active: c.Active,
		NameVI: c.Name["vi"], NameFR: c.Name["fr"], NameEN: c.Name["en"],
		DescVI: c.Description["vi"], DescFR: c.Description["fr"], DescEN: c.Description["en"],
		L1VI: c.Level1["vi"], L1FR: c.Level1["fr"], L1EN: c.Level1["en"],
		L2VI: c.Level2["vi"], L2FR: c.Level2["fr"], L2EN: c.Level2["en"],
		L3VI: c.Level3["vi"], L3FR: c.Level3["fr"], L3EN: c.Level3["en"],
		L4VI: c.Level4["vi"], L4FR: c.Level4["fr"], L4EN: c.Level4["en"],
	}
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
	f := pg.Form
	vals := map[string]string{
		"name_vi": f.NameVI, "name_fr": f.NameFR, "name_en": f.NameEN,
		"desc_vi": f.DescVI, "desc_fr": f.DescFR, "desc_en": f.DescEN,
		"l1_vi": f.L1VI, "l1_fr": f.L1FR, "l1_en": f.L1EN, "l2_vi": f.L2VI, "l2_fr": f.L2FR, "l2_en": f.L2EN,
		"l3_vi": f.L3VI, "l3_fr": f.L3FR, "l3_en": f.L3EN, "l4_vi": f.L4VI, "l4_fr": f.L4FR, "l4_en": f.L4EN,
	}
	groups := []struct {
		prefix, legend string
		long           bool
	}{
		{"name", "competency.name", false}, {"desc", "competency.description", true},
		{"l1", "competency.level_1", true}, {"l2", "competency.level_2", true},
		{"l3", "competency.level_3", true}, {"l4", "competency.level_4", true},
	}
	pg.Groups = nil
	for _, g := range groups {
		cg := competencyGroup{Legend: pg.T(g.legend)}
		for _, l := range locale.Core { // the form has a field per core language
			n := g.prefix + "_" + l
			cg.Fields = append(cg.Fields, fieldView{Name: n, Label: pg.LangName(l), Lang: l, Value: vals[n], Err: pg.Errors.Get(n), Long: g.long})
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
	pg.Errors = s.check(pg.Translator, &f)
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
