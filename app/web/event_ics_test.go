package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestEventICSIsRFC5545: the calendar file ends every line with CRLF,
// folds lines at 75 octets, keeps no carriage return from the organisers'
// texts, and reads back with golang-ical as what the organiser meant.
func TestEventICSIsRFC5545(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Titles: map[string]string{"vi": "x"}})
		title := "Chiếu phim\r: Lời hứa; trẻ em, gia đình"
		desc := "Dòng một\r\nDòng hai\rDòng ba\x07 với dấu \\ và ; và ,\n" + strings.Repeat("Quyền trẻ em là quyền con người. ", 8)
		if err := db.Exec("UPDATE event_translations SET title = ?, description = ? WHERE event_id = ?", title, desc, e.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE venues SET address = ? WHERE id = ?", "12 Lê Lợi\r\nPhường 1", e.VenueID).Error; err != nil {
			t.Fatal(err)
		}
		resp := ta.client().get("/vi/events/" + itoa(int(e.ID)) + "/calendar.ics")
		body := bodyOf(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("ics: %d", resp.StatusCode)
		}
		if !strings.HasSuffix(body, "\r\n") {
			t.Errorf("the file does not end with CRLF: %q", body[max(0, len(body)-20):])
		}
		lines := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
		if len(lines) < 10 {
			t.Fatalf("only %d CRLF lines:\n%q", len(lines), body)
		}
		for i, l := range lines {
			if strings.ContainsAny(l, "\r\n") {
				t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
			}
			if len(l) > 75 {
				t.Errorf("line %d is %d octets long (75 at most): %q", i+1, len(l), l)
			}
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		prop := func(p ics.ComponentProperty) string {
			if v := evs[0].GetProperty(p); v != nil {
				return v.Value
			}
			return ""
		}
		wantDesc := "Dòng một\nDòng hai\nDòng ba với dấu \\ và ; và ,\n" + strings.Repeat("Quyền trẻ em là quyền con người. ", 8)
		if got := prop(ics.ComponentPropertyDescription); got != wantDesc {
			t.Errorf("description = %q\nwant %q", got, wantDesc)
		}
		if got := prop(ics.ComponentPropertySummary); got != "Chiếu phim\n: Lời hứa; trẻ em, gia đình" {
			t.Errorf("summary = %q", got)
		}
		if got := prop(ics.ComponentPropertyLocation); got != "Nhà văn hóa, 12 Lê Lợi\nPhường 1" {
			t.Errorf("location = %q", got)
		}
		if got, err := evs[0].GetStartAt(); err != nil || !got.Equal(e.StartsAt.Truncate(time.Second)) {
			t.Errorf("start = %v %v, want %v", got, err, e.StartsAt)
		}
	})
}
