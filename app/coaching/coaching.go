// Package coaching follows the coaching of trainers and social workers: the
// competency framework (a 1–4 rubric per competency), coaching sessions with
// their ratings and action points, each coachee's progress over time, and
// the programme's coaching figures. It never imports Fiber.
package coaching

import (
	"time"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/user"
)

// Levels of the rubric, lowest first.
const (
	MinLevel = 1
	MaxLevel = 4
)

// Modes of a coaching session.
const (
	ModeOnSite      = "on_site"
	ModeRemote      = "remote"
	ModeObservation = "observation" // observing a session the coachee runs: linked to that event
)

// Modes lists the modes in display order.
var Modes = []string{ModeOnSite, ModeRemote, ModeObservation}

// DefaultOverdueWeeks is how long a coachee may go without a coaching session
// before their coach's page shows them as overdue (COACHING_OVERDUE_WEEKS).
const DefaultOverdueWeeks = 6

// DateLayout is how calendar dates without a time of day are stored.
const DateLayout = "2006-01-02"

// Competency is one line of the framework, with its rubric.
type Competency struct {
	ID          uint
	Code        string
	Position    int
	Name        content.Text
	Description content.Text
	Level1      content.Text
	Level2      content.Text
	Level3      content.Text
	Level4      content.Text
	Active      bool
	UpdatedAt   time.Time
}

// TableName keeps GORM on the migrated table.
func (Competency) TableName() string { return "competencies" }

// Level returns the description of a rubric level (1–4).
func (c *Competency) Level(n int) content.Text {
	switch n {
	case 1:
		return c.Level1
	case 2:
		return c.Level2
	case 3:
		return c.Level3
	case 4:
		return c.Level4
	}
	return content.Text{}
}

// Session is one coaching session.
type Session struct {
	ID           uint
	CoachID      uint
	Coach        *user.User `gorm:"foreignKey:CoachID"`
	CoacheeID    uint
	Coachee      *user.User `gorm:"foreignKey:CoacheeID"`
	HeldOn       string     // YYYY-MM-DD
	Mode         string
	EventID      *uint
	Topics       string
	Strengths    string
	Difficulties string
	NextOn       string // YYYY-MM-DD or ""
	CreatedByID  uint
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Ratings      []Rating      `gorm:"foreignKey:SessionID"`
	ActionPoints []ActionPoint `gorm:"foreignKey:SessionID"`
}

// TableName keeps GORM on the migrated table.
func (Session) TableName() string { return "coaching_sessions" }

// RatingOf returns the session's level for a competency (0 when not rated).
func (s *Session) RatingOf(competencyID uint) int {
	for _, r := range s.Ratings {
		if r.CompetencyID == competencyID {
			return r.Level
		}
	}
	return 0
}

// Rating is a level on the rubric for one competency at one session.
type Rating struct {
	ID           uint
	SessionID    uint
	CompetencyID uint
	Level        int
}

// TableName keeps GORM on the migrated table.
func (Rating) TableName() string { return "coaching_ratings" }

// ActionPoint is something the coachee agreed to do by a date.
type ActionPoint struct {
	ID        uint
	SessionID uint
	CoacheeID uint
	Text      string
	DueOn     string // YYYY-MM-DD
	DoneOn    string // YYYY-MM-DD or ""
	DoneByID  *uint
	CreatedAt time.Time
}

// TableName keeps GORM on the migrated table.
func (ActionPoint) TableName() string { return "action_points" }

// Done tells whether the action point is marked done.
func (a *ActionPoint) Done() bool { return a.DoneOn != "" }

// Overdue tells whether it is open past its due date on day today.
func (a *ActionPoint) Overdue(today string) bool { return !a.Done() && a.DueOn < today }

// OnTime tells whether it was done by its due date.
func (a *ActionPoint) OnTime() bool { return a.Done() && a.DoneOn <= a.DueOn }

// Today is the calendar day of now in the programme's time zone.
func Today(now time.Time, loc *time.Location) string { return now.In(loc).Format(DateLayout) }

// ParseDate checks a YYYY-MM-DD date.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.Parse(DateLayout, s)
	return t, err == nil
}

// AddDays shifts a YYYY-MM-DD date.
func AddDays(day string, n int) string {
	t, ok := ParseDate(day)
	if !ok {
		return day
	}
	return t.AddDate(0, 0, n).Format(DateLayout)
}

// Access says what a staff member may do with a coachee's records.
type Access struct {
	Read, Change bool
}

// AccessFor decides, for viewer and the coachee's account: the coachee reads
// their own records; their coach, organisers and admins read and change
// them; nobody else (another trainer, another coach) sees them.
func AccessFor(viewer, coachee *user.User) Access {
	if viewer == nil || coachee == nil {
		return Access{}
	}
	// Organisers reach the coachees of their part of the programme: a
	// scoped organiser those of their country (issue 20).
	if viewer.Has(user.RoleOrganiser, user.RoleAdmin) && (viewer.ScopeCountry == "" || viewer.ScopeCountry == coachee.ScopeCountry) {
		return Access{Read: true, Change: true}
	}
	if coachee.CoachID != nil && *coachee.CoachID == viewer.ID {
		return Access{Read: true, Change: true}
	}
	if viewer.ID == coachee.ID {
		return Access{Read: true}
	}
	return Access{}
}
