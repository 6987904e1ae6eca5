package report

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/dbstate"
)

// Cached returns the indicators of a filter as computed at most maxAge ago,
// computing and storing them when there are none that recent (maxAge <= 0:
// always computed). The whole programme's figures cost a fraction of a
// second at 100 times the programme's size, and several organisers looking
// at the dashboard at once queued behind each other; the figures carry
// their GeneratedAt, which the page shows, and the page can ask for fresh
// ones. They are kept in the database, so every instance shares them.
func Cached(ctx context.Context, db *gorm.DB, f Filter, now time.Time, maxAge time.Duration) (*Indicators, error) {
	if maxAge <= 0 {
		return Compute(ctx, db, f, now)
	}
	kv := dbstate.NewKV(db.WithContext(ctx))
	key := "indicators:" + f.Key()
	if b, err := kv.Get(key); err == nil && b != nil {
		var r Indicators
		if json.Unmarshal(b, &r) == nil && r.Filter.Key() == f.Key() && !now.Before(r.GeneratedAt) && now.Sub(r.GeneratedAt) < maxAge {
			return &r, nil
		}
	}
	r, err := Compute(ctx, db, f, now)
	if err != nil {
		return nil, err
	}
	if b, err := json.Marshal(r); err == nil {
		// A failed write only means the next view computes again.
		_ = kv.Set(key, b, maxAge)
	}
	return r, nil
}
