package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0091FilmLanguages gives the film of a film-and-debate a title per
// language (issue 16: the English title showed on the Vietnamese page).
// The film typed so far was in the event's own language: it becomes that
// translation's. events.film keeps the own-language title for exports.
func m0091FilmLanguages() *gormigrate.Migration {
	type eventTranslation struct {
		Film string `gorm:"size:200;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0091_film_languages",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("event_translations").Migrator().AddColumn(&eventTranslation{}, "Film"); err != nil {
				return err
			}
			return execAll(tx, `UPDATE event_translations SET film = COALESCE((SELECT e.film FROM events e
				WHERE e.id = event_translations.event_id AND e.lang = event_translations.lang), '')`)
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `ALTER TABLE event_translations DROP COLUMN film`)
		},
	}
}
