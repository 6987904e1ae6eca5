package database

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// QuizTables are the tables the knowledge-gain figures are computed from.
var QuizTables = []string{"quizzes", "quiz_questions", "questions", "quiz_attempts"}

// m0019QuizVersion counts the committed changes to the quiz tables, as the
// public version (m0009) counts those to the public pages': instances keep
// knowledge-gain figures computed at one version and compute them again
// only when a quiz was taken or changed, so trainers opening the figures
// after a session cost the database one small read. Same triggers as the
// public version: deferred to the commit and sharded on PostgreSQL, plain
// on SQLite.
func m0019QuizVersion() *gormigrate.Migration {
	type quizVersion struct {
		Shard int   `gorm:"primaryKey;autoIncrement:false"`
		N     int64 `gorm:"not null;default:0"`
	}
	return &gormigrate.Migration{
		ID: "0019_quiz_version",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("quiz_versions").Migrator().CreateTable(&quizVersion{}); err != nil {
				return err
			}
			shards := PublicVersionShards
			if Dialect(tx) != "postgres" {
				shards = 1
			}
			rows := make([]quizVersion, shards)
			for i := range rows {
				rows[i].Shard = i
			}
			if err := tx.Table("quiz_versions").Create(&rows).Error; err != nil {
				return err
			}
			var stmts []string
			if Dialect(tx) == "postgres" {
				stmts = append(stmts, fmt.Sprintf(`CREATE OR REPLACE FUNCTION lantern_quiz_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE quiz_versions SET n = n + 1 WHERE shard = txid_current() %% %d;
  RETURN NULL;
END $$`, PublicVersionShards))
				for _, t := range QuizTables {
					stmts = append(stmts, fmt.Sprintf(`CREATE CONSTRAINT TRIGGER quiz_changed AFTER INSERT OR UPDATE OR DELETE ON %s
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lantern_quiz_changed()`, t))
				}
			} else {
				for _, t := range QuizTables {
					for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
						stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER quiz_changed_%s_%s AFTER %s ON %s
BEGIN UPDATE quiz_versions SET n = n + 1 WHERE shard = 0; END`, t, op, op, t))
					}
				}
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// QuizVersion reads the current quiz version (see m0019QuizVersion).
func QuizVersion(db *gorm.DB) (int64, error) {
	var n int64
	err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM quiz_versions").Scan(&n).Error
	return n, err
}
