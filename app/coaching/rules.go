package coaching

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
)

// The rules of a coaching session record. They live here, not in a form,
// so that the web form, the API and any job refuse the same things.
const (
	// ActionTextMax is the length of an action point, in characters.
	ActionTextMax = 300
)

// Today is the programme's date now (YYYY-MM-DD, Vietnam's time), against
// which a session's date is checked.
func programmeToday(now time.Time) string {
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	return Today(now, loc)
}

// Check applies the rules no form tag can say, and returns every problem at
// once, each on its field: a session is recorded after it took place (not
// dated in the future), the next one is not before it, an observation
// names the session observed, levels are within the scale, and each action
// point has a text of at most ActionTextMax characters and a real due date
// (field "action_<i>", i its row). A rating that could not be read as a
// number is 0.
func (in *SessionInput) Check(now time.Time) error {
	var fe apperr.FieldList
	if _, ok := ParseDate(in.HeldOn); !ok {
		fe.Add("held_on", "error.coaching.held_on", nil)
	} else if in.HeldOn > programmeToday(now) {
		fe.Add("held_on", "error.coaching.future_date", nil)
	}
	if in.NextOn != "" {
		if _, ok := ParseDate(in.NextOn); !ok {
			fe.Add("next_on", "error.coaching.next_on", nil)
		} else if in.NextOn < in.HeldOn {
			fe.Add("next_on", "error.coaching.next_before", nil)
		}
	}
	if in.Mode == ModeObservation && (in.EventID == nil || *in.EventID == 0) {
		fe.Add("event_id", "error.coaching.event_required", nil)
	}
	for id, level := range in.Ratings {
		if level < MinLevel || level > MaxLevel {
			fe.Add("rating_"+strconv.FormatUint(uint64(id), 10), "error.coaching.rating", nil)
		}
	}
	for i, ap := range in.ActionPoints {
		field := "action_" + strconv.Itoa(i)
		switch {
		case ap.Text == "":
			fe.Add(field, "error.coaching.action_text", nil)
		case utf8.RuneCountInString(ap.Text) > ActionTextMax:
			fe.Add(field, "error.coaching.action_long", nil)
		default:
			if _, ok := ParseDate(ap.DueOn); !ok {
				fe.Add(field, "error.coaching.action_due", nil)
			}
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return nil
}
