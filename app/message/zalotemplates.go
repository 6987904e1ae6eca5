package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/locale"
)

// Zalo template mapping (issue 15): admins map each message kind and
// language to a template Zalo approved, and each of the template's
// parameters to one of the message's params. A row of zalo_templates wins
// over ZALO_TEMPLATES for its kind and language; ZALO_TEMPLATES still
// fills what has no row (its templates receive the params under Lantern's
// own names, as before the table existed).

// KindParams is a kind of message and the params its messages carry (the
// keys of Message.Params, written where each kind is queued).
type KindParams struct {
	Kind   string
	Params []string
}

var (
	eventParams  = []string{"Event", "EventCode", "When", "Venue"}
	ticketParams = []string{"Event", "EventCode", "When", "Venue", "Code", "Link"}
)

// Kinds lists every kind of message Lantern queues, in the order the back
// office shows them. A kind with no params (free texts and codes written
// into the SMS only) can go by SMS only. registration's
// TestEveryKindListed fails when a kind is queued that is not here.
var Kinds = []KindParams{
	{"confirmation", ticketParams},
	{"waitlisted", append(slices.Clone(ticketParams), "Position")},
	{"promotion", ticketParams},
	{"reminder", ticketParams},
	{"event_changed", ticketParams},
	{"event_cancelled", eventParams},
	{"ticket_resent", append(slices.Clone(eventParams), "Tickets")},
	{"ticket_cancelled", ticketParams},
	{"guardian_confirm", append(slices.Clone(ticketParams), "Child", "Until")},
	{"guardian_expired", append(slices.Clone(ticketParams), "Child")},
	{"announce_confirm", append(slices.Clone(eventParams), "Link")},
	{KindAnnouncement, append(slices.Clone(eventParams), "Text", "Link", "Stop")},
	{"rating_request", append(slices.Clone(eventParams), "Link")},
	{"organiser_message", []string{"EventCode", "Text"}},
	{"reply", nil},
	{"data_code", nil},
	{"staff_password_link", nil},
}

// KindParamsOf returns a kind's entry, and false for an unknown kind.
func KindParamsOf(kind string) (KindParams, bool) {
	for _, k := range Kinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return KindParams{}, false
}

// sampleParams are made-up values for the preview: never a real person's.
var sampleParams = map[string]any{
	"Event": "Chiếu phim: Lời hứa", "EventCode": "HN0412", "When": "12/12/2026 18:30",
	"Venue": "Nhà văn hoá phường Lăn Sân", "Code": "ABC2345", "Link": "https://lantern.example/vi/r/ABC2345",
	"Position": 3, "Child": "Nguyễn Văn A", "Until": "10/12/2026 18:30",
	"Tickets": "Nguyễn Văn A https://lantern.example/vi/r/ABC2345", "Text": "Mời cả gia đình.",
	"Stop": "https://lantern.example/vi/stop/EXAMPLE",
}

// ZaloParam maps one parameter of a Zalo template to one of Lantern's.
type ZaloParam struct {
	Zalo    string `json:"zalo"`
	Lantern string `json:"lantern"`
}

// ZaloTemplate is a row of zalo_templates (m0097).
type ZaloTemplate struct {
	ID          uint `gorm:"primaryKey"`
	Kind        string
	Lang        string // "" = any language
	TemplateID  string
	Params      string // JSON []ZaloParam, in the admin's order
	Active      bool
	Version     int64
	UpdatedByID *uint
	UpdatedAt   time.Time
}

// TableName is the table of the mapping.
func (ZaloTemplate) TableName() string { return "zalo_templates" }

// Mapping decodes the row's parameters.
func (t ZaloTemplate) Mapping() []ZaloParam {
	var out []ZaloParam
	_ = json.Unmarshal([]byte(t.Params), &out)
	return out
}

func templateKey(kind, lang string) string {
	if lang == "" {
		return kind
	}
	return kind + "." + lang
}

// Limits Zalo sets on a template: its id is a number; a parameter name is
// letters, digits and underscores, 30 characters at most.
const (
	ZaloParamMax      = 30
	ZaloTemplateIDMax = 20
	// ZaloParamRows is how many parameters the form offers.
	ZaloParamRows = 10
)

var (
	zaloParamName  = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`)
	zaloTemplateID = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// ZaloTemplateInput is what an admin maps for a kind in a language.
// Params may hold blank rows (the form's spare ones): they are left out.
type ZaloTemplateInput struct {
	Kind       string
	Lang       string
	TemplateID string
	Active     bool
	Params     []ZaloParam
}

// ParamField names the form field of a parameter row: side is "zalo" or
// "lantern".
func ParamField(side string, i int) string { return fmt.Sprintf("%s_%d", side, i) }

// Check returns every problem at once, each naming its field.
func (in *ZaloTemplateInput) Check() error {
	in.TemplateID = strings.TrimSpace(in.TemplateID)
	var fe apperr.FieldList
	kind, known := KindParamsOf(in.Kind)
	if !known || len(kind.Params) == 0 {
		fe.Add("kind", "error.zalotpl.kind", nil)
	}
	if in.Lang != "" && !locale.IsSupported(in.Lang) {
		fe.Add("lang", "error.zalotpl.lang", nil)
	}
	if !zaloTemplateID.MatchString(in.TemplateID) {
		fe.Add("template_id", "error.zalotpl.template_id", map[string]any{"Max": ZaloTemplateIDMax})
	}
	if len(in.Params) > ZaloParamRows {
		fe.Add("_form", "error.zalotpl.too_many", map[string]any{"Max": ZaloParamRows})
	}
	seen := map[string]bool{}
	for i := range in.Params {
		p := &in.Params[i]
		p.Zalo, p.Lantern = strings.TrimSpace(p.Zalo), strings.TrimSpace(p.Lantern)
		if p.Zalo == "" && p.Lantern == "" {
			continue
		}
		switch {
		case !zaloParamName.MatchString(p.Zalo):
			fe.Add(ParamField("zalo", i), "error.zalotpl.param_name", map[string]any{"Max": ZaloParamMax})
		case seen[p.Zalo]:
			fe.Add(ParamField("zalo", i), "error.zalotpl.param_twice", nil)
		}
		seen[p.Zalo] = true
		if !slices.Contains(kind.Params, p.Lantern) {
			fe.Add(ParamField("lantern", i), "error.zalotpl.param_unknown", nil)
		}
	}
	return fe.Err()
}

// mapping is the parameters without the blank rows.
func (in *ZaloTemplateInput) mapping() []ZaloParam {
	out := []ZaloParam{}
	for _, p := range in.Params {
		if p.Zalo != "" || p.Lantern != "" {
			out = append(out, p)
		}
	}
	return out
}

// Preview is the template_data a message of the input's kind would carry,
// filled from made-up sample params (never a real person's data), as
// indented JSON.
func (in *ZaloTemplateInput) Preview() string {
	b, _ := json.MarshalIndent(templateData(sampleParams, in.mapping(), true), "", "  ")
	return string(b)
}

// templateData fills a template's parameters from a message's params:
// with a mapping, under the template's own names; without (a template of
// ZALO_TEMPLATES), every param under Lantern's name.
func templateData(params map[string]any, mapping []ZaloParam, mapped bool) map[string]string {
	data := map[string]string{}
	if !mapped {
		for k, v := range params {
			data[k] = fmt.Sprint(v)
		}
		return data
	}
	for _, p := range mapping {
		if v, ok := params[p.Lantern]; ok && v != nil {
			data[p.Zalo] = fmt.Sprint(v)
		} else {
			data[p.Zalo] = ""
		}
	}
	return data
}

// SaveZaloTemplate writes the mapping of a kind in a language (audited,
// before and after). Nothing changes on error. Its version grows, so that
// every instance's driver reads the mapping again.
func SaveZaloTemplate(ctx context.Context, db *gorm.DB, actorID uint, in ZaloTemplateInput, now time.Time) error {
	if err := in.Check(); err != nil {
		return err
	}
	params, _ := json.Marshal(in.mapping())
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before *ZaloTemplate
		var old ZaloTemplate
		err := tx.Where("kind = ? AND lang = ?", in.Kind, in.Lang).Take(&old).Error
		if err == nil {
			before = &old
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		row := map[string]any{"kind": in.Kind, "lang": in.Lang, "template_id": in.TemplateID, "params": string(params),
			"active": in.Active, "version": 1, "updated_by_id": actorID, "updated_at": now.UTC()}
		if err := tx.Table("zalo_templates").Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "kind"}, {Name: "lang"}},
			DoUpdates: clause.Assignments(map[string]any{"template_id": in.TemplateID, "params": string(params), "active": in.Active,
				"version": gorm.Expr("zalo_templates.version + 1"), "updated_by_id": actorID, "updated_at": now.UTC()}),
		}).Create(row).Error; err != nil {
			return err
		}
		after := map[string]any{"template_id": in.TemplateID, "params": in.mapping(), "active": in.Active}
		var was any
		if before != nil {
			was = map[string]any{"template_id": before.TemplateID, "params": before.Mapping(), "active": before.Active}
		}
		return audit.Record(tx, actorID, "zalo_template.save", "zalo_template", templateKey(in.Kind, in.Lang), was, after)
	})
}

// ZaloTemplateRow returns the row of a kind in a language, and false when
// there is none.
func ZaloTemplateRow(ctx context.Context, db *gorm.DB, kind, lang string) (ZaloTemplate, bool, error) {
	var t ZaloTemplate
	err := db.WithContext(ctx).Where("kind = ? AND lang = ?", kind, lang).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, false, nil
	}
	return t, err == nil, err
}

// zaloTemplateRows reads every row, keyed "kind.lang" (or "kind").
func zaloTemplateRows(db *gorm.DB) (map[string]ZaloTemplate, error) {
	var rows []ZaloTemplate
	if err := db.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]ZaloTemplate, len(rows))
	for _, r := range rows {
		out[templateKey(r.Kind, r.Lang)] = r
	}
	return out, nil
}

// zaloTemplatesVersion grows with every save (see m0097).
func zaloTemplatesVersion(db *gorm.DB) (int64, error) {
	var n int64
	err := db.Raw("SELECT COALESCE(SUM(version), 0) FROM zalo_templates").Scan(&n).Error
	return n, err
}

// zaloRoute is the template a message goes as.
type zaloRoute struct {
	TemplateID string
	Mapping    []ZaloParam
	Mapped     bool // from the table: fill Mapping; else every param by its own name
}

// resolveZaloTemplate finds the template of a kind in a language: the
// language's entry, then the any-language one. At each of the two, a row
// of the table decides over ZALO_TEMPLATES; a row switched off counts as no
// entry at its level (its ZALO_TEMPLATES twin is not used either).
func resolveZaloTemplate(rows map[string]ZaloTemplate, env map[string]string, kind, lang string) (zaloRoute, bool) {
	for _, key := range []string{templateKey(kind, lang), kind} {
		if row, ok := rows[key]; ok {
			if row.Active && row.TemplateID != "" {
				return zaloRoute{TemplateID: row.TemplateID, Mapping: row.Mapping(), Mapped: true}, true
			}
			continue
		}
		if id := env[key]; id != "" {
			return zaloRoute{TemplateID: id}, true
		}
	}
	return zaloRoute{}, false
}

// templateCache is an instance's copy of zalo_templates, kept at the
// version it was read at.
type templateCache struct {
	mu      sync.Mutex
	loaded  bool
	version int64
	rows    map[string]ZaloTemplate
}

// get returns the rows, read again only when the version moved. The
// version is one aggregate over a handful of rows, read once per message
// sent: cheaper than the claim that precedes it, and a change made on any
// instance applies to the next message everywhere.
func (c *templateCache) get(db *gorm.DB) (map[string]ZaloTemplate, error) {
	v, err := zaloTemplatesVersion(db)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && c.version == v {
		return c.rows, nil
	}
	rows, err := zaloTemplateRows(db)
	if err != nil {
		return nil, err
	}
	c.loaded, c.version, c.rows = true, v, rows
	return rows, nil
}

// Template states on the back-office list.
const (
	TemplateActive   = "active"   // a row in use
	TemplateInactive = "inactive" // a row switched off
	TemplateEnv      = "env"      // ZALO_TEMPLATES only
	TemplateNone     = "none"     // nothing at this level
)

// TemplateCell is one kind × language of the back-office list.
type TemplateCell struct {
	Kind, Lang string
	TemplateID string
	Params     []ZaloParam
	State      string
	// Goes tells whether a message of the kind in the language goes by
	// Zalo (through this level or the any-language one).
	Goes bool
}

// TemplateGroup is a kind with its cells: any language first, then each
// supported language.
type TemplateGroup struct {
	Kind   string
	Params []string
	Cells  []TemplateCell
}

// ZaloTemplateList is the mapping of every kind in every language, as the
// driver sees it (env is ZALO_TEMPLATES), in one read.
func ZaloTemplateList(ctx context.Context, db *gorm.DB, env map[string]string) ([]TemplateGroup, error) {
	rows, err := zaloTemplateRows(db.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var out []TemplateGroup
	for _, k := range Kinds {
		g := TemplateGroup{Kind: k.Kind, Params: k.Params}
		for _, lang := range append([]string{""}, locale.Supported...) {
			g.Cells = append(g.Cells, templateCell(rows, env, k, lang))
		}
		out = append(out, g)
	}
	return out, nil
}

func templateCell(rows map[string]ZaloTemplate, env map[string]string, k KindParams, lang string) TemplateCell {
	key := templateKey(k.Kind, lang)
	c := TemplateCell{Kind: k.Kind, Lang: lang, State: TemplateNone}
	if row, ok := rows[key]; ok {
		c.TemplateID, c.Params, c.State = row.TemplateID, row.Mapping(), TemplateInactive
		if row.Active {
			c.State = TemplateActive
		}
	} else if id := env[key]; id != "" {
		c.TemplateID, c.State = id, TemplateEnv
	}
	if len(k.Params) > 0 {
		probe := lang
		if probe == "" {
			probe = "-" // no language's own entry: the any-language one alone
		}
		_, c.Goes = resolveZaloTemplate(rows, env, k.Kind, probe)
	}
	return c
}

// TemplateTarget refuses, as not found, a kind that cannot go as a
// template (unknown, or without params) or a language not supported: the
// address of an edit page that does not exist.
func TemplateTarget(kind, lang string) error {
	k, ok := KindParamsOf(kind)
	if !ok || len(k.Params) == 0 || (lang != "" && !locale.IsSupported(lang)) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}

// ZaloTemplateDraft is the form's starting point for a kind in a language:
// its row, else its ZALO_TEMPLATES id with each of the kind's params under
// its own name (as such templates are filled today), else nothing.
func ZaloTemplateDraft(ctx context.Context, db *gorm.DB, env map[string]string, kind, lang string) (ZaloTemplateInput, error) {
	if err := TemplateTarget(kind, lang); err != nil {
		return ZaloTemplateInput{}, err
	}
	k, _ := KindParamsOf(kind)
	in := ZaloTemplateInput{Kind: kind, Lang: lang}
	row, found, err := ZaloTemplateRow(ctx, db, kind, lang)
	switch {
	case err != nil:
		return in, err
	case found:
		in.TemplateID, in.Active, in.Params = row.TemplateID, row.Active, row.Mapping()
	case env[templateKey(kind, lang)] != "":
		in.TemplateID, in.Active = env[templateKey(kind, lang)], true
		for _, p := range k.Params {
			in.Params = append(in.Params, ZaloParam{Zalo: p, Lantern: p})
		}
	}
	return in, nil
}

// HasZaloTemplate tells whether some language of kind goes by Zalo (a
// cost preview shows the Zalo price then).
func HasZaloTemplate(ctx context.Context, db *gorm.DB, env map[string]string, kind string) (bool, error) {
	rows, err := zaloTemplateRows(db.WithContext(ctx))
	if err != nil {
		return false, err
	}
	for _, lang := range locale.Supported {
		if _, ok := resolveZaloTemplate(rows, env, kind, lang); ok {
			return true, nil
		}
	}
	return false, nil
}
