package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apitoken"
	"github.com/lantern-ngo/lantern/app/user"
)

// API tokens in the back office (admins only): list, create, look at one
// (its use per day), rotate, revoke. A secret is shown once, in the answer
// to the POST that made it (create or rotate), and never again: that page
// is rendered directly rather than after a redirect, since the secret must
// not be kept anywhere to be shown on a following GET. Staff pages are never
// cached (loadSession sets no-store).

type tokenForm struct {
	Name          string   `form:"name"`
	Scopes        []string `form:"scopes"`
	UserID        string   `form:"user_id"`
	RatePerMinute string   `form:"rate_per_minute"`
}

// Has tells the template whether a scope box is ticked.
func (f tokenForm) Has(scope apitoken.Scope) bool {
	for _, s := range f.Scopes {
		if s == string(scope) {
			return true
		}
	}
	return false
}

type tokenListPage struct {
	Page
	Tokens []apitoken.Listed
}

type tokenFormPage struct {
	Page
	Form     tokenForm
	Errors   FieldErrors
	Scopes   []apitoken.Scope
	Accounts []user.User
}

type tokenShowPage struct {
	Page
	Token    *apitoken.Token
	UserName string
	Uses     []apitoken.Use
}

type tokenSecretPage struct {
	Page
	Token   *apitoken.Token
	Secret  string
	Example string
	Rotated bool
}

// ScopeKey is the message ID of a scope's label ("events:read" →
// token.scope.events_read).
func (p Page) ScopeKey(scope string) string {
	return "token.scope." + strings.ReplaceAll(scope, ":", "_")
}

// tokenAccounts are the accounts a check-in device may act as.
func (s *Server) tokenAccounts(c *fiber.Ctx) ([]user.User, error) {
	all, err := user.List(c.UserContext(), s.db)
	if err != nil {
		return nil, err
	}
	var out []user.User
	for _, u := range all {
		if u.Active && u.Has(apitoken.AccountRoles...) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Server) tokenList(c *fiber.Ctx) error {
	ts, err := apitoken.List(c.UserContext(), s.db, s.now())
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/tokens", tokenListPage{Page: s.page(c, "admin.page.tokens.title"), Tokens: ts})
}

func (s *Server) tokenFormPage(c *fiber.Ctx, status int, f tokenForm, errs FieldErrors) error {
	accounts, err := s.tokenAccounts(c)
	if err != nil {
		return err
	}
	return s.render(c, status, "admin/token_form", tokenFormPage{Page: s.page(c, "admin.page.tokens.new"),
		Form: f, Errors: errs, Scopes: apitoken.Scopes, Accounts: accounts})
}

func (s *Server) tokenNew(c *fiber.Ctx) error {
	return s.tokenFormPage(c, fiber.StatusOK, tokenForm{RatePerMinute: strconv.Itoa(apitoken.DefaultRatePerMinute)}, FieldErrors{})
}

// tokenCreate makes a token and shows its secret once; a form with
// problems comes back with every one of them beside its field.
func (s *Server) tokenCreate(c *fiber.Ctx) error {
	var f tokenForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	rate, err := strconv.Atoi(strings.TrimSpace(f.RatePerMinute))
	if err != nil {
		rate = 0 // refused by the rate's own rule, beside its field
	}
	in := apitoken.Input{Name: f.Name, Scopes: f.Scopes, UserID: optionalID(f.UserID), RatePerMinute: rate}
	tok, secret, err := apitoken.Create(c.UserContext(), s.db, currentUser(c).ID, in, s.now())
	if err != nil {
		errs := FieldErrors{}
		errs.AddAll(translator(c), err)
		if errs.Any() {
			return s.tokenFormPage(c, fiber.StatusUnprocessableEntity, f, errs)
		}
		return err
	}
	return s.tokenSecret(c, tok, secret, false)
}

func (s *Server) tokenSecret(c *fiber.Ctx, tok *apitoken.Token, secret string, rotated bool) error {
	title := "admin.page.tokens.created"
	if rotated {
		title = "admin.page.tokens.rotated"
	}
	example := "curl -H 'Authorization: Bearer " + secret + "' '" + s.cfg.BaseURL + tokenExamplePath(tok) + "'"
	return s.render(c, fiber.StatusOK, "admin/token_secret", tokenSecretPage{Page: s.page(c, title),
		Token: tok, Secret: secret, Example: example, Rotated: rotated})
}

// tokenExamplePath is a call the token may make, for the example.
func tokenExamplePath(tok *apitoken.Token) string {
	switch {
	case tok.Has(apitoken.ScopeEventsRead):
		return "/api/v1/events?lang=en"
	case tok.Has(apitoken.ScopeIndicatorsRead):
		return "/api/v1/indicators"
	}
	return "/api/v1/events/1/roster?lang=en"
}

func (s *Server) tokenShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tok, err := apitoken.Get(ctx, s.db, id)
	if err != nil {
		return err
	}
	uses, err := apitoken.Uses(ctx, s.db, id, 30, s.now())
	if err != nil {
		return err
	}
	d := tokenShowPage{Page: s.page(c, "admin.page.tokens.show"), Token: tok, Uses: uses}
	if tok.UserID != nil {
		u, err := user.Get(ctx, s.db, *tok.UserID)
		if err != nil {
			return err
		}
		d.UserName = u.Name
	}
	return s.render(c, fiber.StatusOK, "admin/token_show", d)
}

// tokenRotate gives the token a new secret, shown once; the old one is
// refused from now on.
func (s *Server) tokenRotate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	tok, secret, err := apitoken.Rotate(c.UserContext(), s.db, currentUser(c).ID, id, s.now())
	if err != nil {
		return err
	}
	return s.tokenSecret(c, tok, secret, true)
}

func (s *Server) tokenRevoke(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := apitoken.Revoke(c.UserContext(), s.db, currentUser(c).ID, id, s.now()); err != nil {
		return err
	}
	return c.Redirect("/"+langOf(c)+"/staff/admin/tokens/"+itoa(int(id))+"?flash=token_revoked", fiber.StatusSeeOther)
}
