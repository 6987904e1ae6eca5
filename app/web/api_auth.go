package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apitoken"
	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/user"
)

// /api/v1 is called three ways:
//
//   - anonymously, for the public routes (events, the OpenAPI document);
//   - with the staff session cookie, by Lantern's own pages (the check-in
//     page's roster and batches): requireRole and CSRF as for any page;
//   - with "Authorization: Bearer <token>", by partners' systems and
//     trainers' devices (apitoken): the token's scopes decide, it is rate
//     limited and its use counted, and the session cookie is then ignored
//     (no CSRF token is needed: a browser never adds that header by itself
//     to another site's request, so a page elsewhere cannot forge it).
//
// A request with no credentials on a route that needs some answers 403
// login_required, as before tokens existed (the check-in page reads a 403 as
// "sign in again"); a token that is not valid answers 401 token_invalid.

const localsAPICaller = "lantern.apicaller"

// smsInboundPath and smsReportsPath are the SMS gateway's webhooks, which
// authenticate with its own shared secret (also sent as a bearer token),
// not with an API token.
const (
	smsInboundPath = "/api/v1/sms/inbound"
	smsReportsPath = "/api/v1/sms/reports"
)

// smsGatewayPath tells whether the request is one of the SMS gateway's.
func smsGatewayPath(c *fiber.Ctx) bool {
	return c.Path() == smsInboundPath || c.Path() == smsReportsPath
}

// apiCaller is a request authenticated by an API token.
type apiCaller struct {
	token *apitoken.Token
	// account is the staff account the token is bound to (checkins:write),
	// nil when none.
	account *user.User
}

// apiCallerOf returns the request's token caller, nil without a token.
func apiCallerOf(c *fiber.Ctx) *apiCaller {
	a, _ := c.Locals(localsAPICaller).(*apiCaller)
	return a
}

// apiTokenAuth authenticates the /api/v1 requests that send a bearer token,
// applies the token's rate limit (429 with Retry-After) and counts the call
// (apitoken.RecordUse: per day, no personal data).
func (s *Server) apiTokenAuth(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" || smsGatewayPath(c) {
		return c.Next()
	}
	scheme, secret, _ := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return apperr.New(apperr.Unauthorized, "error.api.token_invalid")
	}
	ctx := c.UserContext()
	tok, account, err := apitoken.Authenticate(ctx, s.db, secret)
	if err != nil {
		return err
	}
	now := s.now()
	ok, retry, err := dbstate.Hit(ctx, s.db, "api-token:"+strconv.FormatUint(uint64(tok.ID), 10),
		dbstate.Limit{Max: tok.RatePerMinute, Window: time.Minute}, now)
	if err != nil {
		return err
	}
	if err := apitoken.RecordUse(ctx, s.db, tok, !ok, now); err != nil {
		return err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return apperr.New(apperr.RateLimited, "error.api.rate_limited").With(map[string]any{"Limit": tok.RatePerMinute})
	}
	c.Locals(localsAPICaller, &apiCaller{token: tok, account: account})
	return c.Next()
}

// apiAccess guards an /api/v1 route:
//   - with a token, the token must hold scope (else 403 scope_missing); in a
//     scope that acts as a staff account (checkins:write) the request runs
//     as the token's account, which must hold one of roles;
//   - without a token, a route with no roles is public, and the others need
//     a staff session holding one of roles (requireRole).
func (s *Server) apiAccess(scope apitoken.Scope, roles ...user.Role) fiber.Handler {
	session := s.requireRole(roles...)
	return func(c *fiber.Ctx) error {
		caller := apiCallerOf(c)
		if caller == nil {
			if len(roles) == 0 {
				return c.Next()
			}
			return session(c)
		}
		if !caller.token.Has(scope) {
			return apperr.New(apperr.Forbidden, "error.api.scope_missing").With(map[string]any{"Scope": string(scope)})
		}
		if scope.ActsAsAccount() {
			if caller.account == nil || (len(roles) > 0 && !caller.account.Has(roles...)) {
				return apperr.New(apperr.Forbidden, "error.forbidden")
			}
			c.Locals(localsUser, caller.account)
		}
		if len(roles) > 0 {
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		return c.Next()
	}
}
