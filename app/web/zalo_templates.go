package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/message"
)

// Zalo templates (issue 15, admins): which approved ZNS template each kind
// of message goes as in each language, and which of the message's params
// fills each of the template's parameters. The rules, the storage and the
// precedence over ZALO_TEMPLATES are message's (zalotemplates.go).

// anyLang stands in the URL for the any-language mapping ("" in the table).
const anyLang = "any"

func langOfURL(tl string) string {
	if tl == anyLang {
		return ""
	}
	return tl
}

func langInURL(lang string) string {
	if lang == "" {
		return anyLang
	}
	return lang
}

type zaloTemplateListPage struct {
	Page
	Groups     []message.TemplateGroup
	Configured bool // an Official Account is set up (ZALO_APP_ID)
}

// LangURL is a language's segment in the edit page's address.
func (zaloTemplateListPage) LangURL(lang string) string { return langInURL(lang) }

// zaloTemplateList is GET /staff/admin/zalo-templates: every kind in every
// language, with its template and state.
func (s *Server) zaloTemplateList(c *fiber.Ctx) error {
	groups, err := message.ZaloTemplateList(c.UserContext(), s.db, s.cfg.ZaloTemplates)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/zalo_templates", zaloTemplateListPage{Page: s.page(c, "zalotpl.title"),
		Groups: groups, Configured: s.cfg.ZaloAppID != ""})
}

// zaloParamRow is one parameter row of the form, as typed.
type zaloParamRow struct {
	Index         int
	Zalo, Lantern string
}

type zaloTemplateForm struct {
	Kind, Lang string
	TemplateID string
	Active     bool
	Rows       []zaloParamRow
}

type zaloTemplateFormPage struct {
	Page
	Form     zaloTemplateForm
	Errors   FieldErrors
	Params   []string // the kind's params, the select's options
	Preview  string
	LangPath string
}

// formOf turns the domain's input into the form's rows, with spare blank
// rows up to message.ZaloParamRows.
func formOf(in message.ZaloTemplateInput) zaloTemplateForm {
	f := zaloTemplateForm{Kind: in.Kind, Lang: in.Lang, TemplateID: in.TemplateID, Active: in.Active}
	for i := 0; i < message.ZaloParamRows; i++ {
		row := zaloParamRow{Index: i}
		if i < len(in.Params) {
			row.Zalo, row.Lantern = in.Params[i].Zalo, in.Params[i].Lantern
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

func (s *Server) renderZaloTemplate(c *fiber.Ctx, status int, in message.ZaloTemplateInput, errs FieldErrors) error {
	k, _ := message.KindParamsOf(in.Kind)
	p := zaloTemplateFormPage{Page: s.page(c, "zalotpl.edit_title"), Form: formOf(in), Errors: errs, Params: k.Params,
		Preview: in.Preview(), LangPath: langInURL(in.Lang)}
	return s.render(c, status, "admin/zalo_template_form", p)
}

// zaloTemplateEdit is GET /staff/admin/zalo-templates/:kind/:tl: the
// mapping in force (or ZALO_TEMPLATES' as a start) and its preview.
func (s *Server) zaloTemplateEdit(c *fiber.Ctx) error {
	in, err := message.ZaloTemplateDraft(c.UserContext(), s.db, s.cfg.ZaloTemplates, strings.Clone(c.Params("kind")), langOfURL(strings.Clone(c.Params("tl"))))
	if err != nil {
		return err
	}
	return s.renderZaloTemplate(c, fiber.StatusOK, in, FieldErrors{})
}

// readZaloTemplateForm reads the posted form into the domain's input
// (every string copied: they outlive the handler in the page).
func readZaloTemplateForm(c *fiber.Ctx, kind, lang string) message.ZaloTemplateInput {
	in := message.ZaloTemplateInput{Kind: kind, Lang: lang, TemplateID: strings.Clone(c.FormValue("template_id")),
		Active: c.FormValue("active") != ""}
	for i := 0; i < message.ZaloParamRows; i++ {
		in.Params = append(in.Params, message.ZaloParam{Zalo: strings.Clone(c.FormValue(message.ParamField("zalo", i))),
			Lantern: strings.Clone(c.FormValue(message.ParamField("lantern", i)))})
	}
	return in
}

// zaloTemplateSave is POST /staff/admin/zalo-templates/:kind/:tl:
// "preview" shows the template data the form would send; "save" (the
// default) writes it. Every error at once beside its field, nothing
// changed.
func (s *Server) zaloTemplateSave(c *fiber.Ctx) error {
	t := translator(c)
	kind, lang := strings.Clone(c.Params("kind")), langOfURL(strings.Clone(c.Params("tl")))
	if err := message.TemplateTarget(kind, lang); err != nil {
		return err
	}
	in := readZaloTemplateForm(c, kind, lang)
	errs := FieldErrors{}
	if c.FormValue("action") == "preview" {
		if err := in.Check(); err != nil {
			errs.AddErr(t, err, "_form")
		}
		return s.renderZaloTemplate(c, fiber.StatusOK, in, errs)
	}
	err := message.SaveZaloTemplate(c.UserContext(), s.db, currentUser(c).ID, in, s.now())
	if apperr.Is(err, apperr.Invalid) {
		errs.AddErr(t, err, "_form")
		return s.renderZaloTemplate(c, fiber.StatusUnprocessableEntity, in, errs)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/zalo-templates?flash=zalotpl_saved", fiber.StatusSeeOther)
}

// HasParam tells whether p is one of the kind's params (a value typed that
// is not stays selectable, so that what was sent is kept beside its error).
func (p zaloTemplateFormPage) HasParam(name string) bool {
	for _, x := range p.Params {
		if x == name {
			return true
		}
	}
	return false
}
