package web

import (
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// exportFilename names a downloaded file: its parts, then the day it was
// made in the programme's time zone, then the format —
// registrations-T006-2026-12-07.csv. Only ASCII letters, digits, - and _
// are kept, so that the name is safe in a Content-Disposition header and on
// every file system; empty parts are left out.
func exportFilename(now time.Time, ext string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		var b strings.Builder
		for _, r := range textnorm.Unaccent(p) { // Đà Nẵng → Da Nang
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ' || r == '.' || r == '/':
				b.WriteByte('-')
			}
		}
		if s := strings.Trim(b.String(), "-_"); s != "" {
			kept = append(kept, s)
		}
	}
	kept = append(kept, locale.In(now, locale.DefaultTimeZone).Format("2006-01-02"))
	return strings.Join(kept, "-") + "." + ext
}

// attachment is a Content-Disposition header for a file name made by
// exportFilename.
func attachment(name string) string { return `attachment; filename="` + name + `"` }
