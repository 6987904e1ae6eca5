package web

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// The ticket page (registration area) includes the partial ticket_quiz with
// its own data: Page, Reg and Event. The partial offers the pre quiz before
// the session and the post quiz once it has started, and nothing for a
// cancelled registration or event.
func TestTicketQuizPartial(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	start := time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)
	type ticketData struct {
		Page
		Reg   *registration.Registration
		Event *event.Event
	}
	render := func(now time.Time, regStatus registration.Status, evStatus event.Status) *goquery.Document {
		t.Helper()
		p := Page{Translator: ta.srv.bundle.For("vi"), Now: now, Langs: []string{"vi", "fr", "en"}}
		d := ticketData{Page: p, Reg: &registration.Registration{Code: "K7M2QX", Status: regStatus},
			Event: &event.Event{Status: evStatus, StartsAt: start, EndsAt: start.Add(2 * time.Hour)}}
		var buf bytes.Buffer
		if err := ta.srv.renderer.pages["quiz/intro"].ExecuteTemplate(&buf, "ticket_quiz", d); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(buf.String()))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	doc := render(start.Add(-time.Hour), registration.StatusConfirmed, event.StatusPublished)
	if href := doc.Find("a.button").AttrOr("href", ""); href != "/vi/r/K7M2QX/quiz/pre" {
		t.Errorf("before the session: link %q", href)
	}
	if got := strings.TrimSpace(doc.Find("a.button").Text()); got != "Trả lời vài câu hỏi ngắn (không phải bài thi)" {
		t.Errorf("link text %q", got)
	}
	doc = render(start.Add(3*time.Hour), registration.StatusConfirmed, event.StatusPublished)
	if href := doc.Find("a.button").AttrOr("href", ""); href != "/vi/r/K7M2QX/quiz/post" {
		t.Errorf("after the session: link %q", href)
	}
	for _, c := range []struct {
		r registration.Status
		e event.Status
	}{{registration.StatusCancelled, event.StatusPublished}, {registration.StatusConfirmed, event.StatusCancelled}} {
		if doc := render(start.Add(-time.Hour), c.r, c.e); doc.Find("a").Length() != 0 {
			t.Errorf("quiz offered for registration %s, event %s", c.r, c.e)
		}
	}
}

// The participant's quiz pages stay within the page budget of a slow phone.
func TestQuizPagesWithinBudget(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	ta := newTestApp(t, db)
	now := time.Now().UTC()
	e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 48 * time.Hour})
	quizFixture(t, db, e.ID)
	reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
	c := ta.client()
	take := quizRedirect(t, c.post("/vi/r/"+reg.Code+"/quiz/pre", nil), http.StatusSeeOther)
	for _, path := range []string{"/vi/r/" + reg.Code + "/quiz/pre", "/vi/events/" + itoa(int(e.ID)) + "/quiz/pre", take} {
		if total, _ := pageWeight(t, ta, path); total > PageBudget {
			t.Errorf("%s weighs %d bytes compressed with its assets, over %d", path, total, PageBudget)
		}
	}
}

// The real ticket page links to the quiz of the moment.
func TestTicketPageLinksToTheQuiz(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 48 * time.Hour})
		quizFixture(t, db, e.ID)
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		c := ta.client()
		doc := c.page("/vi/r/"+reg.Code, http.StatusOK)
		link := doc.Find(`a[href="/vi/r/` + reg.Code + `/quiz/pre"]`)
		if link.Length() != 1 {
			t.Fatal("the ticket does not link to the pre quiz")
		}
		c.page("/vi/r/"+reg.Code+"/quiz/pre", http.StatusOK)
		ta.setNow(e.EndsAt.Add(time.Hour))
		doc = c.page("/vi/r/"+reg.Code, http.StatusOK)
		if doc.Find(`a[href="/vi/r/`+reg.Code+`/quiz/post"]`).Length() != 1 {
			t.Error("after the session the ticket does not link to the post quiz")
		}
	})
}
