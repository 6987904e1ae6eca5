package locale

import (
	"sync"
	"time"
	_ "time/tzdata" // the binary carries its own zone data (scratch images have none)
)

// DefaultTimeZone is the programme's home time zone: the seeded default
// country's (migration m0090), for programme-wide periods (reports, the
// dashboard, staff pages that belong to no session) and for a number whose
// zone cannot be told. The one place in the code that names a zone:
// sessions, cities and countries carry their own.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

var zones sync.Map // name -> *time.Location; a cache of immutable values

// LoadLocation loads a time zone once; unknown names give the default zone.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}
