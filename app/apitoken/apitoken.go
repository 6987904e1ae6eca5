// Package apitoken holds the API tokens that partners' systems (and
// trainers' check-in devices) use to call /api/v1 without a staff session:
// what an admin creates, rotates and revokes, how a token is recognised, and
// the record of its use. It never imports Fiber.
//
// A token is a random secret shown once, when it is made or rotated; the
// database keeps only its SHA-256 (like staff sessions, app/user), so a
// leaked table opens nothing. A secret has 256 random bits: a plain hash is
// enough (no slow hash is needed against guessing), and it lets a request
// find its token with one indexed lookup.
package apitoken

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

// Scope is what a token may do.
type Scope string

const (
	// ScopeEventsRead reads the published events (GET /api/v1/events…).
	ScopeEventsRead Scope = "events:read"
	// ScopeIndicatorsRead reads the programme's aggregate figures
	// (indicators, knowledge gain).
	ScopeIndicatorsRead Scope = "indicators:read"
	// ScopeCheckinsWrite reads rosters and sends check-ins as the staff
	// account the token is bound to (a trainer's device).
	ScopeCheckinsWrite Scope = "checkins:write"
)

// Scopes lists the scopes in display order.
var Scopes = []Scope{ScopeEventsRead, ScopeIndicatorsRead, ScopeCheckinsWrite}

// ActsAsAccount tells whether calls in this scope act as the token's staff
// account (its roles and the sessions it is assigned to apply).
func (s Scope) ActsAsAccount() bool { return s == ScopeCheckinsWrite }

// AccountRoles are the roles a check-in device's account must hold.
var AccountRoles = []user.Role{user.RoleTrainer, user.RoleOrganiser, user.RoleAdmin}

// SecretPrefix starts every secret, so that one found in a log or a
// repository is recognisable.
const SecretPrefix = "lnt_"

// Rate limits an admin may set, per minute.
const (
	DefaultRatePerMinute = 60
	MaxRatePerMinute     = 6000
)

// Token is an API token. The secret is not in it: only its hash.
type Token struct {
	ID            uint
	Name          string
	Scopes        string // comma-separated, in Scopes order
	Prefix        string // the secret's first characters, to recognise it
	SecretHash    string `json:"-"`
	UserID        *uint
	RatePerMinute int
	CreatedByID   *uint
	CreatedAt     time.Time
	UpdatedAt     time.Time
	RotatedAt     *time.Time
	RevokedAt     *time.Time
	// LastUsedAt is kept to the minute (see RecordUse).
	LastUsedAt *time.Time
}

// TableName keeps GORM on the migrated table.
func (Token) TableName() string { return "api_tokens" }

// ScopeList splits Scopes.
func (t *Token) ScopeList() []Scope {
	var out []Scope
	for _, s := range strings.Split(t.Scopes, ",") {
		if s != "" {
			out = append(out, Scope(s))
		}
	}
	return out
}

// Has tells whether the token holds scope.
func (t *Token) Has(scope Scope) bool { return slices.Contains(t.ScopeList(), scope) }

// Revoked tells whether the token was revoked.
func (t *Token) Revoked() bool { return t.RevokedAt != nil }

// snapshot is what the audit log keeps of a token: never the secret nor
// its hash.
type snapshot struct {
	Name          string `json:"name"`
	Scopes        string `json:"scopes"`
	Prefix        string `json:"prefix"`
	UserID        *uint  `json:"user_id,omitempty"`
	RatePerMinute int    `json:"rate_per_minute"`
	Revoked       bool   `json:"revoked,omitempty"`
}

func (t *Token) snap() snapshot {
	return snapshot{Name: t.Name, Scopes: t.Scopes, Prefix: t.Prefix, UserID: t.UserID, RatePerMinute: t.RatePerMinute, Revoked: t.Revoked()}
}

// Input is what an admin sets on a new token.
type Input struct {
	Name   string
	Scopes []string
	// UserID is the staff account a check-in device acts as; required with
	// checkins:write, ignored otherwise.
	UserID        *uint
	RatePerMinute int
}

// check returns every problem of the input at once, each on its field
// (name, scopes, user_id, rate_per_minute).
func (in *Input) check(tx *gorm.DB) error {
	var errs apperr.FieldList
	in.Name = textnorm.Clean(in.Name)
	switch n := len([]rune(in.Name)); {
	case n == 0:
		errs.Add("name", "error.token.name_required", nil)
	case n > 100:
		errs.Add("name", "error.token.name_too_long", map[string]any{"Max": 100})
	}
	var scopes []Scope
	for _, s := range in.Scopes {
		if !slices.Contains(Scopes, Scope(s)) {
			errs.Add("scopes", "error.token.scope_unknown", nil)
		}
	}
	for _, s := range Scopes { // known ones, in display order, once each
		if slices.Contains(in.Scopes, string(s)) {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 {
		errs.Add("scopes", "error.token.scopes_required", nil)
	}
	if slices.Contains(scopes, ScopeCheckinsWrite) {
		if in.UserID == nil {
			errs.Add("user_id", "error.token.account_required", nil)
		} else {
			var u user.User
			err := tx.Where("id = ? AND active = ?", *in.UserID, true).Take(&u).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !u.Has(AccountRoles...)):
				errs.Add("user_id", "error.token.account_invalid", nil)
			case err != nil:
				return err
			}
		}
	} else {
		in.UserID = nil
	}
	if in.RatePerMinute < 1 || in.RatePerMinute > MaxRatePerMinute {
		errs.Add("rate_per_minute", "error.token.rate_range", map[string]any{"Max": MaxRatePerMinute})
	}
	in.Scopes = in.Scopes[:0]
	for _, s := range scopes {
		in.Scopes = append(in.Scopes, string(s))
	}
	if e := errs.Err(); e != nil {
		return e
	}
	return nil
}

// newSecret makes a secret and returns it with its hash and prefix.
func newSecret() (secret, hash, prefix string) {
	secret = SecretPrefix + user.RandomToken(32)
	return secret, hashSecret(secret), secret[:len(SecretPrefix)+6]
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func idStr(id uint) string { return strconv.FormatUint(uint64(id), 10) }

// Create makes a token and returns it with its secret, which is shown
// once and never again.
func Create(ctx context.Context, db *gorm.DB, actorID uint, in Input, now time.Time) (*Token, string, error) {
	secret, hash, prefix := newSecret()
	var t *Token
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := in.check(tx); err != nil {
			return err
		}
		t = &Token{Name: in.Name, Scopes: strings.Join(in.Scopes, ","), Prefix: prefix, SecretHash: hash,
			UserID: in.UserID, RatePerMinute: in.RatePerMinute, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
		if actorID != 0 {
			t.CreatedByID = &actorID
		}
		if err := tx.Create(t).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "create", "api_token", idStr(t.ID), nil, t.snap())
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Get returns a token by id.
func Get(ctx context.Context, db *gorm.DB, id uint) (*Token, error) {
	var t Token
	err := db.WithContext(ctx).Take(&t, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.not_found", err)
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Rotate gives a token a new secret, returned once: the old secret is
// refused from this moment on. A revoked token cannot be rotated.
func Rotate(ctx context.Context, db *gorm.DB, actorID, id uint, now time.Time) (*Token, string, error) {
	secret, hash, prefix := newSecret()
	var t Token
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&t, "id = ?", id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.not_found", err)
			}
			return err
		}
		// Only a token not revoked (checked in the same statement, so a
		// revocation at the same moment wins).
		res := tx.Model(&Token{}).Where("id = ? AND revoked_at IS NULL", id).
			Updates(map[string]any{"secret_hash": hash, "prefix": prefix, "rotated_at": now.UTC(), "updated_at": now.UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "error.token.revoked")
		}
		before := t.snap()
		t.Prefix = prefix
		return audit.Record(tx, actorID, "rotate", "api_token", idStr(id), before, t.snap())
	})
	if err != nil {
		return nil, "", err
	}
	t.SecretHash, t.RotatedAt = hash, &now
	return &t, secret, nil
}

// Revoke ends a token for good; revoking it again changes nothing.
func Revoke(ctx context.Context, db *gorm.DB, actorID, id uint, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t Token
		if err := tx.Take(&t, "id = ?", id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.not_found", err)
			}
			return err
		}
		res := tx.Model(&Token{}).Where("id = ? AND revoked_at IS NULL", id).
			Updates(map[string]any{"revoked_at": now.UTC(), "updated_at": now.UTC()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		before := t.snap()
		t.RevokedAt = &now
		return audit.Record(tx, actorID, "revoke", "api_token", idStr(id), before, t.snap())
	})
}

// Authenticate finds the token of a secret sent with a request, and the
// staff account it is bound to (nil when none). An unknown secret (never
// made, or replaced by a rotation), a revoked token and a token whose
// account was deactivated are all refused alike (Unauthorized).
func Authenticate(ctx context.Context, db *gorm.DB, secret string) (*Token, *user.User, error) {
	refused := apperr.New(apperr.Unauthorized, "error.api.token_invalid")
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) > 100 {
		return nil, nil, refused
	}
	var t Token
	err := db.WithContext(ctx).Take(&t, "secret_hash = ?", hashSecret(secret)).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, refused
	}
	if err != nil {
		return nil, nil, err
	}
	if t.Revoked() {
		return nil, nil, refused
	}
	if t.UserID == nil {
		return &t, nil, nil
	}
	var u user.User
	err = db.WithContext(ctx).Take(&u, "id = ? AND active = ?", *t.UserID, true).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, refused
	}
	if err != nil {
		return nil, nil, err
	}
	return &t, &u, nil
}

// dayOf is the day of a moment in the programme's time zone, the key of the
// daily counts.
func dayOf(now time.Time) string {
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	return now.In(loc).Format(time.DateOnly)
}

// RecordUse counts a call of token t on its day (limited: refused for the
// rate limit) in one upsert, and moves its "last used" when it is more
// than a minute old (a token calling every second writes it once a minute).
// Nothing about the call but its count is kept.
func RecordUse(ctx context.Context, db *gorm.DB, t *Token, limited bool, now time.Time) error {
	uses, refused := 1, 0
	if limited {
		uses, refused = 0, 1
	}
	db = db.WithContext(ctx)
	err := db.Exec(`INSERT INTO api_token_uses (token_id, day, uses, limited, last_used_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (token_id, day) DO UPDATE SET uses = api_token_uses.uses + excluded.uses,
			limited = api_token_uses.limited + excluded.limited, last_used_at = excluded.last_used_at`,
		t.ID, dayOf(now), uses, refused, now.UTC()).Error
	if err != nil || limited {
		return err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		return db.Model(&Token{}).Where("id = ?", t.ID).Update("last_used_at", now.UTC()).Error
	}
	return nil
}

// Listed is a token as the admins' list shows it.
type Listed struct {
	Token
	UserName  string
	UsesToday int
	Uses30    int
	Limited30 int
}

// List returns every token, those in use first, newest first, with the
// name of its account and its counts of today and of the last 30 days.
func List(ctx context.Context, db *gorm.DB, now time.Time) ([]Listed, error) {
	db = db.WithContext(ctx)
	var out []Listed
	err := db.Table("api_tokens t").Select("t.*, COALESCE(u.name, '') AS user_name").
		Joins("LEFT JOIN users u ON u.id = t.user_id").
		Order("CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.created_at DESC, t.id DESC").
		Scan(&out).Error
	if err != nil || len(out) == 0 {
		return out, err
	}
	today := dayOf(now)
	since := dayOf(now.AddDate(0, 0, -29))
	var sums []struct {
		TokenID   uint
		UsesToday int64
		Uses30    int64
		Limited30 int64
	}
	err = db.Table("api_token_uses").
		Select("token_id, SUM(CASE WHEN day = ? THEN uses ELSE 0 END) AS uses_today, SUM(uses) AS uses30, SUM(limited) AS limited30", today).
		Where("day >= ?", since).Group("token_id").Scan(&sums).Error
	if err != nil {
		return nil, err
	}
	byID := map[uint]int{}
	for i := range out {
		byID[out[i].ID] = i
	}
	for _, s := range sums {
		if i, ok := byID[s.TokenID]; ok {
			out[i].UsesToday, out[i].Uses30, out[i].Limited30 = int(s.UsesToday), int(s.Uses30), int(s.Limited30)
		}
	}
	return out, nil
}

// Use is a token's count of one day.
type Use struct {
	Day     string
	Uses    int
	Limited int
}

// Uses returns a token's daily counts over the last days days, newest
// first (days without a call are left out).
func Uses(ctx context.Context, db *gorm.DB, id uint, days int, now time.Time) ([]Use, error) {
	var out []Use
	err := db.WithContext(ctx).Table("api_token_uses").Select("day, uses, limited").
		Where("token_id = ? AND day >= ?", id, dayOf(now.AddDate(0, 0, -(days-1)))).
		Order("day DESC").Scan(&out).Error
	return out, err
}
