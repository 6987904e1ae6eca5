package report

import (
	"context"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// registrationColumns are the message IDs of an event's registrations
// export.
var registrationColumns = []string{
	"registrations.col.code", "registrations.col.name", "registrations.col.phone", "registrations.col.kind",
	"registrations.col.group_size", "registrations.col.status", "registrations.col.sex", "registrations.col.age_band",
	"registrations.col.role", "registrations.col.organisation", "registrations.col.source",
	"registrations.col.registered_at", "registrations.col.consent", "registrations.col.checked_in",
}

// RegistrationsTable is an event's registrations as exported (for
// organisers and admins: full phone numbers), in the language of t: every
// stored choice (kind, status, sex, age band, role, source) by its name in
// that language, whether the person was checked in, and the time of
// registration in the event's time zone tz.
func RegistrationsTable(t *locale.Translator, regs []registration.Exported, tz string) *Table {
	header := make([]string, len(registrationColumns))
	for i, id := range registrationColumns {
		header[i] = t.T(id)
	}
	return &Table{
		Name:   t.T("registrations.sheet"),
		Header: header,
		Rows: func(_ context.Context, emit func([]any) error) error {
			m := newMemo(t)
			for i := range regs {
				r := &regs[i]
				ph := ""
				if r.Phone != nil {
					ph = *r.Phone
				}
				checked := m.T("export.no")
				if r.CheckedInAt != nil {
					checked = m.T("export.yes")
				}
				err := emit([]any{r.Code, r.Name, ph, m.code("export.reg_kind.", r.Kind), r.GroupSize,
					m.code("registrations.status.", string(r.Status)), m.label(DimSex, r.Sex), m.label(DimAgeBand, r.AgeBand),
					m.label(DimRole, r.Role), r.Organisation, m.code("registrations.source.", r.Source),
					locale.In(r.CreatedAt, tz), r.ConsentVersion, checked})
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// code translates a stored code with its message, or keeps it as stored
// when there is none (a code newer than the messages stays readable).
func (m *memo) code(prefix, key string) string {
	if key == "" {
		return ""
	}
	s := m.T(prefix + key)
	if s == prefix+key {
		return key
	}
	return s
}
