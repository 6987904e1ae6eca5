package report

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/rating"
)

// DonorEventsMax caps the list of events held in the donor report; the
// full list is the events export.
const DonorEventsMax = 60

// Donor is everything the donor report shows.
type Donor struct {
	Filter     Filter
	Indicators *Indicators
	// GainSummary is the knowledge gain of the events held, defined as
	// the indicator (same pairs, same scope).
	GainSummary GainSummary
	// Ratings are the participants' ratings of the events held, beside the
	// knowledge gain: the number of answers and their average only (a
	// distribution would show counts of one or two people).
	Ratings DonorRatings
	// Gain is the quiz area's report for the period, for its per-question
	// table. It counts every quiz answered in the period, whatever the
	// event's state, and has no partner filter: with a partner chosen it
	// covers every partner (PartnerWide says so).
	Gain        *quiz.Gain
	PartnerWide bool
	Coaching    *coaching.Figures
	Events      []EventLine
	MoreEvents  int
	GeneratedAt time.Time
	// Below is the bound of hidden small counts ("fewer than 5"); 0 when
	// nothing is hidden (SmallCounts.Donor).
	Below int
}

// Title is an event's title in the requested language, else its own.
func (l EventLine) DisplayTitle() string {
	if l.Title != "" {
		return l.Title
	}
	return l.TitleOwn
}

// Partner is the partner's name in lang ("" when none).
func (l EventLine) Partner(lang string) string {
	if l.PartnerName == nil {
		return ""
	}
	var pn content.Text
	if err := pn.Scan(*l.PartnerName); err != nil {
		return ""
	}
	return pn.String(lang)
}

// MeanGain is the event's mean paired gain in points (nil without pairs).
func (l EventLine) MeanGain() *float64 {
	if l.PairsHidden != Shown {
		return nil
	}
	if l.Pairs == 0 {
		return nil
	}
	v := l.GainSum / float64(l.Pairs)
	return &v
}

// Local is the event's start in the programme's time zone.
func (l EventLine) Local() time.Time { return locale.In(l.StartsAt, ProgrammeTZ) }

// DonorRatings is the ratings' line of the donor report.
type DonorRatings struct {
	Answers int      `json:"answers"`
	Average *float64 `json:"average"`
	// Suppressed: too few answers to show anything (SmallCounts).
	Suppressed bool `json:"suppressed,omitempty"`
}

func donorRatings(s rating.Summary) DonorRatings {
	d := DonorRatings{Answers: s.Count}
	if s.Count > 0 {
		avg := s.Average()
		d.Average = &avg
	}
	return d
}

// GainSummary is the knowledge gain of the pairs of the events held.
type GainSummary struct {
	Pairs    int      `json:"pairs"`
	PreMean  *float64 `json:"pre_mean"`
	PostMean *float64 `json:"post_mean"`
	MeanGain *float64 `json:"mean_gain"`
	// Normalized is ⟨g⟩ = (post − pre) / (100 − pre) on the paired means.
	Normalized *float64 `json:"normalized_gain"`
	// ImprovedShare is the share (0–100) of pairs whose score rose.
	ImprovedShare *float64 `json:"improved_share"`
	// Suppressed: too few pairs to show anything (SmallCounts).
	Suppressed bool `json:"suppressed,omitempty"`
}

// gainSummary computes GainSummary in one aggregate query.
func gainSummary(ctx context.Context, db *gorm.DB, f Filter, now time.Time) (GainSummary, error) {
	where, args := f.scope(now, true)
	var row struct {
		N        int
		PreSum   float64
		PostSum  float64
		Improved int
	}
	err := db.WithContext(ctx).Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(a.score_pct), 0) AS pre_sum, COALESCE(SUM(o.score_pct), 0) AS post_sum,
			COALESCE(SUM(CASE WHEN o.score_pct > a.score_pct THEN 1 ELSE 0 END), 0) AS improved
		FROM quiz_attempts a
		JOIN quiz_attempts o ON o.event_id = a.event_id AND o.person_key = a.person_key AND o.phase = 'post' AND o.submitted_at IS NOT NULL
		JOIN events e ON e.id = a.event_id
		WHERE a.phase = 'pre' AND a.submitted_at IS NOT NULL AND `+where, args...).Scan(&row).Error
	if err != nil || row.N == 0 {
		return GainSummary{}, err
	}
	n := float64(row.N)
	pre, post := row.PreSum/n, row.PostSum/n
	gain := post - pre
	imp := 100 * float64(row.Improved) / n
	g := GainSummary{Pairs: row.N, PreMean: &pre, PostMean: &post, MeanGain: &gain, ImprovedShare: &imp}
	if pre < 100 {
		norm := gain / (100 - pre)
		g.Normalized = &norm
	}
	return g, nil
}

// DonorReport gathers the donor report of a period, in a language.
func DonorReport(ctx context.Context, db *gorm.DB, f Filter, lang string, now time.Time) (*Donor, error) {
	d := &Donor{Filter: f, GeneratedAt: now.UTC(), PartnerWide: f.PartnerID != 0}
	var err error
	if d.Indicators, err = Compute(ctx, db, f, now); err != nil {
		return nil, err
	}
	if d.GainSummary, err = gainSummary(ctx, db, f, now); err != nil {
		return nil, err
	}
	rf, err := RatingFigures(ctx, db, f, lang, now)
	if err != nil {
		return nil, err
	}
	d.Ratings = donorRatings(rf.Total)
	from, to := f.Bounds()
	if d.Gain, err = quiz.Report(ctx, db, quiz.Filter{From: from, To: to, Scope: f.Scope}); err != nil {
		return nil, err
	}
	today := locale.In(now, f.Zone()).Format(DateLayout)
	if d.Coaching, err = coaching.ProgrammeFigures(ctx, db, coachingPeriod(f), today); err != nil {
		return nil, err
	}
	err = eventLines(ctx, db, f, lang, now, true, func(l EventLine) error {
		if len(d.Events) < DonorEventsMax {
			d.Events = append(d.Events, l)
		} else {
			d.MoreEvents++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// DonorTables are the sheets of the donor workbook, in the translator's
// language: summary (period, targets against actual), reach by each
// dimension, knowledge gain with the per-question table, coaching, and the
// events held.
func DonorTables(d *Donor, t *locale.Translator, period, partner string) []*Table {
	rowsOf := func(rows [][]any) func(context.Context, func([]any) error) error {
		return func(_ context.Context, emit func([]any) error) error {
			for _, r := range rows {
				if err := emit(r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	num := func(v *float64, digits int) any {
		if v == nil {
			return ""
		}
		if digits == 1 {
			return round1(*v)
		}
		r, _ := strconv.ParseFloat(strconv.FormatFloat(*v, 'f', digits, 64), 64)
		return r
	}
	r := d.Indicators
	// A hidden small count reads "fewer than 5".
	fewer := t.T("indicator.fewer_than", "N", d.Below)
	count := func(n any, hidden bool) any {
		if hidden {
			return fewer
		}
		return n
	}
	// A count hidden only so that a small one cannot be recomputed.
	hideOf := func(n any, h Hide) any {
		switch h {
		case Small:
			return fewer
		case Complement:
			return t.T("indicator.not_shown")
		}
		return n
	}
	cellOf := func(c Cell) any {
		if c.Suppressed && c.Below == 0 {
			return t.T("indicator.not_shown")
		}
		return count(c.Numerator, c.Suppressed)
	}

	// Summary.
	summary := [][]any{
		{t.T("donor.period"), period},
		{t.T("dashboard.filter.partner"), partner},
		{t.T("donor.generated"), local(d.GeneratedAt)},
		{},
		{t.T("donor.col.indicator"), t.T("donor.col.actual"), t.T("donor.col.target"), t.T("donor.col.progress")},
	}
	for _, ind := range r.Indicators {
		var target, progress any = "", ""
		if ind.Target != nil {
			target = ind.Target.Value
		}
		if ind.Progress != nil {
			progress = round1(*ind.Progress)
		}
		value := num(ind.Value, 1)
		if def := defOf(ind.Code); def.HasDenominator && def.Unit == UnitCount {
			value = ind.Numerator
		}
		if ind.Suppressed {
			value, progress = fewer, ""
		}
		summary = append(summary, []any{t.T("indicator.name." + ind.Code), value, target, progress})
	}

	// Reach by dimension: people reached and authority participants.
	reach := [][]any{}
	pr, ap := r.Get(CodePeopleReached), r.Get(CodeAuthorityParticipants)
	for _, dim := range []string{DimSex, DimAgeBand, DimRole, DimCity, DimCountry, DimKind} {
		dis := pr.Dis(dim)
		if dis == nil {
			continue
		}
		for _, c := range dis.Cells {
			var auth any = ""
			if a := ap.Dis(dim); a != nil {
				for _, ac := range a.Cells {
					if ac.Key == c.Key {
						auth = cellOf(ac)
					}
				}
			}
			reach = append(reach, []any{t.T("indicator.dim." + dim), r.Label(t, dim, c.Key), cellOf(c), auth})
		}
		reach = append(reach, []any{t.T("indicator.dim." + dim), t.T("indicator.total"), count(pr.Numerator, pr.Suppressed), count(ap.Numerator, ap.Suppressed)})
	}

	// Knowledge gain.
	g, gs := d.Gain, d.GainSummary
	gain := [][]any{
		{t.T("donor.gain.pairs"), count(gs.Pairs, gs.Suppressed)},
		{t.T("donor.gain.pre_mean"), num(gs.PreMean, 1)},
		{t.T("donor.gain.post_mean"), num(gs.PostMean, 1)},
		{t.T("donor.gain.mean_gain"), num(gs.MeanGain, 1)},
		{t.T("donor.gain.normalized"), num(gs.Normalized, 2)},
		{t.T("donor.gain.improved"), num(gs.ImprovedShare, 1)},
		{},
		{t.T("donor.rating.answers"), count(d.Ratings.Answers, d.Ratings.Suppressed)},
		{t.T("donor.rating.average"), num(d.Ratings.Average, 1)},
		{},
		{t.T("donor.gain.questions_note")},
		{t.T("donor.col.question"), t.T("donor.col.pre_correct"), t.T("donor.col.post_correct"), t.T("donor.col.answers_pre"), t.T("donor.col.answers_post")},
	}
	for _, q := range g.Questions {
		text, _ := q.TextIn(t.Lang)
		gain = append(gain, []any{text, num(q.Pre.Facility, 1), num(q.Post.Facility, 1), q.Pre.Answers, q.Post.Answers})
	}

	// Coaching.
	cf := d.Coaching
	var avg any = ""
	if cf.HasChange {
		avg = round1(cf.AverageChange)
	}
	coach := [][]any{
		{t.T("donor.coaching.sessions"), cf.Sessions},
		{t.T("donor.coaching.coachees"), cf.Coachees},
		{t.T("donor.coaching.average_change"), avg},
		{t.T("donor.coaching.action_points_due"), cf.ActionPointsDue},
		{t.T("donor.coaching.on_time"), cf.OnTime},
		{},
		{t.T("export.col.month"), t.T("export.col.coaching_sessions"), t.T("export.col.coachees")},
	}
	for _, m := range cf.PerMonth {
		coach = append(coach, []any{m.Month, m.Sessions, m.Coachees})
	}

	// Events held.
	evs := [][]any{}
	for _, l := range d.Events {
		evs = append(evs, []any{l.Code, local(l.StartsAt), t.T("kind." + l.Kind), l.CityName.String(t.Lang), l.DisplayTitle(),
			hideOf(l.Present(), l.PresentHidden), hideOf(l.Pairs, l.PairsHidden), num(l.MeanGain(), 1),
			hideOf(l.RatingN, l.RatingHidden), num(l.MeanRating(), 1)})
	}

	return []*Table{
		{Name: t.T("donor.sheet.summary"), Header: []string{t.T("donor.title"), ""}, Rows: rowsOf(summary)},
		{Name: t.T("donor.sheet.reach"), Header: []string{t.T("donor.col.dimension"), t.T("donor.col.cell"), t.T("indicator.name.people_reached"), t.T("indicator.name.authority_participants")}, Rows: rowsOf(reach)},
		{Name: t.T("donor.sheet.gain"), Header: []string{t.T("indicator.name.knowledge_gain"), ""}, Rows: rowsOf(gain)},
		{Name: t.T("donor.sheet.coaching"), Header: []string{t.T("donor.coaching.title"), ""}, Rows: rowsOf(coach)},
		{Name: t.T("donor.sheet.events"), Header: cols(t, "event_code", "date", "kind", "city", "title", "present", "pairs", "mean_gain", "ratings", "mean_rating"), Rows: rowsOf(evs)},
	}
}

func defOf(code string) Definition {
	for _, d := range Definitions {
		if d.Code == code {
			return d
		}
	}
	return Definition{Code: code}
}
