package database

import (
	"strings"
	"unicode/utf8"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/textnorm"
)

// m0040InvisibleText cleans the names typed before textnorm removed
// invisible and direction-control characters (issue 17): participants'
// names and organisations, staff names, and the search keys of participants'
// names, folded again with compatibility normalisation (a key stored as
// "nguy\u00aden lan" is not found by "nguyen lan").
//
// It calls textnorm as it is when the migration runs, on purpose: stored
// search keys must match what the search folds today. A later change to
// textnorm.Fold needs its own refold migration.
func m0040InvisibleText() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0040_invisible_text",
		Migrate: func(tx *gorm.DB) error {
			type registration struct {
				ID           uint
				Name         string
				NameFolded   string
				Organisation string
			}
			var rows []registration
			err := tx.Table("registrations").Select("id, name, name_folded, organisation").
				Where("anonymised_at IS NULL").
				FindInBatches(&rows, 1000, func(b *gorm.DB, _ int) error {
					for _, r := range rows {
						name, org := textnorm.Clean(r.Name), textnorm.Clean(r.Organisation)
						folded := m0040Fold(name)
						if name == r.Name && folded == r.NameFolded && org == r.Organisation {
							continue
						}
						if err := tx.Table("registrations").Where("id = ?", r.ID).
							Updates(map[string]any{"name": name, "name_folded": folded, "organisation": org}).Error; err != nil {
							return err
						}
					}
					return nil
				}).Error
			if err != nil {
				return err
			}
			type user struct {
				ID   uint
				Name string
			}
			var users []user
			if err := tx.Table("users").Select("id, name").Find(&users).Error; err != nil {
				return err
			}
			for _, u := range users {
				if n := textnorm.Clean(u.Name); n != u.Name {
					if err := tx.Table("users").Where("id = ?", u.ID).Update("name", n).Error; err != nil {
						return err
					}
				}
			}
			return nil
		},
		// Nothing to undo: the characters removed carried no meaning.
		Rollback: func(*gorm.DB) error { return nil },
	}
}

// m0040Fold is registration.FoldName frozen: the folded name cut to its
// column (120 characters).
func m0040Fold(name string) string {
	f := textnorm.Fold(name)
	if utf8.RuneCountInString(f) <= 120 {
		return f
	}
	return strings.TrimSpace(string([]rune(f)[:120]))
}
