package registration

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/otp"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Children register with a parent or legal guardian (Law 91/2025/QH15 on
// personal data, Decree 356/2025/ND-CP): the guardian consents for the
// child, and from age 7 the child agrees too. The registration stays
// pending until the guardian confirms through the link sent to the
// guardian's phone, or until staff record that the guardian signed on paper
// at the venue. The child's own phone is never asked; the ticket and every
// message go to the guardian's phone.

// StatusPending: a child's registration waiting for the guardian's
// confirmation. It holds a seat (when one was free) until HoldUntil.
const StatusPending Status = "pending"

// The age question's answers under 16. AgeBand stores the reporting band
// (AgeUnder16) so that every indicator keeps its meaning; AgeDetail keeps
// the split.
const (
	AgeUnder7  = "under_7"
	Age7to15   = "7_15"
	AgeUnder16 = "under_16"
)

// QuestionAgeBands are the answers the registration forms offer.
var QuestionAgeBands = []string{AgeUnder7, Age7to15, "16_17", "18_24", "25_59", "60_plus"}

// IsChildAge tells whether an answer to the age question is under 16 (the
// old single band included).
func IsChildAge(band string) bool {
	return band == AgeUnder7 || band == Age7to15 || band == AgeUnder16
}

// Audiences of consent texts, and who gave a consent.
const (
	ConsentAdult    = "adult"
	ConsentGuardian = "guardian"
	ConsentChild    = "child"
	ConsentPartner  = "partner"
)

// Built-in consent versions: the interface's own texts, recorded when no
// text was published for the audience.
const (
	BuiltinGuardianConsent = "builtin-guardian"
	BuiltinChildConsent    = "builtin-child"
	BuiltinPartnerConsent  = "builtin-partner"
)

// How a guardian's consent was confirmed.
const (
	GuardianByLink  = "link"
	GuardianByCode  = "code"
	GuardianByPaper = "paper"
)

// GuardianCodeTries: wrong codes allowed before the code stops working
// (the link still does).
const GuardianCodeTries = 5

// Holding a child's seat: 48 hours, and never later than 2 hours before the
// session (the guardian must have time to confirm, others time to come).
const (
	GuardianHold       = 48 * time.Hour
	GuardianHoldMargin = 2 * time.Hour
)

// ConsentRecord says that a consent text (version, audience) was given, or
// withdrawn, for a registration: by whom, how and when.
type ConsentRecord struct {
	ID             uint
	RegistrationID uint
	Audience       string
	Version        string
	GivenBy        string
	Method         string
	Withdrawn      bool
	RecordedByID   *uint
	CreatedAt      time.Time
}

// ChildInput is a guardian's registration of a child.
type ChildInput struct {
	EventID uint
	// ChildName is a first name or a nickname: nothing more is asked.
	ChildName     string
	AgeDetail     string // AgeUnder7 or Age7to15
	Sex           string
	GuardianName  string
	GuardianPhone string // raw, as typed
	// Region: where a number typed without + belongs (the session's); read
	// from the session when empty.
	Region         string
	GuardianAgrees bool
	ChildAgrees    bool // required from age 7
	Lang           string
	// Versions of the texts shown.
	GuardianConsentVersion string
	ChildConsentVersion    string
	Notify                 *Notifier
}

// ChildResult tells what RegisterChild did.
type ChildResult struct {
	Registration *Registration
	// Existing: this child (guardian's number and folded name) was already
	// registered; nothing changed and nothing is shown (the guardian's
	// phone was sent the link again when due).
	Existing bool
	// GuardianToken is the secret of the guardian's link (sent by SMS; only
	// its hash is stored).
	GuardianToken string
}

// Check returns every problem of the form at once (field → message key).
func (in *ChildInput) Check() error {
	var fe apperr.FieldList
	in.ChildName = textnorm.Clean(in.ChildName)
	if _, err := CleanName(in.ChildName); err != nil {
		fe.Add("child_name", apperr.KeyOf(err), nil)
	} else if strings.Count(in.ChildName, " ") > 1 {
		// A first name or a nickname: a child's full name is not needed.
		fe.Add("child_name", "error.register.child_name_short", nil)
	}
	if in.AgeDetail != AgeUnder7 && in.AgeDetail != Age7to15 {
		fe.Add("child_age", "error.register.child_age", nil)
	}
	if in.Sex != "" && !oneOf(in.Sex, Sexes) {
		fe.Add("child_sex", "error.register.bad_choice", nil)
	}
	if n, err := CleanName(in.GuardianName); err != nil {
		fe.Add("guardian_name", apperr.KeyOf(err), nil)
	} else {
		in.GuardianName = n
	}
	if _, err := phone.ParseIn(in.GuardianPhone, in.Region); err != nil {
		fe.Add("guardian_phone", err.Error(), nil)
	}
	if !in.GuardianAgrees {
		fe.Add("guardian_consent", "error.register.guardian_consent", nil)
	}
	if in.AgeDetail == Age7to15 && !in.ChildAgrees {
		fe.Add("child_consent", "error.register.child_consent", nil)
	}
	if in.Lang == "" {
		in.Lang = "vi"
	}
	return fe.Err()
}

// newGuardianToken returns a random link secret and its stored hash.
func newGuardianToken() (token, hash string) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return token, hashGuardianToken(token)
}

// guardianKey is the link's secret as the code's hash is keyed with it.
func guardianKey(token string) string { return strings.ToLower(strings.TrimSpace(token)) }

func hashGuardianToken(token string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(token))))
	return hex.EncodeToString(sum[:])
}

// holdUntil is when a pending child's seat is released.
func holdUntil(now, startsAt time.Time) time.Time {
	return minTime(now.Add(GuardianHold), startsAt.Add(-GuardianHoldMargin))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// RegisterChild registers a child with their guardian. The registration is
// pending: it holds a free seat (or a place in the waiting list's order when
// the session is full) until the guardian confirms or the hold ends. The
// guardian's phone receives the confirmation link.
func RegisterChild(ctx context.Context, db *gorm.DB, in ChildInput, now time.Time) (*ChildResult, error) {
	if in.Region == "" {
		r, err := event.RegionOf(db.WithContext(ctx), in.EventID)
		if err != nil {
			return nil, err
		}
		in.Region = r
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	num, _ := phone.ParseIn(in.GuardianPhone, in.Region)
	now = now.UTC()
	var res *ChildResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = registerChildTx(tx, &in, num, now)
		return err
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Another request registered the same child at the same moment.
		return RegisterChild(ctx, db, in, now)
	}
	return res, err
}

func registerChildTx(tx *gorm.DB, in *ChildInput, num phone.Number, now time.Time) (*ChildResult, error) {
	if err := lockEvent(tx, "id = ?", in.EventID); err != nil {
		return nil, err
	}
	var ev event.Event
	if err := tx.Select("id", "status", "starts_at", "registration_deadline", "capacity", "seats_taken").
		Take(&ev, in.EventID).Error; err != nil {
		return nil, err
	}
	var same []Registration
	if err := tx.Where("event_id = ? AND phone = ? AND kind = ?", in.EventID, num.E164, KindIndividual).
		Order("id").Find(&same).Error; err != nil {
		return nil, err
	}
	folded, live := FoldName(in.ChildName), 0
	for i := range same {
		if same[i].Status != StatusCancelled {
			live++
		}
		if same[i].NameFolded == folded {
			// The same child again: nothing shown, the phone is told.
			r := same[i]
			res := &ChildResult{Registration: &r, Existing: true}
			if in.Notify != nil {
				if _, err := in.Notify.resendTickets(tx, &r, same, now); err != nil {
					return nil, err
				}
			}
			return res, nil
		}
	}
	if !ev.RegistrationOpen(now) {
		return nil, apperr.New(apperr.Invalid, "error.register.closed")
	}
	hold := holdUntil(now, ev.StartsAt)
	if !hold.After(now) {
		return nil, apperr.New(apperr.Invalid, "error.register.child_too_late")
	}
	if live >= PeoplePerPhone {
		return nil, apperr.New(apperr.Invalid, "error.register.phone_full").With(map[string]any{"Max": PeoplePerPhone, "field": "guardian_phone"})
	}
	seat, err := takeSeats(tx, in.EventID, 1)
	if err != nil {
		return nil, err
	}
	token, hash := newGuardianToken()
	code := otp.New()
	e164 := num.E164
	r := Registration{
		EventID: in.EventID, Kind: KindIndividual, Status: StatusPending, Code: NewCode(),
		Name: in.ChildName, NameFolded: folded, Phone: &e164, Sex: in.Sex,
		AgeBand: AgeUnder16, AgeDetail: in.AgeDetail, Role: "youth", GroupSize: 1, GroupBreakdown: "{}",
		Lang: in.Lang, Source: SourceWeb, ConsentVersion: in.GuardianConsentVersion, ConsentAt: &now,
		GuardianName: in.GuardianName, GuardianTokenHash: &hash, HoldUntil: &hold, GuardianCodeHash: otp.Hash(guardianKey(token), code),
		PhoneRenumbered: num.Renumbered, TicketSentAt: &now, CreatedAt: now, UpdatedAt: now,
	}
	if !seat {
		// Full: no seat held; confirmed, the child joins the waiting list in
		// the order of this registration.
		r.WaitlistedAt = &now
	}
	if err := tx.Create(&r).Error; err != nil {
		return nil, err
	}
	records := []ConsentRecord{{RegistrationID: r.ID, Audience: ConsentGuardian, Version: in.GuardianConsentVersion,
		GivenBy: ConsentGuardian, Method: "web", CreatedAt: now}}
	if in.AgeDetail == Age7to15 {
		records = append(records, ConsentRecord{RegistrationID: r.ID, Audience: ConsentChild, Version: in.ChildConsentVersion,
			GivenBy: ConsentChild, Method: "web", CreatedAt: now})
	}
	if err := tx.Create(&records).Error; err != nil {
		return nil, err
	}
	if in.Notify != nil {
		e, err := eventForSMS(tx, r.EventID)
		if err != nil {
			return nil, err
		}
		d := eventData(in.Notify.Translator(r.Lang), e)
		d["Child"], d["Link"], d["Code"] = clip(r.Name, 30), in.Notify.GuardianURL(r.Lang, token), code
		d["Until"] = in.Notify.Translator(r.Lang).DateShort(hold.In(e.Location())) + " " + in.Notify.Translator(r.Lang).Time(hold.In(e.Location()))
		if err := queue(tx, &r, SMSGuardianConfirm, in.Notify.compose(r.Lang, "sms.guardian_confirm", d), "", time.Time{}); err != nil {
			return nil, err
		}
	}
	return &ChildResult{Registration: &r, GuardianToken: token}, nil
}

// GetByGuardianToken finds the registration of a guardian's link.
func GetByGuardianToken(ctx context.Context, db *gorm.DB, token string) (*Registration, error) {
	token = strings.TrimSpace(token)
	if len(token) < 16 || len(token) > 64 {
		return nil, apperr.New(apperr.NotFound, "error.guardian.not_found")
	}
	var r Registration
	err := db.WithContext(ctx).Where("guardian_token_hash = ?", hashGuardianToken(token)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.guardian.not_found", err)
	}
	return &r, err
}

// ConfirmGuardian confirms a pending child's registration: by the guardian's
// link (byID 0, method GuardianByLink) or by staff who saw the guardian sign
// on paper at the venue (byID, GuardianByPaper; audited). The seat held
// becomes the child's; without a seat the child joins the waiting list.
// Confirming twice is harmless.
func ConfirmGuardian(ctx context.Context, db *gorm.DB, ref Ref, method string, byID uint, now time.Time, notify *Notifier) (*Registration, error) {
	now = now.UTC()
	return changeLocked(ctx, db, ref, func(tx *gorm.DB, r *Registration) error {
		if r.Status != StatusPending {
			if r.GuardianConfirmedAt != nil || r.Status == StatusConfirmed || r.Status == StatusWaitlisted {
				return nil
			}
			return apperr.New(apperr.Conflict, "error.guardian.expired")
		}
		to := StatusConfirmed
		if r.WaitlistedAt != nil {
			to = StatusWaitlisted
		}
		fields := map[string]any{"status": to, "updated_at": now, "guardian_confirmed_at": now,
			"guardian_method": method, "hold_until": nil}
		if byID != 0 {
			fields["guardian_confirmed_by_id"] = byID
		}
		if to == StatusConfirmed {
			fields["confirmed_at"] = now
		}
		res := tx.Model(&Registration{}).Where("id = ? AND status = ?", r.ID, StatusPending).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Conflict, "error.register.changed")
		}
		r.Status, r.GuardianConfirmedAt, r.GuardianMethod, r.HoldUntil = to, &now, method, nil
		if to == StatusConfirmed {
			r.ConfirmedAt = &now
		}
		rec := ConsentRecord{RegistrationID: r.ID, Audience: ConsentGuardian, Version: r.ConsentVersion,
			GivenBy: ConsentGuardian, Method: method, CreatedAt: now}
		if byID != 0 {
			rec.RecordedByID = &byID
			if err := audit.Record(tx, byID, "registration.guardian_paper", "registration", fmt.Sprint(r.ID),
				map[string]any{"status": StatusPending}, map[string]any{"status": to}); err != nil {
				return err
			}
		}
		if err := tx.Create(&rec).Error; err != nil {
			return err
		}
		return notify.queueSeat(tx, r)
	})
}

// ConfirmGuardianByCode confirms a pending child's registration with the
// code of the guardian's SMS, typed in the browser that registered the
// child (which holds the link's secret): at most GuardianCodeTries wrong
// codes, counted even when the answer is an error.
func ConfirmGuardianByCode(ctx context.Context, db *gorm.DB, token, code string, now time.Time, notify *Notifier) (*Registration, error) {
	code, ok := otp.Normalise(code)
	if !ok {
		return nil, apperr.New(apperr.Invalid, "error.guardian.code_format").With(map[string]any{"field": "code"})
	}
	r, err := GetByGuardianToken(ctx, db, token)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusPending {
		return r, nil
	}
	res := db.WithContext(ctx).Model(&Registration{}).Where("id = ? AND guardian_code_tries < ?", r.ID, GuardianCodeTries).
		Update("guardian_code_tries", gorm.Expr("guardian_code_tries + 1"))
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, apperr.New(apperr.Invalid, "error.guardian.code_spent").With(map[string]any{"field": "code"})
	}
	if !otp.Matches(guardianKey(token), code, r.GuardianCodeHash) {
		return nil, apperr.New(apperr.Invalid, "error.guardian.code_wrong").
			With(map[string]any{"field": "code", "Left": GuardianCodeTries - r.GuardianCodeTries - 1})
	}
	return ConfirmGuardian(ctx, db, Ref{ID: r.ID}, GuardianByCode, 0, now, notify)
}

// ReleaseExpiredHolds cancels the pending children's registrations whose
// hold has ended: the seat goes to the waiting list and the guardian is
// told. It works in batches and is safe on several instances (each release
// is a conditional change under the event's lock). It returns how many it
// released.
func ReleaseExpiredHolds(ctx context.Context, db *gorm.DB, now time.Time, notify *Notifier) (int, error) {
	now = now.UTC()
	var due []uint
	if err := db.WithContext(ctx).Model(&Registration{}).
		Where("status = ? AND hold_until <= ?", StatusPending, now).
		Order("hold_until").Limit(200).Pluck("id", &due).Error; err != nil {
		return 0, err
	}
	released := 0
	for _, id := range due {
		_, err := changeLocked(ctx, db, Ref{ID: id}, func(tx *gorm.DB, r *Registration) error {
			if r.Status != StatusPending || r.HoldUntil == nil || r.HoldUntil.After(now) {
				return nil
			}
			held := r.WaitlistedAt == nil
			ok, err := setStatus(tx, r, StatusCancelled, now)
			if err != nil || !ok {
				return err
			}
			if err := tx.Model(&Registration{}).Where("id = ?", r.ID).Update("hold_until", nil).Error; err != nil {
				return err
			}
			released++
			if notify != nil && r.Phone != nil {
				full, err := eventForSMS(tx, r.EventID)
				if err != nil {
					return err
				}
				d := notify.regData(full, r)
				d["Child"] = clip(r.Name, 30)
				if err := queue(tx, r, SMSGuardianExpired, notify.compose(r.Lang, "sms.guardian_expired", d),
					fmt.Sprintf("guardian_expired:%d", r.ID), time.Time{}); err != nil {
					return err
				}
			}
			if !held {
				return nil
			}
			if err := freeSeats(tx, r.EventID, r.GroupSize); err != nil {
				return err
			}
			_, err = promote(tx, r.EventID, now, notify, 0)
			return err
		})
		if err != nil {
			return released, err
		}
	}
	return released, nil
}

// ConsentRecords lists the consents given and withdrawn for registrations.
func ConsentRecords(ctx context.Context, db *gorm.DB, regIDs []uint) ([]ConsentRecord, error) {
	var out []ConsentRecord
	if len(regIDs) == 0 {
		return out, nil
	}
	err := db.WithContext(ctx).Where("registration_id IN ?", regIDs).Order("registration_id, id").Find(&out).Error
	return out, err
}

// RecordWithdrawal records, inside tx, that the consents of a registration
// were withdrawn by whoever gave them (the privacy package then erases the
// data).
func RecordWithdrawal(tx *gorm.DB, r *Registration, givenBy string, now time.Time) error {
	audience := ConsentAdult
	if givenBy == ConsentGuardian {
		audience = ConsentGuardian
	}
	return tx.Create(&ConsentRecord{RegistrationID: r.ID, Audience: audience, Version: r.ConsentVersion,
		GivenBy: givenBy, Method: "web", Withdrawn: true, CreatedAt: now.UTC()}).Error
}
