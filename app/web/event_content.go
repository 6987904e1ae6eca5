package web

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/lantern-ngo/lantern/app/database"
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

// contentCache keeps eventContent per event at one content version
// (database.ContentVersion: every change to what an event is, but not its
// seats). A popular session's rush changes the seats hundreds of times a
// second and its description never, so the form loads the event once per
// instance instead of once per person. Versions are read like the page
// cache's (at most once per PAGE_CACHE_POLL, at once after this instance's
// staff changed something); nothing correct rests on it: the registration
// itself checks the event in the database, in the statement that takes the
// seat.
type contentCache struct {
	version *pagecache.Version

	mu     sync.Mutex
	at     int64
	events map[uint]*eventContent
}

// contentCacheMax bounds the events kept (the programme has tens).
const contentCacheMax = 500

func (s *Server) newContentCache() *contentCache {
	if !s.cfg.PageCache {
		return nil
	}
	return &contentCache{
		version: pagecache.NewVersion(func() (int64, error) {
			ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
			defer cancel()
			return database.ContentVersion(s.db.WithContext(ctx))
		}, s.cfg.PageCachePoll, func() time.Time { return s.now() }),
		events: map[uint]*eventContent{},
	}
}

// publicEventContent returns a published (or cancelled, past) event's
// content, from the cache when its version is current.
func (s *Server) publicEventContent(ctx context.Context, id uint) (*eventContent, error) {
	cc := s.content
	if cc == nil {
		return loadEventContent(ctx, s, id)
	}
	v, ok := cc.version.Current()
	if !ok {
		return loadEventContent(ctx, s, id)
	}
	cc.mu.Lock()
	if cc.at != v {
		cc.at, cc.events = v, map[uint]*eventContent{}
	}
	got := cc.events[id]
	cc.mu.Unlock()
	if got != nil {
		return got, nil
	}
	// Loaded after the version was read, so never older than it.
	got, err := loadEventContent(ctx, s, id)
	if err != nil {
		return nil, err
	}
	cc.mu.Lock()
	if cc.at == v {
		if len(cc.events) >= contentCacheMax {
			cc.events = map[uint]*eventContent{}
		}
		cc.events[id] = got
	}
	cc.mu.Unlock()
	return got, nil
}

func loadEventContent(ctx context.Context, s *Server, id uint) (*eventContent, error) {
	e, err := event.GetPublic(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	consents, err := registration.CurrentConsents(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return &eventContent{Event: e, Consents: consents}, nil
}

// expireContentVersion makes this instance read the content version again
// after a staff member changed something (public forms change no event).
func (s *Server) expireContentVersion(c *fiber.Ctx) {
	if s.content != nil && !isSafeMethod(c.Method()) && currentUser(c) != nil {
		s.content.version.Expire()
	}
}
