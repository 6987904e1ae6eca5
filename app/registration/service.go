package registration

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// Limits on what people type.
const (
	NameMin         = 2
	NameMax         = 100
	OrganisationMax = 160
	GroupMin        = 2
	GroupMax        = 200
)

// Breakdown is a group's head count (stored as JSON in
// registrations.group_breakdown). It carries no personal data about the
// children.
//
// Since m0080 a group records the sex × age grid, like a headcount: Grid
// maps a sex to an age band to a number of people, and its cells sum to the
// group's size. Groups recorded before kept two separate totals, by sex and
// by age band (Sex, AgeBand, each empty or summing to the size): their
// crossing is unknown, and m0080 marked them UnknownCrossing. Nothing ever
// invents a split for them: the figures count them as "sex × age not
// recorded".
type Breakdown struct {
	Grid    map[string]map[string]int `json:"grid,omitempty"`
	Sex     map[string]int            `json:"sex,omitempty"`
	AgeBand map[string]int            `json:"age_band,omitempty"`
	// UnknownCrossing: recorded as two separate totals, before the grid.
	UnknownCrossing bool `json:"unknown_crossing,omitempty"`
}

// ParseBreakdown reads a stored breakdown; a broken one reads as empty.
func ParseBreakdown(s string) Breakdown {
	var b Breakdown
	_ = json.Unmarshal([]byte(s), &b)
	return b
}

// Crossed tells whether the breakdown is the sex × age grid (a group
// recorded since m0080); otherwise the crossing is unknown.
func (b Breakdown) Crossed() bool { return b.Grid != nil && !b.UnknownCrossing }

// Set puts n people in a cell of the grid.
func (b *Breakdown) Set(sex, band string, n int) {
	if b.Grid == nil {
		b.Grid = map[string]map[string]int{}
	}
	if b.Grid[sex] == nil {
		b.Grid[sex] = map[string]int{}
	}
	b.Grid[sex][band] = n
}

// Total is the number of people in the grid.
func (b Breakdown) Total() int {
	n := 0
	for _, row := range b.Grid {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// GridField names the form field (and the error) of a cell of the grid.
func GridField(sex, band string) string { return "g_" + sex + "_" + band }

// GridSumField names the error of a grid whose cells do not sum to the size.
const GridSumField = "group_grid"

// Input is what a registration asks for. Phone is raw, as the person wrote it.
type Input struct {
	EventID        uint
	Name           string
	Phone          string
	Sex            string
	AgeBand        string
	Role           string
	Organisation   string
	Lang           string
	Source         string
	ConsentVersion string
	Kind           string // KindIndividual (default) or KindGroup
	GroupSize      int
	GroupBreakdown Breakdown
	PartnerID      *uint
	CreatedByID    *uint
	// PartnerConsentVersion: a group's contact attested that the partner
	// holds the guardians' consent (the version of the text shown).
	PartnerConsentVersion string
	// AnnounceConsent, when set, is the version of the announcements'
	// consent text the person ticked ("tell me about future sessions near
	// me", unticked by default, never a condition of registering): their
	// number's opt-in is recorded with the registration (recordOptin).
	AnnounceConsent string
	// Notify, when set, queues the participant's SMS in the same transaction.
	Notify *Notifier
	// Event, when the caller holds it, is the event as the messages describe
	// it (with its translations and venue; read only): a registration form
	// keeps it per content version, so a rush does not load it once a
	// person. Nil: loaded in the transaction.
	Event *event.Event
	// Region is where a number typed without + belongs: the session's
	// country's phone region. Empty: the Event's, or read from the session.
	Region string

	parsed *parsedPhone // PhoneNumber's last reading
}

type parsedPhone struct {
	raw, region string
	num         phone.Number
	err         error
}

// PhoneNumber reads the number typed in the session's region, once for
// the caller and Register both: the public form keys its rate limit on it
// before registering, and a crowd's registrations should not parse each
// number twice.
func (in *Input) PhoneNumber() (phone.Number, error) {
	region := in.Region
	if region == "" && in.Event != nil {
		region = in.Event.PhoneRegion
	}
	if p := in.parsed; p == nil || p.raw != in.Phone || p.region != region {
		num, err := phone.ParseIn(in.Phone, region)
		in.parsed = &parsedPhone{raw: in.Phone, region: region, num: num, err: err}
	}
	return in.parsed.num, in.parsed.err
}

// Result tells what Register did.
type Result struct {
	Registration *Registration
	// Existing: this person (number and folded name) was already registered
	// for the event; the registration returned is that one, unchanged. A
	// public caller must not show it: whoever typed the number may not be
	// its owner (ResentTicket tells whether the owner's phone was sent the
	// ticket link again).
	Existing bool
	// ResentTicket: the ticket link went again to the number (Existing).
	ResentTicket bool
	// Reactivated: a cancelled registration of this person came back to life
	// (same row, same code). Only trusted callers reactivate (Input.trusted).
	Reactivated bool
	// WaitlistPosition is the place in line (1 = next), 0 when confirmed.
	WaitlistPosition Place
	// Renumbered: the number was an 11-digit mobile from before 2018,
	// converted to today's number; OldPhone is what was typed (national form).
	Renumbered bool
	OldPhone   string
}

// codeAlphabet has no 0/O, 1/I/L: codes are read aloud and typed by hand.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLength gives 31^7 ≈ 2.7·10^10 codes: unguessable at any rate the rate
// limits allow.
const CodeLength = 7

// NewCode returns a random confirmation code (crypto/rand, no modulo bias).
func NewCode() string {
	out := make([]byte, 0, CodeLength)
	buf := make([]byte, 16)
	limit := byte(256 - 256%len(codeAlphabet))
	for len(out) < CodeLength {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			if b < limit && len(out) < CodeLength {
				out = append(out, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// NormaliseCode upper-cases a code as typed and drops spaces and dashes; it
// returns "" for anything that cannot be a code.
func NormaliseCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
	if len(s) < 6 || len(s) > 16 {
		return ""
	}
	for _, r := range s {
		if !strings.ContainsRune(codeAlphabet, r) && !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') {
			return ""
		}
	}
	return s
}

// foldedMax is the size of the column name_folded.
const foldedMax = 120

// FoldName is the search key stored beside a name (textnorm.Fold), cut to
// its column: compatibility decomposition can lengthen a name many times
// (U+FDFA alone folds to 18 letters).
func FoldName(name string) string {
	f := textnorm.Fold(name)
	if utf8.RuneCountInString(f) <= foldedMax {
		return f
	}
	return strings.TrimSpace(string([]rune(f)[:foldedMax]))
}

// CleanName normalises a name and checks its limits; errors carry i18n keys.
func CleanName(raw string) (string, error) {
	n := textnorm.Clean(raw)
	switch {
	case !utf8.ValidString(raw) || strings.ContainsRune(raw, 0):
		// No phone keyboard types these: refuse rather than guess.
		return "", apperr.New(apperr.Invalid, "error.register.name_chars")
	case n == "":
		return "", apperr.New(apperr.Invalid, "error.register.name_required")
	case utf8.RuneCountInString(n) < NameMin:
		return "", apperr.New(apperr.Invalid, "error.register.name_short")
	case utf8.RuneCountInString(n) > NameMax:
		return "", apperr.New(apperr.Invalid, "error.register.name_long")
	case strings.ContainsAny(n, "<>{}\\|") || strings.ContainsAny(n[:1], "=+@-"):
		// Nothing in a name can become markup, a template or a spreadsheet
		// formula in an export.
		return "", apperr.New(apperr.Invalid, "error.register.name_chars")
	case !strings.ContainsFunc(n, unicode.IsLetter):
		return "", apperr.New(apperr.Invalid, "error.register.name_letters")
	}
	return n, nil
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// trusted tells whether the caller is known to speak for the number's owner:
// staff (registering on someone's behalf, importing a list) or the phone
// itself (an SMS comes from its number). The web form is not: anyone can
// type anyone's number.
func (in *Input) trusted() bool {
	return in.CreatedByID != nil || in.Source == SourceSMS || in.Source == SourceImport || in.Source == SourceStaff
}

// readRegion finds the session's phone region when the caller did not
// give it (an SMS, an import, the API): a form holds the event already.
func (in *Input) readRegion(ctx context.Context, db *gorm.DB) error {
	if in.Region == "" && in.Event != nil {
		in.Region = in.Event.PhoneRegion
	}
	if in.Region != "" {
		return nil
	}
	r, err := event.RegionOf(db.WithContext(ctx), in.EventID)
	in.Region = r
	return err
}

// Check runs the input's own rules without touching the database, so that
// a form with other errors shows these too (every error at once).
func (in Input) Check() error {
	_, err := in.normalise()
	return err
}

// normalise checks in and returns the phone number.
func (in *Input) normalise() (phone.Number, error) {
	if in.Kind == "" {
		in.Kind = KindIndividual
	}
	if in.Kind != KindIndividual && in.Kind != KindGroup {
		return phone.Number{}, apperr.New(apperr.Invalid, "error.bad_request")
	}
	if in.Source == "" {
		in.Source = SourceWeb
	}
	if in.Lang == "" {
		in.Lang = "vi"
	}
	// Every problem at once, each on its field.
	var fe apperr.FieldList
	if name, err := CleanName(in.Name); err != nil {
		fe.Add("name", apperr.KeyOf(err), nil)
	} else {
		in.Name = name
	}
	if in.Region == "" && in.Event != nil {
		in.Region = in.Event.PhoneRegion
	}
	num, err := in.PhoneNumber()
	if err != nil {
		fe.Add("phone", err.Error(), nil)
	}
	in.Organisation = textnorm.Clean(in.Organisation)
	if utf8.RuneCountInString(in.Organisation) > OrganisationMax {
		fe.Add("organisation", "error.register.organisation_long", nil)
	}
	if in.Sex != "" && !oneOf(in.Sex, Sexes) {
		fe.Add("sex", "error.register.bad_choice", nil)
	}
	if in.AgeBand != "" && !oneOf(in.AgeBand, AgeBands) {
		fe.Add("age_band", "error.register.bad_choice", nil)
	}
	if in.Kind == KindIndividual && IsChildAge(in.AgeBand) && !in.trusted() {
		// A child registers with a guardian (RegisterChild); staff who
		// register a child hold the guardian's consent.
		fe.Add("age_band", "error.register.child_alone", nil)
	}
	if in.Role != "" && !oneOf(in.Role, Roles) {
		fe.Add("role", "error.register.bad_choice", nil)
	}
	if in.AnnounceConsent != "" && (in.Kind != KindIndividual || !announceOptinAllowed(in.AgeBand)) {
		fe.Add("announce", "error.announce.adults_only", nil)
	}
	if in.Kind == KindIndividual {
		in.GroupSize = 1
		in.GroupBreakdown = Breakdown{}
		return num, fe.Err()
	}
	sizeOK := in.GroupSize >= GroupMin && in.GroupSize <= GroupMax
	if !sizeOK {
		fe.Add("group_size", "error.register.group_size", nil)
	}
	// The grid: every cell a known sex and age band, at least 0, the cells
	// summing to the size. The two separate totals of old groups are not
	// accepted any more.
	in.GroupBreakdown.Sex, in.GroupBreakdown.AgeBand, in.GroupBreakdown.UnknownCrossing = nil, nil, false
	sum, bad := 0, false
	for sex, row := range in.GroupBreakdown.Grid {
		for band, v := range row {
			switch {
			case !oneOf(sex, Sexes) || !oneOf(band, AgeBands):
				fe.Add(GridSumField, "error.register.bad_choice", nil)
				bad = true
			case v < 0 || v > GroupMax:
				fe.Add(GridField(sex, band), "error.register.count", nil)
				bad = true
			default:
				sum += v
			}
			if v == 0 {
				delete(row, band)
			}
		}
		if len(row) == 0 {
			delete(in.GroupBreakdown.Grid, sex)
		}
	}
	if sizeOK && !bad && sum != in.GroupSize {
		fe.Add(GridSumField, "error.register.group_grid_sum", map[string]any{"Size": in.GroupSize, "Sum": sum})
	}
	return num, fe.Err()
}

// Register registers a person (or a group) for an event. Seats are taken
// with one atomic conditional UPDATE, so that however many requests run at
// once an event is never overbooked: when the seats are gone the person joins
// the waiting list.
//
// A phone number is not a secret and families share one: a person is a
// number AND a folded name (ux_registrations_event_phone_person makes a
// duplicate impossible), up to PeoplePerPhone people a number. The same
// person registering again changes nothing and gets Existing; a public caller
// never shows that registration (the number's owner is sent its link again),
// and only a trusted caller (staff, the phone itself by SMS) brings a
// cancelled registration back.
func Register(ctx context.Context, db *gorm.DB, in Input, now time.Time) (*Result, error) {
	if err := in.readRegion(ctx, db); err != nil {
		return nil, err
	}
	num, err := in.normalise()
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	var res *Result
	// A duplicate key means another request inserted the same number (or,
	// once in billions, the same code) first: run again, and the lookup finds
	// the row that won.
	for attempt := 0; ; attempt++ {
		res, err = register(ctx, db, &in, num, now)
		if errors.Is(err, gorm.ErrDuplicatedKey) && attempt < 5 {
			continue
		}
		break
	}
	if err != nil {
		return nil, err
	}
	res.Renumbered, res.OldPhone = num.Renumbered, num.Old
	return res, nil
}

func register(ctx context.Context, db *gorm.DB, in *Input, num phone.Number, now time.Time) (*Result, error) {
	// An opt-in to announcements is written with its registration: the
	// locked way (the one-statement way writes a registration and its
	// message only).
	if in.AnnounceConsent == "" {
		if res, err := fastRegister(ctx, db, in, num, now); res != nil || err != nil {
			return res, err
		}
	}
	var res *Result
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = registerTx(tx, in, num, now, &regState{})
		if err != nil || in.AnnounceConsent == "" || res.Existing || res.Registration.Phone == nil {
			// Existing: whoever typed the number and name may not own
			// them; an opt-in is only taken with a new registration,
			// whose confirmation goes to the phone.
			return err
		}
		return recordOptin(tx, in, res.Registration, now)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// regState is what a run of registrations in one transaction shares (an
// import): whether the event's lock is already held, and the event as the
// messages describe it, loaded once.
type regState struct {
	locked bool
	sms    *event.Event
	// reactivating: the person's cancelled registration comes back (not a
	// new person on the number).
	reactivating bool
	phone        string // the number, E.164
	// hooks: the webhooks subscribed to registration.created.
	hooks *webhook.Subscribers
}

func phoneFull() error {
	return apperr.New(apperr.Invalid, "error.register.phone_full").With(map[string]any{"Max": PeoplePerPhone, "field": "phone"})
}

// registerTx is one registration inside the caller's transaction.
//
// The event's row lock serialises every registration of one event, so what
// runs while it is held sets how many people a popular session can take a
// second. Everything that does not need it runs first: the person's number
// is looked up (a person already registered never takes the lock), the
// event as the messages describe it is loaded; then one statement takes the
// seat and the lock together (claimSeat), and only the inserts of the
// registration and of its message remain before the commit.
func registerTx(tx *gorm.DB, in *Input, num phone.Number, now time.Time, st *regState) (*Result, error) {
	if !st.locked && tx.Dialector.Name() == "sqlite" {
		// SQLite: the first statement writes (see lockEvent).
		if err := lockEvent(tx, "id = ?", in.EventID); err != nil {
			return nil, err
		}
		st.locked = true
	}
	res := &Result{}
	var existing Registration
	found := false
	if in.Kind == KindIndividual {
		// A number is shared by a family: the same number with another
		// (folded) name is another person.
		var same []Registration
		if err := tx.Where("event_id = ? AND phone = ? AND kind = ?", in.EventID, num.E164, KindIndividual).
			Order("id").Find(&same).Error; err != nil {
			return nil, err
		}
		folded, live := FoldName(in.Name), 0
		for i := range same {
			if same[i].NameFolded == folded {
				existing, found = same[i], true
			}
			if same[i].Status != StatusCancelled {
				live++
			}
		}
		if found && (existing.Status != StatusCancelled || !in.trusted()) {
			// Already registered, or cancelled and asked again by someone
			// who may not own the number: nothing changes; the number's
			// owner gets the ticket link again (a cancelled ticket offers
			// "register again" to whoever holds it).
			res.Registration, res.Existing = &existing, true
			if in.Notify != nil && !in.trusted() {
				sent, err := in.Notify.resendTickets(tx, &existing, same, now)
				if err != nil {
					return nil, err
				}
				res.ResentTicket = sent
			}
			if existing.Status == StatusWaitlisted {
				p, err := waitlistPosition(tx, &existing)
				res.WaitlistPosition = p
				return res, err
			}
			return res, nil
		}
		if !found && live >= PeoplePerPhone {
			return nil, phoneFull()
		}
		st.reactivating = found
		if len(same) > 0 && !st.locked {
			// Another person on a number already used here: the limit per
			// number must hold against a family registering at once, so
			// take the event's lock and look again (rare: the hot path is a
			// number new to the event).
			if err := lockEvent(tx, "id = ?", in.EventID); err != nil {
				return nil, err
			}
			st.locked = true
			return registerTx(tx, in, num, now, st)
		}
	}
	if in.Notify != nil && st.sms == nil && in.Event != nil && in.Event.ID == in.EventID {
		st.sms = in.Event
	}
	if in.Notify != nil && st.sms == nil {
		full, err := eventForSMS(tx, in.EventID)
		if err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, apperr.New(apperr.NotFound, "error.event.not_found")
			}
			return nil, err
		}
		st.sms = full
	}
	st.phone = num.E164
	if st.hooks == nil {
		// Who subscribes to registration.created, read before the seat's
		// claim takes the event's lock (once for an import).
		hooks, err := webhook.Lookup(tx, webhook.RegistrationCreated)
		if err != nil {
			return nil, err
		}
		st.hooks = hooks
	}
	confirmed, err := claimSeat(tx, in, now, st)
	if err != nil {
		return nil, err
	}
	r := newRegistration(in, num, now)
	if confirmed {
		r.Status, r.ConfirmedAt = StatusConfirmed, &now
	} else {
		r.Status, r.WaitlistedAt = StatusWaitlisted, &now
	}
	if found {
		// A cancelled registration comes back: same row, same code.
		r.ID, r.Code, r.CreatedAt = existing.ID, existing.Code, existing.CreatedAt
		err = tx.Model(&Registration{}).Where("id = ? AND status = ?", existing.ID, StatusCancelled).
			Select("name", "name_folded", "sex", "age_band", "role", "organisation", "lang", "source",
				"consent_version", "consent_at", "status", "confirmed_at", "waitlisted_at", "cancelled_at", "updated_at",
				"phone_renumbered", "ticket_sent_at").
			Updates(map[string]any{
				"phone_renumbered": r.PhoneRenumbered, "ticket_sent_at": r.TicketSentAt,
				"name": r.Name, "name_folded": r.NameFolded, "sex": r.Sex, "age_band": r.AgeBand, "role": r.Role,
				"organisation": r.Organisation, "lang": r.Lang, "source": r.Source,
				"consent_version": r.ConsentVersion, "consent_at": r.ConsentAt, "status": r.Status,
				"confirmed_at": r.ConfirmedAt, "waitlisted_at": r.WaitlistedAt, "cancelled_at": nil, "updated_at": now,
			}).Error
		if err != nil {
			return nil, err
		}
		res.Reactivated = true
	} else {
		r.Code = NewCode()
		if err := tx.Create(&r).Error; err != nil {
			return nil, err
		}
	}
	res.Registration = &r
	if in.Kind == KindGroup && in.PartnerConsentVersion != "" {
		// Partner staff attest that the partner holds the guardians'
		// consent for the children of the group (who carry no personal
		// data here): the attestation's text version is recorded.
		if err := tx.Create(&ConsentRecord{RegistrationID: r.ID, Audience: ConsentPartner, Version: in.PartnerConsentVersion,
			GivenBy: ConsentPartner, Method: "web", CreatedAt: now}).Error; err != nil {
			return nil, err
		}
	}
	if !confirmed {
		p, err := waitlistPosition(tx, &r)
		if err != nil {
			return nil, err
		}
		res.WaitlistPosition = p
	}
	// The transactional outbox: raised with the registration, or not at all.
	if err := st.hooks.Raise(tx, webhook.Subject{EventID: r.EventID, RegistrationID: r.ID}, now); err != nil {
		return nil, err
	}
	if in.Notify != nil {
		if confirmed {
			err = in.Notify.queueConfirmation(tx, st.sms, &r)
		} else {
			err = in.Notify.queueWaitlisted(tx, st.sms, &r, res.WaitlistPosition)
		}
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// newRegistration is the row of a new registration of in, before its
// status is decided.
func newRegistration(in *Input, num phone.Number, now time.Time) Registration {
	bd, _ := json.Marshal(in.GroupBreakdown)
	e164 := num.E164
	r := Registration{
		EventID: in.EventID, Kind: in.Kind, Name: in.Name, NameFolded: FoldName(in.Name),
		Phone: &e164, Sex: in.Sex, AgeBand: in.AgeBand, Role: in.Role, Organisation: in.Organisation,
		PartnerID: in.PartnerID, GroupSize: in.GroupSize, GroupBreakdown: string(bd), Lang: in.Lang,
		Source: in.Source, ConsentVersion: in.ConsentVersion, CreatedByID: in.CreatedByID,
		PhoneRenumbered: num.Renumbered, CreatedAt: now, UpdatedAt: now,
	}
	if in.Notify != nil {
		r.TicketSentAt = &now
	}
	if in.ConsentVersion != "" {
		r.ConsentAt = &now
	}
	return r
}

// seatState is what claimSeat reads of the event, in the statement that
// locks it.
type seatState struct {
	ID                   uint
	Status               event.Status
	StartsAt             time.Time
	RegistrationDeadline *time.Time
	Capacity             int
	SeatsTaken           int
	// PhonePeople: the people registered with the number and not cancelled,
	// read once the row is locked (PostgreSQL: the number looked up before
	// the lock may have gained people since).
	PhonePeople int
}

func (s seatState) open(now time.Time) bool {
	e := event.Event{Status: s.Status, StartsAt: s.StartsAt, RegistrationDeadline: s.RegistrationDeadline}
	return e.RegistrationOpen(now)
}

// claimSeat takes the registration's seats, or tells that it goes to the
// waiting list, and leaves the event's row locked until the commit.
//
// On PostgreSQL it is one statement: the row is locked and read afresh
// (FOR NO KEY UPDATE in the FROM, as an UPDATE locks it), and the seats are
// added only when they are free; what was read comes back, so the outcome
// is decided on the locked row with no second round trip. SQLite's
// transaction already holds the write lock (lockEvent first): a fresh read,
// then the conditional UPDATE. A rule broken after the seat was taken (the
// deadline passed) returns an error, and the rollback gives the seat back.
func claimSeat(tx *gorm.DB, in *Input, now time.Time, st *regState) (bool, error) {
	var ev seatState
	if !st.locked && tx.Dialector.Name() == "postgres" {
		err := tx.Raw(`UPDATE events e
			SET seats_taken = e.seats_taken + CASE WHEN b.status = ? AND b.seats_taken + ? <= b.capacity THEN ? ELSE 0 END
			FROM (SELECT id, status, seats_taken, capacity FROM events WHERE id = ? FOR NO KEY UPDATE) b
			WHERE e.id = b.id
			RETURNING e.id, b.status, e.starts_at, e.registration_deadline, b.capacity, b.seats_taken,
				lantern_phone_people(e.id, ?, true) AS phone_people`,
			event.StatusPublished, in.GroupSize, in.GroupSize, in.EventID, st.phone).Scan(&ev).Error
		if err != nil {
			return false, err
		}
		if ev.ID == 0 {
			return false, apperr.New(apperr.NotFound, "error.event.not_found")
		}
		st.locked = true
		if err := ev.check(in, now); err != nil {
			return false, err
		}
		if in.Kind == KindIndividual && !st.reactivating && ev.PhonePeople >= PeoplePerPhone {
			return false, phoneFull()
		}
		return ev.SeatsTaken+in.GroupSize <= ev.Capacity, nil
	}
	if err := tx.Raw(`UPDATE events SET seats_taken = seats_taken WHERE id = ?
		RETURNING id, status, starts_at, registration_deadline, capacity, seats_taken`, in.EventID).Scan(&ev).Error; err != nil {
		return false, err
	}
	if ev.ID == 0 {
		return false, apperr.New(apperr.NotFound, "error.event.not_found")
	}
	st.locked = true
	if err := ev.check(in, now); err != nil {
		return false, err
	}
	if ev.SeatsTaken+in.GroupSize > ev.Capacity {
		return false, nil
	}
	return takeSeats(tx, in.EventID, in.GroupSize)
}

// check applies the event's rules to a registration, on the locked row.
func (s seatState) check(in *Input, now time.Time) error {
	if !s.open(now) {
		return apperr.New(apperr.Invalid, "error.register.closed")
	}
	if in.Kind == KindGroup && in.GroupSize > s.Capacity {
		return apperr.New(apperr.Invalid, "error.register.group_too_big").With(map[string]any{"Capacity": s.Capacity, "field": "group_size"})
	}
	return nil
}

// lockEvent takes the event's row lock as the FIRST statement of every
// write transaction here. On PostgreSQL it orders the locks (event, then
// registrations) so that concurrent cancels and registrations never
// deadlock. On SQLite a transaction whose first statement writes waits for
// the write lock under busy_timeout, whereas one that reads first and writes
// later fails with SQLITE_BUSY when another writer committed in between
// (glebarez/go-sqlite ignores _txlock=immediate when _time_format is also
// set, so transactions begin DEFERRED).
func lockEvent(tx *gorm.DB, where string, arg any) error {
	r := tx.Exec("UPDATE events SET seats_taken = seats_taken WHERE "+where, arg)
	if r.Error != nil {
		return r.Error
	}
	if r.RowsAffected == 0 {
		if where == "id = ?" {
			return apperr.New(apperr.NotFound, "error.event.not_found")
		}
		return apperr.New(apperr.NotFound, "error.register.not_found")
	}
	return nil
}

// lockRef locks the event of a registration named by ref.
func lockRef(tx *gorm.DB, ref Ref) error {
	switch {
	case ref.ID != 0:
		return lockEvent(tx, "id = (SELECT event_id FROM registrations WHERE id = ?)", ref.ID)
	case ref.Code != "":
		return lockEvent(tx, "id = (SELECT event_id FROM registrations WHERE code = ?)", ref.Code)
	}
	return apperr.New(apperr.NotFound, "error.register.not_found")
}

// takeSeats takes n seats of an event in one atomic conditional UPDATE:
// true when they were free (the registration is confirmed), false when not
// (waiting list). No read-then-write race is possible.
func takeSeats(tx *gorm.DB, eventID uint, n int) (bool, error) {
	r := tx.Exec("UPDATE events SET seats_taken = seats_taken + ? WHERE id = ? AND seats_taken + ? <= capacity", n, eventID, n)
	if r.Error != nil {
		return false, r.Error
	}
	return r.RowsAffected == 1, nil
}

func freeSeats(tx *gorm.DB, eventID uint, n int) error {
	return tx.Exec("UPDATE events SET seats_taken = seats_taken - ? WHERE id = ?", n, eventID).Error
}

// PlacesCounted is how far a place in line is counted exactly. Counting the
// people ahead costs a row read each, inside the registration's transaction
// while the event is locked; past a hundred the exact figure tells a family
// nothing more than "more than 100", and a hot event's waiting list of
// thousands would make every new registration slower than the last.
const PlacesCounted = 100

// Place is a place in a waiting list (1 = next); above PlacesCounted it
// reads "100+".
type Place int

func (p Place) String() string {
	if p > PlacesCounted {
		return strconv.Itoa(PlacesCounted) + "+"
	}
	return strconv.Itoa(int(p))
}

// waitlistPosition is the place of r in its event's waiting list (1 = next),
// counted up to PlacesCounted+1.
func waitlistPosition(tx *gorm.DB, r *Registration) (Place, error) {
	if r.WaitlistedAt == nil {
		return 0, nil
	}
	var n int64
	err := tx.Raw(`SELECT count(*) FROM (SELECT 1 FROM registrations
		WHERE event_id = ? AND status = ? AND (waitlisted_at < ? OR (waitlisted_at = ? AND id <= ?))
		LIMIT ?) ahead`,
		r.EventID, StatusWaitlisted, *r.WaitlistedAt, *r.WaitlistedAt, r.ID, PlacesCounted+1).Scan(&n).Error
	return Place(n), err
}

// WaitlistPosition is the place of r in its event's waiting list (0 when r is
// not waitlisted).
func WaitlistPosition(ctx context.Context, db *gorm.DB, r *Registration) (Place, error) {
	if r.Status != StatusWaitlisted {
		return 0, nil
	}
	return waitlistPosition(db.WithContext(ctx), r)
}

// Ref names a registration by id (staff) or by code (the participant).
type Ref struct {
	ID   uint
	Code string
}

func (ref Ref) load(tx *gorm.DB) (*Registration, error) {
	var r Registration
	q := tx
	switch {
	case ref.ID != 0:
		q = q.Where("id = ?", ref.ID)
	case ref.Code != "":
		q = q.Where("code = ?", ref.Code)
	default:
		return nil, apperr.New(apperr.NotFound, "error.register.not_found")
	}
	if err := q.Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.Wrap(apperr.NotFound, "error.register.not_found", err)
		}
		return nil, err
	}
	return &r, nil
}

// GetByCode finds a registration by its confirmation code.
func GetByCode(ctx context.Context, db *gorm.DB, code string) (*Registration, error) {
	code = NormaliseCode(code)
	if code == "" {
		return nil, apperr.New(apperr.NotFound, "error.register.not_found")
	}
	return Ref{Code: code}.load(db.WithContext(ctx))
}

// Get finds a registration by id.
func Get(ctx context.Context, db *gorm.DB, id uint) (*Registration, error) {
	return Ref{ID: id}.load(db.WithContext(ctx))
}

// setStatus moves r from its current status to another one, conditionally,
// so that two concurrent changes never both apply.
func setStatus(tx *gorm.DB, r *Registration, to Status, now time.Time) (bool, error) {
	fields := map[string]any{"status": to, "updated_at": now}
	switch to {
	case StatusConfirmed:
		fields["confirmed_at"] = now
	case StatusWaitlisted:
		fields["waitlisted_at"] = now
	case StatusCancelled:
		fields["cancelled_at"] = now
	}
	res := tx.Model(&Registration{}).Where("id = ? AND status = ?", r.ID, r.Status).Updates(fields)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected != 1 {
		return false, nil
	}
	r.Status, r.UpdatedAt = to, now
	switch to {
	case StatusConfirmed:
		r.ConfirmedAt = &now
	case StatusWaitlisted:
		r.WaitlistedAt = &now
	case StatusCancelled:
		r.CancelledAt = &now
	}
	return true, nil
}

// Cancel cancels a registration (actorID 0: the participant on their
// ticket, allowed until the event starts; otherwise a staff member, audited).
// A freed seat goes to the first in the waiting list it fits, who is told by
// SMS when notify is set. Cancelling twice is harmless.
func Cancel(ctx context.Context, db *gorm.DB, ref Ref, actorID uint, now time.Time, notify *Notifier) (*Registration, error) {
	return cancel(ctx, db, ref, actorID, now, notify, actorID == 0)
}

// CancelForErasure cancels a registration whose person (or guardian) asked
// for their data to be erased: the seat goes to the waiting list, and the
// phone is not sent the "cancelled from your ticket" notice.
func CancelForErasure(ctx context.Context, db *gorm.DB, ref Ref, now time.Time, notify *Notifier) (*Registration, error) {
	return cancel(ctx, db, ref, 0, now, notify, false)
}

func cancel(ctx context.Context, db *gorm.DB, ref Ref, actorID uint, now time.Time, notify *Notifier, tellPhone bool) (*Registration, error) {
	now = now.UTC()
	return changeLocked(ctx, db, ref, func(tx *gorm.DB, r *Registration) error {
		if r.Status == StatusCancelled {
			return nil
		}
		var ev event.Event
		if err := tx.Select("id", "starts_at").Take(&ev, r.EventID).Error; err != nil {
			return err
		}
		if actorID == 0 && !now.Before(ev.StartsAt) {
			return apperr.New(apperr.Invalid, "error.register.cancel_closed")
		}
		was := r.Status
		ok, err := setStatus(tx, r, StatusCancelled, now)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.Conflict, "error.register.changed")
		}
		if tellPhone && notify != nil {
			// Whoever holds the link cancelled: the phone hears of it.
			if err := notify.queueCancelledByTicket(tx, r); err != nil {
				return err
			}
		}
		if actorID != 0 {
			if err := audit.Record(tx, actorID, "registration.cancel", "registration", fmt.Sprint(r.ID),
				map[string]any{"status": was}, map[string]any{"status": r.Status}); err != nil {
				return err
			}
		}
		if err := webhook.Raise(tx, webhook.RegistrationCancelled, webhook.Subject{EventID: r.EventID, RegistrationID: r.ID,
			Extra: map[string]any{"previous_status": was}}, now); err != nil {
			return err
		}
		// Walk-ins never took a seat (they were already in the room), so
		// cancelling one frees none; a pending child's held seat is freed.
		heldSeat := was == StatusConfirmed || (was == StatusPending && r.WaitlistedAt == nil)
		if !heldSeat || r.Kind == KindWalkIn {
			return nil
		}
		if err := freeSeats(tx, r.EventID, r.GroupSize); err != nil {
			return err
		}
		_, err = promote(tx, r.EventID, now, notify, 0)
		return err
	})
}

// Promote fills free seats from the waiting list (first in line that fits,
// in order). The events area calls it after raising an event's capacity.
func Promote(ctx context.Context, db *gorm.DB, eventID uint, now time.Time, notify *Notifier) (int, error) {
	var n int
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockEvent(tx, "id = ?", eventID); err != nil {
			return err
		}
		var err error
		n, err = promote(tx, eventID, now.UTC(), notify, 0)
		return err
	})
	return n, err
}

// promote moves waitlisted registrations to confirmed while seats are free,
// in order of arrival, skipping a group too big for the seats left. skip is
// a registration that must stay waitlisted (one staff just moved there).
func promote(tx *gorm.DB, eventID uint, now time.Time, notify *Notifier, skip uint) (int, error) {
	var ev event.Event
	if err := tx.Select("id", "status", "starts_at", "capacity", "seats_taken").Take(&ev, eventID).Error; err != nil {
		return 0, err
	}
	if ev.Status != event.StatusPublished || !now.Before(ev.StartsAt) || ev.SeatsLeft() == 0 {
		return 0, nil
	}
	var line []Registration
	if err := tx.Where("event_id = ? AND status = ? AND id <> ?", eventID, StatusWaitlisted, skip).
		Order("waitlisted_at, id").Limit(500).Find(&line).Error; err != nil {
		return 0, err
	}
	left := ev.SeatsLeft()
	var full *event.Event
	promoted := 0
	for i := range line {
		r := &line[i]
		if left <= 0 {
			break
		}
		if r.GroupSize > left {
			continue
		}
		was := *r
		ok, err := setStatus(tx, r, StatusConfirmed, now)
		if err != nil {
			return promoted, err
		}
		if !ok {
			continue // changed meanwhile (cancelled by its owner)
		}
		got, err := takeSeats(tx, eventID, r.GroupSize)
		if err != nil {
			return promoted, err
		}
		if !got {
			// Another transaction took the seats: back in line, same place.
			if err := tx.Model(&Registration{}).Where("id = ?", r.ID).
				Updates(map[string]any{"status": StatusWaitlisted, "confirmed_at": nil, "waitlisted_at": was.WaitlistedAt}).Error; err != nil {
				return promoted, err
			}
			break
		}
		left -= r.GroupSize
		promoted++
		if notify != nil && r.Phone != nil {
			if full == nil {
				if full, err = eventForSMS(tx, eventID); err != nil {
					return promoted, err
				}
			}
			if err := notify.queuePromotion(tx, full, r, now); err != nil {
				return promoted, err
			}
		}
	}
	return promoted, nil
}

// changeLocked loads a registration with its row (and its event's) locked,
// runs change on it in the same transaction, and returns it: the common
// frame of every staff or participant change of a registration.
func changeLocked(ctx context.Context, db *gorm.DB, ref Ref, change func(tx *gorm.DB, r *Registration) error) (*Registration, error) {
	var out *Registration
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRef(tx, ref); err != nil {
			return err
		}
		r, err := ref.load(tx)
		if err != nil {
			return err
		}
		out = r
		return change(tx, r)
	})
	return out, err
}

// Confirm gives a waitlisted (or cancelled) registration a seat, if one is
// free: staff never overbook either.
func Confirm(ctx context.Context, db *gorm.DB, id uint, actorID uint, now time.Time, notify *Notifier) (*Registration, error) {
	now = now.UTC()
	return changeLocked(ctx, db, Ref{ID: id}, func(tx *gorm.DB, r *Registration) error {
		if r.Status == StatusConfirmed {
			return nil
		}
		if r.Status == StatusPending {
			// Only the guardian confirms a child (ConfirmGuardian).
			return apperr.New(apperr.Conflict, "error.guardian.pending")
		}
		was := r.Status
		ok, err := setStatus(tx, r, StatusConfirmed, now)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.Conflict, "error.register.changed")
		}
		got, err := takeSeats(tx, r.EventID, r.GroupSize)
		if err != nil {
			return err
		}
		if !got {
			return apperr.New(apperr.Conflict, "error.register.no_seats")
		}
		if err := audit.Record(tx, actorID, "registration.confirm", "registration", fmt.Sprint(r.ID),
			map[string]any{"status": was}, map[string]any{"status": r.Status}); err != nil {
			return err
		}
		if notify != nil && r.Phone != nil {
			full, err := eventForSMS(tx, r.EventID)
			if err != nil {
				return err
			}
			return notify.queuePromotion(tx, full, r, now)
		}
		return nil
	})
}

// MoveToWaitlist puts a confirmed registration at the end of the waiting
// list; its seats go to those already waiting.
func MoveToWaitlist(ctx context.Context, db *gorm.DB, id uint, actorID uint, now time.Time, notify *Notifier) (*Registration, error) {
	now = now.UTC()
	return changeLocked(ctx, db, Ref{ID: id}, func(tx *gorm.DB, r *Registration) error {
		if r.Status == StatusWaitlisted {
			return nil
		}
		if r.Status != StatusConfirmed {
			return apperr.New(apperr.Conflict, "error.register.changed")
		}
		ok, err := setStatus(tx, r, StatusWaitlisted, now)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.Conflict, "error.register.changed")
		}
		if err := freeSeats(tx, r.EventID, r.GroupSize); err != nil {
			return err
		}
		if err := audit.Record(tx, actorID, "registration.waitlist", "registration", fmt.Sprint(r.ID),
			map[string]any{"status": StatusConfirmed}, map[string]any{"status": r.Status}); err != nil {
			return err
		}
		_, err = promote(tx, r.EventID, now, notify, r.ID)
		return err
	})
}

// Filter narrows FindForEvent.
type Filter struct {
	// Query is a name (any case, with or without diacritics) or a phone
	// number as people write it.
	Query  string
	Status Status // "" for every status
	Limit  int
	Offset int
}

// FindForEvent lists an event's registrations, oldest first, with the total
// matching count (for paging).
func FindForEvent(ctx context.Context, db *gorm.DB, eventID uint, f Filter) ([]Registration, int64, error) {
	q := db.WithContext(ctx).Model(&Registration{}).Where("event_id = ?", eventID)
	switch f.Status {
	case "":
	case StatusConfirmed, StatusPending, StatusWaitlisted, StatusCancelled:
		q = q.Where("status = ?", f.Status)
	default:
		return nil, 0, apperr.New(apperr.Invalid, "error.bad_request")
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		region, err := event.RegionOf(db.WithContext(ctx), eventID)
		if err != nil {
			return nil, 0, err
		}
		if num, err := phone.ParseIn(s, region); err == nil && looksLikePhone(s) {
			q = q.Where("phone = ?", num.E164)
		} else {
			q = q.Where("name_folded LIKE ? ESCAPE '!'", "%"+escapeLike(textnorm.Fold(s))+"%")
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Registration
	err := q.Order("created_at, id").Limit(limit).Offset(f.Offset).Find(&out).Error
	return out, total, err
}

func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 8
}

func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// eventForSMS loads what the messages say about an event.
func eventForSMS(tx *gorm.DB, id uint) (*event.Event, error) {
	var e event.Event
	err := tx.Preload("Translations").Preload("Venue").Take(&e, id).Error
	return &e, err
}

// Restore registers again the person of a cancelled registration, from its
// ticket (whoever holds the link: the message to the phone carries it). The
// seat is taken like any new registration's, or the person joins the end of
// the waiting list; restoring twice is harmless.
func Restore(ctx context.Context, db *gorm.DB, code string, now time.Time, notify *Notifier) (*Registration, error) {
	now = now.UTC()
	code = NormaliseCode(code)
	if code == "" {
		return nil, apperr.New(apperr.NotFound, "error.register.not_found")
	}
	return changeLocked(ctx, db, Ref{Code: code}, func(tx *gorm.DB, r *Registration) error {
		if r.Status != StatusCancelled || r.Kind == KindWalkIn {
			return nil
		}
		var ev event.Event
		if err := tx.Select("id", "status", "starts_at", "registration_deadline", "capacity", "seats_taken").
			Take(&ev, r.EventID).Error; err != nil {
			return err
		}
		if !ev.RegistrationOpen(now) {
			return apperr.New(apperr.Invalid, "error.register.closed")
		}
		if r.Phone != nil && r.Kind == KindIndividual {
			var live int64
			if err := tx.Model(&Registration{}).Where("event_id = ? AND phone = ? AND kind = ? AND status <> ?",
				r.EventID, *r.Phone, KindIndividual, StatusCancelled).Count(&live).Error; err != nil {
				return err
			}
			if live >= PeoplePerPhone {
				return apperr.New(apperr.Invalid, "error.register.phone_full").With(map[string]any{"Max": PeoplePerPhone, "field": "phone"})
			}
		}
		confirmed, err := takeSeats(tx, r.EventID, r.GroupSize)
		if err != nil {
			return err
		}
		to := StatusWaitlisted
		if confirmed {
			to = StatusConfirmed
		}
		ok, err := setStatus(tx, r, to, now)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.Conflict, "error.register.changed")
		}
		if err := tx.Model(&Registration{}).Where("id = ?", r.ID).Update("cancelled_at", nil).Error; err != nil {
			return err
		}
		r.CancelledAt = nil
		return notify.queueSeat(tx, r)
	})
}

// UpdateEvent saves an organiser's change to an event and, on a published
// session: gives the seats it added to the waiting list first, and tells
// every registrant its new time or place when they changed (with their
// messages, in the same transaction). The use case spans the events area
// and this one, so it lives here, the higher of the two. It returns how
// many people are told of the change.
func UpdateEvent(ctx context.Context, db *gorm.DB, id uint, in event.Input, actorID uint, now time.Time, notify *Notifier) (*event.Event, int, error) {
	var saved *event.Event
	told := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := event.GetRef(ctx, tx, id)
		if err != nil {
			return err
		}
		if saved, err = event.Update(ctx, tx, id, in, actorID, now); err != nil {
			return err
		}
		if saved.Status != event.StatusPublished {
			return nil
		}
		if saved.Capacity > before.Capacity {
			if _, err := Promote(ctx, tx, id, now, notify); err != nil {
				return err
			}
		}
		moved := !saved.StartsAt.Equal(before.StartsAt) || saved.VenueID != before.VenueID
		if moved && notify != nil && now.Before(saved.StartsAt) {
			told, err = notify.queueEventChanged(tx, id)
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return saved, told, nil
}
