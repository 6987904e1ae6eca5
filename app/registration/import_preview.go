package registration

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/lantern-ngo/lantern/app/csvsafe"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
)

// The import of an invitation list as the staff pages show it: the role
// labels the parser knows, the template file, the preview's rows and the
// rows the confirm form carries back (see app/web/registration_import.go).

// ImportOptionsFor gives the parser the role labels of every language of b
// and the session's phone region.
func ImportOptionsFor(b *locale.Bundle, region string) ImportOptions {
	labels := map[string]string{}
	for _, l := range locale.Supported {
		t := b.For(l)
		for _, r := range Roles {
			for _, prefix := range []string{"register.role.", "quiz.role."} {
				if v := t.T(prefix + r); v != prefix+r {
					labels[v] = r
				}
			}
		}
	}
	return ImportOptions{RoleLabels: labels, Region: region}
}

// ImportLang is the language of the imported people's SMS: the one chosen
// (v), or the event's (eventLang).
func ImportLang(v, eventLang string) string {
	if locale.IsSupported(v) {
		return v
	}
	if locale.IsSupported(eventLang) {
		return eventLang
	}
	return locale.Default
}

// ImportTemplate is an empty list with the header row in t's language
// (semicolons for Vietnamese and French, as Excel expects there; a BOM so
// that Excel reads UTF-8).
func ImportTemplate(t *locale.Translator) ([]byte, error) {
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	if t.Lang != "en" {
		w.Comma = ';'
	}
	w.UseCRLF = true
	_ = w.WriteStrings([]string{t.T("import.col.name"), t.T("import.col.phone"), t.T("import.col.organisation"), t.T("import.col.role")})
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// importCarried is a row as the confirm form carries it.
type importCarried struct {
	Row   int    `json:"r"`
	Name  string `json:"n"`
	Phone string `json:"p"`
	Org   string `json:"o,omitempty"`
	Role  string `json:"l,omitempty"`
	Old   string `json:"x,omitempty"`
}

// ImportPreviewRow is a row of the preview: what becomes of it.
type ImportPreviewRow struct {
	Row          int
	Name         string
	Phone        string
	Organisation string
	Role         string
	Outcome      string
	OutcomeLabel string
	Notes        []string
}

// ImportPreviewError is a row that will not be imported, and why.
type ImportPreviewError struct {
	Row     int
	Name    string
	Phone   string
	Message string
}

// ImportPreview is what the preview shows of a file and its plan, in t's
// language, and the rows to carry to the confirm (Payload, "" when none).
type ImportPreview struct {
	Rows     []ImportPreviewRow
	Errors   []ImportPreviewError
	Existing int
	Payload  string
}

// PreviewImport lays out a parsed file and its plan (numbers written as in
// region).
func PreviewImport(t *locale.Translator, file *ImportFile, plan *ImportPlan, region string) (ImportPreview, error) {
	var p ImportPreview
	var carried []importCarried
	for i, r := range file.Rows {
		row := ImportPreviewRow{Row: r.Row, Name: r.Name, Phone: phone.Mask(r.Phone), Organisation: r.Organisation, Outcome: plan.Outcomes[i]}
		if r.Role != "" {
			row.Role = t.T("register.role." + r.Role)
		}
		switch row.Outcome {
		case OutcomeExisting:
			row.OutcomeLabel = t.T("import.outcome.existing", "Status", t.T("registrations.status."+string(plan.Existing[PersonKey(r.Phone, r.Name)])))
			p.Existing++
		default:
			row.OutcomeLabel = t.T("import.outcome." + row.Outcome)
		}
		if r.Renumbered {
			row.Notes = append(row.Notes, t.T("import.note.renumbered", "Old", r.OldPhone, "New", phone.National(r.Phone, region)))
		}
		if r.RoleUnknown != "" {
			row.Notes = append(row.Notes, t.T("import.note.role_unknown", "Role", r.RoleUnknown))
		}
		p.Rows = append(p.Rows, row)
		if row.Outcome != OutcomeExisting {
			carried = append(carried, importCarried{Row: r.Row, Name: r.Name, Phone: r.Phone, Org: r.Organisation, Role: r.Role, Old: r.OldPhone})
		}
	}
	for _, re := range file.Errors {
		p.Errors = append(p.Errors, ImportPreviewError{Row: re.Row, Name: re.Name, Phone: re.Phone, Message: t.TMap(re.Key, re.Args)})
	}
	if len(carried) > 0 {
		// No HTML escaping in the JSON (html/template escapes the
		// attribute): an "&" stays one byte, so that the confirm form of
		// the largest file stays under the server's body limit.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(carried); err != nil {
			return p, err
		}
		p.Payload = strings.TrimSpace(b.String())
	}
	return p, nil
}

// CarriedRows reads the rows the confirm form carried back (Payload); ok
// is false when there is none, too many, or what came is not a payload.
// The rows must be checked again (CheckImportRows): a form can be changed.
func CarriedRows(raw string) (rows []ImportRow, ok bool) {
	var carried []importCarried
	if raw == "" || len(raw) > 2*ImportMaxBytes || json.Unmarshal([]byte(raw), &carried) != nil ||
		len(carried) == 0 || len(carried) > ImportMaxRows {
		return nil, false
	}
	rows = make([]ImportRow, len(carried))
	for i, r := range carried {
		// json.Unmarshal copies: nothing here points into a request's buffers.
		rows[i] = ImportRow{Row: r.Row, Name: r.Name, Phone: r.Phone, Organisation: r.Org, Role: r.Role,
			Renumbered: r.Old != "", OldPhone: r.Old}
	}
	return rows, true
}
