package web

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// instance is one Lantern server process-alike: its own Server, Fiber app,
// connection pool and listener, sharing only the PostgreSQL database.
type instance struct {
	base string
	srv  *Server
	app  *fiber.App
}

// startInstanceOn serves the app on an existing database handle.
func startInstanceOn(t *testing.T, db *gorm.DB) *instance {
	t.Helper()
	cfg := testConfig(t)
	cfg.TrustedProxies = []string{"127.0.0.1"}
	srv, err := New(Options{Config: cfg, DB: db, Assets: lantern.Assets, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	app := srv.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	return &instance{base: "http://" + ln.Addr().String(), srv: srv, app: app}
}

func startInstance(t *testing.T, dbURL string) *instance {
	t.Helper()
	db, err := database.Open(dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the instance's own shutdown.
	t.Cleanup(func() { s, _ := db.DB(); s.Close() })
	return startInstanceOn(t, db)
}

// browser is an HTTP client with cookies and a client address of its own.
type browser struct {
	http *http.Client
	ip   string
}

func newBrowserClient(ip string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{ip: ip, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// The cookie jar is per host, and the two instances differ only by port:
// cookies are shared between them as a browser shares them behind one proxy.
func (b *browser) do(method, u string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", b.ip)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data), nil
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) token(base, path string) (string, error) {
	resp, body, err := b.do("GET", base+path, nil)
	if err != nil {
		return "", err
	}
	m := csrfInput.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		return "", fmt.Errorf("GET %s: %d, no token", path, resp.StatusCode)
	}
	return m[1], nil
}

// Two instances behind one PostgreSQL: concurrent registrations on both
// never overbook and never duplicate; a CSRF token from one is good on the
// other; a staff session started on one is valid on the other; and rate
// limits count across both.
func TestTwoInstancesShareOneDatabase(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs TEST_DATABASE_URL")
		}
		t.Skip("PostgreSQL only: TEST_DATABASE_URL not set")
	}
	pg := testutil.New(t, "postgres")
	a, b := startInstance(t, pg.URL), startInstance(t, pg.URL)
	both := []*instance{a, b}
	e := testutil.Event(t, pg.DB, testutil.EventOpts{Capacity: 50})
	eventPath := "/vi/events/" + itoa(int(e.ID))

	t.Run("no overbooking, no duplicates", func(t *testing.T) {
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				br := newBrowserClient(fmt.Sprintf("10.1.%d.%d", i/250, i%250+1))
				// The form comes from one instance and is posted to the other.
				tok, err := br.token(both[i%2].base, eventPath)
				if err != nil {
					errs <- err
					return
				}
				form := url.Values{"_csrf": {tok}, "name": {fmt.Sprintf("Người %d", i)}, "phone": {fmt.Sprintf("0912%06d", i)}, "consent": {"1"}}
				resp, _, err := br.do("POST", both[(i+1)%2].base+eventPath+"/register", form)
				if err != nil {
					errs <- err
					return
				}
				if resp.StatusCode != http.StatusSeeOther {
					errs <- fmt.Errorf("registration %d: status %d", i, resp.StatusCode)
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		count := func(status registration.Status) int64 {
			var c int64
			pg.DB.Model(&registration.Registration{}).Where("event_id = ? AND status = ?", e.ID, status).Count(&c)
			return c
		}
		if got := count(registration.StatusConfirmed); got != 50 {
			t.Errorf("confirmed = %d, want 50", got)
		}
		if got := count(registration.StatusWaitlisted); got != 150 {
			t.Errorf("waitlisted = %d, want 150", got)
		}
		var taken, phones int64
		pg.DB.Table("events").Where("id = ?", e.ID).Select("seats_taken").Scan(&taken)
		pg.DB.Table("registrations").Where("event_id = ?", e.ID).Select("COUNT(DISTINCT phone)").Scan(&phones)
		if taken != 50 || phones != 200 {
			t.Errorf("seats_taken = %d (want 50), distinct phones = %d (want 200)", taken, phones)
		}
		// One message a registration, whichever instance wrote it.
		var msgs, msgRegs int64
		pg.DB.Table("sms_messages").Where("event_id = ?", e.ID).Count(&msgs)
		pg.DB.Table("sms_messages").Where("event_id = ?", e.ID).Select("COUNT(DISTINCT registration_id)").Scan(&msgRegs)
		if msgs != 200 || msgRegs != 200 {
			t.Errorf("%d messages for %d registrations, want 200 for 200", msgs, msgRegs)
		}
	})

	t.Run("the same number on both instances at once", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				br := newBrowserClient(fmt.Sprintf("10.2.0.%d", i+1))
				tok, err := br.token(both[i%2].base, eventPath)
				if err != nil {
					t.Error(err)
					return
				}
				spellings := []string{"0987 654 321", "+84 98 765 4321", "84987654321", "098.765.4321"}
				form := url.Values{"_csrf": {tok}, "name": {"Trần Thị Lan"}, "phone": {spellings[i%4]}, "consent": {"1"}}
				if resp, _, err := br.do("POST", both[i%2].base+eventPath+"/register", form); err != nil || resp.StatusCode != http.StatusSeeOther {
					t.Errorf("same number %d: %v %v", i, err, resp)
				}
			}(i)
		}
		wg.Wait()
		var c int64
		pg.DB.Table("registrations").Where("event_id = ? AND phone = ?", e.ID, "+84987654321").Count(&c)
		if c != 1 {
			t.Errorf("registrations of one number = %d, want 1", c)
		}
	})

	t.Run("check-ins from phones on both instances", func(t *testing.T) {
		trainer := testutil.Staff(t, pg.DB, "trainer")
		// A session about to start: it takes check-ins (the window).
		ev := testutil.Event(t, pg.DB, testutil.EventOpts{Capacity: 30, StartsIn: 30 * time.Minute})
		testutil.AssignTrainer(t, pg.DB, ev.ID, trainer.ID)
		var regs []uint
		for i := 0; i < 20; i++ {
			regs = append(regs, testutil.Registration(t, pg.DB, ev.ID, testutil.RegistrationOpts{}).ID)
		}
		// Four phones, two on each instance, each checking in everyone.
		var wg sync.WaitGroup
		for p := 0; p < 4; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				in := both[p%2]
				br := newBrowserClient(fmt.Sprintf("10.5.0.%d", p+1))
				tok, err := br.token(in.base, "/en/login")
				if err != nil {
					t.Error(err)
					return
				}
				if resp, _, err := br.do("POST", in.base+"/en/login", url.Values{"_csrf": {tok}, "email": {trainer.Email}, "password": {testutil.DefaultPassword}}); err != nil || resp.StatusCode != http.StatusSeeOther {
					t.Errorf("login: %v %v", err, resp)
					return
				}
				// The check-in page's token, bound to the new session, as
				// checkin.js sends it.
				if tok, err = br.token(in.base, "/en/staff/events/"+itoa(int(ev.ID))+"/checkin"); err != nil {
					t.Error(err)
					return
				}
				var items []string
				for _, id := range regs {
					items = append(items, fmt.Sprintf(`{"client_id":"phone%d-%d","registration_id":%d,"at":%q}`, p, id, id, time.Now().UTC().Format(time.RFC3339)))
				}
				body := `{"checkins":[` + strings.Join(items, ",") + `]}`
				// The batch goes to the other instance than the login.
				req, _ := http.NewRequest("POST", both[(p+1)%2].base+"/api/v1/events/"+itoa(int(ev.ID))+"/checkins", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", tok)
				req.Header.Set("X-Forwarded-For", br.ip)
				resp, err := br.http.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Errorf("batch from phone %d: %v %v", p, err, resp)
					return
				}
				resp.Body.Close()
			}(p)
		}
		wg.Wait()
		var rows, distinct int64
		pg.DB.Table("attendances").Where("event_id = ?", ev.ID).Count(&rows)
		pg.DB.Table("attendances").Where("event_id = ?", ev.ID).Select("COUNT(DISTINCT registration_id)").Scan(&distinct)
		if rows != 20 || distinct != 20 {
			t.Errorf("attendance rows = %d (distinct %d), want 20: a check-in was lost or counted twice", rows, distinct)
		}
	})

	t.Run("sessions and login limits are shared", func(t *testing.T) {
		u := testutil.Staff(t, pg.DB, "organiser")
		br := newBrowserClient("10.3.0.1")
		tok, err := br.token(a.base, "/en/login")
		if err != nil {
			t.Fatal(err)
		}
		resp, _, err := br.do("POST", b.base+"/en/login", url.Values{"_csrf": {tok}, "email": {u.Email}, "password": {testutil.DefaultPassword}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login on B with A's form: %v %v", err, resp)
		}
		for _, in := range both {
			resp, _, err := br.do("GET", in.base+"/en/staff/", nil)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("session on %s: %v %v", in.base, err, resp)
			}
		}
		// Wrong passwords of one account from one address, spread over both
		// instances, are counted together: after the four that pass, the
		// next one on either instance must wait. The owner, elsewhere, signs
		// in on both at once.
		other := testutil.Staff(t, pg.DB, "admin")
		guesser := newBrowserClient("10.4.0.1")
		slowedAt := 0
		for i := 0; i < 6 && slowedAt == 0; i++ {
			in := both[i%2]
			tok, _ := guesser.token(in.base, "/en/login")
			resp, _, _ := guesser.do("POST", in.base+"/en/login", url.Values{"_csrf": {tok}, "email": {other.Email}, "password": {"wrong-password-123"}})
			switch {
			case resp == nil:
				t.Fatalf("attempt %d: no response", i+1)
			case resp.StatusCode == http.StatusTooManyRequests:
				slowedAt = i + 1
			case resp.StatusCode != http.StatusUnprocessableEntity:
				t.Fatalf("attempt %d: %v", i+1, resp)
			}
		}
		if slowedAt < 5 {
			t.Errorf("wrong passwords over two instances slowed down at attempt %d, want 5 or 6 (counted together, four free)", slowedAt)
		}
		for _, in := range both {
			br := newBrowserClient("10.4.1.1")
			tok, _ := br.token(in.base, "/en/login")
			resp, _, _ := br.do("POST", in.base+"/en/login", url.Values{"_csrf": {tok}, "email": {other.Email}, "password": {testutil.DefaultPassword}})
			if resp == nil || resp.StatusCode != http.StatusSeeOther {
				t.Errorf("owner elsewhere on %s: %v, want 303", in.base, resp)
			}
		}
	})
}
