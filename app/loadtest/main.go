// Command loadtest drives a running Lantern server with concurrent clients
// and reports requests per second and latency percentiles per scenario:
//
//	go run ./app/loadtest -base http://127.0.0.1:8080 -c 100 -d 15s -scenarios events,event,static
//
// Each client keeps its own cookies (CSRF token, staff session) like a
// browser. Figures go to docs/PERFORMANCE.md with the command that made them.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type scenario struct {
	name string
	// setup prepares one client (log in, fetch a CSRF token); it may return
	// state for step.
	setup func(ctx context.Context, cl *client) error
	// step runs one request and says whether it succeeded.
	step func(ctx context.Context, cl *client, i int64) error
}

type client struct {
	http   *http.Client
	base   string
	csrf   string
	event  string
	id     int
	state  map[string]string
	roster []string
}

var (
	base      = flag.String("base", "http://127.0.0.1:8080", "server origin; several, comma-separated, spread the clients over instances (client i uses origin i mod n)")
	conc      = flag.Int("c", 100, "concurrent clients")
	duration  = flag.Duration("d", 15*time.Second, "duration of each scenario")
	scenarios = flag.String("scenarios", "static,events,event", "comma-separated: "+strings.Join(scenarioNames(), ","))
	eventID   = flag.String("event", "", "event id for event/register/checkin scenarios (default: the first on /api/v1/events; checkin needs a session that takes check-ins now)")
	email     = flag.String("email", "trainer@lantern.test", "staff account for staff scenarios")
	password  = flag.String("password", "lantern-demo-2026", "its password")
	rate      = flag.Float64("rate", 0, "requests per second over all clients, sent on schedule (open loop); 0: each client sends as soon as its last answer came (closed loop)")
	sessions  = flag.Int("sessions", 10, "staff sessions shared by the clients of staff scenarios (phones signed in)")
	requests  = flag.Int64("n", 0, "stop each scenario after this many requests over all clients (0: run for -d)")
	timeline  = flag.Bool("timeline", false, "also print, to stderr, each second's requests and latencies (by when each was due): a tail's stalls show as the seconds they happened in")
)

// origins are the servers' origins (-base).
var origins []string

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newClient(id int) *client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: false}
	return &client{
		http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		base: origins[id%len(origins)], id: id, event: *eventID, state: map[string]string{},
	}
}

// addr gives each client its own address, as a crowd on many phones
// (start the server with TRUSTED_PROXIES=127.0.0.1 so that it is believed,
// or the per-address registration limit stops a load run).
func (cl *client) addr(req *http.Request) {
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", cl.id/65536%256, cl.id/256%256, cl.id%256))
}

func (cl *client) get(ctx context.Context, path string) (int, []byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", cl.base+path, nil)
	cl.addr(req)
	resp, err := cl.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (cl *client) post(ctx context.Context, path, contentType, body string) (int, []byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", cl.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	cl.addr(req)
	if cl.csrf != "" {
		req.Header.Set("X-CSRF-Token", cl.csrf)
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// fetchCSRF loads a page with a form and keeps its token.
func (cl *client) fetchCSRF(ctx context.Context, path string) error {
	code, body, err := cl.get(ctx, path)
	if err != nil {
		return err
	}
	m := csrfField.FindSubmatch(body)
	if code != 200 || m == nil {
		return fmt.Errorf("no CSRF token on %s (status %d)", path, code)
	}
	cl.csrf = string(m[1])
	return nil
}

// logins are the signed-in clients whose session the others share: a
// login costs a bcrypt hash (about a quarter of a second of CPU), which
// would make setting up 100 clients take longer than the run.
var logins struct {
	sync.Mutex
	done []*client
}

// login signs the client in, or gives it the cookies and token of one of
// the first -sessions clients that did.
func (cl *client) login(ctx context.Context) error {
	logins.Lock()
	defer logins.Unlock()
	if len(logins.done) >= *sessions {
		donor := logins.done[cl.id%len(logins.done)]
		u, _ := url.Parse(cl.base)
		cl.http.Jar.SetCookies(u, donor.http.Jar.Cookies(u))
		cl.csrf = donor.csrf
		return nil
	}
	if err := cl.signIn(ctx); err != nil {
		return err
	}
	logins.done = append(logins.done, cl)
	return nil
}

func (cl *client) signIn(ctx context.Context) error {
	if err := cl.fetchCSRF(ctx, "/en/login"); err != nil {
		return err
	}
	form := "email=" + *email + "&password=" + *password + "&_csrf=" + cl.csrf
	code, _, err := cl.post(ctx, "/en/login", "application/x-www-form-urlencoded", form)
	if err != nil {
		return err
	}
	if code != http.StatusSeeOther {
		return fmt.Errorf("login: status %d", code)
	}
	// Staff forms carry a token bound to the session: take one from a
	// staff page.
	return cl.fetchCSRF(ctx, "/en/staff/")
}

func expect(code int, err error, want ...int) error {
	if err != nil {
		return err
	}
	for _, w := range want {
		if code == w {
			return nil
		}
	}
	return fmt.Errorf("status %d", code)
}

var (
	firstEvent = regexp.MustCompile(`"id":(\d+)`)
	rosterID   = regexp.MustCompile(`"(?:ID|id)":(\d+)`)
)

func ensureEvent(ctx context.Context, cl *client) error {
	if cl.event != "" {
		return nil
	}
	_, body, err := cl.get(ctx, "/api/v1/events?lang=vi")
	if err != nil {
		return err
	}
	m := firstEvent.FindSubmatch(body)
	if m == nil {
		return errors.New("no event found on /api/v1/events")
	}
	cl.event = string(m[1])
	return nil
}

var cssHref = regexp.MustCompile(`href="(/static/css/[^"]+)"`)

func allScenarios() map[string]scenario {
	return map[string]scenario{
		"static": {name: "static", setup: func(ctx context.Context, cl *client) error {
			_, body, err := cl.get(ctx, "/vi/events")
			if m := cssHref.FindSubmatch(body); m != nil {
				cl.state["css"] = string(m[1])
			}
			if cl.state["css"] == "" && err == nil {
				err = errors.New("no stylesheet link on /vi/events")
			}
			return err
		}, step: func(ctx context.Context, cl *client, _ int64) error {
			code, _, err := cl.get(ctx, cl.state["css"])
			return expect(code, err, 200)
		}},
		"events": {name: "events", step: func(ctx context.Context, cl *client, _ int64) error {
			code, _, err := cl.get(ctx, "/vi/events")
			return expect(code, err, 200)
		}},
		"event": {name: "event", setup: ensureEvent, step: func(ctx context.Context, cl *client, _ int64) error {
			code, _, err := cl.get(ctx, "/vi/events/"+cl.event)
			return expect(code, err, 200)
		}},
		"api": {name: "api", step: func(ctx context.Context, cl *client, _ int64) error {
			code, _, err := cl.get(ctx, "/api/v1/events?lang=vi")
			return expect(code, err, 200)
		}},
		"register": {name: "register", setup: func(ctx context.Context, cl *client) error {
			if err := ensureEvent(ctx, cl); err != nil {
				return err
			}
			return cl.fetchCSRF(ctx, "/vi/events/"+cl.event)
		}, step: func(ctx context.Context, cl *client, i int64) error {
			// A distinct, valid Vietnamese mobile number per request.
			phone := fmt.Sprintf("091%07d", (int64(cl.id)*50_000+i)%10_000_000)
			form := "name=Ng%C6%B0%E1%BB%9Di+th%E1%BB%AD&phone=" + phone + "&consent=1&_csrf=" + cl.csrf
			code, _, err := cl.post(ctx, "/vi/events/"+cl.event+"/register", "application/x-www-form-urlencoded", form)
			return expect(code, err, 303)
		}},
		"checkin": {name: "checkin", setup: func(ctx context.Context, cl *client) error {
			if err := cl.login(ctx); err != nil {
				return err
			}
			if err := ensureEvent(ctx, cl); err != nil {
				return err
			}
			if err := cl.fetchCSRF(ctx, "/vi/staff/events/"+cl.event+"/checkin"); err != nil {
				return err
			}
			_, body, err := cl.get(ctx, "/api/v1/events/"+cl.event+"/roster")
			if err != nil {
				return err
			}
			for _, m := range rosterID.FindAllSubmatch(body, -1) {
				cl.roster = append(cl.roster, string(m[1]))
			}
			if len(cl.roster) == 0 {
				return errors.New("empty roster")
			}
			return nil
		}, step: func(ctx context.Context, cl *client, i int64) error {
			// Phones check people in from the roster; most arrive once, some
			// twice (two phones): the endpoint is idempotent either way.
			reg := cl.roster[(int(i)*7+cl.id)%len(cl.roster)]
			body := fmt.Sprintf(`{"checkins":[{"client_id":"lt-%d-%d-%d","registration_id":%s,"at":%q}]}`,
				time.Now().UnixNano()%1e9, cl.id, i, reg, time.Now().UTC().Format(time.RFC3339))
			code, answer, err := cl.post(ctx, "/api/v1/events/"+cl.event+"/checkins", "application/json", body)
			if err == nil && code == 200 && bytes.Contains(answer, []byte(`"status":"rejected"`)) {
				// A session outside its check-in window refuses every tick:
				// that is not the path to measure (pass -event with one that
				// takes check-ins now).
				return fmt.Errorf("check-in refused: %.200s", answer)
			}
			return expect(code, err, 200)
		}},
		"gain": {name: "gain", setup: func(ctx context.Context, cl *client) error {
			if err := cl.login(ctx); err != nil {
				return err
			}
			return ensureEvent(ctx, cl)
		}, step: func(ctx context.Context, cl *client, _ int64) error {
			code, _, err := cl.get(ctx, "/api/v1/events/"+cl.event+"/knowledge-gain")
			return expect(code, err, 200)
		}},
		"dashboard": {name: "dashboard", setup: func(ctx context.Context, cl *client) error {
			return cl.login(ctx)
		}, step: func(ctx context.Context, cl *client, _ int64) error {
			code, _, err := cl.get(ctx, "/vi/staff/dashboard/")
			return expect(code, err, 200)
		}},
	}
}

func scenarioNames() []string {
	var out []string
	for k := range allScenarios() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type result struct {
	name      string
	n, errors int64
	rps       float64
	lat       []time.Duration
	firstErr  string
}

func (r *result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat)-1) * p)
	return r.lat[i]
}

func run(ctx context.Context, sc scenario) (*result, error) {
	clients := make([]*client, *conc)
	for i := range clients {
		clients[i] = newClient(i + 1)
		if sc.setup != nil {
			if err := sc.setup(ctx, clients[i]); err != nil {
				return nil, fmt.Errorf("%s setup: %w", sc.name, err)
			}
		}
	}
	var (
		mu       sync.Mutex
		lat      []time.Duration
		seconds  = map[int][]time.Duration{} // -timeline: latencies by the second the request was due
		n, errs  atomic.Int64
		sent     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(*duration)
	start := time.Now()
	// With -rate, each client sends at fixed times (open loop) and a
	// request's latency counts from when it should have been sent, so a
	// slow server is not hidden by clients that wait for it.
	var every time.Duration
	if *rate > 0 {
		every = time.Duration(float64(len(clients)) / *rate * float64(time.Second))
	}
	for k, cl := range clients {
		wg.Add(1)
		go func(cl *client) {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			bySecond := map[int][]time.Duration{}
			var i int64
			next := start.Add(every * time.Duration(k) / time.Duration(len(clients)))
			for time.Now().Before(deadline) {
				if *requests > 0 && sent.Add(1) > *requests {
					break
				}
				i++
				t0 := time.Now()
				if every > 0 {
					if !next.Before(deadline) {
						break
					}
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					t0 = next
					next = next.Add(every)
				}
				err := sc.step(ctx, cl, i)
				took := time.Since(t0)
				local = append(local, took)
				if *timeline {
					sec := int(t0.Sub(start) / time.Second)
					bySecond[sec] = append(bySecond[sec], took)
				}
				n.Add(1)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			for sec, ds := range bySecond {
				seconds[sec] = append(seconds[sec], ds...)
			}
			mu.Unlock()
		}(cl)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := &result{name: sc.name, n: n.Load(), errors: errs.Load(), rps: float64(n.Load()) / elapsed.Seconds(), lat: lat}
	if v, ok := firstErr.Load().(string); ok {
		r.firstErr = v
	}
	if *timeline {
		for sec := 0; sec <= int(elapsed/time.Second); sec++ {
			ds := seconds[sec]
			if len(ds) == 0 {
				continue
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			sr := &result{lat: ds}
			fmt.Fprintf(os.Stderr, "%s second %d: %d requests, p50 %s, p99 %s, max %s\n", sc.name, sec, len(ds),
				ms(sr.pct(0.50)), ms(sr.pct(0.99)), ms(ds[len(ds)-1]))
		}
	}
	return r, nil
}

func main() {
	flag.Parse()
	origins = strings.Split(*base, ",")
	ctx := context.Background()
	all := allScenarios()
	fmt.Printf("| scenario | clients | requests | errors | req/s | p50 | p90 | p99 |\n|---|---|---|---|---|---|---|---|\n")
	failed := false
	for _, name := range strings.Split(*scenarios, ",") {
		sc, ok := all[strings.TrimSpace(name)]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown scenario %q (have %s)\n", name, strings.Join(scenarioNames(), ", "))
			os.Exit(2)
		}
		r, err := run(ctx, sc)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		fmt.Printf("| %s | %d | %d | %d | %.0f | %s | %s | %s |\n", r.name, *conc, r.n, r.errors, r.rps,
			ms(r.pct(0.50)), ms(r.pct(0.90)), ms(r.pct(0.99)))
		if r.firstErr != "" {
			fmt.Fprintf(os.Stderr, "%s: first error: %s\n", r.name, r.firstErr)
		}
	}
	if failed {
		os.Exit(1)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
