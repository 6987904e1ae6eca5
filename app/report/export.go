package report

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/csvsafe"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Datasets that can be exported.
const (
	DatasetEvents     = "events"
	DatasetAttendance = "attendance"
	DatasetQuizzes    = "quizzes"
	DatasetCoaching   = "coaching"
)

// Datasets lists them in display order.
var Datasets = []string{DatasetEvents, DatasetAttendance, DatasetQuizzes, DatasetCoaching}

// Formats of an export.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ValidDataset and ValidFormat whitelist what a URL asks for.
func ValidDataset(s string) bool {
	for _, d := range Datasets {
		if d == s {
			return true
		}
	}
	return false
}

// ValidFormat whitelists an export format.
func ValidFormat(s string) bool { return s == FormatCSV || s == FormatXLSX }

// HasPersonalVariant tells whether a dataset has a version with names and
// phone numbers (the events list has none: it is aggregate by nature).
func HasPersonalVariant(dataset string) bool { return dataset != DatasetEvents }

// Export describes one export: what, for which period, in which language.
// Personal adds names and phone numbers; the caller decides whether the
// person may have them (and records it in the audit log).
type Export struct {
	Dataset  string
	Filter   Filter
	Personal bool
	T        *locale.Translator
	Now      time.Time
	// Small hides small counts of people in the aggregate tables (they
	// leave the organisation); the personal tables are exact.
	Small SmallCounts
}

// shown hides the counts of a row that Small hides: each group is a total
// (or -1 for none) and the cells that add up to it, as indexes in row.
func (x Export) shown(row []any, groups ...[]int) {
	if !x.Small.On() {
		return
	}
	labels := map[Hide]string{Small: x.T.T("indicator.fewer_than", "N", x.Small.Below()), Complement: x.T.T("indicator.not_shown")}
	num := func(v any) float64 {
		if n, ok := v.(int); ok {
			return float64(n)
		}
		return 0
	}
	hide := map[int]Hide{}
	for _, g := range groups {
		total, cells := g[0], g[1:]
		counts := make([]float64, len(cells))
		for i, c := range cells {
			counts[i] = num(row[c])
		}
		var t float64
		if total >= 0 {
			t = num(row[total])
		} else {
			for _, c := range counts {
				t += c
			}
			t += float64(x.Small.Threshold) + 1 // no total shown: cells alone
		}
		totalHidden, hidden := x.Small.Group(t, counts)
		if totalHidden && total >= 0 {
			hide[total] = Small
		}
		for i, h := range hidden {
			if h > hide[cells[i]] {
				hide[cells[i]] = h
			} else if h == Small {
				hide[cells[i]] = Small
			}
		}
	}
	for i, h := range hide {
		row[i] = labels[h]
	}
}

// Table is a sheet: translated header, and rows produced one at a time from
// a database cursor, so that nothing holds the whole export in memory.
type Table struct {
	Name   string
	Header []string
	// Rows calls emit for every row, in order.
	Rows func(ctx context.Context, emit func([]any) error) error
}

// memo caches the translations of the few labels repeated on every row
// (kind, sex, age band, role): go-i18n is not free, and an export has
// 100,000 rows. One memo serves one table, on one goroutine.
type memo struct {
	t *locale.Translator
	m map[string]string
}

func newMemo(t *locale.Translator) *memo { return &memo{t: t, m: map[string]string{}} }

func (m *memo) T(id string) string {
	s, ok := m.m[id]
	if !ok {
		s = m.t.T(id)
		m.m[id] = s
	}
	return s
}

// label translates a stored choice (sex, age band, role); "" is not stated.
func (m *memo) label(dim, key string) string {
	if key == "" || key == "unknown" {
		key = NotStated
	}
	return m.T("indicator." + dim + "." + key)
}

// cols translates column IDs (export.col.*).
func cols(t *locale.Translator, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.T("export.col." + id)
	}
	return out
}

// local is a UTC instant in the programme's time zone: CSV writes it as
// "2026-03-10 09:00" (sortable), a workbook as a date and time cell.
func local(t time.Time) time.Time {
	return locale.In(t, ProgrammeTZ)
}

// label translates a stored choice (sex, age band, role); "" is not stated.
func label(t *locale.Translator, dim, key string) string {
	if key == "" || key == "unknown" {
		key = NotStated
	}
	return t.T("indicator." + dim + "." + key)
}

// Label names a cell of a dimension in a language (cities by their name).
func (r *Indicators) Label(t *locale.Translator, dim, key string) string {
	switch dim {
	case DimCity:
		if key == NotStated {
			return t.T("indicator.sex.not_stated")
		}
		return r.CityName(key, t.Lang)
	case DimCountry:
		if key == NotStated {
			return t.T("indicator.sex.not_stated")
		}
		return r.CountryName(key, t.Lang)
	case DimKind:
		return t.T("kind." + key)
	case DimSexAge:
		sex, band, ok := strings.Cut(key, ":")
		if !ok {
			return t.T("indicator.sex_age." + NotRecorded)
		}
		return label(t, DimSex, sex) + " · " + label(t, DimAgeBand, band)
	}
	return label(t, dim, key)
}

// eventStatus says whether an event was held, cancelled or is to come.
func eventStatus(t *locale.Translator, status string, cancelled bool, ends, now time.Time) string {
	switch {
	case status == "cancelled" || cancelled:
		return t.T("export.status.cancelled")
	case status == "draft":
		return t.T("export.status.draft")
	case !ends.After(now):
		return t.T("export.status.held")
	}
	return t.T("export.status.upcoming")
}

// Tables builds the sheets of an export.
func (x Export) Tables(db *gorm.DB) ([]*Table, error) {
	if !ValidDataset(x.Dataset) {
		return nil, apperr.New(apperr.NotFound, "error.dashboard.no_dataset")
	}
	switch x.Dataset {
	case DatasetEvents:
		return []*Table{x.eventsTable(db)}, nil
	case DatasetAttendance:
		if x.Personal {
			return []*Table{x.attendancePeople(db)}, nil
		}
		return []*Table{x.attendanceByEvent(db)}, nil
	case DatasetQuizzes:
		if x.Personal {
			return []*Table{x.quizAttempts(db)}, nil
		}
		return []*Table{x.quizByEvent(db)}, nil
	case DatasetCoaching:
		return []*Table{x.coachingTable(db)}, nil
	}
	return nil, nil
}

// EventLine is one event with its figures (events export, donor report).
type EventLine struct {
	ID          uint
	Code        string
	Kind        string
	Status      string
	StartsAt    time.Time
	EndsAt      time.Time
	CancelledAt *time.Time
	Capacity    int
	CityName    content.Text
	PartnerName *string
	Title       string
	TitleOwn    string
	Registered  int
	Attended    int
	WalkIns     int
	Headcount   int
	PreN        int
	PostN       int
	Pairs       int
	GainSum     float64
	// RatingN answers to the rating request, RatingSum their stars.
	RatingN   int
	RatingSum int
	// Hidden small counts in a report that leaves the organisation.
	PresentHidden Hide `gorm:"-"`
	PairsHidden   Hide `gorm:"-"`
	RatingHidden  Hide `gorm:"-"`
}

// MeanRating is the event's average stars (nil without answers, or hidden).
func (l EventLine) MeanRating() *float64 {
	if l.RatingHidden != Shown || l.RatingN == 0 {
		return nil
	}
	v := float64(l.RatingSum) / float64(l.RatingN)
	return &v
}

func (l EventLine) Present() int { return l.Attended + l.WalkIns + l.Headcount }

// PresentShown is the people present as a report that leaves the
// organisation may show them: nil when hidden (SmallCounts).
func (l EventLine) PresentShown() any {
	if l.PresentHidden != Shown {
		return nil
	}
	return l.Present()
}

// eventLines streams the events of the filter (drafts left out; held only
// when held is set) with their figures, in a single query.
func eventLines(ctx context.Context, db *gorm.DB, f Filter, lang string, now time.Time, held bool, fn func(EventLine) error) error {
	where, args := f.scope(now, held)
	q := `SELECT e.id AS id, e.code AS code, e.kind AS kind, e.status AS status, e.starts_at AS starts_at, e.ends_at AS ends_at,
			e.cancelled_at AS cancelled_at, e.capacity AS capacity, c.name AS city_name, p.name AS partner_name,
			COALESCE(tl.title, '') AS title, COALESCE(tv.title, '') AS title_own,
			COALESCE(rg.registered, 0) AS registered, COALESCE(rg.attended, 0) AS attended, COALESCE(rg.walk_ins, 0) AS walk_ins,
			COALESCE(hc.n, 0) AS headcount, COALESCE(qz.pre_n, 0) AS pre_n, COALESCE(qz.post_n, 0) AS post_n,
			COALESCE(pr.pairs, 0) AS pairs, COALESCE(pr.gain_sum, 0) AS gain_sum,
			COALESCE(rt.n, 0) AS rating_n, COALESCE(rt.stars, 0) AS rating_sum
		FROM events e` + reportJoins + `
		LEFT JOIN partners p ON p.id = e.partner_id
		LEFT JOIN event_translations tl ON tl.event_id = e.id AND tl.lang = ?
		LEFT JOIN event_translations tv ON tv.event_id = e.id AND tv.lang = e.lang
		LEFT JOIN (SELECT r.event_id AS event_id,
				SUM(CASE WHEN r.kind <> 'walk_in' AND r.status IN ('confirmed', 'waitlisted') THEN r.group_size ELSE 0 END) AS registered,
				SUM(CASE WHEN r.kind <> 'walk_in' AND a.id IS NOT NULL THEN r.group_size ELSE 0 END) AS attended,
				SUM(CASE WHEN r.kind = 'walk_in' AND a.id IS NOT NULL THEN r.group_size ELSE 0 END) AS walk_ins
			FROM registrations r LEFT JOIN attendances a ON a.registration_id = r.id GROUP BY r.event_id) rg ON rg.event_id = e.id
		LEFT JOIN (SELECT event_id, SUM(count) AS n FROM headcounts GROUP BY event_id) hc ON hc.event_id = e.id
		LEFT JOIN (SELECT event_id, SUM(CASE WHEN phase = 'pre' THEN 1 ELSE 0 END) AS pre_n,
				SUM(CASE WHEN phase = 'post' THEN 1 ELSE 0 END) AS post_n
			FROM quiz_attempts WHERE submitted_at IS NOT NULL GROUP BY event_id) qz ON qz.event_id = e.id
		LEFT JOIN (SELECT a.event_id AS event_id, COUNT(*) AS pairs, SUM(o.score_pct - a.score_pct) AS gain_sum
			FROM quiz_attempts a JOIN quiz_attempts o ON o.event_id = a.event_id AND o.person_key = a.person_key
				AND o.phase = 'post' AND o.submitted_at IS NOT NULL
			WHERE a.phase = 'pre' AND a.submitted_at IS NOT NULL GROUP BY a.event_id) pr ON pr.event_id = e.id
		LEFT JOIN (SELECT event_id, COUNT(*) AS n, SUM(stars) AS stars FROM session_ratings
			WHERE stars IS NOT NULL GROUP BY event_id) rt ON rt.event_id = e.id
		WHERE e.status <> 'draft' AND ` + where + `
		ORDER BY e.starts_at, e.id`
	rows, err := db.WithContext(ctx).Raw(q, append([]any{lang}, args...)...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l EventLine
		if err := db.ScanRows(rows, &l); err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (x Export) eventsTable(db *gorm.DB) *Table {
	t := x.T
	return &Table{
		Name: t.T("export.sheet.events"),
		Header: cols(t, "event_code", "date", "kind", "city", "partner", "title", "status", "capacity", "registered",
			"attended", "walk_ins", "headcount", "present", "pre_quizzes", "post_quizzes", "pairs", "mean_gain", "ratings", "mean_rating"),
		Rows: func(ctx context.Context, emit func([]any) error) error {
			return eventLines(ctx, db, x.Filter, t.Lang, x.Now, false, func(l EventLine) error {
				title := l.Title
				if title == "" {
					title = l.TitleOwn
				}
				partner := ""
				if l.PartnerName != nil {
					var pn content.Text
					if err := pn.Scan(*l.PartnerName); err == nil {
						partner = pn.String(t.Lang)
					}
				}
				var gain any = ""
				if l.Pairs > 0 {
					gain = round1(l.GainSum / float64(l.Pairs))
				}
				var stars any = ""
				if l.RatingN > 0 {
					stars = round1(float64(l.RatingSum) / float64(l.RatingN))
				}
				row := []any{l.Code, local(l.StartsAt), t.T("kind." + l.Kind), l.CityName.String(t.Lang), partner, title,
					eventStatus(t, l.Status, l.CancelledAt != nil, l.EndsAt, x.Now), l.Capacity, l.Registered,
					l.Attended, l.WalkIns, l.Headcount, l.Present(), l.PreN, l.PostN, l.Pairs, gain, l.RatingN, stars}
				if x.Small.Small(float64(l.Pairs)) {
					row[16] = ""
				}
				if x.Small.Small(float64(l.RatingN)) {
					row[18] = "" // the average of a few people's ratings (docs/DECISIONS.md)
				}
				// present = attended + walk-ins + headcount; the others alone.
				x.shown(row, []int{12, 9, 10, 11}, []int{-1, 8}, []int{-1, 13}, []int{-1, 14}, []int{-1, 15}, []int{-1, 17})
				return emit(row)
			})
		},
	}
}

func round1(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 1, 64), 64)
	return f
}

// attendanceByEvent: people present per event held, by sex and age band
// (the same counting as the people-reached indicator).
func (x Export) attendanceByEvent(db *gorm.DB) *Table {
	t := x.T
	ids := []string{"event_code", "date", "kind", "city", "present"}
	for _, s := range registration.Sexes {
		ids = append(ids, "sex_"+s)
	}
	for _, b := range append(append([]string{}, registration.AgeBands...), NotStated) {
		ids = append(ids, "age_"+b)
	}
	return &Table{
		Name:   t.T("export.sheet.attendance"),
		Header: cols(t, ids...),
		Rows: func(ctx context.Context, emit func([]any) error) error {
			where, args := x.Filter.scope(x.Now, true)
			dims := []string{DimSex, DimAgeBand}
			empty := &Indicators{}
			per := map[uint]*tally{}
			err := presences(db.WithContext(ctx), where, args, true, func(p presence) {
				tl := per[p.EventID]
				if tl == nil {
					tl = newTally(empty, dims)
					per[p.EventID] = tl
				}
				tl.addPresence(p)
			})
			if err != nil {
				return err
			}
			return eventLines(ctx, db, x.Filter, t.Lang, x.Now, true, func(l EventLine) error {
				tl := per[l.ID]
				if tl == nil {
					tl = newTally(empty, dims)
				}
				row := []any{l.Code, local(l.StartsAt), t.T("kind." + l.Kind), l.CityName.String(t.Lang), int(tl.num)}
				groups := [][]int{}
				for _, d := range dims {
					g := []int{4}
					for _, k := range empty.Keys(d) {
						g = append(g, len(row))
						row = append(row, int(tl.cells[d][k][0]))
					}
					groups = append(groups, g)
				}
				x.shown(row, groups...) // each dimension's cells add up to the people present
				return emit(row)
			})
		},
	}
}

// attendancePeople: one row per person or group checked in, with names
// and phone numbers (personal data).
func (x Export) attendancePeople(db *gorm.DB) *Table {
	t := x.T
	return &Table{
		Name: t.T("export.sheet.attendance"),
		Header: cols(t, "event_code", "date", "kind", "name", "phone", "sex", "age_band", "role", "organisation",
			"registration_kind", "people", "checked_in_at"),
		Rows: func(ctx context.Context, emit func([]any) error) error {
			where, args := x.Filter.scope(x.Now, true)
			rows, err := db.WithContext(ctx).Raw(`SELECT e.code, e.starts_at, e.kind, r.name, r.phone, r.sex, r.age_band, r.role,
					r.organisation, r.kind, r.group_size, a.checked_in_at
				FROM attendances a JOIN registrations r ON r.id = a.registration_id JOIN events e ON e.id = r.event_id
				WHERE `+where+` ORDER BY e.starts_at, e.id, a.checked_in_at, a.id`, args...).Rows()
			if err != nil {
				return err
			}
			defer rows.Close()
			var (
				code, kind, name, sex, band, role, org, rkind string
				phone                                         sql.NullString
				starts, checked                               time.Time
				size                                          int
			)
			m := newMemo(t)
			row := make([]any, 12)
			for rows.Next() {
				if err := rows.Scan(&code, &starts, &kind, &name, &phone, &sex, &band, &role, &org, &rkind, &size, &checked); err != nil {
					return err
				}
				row[0], row[1], row[2], row[3], row[4] = code, local(starts), m.T("kind."+kind), name, phone.String
				row[5], row[6], row[7] = m.label(DimSex, sex), m.label(DimAgeBand, band), m.label(DimRole, role)
				row[8], row[9], row[10], row[11] = org, m.T("export.reg_kind."+rkind), size, local(checked)
				if err := emit(row); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}
}

// quizByEvent: knowledge gain per event held with quiz attempts.
func (x Export) quizByEvent(db *gorm.DB) *Table {
	t := x.T
	return &Table{
		Name:   t.T("export.sheet.quizzes"),
		Header: cols(t, "event_code", "date", "kind", "city", "title", "pre_quizzes", "post_quizzes", "pairs", "mean_gain"),
		Rows: func(ctx context.Context, emit func([]any) error) error {
			return eventLines(ctx, db, x.Filter, t.Lang, x.Now, true, func(l EventLine) error {
				if l.PreN == 0 && l.PostN == 0 {
					return nil
				}
				title := l.Title
				if title == "" {
					title = l.TitleOwn
				}
				var gain any = ""
				if l.Pairs > 0 {
					gain = round1(l.GainSum / float64(l.Pairs))
				}
				row := []any{l.Code, local(l.StartsAt), t.T("kind." + l.Kind), l.CityName.String(t.Lang), title, l.PreN, l.PostN, l.Pairs, gain}
				if x.Small.Small(float64(l.Pairs)) {
					row[8] = ""
				}
				x.shown(row, []int{-1, 5}, []int{-1, 6}, []int{-1, 7})
				return emit(row)
			})
		},
	}
}

// quizAttempts: one row per submitted attempt, with the participant's name
// and phone when registered (personal data).
func (x Export) quizAttempts(db *gorm.DB) *Table {
	t := x.T
	return &Table{
		Name:   t.T("export.sheet.quizzes"),
		Header: cols(t, "event_code", "date", "name", "phone", "anon_code", "phase", "score", "submitted_at"),
		Rows: func(ctx context.Context, emit func([]any) error) error {
			where, args := x.Filter.scope(x.Now, true)
			rows, err := db.WithContext(ctx).Raw(`SELECT e.code, e.starts_at, r.name, r.phone, q.anon_code, q.phase, q.score_pct, q.submitted_at
				FROM quiz_attempts q JOIN events e ON e.id = q.event_id LEFT JOIN registrations r ON r.id = q.registration_id
				WHERE q.submitted_at IS NOT NULL AND `+where+` ORDER BY e.starts_at, e.id, q.person_key, q.phase DESC`, args...).Rows()
			if err != nil {
				return err
			}
			defer rows.Close()
			var (
				code, phase       string
				name, phone, anon sql.NullString
				starts, submitted time.Time
				score             sql.NullFloat64
			)
			m := newMemo(t)
			for rows.Next() {
				if err := rows.Scan(&code, &starts, &name, &phone, &anon, &phase, &score, &submitted); err != nil {
					return err
				}
				var sc any = ""
				if score.Valid {
					sc = round1(score.Float64)
				}
				if err := emit([]any{code, local(starts), name.String, phone.String, anon.String, m.T("export.phase." + phase), sc, local(submitted)}); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}
}

// WriteCSV writes the first table as CSV, row by row, with the
// application's one CSV writer (csvsafe: a byte-order mark, and no cell
// typed by a person that a spreadsheet would run as a formula).
func WriteCSV(ctx context.Context, w io.Writer, tbl *Table) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	cw := csvsafe.NewWriter(bw)
	if err := cw.WriteStrings(tbl.Header); err != nil {
		return err
	}
	err := tbl.Rows(ctx, cw.Write)
	if err != nil {
		return err
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes the tables as the sheets of a workbook to w.
func WriteXLSX(ctx context.Context, w io.Writer, tables []*Table) error {
	f, err := BuildXLSX(ctx, tables)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteTo(w)
	return err
}

// BuildXLSX fills a workbook with excelize's StreamWriter: rows go from the
// database cursor to the writer, which keeps them in a temporary file past a
// few megabytes rather than in memory. The caller writes the workbook out
// (f.WriteTo) and closes it (which removes the temporary files).
func BuildXLSX(ctx context.Context, tables []*Table) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := fillXLSX(ctx, f, tables); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func fillXLSX(ctx context.Context, f *excelize.File, tables []*Table) error {
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	// Dates and times are real spreadsheet dates (they sort, filter and
	// compute), shown as ISO 8601 whatever the reader's locale.
	dateTimeFmt, dateFmt := "yyyy-mm-dd hh:mm", "yyyy-mm-dd"
	dateTime, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateTimeFmt})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	for i, tbl := range tables {
		name := sheetName(tbl.Name, i)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		if err := sw.SetColWidth(1, len(tbl.Header), 14); err != nil {
			return err
		}
		// Panes must be set before the first row.
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		head := make([]any, len(tbl.Header))
		for j, h := range tbl.Header {
			head[j] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 18}); err != nil {
			return err
		}
		r := 1
		var cells []any
		err = tbl.Rows(ctx, func(row []any) error {
			r++
			cell, err := excelize.CoordinatesToCellName(1, r)
			if err != nil {
				return err
			}
			cells = append(cells[:0], row...)
			for j, v := range cells {
				switch x := v.(type) {
				case time.Time:
					if x.IsZero() {
						cells[j] = ""
					} else {
						cells[j] = excelize.Cell{StyleID: dateTime, Value: x}
					}
				case csvsafe.Date:
					cells[j] = excelize.Cell{StyleID: date, Value: x.Time}
				}
			}
			return sw.SetRow(cell, cells)
		})
		if err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	// No SetActiveSheet: it would read every streamed sheet back into
	// memory. The first sheet is the active one already.
	return nil
}

// sheetName makes a valid, unique sheet name (31 characters, no []:*?/\).
func sheetName(s string, i int) string {
	out := []rune{}
	for _, r := range s {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			r = ' '
		}
		out = append(out, r)
	}
	if len(out) > 28 {
		out = out[:28]
	}
	if len(out) == 0 {
		return "Sheet" + strconv.Itoa(i+1)
	}
	return string(out)
}
