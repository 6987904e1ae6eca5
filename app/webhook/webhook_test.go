package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/webhook"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// receiver is a partner's system: it checks each delivery's signature
// with the endpoint's secret and counts deliveries per delivery id.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	fail   int // answer 500 to this many requests first
	got    []delivered
}

type delivered struct {
	Event, Delivery string
	Body            map[string]any
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !webhook.Verify(r.secret, req.Header.Get("Lantern-Signature"), body, time.Now(), 24*time.Hour*365) {
			t.Errorf("bad signature %q", req.Header.Get("Lantern-Signature"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.fail > 0 {
			r.fail--
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body: %v", err)
		}
		r.got = append(r.got, delivered{req.Header.Get("Lantern-Event"), req.Header.Get("Lantern-Delivery"), m})
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivered(nil), r.got...)
}

func (r *receiver) allow(t *testing.T) webhook.Allow {
	a, err := webhook.ParseAllow(strings.TrimPrefix(r.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// endpoint registers an endpoint of r for types.
func endpoint(t *testing.T, db *gorm.DB, r *receiver, personal bool, types ...string) *webhook.Endpoint {
	t.Helper()
	ep, secret, err := webhook.Create(t.Context(), db, r.allow(t), 0, webhook.Input{URL: r.srv.URL + "/hook", Events: types, Personal: personal}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r.secret = secret
	return ep
}

func dispatcher(db *gorm.DB, r *receiver, allow webhook.Allow) *webhook.Dispatcher {
	return &webhook.Dispatcher{DB: db, Client: webhook.NewClient(allow, 5*time.Second), Lease: 10 * time.Second}
}

func notifier(t testing.TB) *registration.Notifier {
	b, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		t.Fatal(err)
	}
	return &registration.Notifier{BaseURL: "http://lantern.test", Translator: b.For}
}

// register registers a person as the public form does (on PostgreSQL the
// one-statement way).
func register(t *testing.T, db *gorm.DB, eventID uint, name, phone string) *registration.Registration {
	t.Helper()
	var e event.Event
	if err := db.Preload("Translations").Preload("Venue").Take(&e, eventID).Error; err != nil {
		t.Fatal(err)
	}
	res, err := registration.Register(t.Context(), db, registration.Input{EventID: eventID, Name: name, Phone: phone, Lang: "vi",
		ConsentVersion: "2026-01", Notify: notifier(t), Event: &e}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return res.Registration
}

func count(t *testing.T, db *gorm.DB, table string) int64 {
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWebhookDeliveredOncePerEndpoint: registrations, a check-in and an
// event's change each reach every subscribed endpoint exactly once, signed,
// with two dispatchers running at once; an endpoint not subscribed or
// disabled gets nothing; with no endpoint nothing is written at all.
func TestWebhookDeliveredOncePerEndpoint(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Now()
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 1, StartsIn: 10 * time.Minute})
		register(t, db, ev.ID, "Trần Thị Mai", "0912 000 001")
		if n := count(t, db, "webhook_events"); n != 0 {
			t.Fatalf("%d events raised with no endpoint", n)
		}
		a, b, other, off := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
		var list []string
		for _, r := range []*receiver{a, b, other, off} {
			list = append(list, strings.TrimPrefix(r.srv.URL, "http://"))
		}
		all, _ := webhook.ParseAllow(strings.Join(list, ","))
		types := []string{webhook.RegistrationCreated, webhook.CheckinCreated, webhook.EventChanged}
		endpoint(t, db, a, false, types...)
		endpoint(t, db, b, false, types...)
		endpoint(t, db, other, false, webhook.QuizSubmitted)
		offEp := endpoint(t, db, off, false, types...)
		if err := webhook.SetEnabled(ctx, db, 0, offEp.ID, false, now); err != nil {
			t.Fatal(err)
		}

		r1 := register(t, db, ev.ID, "Lê Văn Nam", "0912 000 002")   // waiting list
		r0 := register(t, db, ev.ID, "Trần Thị Mai", "0912 000 001") // already registered: nothing new
		if _, err := attendance.CheckIn(ctx, db, attendance.DefaultWindow, attendance.CheckInInput{EventID: ev.ID, RegistrationID: r0.ID}, now); err != nil {
			t.Fatal(err)
		}
		in := eventInput(t, db, ev.ID)
		in.Capacity = 40
		if _, _, err := registration.UpdateEvent(ctx, db, ev.ID, in, 0, now, notifier(t)); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := dispatcher(db, a, all)
				for range 3 {
					if _, err := d.RunOnce(context.Background(), time.Now()); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		for _, r := range []*receiver{a, b} {
			got := r.deliveries()
			byType := map[string]int{}
			ids := map[string]bool{}
			for _, d := range got {
				byType[d.Event]++
				if ids[d.Delivery] {
					t.Errorf("delivery %s twice", d.Delivery)
				}
				ids[d.Delivery] = true
			}
			want := map[string]int{webhook.RegistrationCreated: 1, webhook.CheckinCreated: 1, webhook.EventChanged: 1}
			if len(got) != 3 || byType[webhook.RegistrationCreated] != 1 || byType[webhook.CheckinCreated] != 1 || byType[webhook.EventChanged] != 1 {
				t.Errorf("got %v, want %v", byType, want)
			}
			for _, d := range got {
				data := d.Body["data"].(map[string]any)
				e := data["event"].(map[string]any)
				if e["id"].(float64) != float64(ev.ID) || e["capacity"] == nil || e["seats_taken"] == nil {
					t.Errorf("%s: event facts %v", d.Event, e)
				}
				if d.Event == webhook.RegistrationCreated {
					reg := data["registration"].(map[string]any)
					if reg["id"].(float64) != float64(r1.ID) || reg["status"] != "waitlisted" {
						t.Errorf("registration facts %v", reg)
					}
					if _, ok := reg["name"]; ok {
						t.Errorf("a name sent to an endpoint not marked personal: %v", reg)
					}
					if _, ok := reg["phone"]; ok {
						t.Errorf("a phone sent to an endpoint not marked personal: %v", reg)
					}
				}
			}
		}
		if n := len(other.deliveries()) + len(off.deliveries()); n != 0 {
			t.Errorf("%d deliveries to endpoints not subscribed or disabled", n)
		}
		if n := count(t, db, "webhook_deliveries"); n != 6 {
			t.Errorf("%d deliveries queued, want 6", n)
		}
	})
}

func eventInput(t *testing.T, db *gorm.DB, id uint) event.Input {
	t.Helper()
	e, err := event.Get(t.Context(), db, id)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]event.Text{}
	for _, tr := range e.Translations {
		texts[tr.Lang] = event.Text{Title: tr.Title, Description: tr.Description, Film: tr.Film}
	}
	return event.Input{Kind: e.Kind, Lang: e.Lang, Texts: texts, StartsAt: e.StartsAt, EndsAt: e.EndsAt, VenueID: e.VenueID,
		PartnerID: e.PartnerID, Capacity: e.Capacity, Deadline: e.RegistrationDeadline, Audience: e.Audience, ConfirmConflict: true}
}

// TestWebhookRetryAndReplay: a 500 is retried after the backoff, then
// delivered; the log keeps the answer; an admin's replay sends it once
// more (audited).
func TestWebhookRetryAndReplay(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Now()
		r := newReceiver(t)
		r.fail = 1
		ep := endpoint(t, db, r, false, webhook.EventPublished)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, Status: event.StatusDraft})
		if _, err := event.Publish(ctx, db, ev.ID, 0, now); err != nil {
			t.Fatal(err)
		}
		d := dispatcher(db, r, r.allow(t))
		if n, err := d.RunOnce(ctx, now); err != nil || n != 1 {
			t.Fatalf("first run: %d, %v", n, err)
		}
		log, _ := webhook.Deliveries(ctx, db, ep.ID, 10)
		if len(log) != 1 || log[0].Status != webhook.StatusQueued || log[0].LastStatus != 500 || !strings.Contains(log[0].LastBody, "try later") ||
			log[0].Attempts != 1 || !log[0].NextAttemptAt.After(now.Add(50*time.Second)) {
			t.Fatalf("after a 500: %+v", log)
		}
		if n, _ := d.RunOnce(ctx, now.Add(30*time.Second)); n != 0 {
			t.Fatal("retried before its backoff")
		}
		if n, err := d.RunOnce(ctx, now.Add(61*time.Second)); err != nil || n != 1 {
			t.Fatalf("retry: %d, %v", n, err)
		}
		log, _ = webhook.Deliveries(ctx, db, ep.ID, 10)
		if log[0].Status != webhook.StatusDelivered || log[0].Attempts != 2 || log[0].LastStatus != 200 || len(r.deliveries()) != 1 {
			t.Fatalf("after the retry: %+v", log[0])
		}
		if n, _ := d.RunOnce(ctx, now.Add(time.Hour)); n != 0 {
			t.Fatal("delivered twice")
		}
		if err := webhook.Replay(ctx, db, 0, ep.ID, log[0].ID, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := webhook.Replay(ctx, db, 0, ep.ID, log[0].ID, now.Add(2*time.Minute)); err == nil {
			t.Error("a pending replay replayed again")
		}
		if n, err := d.RunOnce(ctx, now.Add(2*time.Minute)); err != nil || n != 1 {
			t.Fatalf("replay: %d, %v", n, err)
		}
		got := r.deliveries()
		if len(got) != 2 || got[0].Delivery != got[1].Delivery {
			t.Errorf("replay: %+v", got)
		}
		var audits int64
		db.Table("audit_logs").Where("action = ?", "webhook.replay").Count(&audits)
		if audits != 1 {
			t.Errorf("%d replay audit entries", audits)
		}
	})
}

// TestWebhookPersonalPayload: names and numbers only reach an endpoint
// marked personal, and the marking is audited.
func TestWebhookPersonalPayload(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		pr, plain := newReceiver(t), newReceiver(t)
		all, _ := webhook.ParseAllow(strings.TrimPrefix(pr.srv.URL, "http://") + "," + strings.TrimPrefix(plain.srv.URL, "http://"))
		endpoint(t, db, pr, true, webhook.RegistrationCreated)
		endpoint(t, db, plain, false, webhook.RegistrationCreated)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: time.Now()})
		register(t, db, ev.ID, "Phạm Thu Hà", "0912 000 009")
		if _, err := dispatcher(db, pr, all).RunOnce(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		reg := func(r *receiver) map[string]any {
			got := r.deliveries()
			if len(got) != 1 {
				t.Fatalf("%d deliveries", len(got))
			}
			return got[0].Body["data"].(map[string]any)["registration"].(map[string]any)
		}
		if p := reg(pr); p["name"] != "Phạm Thu Hà" || p["phone"] != "+84912000009" {
			t.Errorf("personal endpoint: %v", p)
		}
		if p := reg(plain); p["name"] != nil || p["phone"] != nil {
			t.Errorf("plain endpoint: %v", p)
		}
		var n int64
		db.Table("audit_logs").Where("action = ?", "webhook.personal").Count(&n)
		if n != 1 {
			t.Errorf("%d audit entries of a personal marking", n)
		}
	})
}

// TestWebhookSSRF: internal addresses are refused when registered and when
// dialled (after resolution: "localhost"), unless allowed one by one.
func TestWebhookSSRF(t *testing.T) {
	none := webhook.Allow{}
	for _, u := range []string{"https://127.0.0.1/h", "https://10.1.2.3/h", "https://169.254.169.254/latest", "https://[::1]:8443/h",
		"https://100.64.0.1/", "https://192.168.1.1/", "https://[fe80::1]/", "https://0.0.0.0/", "https://224.0.0.1/", "https://[fd00::1]/"} {
		if err := none.CheckURL(u); !errors.Is(err, webhook.ErrForbiddenAddress) {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://example.org/h", "ftp://example.org/", "https://user:pw@example.org/", "example.org"} {
		if err := none.CheckURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := none.CheckURL("https://partner.example.org/hooks/lantern"); err != nil {
		t.Errorf("public https refused: %v", err)
	}
	r := &receiver{srv: httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))}
	defer r.srv.Close()
	port := r.srv.URL[strings.LastIndex(r.srv.URL, ":"):]
	client := webhook.NewClient(none, 2*time.Second)
	for _, u := range []string{r.srv.URL, "http://localhost" + port, "http://[::1]" + port, "http://169.254.169.254/", "http://10.0.0.1" + port} {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, webhook.ErrForbiddenAddress) {
			t.Errorf("%s dialled: %v", u, err)
		}
	}
	allow := r.allow(t)
	if err := allow.CheckURL(r.srv.URL + "/hook"); err != nil {
		t.Errorf("allowed address refused: %v", err)
	}
	if err := allow.CheckURL("http://127.0.0.1:1/hook"); err == nil {
		t.Error("another port of an allowed address accepted")
	}
	resp, err := webhook.NewClient(allow, 2*time.Second).Get(r.srv.URL)
	if err != nil {
		t.Fatalf("allowed address not dialled: %v", err)
	}
	resp.Body.Close()
	if _, err := webhook.ParseAllow("localhost:80"); err == nil {
		t.Error("a host name allowed")
	}
	if a, err := webhook.ParseAllow("10.0.0.5, [::1]:9999"); err != nil || a.CheckURL("http://10.0.0.5:8080/") != nil || a.CheckURL("http://[::1]:9999/") != nil {
		t.Errorf("allow list: %v", err)
	}
}

// TestWebhookSignature: what docs/WEBHOOKS.md tells receivers to compute.
func TestWebhookSignature(t *testing.T) {
	at := time.Unix(1796630400, 0)
	body := []byte(`{"id":1}`)
	h := webhook.Sign("whsec_test", at, body)
	if h != "t=1796630400,v1="+hmacHex("whsec_test", "1796630400."+string(body)) {
		t.Errorf("header %s", h)
	}
	if !webhook.Verify("whsec_test", h, body, at.Add(time.Minute), 5*time.Minute) ||
		webhook.Verify("whsec_test", h, body, at.Add(time.Hour), 5*time.Minute) ||
		webhook.Verify("other", h, body, at, 5*time.Minute) || webhook.Verify("whsec_test", h, []byte(`{"id":2}`), at, 5*time.Minute) {
		t.Error("verify")
	}
}

func hmacHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// TestWebhookEveryDomainRaises: each domain action raises its event once,
// in its own transaction, whichever way it is written (on PostgreSQL the
// one-statement registration and the offline check-in tick): a second
// identical action raises nothing. Personal fields go on erasure and after
// the retries; the log is swept after LogDays.
func TestWebhookEveryDomainRaises(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Now()
		r := newReceiver(t)
		endpoint(t, db, r, true, webhook.Types...)
		ev := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 5, StartsIn: 10 * time.Minute})
		r1 := register(t, db, ev.ID, "Đỗ Minh Anh", "0912 000 011")
		r2 := register(t, db, ev.ID, "Vũ Thị Lan", "0912 000 012")
		tick := []attendance.BatchItem{{ClientID: "phone-1-item-1", RegistrationID: r1.ID, At: now}}
		for range 2 {
			if _, err := attendance.Sync(ctx, db, attendance.DefaultWindow, "secret", ev.ID, 0, tick, now, false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := attendance.CheckInMany(ctx, db, attendance.DefaultWindow, ev.ID, []uint{r1.ID, r2.ID}, 0, "sheet", now); err != nil {
			t.Fatal(err)
		}
		if _, err := registration.Cancel(ctx, db, registration.Ref{ID: r2.ID}, 0, now, nil); err != nil {
			t.Fatal(err)
		}
		draft := testutil.Event(t, db, testutil.EventOpts{Now: now, Status: event.StatusDraft})
		if _, err := event.Publish(ctx, db, draft.ID, 0, now); err != nil {
			t.Fatal(err)
		}
		b, _ := locale.Load(lantern.Assets, "locales")
		if _, err := registration.CancelEvent(ctx, db, draft.ID, 0, now, b.For); err != nil {
			t.Fatal(err)
		}
		var got []struct {
			Type string
			N    int
		}
		db.Table("webhook_events").Select("type, COUNT(*) AS n").Group("type").Order("type").Scan(&got)
		want := map[string]int{webhook.RegistrationCreated: 2, webhook.CheckinCreated: 2, webhook.RegistrationCancelled: 1,
			webhook.EventPublished: 1, webhook.EventCancelled: 1}
		have := map[string]int{}
		for _, g := range got {
			have[g.Type] = g.N
		}
		for k, v := range want {
			if have[k] != v {
				t.Errorf("%s raised %d times, want %d (all: %v)", k, have[k], v, have)
			}
		}
		if _, err := dispatcher(db, r, r.allow(t)).RunOnce(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := len(r.deliveries()); n != 7 {
			var ds []webhook.Delivery
			db.Find(&ds)
			t.Errorf("%d deliveries, want 7: %+v", n, ds)
		}
		for _, d := range r.deliveries() {
			if d.Event == webhook.CheckinCreated {
				reg := d.Body["data"].(map[string]any)["registration"].(map[string]any)
				if reg["name"] == nil || reg["phone"] == nil {
					t.Errorf("personal endpoint without the person: %v", reg)
				}
			}
		}

		if err := db.Transaction(func(tx *gorm.DB) error { return webhook.Forget(tx, []uint{r1.ID}) }); err != nil {
			t.Fatal(err)
		}
		var left int64
		db.Table("webhook_events").Where("registration_id = ? AND personal <> ''", r1.ID).Count(&left)
		if left != 0 {
			t.Errorf("%d events keep an erased person", left)
		}
		if err := webhook.Sweep(ctx, db, now.Add(26*time.Hour)); err != nil {
			t.Fatal(err)
		}
		db.Table("webhook_events").Where("personal <> ''").Count(&left)
		if left != 0 {
			t.Errorf("%d events keep personal fields past their retries", left)
		}
		if err := webhook.Sweep(ctx, db, now.AddDate(0, 0, webhook.LogDays+1)); err != nil {
			t.Fatal(err)
		}
		if count(t, db, "webhook_deliveries")+count(t, db, "webhook_events") != 0 {
			t.Error("the old log is kept")
		}
	})
}
