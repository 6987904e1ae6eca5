package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/programme"
)

// auditFormat turns the developers' keys and values of the audit log into
// what a person reads: actions and fields by their translated names, times
// in the entry's time zone (the event's, else the programme's) in the
// page's language, partners, venues, cities and staff by name. What it does
// not know it shows as written, made readable; the raw keys stay in title
// attributes for admins.
type auditFormat struct {
	t     *locale.Translator
	ids   map[string]bool // the message IDs of the page's language
	names programme.Names
	users map[uint]string
}

// action names an action: its audit.action.* message, else the key made
// readable ("export.personal" → "Export personal").
func (f *auditFormat) action(a string) string {
	if f.ids["audit.action."+a] {
		return f.t.T("audit.action." + a)
	}
	return humanise(a)
}

// entity names a kind of record: its audit.kind.* message, else the key
// made readable.
func (f *auditFormat) entity(e string) string {
	if f.ids["audit.kind."+e] {
		return f.t.T("audit.kind." + e)
	}
	return humanise(e)
}

// field names a field of an entry. Fields come from Go structs (StartsAt,
// PartnerID) or maps (older_than_days); both are looked up as snake case
// (audit.field.starts_at). A nested field (Titles.vi) is its parent's name
// with the rest in brackets.
func (f *auditFormat) field(k string) string {
	head, rest, nested := strings.Cut(k, ".")
	id := "audit.field." + snake(head)
	label := humanise(head)
	if f.ids[id] {
		label = f.t.T(id)
	}
	if nested {
		label += " (" + rest + ")"
	}
	return label
}

// value formats one value of a field for people.
func (f *auditFormat) value(k, v, tz string) string {
	if v == "" {
		return ""
	}
	head, _, _ := strings.Cut(k, ".")
	switch snake(head) {
	case "partner_id":
		return f.named(f.names.Partners, v)
	case "venue_id":
		return f.named(f.names.Venues, v)
	case "city_id":
		return f.named(f.names.Cities, v)
	case "trainer_ids", "user_id", "coach_id", "coachee_id", "actor_id":
		return f.people(v)
	case "lang":
		if locale.IsSupported(v) {
			return Page{}.LangName(v)
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
		return f.t.T("audit.yes")
	case "false":
		return f.t.T("audit.no")
	}
	if tm, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
		if tm.IsZero() {
			return ""
		}
		return f.t.DateTime(locale.In(tm, tz))
	}
	return v
}

// first translates a stored code with the first prefix that has a message
// for it, else shows it as written.
func (f *auditFormat) first(v string, prefixes ...string) string {
	for _, p := range prefixes {
		if f.ids[p+v] {
			return f.t.T(p + v)
		}
	}
	return v
}

// list translates a JSON list of codes (["admin","coach"]).
func (f *auditFormat) list(v, prefix string) string {
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
func (f *auditFormat) named(m map[uint]content.Text, v string) string {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return v
	}
	if name, ok := m[uint(n)]; ok {
		if s := name.String(f.t.Lang); s != "" {
			return s
		}
	}
	return "#" + v
}

// people shows staff ids (one, or a JSON list) by their names.
func (f *auditFormat) people(v string) string {
	var ids []uint
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		ids = []uint{uint(n)}
	} else if json.Unmarshal([]byte(v), &ids) != nil {
		return v
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		if name := f.users[id]; name != "" {
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
