package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// throttleWorld is the app behind a trusted proxy (X-Forwarded-For gives
// each client its address) on a clock the test moves.
type throttleWorld struct {
	*testApp
	now time.Time
}

func newThrottleWorld(t *testing.T, db *gorm.DB) *throttleWorld {
	t.Helper()
	ta := newTestAppWith(t, db, func(cfg *config.Config) { cfg.TrustedProxies = []string{"0.0.0.0"} })
	w := &throttleWorld{testApp: ta, now: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	ta.setNow(w.now)
	return w
}

func (w *throttleWorld) advance(d time.Duration) {
	w.now = w.now.Add(d)
	w.setNow(w.now)
}

func (w *throttleWorld) from(ip string) *client {
	c := w.client()
	c.ip = ip
	return c
}

// signIn posts the Vietnamese login form.
func signIn(c *client, email, password string) *http.Response {
	return c.post("/vi/login", url.Values{"email": {email}, "password": {password}})
}

const wrongPassword = "wrong-password-123"

func wantCode(t *testing.T, resp *http.Response, want int, what string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d", what, resp.StatusCode, want)
	}
}

// TestLoginDelaysGrow: failures of one account from one address cost
// nothing three times, then make the next attempt wait 1 s, 2 s, 4 s … up
// to 15 minutes; an attempt that comes too early gets a translated 429 with
// Retry-After (even with the right password), one that waits its turn is
// checked, and the right password, in its time, signs in and starts again
// from zero.
func TestLoginDelaysGrow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		u := testutil.Staff(t, db, user.RoleOrganiser)
		c := w.from("203.0.113.5")
		for i := 1; i <= 4; i++ {
			wantCode(t, signIn(c, u.Email, wrongPassword), http.StatusUnprocessableEntity, fmt.Sprintf("failure %d", i))
		}
		tooEarly := func(wantWait string) {
			t.Helper()
			resp := signIn(c, u.Email, testutil.DefaultPassword)
			doc := w.parse(resp, http.StatusTooManyRequests, "too early")
			if got := resp.Header.Get("Retry-After"); got != wantWait {
				t.Errorf("Retry-After = %q, want %q", got, wantWait)
			}
			if got := text(doc, ".flash-error"); !strings.Contains(got, "chờ "+wantWait+" giây") {
				t.Errorf("message = %q, want a wait of %s giây", got, wantWait)
			}
		}
		tooEarly("1")
		w.advance(time.Second)
		wantCode(t, signIn(c, u.Email, wrongPassword), http.StatusUnprocessableEntity, "failure 5")
		tooEarly("2")
		w.advance(2 * time.Second)
		wantCode(t, signIn(c, u.Email, wrongPassword), http.StatusUnprocessableEntity, "failure 6")
		tooEarly("4")
		w.advance(4 * time.Second)
		wantCode(t, signIn(c, u.Email, testutil.DefaultPassword), http.StatusSeeOther, "right password in its time")

		// Counted from zero again: four failures in a row pass.
		c = w.from("203.0.113.5")
		for i := 1; i <= 4; i++ {
			wantCode(t, signIn(c, u.Email, wrongPassword), http.StatusUnprocessableEntity, fmt.Sprintf("failure %d after a success", i))
		}
		// The wait doubles up to 15 minutes, and the message says minutes.
		waits := []string{}
		for i := 0; i < 14; i++ {
			resp := signIn(c, u.Email, wrongPassword)
			wantCode(t, resp, http.StatusTooManyRequests, "early")
			ra := resp.Header.Get("Retry-After")
			waits = append(waits, ra)
			var secs int
			fmt.Sscan(ra, &secs)
			w.advance(time.Duration(secs) * time.Second)
			wantCode(t, signIn(c, u.Email, wrongPassword), http.StatusUnprocessableEntity, "in its time")
		}
		if got := strings.Join(waits, " "); got != "1 2 4 8 16 32 64 128 256 512 900 900 900 900" {
			t.Errorf("waits = %s", got)
		}
		doc := w.parse(signIn(c, u.Email, testutil.DefaultPassword), http.StatusTooManyRequests, "capped")
		if got := text(doc, ".flash-error"); !strings.Contains(got, "chờ 15 phút") {
			t.Errorf("capped message = %q", got)
		}
		w.advance(15 * time.Minute)
		wantCode(t, signIn(c, u.Email, testutil.DefaultPassword), http.StatusSeeOther, "right password after the longest wait")
	})
}

// TestLoginFailuresElsewhereDoNotLockOwner: a stranger hammering an
// account from one address neither locks its owner out of signing in from
// another address nor out of changing the password.
func TestLoginFailuresElsewhereDoNotLockOwner(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		u := testutil.Staff(t, db, user.RoleOrganiser)
		owner := w.from("198.51.100.20")
		owner.login(u)
		attacker := w.from("203.0.113.66")
		refused := 0
		for i := 0; i < 40; i++ {
			resp := signIn(attacker, u.Email, wrongPassword)
			if resp.StatusCode == http.StatusTooManyRequests {
				refused++
			} else if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
			}
		}
		if refused < 35 {
			t.Errorf("only %d of 40 quick guesses were slowed down", refused)
		}
		// The owner, elsewhere, at once: signs in, and changes the password.
		wantCode(t, signIn(w.from("198.51.100.21"), u.Email, testutil.DefaultPassword), http.StatusSeeOther, "owner elsewhere")
		resp := owner.post("/en/staff/profile/password", url.Values{"current": {testutil.DefaultPassword}, "password": {"new-password-2026"}, "confirm": {"new-password-2026"}})
		wantCode(t, resp, http.StatusSeeOther, "owner changes the password")
	})
}

// TestProfilePasswordGuessesSlowed: guesses of the current password from an
// open session are slowed down like sign-ins, with a translated message by
// the field.
func TestProfilePasswordGuessesSlowed(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		u := testutil.Staff(t, db, user.RoleTrainer)
		c := w.from("198.51.100.30")
		c.login(u)
		change := func(current string) *http.Response {
			return c.post("/fr/staff/profile/password", url.Values{"current": {current}, "password": {"new-password-2026"}, "confirm": {"new-password-2026"}})
		}
		for i := 1; i <= 4; i++ {
			wantCode(t, change(wrongPassword), http.StatusUnprocessableEntity, fmt.Sprintf("wrong current %d", i))
		}
		resp := change(testutil.DefaultPassword)
		doc := w.parse(resp, http.StatusTooManyRequests, "too early")
		if got := text(doc, "#f-current-err"); got != "Trop de mots de passe erronés d'affilée. Attendez 1 seconde et réessayez." || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("message %q, Retry-After %q", got, resp.Header.Get("Retry-After"))
		}
		w.advance(time.Second)
		wantCode(t, change(testutil.DefaultPassword), http.StatusSeeOther, "right current password in its time")
	})
}

// TestLoginTrainingRoom: a room of staff behind one Wi-Fi signs in — some
// mistype once — and one of them many times: nobody is stopped, because
// successes never count.
func TestLoginTrainingRoom(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		const room = "100.64.12.7"
		for i := 0; i < 25; i++ {
			u := testutil.Staff(t, db, user.RoleTrainer)
			c := w.from(room)
			if i%3 == 0 {
				wantCode(t, signIn(c, u.Email, wrongPassword), http.StatusUnprocessableEntity, fmt.Sprintf("typo of trainee %d", i+1))
			}
			wantCode(t, signIn(c, u.Email, testutil.DefaultPassword), http.StatusSeeOther, fmt.Sprintf("trainee %d", i+1))
		}
		u := testutil.Staff(t, db, user.RoleTrainer)
		for i := 0; i < 25; i++ {
			wantCode(t, signIn(w.from(room), u.Email, testutil.DefaultPassword), http.StatusSeeOther, fmt.Sprintf("sign-in %d of one trainer", i+1))
		}
	})
}

// TestLoginSprayFromOneAddress: one wrong password on each of many
// accounts from one address: ten cost nothing, then the address waits; the
// accounts' owners elsewhere do not.
func TestLoginSprayFromOneAddress(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		sprayer := w.from("203.0.113.99")
		var last *user.User
		for i := 1; i <= 12; i++ {
			last = testutil.Staff(t, db, user.RoleTrainer)
			want := http.StatusUnprocessableEntity
			if i == 12 {
				want = http.StatusTooManyRequests
			}
			wantCode(t, signIn(sprayer, last.Email, wrongPassword), want, fmt.Sprintf("account %d", i))
		}
		wantCode(t, signIn(w.from("198.51.100.40"), last.Email, testutil.DefaultPassword), http.StatusSeeOther, "owner elsewhere")
		w.advance(time.Second)
		wantCode(t, signIn(sprayer, last.Email, wrongPassword), http.StatusUnprocessableEntity, "after the wait")
	})
}

// TestLoginParallelGuesses: guesses sent at the same instant cannot all
// slip through before the first one fails: each is counted before its
// password is checked.
func TestLoginParallelGuesses(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		u := testutil.Staff(t, db, user.RoleTrainer)
		clients := make([]*client, 16)
		for i := range clients {
			clients[i] = w.from("203.0.113.77")
			clients[i].csrf()
		}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			status = map[int]int{}
		)
		for _, c := range clients {
			wg.Add(1)
			go func(c *client) {
				defer wg.Done()
				resp := signIn(c, u.Email, wrongPassword)
				mu.Lock()
				status[resp.StatusCode]++
				mu.Unlock()
			}(c)
		}
		wg.Wait()
		// Three free failures and the fourth, counted before the wait
		// starts: at most four passwords checked.
		if checked := status[http.StatusUnprocessableEntity]; checked < 1 || checked > 4 || checked+status[http.StatusTooManyRequests] != 16 {
			t.Errorf("statuses = %v, want at most 4 checked and the others 429", status)
		}
	})
}

// TestSetPasswordLinks: new staff setting their passwords through one
// Wi-Fi are never stopped; guessing links from one address is slowed down.
func TestSetPasswordLinks(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newThrottleWorld(t, db)
		admin := testutil.Staff(t, db, user.RoleAdmin)
		const room = "100.64.12.8"
		for i := 0; i < 25; i++ {
			u := testutil.Staff(t, db, user.RoleTrainer)
			tok, err := user.NewPasswordLink(context.Background(), db, admin.ID, u.ID, w.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp := w.from(room).post("/vi/set-password/"+tok, url.Values{"password": {"a-fine-password-2026"}, "confirm": {"a-fine-password-2026"}})
			wantCode(t, resp, http.StatusSeeOther, fmt.Sprintf("new staff %d", i+1))
		}
		guesser := w.from("203.0.113.123")
		for i := 1; i <= 12; i++ {
			resp := guesser.post(fmt.Sprintf("/vi/set-password/made-up-link-%02d-xxxxxxxxxxxxxxxx", i), url.Values{"password": {"x"}, "confirm": {"x"}})
			want := http.StatusNotFound
			if i == 12 {
				want = http.StatusTooManyRequests
			}
			wantCode(t, resp, want, fmt.Sprintf("guess %d", i))
			if i == 12 && resp.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
		}
	})
}
