package web

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// The person is looked up by a phone number or a confirmation code sent in
// the form body, never in the URL: numbers must not reach access logs.
type privacyForm struct {
	Subject string `form:"subject" validate:"required,max=40" label:"privacy.subject"`
	Confirm string `form:"confirm"`
}

type privacyPage struct {
	Page
	Form    privacyForm
	Errors  FieldErrors
	Export  *privacy.Export
	Confirm bool // the erasure confirmation step
	// Looks: who has looked at this person's data (newest first).
	Looks []audit.ReadRow
}

// Label translates a code (sex, age band, role …) with the messages of
// the area that owns them, or shows the code when there is none.
func (p privacyPage) Label(prefix, code string) string {
	if code == "" {
		return ""
	}
	if s := p.T(prefix + code); s != prefix+code {
		return s
	}
	return code
}

var codeRE = regexp.MustCompile(`^[A-Za-z0-9]{6,16}$`)

// subjectOf reads a phone number (as people write it) or a confirmation code.
func subjectOf(raw, region string) (privacy.Subject, bool) {
	raw = strings.TrimSpace(raw)
	if n, err := phone.ParseIn(raw, region); err == nil {
		return privacy.Subject{Phone: n.E164}, true
	}
	// Codes are read aloud and typed with spaces or dashes.
	if code := strings.NewReplacer(" ", "", "-", "").Replace(raw); codeRE.MatchString(code) {
		return privacy.Subject{Code: strings.ToUpper(code)}, true
	}
	return privacy.Subject{}, false
}

func (s *Server) privacyForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "admin/privacy", privacyPage{Page: s.page(c, "admin.page.privacy.title"), Errors: FieldErrors{}})
}

// readSubject binds the form. On bad input it renders the search form again
// and returns rendered=true: the handler then returns err as it is.
func (s *Server) readSubject(c *fiber.Ctx, p Page) (f privacyForm, sub privacy.Subject, rendered bool, err error) {
	if err := bindForm(c, &f); err != nil {
		return f, sub, true, err
	}
	f.Subject = textnorm.Clean(f.Subject)
	errs := s.check(p.Translator, &f)
	home, err := s.homeCountry(c)
	if err != nil {
		return f, sub, true, err
	}
	sub, ok := subjectOf(f.Subject, home.PhoneRegion)
	if !errs.Any() && !ok {
		errs.Add("subject", p.T("error.account.subject_invalid"))
	}
	if errs.Any() {
		return f, sub, true, s.render(c, fiber.StatusUnprocessableEntity, "admin/privacy", privacyPage{Page: p, Form: f, Errors: errs})
	}
	return f, sub, false, nil
}

// privacyNothing shows "nothing found" on the search form itself.
func (s *Server) privacyNothing(c *fiber.Ctx, p Page, f privacyForm, err error) error {
	if apperr.Is(err, apperr.NotFound) {
		errs := FieldErrors{}
		errs.AddErr(p.Translator, err, "subject")
		return s.render(c, fiber.StatusNotFound, "admin/privacy", privacyPage{Page: p, Form: f, Errors: errs})
	}
	return err
}

// privacyShow is the readable export: every registration of the person.
func (s *Server) privacyShow(c *fiber.Ctx) error {
	p := s.page(c, "admin.page.privacy.title")
	f, sub, rendered, err := s.readSubject(c, p)
	if rendered {
		return err
	}
	ex, err := privacy.BuildExport(c.UserContext(), s.db, currentUser(c).ID, sub, p.Lang, s.now())
	if err != nil {
		return s.privacyNothing(c, p, f, err)
	}
	if err := s.logRead(c, audit.ReadPrivacySearch, 0, 1, ex.RegistrationIDs); err != nil {
		return err
	}
	looks, err := audit.ReadsOfPerson(c.UserContext(), s.db, ex.RegistrationIDs, ex.EventIDs, ex.FirstAt)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/privacy", privacyPage{Page: p, Form: f, Errors: FieldErrors{}, Export: ex, Looks: looks})
}

// privacyExport downloads the person's data as JSON.
func (s *Server) privacyExport(c *fiber.Ctx) error {
	p := s.page(c, "admin.page.privacy.title")
	f, sub, rendered, err := s.readSubject(c, p)
	if rendered {
		return err
	}
	ex, err := privacy.BuildExport(c.UserContext(), s.db, currentUser(c).ID, sub, p.Lang, s.now())
	if err != nil {
		return s.privacyNothing(c, p, f, err)
	}
	if err := s.logRead(c, audit.ReadPrivacyExport, 0, 1, ex.RegistrationIDs); err != nil {
		return err
	}
	return sendJSONDownload(c, "lantern-personal-data-"+s.now().Format("20060102")+".json", ex)
}

// privacyErase anonymises every registration of the person, after a
// confirmation step (confirm=yes).
func (s *Server) privacyErase(c *fiber.Ctx) error {
	p := s.page(c, "admin.page.privacy.erase")
	f, sub, rendered, err := s.readSubject(c, p)
	if rendered {
		return err
	}
	ctx := c.UserContext()
	if f.Confirm != "yes" {
		ex, err := privacy.BuildExport(ctx, s.db, currentUser(c).ID, sub, p.Lang, s.now())
		if err != nil {
			return s.privacyNothing(c, p, f, err)
		}
		return s.render(c, fiber.StatusOK, "admin/privacy", privacyPage{Page: p, Form: f, Errors: FieldErrors{}, Export: ex, Confirm: true})
	}
	_, err = privacy.Erase(ctx, s.db, currentUser(c).ID, sub, s.now(), s.notifier())
	if err != nil {
		return s.privacyNothing(c, p, f, err)
	}
	return c.Redirect(p.URL("/staff/admin/privacy?flash=account_erased"), fiber.StatusSeeOther)
}

type consentForm struct {
	Audience string `form:"audience" validate:"required,oneof=adult guardian child announcements" label:"privacy.audience"`
	Version  string `form:"version" validate:"required,max=32,excludesall= /?#&<>" label:"privacy.version"`
	Country  string `form:"country" validate:"omitempty,len=2,alpha" label:"account.scope_country"`
	// Texts are the text in each interface language (text_<lang>).
	Texts map[string]string `form:"-"`
}

// Others tells whether a text is typed in a language beyond the core three.
func (f consentForm) Others() bool {
	for l, v := range f.Texts {
		if v != "" && !locale.IsCore(l) {
			return true
		}
	}
	return false
}

type consentPage struct {
	Page
	Countries []country.Country
	Versions  []privacy.ConsentVersion
	Form      consentForm
	Errors    FieldErrors
	// Audiences: adult, guardian, child; Current: the newest version of each.
	Audiences []string
	Current   map[string]uint // by "audience:country"
}

// CountryName names a consent text's country.
func (p consentPage) CountryName(code string) string {
	for _, c := range p.Countries {
		if c.Code == code {
			return c.Name.String(p.Lang)
		}
	}
	return code
}

func (s *Server) consentPage(c *fiber.Ctx, status int, f consentForm, errs FieldErrors) error {
	vs, err := privacy.ConsentVersions(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	if f.Version == "" && len(f.Texts) == 0 && len(vs) > 0 {
		// Start from the current text: a new version is usually an edit.
		f.Texts, f.Country = map[string]string{}, vs[0].Country
		for l, v := range vs[0].Text {
			f.Texts[l] = v
		}
	}
	countries, err := country.All(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	cp := consentPage{Page: s.page(c, "admin.page.consent.title"), Countries: countries, Versions: vs, Form: f, Errors: errs,
		Audiences: []string{registration.ConsentAdult, registration.ConsentGuardian, registration.ConsentChild, registration.ConsentAnnouncements}, Current: map[string]uint{}}
	for _, v := range vs {
		if _, ok := cp.Current[v.Audience+":"+v.Country]; !ok {
			cp.Current[v.Audience+":"+v.Country] = v.ID
		}
	}
	if cp.Form.Audience == "" {
		cp.Form.Audience = registration.ConsentAdult
	}
	return s.render(c, status, "admin/consent", cp)
}

func (s *Server) consentList(c *fiber.Ctx) error {
	return s.consentPage(c, fiber.StatusOK, consentForm{}, FieldErrors{})
}

// consentPublish stores a new consent text version.
func (s *Server) consentPublish(c *fiber.Ctx) error {
	t := translator(c)
	var f consentForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Version, f.Country = textnorm.Clean(f.Version), strings.ToUpper(f.Country)
	f.Texts = map[string]string{}
	for _, l := range locale.Supported {
		f.Texts[l] = textnorm.Clean(utils.CopyString(c.FormValue("text_" + l)))
	}
	errs := s.check(t, &f)
	if errs.Any() {
		return s.consentPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	_, err := privacy.PublishConsent(c.UserContext(), s.db, currentUser(c).ID,
		privacy.ConsentInput{Audience: f.Audience, Version: f.Version, Country: f.Country, Text: f.Texts}, s.now())
	if len(apperr.FieldsOf(err)) > 0 {
		errs.AddAll(t, err)
		return s.consentPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	if apperr.Is(err, apperr.Conflict) {
		errs.Add("version", t.T("error.account.version_taken"))
		return s.consentPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/consent?flash=account_consent_published", fiber.StatusSeeOther)
}
