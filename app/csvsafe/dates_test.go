package csvsafe

import (
	"testing"
	"time"
)

// TestCellDates: times and days go into CSV as ISO 8601 text, in the
// zone the caller gave (its local time).
func TestCellDates(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 1, 9, 11, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		in   any
		want string
	}{
		{at.In(hcm), "2027-01-09 18:30"},
		{at, "2027-01-09 11:30"},
		{Date{time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}, "2026-12-07"},
	} {
		if got := Cell(c.in); got != c.want {
			t.Errorf("Cell(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
