package report

import (
	"context"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Indicator codes. They match targets.code where the programme has a target.
const (
	CodeEventsHeld            = "events_held"
	CodeFilmDebateEvents      = "film_debate_events"
	CodeAuthorityParticipants = "authority_participants"
	CodePeopleReached         = "people_reached"
	CodeQuizSessions          = "quiz_sessions"
	CodeKnowledgeGain         = "knowledge_gain"
	CodeCoachingSessions      = "coaching_sessions"
)

// Disaggregation dimensions.
const (
	DimSex     = "sex"
	DimAgeBand = "age_band"
	DimRole    = "role"
	DimCity    = "city"
	// DimCountry is derived from the city: the per-country breakdown of the
	// programme's figures (issue 20).
	DimCountry = "country"
	DimKind    = "kind"
	// DimSexAge crosses sex and age band (keys SexAgeKey(sex, band)), as
	// DHIS2's category option combos do; groups recorded before the grid
	// (m0080) land in NotRecorded, never split.
	DimSexAge = "sex_age"
)

// NotRecorded is the sex × age cell of the people whose crossing is unknown:
// groups recorded as two separate totals before the grid.
const NotRecorded = "not_recorded"

// SexAgeKey names a cell of the sex × age dimension; an unknown sex or age
// band is NotStated.
func SexAgeKey(sex, band string) string {
	if !slices.Contains(registration.Sexes, sex) {
		sex = NotStated
	}
	if !slices.Contains(registration.AgeBands, band) {
		band = NotStated
	}
	return sex + ":" + band
}

// SexAgeKeys are the cells of the sex × age dimension in display order (by
// age band, then sex), NotRecorded last.
func SexAgeKeys() []string {
	var out []string
	for _, band := range append(append([]string{}, registration.AgeBands...), NotStated) {
		for _, sex := range registration.Sexes {
			out = append(out, sex+":"+band)
		}
	}
	return append(out, NotRecorded)
}

// NotStated is the cell that catches missing or unknown values, so that the
// cells of a dimension always add up to the total.
const NotStated = "not_stated"

// Units of an indicator's value.
const (
	UnitCount  = "count"  // people or sessions
	UnitPoints = "points" // percentage points (knowledge gain)
)

// Definition is an indicator as the programme defines it, once.
type Definition struct {
	Code string
	Unit string
	// HasDenominator: the value is Numerator / Denominator (a share or a
	// mean); otherwise the value is the count itself.
	HasDenominator bool
	Dimensions     []string
}

// Definitions lists the indicators in display order.
//
//   - events_held: events published, not cancelled and over, in the period.
//   - film_debate_events: the same, community film-and-debate events only.
//   - authority_participants: people present at authority workshops held.
//   - people_reached: people present at every event held — registered
//     people checked in (a group counts its size, split by its breakdown),
//     walk-ins, and aggregate headcounts.
//   - quiz_sessions: events held with at least one submitted pre-session and
//     one submitted post-session quiz; denominator: events held.
//   - knowledge_gain: mean of (post − pre) score, in percentage points, over
//     people with both quizzes of an event held; numerator: the sum of the
//     gains, denominator: the number of pairs.
//   - coaching_sessions: coaching sessions held in the period (all partners).
var Definitions = []Definition{
	{Code: CodeEventsHeld, Unit: UnitCount, Dimensions: []string{DimKind, DimCity, DimCountry}},
	{Code: CodeFilmDebateEvents, Unit: UnitCount, Dimensions: []string{DimCity, DimCountry}},
	{Code: CodeAuthorityParticipants, Unit: UnitCount, Dimensions: []string{DimSex, DimAgeBand, DimRole, DimCity, DimCountry, DimSexAge}},
	{Code: CodePeopleReached, Unit: UnitCount, Dimensions: []string{DimSex, DimAgeBand, DimRole, DimCity, DimCountry, DimKind, DimSexAge}},
	{Code: CodeQuizSessions, Unit: UnitCount, HasDenominator: true, Dimensions: []string{DimKind, DimCity, DimCountry}},
	{Code: CodeKnowledgeGain, Unit: UnitPoints, HasDenominator: true, Dimensions: []string{DimSex, DimAgeBand, DimRole, DimCity, DimCountry, DimKind}},
	{Code: CodeCoachingSessions, Unit: UnitCount},
}

// Cell is one disaggregated figure.
type Cell struct {
	Key         string   `json:"key"`
	Numerator   float64  `json:"numerator"`
	Denominator *float64 `json:"denominator,omitempty"`
	// Value is the count, or Numerator/Denominator (nil when it is 0).
	Value *float64 `json:"value"`
	// Suppressed: a small count of people (or one that would give it
	// away) is hidden; Numerator, Denominator and Value are then empty and
	// the count is below Below.
	Suppressed bool `json:"suppressed,omitempty"`
	Below      int  `json:"below,omitempty"`
}

// Disaggregation is an indicator split along one dimension; its cells add
// up to the indicator's numerator (and denominator).
type Disaggregation struct {
	Dimension string `json:"dimension"`
	Cells     []Cell `json:"cells"`
}

// Target is the programme's goal for an indicator.
type Target struct {
	Value float64      `json:"value"`
	Unit  string       `json:"unit"`
	Name  content.Text `json:"name"`
}

// Indicator is a computed indicator.
type Indicator struct {
	Code        string   `json:"code"`
	Unit        string   `json:"unit"`
	Numerator   float64  `json:"numerator"`
	Denominator *float64 `json:"denominator,omitempty"`
	Value       *float64 `json:"value"`
	Target      *Target  `json:"target,omitempty"`
	// Progress is Value over the target, in percent (may exceed 100).
	Progress        *float64         `json:"progress,omitempty"`
	Disaggregations []Disaggregation `json:"disaggregations"`
	// Suppressed: the total itself is a small count of people (Below).
	Suppressed bool `json:"suppressed,omitempty"`
	Below      int  `json:"below,omitempty"`
}

// Dis returns the disaggregation along a dimension (nil when none).
func (ind *Indicator) Dis(dim string) *Disaggregation {
	for i := range ind.Disaggregations {
		if ind.Disaggregations[i].Dimension == dim {
			return &ind.Disaggregations[i]
		}
	}
	return nil
}

// City names a city cell.
type City struct {
	Code    string       `json:"code"`
	Name    content.Text `json:"name"`
	Country string       `json:"country,omitempty"`
}

// Country names a country of the per-country breakdown.
type Country struct {
	Code string       `json:"code"`
	Name content.Text `json:"name"`
}

// Indicators is the result of Compute.
type Indicators struct {
	Filter      Filter      `json:"filter"`
	GeneratedAt time.Time   `json:"generated_at"`
	Indicators  []Indicator `json:"indicators"`
	Cities      []City      `json:"cities"`
	Countries   []Country   `json:"countries,omitempty"`
}

// Get returns an indicator by code (nil when absent).
func (r *Indicators) Get(code string) *Indicator {
	for i := range r.Indicators {
		if r.Indicators[i].Code == code {
			return &r.Indicators[i]
		}
	}
	return nil
}

// Keys are the cells of a dimension, in display order, NotStated last.
func (r *Indicators) Keys(dim string) []string {
	switch dim {
	case DimSex:
		return registration.Sexes // already ends with not_stated
	case DimAgeBand:
		return append(append([]string{}, registration.AgeBands...), NotStated)
	case DimRole:
		return append(append([]string{}, registration.Roles...), NotStated)
	case DimKind:
		out := make([]string, len(event.Kinds))
		for i, k := range event.Kinds {
			out[i] = string(k)
		}
		return out
	case DimSexAge:
		return SexAgeKeys()
	case DimCity:
		out := make([]string, len(r.Cities))
		for i, c := range r.Cities {
			out[i] = c.Code
		}
		return out
	case DimCountry:
		out := make([]string, len(r.Countries))
		for i, c := range r.Countries {
			out[i] = c.Code
		}
		return out
	}
	return nil
}

// CountryName names a country in a language.
func (r *Indicators) CountryName(code, lang string) string {
	for _, c := range r.Countries {
		if c.Code == code {
			return c.Name.String(lang)
		}
	}
	return code
}

// CityName names a city in a language.
func (r *Indicators) CityName(code, lang string) string {
	for _, c := range r.Cities {
		if c.Code == code {
			return c.Name.String(lang)
		}
	}
	return code
}

// tally accumulates an indicator's numerator and denominator, in total and
// per cell. A value outside a dimension's keys lands in NotStated.
type tally struct {
	num, den float64
	cells    map[string]map[string]*[2]float64
	keys     map[string]map[string]bool
	// countryOf is each city's country: a city's cell also counts in its
	// country's, so the two breakdowns always agree.
	countryOf map[string]string
}

func newTally(r *Indicators, dims []string) *tally {
	t := &tally{cells: map[string]map[string]*[2]float64{}, keys: map[string]map[string]bool{}, countryOf: map[string]string{}}
	for _, c := range r.Cities {
		t.countryOf[c.Code] = c.Country
	}
	for _, d := range dims {
		t.cells[d] = map[string]*[2]float64{}
		t.keys[d] = map[string]bool{}
		for _, k := range r.Keys(d) {
			t.keys[d][k] = true
			t.cells[d][k] = &[2]float64{}
		}
	}
	return t
}

// cell adds to one dimension's cell only (groups split per dimension).
func (t *tally) cell(dim, key string, num, den float64) {
	cs, ok := t.cells[dim]
	if !ok {
		return
	}
	if !t.keys[dim][key] {
		key = NotStated
		if cs[key] == nil {
			cs[key] = &[2]float64{}
		}
	}
	cs[key][0] += num
	cs[key][1] += den
	if dim == DimCity {
		t.cell(DimCountry, t.countryOf[key], num, den)
	}
}

// add adds a row whose every dimension is known at once.
func (t *tally) add(vals map[string]string, num, den float64) {
	t.num += num
	t.den += den
	for dim := range t.cells {
		if dim != DimCountry { // derived from the city's cell
			t.cell(dim, vals[dim], num, den)
		}
	}
}

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}

func (t *tally) indicator(r *Indicators, d Definition) Indicator {
	ind := Indicator{Code: d.Code, Unit: d.Unit, Numerator: t.num, Disaggregations: []Disaggregation{}}
	if d.HasDenominator {
		den := t.den
		ind.Denominator = &den
		ind.Value = ratio(t.num, t.den)
	} else {
		v := t.num
		ind.Value = &v
	}
	for _, dim := range d.Dimensions {
		dis := Disaggregation{Dimension: dim}
		keys := r.Keys(dim)
		if _, extra := t.cells[dim][NotStated]; extra && !t.keys[dim][NotStated] {
			keys = append(keys, NotStated)
		}
		for _, k := range keys {
			c := t.cells[dim][k]
			cell := Cell{Key: k, Numerator: c[0]}
			if d.HasDenominator {
				den := c[1]
				cell.Denominator = &den
				cell.Value = ratio(c[0], c[1])
			} else {
				v := c[0]
				cell.Value = &v
			}
			dis.Cells = append(dis.Cells, cell)
		}
		ind.Disaggregations = append(ind.Disaggregations, dis)
	}
	return ind
}

// places reads the cities and the countries the figures are broken down
// by: the countries that have cities, in the order of their codes.
func places(db *gorm.DB, r *Indicators) error {
	if err := db.Raw("SELECT code, name, country FROM cities ORDER BY code").Scan(&r.Cities).Error; err != nil {
		return err
	}
	return db.Raw("SELECT code, name FROM countries WHERE code IN (SELECT country FROM cities) ORDER BY code").Scan(&r.Countries).Error
}

// Compute computes every indicator for a filter, in a fixed number of
// aggregate queries whatever the amount of data.
func Compute(ctx context.Context, db *gorm.DB, f Filter, now time.Time) (*Indicators, error) {
	db = db.WithContext(ctx)
	r := &Indicators{Filter: f, GeneratedAt: now.UTC()}
	if err := places(db, r); err != nil {
		return nil, err
	}
	tallies := map[string]*tally{}
	for _, d := range Definitions {
		tallies[d.Code] = newTally(r, d.Dimensions)
	}
	where, args := f.scope(now, true)
	const joins = reportJoins

	// Events held, and those with both quizzes.
	evs, err := eventsHeld(db, where, args)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		vals := map[string]string{DimKind: e.Kind, DimCity: e.City}
		tallies[CodeEventsHeld].add(vals, e.N, 0)
		if e.Kind == string(event.KindFilmDebate) {
			tallies[CodeFilmDebateEvents].add(vals, e.N, 0)
		}
		tallies[CodeQuizSessions].add(vals, e.Quizzed, e.N)
	}

	// People present: registered people checked in (groups by their
	// breakdown), walk-ins and headcounts.
	err = presences(db, where, args, false, func(p presence) {
		tallies[CodePeopleReached].addPresence(p)
		if p.Kind == string(event.KindAuthorityWorkshop) {
			tallies[CodeAuthorityParticipants].addPresence(p)
		}
	})
	if err != nil {
		return nil, err
	}

	// Knowledge gain: pairs of submitted pre and post attempts of the same
	// person at the same event. Anonymous attempts carry their own sex and
	// age band; registered ones take the registration's.
	var gains []struct {
		Kind, City, Sex, AgeBand, Role string
		N                              float64
		GainSum                        float64
	}
	if err := db.Raw(`SELECT e.kind AS kind, c.code AS city,
			CASE WHEN a.registration_id IS NULL THEN a.sex ELSE r.sex END AS sex,
			CASE WHEN a.registration_id IS NULL THEN a.age_band ELSE r.age_band END AS age_band,
			r.role AS role, COUNT(*) AS n, SUM(o.score_pct - a.score_pct) AS gain_sum
		FROM quiz_attempts a
		JOIN quiz_attempts o ON o.event_id = a.event_id AND o.person_key = a.person_key AND o.phase = 'post' AND o.submitted_at IS NOT NULL
		LEFT JOIN registrations r ON r.id = a.registration_id
		JOIN events e ON e.id = a.event_id`+joins+`
		WHERE a.phase = 'pre' AND a.submitted_at IS NOT NULL AND `+where+`
		GROUP BY e.kind, c.code, CASE WHEN a.registration_id IS NULL THEN a.sex ELSE r.sex END,
			CASE WHEN a.registration_id IS NULL THEN a.age_band ELSE r.age_band END, r.role`, args...).Scan(&gains).Error; err != nil {
		return nil, err
	}
	for _, g := range gains {
		tallies[CodeKnowledgeGain].add(map[string]string{DimKind: g.Kind, DimCity: g.City, DimSex: g.Sex, DimAgeBand: g.AgeBand, DimRole: g.Role}, g.GainSum, g.N)
	}

	// Coaching sessions held in the period.
	n, err := coachingSessions(ctx, db, f)
	if err != nil {
		return nil, err
	}
	tallies[CodeCoachingSessions].num = n

	targets, err := loadTargets(db)
	if err != nil {
		return nil, err
	}
	for _, d := range Definitions {
		ind := tallies[d.Code].indicator(r, d)
		if t, ok := targets[d.Code]; ok {
			ind.Target = &t
			if t.Value > 0 && ind.Value != nil {
				p := 100 * *ind.Value / t.Value
				ind.Progress = &p
			}
		}
		r.Indicators = append(r.Indicators, ind)
	}
	return r, nil
}

// presence is a set of people present at events: N people of one sex, age
// band and role, or one group whose sex and age band come from its breakdown.
type presence struct {
	EventID                        uint
	Kind, City, Sex, AgeBand, Role string
	N                              float64
	Group                          bool
	Breakdown                      string
}

const reportJoins = " JOIN venues v ON v.id = e.venue_id JOIN cities c ON c.id = v.city_id"

// presences reads the people present at the events of the WHERE clause (on
// "e") in three aggregate queries: registered people and walk-ins checked
// in, groups checked in (one row each: few), headcounts. byEvent keeps the
// events apart.
func presences(db *gorm.DB, where string, args []any, byEvent bool, fn func(presence)) error {
	ev := "0 AS event_id, "
	gev := ""
	if byEvent {
		ev, gev = "e.id AS event_id, ", "e.id, "
	}
	var people []presence
	if err := db.Raw(`SELECT `+ev+`e.kind AS kind, c.code AS city, r.sex AS sex, r.age_band AS age_band, r.role AS role,
			SUM(r.group_size) AS n
		FROM attendances a JOIN registrations r ON r.id = a.registration_id JOIN events e ON e.id = r.event_id`+reportJoins+`
		WHERE r.kind <> 'group' AND `+where+`
		GROUP BY `+gev+`e.kind, c.code, r.sex, r.age_band, r.role`, args...).Scan(&people).Error; err != nil {
		return err
	}
	for _, p := range people {
		fn(p)
	}
	var groups []presence
	if err := db.Raw(`SELECT e.id AS event_id, e.kind AS kind, c.code AS city, r.role AS role, r.group_size AS n, r.group_breakdown AS breakdown
		FROM attendances a JOIN registrations r ON r.id = a.registration_id JOIN events e ON e.id = r.event_id`+reportJoins+`
		WHERE r.kind = 'group' AND `+where, args...).Scan(&groups).Error; err != nil {
		return err
	}
	for _, g := range groups {
		g.Group = true
		fn(g)
	}
	var heads []presence
	if err := db.Raw(`SELECT `+ev+`e.kind AS kind, c.code AS city, h.sex AS sex, h.age_band AS age_band, SUM(h.count) AS n
		FROM headcounts h JOIN events e ON e.id = h.event_id`+reportJoins+`
		WHERE `+where+` GROUP BY `+gev+`e.kind, c.code, h.sex, h.age_band`, args...).Scan(&heads).Error; err != nil {
		return err
	}
	for _, h := range heads {
		fn(h)
	}
	return nil
}

// addPresence counts people present, a group cell by cell (groupCells).
func (t *tally) addPresence(p presence) {
	if !p.Group {
		t.add(map[string]string{DimKind: p.Kind, DimCity: p.City, DimSex: p.Sex, DimAgeBand: p.AgeBand, DimRole: p.Role,
			DimSexAge: SexAgeKey(p.Sex, p.AgeBand)}, p.N, 0)
		return
	}
	t.num += p.N
	t.cell(DimKind, p.Kind, p.N, 0)
	t.cell(DimCity, p.City, p.N, 0)
	t.cell(DimRole, p.Role, p.N, 0)
	for _, c := range groupCells(p) {
		t.cell(c.dim, c.key, c.n, 0)
	}
}

// groupCell is part of a group along one dimension.
type groupCell struct {
	dim, key string
	n        float64
}

// groupCells splits a group present along sex, age band and sex × age. A
// group with the grid (since m0080) gives its cells and their margins; a
// group recorded before gives its two separate totals (what they leave out
// is not stated) and, its crossing unknown, NotRecorded in sex × age.
func groupCells(p presence) []groupCell {
	bd := registration.ParseBreakdown(p.Breakdown) // a broken breakdown counts as not stated
	size := int(p.N)
	var out []groupCell
	if bd.Crossed() {
		sexes, bands := map[string]int{}, map[string]int{}
		left := size
		for _, sex := range registration.Sexes {
			for _, band := range registration.AgeBands {
				v := min(bd.Grid[sex][band], left)
				if v <= 0 {
					continue
				}
				out = append(out, groupCell{DimSexAge, SexAgeKey(sex, band), float64(v)})
				sexes[sex] += v
				bands[band] += v
				left -= v
			}
		}
		if left > 0 {
			out = append(out, groupCell{DimSexAge, SexAgeKey(NotStated, NotStated), float64(left)})
		}
		return append(append(out, margin(DimSex, sexes, size)...), margin(DimAgeBand, bands, size)...)
	}
	out = append(out, margin(DimSex, bd.Sex, size)...)
	out = append(out, margin(DimAgeBand, bd.AgeBand, size)...)
	return append(out, groupCell{DimSexAge, NotRecorded, p.N})
}

// margin is a group's total along one dimension; the part the breakdown
// leaves out is NotStated.
func margin(dim string, m map[string]int, size int) []groupCell {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []groupCell
	left := size
	for _, k := range keys {
		v := min(m[k], left)
		if v <= 0 {
			continue
		}
		out = append(out, groupCell{dim, k, float64(v)})
		left -= v
	}
	if left > 0 {
		out = append(out, groupCell{dim, NotStated, float64(left)})
	}
	return out
}

func loadTargets(db *gorm.DB) (map[string]Target, error) {
	var rows []struct {
		Code  string
		Value float64
		Unit  string
		Name  content.Text
	}
	if err := db.Raw("SELECT code, value, unit, name FROM targets").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]Target, len(rows))
	for _, t := range rows {
		out[t.Code] = Target{Value: t.Value, Unit: t.Unit, Name: t.Name}
	}
	return out, nil
}

// heldCount is the events held of one kind in one city, and how many of
// them had both quizzes.
type heldCount struct {
	Kind    string
	City    string
	N       float64
	Quizzed float64
}

// eventsHeld counts the events held in scope by kind and city. The quiz
// phases of each event come from one grouped scan of the attempts: a
// correlated EXISTS per event let SQLite pick the (phase, submitted_at)
// index and read every attempt for every event.
func eventsHeld(db *gorm.DB, where string, args []any) ([]heldCount, error) {
	var evs []heldCount
	err := db.Raw(`SELECT e.kind AS kind, c.code AS city, COUNT(*) AS n,
			SUM(CASE WHEN q.has_pre = 1 AND q.has_post = 1 THEN 1 ELSE 0 END) AS quizzed
		FROM events e`+reportJoins+`
		LEFT JOIN (SELECT event_id, MAX(CASE WHEN phase = 'pre' THEN 1 ELSE 0 END) AS has_pre,
				MAX(CASE WHEN phase = 'post' THEN 1 ELSE 0 END) AS has_post
			FROM quiz_attempts WHERE submitted_at IS NOT NULL GROUP BY event_id) q ON q.event_id = e.id
		WHERE `+where+` GROUP BY e.kind, c.code`, args...).Scan(&evs).Error
	return evs, err
}
