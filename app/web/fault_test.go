package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Timings the outage test holds the app to.
const (
	outageDown      = 10 * time.Second // how long PostgreSQL stays stopped (the figure)
	outageFailFast  = 2 * time.Second  // the longest a request may take to fail while it is down
	outageNoHang    = 5 * time.Second  // the longest any request may take, stop and start included
	outageRecovered = 2 * time.Second  // after pg_ctl start returns, every request succeeds from then on
)

// The database goes away mid-run: PostgreSQL is really stopped for 10 seconds
// under a load of page views, /readyz probes and registrations, then started
// again. The stop is pg_ctl's immediate mode, the harsher one (like a crash or
// a killed container): connections drop without a goodbye and the restart
// replays the WAL, answering "starting up" meanwhile. While it is down, the
// public pages (all seen before the stop) answer their last good copy
// quickly, marked as possibly out of date (Warning: 110, and a translated
// notice on HTML pages), registrations answer a translated 503 and /readyz
// says the database is down; nothing panics or answers 500; once it is back, the same app (no restart) serves pages and takes
// registrations; every registration confirmed to a person is in the
// database, complete, and the seat counter matches the confirmed
// registrations.
//
// The server stopped is a private cluster made for this test: the one at
// TEST_DATABASE_URL serves the other test packages running at the same
// time. Like every PostgreSQL test, it runs when TEST_DATABASE_URL is set.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs TEST_DATABASE_URL")
		}
		t.Skip("PostgreSQL only: TEST_DATABASE_URL not set")
	}
	pgc := testutil.NewCluster(t)
	pg := testutil.PostgresOn(t, pgc.URL)
	ta := newTestApp(t, pg.DB)
	logs := &logWatch{}
	ta.srv.log = slog.New(logs)
	e := testutil.Event(t, pg.DB, testutil.EventOpts{Capacity: 10000})
	eventPath := "/events/" + itoa(int(e.ID))

	// Registrants get their visitor cookie and CSRF token before the outage
	// (a signed token: checking it needs no database).
	const readers, registrants = 3, 2
	tokens, cookies := make([]string, registrants), make([]string, registrants)
	for i := range tokens {
		c := ta.client()
		tokens[i] = c.csrf()
		cookies[i] = c.cookies[csrfCookie]
		if tokens[i] == "" || cookies[i] == "" {
			t.Fatal("no CSRF token")
		}
	}

	var (
		mu       sync.Mutex
		results  []outageResult
		phase    outagePhases
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		attempts atomic.Int64
	)
	record := func(r outageResult) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	paths := []string{"/vi/events", "/vi" + eventPath, "/fr" + eventPath, "/en/events", "/readyz", "/healthz", "/api/v1/events"}
	for w := 0; w < readers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				record(ta.send(http.MethodGet, paths[i%len(paths)], nil, ""))
				time.Sleep(20 * time.Millisecond)
			}
		}(w)
	}
	for w := 0; w < registrants; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				attempts.Add(1)
				ph := fmt.Sprintf("0912%02d%04d", w, i)
				r := ta.send(http.MethodPost, "/vi"+eventPath+"/register",
					url.Values{"_csrf": {tokens[w]}, "name": {"Người " + ph}, "phone": {ph}, "consent": {"1"}}, cookies[w])
				r.phone = ph
				record(r)
				// Every registration counts against the one client address
				// of app.Test (300 per 10 minutes): this pace stays below.
				time.Sleep(100 * time.Millisecond)
			}
		}(w)
	}
	finish := func() {
		select {
		case <-stop:
		default:
			close(stop)
			wg.Wait()
		}
	}
	// Stop the load before the cluster goes away, also on t.Fatal.
	t.Cleanup(finish)

	time.Sleep(1500 * time.Millisecond) // load with the database up
	phase.stopAt = time.Now()
	if err := pgc.Stop("immediate"); err != nil {
		t.Fatal(err)
	}
	phase.downAt = time.Now()
	time.Sleep(outageDown)
	phase.startAt = time.Now()
	if err := pgc.Start(); err != nil {
		t.Fatal(err)
	}
	phase.upAt = time.Now()
	time.Sleep(3 * time.Second) // load with the database back
	finish()

	mu.Lock()
	defer mu.Unlock()
	confirmed := map[string]string{} // code → phone
	var downLat []time.Duration
	var firstOK, lastFail, lastStale time.Time
	downSeen := map[string]int{}
	transition := map[string]int{} // "stopping 503" → count
	for _, r := range results {
		where := fmt.Sprintf("%s %s (%s, %s after the stop began)", r.method, r.path,
			phase.of(r.start, r.end), r.start.Sub(phase.stopAt).Round(time.Millisecond))
		took := r.end.Sub(r.start)
		if r.err != nil {
			t.Errorf("%s: %v", where, r.err)
			continue
		}
		if took > outageNoHang {
			t.Errorf("%s took %s", where, took)
		}
		ok := r.status == http.StatusOK || (r.method == http.MethodPost && r.status == http.StatusSeeOther)
		switch {
		case r.path == "/healthz" && r.status != http.StatusOK:
			t.Errorf("%s: %d, /healthz must answer while the process runs", where, r.status)
		case !ok && r.status != http.StatusServiceUnavailable:
			t.Errorf("%s: status %d\n%.500s", where, r.status, r.body)
		case r.status == http.StatusServiceUnavailable:
			checkUnavailable(t, where, r)
		}
		if r.status == http.StatusSeeOther {
			if m := ticketPath.FindStringSubmatch(r.location); m != nil && m[3] == "register_done" {
				confirmed[m[2]] = r.phone
			} else {
				t.Errorf("%s: redirected to %q", where, r.location)
			}
		}
		switch phase.of(r.start, r.end) {
		case "stopping", "starting":
			transition[fmt.Sprintf("%s %d", phase.of(r.start, r.end), r.status)]++
		case "before":
			if !ok {
				t.Errorf("%s: %d before the stop", where, r.status)
			}
		case "down":
			if r.path != "/healthz" {
				// Public pages: their last copy, marked stale; the rest: 503.
				stale := r.method == http.MethodGet && r.path != "/readyz"
				switch {
				case stale && (r.status != http.StatusOK || !strings.HasPrefix(r.warning, "110 ")):
					t.Errorf("%s: %d (Warning %q) while PostgreSQL was stopped, want the last copy marked stale", where, r.status, r.warning)
				case stale && !strings.HasPrefix(r.path, "/api/") && !strings.Contains(r.body, "flash-stale"):
					t.Errorf("%s: the copy served while PostgreSQL was stopped has no notice", where)
				case !stale && r.status != http.StatusServiceUnavailable:
					t.Errorf("%s: %d while PostgreSQL was stopped, want 503", where, r.status)
				}
				downSeen[r.method+" "+r.path]++
				downLat = append(downLat, took)
				if took > outageFailFast {
					t.Errorf("%s took %s to fail, want under %s", where, took, outageFailFast)
				}
			}
		case "after":
			if ok && r.path != "/healthz" && (firstOK.IsZero() || r.end.Before(firstOK)) {
				firstOK = r.end
			}
			if !ok && r.start.After(lastFail) {
				lastFail = r.start
			}
			if r.warning != "" && r.start.After(lastStale) {
				lastStale = r.start
			}
		}
	}
	if len(downLat) == 0 || attempts.Load() == 0 {
		t.Fatal("no request ran while PostgreSQL was stopped")
	}
	for _, p := range paths {
		if p != "/healthz" && downSeen[http.MethodGet+" "+p] == 0 {
			t.Errorf("no GET %s ran while PostgreSQL was stopped", p)
		}
	}
	if downSeen[http.MethodPost+" /vi"+eventPath+"/register"] == 0 {
		t.Error("no registration was tried while PostgreSQL was stopped")
	}
	if !lastFail.IsZero() && lastFail.Sub(phase.upAt) > outageRecovered {
		t.Errorf("requests still failed %s after PostgreSQL was back", lastFail.Sub(phase.upAt))
	}
	if !lastStale.IsZero() && lastStale.Sub(phase.upAt) > outageRecovered {
		t.Errorf("old copies were still served %s after PostgreSQL was back", lastStale.Sub(phase.upAt))
	}
	if firstOK.IsZero() {
		t.Fatal("nothing succeeded after PostgreSQL came back")
	}
	slices.Sort(downLat)
	t.Logf("stop took %s, start %s; while down: %d requests answered (copies or 503) in median %s, max %s; first success %s after pg_ctl start returned, last failure %s; during pg_ctl stop and start: %v; %d registrations confirmed of %d tried",
		phase.downAt.Sub(phase.stopAt).Round(time.Millisecond), phase.upAt.Sub(phase.startAt).Round(time.Millisecond),
		len(downLat), downLat[len(downLat)/2].Round(time.Microsecond), downLat[len(downLat)-1].Round(time.Microsecond),
		firstOK.Sub(phase.upAt).Round(time.Millisecond), relTo(lastFail, phase.upAt), transition, len(confirmed), attempts.Load())

	if n := logs.panics.Load(); n > 0 {
		t.Errorf("%d panics logged, first: %s", n, logs.first())
	}
	logs.mu.Lock()
	for _, msg := range logs.internal {
		t.Errorf("500 logged: %s", msg)
	}
	logs.mu.Unlock()

	// The same app, no restart: pages and a new registration work.
	c := ta.client()
	doc := c.page("/vi"+eventPath, http.StatusOK)
	if !strings.Contains(doc.Text(), "Chiếu phim: Lời hứa") {
		t.Error("the event page after recovery does not show the event")
	}
	if resp := c.get("/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after recovery: %d", resp.StatusCode)
	}
	resp := c.post("/vi"+eventPath+"/register", url.Values{"name": {"Trần Thị Hoa"}, "phone": {"0987654321"}, "consent": {"1"}})
	m := ticketPath.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil || m[3] != "register_done" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("registration after recovery: %d %q\n%.500s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	confirmed[m[2]] = "0987654321"

	// Nothing confirmed is lost, nothing is half-written.
	db := pg.DB
	var regs []registration.Registration
	if err := db.Where("event_id = ?", e.ID).Find(&regs).Error; err != nil {
		t.Fatal(err)
	}
	byCode := map[string]registration.Registration{}
	seats := 0
	for _, r := range regs {
		byCode[r.Code] = r
		if r.Status != registration.StatusConfirmed || r.Phone == nil || r.ConfirmedAt == nil || r.Name == "" {
			t.Errorf("registration %s half-written: %+v", r.Code, r)
			continue
		}
		seats += r.GroupSize
		var sms int64
		db.Table("sms_messages").Where("registration_id = ? AND kind = ?", r.ID, registration.SMSConfirmation).Count(&sms)
		if sms != 1 {
			t.Errorf("registration %s has %d confirmation SMS, want 1", r.Code, sms)
		}
	}
	for code, ph := range confirmed {
		r, ok := byCode[code]
		if !ok {
			t.Errorf("registration %s (%s) was confirmed to the person and is missing", code, ph)
			continue
		}
		if r.Phone == nil || *r.Phone != "+84"+ph[1:] {
			t.Errorf("registration %s: phone %v, want the one sent (%s)", code, r.Phone, ph)
		}
	}
	var taken int
	db.Table("events").Where("id = ?", e.ID).Select("seats_taken").Scan(&taken)
	if taken != seats {
		t.Errorf("seats_taken = %d, but the confirmed registrations hold %d seats", taken, seats)
	}
	// A commit whose answer was lost with the connection is kept without
	// having been promised: allowed, as long as it is complete (checked above).
	t.Logf("%d registrations in the database, %d confirmed to the person", len(regs), len(confirmed))
}

// outageResult is one request of the outage test's load.
type outageResult struct {
	method, path string
	start, end   time.Time
	status       int
	body         string
	retryAfter   string
	warning      string
	location     string
	phone        string
	err          error
}

// send runs one request through the app from a load goroutine: unlike
// client.do it never calls t.Fatal (not allowed outside the test's
// goroutine) and gives up after 20 s instead of waiting forever on a hung
// request.
func (ta *testApp) send(method, path string, form url.Values, csrfCookieValue string) outageResult {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if csrfCookieValue != "" {
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: csrfCookieValue})
	}
	r := outageResult{method: method, path: path, start: time.Now()}
	resp, err := ta.app.Test(req, 20000) // milliseconds
	r.end = time.Now()
	if err != nil {
		r.err = err
		return r
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.status, r.body = resp.StatusCode, string(b)
	r.retryAfter, r.location, r.warning = resp.Header.Get("Retry-After"), resp.Header.Get("Location"), resp.Header.Get("Warning")
	return r
}

// checkUnavailable checks a 503: translated, with Retry-After on pages.
func checkUnavailable(t *testing.T, where string, r outageResult) {
	t.Helper()
	want := map[string]string{
		"vi": "Hệ thống tạm thời gián đoạn",
		"fr": "momentanément indisponible",
		"en": "briefly unavailable",
	}
	switch {
	case r.path == "/readyz":
		if !strings.Contains(r.body, `"database":"down"`) {
			t.Errorf("%s: %s", where, r.body)
		}
	case strings.HasPrefix(r.path, "/api/"):
		if !strings.Contains(r.body, `"error.unavailable"`) {
			t.Errorf("%s: %s", where, r.body)
		}
	default:
		if w := want[r.path[1:3]]; !strings.Contains(r.body, w) {
			t.Errorf("%s: 503 without %q:\n%.500s", where, w, r.body)
		}
		if r.retryAfter == "" {
			t.Errorf("%s: 503 without Retry-After", where)
		}
	}
}

// outagePhases are the moments the outage test stops and starts PostgreSQL.
type outagePhases struct{ stopAt, downAt, startAt, upAt time.Time }

// of names the phase a request ran in: "before" the stop, "down" (between
// the end of pg_ctl stop and the start of pg_ctl start), "after" pg_ctl start
// returned; or "stopping" and "starting" when it overlapped a pg_ctl run,
// where either answer is right.
func (p *outagePhases) of(start, end time.Time) string {
	switch {
	case end.Before(p.stopAt):
		return "before"
	case start.Before(p.downAt):
		return "stopping"
	case end.Before(p.startAt):
		return "down"
	case start.Before(p.upAt):
		return "starting"
	}
	return "after"
}

func relTo(at, ref time.Time) string {
	if at.IsZero() {
		return "none"
	}
	return at.Sub(ref).Round(time.Millisecond).String() + " after"
}

// logWatch counts the panics the server logs (the recover middleware turns
// them into error pages, which would read as a 503 while the database is down).
type logWatch struct {
	panics   atomic.Int64
	mu       sync.Mutex
	firstPn  string
	internal []string // errors of the first 500s
}

func (l *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (l *logWatch) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logWatch) WithGroup(string) slog.Handler            { return l }
func (l *logWatch) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "request failed" {
		// Keep the errors behind 500s: the test shows them when it fails.
		var status int64
		var msg string
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "status":
				status = a.Value.Int64()
			case "error":
				msg = a.Value.String()
			}
			return true
		})
		if status == http.StatusInternalServerError {
			l.mu.Lock()
			if len(l.internal) < 5 {
				l.internal = append(l.internal, msg)
			}
			l.mu.Unlock()
		}
		return nil
	}
	if r.Message != "panic" {
		return nil
	}
	if l.panics.Add(1) == 1 {
		var b strings.Builder
		r.Attrs(func(a slog.Attr) bool {
			if a.Key != "stack" {
				fmt.Fprintf(&b, "%s=%v ", a.Key, a.Value)
			}
			return true
		})
		l.mu.Lock()
		l.firstPn = b.String()
		l.mu.Unlock()
	}
	return nil
}

func (l *logWatch) first() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstPn
}
