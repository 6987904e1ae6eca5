package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0060APITokens keeps the API tokens of partners' systems (issue 19) and
// their use:
//   - api_tokens: a name, the scopes, the SHA-256 of the secret (the secret
//     itself is shown once and never stored), the first characters of the
//     secret to recognise it, the staff account a check-in device acts as,
//     the per-minute rate limit, and when it was made, rotated, revoked and
//     last used (to the minute);
//   - api_token_uses: per token and day (programme time zone), how many
//     calls it made and how many were refused for the rate limit. No
//     address, path or personal data: only counts.
func m0060APITokens() *gormigrate.Migration {
	type apiToken struct {
		ID            uint       `gorm:"primaryKey"`
		Name          string     `gorm:"size:100;not null"`
		Scopes        string     `gorm:"size:200;not null"`
		Prefix        string     `gorm:"size:16;not null"`
		SecretHash    string     `gorm:"size:64;not null;uniqueIndex:ux_api_tokens_secret_hash"`
		UserID        *uint      `gorm:"index:ix_api_tokens_user"`
		RatePerMinute int        `gorm:"not null"`
		CreatedByID   *uint      ``
		CreatedAt     time.Time  `gorm:"not null"`
		UpdatedAt     time.Time  `gorm:"not null"`
		RotatedAt     *time.Time ``
		RevokedAt     *time.Time ``
		LastUsedAt    *time.Time ``
	}
	type apiTokenUse struct {
		TokenID    uint      `gorm:"primaryKey;autoIncrement:false"`
		Day        string    `gorm:"primaryKey;size:10"`
		Uses       int       `gorm:"not null"`
		Limited    int       `gorm:"not null"`
		LastUsedAt time.Time `gorm:"not null"`
	}
	return &gormigrate.Migration{
		ID: "0060_api_tokens",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("api_tokens").Migrator().CreateTable(&apiToken{}); err != nil {
				return err
			}
			return tx.Table("api_token_uses").Migrator().CreateTable(&apiTokenUse{})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE IF EXISTS api_token_uses`, `DROP TABLE IF EXISTS api_tokens`)
		},
	}
}
