package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0030LoginThrottle keeps the sign-in throttle (dbstate.Throttle): per key
// (an account at an address, or an address) the failures in a row and the
// moment the next attempt may come. It replaces fixed-window counters that
// counted successful sign-ins too and locked an account's owner out.
func m0030LoginThrottle() *gormigrate.Migration {
	type loginThrottle struct {
		Key       string    `gorm:"primaryKey;size:300"`
		Failures  int       `gorm:"not null"`
		NotBefore time.Time `gorm:"not null"`
		ExpiresAt time.Time `gorm:"not null;index:ix_login_throttles_expires"`
	}
	return &gormigrate.Migration{
		ID: "0030_login_throttle",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("login_throttles").Migrator().CreateTable(&loginThrottle{}); err != nil {
				return err
			}
			// The old per-account and per-address sign-in counters go.
			return tx.Exec(`DELETE FROM rate_limits WHERE key LIKE 'login:%' OR key LIKE 'setpw:%'`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec(`DROP TABLE IF EXISTS login_throttles`).Error
		},
	}
}
