package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/pagecache"
	"github.com/lantern-ngo/lantern/app/registration"
)

// eventContent is what the registration form needs of an event besides its
// seats: the event with its texts, venue and partner, and the consent texts
// in force. Shared between requests: read only.
type eventContent struct {
	Event    *event.Event
	Consents map[string]*registration.Consent
}

// memoCacheMax bounds the values a memo keeps (the programme has tens of
// events).
const memoCacheMax = 500

// newMemo is a memo of values computed from the database, valid at a
// version that read reads (database.ContentVersion, QuizVersion); nil when
// the page cache is off.
func newMemo[V any](s *Server, read func(context.Context) (int64, error)) *pagecache.Memo[uint, V] {
	if !s.cfg.PageCache {
		return nil
	}
	return pagecache.NewMemo[uint, V](pagecache.NewVersion(func() (int64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
		defer cancel()
		return read(ctx)
	}, s.cfg.PageCachePoll, func() time.Time { return s.now() }), memoCacheMax)
}

// publicEventContent returns a published (or cancelled, past) event's
// content, kept per content version (database.ContentVersion: every change
// to what an event is, but not its seats). A popular session's rush changes
// the seats hundreds of times a second and its description never, so the
// form loads the event once per instance instead of once per person.
// Nothing correct rests on it: the registration checks the event in the
// database, in the statement that takes the seat.
func (s *Server) publicEventContent(ctx context.Context, id uint) (*eventContent, error) {
	load := func() (*eventContent, error) {
		e, err := event.GetPublic(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		consents, err := registration.CurrentConsents(ctx, s.db, e.Country)
		if err != nil {
			return nil, err
		}
		return &eventContent{Event: e, Consents: consents}, nil
	}
	if s.content == nil {
		return load()
	}
	return s.content.Get(id, load)
}

// expireMemos makes this instance read the versions again after a request
// that may have changed something: the content version after a staff
// member's (public forms change no event), the quiz version after any (a
// participant submitting a quiz).
func (s *Server) expireMemos(c *fiber.Ctx) {
	if isSafeMethod(c.Method()) {
		return
	}
	if s.content != nil && currentUser(c) != nil {
		s.content.Expire()
	}
	if s.gains != nil {
		s.gains.Expire()
	}
}
