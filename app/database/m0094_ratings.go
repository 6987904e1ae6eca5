package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0094Ratings keeps the participants' ratings of a session (issue 15:
// "one tap after the session"). A row is written when the rating request is
// queued, with the SHA-256 of the random token of its link (the token itself
// is only in the message); its stars stay NULL until the person answers.
// One row per registration (unique), so that a request is never made twice,
// whatever the number of instances, and a second answer changes the first.
func m0094Ratings() *gormigrate.Migration {
	type sessionRating struct {
		ID             uint       `gorm:"primaryKey"`
		EventID        uint       `gorm:"not null;index:ix_session_ratings_event"`
		RegistrationID uint       `gorm:"not null;uniqueIndex:ux_session_ratings_registration"`
		TokenHash      string     `gorm:"size:64;not null;uniqueIndex:ux_session_ratings_token"`
		Stars          *int       `gorm:"check:chk_session_ratings_stars,stars IS NULL OR (stars >= 1 AND stars <= 5)"`
		Comment        string     `gorm:"size:2000;not null;default:''"`
		RequestedAt    time.Time  `gorm:"not null"`
		RatedAt        *time.Time ``
	}
	return &gormigrate.Migration{
		ID: "0094_ratings",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("session_ratings").Migrator().CreateTable(&sessionRating{})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE IF EXISTS session_ratings`)
		},
	}
}
