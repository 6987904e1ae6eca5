package web

import (
	"testing"
	"time"
)

func TestExportFilename(t *testing.T) {
	// 23:30 UTC on 6 December is 7 December in Hồ Chí Minh City.
	now := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{"registrations", "T006"}, "registrations-T006-2026-12-07.csv"},
		{[]string{"lantern", "events", "", "2026-01-01_2026-03-31"}, "lantern-events-2026-01-01_2026-03-31-2026-12-07.csv"},
		{[]string{"registrations", `Đà Nẵng "1"/;x`}, "registrations-Da-Nang-1-x-2026-12-07.csv"},
	} {
		if got := exportFilename(now, "csv", c.parts...); got != c.want {
			t.Errorf("exportFilename(%q) = %q, want %q", c.parts, got, c.want)
		}
	}
}
