package seed

import (
	"fmt"
	"io/fs"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/content"
)

type competenciesFile struct {
	Competencies []struct {
		Code        string         `yaml:"code"`
		Name        content.Text   `yaml:"name"`
		Description content.Text   `yaml:"description"`
		Levels      []content.Text `yaml:"levels"`
	} `yaml:"competencies"`
}

// Competencies adds the competency framework of seed/competencies.yaml: a
// competency is added only when its code is missing, so admins' edits stay.
func Competencies(tx *gorm.DB, fsys fs.FS) error {
	var f competenciesFile
	if err := readYAML(fsys, "seed/competencies.yaml", &f); err != nil {
		return err
	}
	for i, c := range f.Competencies {
		if len(c.Levels) != coaching.MaxLevel {
			return fmt.Errorf("seed/competencies.yaml: %s: needs %d levels, has %d", c.Code, coaching.MaxLevel, len(c.Levels))
		}
		row := coaching.Competency{
			Code: c.Code, Position: i + 1, Name: c.Name, Description: c.Description,
			Level1: c.Levels[0], Level2: c.Levels[1], Level3: c.Levels[2], Level4: c.Levels[3], Active: true,
		}
		if err := firstOrCreate(tx, &row, "code = ?", c.Code); err != nil {
			return err
		}
	}
	return nil
}
