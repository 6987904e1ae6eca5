package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0014DataAccess: participants reach their own data from their phone. A
// one-time code goes to the number; the browser holds a random handle (in a
// cookie, never in a URL), and after the code a short session. Only hashes
// are stored.
func m0014DataAccess() *gormigrate.Migration {
	type dataAccess struct {
		ID               uint
		HandleHash       string    `gorm:"size:64;not null;uniqueIndex"`
		Phone            string    `gorm:"size:20;not null;index"`
		CodeHash         string    `gorm:"size:64;not null"`
		Tries            int       `gorm:"not null;default:0"`
		Lang             string    `gorm:"size:5;not null;default:'vi'"`
		ExpiresAt        time.Time `gorm:"not null"`
		VerifiedAt       *time.Time
		SessionHash      *string `gorm:"size:64;uniqueIndex"`
		SessionExpiresAt *time.Time
		CreatedAt        time.Time `gorm:"not null;index"`
	}
	return &gormigrate.Migration{
		ID: "0014_data_access",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("data_access").Migrator().CreateTable(&dataAccess{})
		},
		Rollback: func(tx *gorm.DB) error { return execAll(tx, `DROP TABLE data_access`) },
	}
}
