package quiz

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
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

// scope builds the FROM and WHERE of the submitted attempts "a" that the
// filter keeps. Only fixed SQL and placeholders: no user text in the SQL.
func scope(f Filter) (from string, where []string, args []any) {
	from = " FROM quiz_attempts a JOIN events e ON e.id = a.event_id"
	where = []string{"a.submitted_at IS NOT NULL"}
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

// Report computes the knowledge-gain figures in six SQL aggregates, whatever
// the number of participants (never a query per person); the same SQL runs
// on PostgreSQL and SQLite.
func Report(ctx context.Context, db *gorm.DB, f Filter) (*Gain, error) {
	db = db.WithContext(ctx)
	from, where, args := scope(f)
	w := " WHERE " + strings.Join(where, " AND ")
	g := &Gain{Questions: []QuestionGain{}}

	// 1. Attempts and means per event and phase.
	var phases []struct {
		EventID uint    `gorm:"column:event_id"`
		Phase   string  `gorm:"column:phase"`
		N       int     `gorm:"column:n"`
		Sum     float64 `gorm:"column:sum"`
	}
	if err := db.Raw("SELECT a.event_id, a.phase, COUNT(*) AS n, SUM(a.score_pct) AS sum"+from+w+
		" GROUP BY a.event_id, a.phase", args...).Scan(&phases).Error; err != nil {
		return nil, err
	}
	// 2. Pairs per event.
	var pairs []struct {
		EventID  uint    `gorm:"column:event_id"`
		N        int     `gorm:"column:n"`
		PreSum   float64 `gorm:"column:pre_sum"`
		PostSum  float64 `gorm:"column:post_sum"`
		Improved int     `gorm:"column:improved"`
		Stayed   int     `gorm:"column:stayed"`
		Dropped  int     `gorm:"column:dropped"`
		GSum     float64 `gorm:"column:g_sum"`
		GN       int     `gorm:"column:g_n"`
	}
	if err := db.Raw("SELECT a.event_id, COUNT(*) AS n, SUM(a.score_pct) AS pre_sum, SUM(o.score_pct) AS post_sum,"+
		" SUM(CASE WHEN o.score_pct > a.score_pct THEN 1 ELSE 0 END) AS improved,"+
		" SUM(CASE WHEN o.score_pct = a.score_pct THEN 1 ELSE 0 END) AS stayed,"+
		" SUM(CASE WHEN o.score_pct < a.score_pct THEN 1 ELSE 0 END) AS dropped,"+
		" SUM(CASE WHEN a.score_pct < 100 THEN (o.score_pct - a.score_pct) / (100 - a.score_pct) ELSE 0 END) AS g_sum,"+
		" SUM(CASE WHEN a.score_pct < 100 THEN 1 ELSE 0 END) AS g_n"+
		from+pairJoin+w+" AND a.phase = 'pre' GROUP BY a.event_id", args...).Scan(&pairs).Error; err != nil {
		return nil, err
	}
	// 3. Score distribution per phase (few distinct scores).
	var dist []struct {
		Phase    string  `gorm:"column:phase"`
		ScorePct float64 `gorm:"column:score_pct"`
		N        int     `gorm:"column:n"`
	}
	if err := db.Raw("SELECT a.phase, a.score_pct, COUNT(*) AS n"+from+w+" GROUP BY a.phase, a.score_pct", args...).
		Scan(&dist).Error; err != nil {
		return nil, err
	}
	// 4. Each question in each phase, with the sums for point-biserial.
	var items []struct {
		QuestionID uint    `gorm:"column:question_id"`
		Phase      string  `gorm:"column:phase"`
		N          int     `gorm:"column:n"`
		NCorrect   int     `gorm:"column:n_correct"`
		SumRight   float64 `gorm:"column:sum_right"`
		Sum        float64 `gorm:"column:sum"`
		SumSq      float64 `gorm:"column:sum_sq"`
	}
	if err := db.Raw("SELECT x.question_id, a.phase, COUNT(*) AS n,"+
		" SUM(CASE WHEN x.correct THEN 1 ELSE 0 END) AS n_correct,"+
		" SUM(CASE WHEN x.correct THEN a.score_pct ELSE 0 END) AS sum_right,"+
		" SUM(a.score_pct) AS sum, SUM(a.score_pct * a.score_pct) AS sum_sq"+
		from+" JOIN quiz_answers x ON x.attempt_id = a.id"+w+" GROUP BY x.question_id, a.phase", args...).
		Scan(&items).Error; err != nil {
		return nil, err
	}
	// 5. Each question's transitions among pairs.
	var trans []struct {
		QuestionID uint `gorm:"column:question_id"`
		Knew       int  `gorm:"column:knew"`
		Learned    int  `gorm:"column:learned"`
		Unlearned  int  `gorm:"column:unlearned"`
		Never      int  `gorm:"column:never"`
	}
	if err := db.Raw("SELECT x.question_id,"+
		" SUM(CASE WHEN x.correct AND y.correct THEN 1 ELSE 0 END) AS knew,"+
		" SUM(CASE WHEN NOT x.correct AND y.correct THEN 1 ELSE 0 END) AS learned,"+
		" SUM(CASE WHEN x.correct AND NOT y.correct THEN 1 ELSE 0 END) AS unlearned,"+
		" SUM(CASE WHEN NOT x.correct AND NOT y.correct THEN 1 ELSE 0 END) AS never"+
		from+pairJoin+" JOIN quiz_answers x ON x.attempt_id = a.id"+
		" JOIN quiz_answers y ON y.attempt_id = o.id AND y.question_id = x.question_id"+
		w+" AND a.phase = 'pre' GROUP BY x.question_id", args...).Scan(&trans).Error; err != nil {
		return nil, err
	}

	// Totals and per-event lines from 1 and 2 (sums add up).
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
	var pre, post acc
	preSums, postSums := map[uint]acc{}, map[uint]acc{}
	for _, p := range phases {
		l := line(p.EventID)
		if Phase(p.Phase) == PhasePre {
			pre.n, pre.sum = pre.n+p.N, pre.sum+p.Sum
			l.PreCount = p.N
			preSums[p.EventID] = acc{p.N, p.Sum}
		} else {
			post.n, post.sum = post.n+p.N, post.sum+p.Sum
			l.PostCount = p.N
			postSums[p.EventID] = acc{p.N, p.Sum}
		}
	}
	for id, a := range preSums {
		lines[id].PreMean = ratio(a.sum, a.n, 1)
	}
	for id, a := range postSums {
		lines[id].PostMean = ratio(a.sum, a.n, 1)
	}
	g.PreCount, g.PostCount = pre.n, post.n
	g.PreMean, g.PostMean = ratio(pre.sum, pre.n, 1), ratio(post.sum, post.n, 1)
	var pPre, pPost, gSum float64
	for _, p := range pairs {
		g.Paired += p.N
		pPre += p.PreSum
		pPost += p.PostSum
		g.Improved += p.Improved
		g.Stayed += p.Stayed
		g.Dropped += p.Dropped
		gSum += p.GSum
		g.IndividualGainN += p.GN
		l := line(p.EventID)
		l.Paired = p.N
		l.MeanGain = ratio(p.PostSum-p.PreSum, p.N, 1)
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
	for _, d := range dist {
		b := int(d.ScorePct / 10)
		if b > 9 {
			b = 9
		}
		if b < 0 {
			b = 0
		}
		if Phase(d.Phase) == PhasePre {
			g.PreHistogram[b] += d.N
		} else {
			g.PostHistogram[b] += d.N
		}
	}

	// Questions.
	byQ := map[uint]*QuestionGain{}
	q := func(id uint) *QuestionGain {
		if x, ok := byQ[id]; ok {
			return x
		}
		x := &QuestionGain{QuestionID: id}
		byQ[id] = x
		return x
	}
	for _, it := range items {
		pi := PhaseItem{Answers: it.N, Correct: it.NCorrect, Facility: ratio(float64(it.NCorrect), it.N, 100),
			Discrimination: pointBiserial(it.N, it.NCorrect, it.SumRight, it.Sum, it.SumSq)}
		if Phase(it.Phase) == PhasePre {
			q(it.QuestionID).Pre = pi
		} else {
			q(it.QuestionID).Post = pi
		}
	}
	for _, t := range trans {
		x := q(t.QuestionID)
		x.AlreadyKnew, x.Learned, x.Unlearned, x.NeverLearned = t.Knew, t.Learned, t.Unlearned, t.Never
		x.PairedN = t.Knew + t.Learned + t.Unlearned + t.Never
		x.PairedPreShare = ratio(float64(t.Knew+t.Unlearned), x.PairedN, 100)
		x.PairedPostShare = ratio(float64(t.Knew+t.Learned), x.PairedN, 100)
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
