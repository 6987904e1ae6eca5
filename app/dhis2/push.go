package dhis2

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/report"
)

func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// Push is one line of dhis2_pushes (m0080).
type Push struct {
	ID         uint      `json:"-"`
	Period     string    `json:"period"`
	PushedAt   time.Time `json:"pushed_at"`
	UserID     *uint     `json:"-"`
	Status     string    `json:"status"` // DHIS2's status, or "error"
	ValueCount int       `json:"value_count"`
	Imported   int       `json:"imported"`
	Updated    int       `json:"updated"`
	Ignored    int       `json:"ignored"`
	Deleted    int       `json:"deleted"`
	Conflicts  int       `json:"conflicts"`
	ErrorKey   string    `json:"error_key,omitempty"`
}

// TableName keeps GORM on the migrated table.
func (Push) TableName() string { return "dhis2_pushes" }

// StatusError is the status of a push DHIS2 did not answer with a summary.
const StatusError = "error"

// Prepare builds the plan of a period from the mapping and report's
// figures (events held in the period, by now): what a dry run shows and a
// push sends. The period is read in the mapping's period type.
func Prepare(ctx context.Context, db *gorm.DB, periodText string, small report.SmallCounts, now time.Time) (*Plan, error) {
	m, err := LoadMap(ctx, db)
	if err != nil {
		return nil, err
	}
	if m.PeriodType == "" || len(m.OrgUnits) == 0 || len(m.DataElements) == 0 {
		return nil, apperr.New(apperr.Invalid, "error.dhis2.not_mapped")
	}
	period, err := ParsePeriod(periodText, m.PeriodType)
	if err != nil {
		return nil, err
	}
	figs, err := report.ComputeByCity(ctx, db, report.Filter{From: period.From, To: period.To}, now)
	if err != nil {
		return nil, err
	}
	return Build(m, figs, period, small), nil
}

// Result is what a push did: the plan sent and DHIS2's summary (nil when
// it gave none), and the error (a translation key) when DHIS2 refused or
// could not be reached.
type Result struct {
	Plan    *Plan
	Summary *Summary
	Err     error
	Push    Push
}

// PushPeriod sends a period to DHIS2 and records the push (dhis2_pushes,
// and the audit log: dhis2.push), whatever DHIS2 answered. An error
// returned is Lantern's (a period not valid, the mapping incomplete, the
// database); DHIS2's refusals are in Result.Err.
func PushPeriod(ctx context.Context, db *gorm.DB, c *Client, periodText string, small report.SmallCounts, byID uint, now time.Time) (*Result, error) {
	plan, err := Prepare(ctx, db, periodText, small, now)
	if err != nil {
		return nil, err
	}
	if !c.Configured() {
		return nil, errNotConfigured
	}
	res := &Result{Plan: plan}
	res.Summary, res.Err = c.PushValues(ctx, &plan.Payload)
	p := Push{Period: plan.Period.ID, PushedAt: now.UTC(), Status: StatusError, ValueCount: len(plan.Payload.DataValues)}
	if byID != 0 {
		p.UserID = &byID
	}
	if s := res.Summary; s != nil {
		p.Status = s.Status
		p.Imported, p.Updated, p.Ignored, p.Deleted, p.Conflicts = s.Counts.Imported, s.Counts.Updated, s.Counts.Ignored, s.Counts.Deleted, len(s.Conflicts)
	}
	if res.Err != nil {
		p.ErrorKey = apperr.KeyOf(res.Err)
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		return audit.Record(tx, byID, "dhis2.push", "dhis2_push", strconv.FormatUint(uint64(p.ID), 10), nil, p)
	})
	if err != nil {
		return nil, err
	}
	res.Push = p
	return res, nil
}

// PushLine is a push as the page lists it.
type PushLine struct {
	Push
	UserName string
}

// Pushes lists the latest pushes, newest first.
func Pushes(ctx context.Context, db *gorm.DB, limit int) ([]PushLine, error) {
	var out []PushLine
	err := db.WithContext(ctx).Raw(`SELECT p.*, COALESCE(u.name, '') AS user_name FROM dhis2_pushes p
		LEFT JOIN users u ON u.id = p.user_id ORDER BY p.pushed_at DESC, p.id DESC LIMIT ?`, limit).Scan(&out).Error
	return out, err
}

// Screen is everything the mapping screen shows.
type Screen struct {
	Configured bool
	URL        string
	Map        *Map
	Cities     []report.City
	Codes      []string // indicators that may be mapped (report.CityCodes)
	COCKeys    []string
	// Meta is DHIS2's metadata; nil with MetaErr when it could not be read.
	Meta    *Metadata
	MetaErr error
	Pushes  []PushLine
}

// LoadScreen reads the mapping, the cities, the latest pushes and, when
// DHIS2 is configured, its metadata.
func LoadScreen(ctx context.Context, db *gorm.DB, c *Client) (*Screen, error) {
	m, err := LoadMap(ctx, db)
	if err != nil {
		return nil, err
	}
	cities, err := Cities(ctx, db)
	if err != nil {
		return nil, err
	}
	pushes, err := Pushes(ctx, db, 50)
	if err != nil {
		return nil, err
	}
	s := &Screen{Configured: c.Configured(), URL: c.URL(), Map: m, Cities: cities, Codes: report.CityCodes, COCKeys: COCKeys(), Pushes: pushes}
	if s.Configured {
		s.Meta, s.MetaErr = c.Metadata(ctx)
	} else {
		s.MetaErr = errNotConfigured
	}
	return s, nil
}
