package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/apitoken"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// staffData is the demo programme (seed.Run with the demo accounts) plus
// what the demo does not make yet: coaching sessions with ratings and
// action points, session reports, a full session with a waiting list and a
// child's registration that waits for its guardian. Its ids fill the staff
// routes' params.
type staffData struct {
	sweeper     *user.User // every role, assigned to the sessions below, coached by coach@
	trainer     uint       // trainer@lantern.test
	past, film  uint       // a held workshop and a held screening (check-ins, quizzes, reports)
	next        uint       // a full upcoming session with a waiting list
	quiz, quest uint
	competency  uint
	coachingID  uint
	partner     uint
	venue       uint
	target      uint
	token       uint // an API token (its page)
	webhook     uint // a webhook endpoint with a failed delivery (its page and log)
	longName    string
}

// seedStaffData fills db with demo-like data.
func seedStaffData(t *testing.T, db *gorm.DB, now time.Time) *staffData {
	t.Helper()
	ctx := t.Context()
	if err := seed.Run(ctx, db, lantern.Assets, seed.Options{Demo: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := &staffData{}
	d.sweeper = testutil.Staff(t, db, user.RoleAdmin, user.RoleOrganiser, user.RoleTrainer, user.RoleCoach)
	var coach, trainer user.User
	must(db.Where("email = ?", "coach@lantern.test").Take(&coach).Error)
	must(db.Where("email = ?", "trainer@lantern.test").Take(&trainer).Error)
	d.trainer = trainer.ID
	must(db.Model(&user.User{}).Where("id IN ?", []uint{d.sweeper.ID, trainer.ID}).Update("coach_id", coach.ID).Error)
	d.sweeper.CoachID = &coach.ID

	// The held workshop and screening with the most people present and a
	// quiz; the sweeper runs them too.
	held := func(kind string) uint {
		var id uint
		must(db.Raw(`SELECT e.id FROM events e WHERE e.ends_at < ? AND e.status = 'published' AND e.kind = ?
			AND EXISTS (SELECT 1 FROM quiz_attempts q WHERE q.event_id = e.id)
			ORDER BY (SELECT COUNT(*) FROM attendances a WHERE a.event_id = e.id) DESC, e.id LIMIT 1`, now, kind).Scan(&id).Error)
		if id == 0 {
			t.Fatalf("demo data has no held %s with quizzes", kind)
		}
		return id
	}
	d.past, d.film = held(string(event.KindAuthorityWorkshop)), held(string(event.KindFilmDebate))
	must(db.Raw(`SELECT id FROM events WHERE starts_at > ? AND status = 'published' ORDER BY starts_at, id LIMIT 1`, now).Scan(&d.next).Error)
	if d.next == 0 {
		t.Fatal("demo data has no upcoming session")
	}
	for _, id := range []uint{d.past, d.film, d.next} {
		testutil.AssignTrainer(t, db, id, d.sweeper.ID)
	}

	// The upcoming session is full, with a waiting list, a long name and
	// a child waiting for a guardian's confirmation.
	d.longName = "Nguyễn Thị Phương Thảo Hoàng Bảo Ngọc Trâm Anh"
	must(db.Exec(`UPDATE events SET capacity = seats_taken WHERE id = ?`, d.next).Error)
	testutil.Registration(t, db, d.next, testutil.RegistrationOpts{Name: d.longName, Status: registration.StatusWaitlisted})
	testutil.Registration(t, db, d.next, testutil.RegistrationOpts{Name: "Trần Bảo Ngọc", Status: registration.StatusPending, AgeBand: "under_16"})

	// Session reports for every held session but one.
	var over []uint
	must(db.Raw(`SELECT id FROM events WHERE ends_at < ? AND status = 'published' ORDER BY starts_at`, now).Scan(&over).Error)
	for i, id := range over {
		if i == 0 && id != d.past && id != d.film {
			continue // one report missing, for the reminder page
		}
		var author uint
		must(db.Raw(`SELECT user_id FROM event_trainers WHERE event_id = ? ORDER BY user_id LIMIT 1`, id).Scan(&author).Error)
		_, err := sessionreport.Save(ctx, db, sessionreport.Input{
			EventID: id, Lang: "vi",
			Covered:   "Phim «Lời hứa», thảo luận về những lời mời làm việc ở thành phố, đường dây nóng 111.",
			HowItWent: "Cha mẹ đặt nhiều câu hỏi; các em tuổi teen ngại nói trước đám đông.",
			Questions: "Làm sao kiểm tra một công ty môi giới việc làm?",
			Topics:    []string{"trafficking_traps", "online_safety", "reporting_channels"},
			FollowUps: []sessionreport.FollowUp{{Action: "Gửi danh sách các số điện thoại hỗ trợ cho hội phụ nữ phường", Owner: "Nguyễn Thị Hoa", DueOn: now.AddDate(0, 0, 7).Format("2006-01-02")}},
			Referrals: map[string]int{"social_work": 2, "psychosocial": 1, "legal": 1},
		}, author, now)
		must(err)
	}

	// Coaching: three sessions of the sweeper with rising ratings and an
	// overdue action point; one of the demo trainer.
	comps, err := coaching.Competencies(ctx, db, false)
	must(err)
	if len(comps) == 0 {
		t.Fatal("no competencies seeded")
	}
	d.competency = comps[0].ID
	today := now.Format(coaching.DateLayout)
	for i, coachee := range []uint{d.sweeper.ID, d.sweeper.ID, d.sweeper.ID, trainer.ID} {
		ratings := map[uint]int{}
		for j, c := range comps {
			ratings[c.ID] = min(coaching.MaxLevel, 1+(i+j)%3)
		}
		s, err := coaching.RecordSession(ctx, db, coaching.SessionInput{
			CoacheeID: coachee, HeldOn: coaching.AddDays(today, -60+20*i), Mode: coaching.ModeOnSite,
			Topics: "Điều phối thảo luận, xử lý câu hỏi khó", Strengths: "Lắng nghe tốt, giọng nói rõ ràng.",
			Difficulties: "Quản lý thời gian khi thảo luận kéo dài.", NextOn: coaching.AddDays(today, 14),
			Ratings:      ratings,
			ActionPoints: []coaching.ActionPoint{{Text: "Chuẩn bị ba câu hỏi mở cho phần thảo luận", DueOn: coaching.AddDays(today, -10+10*i)}},
		}, &coach, now)
		must(err)
		d.coachingID = s.ID
	}

	must(db.Raw(`SELECT id FROM quizzes ORDER BY id LIMIT 1`).Scan(&d.quiz).Error)
	must(db.Raw(`SELECT id FROM questions ORDER BY id LIMIT 1`).Scan(&d.quest).Error)
	must(db.Raw(`SELECT id FROM partners ORDER BY id LIMIT 1`).Scan(&d.partner).Error)
	must(db.Raw(`SELECT id FROM venues ORDER BY id LIMIT 1`).Scan(&d.venue).Error)
	must(db.Raw(`SELECT id FROM targets ORDER BY id LIMIT 1`).Scan(&d.target).Error)
	tok, _ := makeToken(t, db, d.sweeper.ID, apitoken.Input{Name: "Partner site (Lan San school)", Scopes: []string{"events:read", "indicators:read"}}, now)
	d.token = tok.ID
	d.webhook = seedWebhook(t, db, d.sweeper.ID, d.next, now)
	return d
}

// seedWebhook registers an endpoint with a long address and one failed
// delivery of an event's change, for the pages that show them.
func seedWebhook(t testing.TB, db *gorm.DB, actor, eventID uint, now time.Time) uint {
	t.Helper()
	ep, _, err := webhook.Create(t.Context(), db, webhook.Allow{}, actor, webhook.Input{
		URL:         "https://partner-information-system.example.org/integrations/lantern/webhooks/receive-events-endpoint",
		Description: "Hệ thống quản lý của trường Lăn Sân", Events: []string{webhook.EventChanged, webhook.RegistrationCreated}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Transaction(func(tx *gorm.DB) error {
		return webhook.Raise(tx, webhook.EventChanged, webhook.Subject{EventID: eventID}, now)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&webhook.Delivery{}).Where("endpoint_id = ?", ep.ID).Updates(map[string]any{"status": webhook.StatusFailed,
		"attempts": 18, "last_status": 502, "last_body": strings.Repeat("<html>Bad gateway from a very long proxy answer ", 10)}).Error; err != nil {
		t.Fatal(err)
	}
	return ep.ID
}

// staffPaths turns every GET route of the router under /{lang}/staff and
// /{lang}/trainer into paths with real ids (a route under /staff/events/:id
// with the held workshop, the held screening and the full upcoming session;
// certificates with the workshop only). A route
// whose params it cannot fill fails the test, so that a new page cannot be
// left out.
func staffPaths(t *testing.T, ta *testApp, d *staffData, lang string) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, r := range ta.app.GetRoutes(true) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/"+lang+"/") {
			continue
		}
		rel := strings.TrimPrefix(r.Path, "/"+lang)
		if !strings.HasPrefix(rel, "/staff") && !strings.HasPrefix(rel, "/trainer") {
			continue
		}
		variants := []string{rel}
		if strings.HasPrefix(rel, "/staff/events/:id") {
			variants = nil
			for _, id := range []uint{d.past, d.film, d.next} {
				if id != d.past && strings.HasSuffix(rel, "/certificates") {
					continue // certificates are for workshops that are over
				}
				variants = append(variants, strings.Replace(rel, ":id<int>", fmt.Sprint(id), 1))
			}
		}
		for _, v := range variants {
			for _, p := range d.fill(t, v) {
				add("/" + lang + p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// fill replaces a route's params (see staffPaths).
func (d *staffData) fill(t *testing.T, path string) []string {
	t.Helper()
	if !strings.Contains(path, ":") {
		return []string{path}
	}
	segs := strings.Split(path, "/")
	var outs []string
	for i, s := range segs {
		m := paramRE.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		var vals []string
		switch {
		case m[1] == "phase":
			vals = []string{"pre", "post"}
		case m[1] == "kind": // a message kind (Zalo templates)
			vals = []string{"confirmation"}
		case m[1] == "tl": // a template's language, or any language
			vals = []string{"any", "vi"}
		case m[1] == "dataset":
			// /staff/dashboard/export/:dataset.:format: files, not pages.
			vals = []string{"events.csv"}
			s = ""
		case prev == "accounts" || prev == "coachees":
			vals = []string{fmt.Sprint(d.sweeper.ID), fmt.Sprint(d.trainer)}
		case prev == "partners":
			vals = []string{fmt.Sprint(d.partner)}
		case prev == "venues":
			vals = []string{fmt.Sprint(d.venue)}
		case prev == "countries":
			vals = []string{"VN", "PH"}
		case prev == "targets":
			vals = []string{fmt.Sprint(d.target)}
		case prev == "tokens":
			vals = []string{fmt.Sprint(d.token)}
		case prev == "webhooks":
			vals = []string{fmt.Sprint(d.webhook)}
		case prev == "questions":
			vals = []string{fmt.Sprint(d.quest)}
		case prev == "quizzes":
			vals = []string{fmt.Sprint(d.quiz)}
		case prev == "competencies":
			vals = []string{fmt.Sprint(d.competency)}
		case prev == "sessions" && strings.Contains(path, "/coaching/"):
			vals = []string{fmt.Sprint(d.coachingID)}
		default:
			t.Errorf("%s: no fixture for :%s after %q; teach staffData.fill", path, m[1], prev)
			return nil
		}
		for _, v := range vals {
			c := append([]string(nil), segs...)
			if s == "" {
				c[i] = v
			} else {
				c[i] = paramRE.ReplaceAllString(s, v)
			}
			outs = append(outs, d.fill(t, strings.Join(c, "/"))...)
		}
		return outs
	}
	return []string{path}
}

// htmlPages keeps the paths that answer an HTML page to c, and fails on
// those that answer an error: a page the sweep cannot open is a page it
// does not check.
func htmlPages(t *testing.T, c *client, paths []string) []string {
	t.Helper()
	var out []string
	for _, p := range paths {
		resp := c.get(p)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Errorf("GET %s: %d: the sweep needs a fixture that opens it", p, resp.StatusCode)
			continue
		}
		if resp.StatusCode >= 300 {
			out = append(out, p) // the browser follows; the page it lands on is checked
			continue
		}
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
			out = append(out, p)
		}
	}
	return out
}

// overflowers names the elements that stick out on the right of the
// viewport (the deepest ones: the cause, not their parents).
const overflowersJS = `(() => {
	const w = document.documentElement.clientWidth, out = [];
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.right <= w + 0.5 || r.width === 0) continue;
		let clipped = false;
		for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			const o = getComputedStyle(p).overflowX;
			if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
		}
		if (clipped) continue;
		if ([...el.children].some(c => c.getBoundingClientRect().right > w + 0.5)) continue;
		let name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
		out.push(name + ' ' + Math.round(r.right) + 'px «' + (el.textContent || '').trim().slice(0, 40) + '»');
		if (out.length === 5) break;
	}
	return out.join('; ');
})()`

// fitsPhone fails when the open page is wider than the phone's screen, and
// says which elements stick out.
func (b *browserEnv) fitsPhone(t *testing.T, path string) {
	t.Helper()
	if w := evalAs[int](t, b, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("%s is %d px wide on a %d px screen: %s", path, w, phoneWidth, evalAs[string](t, b, overflowersJS))
	}
}

// Every staff page (each GET route under /{lang}/staff and /{lang}/trainer
// with real ids, the /staff/events/:id pages for a held workshop, a held
// screening and a full upcoming session) fits a 360 px phone in vi, fr and en, signed in with every role.
// The whole sweep runs on SQLite; on PostgreSQL the same data is swept in
// Vietnamese only (the longest-worded language for labels is French, the
// widest page content Vietnamese; the layout does not depend on the
// database, the data it reads does).
func TestBrowserStaffPagesFitPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		d := seedStaffData(t, db, now)
		b := newBrowser(t, db)
		c := b.ta.client()
		c.login(d.sweeper)
		b.login(t, "en", d.sweeper)
		langs := locale.Core // every staff page at 360 px in the core languages; km and lo: public_langs_browser_test.go
		if db.Dialector.Name() == "postgres" {
			langs = []string{"vi"}
		}
		total := 0
		for _, lang := range langs {
			paths := htmlPages(t, c, staffPaths(t, b.ta, d, lang))
			if len(paths) < 60 {
				t.Fatalf("%s: only %d staff pages found: the route walk is broken", lang, len(paths))
			}
			total += len(paths)
			for _, p := range paths {
				b.navigate(t, p)
				b.fitsPhone(t, p)
			}
		}
		t.Logf("%d staff pages checked at %d px", total, phoneWidth)
		// On a laptop (1280 px) no table is cut by its scrolling wrapper.
		for _, p := range htmlPages(t, c, staffPaths(t, b.ta, d, "en")) {
			b.printFaults(t, p, 1280, "screen", false)
		}
		b.do(t, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
	})
}

// a4Width is the printable width of an A4 page in CSS pixels (96 per inch)
// with the 14 mm margins of the donor report's @page (the attendance sheet's
// are 12 mm: its pages are checked at the narrower width).
const a4Width = 687 // (210 − 2×14) mm ÷ 25.4 × 96

// printFaultsJS lists, on the open page, the table cells whose boxes
// overlap (text printed over text), the tables wider than the page and the
// tables cut by their wrapper (paper does not scroll).
const printFaultsJS = `(() => {
	const w = document.documentElement.clientWidth, out = [];
	const name = el => (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 30);
	const cells = [...document.querySelectorAll('th, td')].map(el => [el, el.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
	// Adjacent cells share a border line: overlaps under 2 px are borders.
	const tol = 2;
	for (let i = 0; i < cells.length && out.length < 8; i++) {
		const [a, ra] = cells[i];
		for (let j = i + 1; j < cells.length; j++) {
			const [b, rb] = cells[j];
			const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
			const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
			if (x > tol && y > tol) { out.push('cells overlap: «' + name(a) + '» and «' + name(b) + '»'); break; }
		}
	}
	for (const t of document.querySelectorAll('table')) {
		const r = t.getBoundingClientRect();
		if (r.width === 0) continue;
		const cap = name(t.caption || t.rows[0] || t);
		if (r.left < -0.5 || r.right > w + 0.5) out.push('table «' + cap + '» is ' + Math.round(r.width) + ' px wide, from ' + Math.round(r.left) + ' to ' + Math.round(r.right) + ' on a ' + w + ' px page');
		for (let p = t.parentElement; p; p = p.parentElement) {
			if (p.scrollWidth > p.clientWidth + 1 && getComputedStyle(p).overflowX !== 'visible') {
				out.push('table «' + cap + '» is cut by its ' + p.tagName.toLowerCase() + '.' + p.className + ' (' + p.scrollWidth + ' px in ' + p.clientWidth + ')');
				break;
			}
		}
		for (const c of t.querySelectorAll('th, td')) {
			if (c.scrollWidth > c.clientWidth + 1) out.push('cell «' + name(c) + '» of «' + cap + '» overflows its column');
		}
	}
	if (document.documentElement.scrollWidth > w) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide on ' + w + ' px of paper');
	return out.slice(0, 12).join('; ');
})()`

// printFaults opens path laid out for media at width and fails on what
// printFaultsJS finds (and on a page without a table when wantTable).
func (b *browserEnv) printFaults(t *testing.T, path string, width int64, media string, wantTable bool) {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 1000)); err != nil {
		t.Fatal(err)
	}
	b.navigate(t, path)
	if got := evalAs[string](t, b, printFaultsJS); got != "" {
		t.Errorf("%s (%s, %d px): %s", path, media, width, got)
	}
	if n := evalAs[int](t, b, `document.querySelectorAll('table').length`); wantTable && n == 0 {
		t.Errorf("%s: no table to check", path)
	}
}

// The donor report, the attendance sheets and the knowledge-gain pages
// print on A4 in vi, fr and en
// without table cells printed over each other nor tables wider than the
// paper (print media at A4's printable width; a PDF is printed too, to
// check that chromium lays the page out on A4 at all). The donor report
// also shows every column on a 1280 px screen.
func TestBrowserDonorReportAndSheetPrintOnA4(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		d := seedStaffData(t, db, now)
		b := newBrowser(t, db)
		b.login(t, "en", d.sweeper)
		for _, lang := range locale.Core {
			pages := []string{"/" + lang + "/staff/dashboard/donor",
				fmt.Sprintf("/%s/staff/events/%d/sheet", lang, d.past), fmt.Sprintf("/%s/staff/events/%d/sheet", lang, d.next),
				"/" + lang + "/staff/knowledge-gain", fmt.Sprintf("/%s/staff/events/%d/knowledge-gain", lang, d.film),
				"/" + lang + "/staff/admin/impact-assessment?lang=" + lang}
			for _, p := range pages {
				b.printFaults(t, p, a4Width, "print", true)
				ctx, cancel := b.step()
				pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 210 / 25.4, PaperHeight: 297 / 25.4, PreferCSSPageSize: new(true)})
				cancel()
				if err != nil {
					t.Fatalf("print %s: %v", p, err)
				}
				if len(pdf.Data) < 1000 || !strings.HasPrefix(string(pdf.Data[:5]), "%PDF-") {
					t.Errorf("print %s: %d bytes, not a PDF", p, len(pdf.Data))
				}
			}
			b.printFaults(t, pages[0], 1280, "screen", true)
		}
		b.do(t, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
	})
}
