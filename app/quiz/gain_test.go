package quiz_test

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// makeQuiz creates four single-choice questions (right answer "A") and a
// fourth multiple-choice one (right answer "AC"), a quiz of them, and assigns
// it as the event's pre and post quiz.
func makeQuiz(t testing.TB, db *gorm.DB, eventIDs ...uint) (*quiz.Quiz, []quiz.Question) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var qs []quiz.Question
	var ids []uint
	for i := 0; i < 4; i++ {
		q := quiz.Question{Kind: quiz.KindSingle, Topic: "recruitment_traps", Lang: "vi",
			Text: content.Text{"vi": "Câu hỏi", "en": "Question"},
			Choices: quiz.Choices{
				{Text: content.Text{"vi": "Đúng", "en": "Right"}, Correct: true},
				{Text: content.Text{"vi": "Sai", "en": "Wrong"}},
				{Text: content.Text{"vi": "Khác", "en": "Other"}},
			}}
		if i == 3 {
			q.Kind = quiz.KindMultiple
			q.Choices[2].Correct = true
		}
		if err := quiz.SaveQuestion(ctx, db, &q, 0, now); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
		ids = append(ids, q.ID)
	}
	qz := &quiz.Quiz{Code: "TEST", Title: content.Text{"vi": "Bài kiểm tra", "en": "Quiz"}, Lang: "vi"}
	if err := quiz.SaveQuiz(ctx, db, qz, ids, 0, now); err != nil {
		t.Fatal(err)
	}
	for _, id := range eventIDs {
		if err := quiz.AssignToEvent(ctx, db, id, qz.ID, qz.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	return qz, qs
}

// row turns a pattern of right (1) and wrong (0) answers into a paper row.
func row(person, pattern string) quiz.PaperRow {
	r := quiz.PaperRow{Person: person}
	for i, c := range pattern {
		switch {
		case c == '1' && i == 3:
			r.Cells = append(r.Cells, "A C")
		case c == '1':
			r.Cells = append(r.Cells, "a")
		default:
			r.Cells = append(r.Cells, "B")
		}
	}
	return r
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %.4f", what, want)
		return
	}
	if math.Abs(*got-want) > 0.0005 {
		t.Errorf("%s = %.4f, want %.4f", what, *got, want)
	}
}

func eq(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

// The worked example. Five people take the pre quiz and five the post quiz
// (1 = right; Q4 is the multiple-choice one). P1–P4 are registered, P5 and
// P6 are anonymous; P5 only took the pre quiz and P6 only the post quiz, so
// only P1–P4 are paired.
//
//	person  sex     pre Q1 Q2 Q3 Q4  score   post Q1 Q2 Q3 Q4  score   change
//	P1      female       1  0  0  0    25          1  1  1  0    75    +50 improved
//	P2      male         1  1  0  0    50          1  1  0  0    50      0 stayed
//	P3      female       0  0  0  0     0          1  0  1  0    50    +50 improved
//	P4      male         1  1  1  1   100          1  1  1  0    75    −25 dropped
//	P5 (anon)            0  1  0  0    25          —
//	P6 (anon, female)    —                         1  1  1  1   100
//
//	pre:  5 attempts, mean (25+50+0+100+25)/5 = 40
//	post: 5 attempts, mean (75+50+50+75+100)/5 = 70
//	paired: 4; paired pre mean 175/4 = 43.75; paired post mean 250/4 = 62.5
//	mean gain 62.5 − 43.75 = 18.75 points (= (50+0+50−25)/4)
//	⟨g⟩ = 18.75 / (100 − 43.75) = 0.3333
//	individual g: P1 50/75 = 0.6667, P2 0/50 = 0, P3 50/100 = 0.5, P4 left out (pre 100)
//	  → mean 7/6 / 3 = 0.3889 over 3
//	improved 2 (50 %), stayed 1 (25 %), dropped 1 (25 %)
//
//	question  pre right   post right   knew learned unlearned never  drops
//	Q1        3/5 = 60 %  5/5 = 100 %   3     1        0       0     no
//	Q2        3/5 = 60 %  4/5 =  80 %   2     1        0       1     no
//	Q3        1/5 = 20 %  4/5 =  80 %   1     2        0       1     no
//	Q4        1/5 = 20 %  1/5 =  20 %   0     0        1       3     yes (paired share 25 % → 0 %)
//
//	point-biserial r = (M1 − M0)/s · √(pq), s the population SD of scores:
//	pre Q1: M1 = 175/3 = 58.333, M0 = 25/2 = 12.5, s = √(13750/5 − 40²) = √1150 = 33.912,
//	        p = 0.6 → r = 45.833/33.912 · √0.24 = 0.6621
//	pre Q3: M1 = 100, M0 = 100/4 = 25, p = 0.2 → r = 75/33.912 · 0.4 = 0.8847
//	post Q4: M1 = 100, M0 = 250/4 = 62.5, s = √(26250/5 − 70²) = √350 = 18.708,
//	        p = 0.2 → r = 37.5/18.708 · 0.4 = 0.8018
//	post Q1: everyone right → no discrimination (nil)
//
//	histograms: pre 0 → bin 0, 25 ×2 → bin 2, 50 → bin 5, 100 → bin 9;
//	            post 50 ×2 → bin 5, 75 ×2 → bin 7, 100 → bin 9
//
//	sex = female: pre P1 25, P3 0 → 2, mean 12.5; post P1 75, P3 50, P6 100 → 3, mean 75;
//	              paired P1, P3 → 2, mean gain 50
func TestKnowledgeGainWorkedExample(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		// The session ran from 3 hours ago to 1 hour ago: the post quiz is open.
		e := testutil.Event(t, db, testutil.EventOpts{StartsIn: -3 * time.Hour, Duration: 2 * time.Hour, Now: now})
		other := testutil.Event(t, db, testutil.EventOpts{StartsIn: -3 * time.Hour, Duration: 2 * time.Hour, Now: now})
		_, qs := makeQuiz(t, db, e.ID, other.ID)
		regs := map[string]string{}
		for i, sex := range []string{"female", "male", "female", "male"} {
			r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Sex: sex})
			regs[string(rune('1'+i))] = r.Code
		}
		pre := []quiz.PaperRow{
			row(regs["1"], "1000"), row(regs["2"], "1100"), row(regs["3"], "0000"), row(regs["4"], "1111"),
			row("P5X01", "0100"),
		}
		post := []quiz.PaperRow{
			row(regs["1"], "1110"), row(regs["2"], "1100"), row(regs["3"], "1010"), row(regs["4"], "1110"),
		}
		for _, x := range []struct {
			phase quiz.Phase
			rows  []quiz.PaperRow
		}{{quiz.PhasePre, pre}, {quiz.PhasePost, post}} {
			n, problems, err := quiz.SavePaper(ctx, db, e.ID, x.phase, x.rows, 0, now)
			if err != nil || len(problems) > 0 {
				t.Fatalf("paper %s: %v %v", x.phase, err, problems)
			}
			eq(t, "rows saved", n, len(x.rows))
		}
		// P6 takes the post quiz on the phone, anonymously, answer by answer.
		a, err := quiz.Start(ctx, db, e, quiz.StartInput{Phase: quiz.PhasePost, AnonCode: "LTH07", Sex: "female", Lang: "vi"}, now)
		if err != nil {
			t.Fatal(err)
		}
		for pos, ans := range []string{"A", "A", "A", "C A"} {
			if _, err := quiz.SaveAnswer(ctx, db, a.Token, pos+1, ans, now); err != nil {
				t.Fatal(err)
			}
		}
		// Another event's attempt stays out of this event's report.
		if _, problems, err := quiz.SavePaper(ctx, db, other.ID, quiz.PhasePre, []quiz.PaperRow{row("ZZ01", "1111")}, 0, now); err != nil || problems != nil {
			t.Fatal(err, problems)
		}

		g, err := quiz.EventGain(ctx, db, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !g.HasQuiz {
			t.Error("HasQuiz = false")
		}
		eq(t, "pre count", g.PreCount, 5)
		eq(t, "post count", g.PostCount, 5)
		eq(t, "paired", g.Paired, 4)
		near(t, "pre mean", g.PreMean, 40)
		near(t, "post mean", g.PostMean, 70)
		near(t, "paired pre mean", g.PairedPreMean, 43.75)
		near(t, "paired post mean", g.PairedPostMean, 62.5)
		near(t, "mean gain", g.MeanGain, 18.75)
		near(t, "normalized gain", g.NormalizedGain, 0.3333)
		near(t, "mean individual gain", g.MeanIndividualGain, 0.3889)
		eq(t, "individual gain n", g.IndividualGainN, 3)
		eq(t, "improved", g.Improved, 2)
		eq(t, "stayed", g.Stayed, 1)
		eq(t, "dropped", g.Dropped, 1)
		near(t, "improved share", g.ImprovedShare, 50)
		near(t, "stayed share", g.StayedShare, 25)
		near(t, "dropped share", g.DroppedShare, 25)
		if g.PreHistogram != [10]int{1, 0, 2, 0, 0, 1, 0, 0, 0, 1} {
			t.Errorf("pre histogram = %v", g.PreHistogram)
		}
		if g.PostHistogram != [10]int{0, 0, 0, 0, 0, 2, 0, 2, 0, 1} {
			t.Errorf("post histogram = %v", g.PostHistogram)
		}
		if len(g.Questions) != 4 {
			t.Fatalf("questions = %d, want 4", len(g.Questions))
		}
		want := []struct {
			pre, post                       float64
			knew, learned, unlearned, never int
			drops                           bool
		}{
			{60, 100, 3, 1, 0, 0, false},
			{60, 80, 2, 1, 0, 1, false},
			{20, 80, 1, 2, 0, 1, false},
			{20, 20, 0, 0, 1, 3, true},
		}
		for i, w := range want {
			q := g.Questions[i]
			if q.QuestionID != qs[i].ID {
				t.Errorf("question %d is #%d, want #%d (quiz order)", i+1, q.QuestionID, qs[i].ID)
			}
			near(t, "pre facility", q.Pre.Facility, w.pre)
			near(t, "post facility", q.Post.Facility, w.post)
			eq(t, "pre answers", q.Pre.Answers, 5)
			eq(t, "knew", q.AlreadyKnew, w.knew)
			eq(t, "learned", q.Learned, w.learned)
			eq(t, "unlearned", q.Unlearned, w.unlearned)
			eq(t, "never", q.NeverLearned, w.never)
			eq(t, "paired n", q.PairedN, 4)
			if q.Drops != w.drops {
				t.Errorf("Q%d drops = %v, want %v", i+1, q.Drops, w.drops)
			}
		}
		near(t, "Q4 paired pre share", g.Questions[3].PairedPreShare, 25)
		near(t, "Q4 paired post share", g.Questions[3].PairedPostShare, 0)
		near(t, "pre Q1 discrimination", g.Questions[0].Pre.Discrimination, 0.6621)
		near(t, "pre Q3 discrimination", g.Questions[2].Pre.Discrimination, 0.8847)
		near(t, "post Q4 discrimination", g.Questions[3].Post.Discrimination, 0.8018)
		if g.Questions[0].Post.Discrimination != nil {
			t.Errorf("post Q1 discrimination = %v, want nil (everyone right)", *g.Questions[0].Post.Discrimination)
		}

		// Disaggregated by sex.
		f, err := quiz.Report(ctx, db, quiz.Filter{EventID: e.ID, Sex: "female"})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "female pre", f.PreCount, 2)
		eq(t, "female post", f.PostCount, 3)
		eq(t, "female paired", f.Paired, 2)
		near(t, "female pre mean", f.PreMean, 12.5)
		near(t, "female post mean", f.PostMean, 75)
		near(t, "female mean gain", f.MeanGain, 50)

		// The programme: both events, one line each.
		p, err := quiz.Report(ctx, db, quiz.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "programme pre", p.PreCount, 6)
		eq(t, "programme paired", p.Paired, 4)
		near(t, "programme pre mean", p.PreMean, 50) // (200 + 100) / 6
		if len(p.Events) != 2 {
			t.Errorf("event lines = %d, want 2", len(p.Events))
		}
		k, err := quiz.Report(ctx, db, quiz.Filter{Kind: string(event.KindAuthorityWorkshop)})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "workshops only", k.PreCount, 0)
		if k.PreMean != nil {
			t.Errorf("mean with no attempts = %v, want nil", *k.PreMean)
		}
	})
}

func TestEventGainWithoutQuiz(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{})
		g, err := quiz.EventGain(context.Background(), db, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g == nil || g.HasQuiz || g.Paired != 0 || g.PreMean != nil || g.NormalizedGain != nil {
			t.Errorf("gain without quiz = %+v", g)
		}
		if _, err := quiz.EventGain(context.Background(), db, 999999); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown event: err = %v, want not found", err)
		}
	})
}

func TestOneAttemptPerPhase(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now})
		makeQuiz(t, db, e.ID)
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		in := quiz.StartInput{Phase: quiz.PhasePre, RegistrationID: r.ID, Lang: "vi"}
		a, err := quiz.Start(ctx, db, e, in, now)
		if err != nil {
			t.Fatal(err)
		}
		// Answers are saved as they go: after two answers the connection
		// drops; starting again resumes the same attempt with both answers.
		for pos, ans := range []string{"A", "B"} {
			if _, err := quiz.SaveAnswer(ctx, db, a.Token, pos+1, ans, now); err != nil {
				t.Fatal(err)
			}
		}
		again, err := quiz.Start(ctx, db, e, in, now)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != a.ID {
			t.Fatalf("resumed attempt %d, want %d", again.ID, a.ID)
		}
		take, err := quiz.Load(ctx, db, again.Token)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "answers kept", len(take.Answers), 2)
		eq(t, "next question", take.Next(), 3)
		if take.Attempt.Submitted() {
			t.Fatal("submitted before the last answer")
		}
		// A wrong letter is refused and saves nothing.
		if _, err := quiz.SaveAnswer(ctx, db, a.Token, 3, "AB", now); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("two letters on a single-choice question: err = %v", err)
		}
		if _, err := quiz.SaveAnswer(ctx, db, a.Token, 3, "A", now); err != nil {
			t.Fatal(err)
		}
		take, err = quiz.SaveAnswer(ctx, db, a.Token, 4, "AC", now)
		if err != nil {
			t.Fatal(err)
		}
		if !take.Attempt.Submitted() || take.Attempt.NCorrect != 3 || *take.Attempt.ScorePct != 75 {
			t.Errorf("after the last answer: submitted %v, %d right, score %v", take.Attempt.Submitted(), take.Attempt.NCorrect, take.Attempt.ScorePct)
		}
		// A second attempt is refused, on the phone and on paper.
		if _, err := quiz.Start(ctx, db, e, in, now); !apperr.Is(err, apperr.Conflict) || apperr.KeyOf(err) != "error.quiz.already_done" {
			t.Errorf("second attempt: err = %v", err)
		}
		if _, err := quiz.SaveAnswer(ctx, db, a.Token, 1, "B", now); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("changing a submitted answer: err = %v", err)
		}
		_, problems, err := quiz.SavePaper(ctx, db, e.ID, quiz.PhasePre, []quiz.PaperRow{row(r.Code, "1111")}, 0, now)
		if err != nil || len(problems) != 1 || problems[0].Key != "error.quiz.already_on_phone" {
			t.Errorf("paper over a phone attempt: %v %v", err, problems)
		}
		var n int64
		db.Model(&quiz.Attempt{}).Count(&n)
		eq(t, "attempts", int(n), 1)
		// Once answered, a quiz keeps its questions; its name may change.
		qz, err := quiz.GetQuiz(ctx, db, a.QuizID)
		if err != nil {
			t.Fatal(err)
		}
		ids := []uint{qz.Items[1].QuestionID, qz.Items[0].QuestionID, qz.Items[2].QuestionID, qz.Items[3].QuestionID}
		if err := quiz.SaveQuiz(ctx, db, qz, ids, 0, now); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("reordering an answered quiz: err = %v", err)
		}
		ids[0], ids[1] = ids[1], ids[0]
		qz.Title = content.Text{"vi": "Tên mới"}
		if err := quiz.SaveQuiz(ctx, db, qz, ids, 0, now); err != nil {
			t.Errorf("renaming an answered quiz: %v", err)
		}
		// The database refuses a second row for the same person and phase.
		dup := quiz.Attempt{Token: "dup", EventID: e.ID, QuizID: a.QuizID, Phase: quiz.PhasePre, PersonKey: a.PersonKey, StartedAt: now, UpdatedAt: now}
		if err := db.Create(&dup).Error; err == nil {
			t.Error("a second attempt row was accepted")
		}
	})
}

func TestQuizWindows(t *testing.T) {
	start := time.Date(2026, 11, 25, 11, 30, 0, 0, time.UTC)
	e := &event.Event{Status: event.StatusPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour)}
	cases := []struct {
		phase quiz.Phase
		at    time.Duration // from the start
		open  bool
	}{
		{quiz.PhasePre, -48 * time.Hour, true},
		{quiz.PhasePre, 14 * time.Minute, true},
		{quiz.PhasePre, 15 * time.Minute, false},
		{quiz.PhasePost, 89 * time.Minute, false},
		{quiz.PhasePost, 90 * time.Minute, true},
		{quiz.PhasePost, 2*time.Hour + 13*24*time.Hour, true},
		{quiz.PhasePost, 2*time.Hour + 14*24*time.Hour, false},
	}
	for _, c := range cases {
		if got, _ := quiz.Open(e, c.phase, start.Add(c.at)); got != c.open {
			t.Errorf("%s at %v: open = %v, want %v", c.phase, c.at, got, c.open)
		}
	}
	// A 20-minute session: the windows meet in the middle.
	short := &event.Event{Status: event.StatusPublished, StartsAt: start, EndsAt: start.Add(20 * time.Minute)}
	if ok, _ := quiz.Open(short, quiz.PhasePre, start.Add(10*time.Minute)); ok {
		t.Error("pre quiz open in the middle of a short session")
	}
	if ok, _ := quiz.Open(short, quiz.PhasePost, start.Add(10*time.Minute)); !ok {
		t.Error("post quiz closed in the middle of a short session")
	}
}

func TestAnonCode(t *testing.T) {
	for _, c := range []struct{ initials, day, want, problem string }{
		{"Lê Thị Hoa", "7", "LTH07", ""},
		{"đ t", "31", "DT31", ""},
		{"", "7", "", "error.quiz.initials"},
		{"LTH", "32", "", "error.quiz.birth_day"},
	} {
		got, problem := quiz.BuildAnonCode(c.initials, c.day)
		if got != c.want || problem != c.problem {
			t.Errorf("BuildAnonCode(%q, %q) = %q, %q; want %q, %q", c.initials, c.day, got, problem, c.want, c.problem)
		}
	}
}

// A pre quiz left half-way cannot be finished once the session has begun.
func TestPreQuizClosesAtTheSession(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: time.Hour})
		makeQuiz(t, db, e.ID)
		a, err := quiz.Start(ctx, db, e, quiz.StartInput{Phase: quiz.PhasePre, AnonCode: "ABC01"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := quiz.SaveAnswer(ctx, db, a.Token, 1, "A", now); err != nil {
			t.Fatal(err)
		}
		_, err = quiz.SaveAnswer(ctx, db, a.Token, 2, "A", e.StartsAt.Add(20*time.Minute))
		if !apperr.Is(err, apperr.Invalid) || apperr.KeyOf(err) != "error.quiz.pre_closed" {
			t.Errorf("answer after the start: err = %v", err)
		}
	})
}

// Parallel forms: a person who took form A before and form B after is
// paired on the scores, but no question is compared (they differ).
func TestParallelFormsPairOnScoresOnly(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -3 * time.Hour})
		formA, qs := makeQuiz(t, db, e.ID)
		formB := &quiz.Quiz{Code: "TESTB", Title: content.Text{"vi": "Đề B"}, Lang: "vi", ParallelID: &formA.ID}
		if err := quiz.SaveQuiz(ctx, db, formB, []uint{qs[3].ID, qs[2].ID}, 0, now); err != nil {
			t.Fatal(err)
		}
		if err := quiz.AssignToEvent(ctx, db, e.ID, formA.ID, formB.ID, 0); err != nil {
			t.Fatal(err)
		}
		// Before (form A, 4 questions): 1 of 4 = 25. After (form B: Q4 then Q3): both right = 100.
		if _, p, err := quiz.SavePaper(ctx, db, e.ID, quiz.PhasePre, []quiz.PaperRow{row("XYZ01", "1000")}, 0, now); err != nil || p != nil {
			t.Fatal(err, p)
		}
		if _, p, err := quiz.SavePaper(ctx, db, e.ID, quiz.PhasePost, []quiz.PaperRow{{Person: "XYZ01", Cells: []string{"AC", "A"}}}, 0, now); err != nil || p != nil {
			t.Fatal(err, p)
		}
		g, err := quiz.EventGain(ctx, db, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "paired", g.Paired, 1)
		near(t, "mean gain", g.MeanGain, 75)
		for _, q := range g.Questions {
			if q.PairedN != 0 {
				t.Errorf("question %d compared across different forms", q.QuestionID)
			}
		}
		// Q4 sits at position 4 of form A (wrong) and at position 1 of form B (right).
		for _, q := range g.Questions {
			if q.QuestionID == qs[3].ID {
				near(t, "Q4 before", q.Pre.Facility, 0)
				near(t, "Q4 after", q.Post.Facility, 100)
			}
		}
	})
}
