package user

import (
	"context"
	"errors"
	"github.com/lantern-ngo/lantern/app/message"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Snapshot is what the audit log keeps of an account: never the password
// hash nor any token.
type Snapshot struct {
	Email   string `json:"email"`
	Name    string `json:"name"`
	Roles   string `json:"roles"`
	Lang    string `json:"lang"`
	Phone   string `json:"phone,omitempty"`
	Active  bool   `json:"active"`
	CoachID *uint  `json:"coach_id,omitempty"`
	// Scope: the country, cities and partners the account works in.
	ScopeCountry    string `json:"scope_country,omitempty"`
	ScopeCityIDs    string `json:"scope_cities,omitempty"`
	ScopePartnerIDs string `json:"scope_partners,omitempty"`
}

// Snap returns the audit snapshot of u.
func (u *User) Snap() Snapshot {
	return Snapshot{Email: u.Email, Name: u.Name, Roles: u.Roles, Lang: u.Lang, Phone: u.Phone, Active: u.Active, CoachID: u.CoachID,
		ScopeCountry: u.ScopeCountry, ScopeCityIDs: u.ScopeCityIDs, ScopePartnerIDs: u.ScopePartnerIDs}
}

// Account is what an admin sets on an account.
type Account struct {
	Email   string
	Name    string
	Roles   []Role
	Lang    string
	Phone   string // E.164 or ""
	CoachID *uint
	// Scope is where the account works; scope.Global for the whole
	// programme, which admins always have.
	Scope scope.Scope
}

// List returns every account, active ones first, by name.
func List(ctx context.Context, db *gorm.DB) ([]User, error) {
	var out []User
	err := db.WithContext(ctx).Order("active DESC").Order("name").Order("id").Find(&out).Error
	return out, err
}

// AwaitingSetUp counts the active accounts whose owner has not set a
// password yet (their set-password link is still to be sent or used).
func AwaitingSetUp(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&User{}).Where("active = ? AND password_hash = ?", true, "").Count(&n).Error
	return n, err
}

// Coaches returns the active accounts holding the coach role.
func Coaches(ctx context.Context, db *gorm.DB) ([]User, error) {
	all, err := List(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range all {
		if u.Active && u.Has(RoleCoach) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (a Account) apply(u *User) {
	u.Email = NormaliseEmail(a.Email)
	u.Name = textnorm.Clean(a.Name)
	u.Roles = JoinRoles(a.Roles)
	u.Lang = a.Lang
	u.Phone = a.Phone
	u.CoachID = a.CoachID
	u.ScopeCountry = a.Scope.Country
	u.ScopeCityIDs = scope.JoinIDs(a.Scope.CityIDs)
	u.ScopePartnerIDs = scope.JoinIDs(a.Scope.PartnerIDs)
}

// checkAccount gathers every problem of an account's coach and scope, so
// that the admin sees them all at once, each beside its field.
func checkAccount(tx *gorm.DB, self uint, a Account) error {
	var fe apperr.FieldList
	if err := checkCoach(tx, self, a.CoachID, &fe); err != nil {
		return err
	}
	if err := checkScope(tx, a, &fe); err != nil {
		return err
	}
	return fe.Err()
}

func checkCoach(tx *gorm.DB, self uint, coachID *uint, fe *apperr.FieldList) error {
	if coachID == nil {
		return nil
	}
	if *coachID == self {
		fe.Add("coach_id", "error.account.coach_self", nil)
		return nil
	}
	var c User
	err := tx.Where("id = ? AND active = ?", *coachID, true).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !c.Has(RoleCoach)) {
		fe.Add("coach_id", "error.account.coach_invalid", nil)
		return nil
	}
	return err
}

// checkScope refuses a scope that names no real country, cities of another
// country or unknown partners, and an admin with a scope: admins set up
// the whole programme (accounts, countries, tokens), so they see all of it.
func checkScope(tx *gorm.DB, a Account, fe *apperr.FieldList) error {
	sc := a.Scope
	if sc.IsGlobal() {
		if len(sc.CityIDs) > 0 || len(sc.PartnerIDs) > 0 {
			fe.Add("scope_country", "error.account.scope_needs_country", nil)
		}
		return nil
	}
	if hasRole(a.Roles, RoleAdmin) {
		fe.Add("scope_country", "error.account.admin_global", nil)
	}
	var n int64
	if err := tx.Table("countries").Where("code = ? AND active = ?", sc.Country, true).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		fe.Add("scope_country", "error.account.scope_country", nil)
	}
	if len(sc.CityIDs) > 0 {
		if err := tx.Table("cities").Where("id IN ? AND country = ?", sc.CityIDs, sc.Country).Count(&n).Error; err != nil {
			return err
		}
		if int(n) != len(sc.CityIDs) {
			fe.Add("scope_cities", "error.account.scope_cities", nil)
		}
	}
	if len(sc.PartnerIDs) > 0 {
		if err := tx.Table("partners").Where("id IN ?", sc.PartnerIDs).Count(&n).Error; err != nil {
			return err
		}
		if int(n) != len(sc.PartnerIDs) {
			fe.Add("scope_partners", "error.account.scope_partners", nil)
		}
	}
	return nil
}

// CreateAccount inserts an account without a password (the person sets it
// through a one-time link) and records it in the audit log.
func CreateAccount(ctx context.Context, db *gorm.DB, actorID uint, a Account) (*User, error) {
	u := &User{Active: true}
	a.apply(u)
	if u.Lang == "" {
		u.Lang = "vi"
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "users", 0); err != nil {
			return err
		}
		if err := checkAccount(tx, 0, a); err != nil {
			return err
		}
		if err := tx.Create(u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return apperr.Wrap(apperr.Conflict, "error.user.email_taken", err)
			}
			return err
		}
		return audit.Record(tx, actorID, "create", "user", itoa(u.ID), nil, u.Snap())
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateAccount changes an account's details and roles.
func UpdateAccount(ctx context.Context, db *gorm.DB, actorID, id uint, a Account) (*User, error) {
	var u User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "users", id); err != nil {
			return err
		}
		if err := tx.First(&u, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.account.not_found", err)
			}
			return err
		}
		if err := checkAccount(tx, u.ID, a); err != nil {
			return err
		}
		before := u.Snap()
		if u.ID == actorID && u.Has(RoleAdmin) && !hasRole(a.Roles, RoleAdmin) {
			// An admin cannot remove their own admin role and lock everyone out.
			return apperr.New(apperr.Invalid, "error.account.own_admin")
		}
		a.apply(&u)
		err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{
			"email": u.Email, "name": u.Name, "roles": u.Roles, "lang": u.Lang, "phone": u.Phone,
			"coach_id": u.CoachID, "scope_country": u.ScopeCountry, "scope_city_ids": u.ScopeCityIDs,
			"scope_partner_ids": u.ScopePartnerIDs, "updated_at": time.Now().UTC(),
		}).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return apperr.Wrap(apperr.Conflict, "error.user.email_taken", err)
		}
		if err != nil {
			return err
		}
		return audit.Record(tx, actorID, "update", "user", itoa(u.ID), before, u.Snap())
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func hasRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// SetActive deactivates or reactivates an account. Deactivation ends every
// session of the account and every unused set-password link.
func SetActive(ctx context.Context, db *gorm.DB, actorID, id uint, active bool) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "users", id); err != nil {
			return err
		}
		var u User
		if err := tx.First(&u, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.account.not_found", err)
			}
			return err
		}
		if !active && u.ID == actorID {
			return apperr.New(apperr.Invalid, "error.account.deactivate_self")
		}
		before := u.Snap()
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{"active": active, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		if !active {
			if err := tx.Delete(&Session{}, "user_id = ?", id).Error; err != nil {
				return err
			}
			if err := tx.Where("user_id = ? AND used_at IS NULL", id).Delete(&PasswordToken{}).Error; err != nil {
				return err
			}
		}
		u.Active = active
		action := "deactivate"
		if active {
			action = "reactivate"
		}
		return audit.Record(tx, actorID, action, "user", itoa(id), before, u.Snap())
	})
}

// PasswordToken is a one-time set-password link. The table holds only the
// SHA-256 of the token in the link.
type PasswordToken struct {
	ID          uint
	UserID      uint
	TokenHash   string
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedByID *uint
	CreatedAt   time.Time
}

// TableName keeps GORM on the migrated table.
func (PasswordToken) TableName() string { return "password_tokens" }

// PasswordLinkLifetime is how long a set-password link works.
const PasswordLinkLifetime = 72 * time.Hour

// NewPasswordLink makes a new one-time link token for an active account
// (earlier unused links of the account stop working). then, when not nil,
// runs in the same transaction (to queue an SMS with the link).
func NewPasswordLink(ctx context.Context, db *gorm.DB, actorID, userID uint, now time.Time, then LinkThen) (string, error) {
	var token string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "users", userID); err != nil {
			return err
		}
		var u User
		if err := tx.Where("id = ? AND active = ?", userID, true).First(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.account.not_found", err)
			}
			return err
		}
		if err := tx.Where("user_id = ? AND used_at IS NULL", userID).Delete(&PasswordToken{}).Error; err != nil {
			return err
		}
		token = RandomToken(24)
		pt := PasswordToken{UserID: userID, TokenHash: hashToken(token), ExpiresAt: now.Add(PasswordLinkLifetime), CreatedAt: now}
		if actorID != 0 {
			pt.CreatedByID = &actorID
		}
		if err := tx.Create(&pt).Error; err != nil {
			return err
		}
		if then != nil {
			if err := then(tx, &u, token); err != nil {
				return err
			}
		}
		return audit.Record(tx, actorID, "password_link", "user", itoa(userID), nil, map[string]any{"expires_at": pt.ExpiresAt, "sms": then != nil})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// UserForToken returns the account a valid, unused, unexpired link opens.
func UserForToken(ctx context.Context, db *gorm.DB, token string, now time.Time) (*User, error) {
	pt, err := findToken(db.WithContext(ctx), token, now)
	if err != nil {
		return nil, err
	}
	return Get(ctx, db, pt.UserID)
}

func findToken(tx *gorm.DB, token string, now time.Time) (*PasswordToken, error) {
	invalid := apperr.New(apperr.NotFound, "error.account.link_invalid")
	if token == "" || len(token) > 100 {
		return nil, invalid
	}
	var pt PasswordToken
	err := tx.Where("token_hash = ?", hashToken(token)).First(&pt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if pt.UsedAt != nil || !now.Before(pt.ExpiresAt) {
		return nil, invalid
	}
	return &pt, nil
}

// SetPasswordWithToken uses a one-time link: it checks the password's
// strength, sets it, spends the link and ends every session of the account.
// It returns the i18n key of a weak password's rule as an Invalid error.
func SetPasswordWithToken(ctx context.Context, db *gorm.DB, token, password string, now time.Time) (*User, error) {
	var u User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Write first: the link's row is locked before it is read.
		if err := tx.Exec("UPDATE password_tokens SET id = id WHERE token_hash = ?", hashToken(token)).Error; err != nil {
			return err
		}
		pt, err := findToken(tx, token, now)
		if err != nil {
			return err
		}
		if err := tx.Where("id = ? AND active = ?", pt.UserID, true).First(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.account.link_invalid", err)
			}
			return err
		}
		if key := CheckPasswordStrength(password, u.Email); key != "" {
			return apperr.New(apperr.Invalid, key)
		}
		// Spend the link; the condition makes a second, concurrent use fail.
		res := tx.Model(&PasswordToken{}).Where("id = ? AND used_at IS NULL", pt.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.NotFound, "error.account.link_invalid")
		}
		if err := setPassword(tx, u.ID, password); err != nil {
			return err
		}
		return audit.Record(tx, u.ID, "password_set", "user", itoa(u.ID), nil, nil)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func setPassword(tx *gorm.DB, userID uint, password string) error {
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": h, "updated_at": time.Now().UTC()}).Error; err != nil {
		return err
	}
	// A new password ends every session: a stolen session dies with the old password.
	return tx.Delete(&Session{}, "user_id = ?", userID).Error
}

// ChangePassword lets a signed-in staff member change their own password
// after giving the current one. Every session ends; the caller starts a new one.
func ChangePassword(ctx context.Context, db *gorm.DB, userID uint, current, next string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "users", userID); err != nil {
			return err
		}
		var u User
		if err := tx.First(&u, userID).Error; err != nil {
			return err
		}
		if u.PasswordHash == "" || compare(u.PasswordHash, current) != nil {
			return apperr.New(apperr.Invalid, "error.account.current_wrong")
		}
		if key := CheckPasswordStrength(next, u.Email); key != "" {
			return apperr.New(apperr.Invalid, key)
		}
		if err := setPassword(tx, u.ID, next); err != nil {
			return err
		}
		return audit.Record(tx, u.ID, "password_change", "user", itoa(u.ID), nil, nil)
	})
}

// SetLang changes a staff member's interface language.
func SetLang(ctx context.Context, db *gorm.DB, userID uint, lang string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "users", userID); err != nil {
			return err
		}
		var u User
		if err := tx.First(&u, userID).Error; err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"lang": lang, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return audit.Record(tx, userID, "update", "user", itoa(userID), map[string]string{"lang": u.Lang}, map[string]string{"lang": lang})
	})
}

// LinkThen runs in the transaction that makes a set-password link.
type LinkThen func(tx *gorm.DB, u *User, token string) error

// PasswordLinkSMS is the then of NewPasswordLink that queues the link to
// the staff member's phone, with the text that text writes (in their
// language), in the link's own transaction.
func PasswordLinkSMS(text func(u *User, token string) string) LinkThen {
	return func(tx *gorm.DB, u *User, token string) error {
		return message.Enqueue(tx, &message.Message{To: u.Phone, Body: text(u, token), Lang: u.Lang, Kind: "staff_password_link"})
	}
}
