package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// fakeGateway is an SMS gateway speaking the shape docs/MESSAGING.md gives
// (message.HTTPDriver): it accepts each message with its own id, and later
// posts what the network did back to Lantern's webhook.
type fakeGateway struct {
	mu  sync.Mutex
	ids map[string]string // Lantern's id → the gateway's
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	g.mu.Lock()
	defer g.mu.Unlock()
	gid := fmt.Sprintf("gw-%d", len(g.ids)+1)
	g.ids[in.ID] = gid
	fmt.Fprintf(w, `{"id":%q}`, gid)
}

// TestSMSDeliveryReports: messages accepted by the gateway are marked
// delivered, or failed with the network's reason, by the gateway's reports,
// whether they name Lantern's id or the gateway's; a repeated report
// changes nothing; a call without the gateway's secret, or with a report
// that cannot be read, is refused and changes nothing.
func TestSMSDeliveryReports(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.srv.cfg.SMSInboundToken = "gw-secret"
		g := &fakeGateway{ids: map[string]string{}}
		gw := httptest.NewServer(g)
		defer gw.Close()
		// 10:00 in Vietnam: outside the quiet hours (22:00–07:00), when a
		// confirmation waits for the morning.
		now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
		var ms []*message.Message
		for i := range 3 {
			m := &message.Message{To: fmt.Sprintf("+8491200007%d", i), Body: "Lantern: ma ABC", Lang: "vi", Kind: "confirmation",
				NextAttemptAt: now.Add(-time.Minute)}
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		sender := &message.Sender{DB: db, Driver: message.NewHTTPDriver(gw.URL, "")}
		if n, err := sender.RunOnce(t.Context(), now); err != nil || n != 3 {
			t.Fatalf("sent %d: %v", n, err)
		}
		key := func(m *message.Message) string { return fmt.Sprintf("lantern-sms-%d", m.ID) }
		post := func(token, body string) (int, string) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/sms/reports", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		reports := fmt.Sprintf(`{"reports":[
			{"id":%q,"status":"delivered","at":"2026-12-07T10:00:03Z"},
			{"provider_id":%q,"status":"failed","error":"handset switched off"},
			{"provider_id":"gw-999","status":"delivered"}]}`, key(ms[0]), g.ids[key(ms[1])])
		state := func() string {
			var out []string
			for _, m := range ms {
				got := reload(t, db, m.ID)
				out = append(out, fmt.Sprintf("%s/%v/%s", got.Status, got.DeliveredAt != nil, got.LastError))
			}
			return strings.Join(out, " ")
		}
		before := state()
		for _, c := range []struct {
			token, body string
			want        int
		}{
			{"", reports, 403},
			{"wrong", reports, 403},
			{"gw-secret", `{"reports":[{"id":"x","status":"bogus"}]}`, 422},
			{"gw-secret", `{"reports":[]}`, 422},
			{"gw-secret", `not json`, 422},
		} {
			if code, body := post(c.token, c.body); code != c.want {
				t.Errorf("token %q, body %.40q: %d %s, want %d", c.token, c.body, code, body, c.want)
			}
		}
		if after := state(); after != before {
			t.Fatalf("refused calls changed the messages: %s → %s", before, after)
		}
		if code, body := post("gw-secret", reports); code != 200 || !strings.Contains(body, `"known":2`) {
			t.Fatalf("genuine reports: %d %s, want 200 with 2 known", code, body)
		}
		want := "sent/true/ failed/false/not delivered (failed): handset switched off sent/false/"
		if got := state(); got != want {
			t.Errorf("after the reports: %q, want %q", got, want)
		}
		if at := reload(t, db, ms[0].ID).DeliveredAt; at == nil || !at.Equal(time.Date(2026, 12, 7, 10, 0, 3, 0, time.UTC)) {
			t.Errorf("delivered at %v, want the gateway's time", at)
		}
		if code, body := post("gw-secret", reports); code != 200 || !strings.Contains(body, `"known":0`) {
			t.Errorf("the same reports again: %d %s, want nothing changed", code, body)
		}
	})
}

func reload(t *testing.T, db *gorm.DB, id uint) message.Message {
	t.Helper()
	var m message.Message
	if err := db.Take(&m, id).Error; err != nil {
		t.Fatal(err)
	}
	return m
}
