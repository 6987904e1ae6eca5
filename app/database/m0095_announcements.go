package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0095Announcements stores who asked to be told about future sessions
// (issue 15, Decree 91/2020/ND-CP on advertising messages): one row per
// phone number, with the consent version, the moment, the language and the
// session's city, partner and country it was given at ("near me"), the
// random token of its unsubscribe link, and when it stopped. The sender
// counts each number's announcements of the recipient's local day on the
// same row (day, day_count): one conditional UPDATE decides the daily cap
// however many instances send.
func m0095Announcements() *gormigrate.Migration {
	type announcementOptin struct {
		ID             uint   `gorm:"primaryKey"`
		Phone          string `gorm:"size:20;not null;uniqueIndex:ux_announcement_optins_phone"`
		Lang           string `gorm:"size:8;not null;default:'vi'"`
		ConsentVersion string `gorm:"size:40;not null;default:''"`
		OptedInAt      *time.Time
		RegistrationID *uint
		CityID         *uint  `gorm:"index:ix_announcement_optins_city"`
		PartnerID      *uint  `gorm:"index:ix_announcement_optins_partner"`
		Country        string `gorm:"size:2;not null;default:''"`
		StopToken      string `gorm:"size:64;not null;uniqueIndex:ux_announcement_optins_stop_token"`
		StoppedAt      *time.Time
		StopMethod     string `gorm:"size:16;not null;default:''"`
		Day            string `gorm:"size:10;not null;default:''"`
		DayCount       int    `gorm:"not null;default:0"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	return &gormigrate.Migration{
		ID: "0095_announcements",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("announcement_optins").Migrator().CreateTable(&announcementOptin{})
		},
		Rollback: func(tx *gorm.DB) error { return execAll(tx, `DROP TABLE announcement_optins`) },
	}
}
