// Package privacy answers participants' personal-data requests (export and
// erasure: Law 91/2025/QH15 with Decree 356/2025/ND-CP, and GDPR), anonymises old registrations
// (retention) and keeps the versions of the consent text.
//
// Anonymising blanks what identifies a person (name, folded name, phone,
// organisation) and keeps sex, age band, role, status, group size and the
// event, so that the programme's indicators survive.
package privacy

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// Subject names whose data is asked for: a phone number (E.164) or a
// registration's confirmation code (children and groups may have no phone).
type Subject struct {
	Phone string
	Code  string
}

func (s Subject) where(q *gorm.DB) *gorm.DB {
	if s.Phone != "" {
		return q.Where("registrations.phone = ?", s.Phone)
	}
	return q.Where("registrations.code = ?", strings.ToUpper(s.Code))
}

func (s Subject) empty() bool { return s.Phone == "" && s.Code == "" }

// Export is everything Lantern holds about one person.
type Export struct {
	Subject       string           `json:"subject"`
	GeneratedAt   time.Time        `json:"generated_at"`
	Registrations []ExportedReg    `json:"registrations"`
	Messages      []ExportedSMS    `json:"sms_messages"`
	Consents      map[string]Texts `json:"consent_texts"`
	// ConsentRecords: which texts were accepted or withdrawn, by whom, how.
	ConsentRecords []ExportedConsent `json:"consent_records"`
	// Quizzes: the quiz attempts of these registrations, with their scores.
	Quizzes []ExportedQuiz `json:"quiz_attempts"`
	// Announcements: the number's answer to "tell me about future sessions
	// near me" (issue 15), nil when it never answered.
	Announcements *ExportedOptin `json:"announcements_optin"`
	// Ratings: the stars and comments given after a session (issue 15).
	Ratings []ExportedRating `json:"ratings"`
	// For the log of who looked (audit.ReadsOfPerson), never exported.
	RegistrationIDs []uint    `json:"-"`
	EventIDs        []uint    `json:"-"`
	FirstAt         time.Time `json:"-"`
}

// ExportedOptin is a number's opt-in to announcements: the consent text's
// version, when and in which language it was given, where ("near me"), and
// when it stopped and how. The stop link's token is not exported.
type ExportedOptin struct {
	Active         bool       `json:"active"`
	ConsentVersion string     `json:"consent_version"`
	Lang           string     `json:"language"`
	OptedInAt      *time.Time `json:"opted_in_at"`
	CityID         *uint      `json:"city_id"`
	PartnerID      *uint      `json:"partner_id"`
	Country        string     `json:"country"`
	StoppedAt      *time.Time `json:"stopped_at"`
	StopMethod     string     `json:"stop_method"`
	// RequestedAt: a confirmation link was sent and not yet followed
	// (double opt-in).
	RequestedAt *time.Time `json:"confirmation_requested_at,omitempty"`
}

// Pending tells whether the number was asked to confirm and has not.
func (o *ExportedOptin) Pending() bool {
	return !o.Active && o.StoppedAt == nil && o.RequestedAt != nil
}

func exportOptin(tx *gorm.DB, e164 string) (*ExportedOptin, error) {
	var o registration.Optin
	err := tx.Where("phone = ?", e164).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &ExportedOptin{Active: o.Active(), ConsentVersion: o.ConsentVersion, Lang: o.Lang, OptedInAt: o.OptedInAt,
		CityID: o.CityID, PartnerID: o.PartnerID, Country: o.Country, StoppedAt: o.StoppedAt, StopMethod: o.StopMethod,
		RequestedAt: o.RequestedAt}, nil
}

// forgetOptins deletes the announcement opt-ins of the numbers of these
// registrations (an erasure: the number is no longer held at all), and
// the announcements sent to them lose number and text (one not sent yet is
// not sent). Announcements belong to no registration: anonymise does not
// reach them.
func forgetOptins(tx *gorm.DB, ids []uint) error {
	var phones []string
	if err := tx.Table("registrations").Where("id IN ? AND phone IS NOT NULL AND phone <> ''", ids).Distinct().Pluck("phone", &phones).Error; err != nil {
		return err
	}
	return forgetOptinsOf(tx, phones)
}

func forgetOptinsOf(tx *gorm.DB, phones []string) error {
	if len(phones) == 0 {
		return nil
	}
	if err := tx.Where("phone IN ?", phones).Delete(&registration.Optin{}).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE sms_messages SET to_phone = '', body = '', last_error = 'anonymised',
		status = CASE WHEN status IN ('queued', 'sending') THEN 'failed' ELSE status END
		WHERE kind = ? AND to_phone IN ?`, registration.SMSAnnouncement, phones).Error
}

// ExportedConsent is one consent given or withdrawn.
type ExportedConsent struct {
	Code      string    `json:"confirmation_code"`
	Audience  string    `json:"audience"`
	Version   string    `json:"version"`
	GivenBy   string    `json:"given_by"`
	Method    string    `json:"method"`
	Withdrawn bool      `json:"withdrawn"`
	At        time.Time `json:"at"`
}

// ExportedQuiz is one quiz attempt and its score.
type ExportedQuiz struct {
	Code        string     `json:"confirmation_code"`
	Phase       string     `json:"phase"`
	ScorePct    *float64   `json:"score_percent,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
}

// ExportedRating is one answer to a rating request.
type ExportedRating struct {
	Code    string     `json:"confirmation_code"`
	Stars   *int       `json:"stars,omitempty"`
	Comment string     `json:"comment,omitempty"`
	RatedAt *time.Time `json:"rated_at,omitempty"`
}

// Texts is a consent text per language.
type Texts = content.Text

// ExportedReg is one registration with its event and attendance.
type ExportedReg struct {
	Code string `json:"confirmation_code"`
	Kind string `json:"kind"`
	// Guardian: the name of the guardian who registered this child (the
	// number is the guardian's); AgeDetail: under_7 or 7_15.
	Guardian       string     `json:"guardian,omitempty"`
	AgeDetail      string     `json:"age_detail,omitempty"`
	Status         string     `json:"status"`
	Name           string     `json:"name"`
	Phone          string     `json:"phone"`
	Sex            string     `json:"sex"`
	AgeBand        string     `json:"age_band"`
	Role           string     `json:"role"`
	Organisation   string     `json:"organisation"`
	GroupSize      int        `json:"group_size"`
	Lang           string     `json:"language"`
	Source         string     `json:"source"`
	ConsentVersion string     `json:"consent_version"`
	ConsentAt      *time.Time `json:"consent_at"`
	CreatedAt      time.Time  `json:"registered_at"`
	CancelledAt    *time.Time `json:"cancelled_at,omitempty"`
	AnonymisedAt   *time.Time `json:"anonymised_at,omitempty"`
	Event          ExportedEv `json:"event"`
	CheckedInAt    *time.Time `json:"checked_in_at,omitempty"`
	Attended       bool       `json:"attended"`
}

// ExportedEv names the event of a registration.
type ExportedEv struct {
	ID       uint      `json:"id"`
	Code     string    `json:"code"`
	Title    string    `json:"title"`
	Kind     string    `json:"kind"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	TimeZone string    `json:"time_zone"`
}

// ExportedSMS is one SMS sent (or queued) to the person.
type ExportedSMS struct {
	Kind      string     `json:"kind"`
	Body      string     `json:"body"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

type regRow struct {
	registration.Registration
	EvCode     string
	EvKind     string
	EvStartsAt time.Time
	EvEndsAt   time.Time
	EvTimeZone string
	EvLang     string
}

// Find returns the registrations of a subject (nil when none).
func find(tx *gorm.DB, s Subject) ([]regRow, error) {
	var rows []regRow
	q := tx.Table("registrations").
		Select("registrations.*, events.code AS ev_code, events.kind AS ev_kind, events.starts_at AS ev_starts_at, events.ends_at AS ev_ends_at, events.time_zone AS ev_time_zone, events.lang AS ev_lang").
		Joins("JOIN events ON events.id = registrations.event_id")
	err := s.where(q).Order("events.starts_at").Order("registrations.id").Scan(&rows).Error
	return rows, err
}

// BuildExport gathers a subject's data in lang (event titles) and records
// the export in the audit log (without the data itself).
func BuildExport(ctx context.Context, db *gorm.DB, actorID uint, s Subject, lang string, now time.Time) (*Export, error) {
	if s.empty() {
		return nil, apperr.New(apperr.Invalid, "error.account.subject_required")
	}
	out := &Export{GeneratedAt: now.UTC(), Registrations: []ExportedReg{}, Messages: []ExportedSMS{}, Consents: map[string]Texts{}}
	out.Subject = s.Phone
	if out.Subject == "" {
		out.Subject = strings.ToUpper(s.Code)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The export ends with an audit entry: write first (see database.LockRow).
		if err := database.LockRow(tx, "audit_logs", 0); err != nil {
			return err
		}
		rows, err := find(tx, s)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return apperr.New(apperr.NotFound, "error.account.nothing_found")
		}
		ids := make([]uint, len(rows))
		evIDs := make([]uint, 0, len(rows))
		versions := []string{}
		for i, r := range rows {
			ids[i] = r.ID
			evIDs = append(evIDs, r.EventID)
			if r.ConsentVersion != "" {
				versions = append(versions, r.ConsentVersion)
			}
		}
		out.RegistrationIDs, out.EventIDs = ids, evIDs
		for _, r := range rows {
			if out.FirstAt.IsZero() || r.CreatedAt.Before(out.FirstAt) {
				out.FirstAt = r.CreatedAt
			}
		}
		titles, err := eventTitles(tx, evIDs, lang)
		if err != nil {
			return err
		}
		checked := map[uint]time.Time{}
		if tx.Migrator().HasTable("attendances") {
			var att []struct {
				RegistrationID uint
				CheckedInAt    time.Time
			}
			if err := tx.Table("attendances").Select("registration_id, checked_in_at").Where("registration_id IN ?", ids).Scan(&att).Error; err != nil {
				return err
			}
			for _, a := range att {
				checked[a.RegistrationID] = a.CheckedInAt
			}
		}
		for _, r := range rows {
			e := ExportedReg{
				Code: r.Code, Kind: r.Kind, Status: string(r.Status), Name: r.Name, Sex: r.Sex, AgeBand: r.AgeBand,
				Role: r.Role, Organisation: r.Organisation, GroupSize: r.GroupSize, Lang: r.Lang, Source: r.Source,
				ConsentVersion: r.ConsentVersion, ConsentAt: r.ConsentAt, CreatedAt: r.CreatedAt,
				CancelledAt: r.CancelledAt, AnonymisedAt: r.AnonymisedAt, Guardian: r.GuardianName, AgeDetail: r.AgeDetail,
				Event: ExportedEv{ID: r.EventID, Code: r.EvCode, Title: titles[r.EventID], Kind: r.EvKind,
					StartsAt: r.EvStartsAt, EndsAt: r.EvEndsAt, TimeZone: r.EvTimeZone},
			}
			if r.Phone != nil {
				e.Phone = *r.Phone
			}
			if at, ok := checked[r.ID]; ok {
				at := at
				e.CheckedInAt, e.Attended = &at, true
			}
			out.Registrations = append(out.Registrations, e)
		}
		codeOf := map[uint]string{}
		for _, r := range rows {
			codeOf[r.ID] = r.Code
		}
		recs, err := registration.ConsentRecords(ctx, tx, ids)
		if err != nil {
			return err
		}
		out.ConsentRecords = []ExportedConsent{}
		for _, c := range recs {
			out.ConsentRecords = append(out.ConsentRecords, ExportedConsent{Code: codeOf[c.RegistrationID], Audience: c.Audience,
				Version: c.Version, GivenBy: c.GivenBy, Method: c.Method, Withdrawn: c.Withdrawn, At: c.CreatedAt})
		}
		out.Quizzes = []ExportedQuiz{}
		if tx.Migrator().HasTable("quiz_attempts") {
			var qs []struct {
				RegistrationID uint
				Phase          string
				ScorePct       *float64
				SubmittedAt    *time.Time
			}
			if err := tx.Table("quiz_attempts").Select("registration_id, phase, score_pct, submitted_at").
				Where("registration_id IN ?", ids).Order("started_at, id").Scan(&qs).Error; err != nil {
				return err
			}
			for _, q := range qs {
				out.Quizzes = append(out.Quizzes, ExportedQuiz{Code: codeOf[q.RegistrationID], Phase: q.Phase, ScorePct: q.ScorePct, SubmittedAt: q.SubmittedAt})
			}
		}
		out.Ratings = []ExportedRating{}
		if tx.Migrator().HasTable("session_ratings") {
			var rs []struct {
				RegistrationID uint
				Stars          *int
				Comment        string
				RatedAt        *time.Time
			}
			if err := tx.Table("session_ratings").Select("registration_id, stars, comment, rated_at").
				Where("registration_id IN ? AND stars IS NOT NULL", ids).Order("id").Scan(&rs).Error; err != nil {
				return err
			}
			for _, r := range rs {
				out.Ratings = append(out.Ratings, ExportedRating{Code: codeOf[r.RegistrationID], Stars: r.Stars, Comment: r.Comment, RatedAt: r.RatedAt})
			}
		}
		var msgs []ExportedSMS
		mq := tx.Table("sms_messages").Select("kind, body, status, created_at, sent_at")
		if s.Phone != "" {
			mq = mq.Where("registration_id IN ? OR to_phone = ?", ids, s.Phone)
		} else {
			mq = mq.Where("registration_id IN ?", ids)
		}
		if err := mq.Order("created_at").Order("id").Scan(&msgs).Error; err != nil {
			return err
		}
		if msgs != nil {
			out.Messages = msgs
		}
		if s.Phone != "" {
			if out.Announcements, err = exportOptin(tx, s.Phone); err != nil {
				return err
			}
		}
		if len(versions) > 0 {
			var cvs []ConsentVersion
			if err := tx.Where("version IN ?", versions).Find(&cvs).Error; err != nil {
				return err
			}
			for _, cv := range cvs {
				out.Consents[cv.Version] = cv.Text
			}
		}
		return audit.Record(tx, actorID, "export", "personal_data", "", nil, map[string]any{"registrations": len(rows)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func eventTitles(tx *gorm.DB, evIDs []uint, lang string) (map[uint]string, error) {
	var trs []struct {
		EventID uint
		Lang    string
		Title   string
	}
	if err := tx.Table("event_translations").Select("event_id, lang, title").Where("event_id IN ?", evIDs).Scan(&trs).Error; err != nil {
		return nil, err
	}
	per := map[uint]content.Text{}
	for _, t := range trs {
		if per[t.EventID] == nil {
			per[t.EventID] = content.Text{}
		}
		per[t.EventID][t.Lang] = t.Title
	}
	out := map[uint]string{}
	for id, tx := range per {
		out[id] = tx.String(lang)
	}
	return out, nil
}

// anonymisedFields blanks what identifies a person.
func anonymisedFields(now time.Time) map[string]any {
	return map[string]any{"name": "", "name_folded": "", "phone": nil, "organisation": "", "guardian_name": "",
		"anonymised_at": now.UTC(), "updated_at": now.UTC()}
}

// anonymise blanks the registrations ids (those not anonymised yet) inside
// tx, scrubs their SMS and audit traces, and returns how many it changed.
func anonymise(tx *gorm.DB, ids []uint, now time.Time) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := tx.Table("registrations").Where("id IN ? AND anonymised_at IS NULL", ids).Updates(anonymisedFields(now))
	if res.Error != nil {
		return 0, res.Error
	}
	// Names and numbers waiting in webhook events go too.
	if err := webhook.Forget(tx, ids); err != nil {
		return 0, err
	}
	// The SMS outbox holds the number and texts that may name the person; a
	// message not sent yet is not sent any more.
	err := tx.Exec(`UPDATE sms_messages SET to_phone = '', body = '', last_error = 'anonymised',
		status = CASE WHEN status IN ('queued', 'sending') THEN 'failed' ELSE status END
		WHERE registration_id IN ?`, ids).Error
	if err != nil {
		return 0, err
	}
	// A rating's comment is the person's own words and may name them; its
	// stars stay in the figures, tied to nobody once the registration is
	// blank. The link stops working: its hash is replaced by one of nothing.
	if tx.Migrator().HasTable("session_ratings") {
		if err := tx.Exec(`UPDATE session_ratings SET comment = '', token_hash = 'erased-' || CAST(id AS VARCHAR(20))
			WHERE registration_id IN ?`, ids).Error; err != nil {
			return 0, err
		}
	}
	strIDs := make([]string, len(ids))
	for i, id := range ids {
		strIDs[i] = strconv.FormatUint(uint64(id), 10)
	}
	// Audit entries of these registrations may hold their name or phone.
	err = tx.Exec(`UPDATE audit_logs SET "before" = CASE WHEN "before" = '' THEN '' ELSE '{"anonymised":true}' END,
		"after" = CASE WHEN "after" = '' THEN '' ELSE '{"anonymised":true}' END
		WHERE entity = 'registration' AND entity_id IN ?`, strIDs).Error
	return res.RowsAffected, err
}

// Erase anonymises every registration of a subject at an admin's request
// and records it in the audit log. It returns how many were anonymised.
// Registrations for sessions still to come are cancelled first, so that the
// seat goes to the waiting list (notify tells the person promoted) rather
// than staying held by an anonymous row.
func Erase(ctx context.Context, db *gorm.DB, actorID uint, s Subject, now time.Time, notify *registration.Notifier) (int64, error) {
	if s.empty() {
		return 0, apperr.New(apperr.Invalid, "error.account.subject_required")
	}
	var live []uint
	err := s.where(db.WithContext(ctx).Table("registrations")).
		Joins("JOIN events ON events.id = registrations.event_id").
		Where("registrations.status <> ? AND registrations.anonymised_at IS NULL AND events.ends_at > ?", registration.StatusCancelled, now.UTC()).
		Pluck("registrations.id", &live).Error
	if err != nil {
		return 0, err
	}
	for _, id := range live {
		if _, err := registration.Cancel(ctx, db, registration.Ref{ID: id}, actorID, now, notify); err != nil {
			return 0, err
		}
	}
	var n int64
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "registrations", 0); err != nil {
			return err
		}
		var ids []uint
		if err := s.where(tx.Table("registrations")).Where("anonymised_at IS NULL").Order("id").Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return apperr.New(apperr.NotFound, "error.account.nothing_found")
		}
		if err := forgetOptins(tx, ids); err != nil {
			return err
		}
		var err error
		if n, err = anonymise(tx, ids, now); err != nil {
			return err
		}
		return audit.Record(tx, actorID, "erase", "personal_data", "", nil, map[string]any{"registrations": ids})
	})
	return n, err
}

// RetentionBatch anonymises up to limit registrations whose event ended
// more than days ago. Several instances may run it at once: the update only
// touches rows not yet anonymised, so a row is counted by one of them only.
func RetentionBatch(ctx context.Context, db *gorm.DB, days, limit int, now time.Time) (int64, error) {
	return retentionBatch(ctx, db, endedBefore{Days: days}, limit, now)
}

// endedBefore says which sessions are past a retention period: ended more
// than Days ago, or more than ByCountry[c] ago for a session of country c
// whose law sets its own period (issue 20).
type endedBefore struct {
	Days      int
	ByCountry map[string]int
}

// sql is the condition on events: one term per country that has its own
// period and one for the others, so that a batch is still one query (each
// bound compared with the column, so PostgreSQL types it).
func (e endedBefore) sql(now time.Time) (string, []any) {
	if len(e.ByCountry) == 0 {
		return "events.ends_at < ?", []any{now.UTC().AddDate(0, 0, -e.Days)}
	}
	codes := make([]string, 0, len(e.ByCountry))
	for c := range e.ByCountry {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var terms []string
	var args []any
	for _, c := range codes {
		terms = append(terms, "(events.country = ? AND events.ends_at < ?)")
		args = append(args, c, now.UTC().AddDate(0, 0, -e.ByCountry[c]))
	}
	terms = append(terms, "(events.country NOT IN ? AND events.ends_at < ?)")
	args = append(args, codes, now.UTC().AddDate(0, 0, -e.Days))
	return "(" + strings.Join(terms, " OR ") + ")", args
}

func retentionBatch(ctx context.Context, db *gorm.DB, cut endedBefore, limit int, now time.Time) (int64, error) {
	ended, endedArgs := cut.sql(now)
	var n int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "registrations", 0); err != nil {
			return err
		}
		var ids []uint
		err := tx.Table("registrations").
			Joins("JOIN events ON events.id = registrations.event_id").
			Where("registrations.anonymised_at IS NULL").Where(ended, endedArgs...).
			Order("registrations.id").Limit(limit).Pluck("registrations.id", &ids).Error
		if err != nil || len(ids) == 0 {
			return err
		}
		if n, err = anonymise(tx, ids, now); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		after := map[string]any{"registrations": n, "older_than_days": cut.Days}
		if len(cut.ByCountry) > 0 {
			after["countries_days"] = cut.ByCountry
		}
		return audit.Record(tx, 0, "retention", "personal_data", "", nil, after)
	})
	return n, err
}

// RunRetention anonymises in batches until nothing is left (or ctx ends).
func RunRetention(ctx context.Context, db *gorm.DB, days int, now time.Time) (int64, error) {
	return runRetention(ctx, db, endedBefore{Days: days}, now)
}

func runRetention(ctx context.Context, db *gorm.DB, cut endedBefore, now time.Time) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		n, err := retentionBatch(ctx, db, cut, 200, now)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, ctx.Err()
}

// ConsentVersion is one published consent text: the registration area's
// model (registrations record the version they accepted).
type ConsentVersion = registration.Consent

// ConsentVersions lists the versions, newest first.
func ConsentVersions(ctx context.Context, db *gorm.DB) ([]ConsentVersion, error) {
	var out []ConsentVersion
	err := db.WithContext(ctx).Order("created_at DESC").Order("id DESC").Find(&out).Error
	return out, err
}

// CurrentConsent is the text participants of a country's sessions accept
// now (its newest version, else the programme's); registrations record its
// Version. Nil when none is published.
func CurrentConsent(ctx context.Context, db *gorm.DB, country string) (*ConsentVersion, error) {
	return registration.CurrentConsent(ctx, db, country)
}

// ConsentInput is a new version of a consent text.
type ConsentInput struct {
	Audience string
	Version  string
	// Country is the country whose sessions show it; "" for every country
	// without a text of its own.
	Country string
	Text    content.Text
}

// ConsentTextMax is the longest consent text, per language.
const ConsentTextMax = 4000

// check says every problem of the input at once, beside its field: the
// text is required in every interface language of its country (the core
// languages for the programme's text), since a participant must read what
// they accept in the language of their page.
func (in *ConsentInput) check(tx *gorm.DB) error {
	var fe apperr.FieldList
	switch in.Audience {
	case registration.ConsentAdult, registration.ConsentGuardian, registration.ConsentChild, registration.ConsentAnnouncements:
	default:
		fe.Add("audience", "error.register.bad_choice", nil)
	}
	langs := locale.Core
	if in.Country != "" {
		c, err := country.ByCode(tx.Statement.Context, tx, in.Country)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !c.Active) {
			fe.Add("country", "error.consent.country", nil)
		} else if err != nil {
			return err
		} else {
			langs = c.Languages
		}
	}
	for _, l := range langs {
		if strings.TrimSpace(in.Text[l]) == "" {
			fe.Add("text_"+l, "error.consent.text_required", map[string]any{"Lang": l})
		}
	}
	for l, v := range in.Text {
		if len([]rune(v)) > ConsentTextMax {
			fe.Add("text_"+l, "error.text.too_long_in", map[string]any{"Lang": l, "Max": ConsentTextMax})
		}
	}
	return fe.Err()
}

// PublishConsent stores a new version of the consent text. Earlier versions
// stay, since registrations point at the version they accepted.
func PublishConsent(ctx context.Context, db *gorm.DB, actorID uint, in ConsentInput, now time.Time) (*ConsentVersion, error) {
	text := content.Text{}
	for l, v := range in.Text {
		if v != "" {
			text[l] = v
		}
	}
	cv := &ConsentVersion{Version: in.Version, Audience: in.Audience, Country: in.Country, Text: text, CreatedAt: now.UTC()}
	if actorID != 0 {
		cv.CreatedByID = &actorID
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := in.check(tx); err != nil {
			return err
		}
		if err := tx.Create(cv).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return apperr.Wrap(apperr.Conflict, "error.account.version_taken", err)
			}
			return err
		}
		return audit.Record(tx, actorID, "publish", "consent_version", cv.Version, nil, map[string]any{"version": cv.Version, "audience": cv.Audience, "country": cv.Country, "text": cv.Text})
	})
	if err != nil {
		return nil, err
	}
	return cv, nil
}

// ScrubOldMessages blanks the number and text of SMS messages (sent, kept
// or failed; never one still waiting to be sent) created more than days ago:
// the outbox must not keep phone numbers longer than the registrations do.
func ScrubOldMessages(ctx context.Context, db *gorm.DB, days int, now time.Time) (int64, error) {
	cutoff := now.UTC().AddDate(0, 0, -days)
	res := db.WithContext(ctx).Exec(`UPDATE sms_messages SET to_phone = '', body = ''
		WHERE created_at < ? AND (to_phone <> '' OR body <> '') AND status NOT IN ('queued', 'sending')`, cutoff)
	return res.RowsAffected, res.Error
}

// WithdrawGuardianConsent is a guardian withdrawing consent for their
// child, through the link sent to their phone: a registration still to come
// is cancelled (its seat goes to the waiting list), the child's data is
// anonymised (counts kept: sex, age band, event) and the withdrawal recorded,
// without the personal data, in the consent records and the audit log.
// Withdrawing twice is harmless.
func WithdrawGuardianConsent(ctx context.Context, db *gorm.DB, token string, now time.Time, notify *registration.Notifier) (*registration.Registration, error) {
	r, err := registration.GetByGuardianToken(ctx, db, token)
	if err != nil {
		return nil, err
	}
	if r.AnonymisedAt != nil {
		return r, nil
	}
	if r.Status != registration.StatusCancelled && now.Before(eventStart(ctx, db, r.EventID)) {
		if _, err := registration.CancelForErasure(ctx, db, registration.Ref{ID: r.ID}, now, notify); err != nil {
			return nil, err
		}
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "registrations", 0); err != nil {
			return err
		}
		n, err := anonymise(tx, []uint{r.ID}, now)
		if err != nil || n == 0 {
			return err
		}
		if err := registration.RecordWithdrawal(tx, r, registration.ConsentGuardian, now); err != nil {
			return err
		}
		return audit.Record(tx, 0, "guardian.withdraw", "registration", strconv.FormatUint(uint64(r.ID), 10), nil,
			map[string]any{"anonymised": true})
	})
	if err != nil {
		return nil, err
	}
	return registration.Get(ctx, db, r.ID)
}

// eventStart is when an event starts (the zero time when it is gone).
func eventStart(ctx context.Context, db *gorm.DB, id uint) time.Time {
	var t struct{ StartsAt time.Time }
	db.WithContext(ctx).Table("events").Select("starts_at").Where("id = ?", id).Take(&t)
	return t.StartsAt
}
