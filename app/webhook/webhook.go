// Package webhook sends partners' systems what happens in Lantern (issue
// 19): admins register HTTPS endpoints and the event types they subscribe
// to; domains raise events in the transaction of their change (a
// transactional outbox); a dispatcher on every instance delivers them,
// signed, claimed with a lease so that no endpoint gets one event twice,
// retried with backoff for up to a day, through a client that refuses
// internal addresses (SSRF). See docs/WEBHOOKS.md.
//
// It sits low: it imports only apperr, audit and textnorm, and reads the
// tables of events and registrations by name, so that event, registration,
// attendance and quiz may all import it.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// The event types.
const (
	RegistrationCreated   = "registration.created"
	RegistrationCancelled = "registration.cancelled"
	CheckinCreated        = "checkin.created"
	EventPublished        = "event.published"
	EventChanged          = "event.changed"
	EventCancelled        = "event.cancelled"
	QuizSubmitted         = "quiz.submitted"
)

// Types lists the event types in display order.
var Types = []string{RegistrationCreated, RegistrationCancelled, CheckinCreated,
	EventPublished, EventChanged, EventCancelled, QuizSubmitted}

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// Endpoint is an address that receives events.
type Endpoint struct {
	ID          uint
	URL         string
	Description string
	// Events is ",type,type," (see Subscribes).
	Events string
	// Personal endpoints also receive names and phone numbers.
	Personal bool
	Enabled  bool
	// Secret signs the deliveries. It is kept as it is: an HMAC needs it.
	Secret       string `json:"-"`
	SecretPrefix string
	CreatedByID  *uint
	CreatedAt    time.Time
	UpdatedAt    time.Time
	RotatedAt    *time.Time
}

// TableName keeps GORM on the migrated table.
func (Endpoint) TableName() string { return "webhook_endpoints" }

// TypeList splits Events.
func (e *Endpoint) TypeList() []string {
	var out []string
	for _, s := range strings.Split(e.Events, ",") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Subscribes tells whether e subscribes to typ.
func (e *Endpoint) Subscribes(typ string) bool { return slices.Contains(e.TypeList(), typ) }

// snapshot is what the audit log keeps of an endpoint: never its secret.
type snapshot struct {
	URL          string `json:"url"`
	Description  string `json:"description"`
	Events       string `json:"events"`
	Personal     bool   `json:"personal"`
	Enabled      bool   `json:"enabled"`
	SecretPrefix string `json:"secret_prefix"`
}

func (e *Endpoint) snap() snapshot {
	return snapshot{URL: e.URL, Description: e.Description, Events: e.Events, Personal: e.Personal, Enabled: e.Enabled, SecretPrefix: e.SecretPrefix}
}

// Input is what an admin sets on an endpoint.
type Input struct {
	URL         string
	Description string
	Events      []string
	Personal    bool
	Enabled     bool
}

// Check returns every problem at once, each on its field (url,
// description, events), and normalises the input.
func (in *Input) Check(allow Allow) error {
	var fe apperr.FieldList
	in.URL = strings.TrimSpace(in.URL)
	in.Description = textnorm.Clean(in.Description)
	switch {
	case in.URL == "":
		fe.Add("url", "error.webhook.url_required", nil)
	case len(in.URL) > 500:
		fe.Add("url", "error.webhook.url_too_long", map[string]any{"Max": 500})
	default:
		if err := allow.CheckURL(in.URL); errors.Is(err, ErrForbiddenAddress) {
			fe.Add("url", "error.webhook.url_internal", nil)
		} else if err != nil {
			fe.Add("url", "error.webhook.url_https", nil)
		}
	}
	if len([]rune(in.Description)) > 200 {
		fe.Add("description", "error.webhook.description_too_long", map[string]any{"Max": 200})
	}
	var types []string
	for _, t := range in.Events {
		if !slices.Contains(Types, t) {
			fe.Add("events", "error.webhook.event_unknown", nil)
		}
	}
	for _, t := range Types {
		if slices.Contains(in.Events, t) {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		fe.Add("events", "error.webhook.events_required", nil)
	}
	in.Events = types
	return fe.Err()
}

func (in *Input) events() string { return "," + strings.Join(in.Events, ",") + "," }

// newSecret makes a signing secret (256 random bits).
func newSecret() (secret, prefix string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = SecretPrefix + hex.EncodeToString(b)
	return secret, secret[:len(SecretPrefix)+6]
}

func idStr(id uint) string { return strconv.FormatUint(uint64(id), 10) }

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.Wrap(apperr.NotFound, "error.not_found", err)
	}
	return err
}

// Create registers an endpoint and returns it with its secret, to be shown
// once. Marking it personal is audited with it.
func Create(ctx context.Context, db *gorm.DB, allow Allow, actorID uint, in Input, now time.Time) (*Endpoint, string, error) {
	if err := in.Check(allow); err != nil {
		return nil, "", err
	}
	secret, prefix := newSecret()
	e := &Endpoint{URL: in.URL, Description: in.Description, Events: in.events(), Personal: in.Personal, Enabled: true,
		Secret: secret, SecretPrefix: prefix, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if actorID != 0 {
		e.CreatedByID = &actorID
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		if err := audit.Record(tx, actorID, "create", "webhook_endpoint", idStr(e.ID), nil, e.snap()); err != nil {
			return err
		}
		if e.Personal {
			return audit.Record(tx, actorID, "webhook.personal", "webhook_endpoint", idStr(e.ID), nil, e.snap())
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// Get returns an endpoint by id.
func Get(ctx context.Context, db *gorm.DB, id uint) (*Endpoint, error) {
	var e Endpoint
	if err := db.WithContext(ctx).Take(&e, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &e, nil
}

// Update changes an endpoint's address, description, types, personal flag
// and whether it is enabled. A change of the personal flag is audited as
// its own action, so that it can be found.
func Update(ctx context.Context, db *gorm.DB, allow Allow, actorID, id uint, in Input, now time.Time) (*Endpoint, error) {
	if err := in.Check(allow); err != nil {
		return nil, err
	}
	var e Endpoint
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&e, "id = ?", id).Error; err != nil {
			return notFound(err)
		}
		before := e.snap()
		e.URL, e.Description, e.Events, e.Personal, e.Enabled, e.UpdatedAt = in.URL, in.Description, in.events(), in.Personal, in.Enabled, now.UTC()
		if err := tx.Model(&Endpoint{}).Where("id = ?", id).Updates(map[string]any{"url": e.URL, "description": e.Description,
			"events": e.Events, "personal": e.Personal, "enabled": e.Enabled, "updated_at": e.UpdatedAt}).Error; err != nil {
			return err
		}
		if before == e.snap() {
			return nil
		}
		if err := audit.Record(tx, actorID, "update", "webhook_endpoint", idStr(id), before, e.snap()); err != nil {
			return err
		}
		if before.Personal != e.Personal {
			return audit.Record(tx, actorID, "webhook.personal", "webhook_endpoint", idStr(id), before, e.snap())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// SetEnabled enables or disables an endpoint. A disabled endpoint is
// raised no new events, and its queued deliveries are not sent.
func SetEnabled(ctx context.Context, db *gorm.DB, actorID, id uint, enabled bool, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e Endpoint
		if err := tx.Take(&e, "id = ?", id).Error; err != nil {
			return notFound(err)
		}
		if e.Enabled == enabled {
			return nil
		}
		before := e.snap()
		e.Enabled = enabled
		if err := tx.Model(&Endpoint{}).Where("id = ?", id).Updates(map[string]any{"enabled": enabled, "updated_at": now.UTC()}).Error; err != nil {
			return err
		}
		action := "webhook.disable"
		if enabled {
			action = "webhook.enable"
		}
		return audit.Record(tx, actorID, action, "webhook_endpoint", idStr(id), before, e.snap())
	})
}

// Rotate gives an endpoint a new secret, returned once; deliveries are
// signed with it from now on.
func Rotate(ctx context.Context, db *gorm.DB, actorID, id uint, now time.Time) (*Endpoint, string, error) {
	secret, prefix := newSecret()
	var e Endpoint
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&e, "id = ?", id).Error; err != nil {
			return notFound(err)
		}
		before := e.snap()
		e.Secret, e.SecretPrefix, e.UpdatedAt = secret, prefix, now.UTC()
		e.RotatedAt = &e.UpdatedAt
		if err := tx.Model(&Endpoint{}).Where("id = ?", id).Updates(map[string]any{"secret": secret, "secret_prefix": prefix,
			"rotated_at": e.UpdatedAt, "updated_at": e.UpdatedAt}).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "rotate", "webhook_endpoint", idStr(id), before, e.snap())
	})
	if err != nil {
		return nil, "", err
	}
	return &e, secret, nil
}

// Delete removes an endpoint and its deliveries (the audit log keeps what
// it was).
func Delete(ctx context.Context, db *gorm.DB, actorID, id uint) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e Endpoint
		if err := tx.Take(&e, "id = ?", id).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Where("endpoint_id = ?", id).Delete(&Delivery{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&Endpoint{}, id).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "webhook.delete", "webhook_endpoint", idStr(id), e.snap(), nil)
	})
}

// Listed is an endpoint as the admins' list shows it.
type Listed struct {
	Endpoint
	Queued    int
	Failed    int
	Delivered int
}

// List returns every endpoint, newest first, with its counts of deliveries.
func List(ctx context.Context, db *gorm.DB) ([]Listed, error) {
	db = db.WithContext(ctx)
	var eps []Endpoint
	if err := db.Order("created_at DESC, id DESC").Find(&eps).Error; err != nil {
		return nil, err
	}
	var sums []struct {
		EndpointID uint
		Status     string
		N          int
	}
	if err := db.Model(&Delivery{}).Select("endpoint_id, status, COUNT(*) AS n").Group("endpoint_id, status").Scan(&sums).Error; err != nil {
		return nil, err
	}
	out := make([]Listed, len(eps))
	byID := map[uint]*Listed{}
	for i := range eps {
		out[i].Endpoint = eps[i]
		byID[eps[i].ID] = &out[i]
	}
	for _, s := range sums {
		if l := byID[s.EndpointID]; l != nil {
			switch s.Status {
			case StatusDelivered:
				l.Delivered += s.N
			case StatusFailed:
				l.Failed += s.N
			default:
				l.Queued += s.N
			}
		}
	}
	return out, nil
}
