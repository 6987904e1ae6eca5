package report_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Programme size ×100 over one year: about 1,500 events and 100,000
// registrations (people), most of them checked in, with headcounts and
// pre/post quizzes.
const (
	benchEvents = 1500
	benchPeople = 100_000
)

var benchNow = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

// bulkInsert inserts rows with multi-row INSERTs (portable SQL), in chunks
// that stay under both databases' parameter limits.
func bulkInsert(b *testing.B, db *gorm.DB, table string, cols []string, rows [][]any) {
	b.Helper()
	// Small statements: the SQLite driver binds parameters in quadratic time.
	per := max(1, 400/len(cols))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		var args []any
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", end-start), ", ")
		if err := db.Exec(q, args...).Error; err != nil {
			b.Fatalf("%s: %v", table, err)
		}
	}
}

// seedYear fills a database with a year of data at 100 times the
// programme's size. IDs are given explicitly so that rows can refer to each
// other without reading them back.
func seedYear(b *testing.B, db *gorm.DB) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	name := `{"vi":"Thành phố","fr":"Ville","en":"City"}`
	bulkInsert(b, db, "cities", []string{"id", "code", "country", "time_zone", "name"}, [][]any{
		{1, "HCMC", "VN", "Asia/Ho_Chi_Minh", name}, {2, "PHANTHIET", "VN", "Asia/Ho_Chi_Minh", name}})
	var partners, venues [][]any
	for i := 1; i <= 6; i++ {
		partners = append(partners, []any{i, fmt.Sprintf("P%d", i), name, "{}", true, benchNow, benchNow})
	}
	for i := 1; i <= 10; i++ {
		venues = append(venues, []any{i, fmt.Sprintf("V%d", i), name, "", 1 + i%2, true, benchNow, benchNow})
	}
	bulkInsert(b, db, "partners", []string{"id", "code", "name", "description", "active", "created_at", "updated_at"}, partners)
	bulkInsert(b, db, "venues", []string{"id", "code", "name", "address", "city_id", "active", "created_at", "updated_at"}, venues)

	kinds := []string{"film_debate", "film_debate", "authority_workshop", "info_session", "life_skills"}
	start := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	var events, trans [][]any
	for i := 1; i <= benchEvents; i++ {
		at := start.Add(time.Duration(i) * 365 * 24 * time.Hour / benchEvents)
		status, cancelled := "published", any(nil)
		if i%37 == 0 {
			status, cancelled = "cancelled", at.Add(-48*time.Hour)
		}
		events = append(events, []any{i, fmt.Sprintf("B%05d", i), kinds[i%len(kinds)], status, "vi", at, at.Add(2 * time.Hour),
			"Asia/Ho_Chi_Minh", 1 + i%10, 1 + i%6, 100, 0, "families", "", at.Add(-30 * 24 * time.Hour), cancelled, benchNow, benchNow})
		trans = append(trans, []any{i, "vi", fmt.Sprintf("Buổi sinh hoạt số %d", i), "", benchNow},
			[]any{i, "en", fmt.Sprintf("Session %d", i), "", benchNow})
	}
	bulkInsert(b, db, "events", []string{"id", "code", "kind", "status", "lang", "starts_at", "ends_at", "time_zone", "venue_id",
		"partner_id", "capacity", "seats_taken", "audience", "film", "published_at", "cancelled_at", "created_at", "updated_at"}, events)
	bulkInsert(b, db, "event_translations", []string{"event_id", "lang", "title", "description", "updated_at"}, trans)

	sexes := []string{"female", "male", "female", "male", "other", ""}
	bands := []string{"under_16", "16_17", "18_24", "25_59", "25_59", "60_plus", ""}
	roles := []string{"parent", "youth", "social_worker", "teacher", "police", "dolisa", "local_official", ""}
	var regs, atts, attempts [][]any
	tok := 0
	for i := 1; i <= benchPeople; i++ {
		ev := 1 + (i-1)%benchEvents
		at := events[ev-1][5].(time.Time)
		kind, size, bd := "individual", 1, "{}"
		switch {
		case i%50 == 0:
			kind, size, bd = "group", 10, `{"sex":{"female":6,"male":4},"age_band":{"under_16":10}}`
		case i%50 == 1:
			kind = "walk_in"
		}
		var phone any
		if kind == "individual" {
			phone = fmt.Sprintf("+8490%07d", i)
		}
		regs = append(regs, []any{i, ev, fmt.Sprintf("C%07d", i), kind, "confirmed", fmt.Sprintf("Nguyễn Văn %d", i),
			fmt.Sprintf("nguyen van %d", i), phone, sexes[rng.IntN(len(sexes))], bands[rng.IntN(len(bands))], roles[rng.IntN(len(roles))],
			"", size, bd, "vi", "web", "2026-01", at.Add(-72 * time.Hour), at.Add(-72 * time.Hour)})
		if kind == "walk_in" || rng.IntN(10) < 8 {
			atts = append(atts, []any{i, ev, i, at.Add(10 * time.Minute), "roster", at})
			if kind == "individual" && rng.IntN(10) < 4 {
				pre := float64(rng.IntN(11) * 10)
				tok++
				attempts = append(attempts, []any{tok, fmt.Sprintf("t%07d", tok), ev, 1, "pre", fmt.Sprintf("r%d", i), i, "", "", "web", "vi", 10, int(pre / 10), pre, at, at.Add(5 * time.Minute), at})
				if rng.IntN(10) < 8 {
					post := min(100, pre+float64(rng.IntN(5)*10))
					tok++
					attempts = append(attempts, []any{tok, fmt.Sprintf("t%07d", tok), ev, 1, "post", fmt.Sprintf("r%d", i), i, "", "", "web", "vi", 10, int(post / 10), post, at, at.Add(110 * time.Minute), at})
				}
			}
		}
	}
	bulkInsert(b, db, "registrations", []string{"id", "event_id", "code", "kind", "status", "name", "name_folded", "phone", "sex",
		"age_band", "role", "organisation", "group_size", "group_breakdown", "lang", "source", "consent_version", "created_at", "updated_at"}, regs)
	bulkInsert(b, db, "attendances", []string{"id", "event_id", "registration_id", "checked_in_at", "source", "created_at"}, atts)
	bulkInsert(b, db, "quiz_attempts", []string{"id", "token", "event_id", "quiz_id", "phase", "person_key", "registration_id",
		"sex", "age_band", "source", "lang", "n_questions", "n_correct", "score_pct", "started_at", "submitted_at", "updated_at"}, attempts)
	var heads [][]any
	for i := 1; i <= benchEvents; i += 2 {
		heads = append(heads, []any{i, "female", "25_59", 12, benchNow}, []any{i, "male", "under_16", 8, benchNow})
	}
	bulkInsert(b, db, "headcounts", []string{"event_id", "sex", "age_band", "count", "updated_at"}, heads)
	if db.Dialector.Name() == "postgres" {
		// Explicit IDs: move the sequences on; refresh the statistics (as
		// autovacuum does on a live server).
		for _, t := range []string{"cities", "partners", "venues", "events", "registrations", "attendances", "quiz_attempts"} {
			db.Exec("SELECT setval(pg_get_serial_sequence('" + t + "', 'id'), (SELECT MAX(id) FROM " + t + "))")
		}
		db.Exec("ANALYZE")
	}
	// No ANALYZE on SQLite: nothing runs it on a real SQLite database, and
	// the planner's choices without statistics are the ones to measure.
	b.Logf("seeded %d events, %d registrations, %d check-ins, %d quiz attempts", len(events), len(regs), len(atts), len(attempts))
}

// BenchmarkExport measures the indicators, the exports and the donor
// workbook on a year of data at 100 times the programme's size.
func BenchmarkExport(b *testing.B) {
	bundle, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		b.Fatal(err)
	}
	tr := bundle.For("vi")
	for _, dialect := range testutil.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			db := testutil.New(b, dialect).DB
			seedYear(b, db)
			f, err := report.ParseFilter("2025-01-01", "2025-12-31", 0)
			if err != nil {
				b.Fatal(err)
			}
			ctx := b.Context()
			b.Run("indicators", func(b *testing.B) {
				for b.Loop() {
					if _, err := report.Compute(ctx, db, f, benchNow); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, c := range []struct {
				dataset, format string
				personal        bool
			}{
				{"events", "csv", false}, {"events", "xlsx", false},
				{"attendance", "xlsx", false},
				{"attendance", "csv", true}, {"attendance", "xlsx", true},
				{"quizzes", "xlsx", true},
			} {
				name := c.dataset + "_" + c.format
				if c.personal {
					name += "_personal"
				}
				b.Run(name, func(b *testing.B) {
					x := report.Export{Dataset: c.dataset, Filter: f, Personal: c.personal, T: tr, Now: benchNow}
					for b.Loop() {
						tables, err := x.Tables(db)
						if err != nil {
							b.Fatal(err)
						}
						w := &countingWriter{}
						if c.format == "csv" {
							err = report.WriteCSV(ctx, w, tables[0])
						} else {
							err = report.WriteXLSX(ctx, w, tables)
						}
						if err != nil {
							b.Fatal(err)
						}
						b.ReportMetric(float64(w.n)/1e6, "MB/file")
					}
				})
			}
			b.Run("donor_xlsx", func(b *testing.B) {
				for b.Loop() {
					d, err := report.DonorReport(ctx, db, f, "vi", benchNow)
					if err != nil {
						b.Fatal(err)
					}
					if err := report.WriteXLSX(ctx, io.Discard, report.DonorTables(d, tr, "2025", "")); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
