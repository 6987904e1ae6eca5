package message_test

import (
	"net/http/httptest"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// The admins' branding reaches the gateway when a message is sent, even
// one queued before it changed: the prefix in place of "Lantern" (after an
// advertising label), the brandname as the sender, every Vietnamese text
// unaccented when the switch is on (a Khmer one keeps its letters); the
// outbox keeps the text as it went. Bad values are refused, all at once.
func TestBrandingAppliedWhenSent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		if b, err := message.LoadBranding(ctx, db); err != nil || b.Prefix != message.DefaultPrefix || b.Unaccented {
			t.Fatalf("defaults: %+v %v", b, err)
		}
		err := message.SaveBranding(ctx, db, 0, message.Branding{Prefix: "", Brandname: "ÁNH SÁNG <3"}, t0)
		if fs := apperr.FieldsOf(err); len(fs) != 2 {
			t.Errorf("bad branding: %v", err)
		}
		g := &gateway{accepted: map[string]int{}}
		srv := httptest.NewServer(g)
		defer srv.Close()
		s := &message.Sender{DB: db, Driver: message.NewHTTPDriver(srv.URL, "")}
		vi := enqueue(t, db, "Lantern: bạn đã đăng ký “Chiếu phim”. Mã K7M2QX5")
		ad := &message.Message{To: "+84912345679", Body: "[QC] Lantern: buổi mới", Lang: "vi", Kind: "confirmation", NextAttemptAt: t0}
		km := &message.Message{To: "+85512345678", Body: "Lantern: អ្នកបានចុះឈ្មោះ", Lang: "km", Kind: "confirmation", NextAttemptAt: t0}
		for _, m := range []*message.Message{ad, km} {
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := message.SaveBranding(ctx, db, 0, message.Branding{Prefix: "Anh Sang", Brandname: "ANHSANG", Unaccented: true}, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RunOnce(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if len(g.bodies) != 3 {
			t.Fatalf("%d sent", len(g.bodies))
		}
		want := map[string]string{
			"+84912345678": `Anh Sang: ban da dang ky "Chieu phim". Ma K7M2QX5`,
			"+84912345679": "[QC] Anh Sang: buoi moi",
			"+85512345678": "Anh Sang: អ្នកបានចុះឈ្មោះ",
		}
		for _, b := range g.bodies {
			if b["text"] != want[b["to"].(string)] || b["sender"] != "ANHSANG" {
				t.Errorf("sent %v", b)
			}
		}
		if got := reload(t, db, vi.ID); got.Body != want["+84912345678"] || got.Encoding != "GSM7" {
			t.Errorf("outbox keeps %q %s", got.Body, got.Encoding)
		}
	})
}
