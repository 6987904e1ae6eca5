// Package auditview writes the audit log for people: actions, kinds of
// record and fields by their translated names, values by what they name
// (a partner, a venue, a person, a time in the entry's zone), in the
// reader's language. The audit package records; this one reads.
package auditview

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/programme"
)

// Formatter turns the developers' keys and values of the audit log into
// what a person reads: actions and fields by their translated names, times
// in the entry's time zone (the event's, else the programme's) in the
// page's language, partners, venues, cities and staff by name. What it does
// not know it shows as written, made readable; the raw keys stay in title
// attributes for admins.
type Formatter struct {
	T     *locale.Translator
	IDs   map[string]bool // the message IDs of the page's language
	Names programme.Names
	Users map[uint]string // staff names by id
}

// Action names an action: its audit.action.* message, else the key made
// readable ("export.personal" → "Export personal").
func (f *Formatter) Action(a string) string {
	if f.IDs["audit.action."+a] {
		return f.T.T("audit.action." + a)
	}
	return humanise(a)
}

// Entity names a kind of record: its audit.kind.* message, else the key
// made readable.
func (f *Formatter) Entity(e string) string {
	if f.IDs["audit.kind."+e] {
		return f.T.T("audit.kind." + e)
	}
	return humanise(e)
}

// field names a field of an entry. Fields come from Go structs (StartsAt,
// PartnerID) or maps (older_than_days); both are looked up as snake case
// (audit.field.starts_at). A nested field (Titles.vi) is its parent's name
// with the rest in brackets.
func (f *Formatter) field(k string) string {
	head, rest, nested := strings.Cut(k, ".")
	id := "audit.field." + snake(head)
	label := humanise(head)
	if f.IDs[id] {
		label = f.T.T(id)
	}
	if nested {
		label += " (" + rest + ")"
	}
	return label
}

// value formats one value of a field for people.
func (f *Formatter) value(k, v, tz string) string {
	if v == "" {
		return ""
	}
	head, _, _ := strings.Cut(k, ".")
	switch snake(head) {
	case "partner_id":
		return f.named(f.Names.Partners, v)
	case "venue_id":
		return f.named(f.Names.Venues, v)
	case "city_id":
		return f.named(f.Names.Cities, v)
	case "trainer_ids", "user_id", "coach_id", "coachee_id", "actor_id":
		return f.people(v)
	case "lang":
		if locale.IsSupported(v) {
			return locale.Name(v)
		}
	case "kind":
		return f.first(v, "kind.", "export.reg_kind.")
	case "status":
		return f.first(v, "staff.events.status.", "registrations.status.")
	case "sex":
		return f.first(v, "indicator.sex.")
	case "age_band":
		return f.first(v, "indicator.age_band.")
	case "role":
		return f.first(v, "indicator.role.")
	case "roles":
		return f.list(v, "account.role.")
	case "source":
		return f.first(v, "registrations.source.")
	case "mode":
		return f.first(v, "export.mode.")
	}
	switch v {
	case "true":
		return f.T.T("audit.yes")
	case "false":
		return f.T.T("audit.no")
	}
	if tm, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
		if tm.IsZero() {
			return ""
		}
		return f.T.DateTime(locale.In(tm, tz))
	}
	return v
}

// first translates a stored code with the first prefix that has a message
// for it, else shows it as written.
func (f *Formatter) first(v string, prefixes ...string) string {
	for _, p := range prefixes {
		if f.IDs[p+v] {
			return f.T.T(p + v)
		}
	}
	return v
}

// list translates a JSON list of codes (["admin","coach"]).
func (f *Formatter) list(v, prefix string) string {
	var codes []string
	if json.Unmarshal([]byte(v), &codes) != nil {
		return v
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = f.first(c, prefix)
	}
	return strings.Join(out, ", ")
}

// named shows a record by its name in the page's language, or its id when
// the record is gone.
func (f *Formatter) named(m map[uint]content.Text, v string) string {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return v
	}
	if name, ok := m[uint(n)]; ok {
		if s := name.String(f.T.Lang); s != "" {
			return s
		}
	}
	return "#" + v
}

// people shows staff ids (one, or a JSON list) by their names.
func (f *Formatter) people(v string) string {
	var ids []uint
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		ids = []uint{uint(n)}
	} else if json.Unmarshal([]byte(v), &ids) != nil {
		return v
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		if name := f.Users[id]; name != "" {
			out[i] = name
		} else {
			out[i] = "#" + strconv.FormatUint(uint64(id), 10)
		}
	}
	return strings.Join(out, ", ")
}

// entryTimeZone is the time zone an entry's data names (an event's), or
// the programme's.
func entryTimeZone(sides ...map[string]string) string {
	for _, m := range sides {
		for _, k := range []string{"TimeZone", "time_zone"} {
			if tz := m[k]; tz != "" {
				if _, err := locale.LoadLocation(tz); err == nil {
					return tz
				}
			}
		}
	}
	return locale.DefaultTimeZone
}

// snake writes a Go field name in snake case: StartsAt → starts_at,
// PartnerID → partner_id, TrainerIDs → trainer_ids.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			// A capital starts a word after a small letter, or before one
			// when it ends a run of capitals (IDs: I, D, s).
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]) && rs[i+1] != 's')) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// humanise makes a key readable when it has no message: "older_than_days"
// → "Older than days", "StartsAt" → "Starts at", "event.create" → "Event
// create".
func humanise(k string) string {
	s := strings.NewReplacer("_", " ", ".", " ").Replace(snake(k))
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return k
	}
	rs := []rune(s)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// Change is one field of an entry, before and after.
// Field is the field's translated name, Key the developers' name (shown
// to admins in a title); Before and After are formatted for people, the
// raw values kept beside them.
type Change struct {
	Key       string
	Field     string
	Before    string
	After     string
	BeforeRaw string
	AfterRaw  string
	Changed   bool
}

// Changes turns the JSON before/after of an entry into readable lines:
// every field of either side, the changed ones marked.
func (f *Formatter) Changes(before, after string) []Change {
	b, a := flat(before), flat(after)
	tz := entryTimeZone(a, b)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		// Only an entry with both sides has changes; a creation shows its values.
		out = append(out, Change{Key: k, Field: f.field(k), Before: f.value(k, b[k], tz), After: f.value(k, a[k], tz),
			BeforeRaw: b[k], AfterRaw: a[k], Changed: len(b) > 0 && len(a) > 0 && b[k] != a[k]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func flat(js string) map[string]string {
	out := map[string]string{}
	if js == "" {
		return out
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		out["-"] = js
		return out
	}
	flatInto(out, "", m)
	return out
}

// flatInto writes nested objects (such as a name per language) as dotted
// fields: name.vi, name.fr, name.en.
func flatInto(out map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[prefix+k] = x
		case nil:
			out[prefix+k] = ""
		case map[string]any:
			flatInto(out, prefix+k+".", x)
		default:
			b, _ := json.Marshal(x)
			out[prefix+k] = string(b)
		}
	}
}
