package seed

import (
	"context"
	"fmt"
	"github.com/lantern-ngo/lantern/app/locale"
	"io/fs"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Per unit of scale (the programme's size): 15 sessions, 1,000 participants,
// half of them checked in, and a 13-question quiz taken before by everyone
// and after by those who came: ≈ 19,500 answers. N=100 gives 1,500 events,
// 100,000 participants, 50,000 check-ins and ≈ 2 million answers.
const (
	scaleEvents       = 15
	scalePeople       = 1000
	scaleQuestions    = 13
	scaleAttendedRate = 0.55 // of past sessions' registrants: ≈ half of all
)

// ScaleStats counts what Scale wrote.
type ScaleStats struct {
	Events, Registrations, Checkins, Attempts, Answers int
	Took                                               time.Duration
}

// Scale fills the database with a realistic programme n times the seeded
// size, for benchmarks and load runs (go run ./app seed --scale 100). Rows
// go in with multi-row INSERTs of explicit ids, in one transaction per table
// batch, so that 2 million answers take well under two minutes on PostgreSQL.
func Scale(ctx context.Context, db *gorm.DB, fsys fs.FS, n int, now time.Time, progress func(string)) (ScaleStats, error) {
	start := time.Now()
	var st ScaleStats
	if n < 1 || n > 1000 {
		return st, fmt.Errorf("seed --scale: %d is not between 1 and 1000", n)
	}
	if progress == nil {
		progress = func(string) {}
	}
	if err := Run(ctx, db, fsys, Options{Now: now}); err != nil {
		return st, err
	}
	db = db.WithContext(ctx)
	r := rand.New(rand.NewPCG(uint64(n), 2026))

	var venues []event.Venue
	if err := db.Preload("City").Find(&venues).Error; err != nil || len(venues) == 0 {
		return st, fmt.Errorf("seed --scale: no venues (%v)", err)
	}
	q, err := scaleQuiz(db, now)
	if err != nil {
		return st, err
	}

	ids := func(table string) (uint, error) {
		var max uint
		err := db.Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&max).Error
		return max, err
	}
	nextEvent, err := ids("events")
	if err != nil {
		return st, err
	}
	nextTr, _ := ids("event_translations")
	nextReg, _ := ids("registrations")
	nextAtt, _ := ids("attendances")
	nextTry, _ := ids("quiz_attempts")
	nextAns, _ := ids("quiz_answers")
	var codeBase int64
	db.Raw("SELECT COUNT(*) FROM events WHERE code LIKE 'X%'").Scan(&codeBase)

	kinds := []event.Kind{event.KindFilmDebate, event.KindFilmDebate, event.KindFilmDebate, event.KindAuthorityWorkshop, event.KindAuthorityWorkshop, event.KindInfoSession, event.KindLifeSkills}
	nEvents := scaleEvents * n
	perEvent := scalePeople / scaleEvents
	var evRows, trRows, regRows, attRows, markRows, tryRows, ansRows [][]any
	seatsTaken := map[uint]int{}
	for i := 0; i < nEvents; i++ {
		nextEvent++
		id := nextEvent
		// Over the past year, with a tenth still to come.
		day := r.IntN(400) - 360
		starts := time.Date(now.Year(), now.Month(), now.Day(), 11, 30, 0, 0, time.UTC).AddDate(0, 0, day)
		kind := kinds[r.IntN(len(kinds))]
		v := venues[r.IntN(len(venues))]
		capacity := perEvent + 20 + r.IntN(40)
		evRows = append(evRows, []any{id, fmt.Sprintf("X%06d", codeBase+int64(i)+1), string(kind), string(event.StatusPublished), "vi",
			starts, starts.Add(2 * time.Hour), v.City.TimeZone, v.ID, capacity, 0, "families", now, now, now, q.ID, q.ID,
			v.City.Country, v.City.Country})
		for _, lang := range locale.Supported {
			nextTr++
			trRows = append(trRows, []any{nextTr, id, lang, scaleTitle(lang, i), scaleTitle(lang, i) + ".", now})
		}
		past := starts.Before(now)
		for p := 0; p < perEvent; p++ {
			nextReg++
			rid := nextReg
			name := scaleName(r)
			phone := fmt.Sprintf("+8498%07d", (int(rid)*7919)%10_000_000)
			regRows = append(regRows, []any{rid, id, scaleCode(rid), registration.KindIndividual, string(registration.StatusConfirmed),
				name, textnorm.Fold(name), phone, registration.Sexes[r.IntN(4)], registration.AgeBands[r.IntN(5)],
				registration.Roles[r.IntN(len(registration.Roles))], 1, "{}", "vi", registration.SourceWeb, "2026-01", now, now, now, now})
			seatsTaken[id]++
			attended := past && r.Float64() < scaleAttendedRate
			if attended {
				nextAtt++
				attRows = append(attRows, []any{nextAtt, id, rid, starts.Add(-10 * time.Minute), "roster", now})
				// Its latest observation (attendance_marks): this check-in.
				markRows = append(markRows, []any{rid, id, true, starts.Add(-10 * time.Minute), starts.Add(-10 * time.Minute)})
			}
			// Everyone takes the pre quiz; those who came take the post quiz.
			phases := []string{"pre"}
			if attended {
				phases = append(phases, "post")
			}
			for _, phase := range phases {
				nextTry++
				p := 0.45
				if phase == "post" {
					p = 0.72
				}
				right := make([]bool, scaleQuestions)
				nRight := 0
				for k := range right {
					right[k] = r.Float64() < p
					if right[k] {
						nRight++
					}
					nextAns++
					letter := "B"
					if right[k] {
						letter = "A"
					}
					ansRows = append(ansRows, []any{nextAns, nextTry, q.Items[k].QuestionID, letter, right[k], starts})
				}
				score := 100 * float64(nRight) / scaleQuestions
				tryRows = append(tryRows, []any{nextTry, fmt.Sprintf("s%d", nextTry), id, q.ID, phase, quiz.RegistrationKey(rid), rid,
					"web", "vi", scaleQuestions, nRight, quiz.MaskOf(right), score, starts, starts, now})
			}
		}
		// Flush regularly so memory stays flat whatever n is.
		if len(ansRows) > 200_000 || i == nEvents-1 {
			for id, taken := range seatsTaken {
				for k := range evRows {
					if evRows[k][0] == id {
						evRows[k][10] = taken
					}
				}
			}
			if err := database.WithTx(ctx, db, func(tx *gorm.DB) error {
				for _, b := range []struct {
					table string
					cols  string
					rows  [][]any
				}{
					{"events", "id, code, kind, status, lang, starts_at, ends_at, time_zone, venue_id, capacity, seats_taken, audience, published_at, created_at, updated_at, pre_quiz_id, post_quiz_id, country, phone_region", evRows},
					{"event_translations", "id, event_id, lang, title, description, updated_at", trRows},
					{"registrations", "id, event_id, code, kind, status, name, name_folded, phone, sex, age_band, role, group_size, group_breakdown, lang, source, consent_version, consent_at, confirmed_at, created_at, updated_at", regRows},
					{"attendances", "id, event_id, registration_id, checked_in_at, source, created_at", attRows},
					{"attendance_marks", "registration_id, event_id, present, observed_at, checked_in_at", markRows},
					{"quiz_attempts", "id, token, event_id, quiz_id, phase, person_key, registration_id, source, lang, n_questions, n_correct, right_mask, score_pct, started_at, submitted_at, updated_at", tryRows},
					{"quiz_answers", "id, attempt_id, question_id, choices, correct, answered_at", ansRows},
				} {
					if err := bulkInsert(tx, b.table, b.cols, b.rows); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return st, err
			}
			st.Events += len(evRows)
			st.Registrations += len(regRows)
			st.Checkins += len(attRows)
			st.Attempts += len(tryRows)
			st.Answers += len(ansRows)
			evRows, trRows, regRows, attRows, markRows, tryRows, ansRows = nil, nil, nil, nil, nil, nil, nil
			seatsTaken = map[uint]int{}
			progress(fmt.Sprintf("%d/%d events, %d answers", i+1, nEvents, st.Answers))
		}
	}
	if database.Dialect(db) == "postgres" {
		// Explicit ids bypassed the sequences: move them past the new rows.
		for _, t := range []string{"events", "event_translations", "registrations", "attendances", "quiz_attempts", "quiz_answers"} {
			if err := db.Exec(fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT COALESCE(MAX(id), 1) FROM %s))", t, t)).Error; err != nil {
				return st, err
			}
		}
		db.Exec("ANALYZE")
	}
	st.Took = time.Since(start)
	return st, nil
}

// bulkInsert writes rows with multi-row INSERTs, as many rows a statement as
// the databases' parameter limits allow (PostgreSQL: 65,535; SQLite: 32,766).
func bulkInsert(tx *gorm.DB, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	ncol := len(rows[0])
	per := 30000 / ncol
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	for i := 0; i < len(rows); i += per {
		j := min(i+per, len(rows))
		args := make([]any, 0, (j-i)*ncol)
		for _, r := range rows[i:j] {
			args = append(args, r...)
		}
		sql := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", j-i), ",")
		if err := tx.Exec(sql, args...).Error; err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}

// scaleQuiz creates (once) the 13-question quiz of the generated programme.
func scaleQuiz(db *gorm.DB, now time.Time) (*quiz.Quiz, error) {
	var q quiz.Quiz
	if res := db.Preload("Items").Where("code = ?", "SCALE13").Limit(1).Find(&q); res.Error != nil {
		return nil, res.Error
	} else if res.RowsAffected > 0 {
		return &q, nil
	}
	q = quiz.Quiz{Code: "SCALE13", Lang: "vi", Active: true, CreatedAt: now, UpdatedAt: now,
		Title: content.Text{"vi": "Bài kiểm tra kiến thức (dữ liệu thử)", "fr": "Questionnaire (données de test)", "en": "Knowledge quiz (test data)"}}
	return &q, db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Items").Create(&q).Error; err != nil {
			return err
		}
		for k := 1; k <= scaleQuestions; k++ {
			qu := quiz.Question{Kind: quiz.KindSingle, Topic: "recruitment_traps", Lang: "vi", Active: true, CreatedAt: now, UpdatedAt: now,
				Text: content.Text{"vi": fmt.Sprintf("Câu hỏi %d", k), "fr": fmt.Sprintf("Question %d", k), "en": fmt.Sprintf("Question %d", k)},
				Choices: quiz.Choices{
					{Text: content.Text{"vi": "Đúng", "fr": "Juste", "en": "Right"}, Correct: true},
					{Text: content.Text{"vi": "Sai", "fr": "Faux", "en": "Wrong"}},
				}}
			if err := tx.Create(&qu).Error; err != nil {
				return err
			}
			item := quiz.Item{QuizID: q.ID, Position: k, QuestionID: qu.ID}
			if err := tx.Omit("Question").Create(&item).Error; err != nil {
				return err
			}
			q.Items = append(q.Items, item)
		}
		return nil
	})
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middleNames = []string{"Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quốc"}
	givenNames  = []string{"An", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phúc", "Quân", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"}
)

func scaleName(r *rand.Rand) string {
	return familyNames[r.IntN(len(familyNames))] + " " + middleNames[r.IntN(len(middleNames))] + " " + givenNames[r.IntN(len(givenNames))]
}

func scaleTitle(lang string, i int) string {
	switch lang {
	case "fr":
		return fmt.Sprintf("Projection-débat n° %d", i+1)
	case "en":
		return fmt.Sprintf("Film and debate no. %d", i+1)
	}
	return fmt.Sprintf("Chiếu phim và thảo luận số %d", i+1)
}

// scaleCode gives generated registrations distinct codes of at most six
// characters, so they never collide with real codes (always seven).
func scaleCode(id uint) string {
	const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	var b []byte
	for n := id; n > 0; n /= 31 {
		b = append(b, alphabet[n%31])
	}
	return "Z" + string(b)
}
