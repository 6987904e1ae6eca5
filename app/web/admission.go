package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// defaultDBConcurrency is used when the configuration leaves it unset.
const defaultDBConcurrency = 8

// admission lets at most n requests that work on the database run at once
// on this instance; the others wait in the order they came (the waiters on
// a full Go channel are served first in, first out).
//
// Why: database/sql gives a freed connection to a waiting request chosen at
// random, and a check-in takes two connections in turn. With 100 phones
// sending at once, a few requests lost that draw again and again: p99 was
// three times the median. Queued here in order, with no more at work than
// the database serves well on two cores, the slowest stays near the median
// and throughput rises (docs/PERFORMANCE.md). Nothing else rests on it: it
// is a queue, not state.
//
// Anonymous reads (public pages, served from the page cache) and static
// files do not wait here; staff requests and every form post do.
func admission(n int) fiber.Handler {
	if n <= 0 {
		n = defaultDBConcurrency
	}
	slots := make(chan struct{}, n)
	return func(c *fiber.Ctx) error {
		if isSafeMethod(c.Method()) && c.Cookies(sessionCookie) == "" {
			return c.Next()
		}
		select {
		case slots <- struct{}{}:
		case <-c.UserContext().Done():
			// Waited the whole request deadline: the translated 503.
			return apperr.New(apperr.Unavailable, "error.unavailable")
		}
		defer func() { <-slots }()
		return c.Next()
	}
}
