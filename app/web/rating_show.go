package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/rating"
)

// The rating page (issue 15, "one tap after the session"): /{lang}/rate/{token},
// the link of a rating request. It names the session, never the person.

// Limits of the answers: per address (a venue's or a family's shared
// connection), and per link (a second answer replaces the first, a
// hundredth is a script).
var (
	rateLimitPerIP   = dbstate.Limit{Max: 300, Window: 10 * time.Minute}
	rateLimitPerLink = dbstate.Limit{Max: 10, Window: time.Hour}
)

type ratingPage struct {
	Page
	Token     string
	Event     eventView
	Req       *rating.Request
	Stars     string // as chosen (kept when the form comes back with errors)
	Comment   string
	Errors    FieldErrors
	Saved     bool
	MaxLength int
}

// StarChoices are the radio buttons' values, from one star up.
func (ratingPage) StarChoices() []int { return []int{1, 2, 3, 4, 5} }

// loadRating finds the request of /rate/:token; unknown tokens count
// against the address's limit, like unknown ticket codes.
func (s *Server) loadRating(c *fiber.Ctx) (*rating.Request, error) {
	var req *rating.Request
	err := s.missLimited(c, "ticket-miss:"+s.clientIP(c), ticketMissLimit, func() (err error) {
		req, err = rating.Find(c.UserContext(), s.db, c.Params("token"), s.now())
		return err
	})
	return req, err
}

func (s *Server) ratingPage(c *fiber.Ctx, req *rating.Request) ratingPage {
	p := s.page(c, "rating.title")
	p.NoIndex = true
	pg := ratingPage{Page: p, Token: utils.CopyString(c.Params("token")), Event: viewEvent(p.Translator, req.Event, s.now()),
		Req: req, Errors: FieldErrors{}, MaxLength: rating.CommentMax, Comment: req.Rating.Comment}
	if req.Rated() {
		pg.Stars = itoa(req.StarsGiven())
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer") // the token stays off other sites
	return pg
}

// ratingShow is GET /{lang}/rate/{token}.
func (s *Server) ratingShow(c *fiber.Ctx) error {
	req, err := s.loadRating(c)
	if err != nil {
		return err
	}
	pg := s.ratingPage(c, req)
	pg.Saved = c.Query("saved") == "1" && req.Rated()
	return s.render(c, fiber.StatusOK, "rating/show", pg)
}

// ratingSubmit is POST /{lang}/rate/{token}: the answer, or a new one.
func (s *Server) ratingSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := c.Params("token")
	req, err := s.loadRating(c)
	if err != nil {
		return err
	}
	if err := s.rateLimitAll(ctx, c,
		dbstate.Counter{Key: "rate:ip:" + s.clientIP(c), Limit: rateLimitPerIP},
		dbstate.Counter{Key: "rate:link:" + req.Rating.TokenHash[:16], Limit: rateLimitPerLink}); err != nil {
		return err
	}
	in := rating.Input{Stars: utils.CopyString(c.FormValue("stars")), Comment: utils.CopyString(c.FormValue("comment"))}
	if _, err := rating.Submit(ctx, s.db, token, in, s.now()); err != nil {
		if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.Conflict) {
			return err
		}
		// Nothing was written: the page again, with what was typed.
		pg := s.ratingPage(c, req)
		pg.Stars, pg.Comment = in.Stars, in.Comment
		pg.Errors.AddErr(pg.Translator, err, "_form")
		return s.render(c, fiber.StatusUnprocessableEntity, "rating/show", pg)
	}
	return c.Redirect("/"+langOf(c)+"/rate/"+utils.CopyString(token)+"?saved=1", fiber.StatusSeeOther)
}
