package attendance

import (
	"context"
	"crypto/rand"
	"github.com/lantern-ngo/lantern/app/event"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// WalkIn is someone who came without registering. Adults may give a name
// and a phone number; for children (under 18) only sex and age band are
// kept.
type WalkIn struct {
	EventID  uint
	Name     string
	Phone    string // as typed; "" for none
	Sex      string
	AgeBand  string
	Lang     string
	ByID     uint
	ClientID string
	At       time.Time
}

// Validate returns the field and the i18n key of the first problem.
func (w *WalkIn) Validate() (field, key string) {
	if !slices.Contains(registration.Sexes, w.Sex) {
		return "sex", "error.checkin.walkin_sex_required"
	}
	if !slices.Contains(registration.AgeBands, w.AgeBand) {
		return "age_band", "error.checkin.walkin_age_band_required"
	}
	w.Name = textnorm.Clean(w.Name)
	if len([]rune(w.Name)) > 120 {
		return "name", "error.checkin.walkin_name_too_long"
	}
	if IsChild(w.AgeBand) && (w.Name != "" || textnorm.Clean(w.Phone) != "") {
		return "name", "error.checkin.walkin_child_personal_data"
	}
	return "", ""
}

// AddWalkIn registers a walk-in and checks them in, in one transaction.
// A walk-in takes no seat: the person is already in the room, and seats
// exist to share places among people registering before the event; counting
// walk-ins against capacity would push registered people onto the waiting
// list or close registration because of people who did not use it.
//
// The session must take check-ins at now (win).
func AddWalkIn(ctx context.Context, db *gorm.DB, win Window, w WalkIn, now time.Time) (*registration.Registration, error) {
	var r *registration.Registration
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := openSession(tx, win, w.EventID, now)
		if err != nil {
			return err
		}
		w.At = win.Clamp(s, w.At, now)
		r, err = addWalkIn(tx, w, now)
		return err
	})
	return r, err
}

// addWalkIn adds the walk-in seen at w.At (clamped by the caller).
func addWalkIn(tx *gorm.DB, w WalkIn, now time.Time) (*registration.Registration, error) {
	if field, key := w.Validate(); key != "" {
		return nil, apperr.New(apperr.Invalid, key).With(map[string]any{"field": field})
	}
	var ph *string
	if raw := textnorm.Clean(w.Phone); raw != "" {
		region, err := event.RegionOf(tx, w.EventID)
		if err != nil {
			return nil, err
		}
		n, err := phone.ParseIn(raw, region)
		if err != nil {
			return nil, apperr.Wrap(apperr.Invalid, err.Error(), err).With(map[string]any{"field": "phone"})
		}
		var n2 int64
		if err := tx.Model(&registration.Registration{}).
			Where("event_id = ? AND phone = ? AND status <> ?", w.EventID, n.E164, registration.StatusCancelled).
			Count(&n2).Error; err != nil {
			return nil, err
		}
		if n2 > 0 {
			return nil, apperr.New(apperr.Conflict, "error.checkin.walkin_already_registered").With(map[string]any{"field": "phone"})
		}
		ph = &n.E164
	}
	if w.Lang == "" {
		w.Lang = "vi"
	}
	at := w.At
	r := &registration.Registration{
		EventID: w.EventID, Kind: registration.KindWalkIn, Status: registration.StatusConfirmed,
		Name: w.Name, NameFolded: registration.FoldName(w.Name), Phone: ph, Sex: w.Sex, AgeBand: w.AgeBand,
		GroupSize: 1, GroupBreakdown: "{}", Lang: w.Lang, Source: registration.SourceWalkIn,
		ConfirmedAt: &at, CreatedByID: userPtr(w.ByID), CreatedAt: now, UpdatedAt: now,
	}
	// A fresh code; on the (astronomically rare) clash, another one.
	for try := 0; r.ID == 0; try++ {
		if try == 5 {
			return nil, apperr.New(apperr.Internal, "error.internal")
		}
		r.Code = "W" + RandomCode(7)
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(r).Error; err != nil {
			return nil, err
		}
	}
	if _, err := observeCheckIn(tx, CheckInInput{EventID: w.EventID, RegistrationID: r.ID, ByID: w.ByID,
		Source: SourceWalkIn, ClientID: w.ClientID, At: at}, now); err != nil {
		return nil, err
	}
	if err := audit.Record(tx, w.ByID, "attendance.walk_in", "registration", itoa(r.ID), nil,
		map[string]any{"sex": r.Sex, "age_band": r.AgeBand, "named": r.Name != "", "phone": ph != nil}); err != nil {
		return nil, err
	}
	return r, nil
}

// codeAlphabet has no 0/O, 1/I/L: codes are read aloud and typed on phones.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// RandomCode returns n characters from codeAlphabet, uniformly (bytes that
// would bias the draw are thrown away).
func RandomCode(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	limit := 256 - 256%len(codeAlphabet)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported systems
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}
