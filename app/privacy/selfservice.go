package privacy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"github.com/lantern-ngo/lantern/app/country"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/otp"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// A participant's own access to their data, from their phone: they type
// their number, receive a one-time code on it, and with the code see, take
// away, correct or erase what Lantern holds about that number. A phone
// number is not a secret; the code proves the phone is in their hand.
const (
	CodeValidFor = 10 * time.Minute
	CodeTries    = 5
	// SessionFor: how long the page stays open after the code.
	SessionFor = 30 * time.Minute
)

// SMSDataCode is the outbox kind of the one-time code.
const SMSDataCode = "data_code"

type dataAccess struct {
	ID               uint
	HandleHash       string
	Phone            string
	CodeHash         string
	Tries            int
	Lang             string
	ExpiresAt        time.Time
	VerifiedAt       *time.Time
	SessionHash      *string
	SessionExpiresAt *time.Time
	CreatedAt        time.Time
}

func (dataAccess) TableName() string { return "data_access" }

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// CodeText is what the code message says, in a language (the caller's
// translator fills the locale message sms.data_code).
type CodeText func(lang, code string) string

// StartAccess begins a request for the data of a number: it returns the
// handle the browser keeps (a cookie) and queues the code to the number,
// only when Lantern holds something about it; the answer is the same
// either way, so the page reveals nothing.
func StartAccess(ctx context.Context, db *gorm.DB, rawPhone, lang string, now time.Time, text CodeText) (string, error) {
	home, err := country.ForLanguage(ctx, db, lang)
	if err != nil {
		return "", err
	}
	num, err := phone.ParseIn(textnorm.Clean(rawPhone), home.PhoneRegion)
	if err != nil {
		return "", apperr.Wrap(apperr.Invalid, err.Error(), err).With(map[string]any{"field": "phone"})
	}
	now = now.UTC()
	handle, code := randomToken(), otp.New()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a := dataAccess{HandleHash: hashToken(handle), Phone: num.E164, CodeHash: otp.Hash(handle, code), Lang: lang,
			ExpiresAt: now.Add(CodeValidFor), CreatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Table("registrations").Where("phone = ?", num.E164).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return message.Enqueue(tx, &message.Message{To: num.E164, Body: text(lang, code), Lang: lang, Kind: SMSDataCode, NextAttemptAt: now})
	})
	if err != nil {
		return "", err
	}
	return handle, nil
}

// VerifyAccess checks the code typed for a handle: at most CodeTries tries,
// within CodeValidFor. It returns the session token the browser keeps.
func VerifyAccess(ctx context.Context, db *gorm.DB, handle, code string, now time.Time) (string, error) {
	now = now.UTC()
	code, ok := otp.Normalise(code)
	if !ok {
		return "", apperr.New(apperr.Invalid, "error.mydata.code_format").With(map[string]any{"field": "code"})
	}
	if handle == "" {
		return "", apperr.New(apperr.Invalid, "error.mydata.expired").With(map[string]any{"field": "code"})
	}
	session := randomToken()
	var wrong *errWrongCode
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a dataAccess
		err := tx.Where("handle_hash = ?", hashToken(handle)).Take(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && (a.VerifiedAt != nil || !now.Before(a.ExpiresAt))) {
			return apperr.New(apperr.Invalid, "error.mydata.expired").With(map[string]any{"field": "code"})
		}
		if err != nil {
			return err
		}
		// Count the try first, conditionally: parallel guesses cannot
		// exceed the limit.
		res := tx.Model(&dataAccess{}).Where("id = ? AND tries < ?", a.ID, CodeTries).Update("tries", gorm.Expr("tries + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Invalid, "error.mydata.too_many").With(map[string]any{"field": "code"})
		}
		if !otp.Matches(handle, code, a.CodeHash) {
			// Commit the counted try: the error is returned after.
			wrong = &errWrongCode{left: CodeTries - a.Tries - 1}
			return nil
		}
		sh, until := hashToken(session), now.Add(SessionFor)
		return tx.Model(&dataAccess{}).Where("id = ?", a.ID).
			Updates(map[string]any{"verified_at": now, "session_hash": sh, "session_expires_at": until}).Error
	})
	if err != nil {
		return "", err
	}
	if wrong != nil {
		return "", apperr.New(apperr.Invalid, "error.mydata.wrong_code").With(map[string]any{"field": "code", "Left": wrong.left})
	}
	return session, nil
}

type errWrongCode struct{ left int }

func (e errWrongCode) Error() string { return "wrong code" }

// SessionPhone returns the number a session opened, or NotFound when the
// session is unknown or over.
func SessionPhone(ctx context.Context, db *gorm.DB, session string, now time.Time) (string, error) {
	if session == "" {
		return "", apperr.New(apperr.NotFound, "error.mydata.session_over")
	}
	var a dataAccess
	err := db.WithContext(ctx).Where("session_hash = ? AND session_expires_at > ?", hashToken(session), now.UTC()).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", apperr.New(apperr.NotFound, "error.mydata.session_over")
	}
	return a.Phone, err
}

// EndSession closes a session (the "done" button).
func EndSession(ctx context.Context, db *gorm.DB, session string) error {
	return db.WithContext(ctx).Model(&dataAccess{}).Where("session_hash = ?", hashToken(session)).
		Update("session_expires_at", time.Unix(0, 0).UTC()).Error
}

// SweepAccess deletes requests older than a day.
func SweepAccess(ctx context.Context, db *gorm.DB, now time.Time) error {
	return db.WithContext(ctx).Where("created_at < ?", now.UTC().Add(-24*time.Hour)).Delete(&dataAccess{}).Error
}

// OwnExport is BuildExport for the person themselves (recorded in the audit
// log without the data).
func OwnExport(ctx context.Context, db *gorm.DB, e164, lang string, now time.Time) (*Export, error) {
	ex, err := BuildExport(ctx, db, 0, Subject{Phone: e164}, lang, now)
	if apperr.Is(err, apperr.NotFound) {
		return &Export{Subject: e164, GeneratedAt: now.UTC(), Registrations: []ExportedReg{}, Messages: []ExportedSMS{},
			Consents: map[string]Texts{}, ConsentRecords: []ExportedConsent{}, Quizzes: []ExportedQuiz{}}, nil
	}
	return ex, err
}

// RenameOwn corrects the name of one of the number's registrations (by its
// code). The new name follows the registration form's rules; it cannot take
// the name of another person registered with the same number.
func RenameOwn(ctx context.Context, db *gorm.DB, e164, code, newName string, now time.Time) error {
	name, err := registration.CleanName(newName)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, apperr.KeyOf(err), err).With(map[string]any{"field": "name"})
	}
	code = registration.NormaliseCode(code)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Table("registrations").Where("code = ? AND phone = ? AND anonymised_at IS NULL", code, e164).
			Updates(map[string]any{"name": name, "name_folded": registration.FoldName(name), "updated_at": now.UTC()})
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
				return apperr.New(apperr.Invalid, "error.mydata.name_taken").With(map[string]any{"field": "name"})
			}
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.NotFound, "error.register.not_found")
		}
		return audit.Record(tx, 0, "self.rename", "registration", code, nil, map[string]any{"renamed": true})
	})
	return err
}

// EraseOwn erases everything Lantern holds about the number at the person's
// request: seats still to come go to the waiting list, everything is
// anonymised (counts kept), the consents are recorded as withdrawn.
func EraseOwn(ctx context.Context, db *gorm.DB, e164 string, now time.Time, notify *registration.Notifier) (int64, error) {
	var live []registration.Registration
	if err := db.WithContext(ctx).Where("phone = ? AND anonymised_at IS NULL", e164).Find(&live).Error; err != nil {
		return 0, err
	}
	for i := range live {
		r := &live[i]
		if r.Status != registration.StatusCancelled && now.Before(eventStart(ctx, db, r.EventID)) {
			if _, err := registration.CancelForErasure(ctx, db, registration.Ref{ID: r.ID}, now, notify); err != nil {
				return 0, err
			}
		}
	}
	var n int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "registrations", 0); err != nil {
			return err
		}
		ids := make([]uint, len(live))
		for i := range live {
			ids[i] = live[i].ID
			givenBy := registration.ConsentAdult
			if live[i].GuardianName != "" {
				givenBy = registration.ConsentGuardian
			}
			if err := registration.RecordWithdrawal(tx, &live[i], givenBy, now); err != nil {
				return err
			}
		}
		// The opt-in to announcements goes with the number (an erasure,
		// not only a stop).
		if err := forgetOptinsOf(tx, []string{e164}); err != nil {
			return err
		}
		var err error
		if n, err = anonymise(tx, ids, now); err != nil {
			return err
		}
		// The code messages went to the number too.
		if err := tx.Exec(`UPDATE sms_messages SET to_phone = '', body = '' WHERE to_phone = ? AND kind = ?`, e164, SMSDataCode).Error; err != nil {
			return err
		}
		if err := tx.Where("phone = ?", e164).Delete(&dataAccess{}).Error; err != nil {
			return err
		}
		return audit.Record(tx, 0, "self.erase", "personal_data", "", nil, map[string]any{"registrations": len(ids)})
	})
	return n, err
}
