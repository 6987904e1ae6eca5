package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// quizFixture makes three single-choice questions (right answer A, in
// Vietnamese and English only) and a quiz of them, set as the event's pre and
// post quiz.
func quizFixture(t *testing.T, db *gorm.DB, eventID uint) *quiz.Quiz {
	t.Helper()
	ctx := context.Background()
	var ids []uint
	for i, text := range []string{"Lời hứa việc làm lương cao là dấu hiệu gì?", "Trẻ em có quyền được bảo vệ không?", "Gọi số nào khi cần giúp đỡ?"} {
		q := quiz.Question{Kind: quiz.KindSingle, Topic: "recruitment_traps", Lang: "vi",
			Text: content.Text{"vi": text, "en": "Question " + itoa(i+1)},
			Choices: quiz.Choices{
				{Text: content.Text{"vi": "Đáp án đúng", "en": "Right answer"}, Correct: true},
				{Text: content.Text{"vi": "Đáp án sai", "en": "Wrong answer"}},
			}}
		if err := quiz.SaveQuestion(ctx, db, &q, 0, time.Now()); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, q.ID)
	}
	qz := &quiz.Quiz{Code: "DEMO", Title: content.Text{"vi": "Bài kiểm tra", "en": "Quiz"}, Lang: "vi"}
	if err := quiz.SaveQuiz(ctx, db, qz, ids, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := quiz.AssignToEvent(ctx, db, eventID, qz.ID, qz.ID, 0); err != nil {
		t.Fatal(err)
	}
	return qz
}

func quizRedirect(t *testing.T, resp *http.Response, want int) string {
	t.Helper()
	if resp.StatusCode != want {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want %d\n%.1500s", resp.StatusCode, want, body)
	}
	return resp.Header.Get("Location")
}

func TestQuizOnThePhoneSavedAsYouGo(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 48 * time.Hour})
		quizFixture(t, db, e.ID)
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		intro := "/vi/r/" + reg.Code + "/quiz/pre"

		c := ta.client()
		doc := c.page(intro, http.StatusOK)
		if got := text(doc, "h1"); got != "Chiếu phim: Lời hứa" {
			t.Errorf("intro title = %q", got)
		}
		if !strings.Contains(doc.Text(), "3 câu hỏi") {
			t.Errorf("intro does not say how many questions")
		}
		if doc.Find(`meta[name=robots][content=noindex]`).Length() != 1 {
			t.Error("the quiz page may be indexed")
		}
		take := quizRedirect(t, c.post(intro, nil), http.StatusSeeOther)
		if !strings.HasPrefix(take, "/vi/quiz/") {
			t.Fatalf("start goes to %q", take)
		}
		doc = c.page(take, http.StatusOK)
		if got := text(doc, "legend"); got != "Lời hứa việc làm lương cao là dấu hiệu gì?" {
			t.Errorf("question 1 = %q", got)
		}
		if doc.Find(`input[type=radio][name=c]`).Length() != 2 {
			t.Errorf("question 1 has %d radio buttons, want 2", doc.Find(`input[type=radio][name=c]`).Length())
		}
		// No answer chosen: the same question again with a message.
		resp := c.post(take, url.Values{"n": {"1"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "empty answer")
		if !strings.Contains(text(doc, "[role=alert]"), "Xin hãy chọn một câu trả lời") {
			t.Errorf("no message for an empty answer: %q", text(doc, "[role=alert]"))
		}
		quizRedirect(t, c.post(take, url.Values{"n": {"1"}, "c": {"A"}}), http.StatusSeeOther)
		quizRedirect(t, c.post(take, url.Values{"n": {"2"}, "c": {"B"}}), http.StatusSeeOther)

		// The connection drops; later, from the ticket again, on another phone.
		c2 := ta.client()
		doc = c2.page(intro, http.StatusOK)
		if got := text(doc, "form button"); got != "Làm tiếp" {
			t.Errorf("button after a break = %q, want Làm tiếp", got)
		}
		again := quizRedirect(t, c2.post(intro, nil), http.StatusSeeOther)
		if again != take {
			t.Errorf("resumed at %q, want the same attempt %q", again, take)
		}
		doc = c2.page(again, http.StatusOK)
		if got := doc.Find(`input[name=n]`).AttrOr("value", ""); got != "3" {
			t.Errorf("resumed at question %s, want 3", got)
		}
		if text(doc, "button") != "Hoàn thành" {
			t.Errorf("last question's button = %q", text(doc, "button"))
		}
		// Going back shows the answer already given.
		doc = c2.page(again+"?n=2", http.StatusOK)
		if doc.Find(`input[name=c][value=B][checked]`).Length() != 1 {
			t.Error("the saved answer to question 2 is not shown")
		}
		done := quizRedirect(t, c2.post(again, url.Values{"n": {"3"}, "c": {"A"}}), http.StatusSeeOther)
		doc = c2.page(done, http.StatusOK)
		if got := text(doc, "h1"); got != "Xin cảm ơn!" {
			t.Errorf("end page title = %q", got)
		}
		var a quiz.Attempt
		db.Where("registration_id = ?", reg.ID).Take(&a)
		if a.SubmittedAt == nil || a.NCorrect != 2 || a.ScorePct == nil || *a.ScorePct < 66.6 || *a.ScorePct > 66.7 {
			t.Errorf("attempt = submitted %v, %d right, score %v", a.SubmittedAt, a.NCorrect, a.ScorePct)
		}
		// A second attempt is refused with a clear message.
		resp = c.post(intro, nil)
		doc = ta.parse(resp, http.StatusConflict, "second attempt")
		if !strings.Contains(doc.Text(), "Bạn đã làm bài kiểm tra này rồi") {
			t.Error("no clear message for a second attempt")
		}
		doc = c.page(intro, http.StatusOK)
		if doc.Find("form button").Length() != 0 || !strings.Contains(doc.Text(), "Bạn đã làm bài kiểm tra này rồi") {
			t.Error("the intro still offers to start a finished quiz")
		}
		// The post quiz is not open before the session.
		doc = c.page("/vi/r/"+reg.Code+"/quiz/post", http.StatusOK)
		if doc.Find("form button").Length() != 0 || !strings.Contains(doc.Text(), "chưa mở") {
			t.Error("the post quiz is offered before the session")
		}
		c.page("/vi/r/NOPE123/quiz/pre", http.StatusNotFound)
		c.page("/vi/r/"+reg.Code+"/quiz/during", http.StatusNotFound)
	})
}

func TestQuizAnonymousCode(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		// The session ended an hour ago: the post quiz is open.
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -3 * time.Hour, Duration: 2 * time.Hour})
		ta.setNow(now)
		quizFixture(t, db, e.ID)
		path := "/fr/events/" + itoa(int(e.ID)) + "/quiz/post"
		c := ta.client()
		doc := c.page(path, http.StatusOK)
		if doc.Find("#initials").Length() != 1 || doc.Find("#birth_day").Length() != 1 {
			t.Fatal("no fields to build the code")
		}
		// A wrong day keeps what was typed and says what is wrong.
		resp := c.post(path, url.Values{"initials": {"Lê Thị Hoa"}, "birth_day": {"40"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "bad day")
		if doc.Find("#birth_day[aria-invalid=true]").Length() != 1 || doc.Find("#initials").AttrOr("value", "") != "Lê Thị Hoa" {
			t.Error("the form does not mark the day or lost the initials")
		}
		take := quizRedirect(t, c.post(path, url.Values{"initials": {"Lê Thị Hoa"}, "birth_day": {"7"}, "sex": {"female"}}), http.StatusSeeOther)
		doc = c.page(take, http.StatusOK)
		if !strings.Contains(text(doc, ".hint"), "LTH07") {
			t.Errorf("the code is not shown: %q", text(doc, ".hint"))
		}
		if strings.Contains(take, "LTH07") {
			t.Error("the personal code is in the URL")
		}
		for n := 1; n <= 3; n++ {
			quizRedirect(t, c.post(take, url.Values{"n": {itoa(n)}, "c": {"A"}}), http.StatusSeeOther)
		}
		doc = c.page(take, http.StatusOK)
		if !strings.Contains(text(doc, ".score"), "3 questions sur 3") {
			t.Errorf("score = %q", text(doc, ".score"))
		}
		var a quiz.Attempt
		db.Take(&a)
		if a.PersonKey != "a:LTH07" || a.Sex != "female" || a.RegistrationID != nil {
			t.Errorf("attempt key %q sex %q", a.PersonKey, a.Sex)
		}
		// The same code again: refused, with the code named.
		resp = c.post(path, url.Values{"code": {"lth 07"}})
		doc = ta.parse(resp, http.StatusConflict, "code used twice")
		if !strings.Contains(text(doc, "#code-err"), "LTH07") {
			t.Errorf("code error = %q", text(doc, "#code-err"))
		}
	})
}

func TestQuizPaperGrid(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -2 * time.Hour})
		quizFixture(t, db, e.ID)
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, e.ID, trainer.ID)
		other := testutil.Staff(t, db, user.RoleTrainer)
		path := "/en/staff/events/" + itoa(int(e.ID)) + "/quiz-entry/pre"

		c := ta.client()
		c.login(trainer)
		doc := c.page(path, http.StatusOK)
		if doc.Find("table.grid thead th").Length() != 2+3 {
			t.Errorf("grid columns = %d, want # + code + 3 questions", doc.Find("table.grid thead th").Length())
		}
		// Usable on a tablet: every cell's on-screen keyboard offers "Next".
		if all, next := doc.Find("table.grid tbody input").Length(), doc.Find(`table.grid tbody input[enterkeyhint=next]`).Length(); all == 0 || next != all {
			t.Errorf("%d of %d grid inputs offer the keyboard's Next key", next, all)
		}
		rows := doc.Find(`input[name=rows]`).AttrOr("value", "")
		form := url.Values{"rows": {rows},
			"p_0": {reg.Code}, "a_0_0": {"a"}, "a_0_1": {"b"}, "a_0_2": {"A"},
			"p_1": {"NTH12"}, "a_1_0": {"A"}, "a_1_1": {"Z"}, "a_1_2": {"AB"},
		}
		resp := c.post(path, form)
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "grid with mistakes")
		if doc.Find(`input[name=a_1_1][aria-invalid=true]`).Length() != 1 || doc.Find(`input[name=a_1_2][aria-invalid=true]`).Length() != 1 {
			t.Error("the wrong cells are not marked")
		}
		if doc.Find(`input[name=p_0]`).AttrOr("value", "") != reg.Code || doc.Find(`input[name=a_0_1]`).AttrOr("value", "") != "b" {
			t.Error("the typed grid was not kept")
		}
		var n int64
		db.Model(&quiz.Attempt{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d attempts saved from a grid with mistakes", n)
		}
		form.Set("a_1_1", "b")
		form.Set("a_1_2", "")
		quizRedirect(t, c.post(path, form), http.StatusSeeOther)
		var atts []quiz.Attempt
		db.Order("id").Find(&atts)
		if len(atts) != 2 {
			t.Fatalf("attempts = %d, want 2", len(atts))
		}
		if atts[0].RegistrationID == nil || *atts[0].RegistrationID != reg.ID || atts[0].NCorrect != 2 || atts[0].Source != quiz.SourcePaper {
			t.Errorf("row 1: %+v", atts[0])
		}
		if atts[1].PersonKey != "a:NTH12" || atts[1].NCorrect != 1 {
			t.Errorf("row 2: key %q, %d right (a blank cell counts as not right)", atts[1].PersonKey, atts[1].NCorrect)
		}
		// The grid shows the saved rows for correction.
		doc = c.page(path, http.StatusOK)
		if doc.Find(`input[name=p_1]`).AttrOr("value", "") != "NTH12" {
			t.Error("saved rows are not shown back")
		}
		// A trainer of another session may not see this one.
		c2 := ta.client()
		c2.login(other)
		c2.page(path, http.StatusForbidden)
	})
}

func TestKnowledgeGainPageAndAPI(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -3 * time.Hour})
		quizFixture(t, db, e.ID)
		ctx := context.Background()
		// Two people: 1/3 → 3/3 and 2/3 → 2/3; a third did only the pre quiz (0/3).
		// pre mean (33.33 + 66.67 + 0) / 3 = 33.33; post mean (100 + 66.67) / 2 = 83.33;
		// paired pre 50, paired post 83.33, ⟨g⟩ = 33.33 / 50 = 0.6667.
		pre := []quiz.PaperRow{{Person: "AAA01", Cells: []string{"A", "B", "B"}}, {Person: "BBB02", Cells: []string{"A", "A", "B"}}, {Person: "CCC03", Cells: []string{"B", "B", "B"}}}
		post := []quiz.PaperRow{{Person: "AAA01", Cells: []string{"A", "A", "A"}}, {Person: "BBB02", Cells: []string{"A", "A", "B"}}}
		for ph, rows := range map[quiz.Phase][]quiz.PaperRow{quiz.PhasePre: pre, quiz.PhasePost: post} {
			if _, problems, err := quiz.SavePaper(ctx, db, e.ID, ph, rows, 0, now); err != nil || problems != nil {
				t.Fatal(err, problems)
			}
		}
		api := "/api/v1/events/" + itoa(int(e.ID)) + "/knowledge-gain"
		anon := ta.client()
		if resp := anon.get(api); resp.StatusCode != http.StatusForbidden {
			t.Errorf("API without a session: status %d", resp.StatusCode)
		}
		stranger := ta.client()
		stranger.login(testutil.Staff(t, db, user.RoleTrainer))
		if resp := stranger.get(api); resp.StatusCode != http.StatusForbidden {
			t.Errorf("API for a trainer of another session: status %d", resp.StatusCode)
		}
		org := ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		resp := org.get(api)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("API status %d", resp.StatusCode)
		}
		var got map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]float64{"pre_count": 3, "post_count": 2, "paired": 2, "pre_mean": 33.33, "post_mean": 83.33,
			"paired_pre_mean": 50, "normalized_gain": 0.6667, "mean_gain": 33.33, "improved": 1, "stayed": 1, "dropped": 0} {
			if v, ok := got[k].(float64); !ok || v != want {
				t.Errorf("%s = %v, want %v", k, got[k], want)
			}
		}
		qs, _ := got["questions"].([]any)
		if len(qs) != 3 {
			t.Fatalf("questions = %v", got["questions"])
		}
		q3 := qs[2].(map[string]any)
		if q3["learned"].(float64) != 1 || q3["never_learned"].(float64) != 1 {
			t.Errorf("question 3 = %v", q3)
		}

		doc := org.page("/en/staff/events/"+itoa(int(e.ID))+"/knowledge-gain", http.StatusOK)
		if doc.Find("svg.chart rect").Length() < 10 {
			t.Errorf("charts have %d bars", doc.Find("svg.chart rect").Length())
		}
		if doc.Find("[style]").Length() != 0 || doc.Find("style").Length() != 0 {
			t.Error("inline style on the report page")
		}
		if got := doc.Find("table.gain-questions tbody tr").Length(); got != 3 {
			t.Errorf("question rows = %d", got)
		}
		if !strings.Contains(doc.Text(), "0.67") {
			t.Error("normalised gain not shown")
		}
		// The programme page, filtered.
		doc = org.page("/vi/staff/knowledge-gain?sex=female&kind=film_debate", http.StatusOK)
		if doc.Find(`select[name=sex] option[value=female][selected]`).Length() != 1 {
			t.Error("the filter is not kept")
		}
		doc = org.page("/vi/staff/knowledge-gain", http.StatusOK)
		if doc.Find(`a[href="/vi/staff/events/`+itoa(int(e.ID))+`/knowledge-gain"]`).Length() != 1 {
			t.Error("the programme page has no line for the event")
		}
	})
}

func TestQuestionBankAndAssignment(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		c.page("/en/staff/quizzes", http.StatusOK)
		// No right answer ticked: the form comes back with the text kept.
		form := url.Values{"kind": {"single"}, "topic": {"childrens_rights"}, "lang": {"vi"},
			"text_vi": {"Trẻ em có quyền được học hành không?"}, "choice_0_vi": {"Có"}, "choice_1_vi": {"Không"}}
		doc := ta.parse(c.post("/en/staff/quizzes/questions/new", form), http.StatusUnprocessableEntity, "no right answer")
		if doc.Find("#text_vi").Text() != "Trẻ em có quyền được học hành không?" || !strings.Contains(doc.Text(), "tick the right answer") {
			t.Error("the question form lost the text or gave no message")
		}
		// A question written first in Khmer, too long in Lao, with no right
		// answer: every problem at once, each beside its own field.
		km := url.Values{"kind": {"single"}, "topic": {"childrens_rights"}, "lang": {"km"},
			"text_km": {"តើកុមារមានសិទ្ធិរៀនទេ?"}, "text_lo": {strings.Repeat("ກ", quiz.TextMax+1)}, "choice_0_km": {"បាទ"}, "choice_1_km": {"ទេ"}}
		doc = ta.parse(c.post("/en/staff/quizzes/questions/new", km), http.StatusUnprocessableEntity, "too long in Lao")
		if got := text(doc, "#text_lo-err"); got != "The text in Lao is too long (at most 1000 characters)." {
			t.Errorf("the Lao text's error = %q", got)
		}
		if got := text(doc, "#text_vi-err") + text(doc, "#text_km-err"); got != "" || !strings.Contains(doc.Text(), "tick the right answer") {
			t.Errorf("errors beside the wrong fields (%q) or the missing right answer not said", got)
		}
		km.Del("text_lo")
		km.Set("correct_1", "1")
		quizRedirect(t, c.post("/en/staff/quizzes/questions/new", km), http.StatusSeeOther)
		db.Where("lang = ?", "km").Delete(&quiz.Question{})
		form.Set("correct_0", "1")
		quizRedirect(t, c.post("/en/staff/quizzes/questions/new", form), http.StatusSeeOther)
		tf := url.Values{"kind": {"true_false"}, "topic": {"where_to_get_help"}, "lang": {"vi"},
			"text_vi": {"Có thể gọi 111 để được giúp đỡ."}, "text_en": {"You can call 111 for help."}, "correct_0": {"1"}}
		quizRedirect(t, c.post("/en/staff/quizzes/questions/new", tf), http.StatusSeeOther)
		var qs []quiz.Question
		db.Order("id").Find(&qs)
		if len(qs) != 2 || qs[0].CorrectLetters() != "A" || qs[1].Kind != quiz.KindTrueFalse || len(qs[1].Choices) != 2 {
			t.Fatalf("questions = %+v", qs)
		}
		// The quiz: question 2 first, then question 1.
		quizRedirect(t, c.post("/en/staff/quizzes/new", url.Values{"code": {"RIGHTS1"}, "lang": {"vi"}, "title_vi": {"Quyền trẻ em"},
			"pos_" + itoa(int(qs[0].ID)): {"2"}, "pos_" + itoa(int(qs[1].ID)): {"1"}}), http.StatusSeeOther)
		var qz quiz.Quiz
		db.Preload("Items", func(tx *gorm.DB) *gorm.DB { return tx.Order("position") }).Take(&qz)
		if len(qz.Items) != 2 || qz.Items[0].QuestionID != qs[1].ID {
			t.Fatalf("quiz items = %+v", qz.Items)
		}
		quizRedirect(t, c.post("/en/staff/events/"+itoa(int(e.ID))+"/quizzes", url.Values{"pre_quiz_id": {itoa(int(qz.ID))}, "post_quiz_id": {itoa(int(qz.ID))}}), http.StatusSeeOther)
		pre, post, _ := quiz.EventQuizzes(context.Background(), db, e.ID)
		if pre != qz.ID || post != qz.ID {
			t.Errorf("event quizzes = %d, %d", pre, post)
		}
		// The true/false question reads in French with the interface's words,
		// and its text falls back (marked) to English... or Vietnamese.
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		p := ta.client()
		take := quizRedirect(t, p.post("/fr/r/"+reg.Code+"/quiz/pre", nil), http.StatusSeeOther)
		doc = p.page(take, http.StatusOK)
		if got := doc.Find("label.choice").First().Text(); !strings.Contains(got, "Vrai") {
			t.Errorf("true/false choice = %q", got)
		}
		if doc.Find("legend[lang=vi]").Length() != 1 || !strings.Contains(text(doc, "[role=note]"), "Tiếng Việt") {
			t.Error("a question shown in another language is not marked")
		}
		// Trainers may not edit the bank.
		tr := ta.client()
		tr.login(testutil.Staff(t, db, user.RoleTrainer))
		tr.page("/en/staff/quizzes", http.StatusForbidden)
	})
}

// TestQuizMessageIDs checks the message IDs the quiz pages build at run time.
func TestQuizMessageIDs(t *testing.T) {
	b, err := locale.Load(lantern.Assets, "locales")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range []string{"pre", "post"} {
		ids = append(ids, "quiz.title."+p, "quiz.phase."+p, "quiz.entry.title."+p, "quiz.entry.short."+p)
	}
	for _, s := range registration.Sexes {
		ids = append(ids, "quiz.sex."+s)
	}
	for _, a := range registration.AgeBands {
		ids = append(ids, "quiz.age."+a)
	}
	for _, r := range registration.Roles {
		ids = append(ids, "quiz.role."+r)
	}
	for _, k := range quiz.Kinds {
		ids = append(ids, "question.kind."+string(k))
	}
	for _, tp := range quiz.Topics {
		ids = append(ids, "question.topic."+tp)
	}
	for _, l := range locale.Supported {
		for _, id := range ids {
			if !b.IDs(l)[id] {
				t.Errorf("%s: %s is missing", l, id)
			}
		}
	}
}

// The staff home links to the quiz pages by role; a trainer's list of
// sessions holds only their own.
func TestQuizMenuAndTrainerSessions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		mine := testutil.Event(t, db, testutil.EventOpts{StartsIn: -24 * time.Hour})
		other := testutil.Event(t, db, testutil.EventOpts{StartsIn: -48 * time.Hour})
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, mine.ID, trainer.ID)

		org := ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		doc := org.page("/en/staff/", http.StatusOK)
		for _, href := range []string{"/en/staff/quizzes", "/en/staff/knowledge-gain", "/en/staff/quiz-sessions"} {
			if doc.Find(`.menu a[href="`+href+`"]`).Length() != 1 {
				t.Errorf("organiser's menu lacks %s", href)
			}
		}
		tr := ta.client()
		tr.login(trainer)
		doc = tr.page("/en/staff/", http.StatusOK)
		if doc.Find(`.menu a[href="/en/staff/quizzes"]`).Length() != 0 || doc.Find(`.menu a[href="/en/staff/quiz-sessions"]`).Length() != 1 {
			t.Error("trainer's menu: wrong quiz links")
		}
		doc = tr.page("/en/staff/quiz-sessions", http.StatusOK)
		if doc.Find(`a[href="/en/staff/events/`+itoa(int(mine.ID))+`/quiz-entry/pre"]`).Length() != 1 {
			t.Error("the trainer's session is not listed")
		}
		if doc.Find(`a[href="/en/staff/events/`+itoa(int(other.ID))+`/quiz-entry/pre"]`).Length() != 0 {
			t.Error("another trainer's session is listed")
		}
		tr.page("/en/staff/knowledge-gain", http.StatusForbidden)
		tr.page("/en/staff/events/"+itoa(int(mine.ID))+"/knowledge-gain", http.StatusOK)
		tr.page("/en/staff/events/"+itoa(int(other.ID))+"/knowledge-gain", http.StatusForbidden)
	})
}

// The knowledge-gain API keeps its answer per quiz version: asked again, it
// runs no report query; a quiz saved elsewhere shows once the poll interval
// has passed, and one saved through this instance at once.
func TestKnowledgeGainAPICachedPerQuizVersion(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t)
		cfg.PageCachePoll = time.Hour
		ta := newTestAppConfig(t, db, cfg)
		now := time.Now().UTC()
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -3 * time.Hour})
		quizFixture(t, db, e.ID)
		ctx := context.Background()
		save := func(ph quiz.Phase, rows ...quiz.PaperRow) {
			t.Helper()
			if _, problems, err := quiz.SavePaper(ctx, db, e.ID, ph, rows, 0, now); err != nil || problems != nil {
				t.Fatal(err, problems)
			}
		}
		save(quiz.PhasePre, quiz.PaperRow{Person: "AAA01", Cells: []string{"A", "B", "B"}})
		org := ta.client()
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		api := "/api/v1/events/" + itoa(int(e.ID)) + "/knowledge-gain"
		preCount := func() float64 {
			t.Helper()
			resp := org.get(api)
			var got map[string]any
			if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
				t.Fatalf("API status %d", resp.StatusCode)
			}
			n, _ := got["pre_count"].(float64)
			return n
		}
		if n := preCount(); n != 1 {
			t.Fatalf("pre_count = %v, want 1", n)
		}
		qc := testutil.CountQueries(t, db)
		qc.Reset()
		if n := preCount(); n != 1 {
			t.Fatalf("pre_count = %v, want 1", n)
		}
		// The session and the access check remain; the report (five
		// queries and more) does not run.
		if n := qc.N(); n > 5 {
			t.Errorf("a cached answer ran %d queries", n)
		}
		save(quiz.PhasePre, quiz.PaperRow{Person: "BBB02", Cells: []string{"A", "A", "B"}})
		if n := preCount(); n != 1 {
			t.Logf("a change made elsewhere already shows: %v", n)
		}
		ta.setNow(now.Add(cfg.PageCachePoll))
		if n := preCount(); n != 2 {
			t.Errorf("after the poll interval pre_count = %v, want 2", n)
		}
		// A POST through this instance (a participant's quiz, a trainer's
		// paper grid) reads the version again at once.
		save(quiz.PhasePre, quiz.PaperRow{Person: "CCC03", Cells: []string{"B", "B", "B"}})
		org.post("/en/logout", nil)
		org.login(testutil.Staff(t, db, user.RoleOrganiser))
		if n := preCount(); n != 3 {
			t.Errorf("after a POST on this instance pre_count = %v, want 3", n)
		}
	})
}
