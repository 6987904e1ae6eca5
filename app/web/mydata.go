package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
)

// A participant's own data, from their phone (issue 14): /{lang}/my-data.
// The number is typed once, in a form body; the browser then holds a random
// handle and, after the one-time code, a session, both in cookies: nothing
// personal ever goes into a URL.
const (
	myDataRequestCookie = "lantern_mydata_req"
	myDataSessionCookie = "lantern_mydata"
)

// Limits: a few codes an hour to a number (each costs an SMS and could
// annoy its owner), more per address (a family, a café's Wi-Fi), and code
// tries per address on top of the 5 tries per code.
var (
	myDataLimitPerPhone = dbstate.Limit{Max: 3, Window: time.Hour}
	myDataLimitPerIP    = dbstate.Limit{Max: 20, Window: time.Hour}
	myDataTriesPerIP    = dbstate.Limit{Max: 30, Window: 10 * time.Minute}
)

type myDataForm struct {
	Phone string `form:"phone" validate:"max=40" label:"register.phone"`
	Code  string `form:"code" validate:"max=20" label:"mydata.code"`
}

type myDataPage struct {
	Page
	Form   myDataForm
	Errors FieldErrors
	Export *privacy.Export
	// Rename: the registration whose name came back with an error, and what
	// was typed.
	RenameCode string
	RenameName string
}

// privateCookie sets (or, with "", clears) a cookie that holds a secret of
// this browser's own request (a "my data" handle or session, a guardian's
// link): HTTP only, sent to this site only, never with another site's
// request.
func (s *Server) privateCookie(c *fiber.Ctx, name, value string, life time.Duration) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: s.cfg.CookieSecure,
		SameSite: fiber.CookieSameSiteStrictMode, MaxAge: int(life.Seconds())}
	if value == "" {
		ck.MaxAge = -1
	}
	c.Cookie(ck)
}

func (s *Server) myDataRender(c *fiber.Ctx, status int, page string, mp myDataPage) error {
	mp.NoIndex = true
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, status, page, mp)
}

// myDataAsk is the form that asks for the number.
func (s *Server) myDataAsk(c *fiber.Ctx) error {
	return s.myDataRender(c, fiber.StatusOK, "mydata/ask", myDataPage{Page: s.page(c, "mydata.title"), Errors: FieldErrors{}})
}

// myDataStart sends the code (when there is something to see) and asks for
// it: the same answer whatever the number.
func (s *Server) myDataStart(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "mydata.title")
	var f myDataForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Phone = utils.CopyString(f.Phone)
	mp := myDataPage{Page: p, Form: f, Errors: s.check(p.Translator, &f)}
	home, err := s.homeCountry(c)
	if err != nil {
		return err
	}
	num, perr := phone.ParseIn(f.Phone, home.PhoneRegion)
	if perr != nil {
		mp.Errors.Add("phone", p.T(perr.Error()))
	}
	if mp.Errors.Any() {
		return s.myDataRender(c, fiber.StatusUnprocessableEntity, "mydata/ask", mp)
	}
	if err := s.rateLimit(ctx, c, "mydata:ip:"+s.clientIP(c), myDataLimitPerIP); err != nil {
		return myDataLimited(err)
	}
	if err := s.rateLimit(ctx, c, "mydata:phone:"+num.E164, myDataLimitPerPhone); err != nil {
		return myDataLimited(err)
	}
	handle, err := privacy.StartAccess(ctx, s.db, num.E164, p.Lang, s.now(), func(lang, code string) string {
		return registration.Cheapest(s.bundle.For(lang).T("sms.data_code", "Code", code))
	})
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			mp.Errors.AddAll(p.Translator, err)
			return s.myDataRender(c, fiber.StatusUnprocessableEntity, "mydata/ask", mp)
		}
		return err
	}
	s.privateCookie(c, myDataRequestCookie, handle, privacy.CodeValidFor)
	return c.Redirect(p.URL("/my-data/code"), fiber.StatusSeeOther)
}

func myDataLimited(err error) error {
	if apperr.Is(err, apperr.RateLimited) {
		return apperr.New(apperr.RateLimited, "error.mydata.rate_limited")
	}
	return err
}

// myDataCodeForm asks for the code sent to the phone.
func (s *Server) myDataCodeForm(c *fiber.Ctx) error {
	return s.myDataRender(c, fiber.StatusOK, "mydata/code", myDataPage{Page: s.page(c, "mydata.title"), Errors: FieldErrors{}})
}

// myDataVerify checks the code and opens the person's page.
func (s *Server) myDataVerify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "mydata.title")
	var f myDataForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code = utils.CopyString(f.Code)
	mp := myDataPage{Page: p, Form: f, Errors: s.check(p.Translator, &f)}
	if mp.Errors.Any() {
		return s.myDataRender(c, fiber.StatusUnprocessableEntity, "mydata/code", mp)
	}
	if err := s.rateLimit(ctx, c, "mydata:try:"+s.clientIP(c), myDataTriesPerIP); err != nil {
		return myDataLimited(err)
	}
	session, err := privacy.VerifyAccess(ctx, s.db, c.Cookies(myDataRequestCookie), f.Code, s.now())
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			mp.Errors.AddAll(p.Translator, err)
			return s.myDataRender(c, fiber.StatusUnprocessableEntity, "mydata/code", mp)
		}
		return err
	}
	s.privateCookie(c, myDataRequestCookie, "", 0)
	s.privateCookie(c, myDataSessionCookie, session, privacy.SessionFor)
	return c.Redirect(p.URL("/my-data/view"), fiber.StatusSeeOther)
}

// myDataPhone is the number of the open session; without one, back to the
// start.
func (s *Server) myDataPhone(c *fiber.Ctx) (string, error) {
	return privacy.SessionPhone(c.UserContext(), s.db, c.Cookies(myDataSessionCookie), s.now())
}

func (s *Server) myDataSessionOver(c *fiber.Ctx, err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return c.Redirect("/"+langOf(c)+"/my-data?flash=mydata_session_over", fiber.StatusSeeOther)
	}
	return err
}

// myDataView shows everything Lantern holds about the number.
func (s *Server) myDataView(c *fiber.Ctx) error {
	e164, err := s.myDataPhone(c)
	if err != nil {
		return s.myDataSessionOver(c, err)
	}
	return s.myDataShow(c, fiber.StatusOK, e164, myDataPage{Errors: FieldErrors{}})
}

func (s *Server) myDataShow(c *fiber.Ctx, status int, e164 string, mp myDataPage) error {
	mp.Page = s.page(c, "mydata.title")
	ex, err := privacy.OwnExport(c.UserContext(), s.db, e164, mp.Lang, s.now())
	if err != nil {
		return err
	}
	ex.Subject = phone.Mask(e164)
	mp.Export = ex
	return s.myDataRender(c, status, "mydata/view", mp)
}

// myDataDownload gives the same as JSON.
func (s *Server) myDataDownload(c *fiber.Ctx) error {
	e164, err := s.myDataPhone(c)
	if err != nil {
		return s.myDataSessionOver(c, err)
	}
	ex, err := privacy.OwnExport(c.UserContext(), s.db, e164, langOf(c), s.now())
	if err != nil {
		return err
	}
	return sendJSONDownload(c, "lantern-my-data-"+s.now().Format("20060102")+".json", ex)
}

type myDataRenameForm struct {
	Code string `form:"code" validate:"max=20"`
	Name string `form:"name" label:"register.name"` // its length is the domain's rule (one message)
}

// myDataRename corrects the name of one registration of the number.
func (s *Server) myDataRename(c *fiber.Ctx) error {
	e164, err := s.myDataPhone(c)
	if err != nil {
		return s.myDataSessionOver(c, err)
	}
	var f myDataRenameForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code, f.Name = utils.CopyString(f.Code), utils.CopyString(f.Name)
	t := translator(c)
	errs := s.check(t, &f)
	if !errs.Any() {
		err = privacy.RenameOwn(c.UserContext(), s.db, e164, f.Code, f.Name, s.now())
		if apperr.Is(err, apperr.Invalid) {
			errs.AddAll(t, err)
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.myDataShow(c, fiber.StatusUnprocessableEntity, e164, myDataPage{Errors: errs, RenameCode: f.Code, RenameName: f.Name})
	}
	return c.Redirect("/"+langOf(c)+"/my-data/view?flash=mydata_renamed", fiber.StatusSeeOther)
}

// myDataErase erases everything about the number, after the box "I
// understand" is ticked.
func (s *Server) myDataErase(c *fiber.Ctx) error {
	e164, err := s.myDataPhone(c)
	if err != nil {
		return s.myDataSessionOver(c, err)
	}
	if c.FormValue("confirm") != "yes" {
		t := translator(c)
		errs := FieldErrors{}
		errs.Add("confirm", t.T("error.mydata.confirm"))
		return s.myDataShow(c, fiber.StatusUnprocessableEntity, e164, myDataPage{Errors: errs})
	}
	if _, err := privacy.EraseOwn(c.UserContext(), s.db, e164, s.now(), s.notifier()); err != nil {
		return err
	}
	s.privateCookie(c, myDataSessionCookie, "", 0)
	return c.Redirect("/"+langOf(c)+"/my-data?flash=mydata_erased", fiber.StatusSeeOther)
}

// myDataDone closes the page.
func (s *Server) myDataDone(c *fiber.Ctx) error {
	_ = privacy.EndSession(c.UserContext(), s.db, c.Cookies(myDataSessionCookie))
	s.privateCookie(c, myDataSessionCookie, "", 0)
	return c.Redirect("/"+langOf(c)+"/my-data?flash=mydata_done", fiber.StatusSeeOther)
}
