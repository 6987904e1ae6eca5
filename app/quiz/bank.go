package quiz

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
)

// Questions lists the bank, newest first within each topic.
func Questions(ctx context.Context, db *gorm.DB) ([]Question, error) {
	var qs []Question
	err := db.WithContext(ctx).Order("topic, id").Find(&qs).Error
	return qs, err
}

// GetQuestion returns one question of the bank.
func GetQuestion(ctx context.Context, db *gorm.DB, id uint) (*Question, error) {
	var q Question
	err := db.WithContext(ctx).Take(&q, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.quiz.question_not_found", err)
	}
	return &q, err
}

// SaveQuestion creates (ID 0) or updates a question, with an audit entry.
// Answers already given keep the correctness they were graded with.
func SaveQuestion(ctx context.Context, db *gorm.DB, q *Question, actorID uint, now time.Time) error {
	if err := q.Validate(); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q.UpdatedAt = now
		if q.ID == 0 {
			q.CreatedAt = now
			q.Active = true
			if actorID != 0 {
				q.CreatedByID = &actorID
			}
			if err := tx.Create(q).Error; err != nil {
				return err
			}
			return audit.Record(tx, actorID, "create", "question", strconv.FormatUint(uint64(q.ID), 10), nil, q)
		}
		var before Question
		if err := tx.Take(&before, q.ID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.New(apperr.NotFound, "error.quiz.question_not_found")
			}
			return err
		}
		if err := tx.Model(&Question{}).Where("id = ?", q.ID).Select("kind", "topic", "lang", "text", "choices", "explanation", "active", "updated_at").
			Updates(q).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "update", "question", strconv.FormatUint(uint64(q.ID), 10), before, q)
	})
}

// Quizzes lists the quizzes with their items (two queries).
func Quizzes(ctx context.Context, db *gorm.DB) ([]Quiz, error) {
	var qs []Quiz
	err := db.WithContext(ctx).Preload("Items", func(tx *gorm.DB) *gorm.DB { return tx.Order("position") }).
		Order("code").Find(&qs).Error
	return qs, err
}

// GetQuiz returns a quiz with its questions in order.
func GetQuiz(ctx context.Context, db *gorm.DB, id uint) (*Quiz, error) {
	var q Quiz
	err := db.WithContext(ctx).Preload("Items", func(tx *gorm.DB) *gorm.DB { return tx.Order("position") }).
		Preload("Items.Question").Take(&q, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.quiz.not_found", err)
	}
	return &q, err
}

// OrderByPosition orders the questions by the positions typed beside them
// (question id → "1", "2"…; ties by id). A position that is not a whole
// number from 1 to 999 is a problem of the "questions" field.
func OrderByPosition(typed map[uint]string) ([]uint, error) {
	type pick struct {
		id  uint
		pos int
	}
	picks := make([]pick, 0, len(typed))
	for id, v := range typed {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 999 {
			var fe apperr.FieldList
			fe.Add("questions", "error.quiz.bad_position", nil)
			return nil, fe.Err()
		}
		picks = append(picks, pick{id, n})
	}
	sort.Slice(picks, func(i, j int) bool {
		if picks[i].pos != picks[j].pos {
			return picks[i].pos < picks[j].pos
		}
		return picks[i].id < picks[j].id
	})
	ids := make([]uint, len(picks))
	for i, p := range picks {
		ids[i] = p.id
	}
	return ids, nil
}

// SaveQuiz creates (ID 0) or updates a quiz and replaces its ordered list of
// questions, in one transaction.
func SaveQuiz(ctx context.Context, db *gorm.DB, q *Quiz, questionIDs []uint, actorID uint, now time.Time) error {
	if err := q.Validate(); err != nil {
		return err
	}
	if len(questionIDs) == 0 {
		return apperr.New(apperr.Invalid, "error.quiz.no_questions")
	}
	if len(questionIDs) > MaxQuestions {
		return apperr.New(apperr.Invalid, "error.quiz.too_many_questions")
	}
	seen := map[uint]bool{}
	for _, id := range questionIDs {
		if seen[id] {
			return apperr.New(apperr.Invalid, "error.quiz.duplicate_question")
		}
		seen[id] = true
	}
	if q.ParallelID != nil && (*q.ParallelID == 0 || *q.ParallelID == q.ID) {
		q.ParallelID = nil
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Question{}).Where("id IN ?", questionIDs).Count(&n).Error; err != nil {
			return err
		}
		if int(n) != len(questionIDs) {
			return apperr.New(apperr.Invalid, "error.quiz.question_not_found")
		}
		q.UpdatedAt = now
		action := "update"
		if q.ID == 0 {
			action = "create"
			q.CreatedAt, q.Active = now, true
			if actorID != 0 {
				q.CreatedByID = &actorID
			}
			if q.Code == "" {
				q.Code = "Q" + strconv.FormatInt(now.UnixNano()%1e9, 36)
			}
			items := q.Items
			q.Items = nil
			if err := tx.Create(q).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return apperr.New(apperr.Conflict, "error.quiz.code_taken").With(map[string]any{"field": "code"})
				}
				return err
			}
			q.Items = items
		} else {
			res := tx.Model(&Quiz{}).Where("id = ?", q.ID).Select("title", "lang", "parallel_id", "active", "updated_at").Updates(q)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.NotFound, "error.quiz.not_found")
			}
			// Once people have answered a quiz its questions stay as they
			// were: attempts record which position was right, and results
			// must stay comparable. Make a new quiz (or a parallel form).
			var old []Item
			if err := tx.Where("quiz_id = ?", q.ID).Order("position").Find(&old).Error; err != nil {
				return err
			}
			same := len(old) == len(questionIDs)
			for i := 0; same && i < len(old); i++ {
				same = old[i].QuestionID == questionIDs[i]
			}
			if same {
				return audit.Record(tx, actorID, action, "quiz", strconv.FormatUint(uint64(q.ID), 10), nil,
					map[string]any{"code": q.Code, "title": q.Title, "parallel_id": q.ParallelID})
			}
			var used int64
			if err := tx.Model(&Attempt{}).Where("quiz_id = ?", q.ID).Count(&used).Error; err != nil {
				return err
			}
			if used > 0 {
				return apperr.New(apperr.Conflict, "error.quiz.in_use")
			}
			if err := tx.Where("quiz_id = ?", q.ID).Delete(&Item{}).Error; err != nil {
				return err
			}
		}
		q.Items = make([]Item, len(questionIDs))
		for i, id := range questionIDs {
			q.Items[i] = Item{QuizID: q.ID, Position: i + 1, QuestionID: id}
		}
		if err := tx.Omit("Question").Create(&q.Items).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, action, "quiz", strconv.FormatUint(uint64(q.ID), 10), nil,
			map[string]any{"code": q.Code, "title": q.Title, "questions": questionIDs, "parallel_id": q.ParallelID})
	})
}

// AssignToEvent sets an event's pre and post quizzes (0 removes one).
func AssignToEvent(ctx context.Context, db *gorm.DB, eventID, pre, post, actorID uint) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := []uint{}
		for _, id := range []uint{pre, post} {
			if id != 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			var n int64
			if err := tx.Model(&Quiz{}).Where("id IN ?", ids).Distinct("id").Count(&n).Error; err != nil {
				return err
			}
			want := 1
			if len(ids) == 2 && ids[0] != ids[1] {
				want = 2
			}
			if int(n) != want {
				return apperr.New(apperr.Invalid, "error.quiz.not_found")
			}
		}
		nullable := func(id uint) any {
			if id == 0 {
				return nil
			}
			return id
		}
		res := tx.Table("events").Where("id = ?", eventID).Updates(map[string]any{
			"pre_quiz_id": nullable(pre), "post_quiz_id": nullable(post), "updated_at": time.Now().UTC(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "error.event.not_found")
		}
		return audit.Record(tx, actorID, "assign_quizzes", "event", strconv.FormatUint(uint64(eventID), 10), nil,
			map[string]any{"pre_quiz_id": pre, "post_quiz_id": post})
	})
}
