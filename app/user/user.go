// Package user holds staff accounts, their roles and their server-side
// sessions. Participants never have an account.
package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Role is a staff role. A person can hold several.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleOrganiser Role = "organiser"
	RoleTrainer   Role = "trainer"
	RoleCoach     Role = "coach"
)

// AllRoles lists the roles in display order.
var AllRoles = []Role{RoleAdmin, RoleOrganiser, RoleTrainer, RoleCoach}

// User is a staff account.
type User struct {
	ID           uint
	Email        string
	Name         string
	PasswordHash string `json:"-"`
	Roles        string // comma-separated
	Lang         string
	Phone        string
	Active       bool
	CoachID      *uint
	// The account's scope (issue 20): see Scope.
	ScopeCountry    string
	ScopeCityIDs    string `gorm:"column:scope_city_ids"`
	ScopePartnerIDs string `gorm:"column:scope_partner_ids"`
	LastLoginAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// RoleList splits Roles.
func (u *User) RoleList() []Role {
	var out []Role
	for _, r := range strings.Split(u.Roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, Role(r))
		}
	}
	return out
}

// Scope is the part of the programme the account works in: the whole
// programme, or one country (some of its cities, some partners).
func (u *User) Scope() scope.Scope {
	if u == nil || u.ScopeCountry == "" {
		return scope.Global
	}
	return scope.Scope{Country: u.ScopeCountry, CityIDs: scope.SplitIDs(u.ScopeCityIDs), PartnerIDs: scope.SplitIDs(u.ScopePartnerIDs)}
}

// Has tells whether the user holds any of the roles.
func (u *User) Has(roles ...Role) bool {
	if u == nil {
		return false
	}
	for _, have := range u.RoleList() {
		for _, want := range roles {
			if have == want {
				return true
			}
		}
	}
	return false
}

// JoinRoles builds the stored form from a list, keeping only known roles.
func JoinRoles(roles []Role) string {
	var out []string
	for _, known := range AllRoles {
		for _, r := range roles {
			if r == known {
				out = append(out, string(r))
				break
			}
		}
	}
	return strings.Join(out, ",")
}

// BcryptCost is the work factor for password hashes.
var BcryptCost = 12

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	return string(h), err
}

// CheckPasswordStrength returns the i18n key of the first rule pw breaks, or "".
func CheckPasswordStrength(pw, email string) string {
	if len([]rune(pw)) < MinPasswordLength {
		return "error.password.too_short"
	}
	if len(pw) > 72 {
		return "error.password.too_long" // bcrypt reads 72 bytes at most
	}
	lower := strings.ToLower(pw)
	if email != "" && strings.Contains(lower, strings.ToLower(strings.Split(email, "@")[0])) {
		return "error.password.contains_email"
	}
	distinct := map[rune]bool{}
	for _, r := range pw {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return "error.password.too_simple"
	}
	return ""
}

// dummyHash makes a failed lookup cost as much as a wrong password, so that
// timing does not reveal which e-mail addresses have accounts.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("lantern-timing-equaliser"), 12)

// Authenticate checks an e-mail and password.
func Authenticate(ctx context.Context, db *gorm.DB, email, password string) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("email = ? AND active = ?", NormaliseEmail(email), true).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || u.PasswordHash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, apperr.New(apperr.Invalid, "error.login.invalid")
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, apperr.New(apperr.Invalid, "error.login.invalid")
	}
	return &u, nil
}

// NormaliseEmail lowercases and trims an address.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Get returns a user by id.
func Get(ctx context.Context, db *gorm.DB, id uint) (*User, error) {
	var u User
	err := db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.not_found", err)
	}
	return &u, err
}

// Create inserts an account; password may be empty (set later by link).
func Create(ctx context.Context, db *gorm.DB, u *User, password string) error {
	u.Email = NormaliseEmail(u.Email)
	u.Name = textnorm.Clean(u.Name)
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	if u.Lang == "" {
		u.Lang = "vi"
	}
	u.Active = true
	err := db.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return apperr.Wrap(apperr.Conflict, "error.user.email_taken", err)
	}
	return err
}

// Session is a server-side login session. The cookie holds a random token;
// the table holds only its SHA-256, so a leaked table opens no session.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     uint
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// TableName keeps GORM on the migrated table.
func (Session) TableName() string { return "staff_sessions" }

// SessionLifetime is the absolute limit of a session.
const SessionLifetime = 7 * 24 * time.Hour

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RandomToken returns n random bytes, URL-safe encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness is gone: nothing is safe to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartSession creates a new session (a new token at every login, so a
// session fixed before login is useless) and returns its cookie token.
func StartSession(ctx context.Context, db *gorm.DB, userID uint, now time.Time) (string, error) {
	token := RandomToken(32)
	s := Session{ID: hashToken(token), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionLifetime)}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&s).Error; err != nil {
			return err
		}
		return tx.Model(&User{}).Where("id = ?", userID).Update("last_login_at", now).Error
	})
	return token, err
}

// Resolve finds the user of a session token, ending sessions idle longer
// than idle. It refreshes LastSeenAt at most once a minute to spare writes.
func Resolve(ctx context.Context, db *gorm.DB, token string, idle time.Duration, now time.Time) (*User, error) {
	u, _, err := ResolveAnd(ctx, db, token, idle, now, gorm.Expr("FALSE"))
	return u, err
}

// ResolveAnd is Resolve that also evaluates cond (a boolean SQL expression)
// in the same query, for a request that must check something else in the
// database before it goes on (a form's CSRF token): one round trip, not two.
// cond's value is false when there is no valid session.
func ResolveAnd(ctx context.Context, db *gorm.DB, token string, idle time.Duration, now time.Time, cond clause.Expr) (*User, bool, error) {
	if token == "" || len(token) > 100 {
		return nil, false, nil
	}
	// One query for the session and its (active) account: every staff
	// request, check-ins included, starts here, so its row is scanned by
	// hand rather than through GORM's reflection.
	var row struct {
		User
		SessionID         string
		SessionLastSeenAt time.Time
		SessionExpiresAt  time.Time
		Cond              bool
	}
	u := &row.User
	err := db.WithContext(ctx).Raw(`SELECT u.id, u.email, u.name, u.password_hash, u.roles, u.lang, u.phone, u.active,
			u.coach_id, u.scope_country, u.scope_city_ids, u.scope_partner_ids, u.last_login_at, u.created_at, u.updated_at,
			s.id, s.last_seen_at, s.expires_at, ?
		FROM staff_sessions s JOIN users u ON u.id = s.user_id AND u.active = ?
		WHERE s.id = ?`, cond, true, hashToken(token)).Row().
		Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Roles, &u.Lang, &u.Phone, &u.Active,
			&u.CoachID, &u.ScopeCountry, &u.ScopeCityIDs, &u.ScopePartnerIDs, &u.LastLoginAt, &u.CreatedAt, &u.UpdatedAt, &row.SessionID, &row.SessionLastSeenAt, &row.SessionExpiresAt, &row.Cond)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s := Session{ID: row.SessionID, UserID: row.ID, LastSeenAt: row.SessionLastSeenAt, ExpiresAt: row.SessionExpiresAt}
	if now.After(s.ExpiresAt) || now.Sub(s.LastSeenAt) > idle {
		db.WithContext(ctx).Delete(&Session{}, "id = ?", s.ID)
		return nil, false, nil
	}
	if now.Sub(s.LastSeenAt) > time.Minute {
		db.WithContext(ctx).Model(&Session{}).Where("id = ?", s.ID).Update("last_seen_at", now)
	}
	return u, row.Cond, nil
}

// EndSession deletes a session (logout).
func EndSession(ctx context.Context, db *gorm.DB, token string) error {
	if token == "" {
		return nil
	}
	return db.WithContext(ctx).Delete(&Session{}, "id = ?", hashToken(token)).Error
}

// EndAllSessions logs a user out everywhere (password change, deactivation).
func EndAllSessions(ctx context.Context, db *gorm.DB, userID uint) error {
	return db.WithContext(ctx).Delete(&Session{}, "user_id = ?", userID).Error
}

func compare(hash, password string) error {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// Names maps staff ids to their names (one query; unknown ids are absent).
func Names(ctx context.Context, db *gorm.DB, ids []uint) (map[uint]string, error) {
	out := map[uint]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var us []User
	if err := db.WithContext(ctx).Select("id", "name").Where("id IN ?", ids).Find(&us).Error; err != nil {
		return nil, err
	}
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out, nil
}
