package quiz

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/scope"
)

// Filter narrows the knowledge-gain report. Zero values mean "all".
type Filter struct {
	EventID uint
	From    *time.Time // events starting at or after
	To      *time.Time // events starting before
	CityID  uint
	Kind    string
	Sex     string
	AgeBand string
	Role    string
	// Scope keeps the sessions of a staff member's part of the programme.
	Scope scope.Scope
}

// Gain is the knowledge-gain report of an event or of the programme.
//
// Scores are percentages (0–100). Only submitted attempts count. A pair is
// the pre and the post attempt of the same person (registration or anonymous
// code) for the same event; unpaired attempts count in PreCount, PostCount,
// PreMean and PostMean but in none of the paired figures.
type Gain struct {
	HasQuiz   bool `json:"has_quiz"` // for one event: a pre or post quiz is assigned
	PreCount  int  `json:"pre_count"`
	PostCount int  `json:"post_count"`
	Paired    int  `json:"paired"`
	// Means over every submitted attempt of the phase.
	PreMean  *float64 `json:"pre_mean"`
	PostMean *float64 `json:"post_mean"`
	// Means over paired participants only.
	PairedPreMean  *float64 `json:"paired_pre_mean"`
	PairedPostMean *float64 `json:"paired_post_mean"`
	// MeanGain is the mean of (post − pre) over pairs, in points.
	MeanGain *float64 `json:"mean_gain"`
	// NormalizedGain is Hake's ⟨g⟩ = (mean post − mean pre) / (100 − mean pre),
	// on the paired means (so that the same people are compared).
	NormalizedGain *float64 `json:"normalized_gain"`
	// MeanIndividualGain is the mean of each pair's (post − pre) / (100 − pre),
	// over the pairs whose pre score is below 100 (IndividualGainN of them).
	MeanIndividualGain *float64 `json:"mean_individual_normalized_gain"`
	IndividualGainN    int      `json:"individual_gain_n"`
	Improved           int      `json:"improved"`
	Stayed             int      `json:"stayed"`
	Dropped            int      `json:"dropped"`
	ImprovedShare      *float64 `json:"improved_share"`
	StayedShare        *float64 `json:"stayed_share"`
	DroppedShare       *float64 `json:"dropped_share"`
	// Histograms of scores in ten bins (0–9, 10–19, … 90–100).
	PreHistogram  [10]int         `json:"pre_histogram"`
	PostHistogram [10]int         `json:"post_histogram"`
	Questions     []QuestionGain  `json:"questions"`
	Events        []EventGainLine `json:"events,omitempty"`
}

// PhaseItem is how one question did in one phase.
type PhaseItem struct {
	Answers int `json:"answers"`
	Correct int `json:"correct"`
	// Facility is the share (0–100) of answers that were right.
	Facility *float64 `json:"facility"`
	// Discrimination is the point-biserial correlation between being right
	// on the question and the attempt's score (−1 to 1; nil when everyone
	// was right, everyone wrong, or all scores equal).
	Discrimination *float64 `json:"discrimination"`
}

// QuestionGain is one question's before and after.
type QuestionGain struct {
	QuestionID uint         `json:"question_id"`
	Topic      string       `json:"topic"`
	Text       content.Text `json:"text"`
	Lang       string       `json:"-"`
	Pre        PhaseItem    `json:"pre"`
	Post       PhaseItem    `json:"post"`
	// Paired transitions: people who answered the question before and after.
	PairedN      int `json:"paired"`
	Learned      int `json:"learned"`       // wrong before, right after
	AlreadyKnew  int `json:"already_knew"`  // right before and after
	Unlearned    int `json:"unlearned"`     // right before, wrong after
	NeverLearned int `json:"never_learned"` // wrong before and after
	// PairedPreShare and PairedPostShare are the shares right among pairs.
	PairedPreShare  *float64 `json:"paired_pre_share"`
	PairedPostShare *float64 `json:"paired_post_share"`
	// Drops flags a question whose share of right answers is lower after
	// than before (among pairs when there are any, else over all attempts).
	Drops bool `json:"drops"`
}

// EventGainLine is one event's line of the programme report.
type EventGainLine struct {
	EventID   uint      `json:"event_id"`
	PreCount  int       `json:"pre_count"`
	PostCount int       `json:"post_count"`
	Paired    int       `json:"paired"`
	PreMean   *float64  `json:"pre_mean"`
	PostMean  *float64  `json:"post_mean"`
	MeanGain  *float64  `json:"mean_gain"`
	StartsAt  time.Time `json:"-"`
}

// EventGain is the knowledge-gain report of one event. It never returns a
// nil report without an error: an event with no quiz and no attempts gets
// zero counts, nil means and HasQuiz false.
func EventGain(ctx context.Context, db *gorm.DB, eventID uint) (*Gain, error) {
	pre, post, err := EventQuizzes(ctx, db, eventID)
	if err != nil {
		return nil, err
	}
	g, err := Report(ctx, db, Filter{EventID: eventID})
	if err != nil {
		return nil, err
	}
	g.HasQuiz = pre != 0 || post != 0
	g.Events = nil
	// Questions in the order of the event's quizzes (pre first), others after.
	order := map[uint]int{}
	var items []Item
	if err := db.WithContext(ctx).Where("quiz_id IN ?", []uint{pre, post}).Order("quiz_id, position").Find(&items).Error; err != nil {
		return nil, err
	}
	for _, it := range items {
		if _, ok := order[it.QuestionID]; !ok {
			w := it.Position
			if it.QuizID != pre {
				w += 1000
			}
			order[it.QuestionID] = w
		}
	}
	sort.SliceStable(g.Questions, func(i, j int) bool {
		wi, oki := order[g.Questions[i].QuestionID]
		wj, okj := order[g.Questions[j].QuestionID]
		if oki != okj {
			return oki
		}
		if wi != wj {
			return wi < wj
		}
		return g.Questions[i].QuestionID < g.Questions[j].QuestionID
	})
	return g, nil
}

// attemptsOf builds the FROM and WHERE of the submitted attempts "a" that the
// filter keeps. Only fixed SQL and placeholders: no user text in the SQL.
func attemptsOf(f Filter) (from string, where []string, args []any) {
	from = " FROM quiz_attempts a"
	if f.From != nil || f.To != nil || f.Kind != "" || f.CityID != 0 || !f.Scope.IsGlobal() {
		from += " JOIN events e ON e.id = a.event_id"
	}
	where = []string{"a.submitted_at IS NOT NULL"}
	if !f.Scope.IsGlobal() {
		w, a := f.Scope.SQL("e")
		where = append(where, w)
		args = append(args, a...)
	}
	if f.EventID != 0 {
		where = append(where, "a.event_id = ?")
		args = append(args, f.EventID)
	}
	if f.From != nil {
		where = append(where, "e.starts_at >= ?")
		args = append(args, *f.From)
	}
	if f.To != nil {
		where = append(where, "e.starts_at < ?")
		args = append(args, *f.To)
	}
	if f.Kind != "" {
		where = append(where, "e.kind = ?")
		args = append(args, f.Kind)
	}
	if f.CityID != 0 {
		from += " JOIN venues v ON v.id = e.venue_id"
		where = append(where, "v.city_id = ?")
		args = append(args, f.CityID)
	}
	if f.Sex != "" || f.AgeBand != "" || f.Role != "" {
		from += " LEFT JOIN registrations r ON r.id = a.registration_id"
		if f.Sex != "" {
			where = append(where, "(CASE WHEN a.registration_id IS NULL THEN a.sex ELSE r.sex END) = ?")
			args = append(args, f.Sex)
		}
		if f.AgeBand != "" {
			where = append(where, "(CASE WHEN a.registration_id IS NULL THEN a.age_band ELSE r.age_band END) = ?")
			args = append(args, f.AgeBand)
		}
		if f.Role != "" {
			where = append(where, "r.role = ?")
			args = append(args, f.Role)
		}
	}
	return from, where, args
}

// pairJoin joins the submitted post attempt "o" of the same person to a pre
// attempt "a".
const pairJoin = " JOIN quiz_attempts o ON o.event_id = a.event_id AND o.person_key = a.person_key" +
	" AND o.phase = 'post' AND o.submitted_at IS NOT NULL"

// Report computes the knowledge-gain figures with two SQL aggregates over the
// attempts (two rows per person), whatever the number of participants: never
// a query per person, and never a scan of the answers, because each attempt's
// RightMask says which positions were right. The first scan groups the
// attempts by event, quiz and phase; the second joins each pre attempt to
// the same person's post attempt. Bits are read with shifts and masks
// ((m >> i) & 1), which PostgreSQL and SQLite compute alike. On PostgreSQL
// the two run at once, each on its own connection.
func Report(ctx context.Context, db *gorm.DB, f Filter) (*Gain, error) {
	db = db.WithContext(ctx)
	from, where, args := attemptsOf(f)
	w := " WHERE " + strings.Join(where, " AND ")
	g := &Gain{Questions: []QuestionGain{}}

	// maxPos is the longest quiz: one column per position.
	var maxPos int
	if err := db.Raw("SELECT COALESCE(MAX(position), 0) FROM quiz_questions").Scan(&maxPos).Error; err != nil {
		return nil, err
	}
	maxPos = min(maxPos, MaxQuestions)

	// Scan 1, per event, quiz and phase: attempts, sum and sum of squares of
	// the scores, how many scored under 10, 20, … 90 (the histogram), and per
	// position how many were right and the sum of their scores (facility and
	// point-biserial discrimination).
	var q1 strings.Builder
	q1.WriteString("SELECT a.event_id, a.quiz_id, a.phase, COUNT(*), SUM(a.score_pct), SUM(a.score_pct * a.score_pct)")
	for t := 10; t <= 90; t += 10 {
		fmt.Fprintf(&q1, ", SUM(CASE WHEN a.score_pct < %d THEN 1 ELSE 0 END)", t)
	}
	for i := 0; i < maxPos; i++ {
		fmt.Fprintf(&q1, ", SUM((a.right_mask >> %d) & 1), SUM(((a.right_mask >> %d) & 1) * a.score_pct)", i, i)
	}
	q1.WriteString(from + w + " GROUP BY a.event_id, a.quiz_id, a.phase")
	// Scan 2, per event and pre quiz, over pairs: their number and score
	// sums, improved / stayed / dropped, the individual normalised gains, and
	// — among pairs who took the same quiz twice — per position the number
	// right both times, learned (wrong then right) and unlearned.
	var q2 strings.Builder
	q2.WriteString("SELECT t.event_id, t.quiz_id, COUNT(*), SUM(t.pre), SUM(t.post)," +
		" SUM(CASE WHEN t.post > t.pre THEN 1 ELSE 0 END), SUM(CASE WHEN t.post = t.pre THEN 1 ELSE 0 END)," +
		" SUM(CASE WHEN t.post < t.pre THEN 1 ELSE 0 END)," +
		" SUM(CASE WHEN t.pre < 100 THEN (t.post - t.pre) / (100 - t.pre) ELSE 0 END), SUM(CASE WHEN t.pre < 100 THEN 1 ELSE 0 END)," +
		" SUM(t.same)")
	for i := 0; i < maxPos; i++ {
		fmt.Fprintf(&q2, ", SUM((t.knew >> %d) & 1), SUM((t.learnt >> %d) & 1), SUM((t.unlearnt >> %d) & 1)", i, i, i)
	}
	q2.WriteString(" FROM (SELECT a.event_id, a.quiz_id, a.score_pct AS pre, o.score_pct AS post," +
		" CASE WHEN o.quiz_id = a.quiz_id THEN 1 ELSE 0 END AS same," +
		" CASE WHEN o.quiz_id = a.quiz_id THEN a.right_mask & o.right_mask ELSE 0 END AS knew," +
		" CASE WHEN o.quiz_id = a.quiz_id THEN o.right_mask & ~a.right_mask ELSE 0 END AS learnt," +
		" CASE WHEN o.quiz_id = a.quiz_id THEN a.right_mask & ~o.right_mask ELSE 0 END AS unlearnt" +
		from + pairJoin + w + " AND a.phase = 'pre') t GROUP BY t.event_id, t.quiz_id")

	type row struct {
		eventID, quizID uint
		phase           Phase
		v               []float64
	}
	var rows1, rows2 []row
	scan1 := func() error {
		return scanRows(db.Raw(q1.String(), args...), 3, func(keys []any, v []float64) {
			rows1 = append(rows1, row{*keys[0].(*uint), *keys[1].(*uint), Phase(*keys[2].(*string)), slices.Clone(v)})
		})
	}
	scan2 := func() error {
		return scanRows(db.Raw(q2.String(), args...), 2, func(keys []any, v []float64) {
			rows2 = append(rows2, row{*keys[0].(*uint), *keys[1].(*uint), "", slices.Clone(v)})
		})
	}
	_, inTx := db.Statement.ConnPool.(gorm.TxCommitter)
	if db.Dialector.Name() == "postgres" && !inTx {
		var eg errgroup.Group
		eg.Go(scan1)
		eg.Go(scan2)
		if err := eg.Wait(); err != nil {
			return nil, err
		}
	} else {
		if err := scan1(); err != nil {
			return nil, err
		}
		if err := scan2(); err != nil {
			return nil, err
		}
	}

	// Which question sits at which position of each quiz.
	quizIDs := map[uint]bool{}
	for _, r := range rows1 {
		quizIDs[r.quizID] = true
	}
	var items []Item
	if len(quizIDs) > 0 {
		if err := db.Where("quiz_id IN ?", slices.Collect(maps.Keys(quizIDs))).Find(&items).Error; err != nil {
			return nil, err
		}
	}
	questionAt := map[[2]uint]uint{} // (quiz, position) → question
	for _, it := range items {
		questionAt[[2]uint{it.QuizID, uint(it.Position)}] = it.QuestionID
	}

	// Totals and per-event lines (sums add up).
	lines := map[uint]*EventGainLine{}
	line := func(id uint) *EventGainLine {
		if l, ok := lines[id]; ok {
			return l
		}
		l := &EventGainLine{EventID: id}
		lines[id] = l
		return l
	}
	type acc struct {
		n   int
		sum float64
	}
	var tot [2]acc
	perEvent := map[uint]*[2]acc{}
	type sums struct {
		n, right             int
		sumRight, sum, sumSq float64
	}
	phaseSums := map[uint]*[2]sums{} // by question
	for _, r := range rows1 {
		k := 0
		if r.phase == PhasePost {
			k = 1
		}
		n := int(r.v[0])
		tot[k].n += n
		tot[k].sum += r.v[1]
		line(r.eventID)
		if perEvent[r.eventID] == nil {
			perEvent[r.eventID] = &[2]acc{}
		}
		perEvent[r.eventID][k].n += n
		perEvent[r.eventID][k].sum += r.v[1]
		hist := &g.PreHistogram
		if k == 1 {
			hist = &g.PostHistogram
		}
		under := r.v[3:12] // scored under 10, 20, … 90
		prev := 0
		for b := 0; b < 9; b++ {
			hist[b] += int(under[b]) - prev
			prev = int(under[b])
		}
		hist[9] += n - prev
		for i := 0; i < maxPos; i++ {
			id, ok := questionAt[[2]uint{r.quizID, uint(i + 1)}]
			if !ok {
				continue
			}
			if phaseSums[id] == nil {
				phaseSums[id] = &[2]sums{}
			}
			ps := &phaseSums[id][k]
			ps.n += n
			ps.right += int(r.v[12+2*i])
			ps.sumRight += r.v[13+2*i]
			ps.sum += r.v[1]
			ps.sumSq += r.v[2]
		}
	}
	for id, pe := range perEvent {
		lines[id].PreCount, lines[id].PostCount = pe[0].n, pe[1].n
		lines[id].PreMean, lines[id].PostMean = ratio(pe[0].sum, pe[0].n, 1), ratio(pe[1].sum, pe[1].n, 1)
	}
	g.PreCount, g.PostCount = tot[0].n, tot[1].n
	g.PreMean, g.PostMean = ratio(tot[0].sum, tot[0].n, 1), ratio(tot[1].sum, tot[1].n, 1)

	byQ := map[uint]*QuestionGain{}
	q := func(id uint) *QuestionGain {
		if x, ok := byQ[id]; ok {
			return x
		}
		x := &QuestionGain{QuestionID: id}
		byQ[id] = x
		return x
	}
	var pPre, pPost, gSum float64
	pairsOf := map[uint]*[2]float64{} // event → paired n, sum of gains
	for _, r := range rows2 {
		v := r.v
		n := int(v[0])
		g.Paired += n
		pPre += v[1]
		pPost += v[2]
		g.Improved += int(v[3])
		g.Stayed += int(v[4])
		g.Dropped += int(v[5])
		gSum += v[6]
		g.IndividualGainN += int(v[7])
		same := int(v[8])
		if pairsOf[r.eventID] == nil {
			pairsOf[r.eventID] = &[2]float64{}
		}
		pairsOf[r.eventID][0] += float64(n)
		pairsOf[r.eventID][1] += v[2] - v[1]
		for i := 0; i < maxPos; i++ {
			id, ok := questionAt[[2]uint{r.quizID, uint(i + 1)}]
			if !ok || same == 0 {
				continue
			}
			x := q(id)
			knew, learnt, unlearnt := int(v[9+3*i]), int(v[10+3*i]), int(v[11+3*i])
			x.AlreadyKnew += knew
			x.Learned += learnt
			x.Unlearned += unlearnt
			x.NeverLearned += same - knew - learnt - unlearnt
			x.PairedN += same
		}
	}
	for id, p := range pairsOf {
		l := line(id)
		l.Paired = int(p[0])
		l.MeanGain = ratio(p[1], l.Paired, 1)
	}
	if g.Paired > 0 {
		g.PairedPreMean = ratio(pPre, g.Paired, 1)
		g.PairedPostMean = ratio(pPost, g.Paired, 1)
		g.MeanGain = ratio(pPost-pPre, g.Paired, 1)
		if mp := pPre / float64(g.Paired); mp < 100 {
			v := (pPost/float64(g.Paired) - mp) / (100 - mp)
			g.NormalizedGain = &v
		}
		g.ImprovedShare = ratio(float64(g.Improved), g.Paired, 100)
		g.StayedShare = ratio(float64(g.Stayed), g.Paired, 100)
		g.DroppedShare = ratio(float64(g.Dropped), g.Paired, 100)
	}
	g.MeanIndividualGain = ratio(gSum, g.IndividualGainN, 1)

	// Questions: the per-position figures of every quiz, added up by question
	// (a question may sit in several quizzes; all the sums add up).
	for id, ps := range phaseSums {
		x := q(id)
		for k, s := range ps {
			if s.n == 0 {
				continue
			}
			pi := PhaseItem{Answers: s.n, Correct: s.right, Facility: ratio(float64(s.right), s.n, 100),
				Discrimination: pointBiserial(s.n, s.right, s.sumRight, s.sum, s.sumSq)}
			if k == 0 {
				x.Pre = pi
			} else {
				x.Post = pi
			}
		}
	}
	for _, x := range byQ {
		x.PairedPreShare = ratio(float64(x.AlreadyKnew+x.Unlearned), x.PairedN, 100)
		x.PairedPostShare = ratio(float64(x.AlreadyKnew+x.Learned), x.PairedN, 100)
	}
	ids := make([]uint, 0, len(byQ))
	for id, x := range byQ {
		ids = append(ids, id)
		switch {
		case x.PairedN > 0:
			x.Drops = x.Unlearned > x.Learned
		case x.Pre.Facility != nil && x.Post.Facility != nil:
			x.Drops = *x.Post.Facility < *x.Pre.Facility
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) > 0 {
		// 6. The questions' texts and topics.
		var qs []Question
		if err := db.Select("id, topic, lang, text").Where("id IN ?", ids).Find(&qs).Error; err != nil {
			return nil, err
		}
		for _, x := range qs {
			byQ[x.ID].Topic, byQ[x.ID].Text, byQ[x.ID].Lang = x.Topic, x.Text, x.Lang
		}
	}
	for _, id := range ids {
		g.Questions = append(g.Questions, *byQ[id])
	}
	if f.EventID == 0 {
		for _, l := range lines {
			g.Events = append(g.Events, *l)
		}
		sort.Slice(g.Events, func(i, j int) bool { return g.Events[i].EventID < g.Events[j].EventID })
	}
	return g, nil
}

// ratio is sum/n*scale, nil when n is 0.
func ratio(sum float64, n int, scale float64) *float64 {
	if n == 0 {
		return nil
	}
	v := sum / float64(n) * scale
	return &v
}

// pointBiserial is r = (M1 − M0) / s · √(p·q), from aggregate sums: n
// answers, n1 right, s1 the sum of the scores of those right, sum and sumSq
// the sums of all scores and of their squares (s is the population standard
// deviation).
func pointBiserial(n, n1 int, s1, sum, sumSq float64) *float64 {
	n0 := n - n1
	if n == 0 || n1 == 0 || n0 == 0 {
		return nil
	}
	mean := sum / float64(n)
	variance := sumSq/float64(n) - mean*mean
	if variance <= 1e-9 {
		return nil
	}
	m1 := s1 / float64(n1)
	m0 := (sum - s1) / float64(n0)
	p := float64(n1) / float64(n)
	r := (m1 - m0) / math.Sqrt(variance) * math.Sqrt(p*(1-p))
	return &r
}

// TextIn returns the question's text in lang with fallback, and whether it
// fell back.
func (x QuestionGain) TextIn(lang string) (string, bool) {
	q := Question{Text: x.Text, Lang: x.Lang}
	return q.TextIn(lang)
}

// scanRows reads rows whose first nKeys columns are ids or names and the
// others sums, which arrive as integers, decimals or NULL depending on the
// database (NULL counts as 0); fn gets each row (v is reused).
func scanRows(q *gorm.DB, nKeys int, fn func(keys []any, v []float64)) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	keys := make([]any, nKeys)
	var ids [2]uint
	var name string
	for i := range keys {
		if i < 2 {
			keys[i] = &ids[i]
		} else {
			keys[i] = &name
		}
	}
	nums := make([]sql.NullFloat64, len(cols)-nKeys)
	dest := append([]any{}, keys...)
	for i := range nums {
		dest = append(dest, &nums[i])
	}
	v := make([]float64, len(nums))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, n := range nums {
			v[i] = n.Float64
		}
		fn(keys, v)
	}
	return rows.Err()
}
