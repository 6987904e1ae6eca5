package locale

import (
	"sync"
	"time"
	_ "time/tzdata" // the binary carries its own zone data (scratch images have none)
)

// DefaultTimeZone is the programme's time zone.
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
