package web

import (
	"errors"
	"github.com/lantern-ngo/lantern/app/apperr"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/locale"
)

// newValidator returns the one shared validator. Field errors are reported
// under the form field name, so that templates find them by name.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("form"), ",", 2)[0]
		if name == "" || name == "-" {
			return f.Name
		}
		return name
	})
	// lang: one of the interface languages (locale.Supported), so that a
	// new language needs no change to the forms.
	_ = v.RegisterValidation("lang", func(fl validator.FieldLevel) bool {
		return locale.IsSupported(fl.Field().String())
	})
	_ = v.RegisterValidation("corelang", func(fl validator.FieldLevel) bool {
		return locale.IsCore(fl.Field().String())
	})
	return v
}

// FieldErrors maps a form field name to its translated message.
type FieldErrors map[string]string

// Any tells whether there is an error.
func (fe FieldErrors) Any() bool { return len(fe) > 0 }

// Get returns the message of a field ("" when none), for templates.
func (fe FieldErrors) Get(field string) string { return fe[field] }

// Add sets a field's message unless it already has one.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// AddAll adds, translated, every field problem an application error
// carries (apperr.FieldsOf).
func (fe FieldErrors) AddAll(t *locale.Translator, err error) {
	for _, f := range apperr.FieldsOf(err) {
		fe.Add(f.Field, t.TMap(f.Key, f.Args))
	}
}

// AddErr is the one way a domain error reaches a form: every field problem
// it carries goes beside its field; an error that names no field (the
// session is closed, the code expired) goes to other, usually "_form",
// shown above the form.
func (fe FieldErrors) AddErr(t *locale.Translator, err error, other string) {
	if len(apperr.FieldsOf(err)) > 0 {
		fe.AddAll(t, err)
		return
	}
	var args map[string]any
	var ae *apperr.Error
	if errors.As(err, &ae) {
		args = ae.Args
	}
	fe.Add(other, t.TMap(apperr.KeyOf(err), args))
}

// bindForm parses the request body into form (its `form` tags).
func bindForm(c *fiber.Ctx, form any) error {
	if err := c.BodyParser(form); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "bad form")
	}
	return nil
}

// check validates form and translates each error. A struct field's label is
// the i18n key in its `label` tag; messages come from validation.<tag>.
// Validation returns keys; only this edge translates (miniflux
// internal/locale/error.go).
func (s *Server) check(t *locale.Translator, form any) FieldErrors {
	out := FieldErrors{}
	err := s.validate.Struct(form)
	if err == nil {
		return out
	}
	var ve validator.ValidationErrors
	if !errors.As(err, &ve) {
		out.Add("_form", t.T("error.bad_request"))
		return out
	}
	rt := reflect.TypeOf(form)
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	for _, e := range ve {
		label := e.Field()
		if f, ok := rt.FieldByName(e.StructField()); ok {
			if key := f.Tag.Get("label"); key != "" {
				label = t.T(key)
			}
		}
		tag := e.Tag()
		if tag == "lang" || tag == "corelang" {
			tag = "oneof" // a language is one of the options offered
		}
		out.Add(e.Field(), t.T("validation."+tag, "Field", label, "Param", e.Param()))
	}
	return out
}
