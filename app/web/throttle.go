package web

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/locale"
)

// Password guessing is slowed down, never refused outright (README, "Sign-in
// limits"): only failures count, each failure in a row makes the next
// attempt wait longer, and a right password that comes in its time always
// works. The keys are an account at a client address and a client address,
// so that failures from one address never slow the account's owner down at
// another, and a room of people behind one Wi-Fi who sign in is never
// stopped by its successes.
var (
	// throttleAccountAddr: three free failures of one account from one
	// address, then 1 s, 2 s, 4 s … up to 15 minutes between attempts.
	throttleAccountAddr = dbstate.Throttle{Free: 3, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	// throttleAddr: ten free failures in a row from one address (on any
	// accounts, or set-password links), then 1 s, 2 s, 4 s … up to 15 minutes.
	throttleAddr = dbstate.Throttle{Free: 10, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
)

type throttleKey struct {
	key string
	th  dbstate.Throttle
}

func loginThrottleKeys(email, ip string) []throttleKey {
	return []throttleKey{{"login:acct-ip:" + email + "|" + ip, throttleAccountAddr}, {"login:ip:" + ip, throttleAddr}}
}

// attempt takes a password attempt on every key. A positive wait means the
// attempt came too early and nothing was counted; otherwise the attempt
// counts as a failure until attemptSucceeded.
func (s *Server) attempt(ctx context.Context, keys ...throttleKey) (time.Duration, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.key
	}
	wait, err := dbstate.Waiting(ctx, s.db, s.now(), names...)
	if err != nil || wait > 0 {
		return wait, err
	}
	for _, k := range keys {
		w, err := dbstate.Attempt(ctx, s.db, k.key, k.th, s.now())
		if dbstate.IsContended(err) {
			w, err = time.Second, nil
		}
		if err != nil || w > 0 {
			return w, err
		}
	}
	return 0, nil
}

// attemptSucceeded forgets the failures of keys after a right password.
func (s *Server) attemptSucceeded(ctx context.Context, keys ...throttleKey) error {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.key
	}
	return dbstate.Succeeded(ctx, s.db, names...)
}

// tooEarly sets Retry-After and says, in the page's language, how long to
// wait before the next attempt.
func tooEarly(c *fiber.Ctx, t *locale.Translator, wait time.Duration) string {
	secs := int((wait + time.Second - 1) / time.Second)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	if secs < 120 {
		return t.TN("error.login.wait_seconds", secs)
	}
	return t.TN("error.login.wait_minutes", (secs+59)/60)
}
