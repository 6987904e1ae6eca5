// Package reporttest seeds the small, hand-computed programme that the
// report tests (domain and web) check the indicators against.
//
// The worked table (now = 2026-06-30 12:00 UTC; "present" = checked in):
//
//	event  kind       city  partner  date        state       present (how)
//	E1     film       HCM   P1       2026-03-10  held        23 = R1 F/18_24/parent, R2 M/25_59/parent,
//	                                                             R4 walk-in ?/?/youth, G1 group of 10 youth
//	                                                             (F6 M4; under_16 ×10), headcount F/25_59 ×5,
//	                                                             M/60_plus ×3, not_stated/under_16 ×2
//	                                                             (R3 F/25_59 registered, not checked in)
//	E2     film       PT    -        2026-04-05  held         7 = R5 F/under_16/youth, R6 other/16_17/youth,
//	                                                             G2 group of 5 with no breakdown, no role
//	                                                             (R7 waitlisted, not checked in)
//	E3     authority  HCM   P1       2026-05-20  held         9 = R8 F/25_59/dolisa, R9 M/25_59/police,
//	                                                             R10 F/60_plus/local_official, G3 group of 4
//	                                                             social_worker (F3, 1 not given; 25_59 ×4),
//	                                                             headcount M/25_59 ×2 (R11 no-show)
//	E4     film       HCM   -        2026-04-10  cancelled    (R12 checked in: not counted)
//	E5     authority  PT    -        2026-07-15  future       (R13 checked in: not counted)
//	E6     info       PT    -        2026-02-01  draft        -
//	E7     life       PT    -        2025-12-20  held         5 = R14 F/18_24/parent, headcount F/18_24 ×4
//
// Quizzes: E1 pre/post pairs R1 40→80, R2 50→60, anonymous girl (under_16)
// 20→70; unpaired R4 pre 30 and R3 post 90. E3: R8 pre 60 only, R9 pre not
// submitted. E4 (cancelled): R12 0→100, not counted. Quiz 1 has one
// question, right in the pre quizzes of R2 and R8 only, and in every post
// quiz.
//
// Coaching: two sessions (2026-02-12 and 2026-05-07) of one coach with one
// trainer.
package reporttest

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Now is the clock of the dataset.
var Now = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

// Dataset names what Seed made.
type Dataset struct {
	PartnerID uint
	Events    map[string]*event.Event
	Regs      map[string]*registration.Registration
}

// Seed inserts the worked example (see the package comment).
func Seed(t testing.TB, db *gorm.DB) *Dataset {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ds := &Dataset{Events: map[string]*event.Event{}, Regs: map[string]*registration.Registration{}}
	hcm := event.City{Code: "HCM", Country: "VN", TimeZone: "Asia/Ho_Chi_Minh", Name: content.Text{"vi": "TP.HCM", "fr": "Hô-Chi-Minh-Ville", "en": "Ho Chi Minh City"}}
	pt := event.City{Code: "PT", Country: "VN", TimeZone: "Asia/Ho_Chi_Minh", Name: content.Text{"vi": "Phan Thiết", "fr": "Phan Thiet", "en": "Phan Thiet"}}
	must(db.Create(&hcm).Error)
	must(db.Create(&pt).Error)
	p1 := event.Partner{Code: "P1", Name: content.Text{"vi": "CTSE", "fr": "CTSE", "en": "CTSE"}, Description: content.Text{}, Active: true}
	must(db.Create(&p1).Error)
	ds.PartnerID = p1.ID
	vh := event.Venue{Code: "VH", Name: content.Text{"vi": "Nhà văn hóa Gò Vấp"}, CityID: hcm.ID, Active: true}
	vp := event.Venue{Code: "VP", Name: content.Text{"vi": "Trung tâm CSWC"}, CityID: pt.ID, Active: true}
	must(db.Create(&vh).Error)
	must(db.Create(&vp).Error)

	mk := func(name string, kind event.Kind, venue uint, partner *uint, date string, status event.Status) *event.Event {
		d, err := time.Parse("2006-01-02 15:04", date+" 02:00") // 09:00 in Vietnam
		must(err)
		e := &event.Event{Code: "RT" + name, Kind: kind, Status: status, Lang: "vi", StartsAt: d, EndsAt: d.Add(2 * time.Hour),
			TimeZone: "Asia/Ho_Chi_Minh", Country: "VN", PhoneRegion: "VN", VenueID: venue, PartnerID: partner, Capacity: 100, Audience: "families",
			Translations: []event.Translation{
				{Lang: "vi", Title: "Sự kiện " + name, UpdatedAt: Now},
				{Lang: "en", Title: "Event " + name, UpdatedAt: Now},
			}}
		if status == event.StatusPublished || status == event.StatusCancelled {
			pub := d.AddDate(0, 0, -20)
			e.PublishedAt = &pub
		}
		if status == event.StatusCancelled {
			c := d.AddDate(0, 0, -2)
			e.CancelledAt = &c
		}
		must(db.Create(e).Error)
		ds.Events[name] = e
		return e
	}
	pid := p1.ID
	e1 := mk("E1", event.KindFilmDebate, vh.ID, &pid, "2026-03-10", event.StatusPublished)
	e2 := mk("E2", event.KindFilmDebate, vp.ID, nil, "2026-04-05", event.StatusPublished)
	e3 := mk("E3", event.KindAuthorityWorkshop, vh.ID, &pid, "2026-05-20", event.StatusPublished)
	e4 := mk("E4", event.KindFilmDebate, vh.ID, nil, "2026-04-10", event.StatusCancelled)
	e5 := mk("E5", event.KindAuthorityWorkshop, vp.ID, nil, "2026-07-15", event.StatusPublished)
	mk("E6", event.KindInfoSession, vp.ID, nil, "2026-02-01", event.StatusDraft)
	e7 := mk("E7", event.KindLifeSkills, vp.ID, nil, "2025-12-20", event.StatusPublished)

	n := 0
	reg := func(name string, e *event.Event, kind string, status registration.Status, sex, band, role string, size int, breakdown string, attended bool) *registration.Registration {
		n++
		var phone *string
		if kind == registration.KindIndividual {
			p := fmt.Sprintf("+849100%05d", n)
			phone = &p
		}
		if breakdown == "" {
			breakdown = "{}"
		}
		r := &registration.Registration{EventID: e.ID, Code: fmt.Sprintf("RT%05d", n), Kind: kind, Status: status,
			Name: "Người tham gia " + name, NameFolded: "nguoi tham gia " + name, Phone: phone, Sex: sex, AgeBand: band, Role: role,
			GroupSize: size, GroupBreakdown: breakdown, Lang: "vi", Source: registration.SourceStaff,
			CreatedAt: e.StartsAt.AddDate(0, 0, -3), UpdatedAt: e.StartsAt.AddDate(0, 0, -3)}
		must(db.Create(r).Error)
		if attended {
			must(db.Exec("INSERT INTO attendances (event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, 'roster', ?)",
				e.ID, r.ID, e.StartsAt, e.StartsAt).Error)
		}
		ds.Regs[name] = r
		return r
	}
	const ind, grp, walk = registration.KindIndividual, registration.KindGroup, registration.KindWalkIn
	conf, wait := registration.StatusConfirmed, registration.StatusWaitlisted
	head := func(e *event.Event, sex, band string, count int) {
		must(db.Exec("INSERT INTO headcounts (event_id, sex, age_band, count, updated_at) VALUES (?, ?, ?, ?, ?)", e.ID, sex, band, count, Now).Error)
	}

	reg("R1", e1, ind, conf, "female", "18_24", "parent", 1, "", true)
	reg("R2", e1, ind, conf, "male", "25_59", "parent", 1, "", true)
	reg("R3", e1, ind, conf, "female", "25_59", "", 1, "", false)
	reg("R4", e1, walk, conf, "", "", "youth", 1, "", true)
	reg("G1", e1, grp, conf, "", "", "youth", 10, `{"sex":{"female":6,"male":4},"age_band":{"under_16":10}}`, true)
	head(e1, "female", "25_59", 5)
	head(e1, "male", "60_plus", 3)
	head(e1, "not_stated", "under_16", 2)

	reg("R5", e2, ind, conf, "female", "under_16", "youth", 1, "", true)
	reg("R6", e2, ind, conf, "other", "16_17", "youth", 1, "", true)
	reg("G2", e2, grp, conf, "", "", "", 5, "", true)
	reg("R7", e2, ind, wait, "male", "25_59", "", 1, "", false)

	reg("R8", e3, ind, conf, "female", "25_59", "dolisa", 1, "", true)
	reg("R9", e3, ind, conf, "male", "25_59", "police", 1, "", true)
	reg("R10", e3, ind, conf, "female", "60_plus", "local_official", 1, "", true)
	reg("R11", e3, ind, conf, "male", "25_59", "social_worker", 1, "", false)
	reg("G3", e3, grp, conf, "", "", "social_worker", 4, `{"sex":{"female":3},"age_band":{"25_59":4}}`, true)
	head(e3, "male", "25_59", 2)

	reg("R12", e4, ind, conf, "female", "25_59", "parent", 1, "", true)
	reg("R13", e5, ind, conf, "female", "25_59", "dolisa", 1, "", true)
	reg("R14", e7, ind, conf, "female", "18_24", "parent", 1, "", true)
	head(e7, "female", "18_24", 4)

	tok := 0
	// Quiz 1 has one question (position 1): the right_mask bit 0 of an
	// attempt says whether it was right.
	must(db.Exec(`INSERT INTO questions (id, kind, topic, lang, text, choices, explanation, active, created_at, updated_at)
		VALUES (1, 'true_false', 'traps', 'vi', ?, '[]', '{}', ?, ?, ?)`,
		`{"vi":"Lời hứa việc làm lương cao ở nước ngoài có thể là bẫy.","fr":"Une promesse d'emploi bien payé à l'étranger peut être un piège.","en":"A promise of a well-paid job abroad can be a trap."}`,
		true, Now, Now).Error)
	must(db.Exec(`INSERT INTO quizzes (id, code, title, lang, active, created_at, updated_at) VALUES (1, 'RTQ', '{"vi":"Bẫy"}', 'vi', ?, ?, ?)`, true, Now, Now).Error)
	must(db.Exec(`INSERT INTO quiz_questions (quiz_id, position, question_id) VALUES (1, 1, 1)`).Error)
	attempt := func(e *event.Event, phase string, r *registration.Registration, anon, sex, band string, score float64, submitted, right bool) {
		tok++
		key := "a:" + anon
		var regID *uint
		var code *string
		if r != nil {
			key = fmt.Sprintf("r%d", r.ID)
			regID = &r.ID
		} else {
			code = &anon
		}
		var sub *time.Time
		if submitted {
			s := e.StartsAt.Add(time.Hour)
			sub = &s
		}
		mask := 0
		if right {
			mask = 1
		}
		must(db.Exec(`INSERT INTO quiz_attempts (token, event_id, quiz_id, phase, person_key, registration_id, anon_code, sex, age_band,
				source, lang, n_questions, n_correct, right_mask, score_pct, started_at, submitted_at, updated_at)
			VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 'web', 'vi', 10, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("tok%05d", tok), e.ID, phase, key, regID, code, sex, band, int(score/10), mask, score, e.StartsAt, sub, e.StartsAt).Error)
	}
	attempt(e1, "pre", ds.Regs["R1"], "", "", "", 40, true, false)
	attempt(e1, "post", ds.Regs["R1"], "", "", "", 80, true, true)
	attempt(e1, "pre", ds.Regs["R2"], "", "", "", 50, true, true)
	attempt(e1, "post", ds.Regs["R2"], "", "", "", 60, true, true)
	attempt(e1, "pre", nil, "LAN0312", "female", "under_16", 20, true, false)
	attempt(e1, "post", nil, "LAN0312", "female", "under_16", 70, true, true)
	attempt(e1, "pre", ds.Regs["R4"], "", "", "", 30, true, false)
	attempt(e1, "post", ds.Regs["R3"], "", "", "", 90, true, true)
	attempt(e3, "pre", ds.Regs["R8"], "", "", "", 60, true, true)
	attempt(e3, "pre", ds.Regs["R9"], "", "", "", 0, false, false)
	attempt(e4, "pre", ds.Regs["R12"], "", "", "", 0, true, false)
	attempt(e4, "post", ds.Regs["R12"], "", "", "", 100, true, true)

	// Coaching: two sessions of a coach with a trainer, in February and May.
	for i, u := range []struct{ email, name string }{{"coach.rt@lantern.test", "Phạm Thu Trang"}, {"trainer.rt@lantern.test", "Nguyễn Thị Hoa"}} {
		must(db.Exec(`INSERT INTO users (id, email, name, roles, lang, active, created_at, updated_at) VALUES (?, ?, ?, ?, 'vi', ?, ?, ?)`,
			9001+i, u.email, u.name, []string{"coach", "trainer"}[i], true, Now, Now).Error)
	}
	for _, day := range []string{"2026-02-12", "2026-05-07"} {
		must(db.Exec(`INSERT INTO coaching_sessions (coach_id, coachee_id, held_on, mode, created_by_id, created_at, updated_at)
			VALUES (9001, 9002, ?, 'on_site', 9001, ?, ?)`, day, Now, Now).Error)
	}

	for _, tg := range []struct {
		code  string
		value float64
		unit  string
	}{{"film_debate_events", 15, "count"}, {"authority_participants", 180, "count"}, {"people_reached", 1500, "count"}, {"knowledge_gain", 20, "percent"}, {"coaching_sessions", 72, "count"}} {
		must(db.Exec("INSERT INTO targets (code, name, value, unit, updated_at) VALUES (?, ?, ?, ?, ?)",
			tg.code, `{"vi":"`+tg.code+`","fr":"`+tg.code+`","en":"`+tg.code+`"}`, tg.value, tg.unit, Now).Error)
	}
	return ds
}
