package coaching_test

import (
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/coaching"
)

// The rules of a session record hold whatever the entry point (the form,
// the API, a job), every problem at once and each on its field.
func TestSessionInputRules(t *testing.T) {
	// 23:30 on 6 December in UTC is already 7 December in Vietnam.
	now := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	ok := coaching.SessionInput{HeldOn: "2026-12-07", Mode: coaching.ModeOnSite, NextOn: "2027-01-10",
		Ratings:      map[uint]int{3: coaching.MaxLevel},
		ActionPoints: []coaching.ActionPoint{{Text: "Open with the film's question", DueOn: "2026-12-20"}}}
	if err := ok.Check(now); err != nil {
		t.Fatalf("a valid record refused: %v", err)
	}
	bad := coaching.SessionInput{HeldOn: "2026-12-08", Mode: coaching.ModeObservation, NextOn: "2026-12-01",
		Ratings: map[uint]int{3: 0, 4: coaching.MaxLevel + 1},
		ActionPoints: []coaching.ActionPoint{{Text: "", DueOn: "2026-12-20"}, {Text: "ok", DueOn: "2026-02-30"},
			{Text: string(make([]rune, coaching.ActionTextMax+1)), DueOn: "2026-12-20"}}}
	got := map[string]string{}
	for _, f := range apperr.FieldsOf(bad.Check(now)) {
		got[f.Field] = f.Key
	}
	want := map[string]string{
		"held_on": "error.coaching.future_date", "next_on": "error.coaching.next_before", "event_id": "error.coaching.event_required",
		"rating_3": "error.coaching.rating", "rating_4": "error.coaching.rating",
		"action_0": "error.coaching.action_text", "action_1": "error.coaching.action_due", "action_2": "error.coaching.action_long",
	}
	for field, key := range want {
		if got[field] != key {
			t.Errorf("%s: %q, want %q", field, got[field], key)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
}
