package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
)

// The admission queue: no more than n staff requests or posts at work, the
// others served once a place is free, a waiter out of time refused with the
// "unavailable" error, anonymous reads never held.
func TestAdmissionQueue(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	running, most := 0, 0
	var order []string
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		if apperr.KindOf(err) == apperr.Unavailable {
			return c.SendStatus(http.StatusServiceUnavailable)
		}
		return c.SendStatus(http.StatusInternalServerError)
	}})
	app.Use(func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		if c.Get("X-Deadline") != "" {
			ctx, cancel = context.WithTimeout(c.UserContext(), 50*time.Millisecond)
			defer cancel()
		}
		c.SetUserContext(ctx)
		return c.Next()
	})
	app.Use(admission(2))
	app.All("/*", func(c *fiber.Ctx) error {
		hold := c.Get("X-Hold") != ""
		mu.Lock()
		order = append(order, c.Get("X-Name"))
		if hold {
			running++
			most = max(most, running)
		}
		mu.Unlock()
		if hold {
			<-release
			mu.Lock()
			running--
			mu.Unlock()
		}
		return c.SendString("ok")
	})
	send := func(method, name string, hold, staff, deadline bool) int {
		req := httptest.NewRequest(method, "/x", nil)
		req.Header.Set("X-Name", name)
		if hold {
			req.Header.Set("X-Hold", "1")
		}
		if deadline {
			req.Header.Set("X-Deadline", "1")
		}
		if staff {
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "s"})
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Error(err)
			return 0
		}
		return resp.StatusCode
	}
	ran := func(n int) {
		t.Helper()
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
			mu.Lock()
			got := len(order)
			mu.Unlock()
			if got >= n {
				return
			}
		}
		t.Fatalf("%d requests ran, want %d", len(order), n)
	}

	var wg sync.WaitGroup
	codes := make(map[string]int)
	var cmu sync.Mutex
	start := func(method, name string, staff bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := send(method, name, true, staff, false)
			cmu.Lock()
			codes[name] = code
			cmu.Unlock()
		}()
	}
	// Two posts take both places; three more queue, one at a time so that
	// their order of arrival is known.
	start(http.MethodPost, "a", false)
	start(http.MethodPost, "b", true)
	ran(2)
	for _, name := range []string{"c", "d", "e"} {
		start(http.MethodPost, name, false)
		time.Sleep(20 * time.Millisecond)
	}
	// An anonymous read goes by the queue; a staff page waits; one whose
	// deadline passes while waiting is refused.
	if code := send(http.MethodGet, "public", false, false, false); code != http.StatusOK {
		t.Errorf("anonymous read: %d", code)
	}
	if code := send(http.MethodGet, "late", false, true, true); code != http.StatusServiceUnavailable {
		t.Errorf("waiter out of time: %d, want 503", code)
	}
	for i := 0; i < 5; i++ {
		release <- struct{}{}
	}
	wg.Wait()
	if most > 2 {
		t.Errorf("%d requests at work at once, want at most 2", most)
	}
	// The anonymous read ran while the queue was full; the queued posts
	// ran only once places were freed. (Their order among themselves is
	// the Go runtime's, first in first out; a loaded test machine cannot
	// tell which of two goroutines reached the queue first.)
	if got := order[2:]; len(got) != 4 || got[0] != "public" || !slices.Contains(got, "c") || !slices.Contains(got, "d") || !slices.Contains(got, "e") {
		t.Errorf("order after the first two: %v, want public, then c, d and e", got)
	}
	for name, code := range codes {
		if code != http.StatusOK {
			t.Errorf("%s: %d", name, code)
		}
	}
}
