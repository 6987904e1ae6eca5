package coaching

import (
	"strconv"
	"strings"
)

// SessionForm is the coaching session form as typed (numbers and dates
// stay text, so that a form sent back with errors loses nothing).
type SessionForm struct {
	HeldOn       string          `form:"held_on" validate:"required,datetime=2006-01-02" label:"coaching.held_on"`
	Mode         string          `form:"mode" validate:"required,oneof=on_site remote observation" label:"coaching.mode"`
	EventID      string          `form:"event_id" label:"coaching.event"`
	Topics       string          `form:"topics" validate:"max=2000" label:"coaching.topics"`
	Strengths    string          `form:"strengths" validate:"max=4000" label:"coaching.strengths"`
	Difficulties string          `form:"difficulties" validate:"max=4000" label:"coaching.difficulties"`
	NextOn       string          `form:"next_on" validate:"omitempty,datetime=2006-01-02" label:"coaching.next_on"`
	Ratings      map[uint]string `form:"-"`
	Actions      []ActionRow     `form:"-"`
}

// Rating returns the level chosen for a competency ("" when none).
func (f SessionForm) Rating(id uint) string { return f.Ratings[id] }

// ActionRow is an action point's row of the form, with its problem
// (translated) when it has one.
type ActionRow struct {
	Index int
	Text  string
	DueOn string
	Err   string
}

// maxActionRows is how many action points one form takes.
const maxActionRows = 6

// NewSessionForm is the empty form: held today, on site, three rows for
// action points.
func NewSessionForm(today string) SessionForm {
	f := SessionForm{HeldOn: today, Mode: ModeOnSite, Ratings: map[uint]string{}}
	f.PadActions(3)
	return f
}

// SessionFormOf fills the form with a recorded session, to correct it (its
// action points are kept apart: two empty rows add new ones).
func SessionFormOf(sess *Session) SessionForm {
	f := SessionForm{HeldOn: sess.HeldOn, Mode: sess.Mode, Topics: sess.Topics, Strengths: sess.Strengths,
		Difficulties: sess.Difficulties, NextOn: sess.NextOn, Ratings: map[uint]string{}}
	if sess.EventID != nil {
		f.EventID = strconv.FormatUint(uint64(*sess.EventID), 10)
	}
	for _, r := range sess.Ratings {
		f.Ratings[r.CompetencyID] = strconv.Itoa(r.Level)
	}
	f.PadActions(2)
	return f
}

// PadActions adds empty action rows up to n.
func (f *SessionForm) PadActions(n int) {
	for len(f.Actions) < n {
		f.Actions = append(f.Actions, ActionRow{Index: len(f.Actions)})
	}
}

// Input reads the form into the session's input for the coachee: the
// ratings of competencies (rating_<id>) and the action points (ap_text_N,
// ap_due_N) from get, a form's values (copied out of the request's
// buffers). The session's rules are SessionInput.Check's; a row's field
// errors (action_N) are written on the row by MarkActions.
func (f *SessionForm) Input(coacheeID uint, competencies []uint, get func(key string) string) SessionInput {
	in := SessionInput{CoacheeID: coacheeID, HeldOn: f.HeldOn, Mode: f.Mode, Topics: f.Topics,
		Strengths: f.Strengths, Difficulties: f.Difficulties, NextOn: f.NextOn, Ratings: map[uint]int{}}
	if f.Mode == ModeObservation {
		if id, err := strconv.Atoi(f.EventID); err == nil && id > 0 {
			eid := uint(id)
			in.EventID = &eid
		}
	}
	f.Ratings = map[uint]string{}
	for _, id := range competencies {
		raw := get("rating_" + strconv.FormatUint(uint64(id), 10))
		if raw == "" {
			continue
		}
		f.Ratings[id] = raw
		n, _ := strconv.Atoi(raw) // not a number: 0, which the rules refuse
		in.Ratings[id] = n
	}
	for i := 0; i < maxActionRows; i++ {
		k := strconv.Itoa(i)
		row := ActionRow{Text: strings.TrimSpace(get("ap_text_" + k)), DueOn: strings.TrimSpace(get("ap_due_" + k))}
		if row.Text == "" && row.DueOn == "" {
			continue
		}
		row.Index = len(f.Actions)
		f.Actions = append(f.Actions, row)
		in.ActionPoints = append(in.ActionPoints, ActionPoint{Text: row.Text, DueOn: row.DueOn})
	}
	return in
}

// MarkActions writes on each action row its message from msgs (field
// action_N, as Check names them) and returns the rows' messages in order.
func (f *SessionForm) MarkActions(msgs map[string]string) []string {
	var out []string
	for i := range f.Actions {
		if msg := msgs["action_"+strconv.Itoa(i)]; msg != "" {
			f.Actions[i].Err = msg
			out = append(out, msg)
		}
	}
	return out
}

// CompetencyView is a competency with its rubric in one language.
type CompetencyView struct {
	ID          uint
	Name        string
	Description string
	Levels      []LevelView
}

// LevelView is a level of a competency's rubric.
type LevelView struct {
	Level       int
	Description string
}

// ViewCompetencies lays the competencies out in lang.
func ViewCompetencies(comps []Competency, lang string) []CompetencyView {
	var out []CompetencyView
	for i := range comps {
		cp := &comps[i]
		v := CompetencyView{ID: cp.ID, Name: cp.Name.String(lang), Description: cp.Description.String(lang)}
		for l := MinLevel; l <= MaxLevel; l++ {
			v.Levels = append(v.Levels, LevelView{Level: l, Description: cp.Level(l).String(lang)})
		}
		out = append(out, v)
	}
	return out
}
