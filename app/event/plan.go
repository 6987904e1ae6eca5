package event

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/scope"
)

// Target is a programme indicator's goal (table targets, managed by admins).
// The JSON names are what the audit log records of a change.
type Target struct {
	ID          uint         `json:"-"`
	Code        string       `json:"code"`
	Name        content.Text `json:"name"`
	Value       float64      `json:"value"`
	Unit        string       `json:"unit"`
	PeriodStart time.Time    `json:"period_start"`
	PeriodEnd   time.Time    `json:"period_end"`
	UpdatedAt   time.Time    `json:"-"`
}

// TableName keeps GORM on the migrated table.
func (Target) TableName() string { return "targets" }

// Target codes the plan compares against.
const (
	TargetFilmDebateEvents      = "film_debate_events"
	TargetAuthorityParticipants = "authority_participants"
)

// PlanRow is one session kind in the programme plan.
type PlanRow struct {
	Kind Kind
	// Planned: sessions in the period that are not cancelled (drafts included).
	Planned int
	// Held: published sessions of the period that have ended.
	Held int
	// Registered: confirmed seats (a group counts its size) of held sessions.
	Registered int
	// Attended: people checked in plus aggregate headcounts of held
	// sessions; -1 when the attendance records do not exist in this database.
	Attended int
}

// Reached is the number of participants reached: attendance when it is
// recorded, else the confirmed registrations.
func (r PlanRow) Reached() int {
	if r.Attended >= 0 {
		return r.Attended
	}
	return r.Registered
}

// Plan is the programme plan over a period.
type Plan struct {
	From, To time.Time
	Rows     []PlanRow
	// Targets by code (only those present).
	Targets map[string]Target
	// AttendanceKnown tells whether attendance records exist.
	AttendanceKnown bool
}

// Row returns the row of a kind.
func (p *Plan) Row(k Kind) PlanRow {
	for _, r := range p.Rows {
		if r.Kind == k {
			return r
		}
	}
	return PlanRow{Kind: k, Attended: -1}
}

// ProgrammePlan counts, per session kind, the sessions planned and held and
// the participants reached over the programme period (the period of the
// film-and-debate target, or of any target, or everything). Explicit SQL,
// the same on PostgreSQL and SQLite.
func ProgrammePlan(ctx context.Context, db *gorm.DB, now time.Time, sc scope.Scope) (*Plan, error) {
	db = db.WithContext(ctx)
	var targets []Target
	if err := db.Order("id").Find(&targets).Error; err != nil {
		return nil, err
	}
	p := &Plan{Targets: map[string]Target{}}
	for _, t := range targets {
		p.Targets[t.Code] = t
	}
	p.From, p.To = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if t, ok := p.Targets[TargetFilmDebateEvents]; ok && !t.PeriodStart.IsZero() && t.PeriodEnd.After(t.PeriodStart) {
		p.From, p.To = t.PeriodStart, t.PeriodEnd
	} else {
		for _, t := range targets {
			if !t.PeriodStart.IsZero() && t.PeriodEnd.After(t.PeriodStart) {
				p.From, p.To = t.PeriodStart, t.PeriodEnd
				break
			}
		}
	}
	rows := map[Kind]*PlanRow{}
	for _, k := range Kinds {
		rows[k] = &PlanRow{Kind: k, Attended: -1}
	}
	var counts []struct {
		Kind    Kind
		Planned int
		Held    int
	}
	// A scoped organiser's plan counts their part of the programme's
	// sessions (issue 20).
	inScope, scopeArgs := sc.SQL("e")
	err := db.Raw(`SELECT e.kind AS kind, COUNT(*) AS planned,
		SUM(CASE WHEN e.status = ? AND e.ends_at <= ? THEN 1 ELSE 0 END) AS held
		FROM events e WHERE e.status <> ? AND e.starts_at >= ? AND e.starts_at < ? AND `+inScope+`
		GROUP BY e.kind`, append([]any{StatusPublished, now, StatusCancelled, p.From, p.To}, scopeArgs...)...).Scan(&counts).Error
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		if r, ok := rows[c.Kind]; ok {
			r.Planned, r.Held = c.Planned, c.Held
		}
	}
	held := `e.status = ? AND e.ends_at <= ? AND e.starts_at >= ? AND e.starts_at < ? AND ` + inScope
	heldArgs := append([]any{StatusPublished, now, p.From, p.To}, scopeArgs...)
	type kindSum struct {
		Kind Kind
		N    int
	}
	var reg []kindSum
	err = db.Raw(`SELECT e.kind AS kind, COALESCE(SUM(r.group_size), 0) AS n
		FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE r.status = 'confirmed' AND `+held+` GROUP BY e.kind`, heldArgs...).Scan(&reg).Error
	if err != nil {
		return nil, err
	}
	for _, s := range reg {
		if r, ok := rows[s.Kind]; ok {
			r.Registered = s.N
		}
	}
	// Attendance belongs to another part of the programme (check-in); count
	// it when its tables exist.
	m := db.Migrator()
	if m.HasTable("attendances") {
		p.AttendanceKnown = true
		for _, r := range rows {
			r.Attended = 0
		}
		var att []kindSum
		err = db.Raw(`SELECT e.kind AS kind, COALESCE(SUM(r.group_size), 0) AS n
			FROM attendances a JOIN registrations r ON r.id = a.registration_id JOIN events e ON e.id = r.event_id
			WHERE `+held+` GROUP BY e.kind`, heldArgs...).Scan(&att).Error
		if err != nil {
			return nil, err
		}
		if m.HasTable("headcounts") {
			var hc []kindSum
			err = db.Raw(`SELECT e.kind AS kind, COALESCE(SUM(h.count), 0) AS n
				FROM headcounts h JOIN events e ON e.id = h.event_id
				WHERE `+held+` GROUP BY e.kind`, heldArgs...).Scan(&hc).Error
			if err != nil {
				return nil, err
			}
			att = append(att, hc...)
		}
		for _, s := range att {
			if r, ok := rows[s.Kind]; ok {
				r.Attended += s.N
			}
		}
	}
	for _, k := range Kinds {
		p.Rows = append(p.Rows, *rows[k])
	}
	return p, nil
}
