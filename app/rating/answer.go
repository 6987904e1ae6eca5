package rating

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
)

// Request is what the rating page shows: the session (never the person)
// and the answer given so far.
type Request struct {
	Rating Rating
	Event  *event.Event
	// Closed: the session ended more than OpenFor ago; the page says so
	// and takes no answer.
	Closed bool
}

// Rated tells whether an answer was given.
func (r *Request) Rated() bool { return r.Rating.Stars != nil }

// StarsGiven is the answer's stars (0 when none).
func (r *Request) StarsGiven() int {
	if r.Rating.Stars == nil {
		return 0
	}
	return *r.Rating.Stars
}

func errNotFound(err error) error {
	return apperr.Wrap(apperr.NotFound, "error.rating.not_found", err)
}

// closedAt is when the page stops taking answers.
func closedAt(e *event.Event) time.Time { return e.EndsAt.Add(OpenFor) }

// Find returns the request of a link's token.
func Find(ctx context.Context, db *gorm.DB, token string, now time.Time) (*Request, error) {
	if !plausibleToken(token) {
		return nil, errNotFound(nil)
	}
	var r Rating
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNotFound(err)
	}
	if err != nil {
		return nil, err
	}
	e, err := event.Get(ctx, db, r.EventID)
	if err != nil {
		return nil, err
	}
	return &Request{Rating: r, Event: e, Closed: !now.Before(closedAt(e))}, nil
}

// ErrClosed: an answer sent after the page closed.
func errClosed() error { return apperr.New(apperr.Conflict, "error.rating.closed") }

// Submit records the answer of a link: the first one, or a new one that
// replaces it (one rating per registration). The input is checked first
// (every problem at once, each naming its field) and nothing is written
// when it is wrong or when the page has closed. The answer is one UPDATE of
// the request's row (its own transaction): two answers sent at once leave
// one of them whole, never a mix.
func Submit(ctx context.Context, db *gorm.DB, token string, in Input, now time.Time) (*Request, error) {
	req, err := Find(ctx, db, token, now)
	if err != nil {
		return nil, err
	}
	stars, err := in.Check()
	if err != nil {
		return req, err
	}
	if req.Closed {
		return req, errClosed()
	}
	at := now.UTC()
	err = db.WithContext(ctx).Model(&Rating{}).Where("id = ?", req.Rating.ID).
		Updates(map[string]any{"stars": stars, "comment": in.Comment, "rated_at": at, "rating_source": SourceLink}).Error
	if err != nil {
		return req, err
	}
	req.Rating.Stars, req.Rating.Comment, req.Rating.RatedAt = &stars, in.Comment, &at
	return req, nil
}
