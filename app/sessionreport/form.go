package sessionreport

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Form is the session report form as typed (kept as text so that a form
// sent back with errors loses nothing).
type Form struct {
	Covered   string            `form:"covered" validate:"required,max=5000" label:"report.covered"`
	HowItWent string            `form:"how_it_went" validate:"max=5000" label:"report.how_it_went"`
	Questions string            `form:"questions" validate:"max=5000" label:"report.questions"`
	Topics    []string          `form:"-"`
	FollowUps []FollowUpRow     `form:"-"`
	Referrals map[string]string `form:"-"` // service -> count as typed
}

// HasTopic tells the template whether a topic is ticked.
func (f Form) HasTopic(t string) bool { return slices.Contains(f.Topics, t) }

// Referral returns the count typed for a service.
func (f Form) Referral(s string) string { return f.Referrals[s] }

// FollowUpRow is a follow-up action's row of the form, with its problem
// (translated) when it has one.
type FollowUpRow struct {
	Index  int
	Action string
	Owner  string
	DueOn  string
	Err    string
}

// FormOf fills the form with a saved report.
func FormOf(r *Report) Form {
	f := Form{Covered: r.Covered, HowItWent: r.HowItWent, Questions: r.Questions, Topics: r.TopicList(), Referrals: map[string]string{}}
	for i, fu := range r.FollowUps {
		f.FollowUps = append(f.FollowUps, FollowUpRow{Index: i, Action: fu.Action, Owner: fu.Owner, DueOn: fu.DueOn})
	}
	for _, ref := range r.Referrals {
		f.Referrals[ref.Service] = strconv.Itoa(ref.Count)
	}
	return f
}

// PadFollowUps leaves two empty rows to fill in, up to the maximum.
func PadFollowUps(rows []FollowUpRow) []FollowUpRow {
	for n := len(rows) + 2; len(rows) < n && len(rows) < MaxFollowUps; {
		rows = append(rows, FollowUpRow{Index: len(rows)})
	}
	return rows
}

// Read fills the follow-up rows (fu_action_N, fu_owner_N, fu_due_N) and
// the referral counts (ref_<service>) from get, a form's values (copied
// out of the request's buffers), and returns the report's input for the
// event in lang. A row's problem is written on the row, in t's language,
// and each problem is a field error (follow_ups, ref_<service>).
func (f *Form) Read(t *locale.Translator, eventID uint, lang string, get func(key string) string) (Input, error) {
	var fe apperr.FieldList
	f.Covered = textnorm.CleanText(f.Covered)
	in := Input{
		EventID: eventID, Lang: lang, Covered: f.Covered, HowItWent: f.HowItWent, Questions: f.Questions,
		Topics: f.Topics, Referrals: map[string]int{},
	}
	for i := 0; i < MaxFollowUps; i++ {
		k := strconv.Itoa(i)
		row := FollowUpRow{Index: i,
			Action: strings.TrimSpace(get("fu_action_" + k)),
			Owner:  strings.TrimSpace(get("fu_owner_" + k)),
			DueOn:  strings.TrimSpace(get("fu_due_" + k)),
		}
		if row.Action == "" && row.Owner == "" && row.DueOn == "" {
			continue
		}
		key := ""
		switch {
		case row.Action == "":
			key = "error.report.follow_up_action"
		case len([]rune(row.Action)) > 300 || len([]rune(row.Owner)) > 120:
			key = "error.report.follow_up_long"
		case row.DueOn != "" && !validDay(row.DueOn):
			key = "error.report.follow_up_date"
		}
		row.Index = len(f.FollowUps)
		if key != "" {
			row.Err = t.T(key)
			fe.Add("follow_ups", key, nil)
		} else {
			in.FollowUps = append(in.FollowUps, FollowUp{Action: row.Action, Owner: row.Owner, DueOn: row.DueOn})
		}
		f.FollowUps = append(f.FollowUps, row)
	}
	f.Referrals = map[string]string{}
	for _, svc := range Services {
		raw := strings.TrimSpace(get("ref_" + svc))
		f.Referrals[svc] = raw
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 10000 {
			fe.Add("ref_"+svc, "error.report.referral_count", nil)
			continue
		}
		in.Referrals[svc] = n
	}
	return in, fe.Err()
}

// validDay checks a YYYY-MM-DD date.
func validDay(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
