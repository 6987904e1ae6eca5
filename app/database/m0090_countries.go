package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0090Countries makes the programme's countries data (issue 20):
//   - countries: per country its phone region, default time zone, interface
//     languages and content fallback order, message channels and their
//     costs, and a retention period where its law differs. The four PEGASE
//     countries are seeded, Vietnam the default; admins change them;
//   - events.country and events.phone_region: a session's country and the
//     region its numbers are read in, copied from its city's country when
//     it is saved (as its time zone already is), so that a registration
//     reads them with the event and staff scopes can filter on them.
func m0090Countries() *gormigrate.Migration {
	type country struct {
		Code            string    `gorm:"primaryKey;size:2"`
		Name            string    `gorm:"type:text;not null"` // JSON per language
		PhoneRegion     string    `gorm:"size:2;not null"`
		TimeZone        string    `gorm:"size:64;not null"`
		Languages       string    `gorm:"size:100;not null"`
		ContentFallback string    `gorm:"size:100;not null"`
		Channels        string    `gorm:"size:100;not null"`
		Currency        string    `gorm:"size:3;not null"`
		SMSCost         int       `gorm:"column:sms_cost;not null;default:0"`
		ZaloCost        int       `gorm:"not null;default:0"`
		RetentionDays   int       `gorm:"not null;default:0"`
		IsDefault       bool      `gorm:"not null;default:false"`
		Active          bool      `gorm:"not null;default:true"`
		UpdatedAt       time.Time `gorm:"not null"`
	}
	type event struct {
		Country     string `gorm:"size:2;not null;default:''"`
		PhoneRegion string `gorm:"size:2;not null;default:''"`
	}
	seeded := []country{
		{Code: "VN", Name: `{"vi":"Việt Nam","fr":"Viêt Nam","en":"Vietnam"}`, PhoneRegion: "VN", TimeZone: "Asia/Ho_Chi_Minh",
			Languages: "vi,fr,en", ContentFallback: "vi,en,fr", Channels: "zalo,sms", Currency: "VND", SMSCost: 850, ZaloCost: 300, IsDefault: true, Active: true},
		{Code: "KH", Name: `{"vi":"Campuchia","fr":"Cambodge","en":"Cambodia","km":"កម្ពុជា"}`, PhoneRegion: "KH", TimeZone: "Asia/Phnom_Penh",
			Languages: "km,en,fr", ContentFallback: "km,en,fr", Channels: "sms", Currency: "KHR", SMSCost: 100, Active: true},
		{Code: "LA", Name: `{"vi":"Lào","fr":"Laos","en":"Laos","lo":"ລາວ"}`, PhoneRegion: "LA", TimeZone: "Asia/Vientiane",
			Languages: "lo,en,fr", ContentFallback: "lo,en,fr", Channels: "sms", Currency: "LAK", SMSCost: 500, Active: true},
		{Code: "PH", Name: `{"vi":"Philippines","fr":"Philippines","en":"Philippines","fil":"Pilipinas"}`, PhoneRegion: "PH", TimeZone: "Asia/Manila",
			Languages: "fil,en", ContentFallback: "fil,en", Channels: "sms", Currency: "PHP", SMSCost: 1, Active: true},
	}
	return &gormigrate.Migration{
		ID: "0090_countries",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("countries").Migrator().CreateTable(&country{}); err != nil {
				return err
			}
			now := time.Now().UTC()
			for _, c := range seeded {
				c.UpdatedAt = now
				if err := tx.Table("countries").Create(&c).Error; err != nil {
					return err
				}
			}
			m := tx.Table("events").Migrator()
			for _, col := range []string{"Country", "PhoneRegion"} {
				if err := m.AddColumn(&event{}, col); err != nil {
					return err
				}
			}
			// Cities name their country already; a session is its venue's city's.
			return execAll(tx,
				`UPDATE events SET country = COALESCE((SELECT cities.country FROM venues JOIN cities ON cities.id = venues.city_id WHERE venues.id = events.venue_id), '')`,
				`UPDATE events SET phone_region = COALESCE((SELECT countries.phone_region FROM countries WHERE countries.code = events.country), '')`,
				`CREATE INDEX ix_events_country ON events (country)`)
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP INDEX IF EXISTS ix_events_country`, `ALTER TABLE events DROP COLUMN phone_region`,
				`ALTER TABLE events DROP COLUMN country`, `DROP TABLE IF EXISTS countries`)
		},
	}
}
