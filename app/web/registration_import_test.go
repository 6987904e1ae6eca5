package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// upload posts a multipart form (with the CSRF token unless fields has its
// own _csrf) and, when filename is set, a file in the field "file".
func (c *client) upload(path string, fields url.Values, filename string, content []byte) *http.Response {
	c.ta.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if _, ok := fields["_csrf"]; !ok {
		_ = w.WriteField("_csrf", c.csrf())
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, _ := w.CreateFormFile("file", filename)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func importPath(lang string, eventID uint) string {
	return "/" + lang + "/staff/events/" + itoa(int(eventID)) + "/registrations/import"
}

// importPhone is the i-th test mobile number, written as people do.
func importPhone(i int) string { return fmt.Sprintf("0912 345 6%02d", i) }

func importE164(i int) string { return fmt.Sprintf("+849123456%02d", i) }

// confirmImport posts the preview's confirm form as a browser would.
func (c *client) confirmImport(doc *goquery.Document) *http.Response {
	c.ta.t.Helper()
	form := doc.Find(`form[action$="/registrations/import/confirm"]`)
	if form.Length() != 1 || form.AttrOr("enctype", "") != "multipart/form-data" {
		c.ta.t.Fatalf("no confirm form on the preview")
	}
	fields := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		fields.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return c.upload(form.AttrOr("action", ""), fields, "", nil)
}

func countRegs(t *testing.T, db *gorm.DB, eventID uint, st registration.Status) int64 {
	t.Helper()
	var n int64
	db.Model(&registration.Registration{}).Where("event_id = ? AND status = ?", eventID, st).Count(&n)
	return n
}

func TestImportUploadPreviewConfirm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, org := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 6})
		// Someone already registered (one seat taken): 5 seats left.
		if _, err := registration.Register(t.Context(), db, registration.Input{EventID: e.ID, Name: "Đã Đăng Ký",
			Phone: importPhone(99), Lang: "vi"}, staffNow); err != nil {
			t.Fatal(err)
		}

		// The registrations page links to the import.
		doc := c.page("/en/staff/events/"+itoa(int(e.ID))+"/registrations", http.StatusOK)
		if doc.Find(`a[href="`+importPath("en", e.ID)+`"]`).Length() != 1 {
			t.Error("no link to the import on the registrations page")
		}
		doc = c.page(importPath("en", e.ID), http.StatusOK)
		if doc.Find(`form[enctype="multipart/form-data"] input[type=file][name=file]`).Length() != 1 ||
			doc.Find(`form[enctype="multipart/form-data"] input[name=_csrf]`).Length() != 1 {
			t.Fatal("the upload form lacks its file or CSRF field")
		}
		if !strings.Contains(doc.Text(), "same SMS as someone you register by phone") {
			t.Error("the page does not say that imported people get an SMS")
		}

		// 8 new people, one already registered, a duplicate, a bad number, a blank row.
		var csv strings.Builder
		csv.WriteString("\ufeffHọ và tên;Số điện thoại;Đơn vị;Vai trò\r\n")
		for i := 1; i <= 8; i++ {
			fmt.Fprintf(&csv, "Người Thứ %d;%s;Phường %d;Công an\r\n", i, importPhone(i), i)
		}
		fmt.Fprintf(&csv, "Đã Đăng Ký;%s;;\r\n", importPhone(99))
		fmt.Fprintf(&csv, "\"Trùng, Số\";+84 91 234 5601;;\r\n")
		csv.WriteString(";;;\r\n")
		csv.WriteString("Số Sai;12345;;\r\n")
		resp := c.upload(importPath("en", e.ID), url.Values{"lang": {"fr"}}, "invitees.csv", []byte(csv.String()))
		doc = ta.parse(resp, http.StatusOK, "upload")
		for sel, want := range map[string]string{"#n-new": "8", "#n-confirmed": "5", "#n-waitlisted": "3", "#n-existing": "1", "#n-errors": "2", "#n-seats": "5 / 6"} {
			if got := text(doc, sel); got != want {
				t.Errorf("preview %s = %q, want %q", sel, got, want)
			}
		}
		if n := doc.Find(`table.import-rows tr[data-outcome=confirmed]`).Length(); n != 5 {
			t.Errorf("%d rows marked confirmed, want 5", n)
		}
		if got := text(doc, `table.import-rows tr[data-outcome=existing] .badge`); got != "Already registered (Confirmed)" {
			t.Errorf("existing row marked %q", got)
		}
		if got := text(doc, `table.import-errors tr[data-row="11"] .err`); got != "Same phone number as row 2" {
			t.Errorf("duplicate row: %q", got)
		}
		if got := text(doc, `table.import-errors tr[data-row="13"] .err`); got != "This phone number cannot exist" {
			t.Errorf("bad number row: %q", got)
		}
		if strings.Contains(doc.Find("table.import-rows").Text(), "+84912345601") {
			t.Error("the preview shows whole phone numbers")
		}
		if !strings.Contains(text(doc, "#n-sms"), "8 messages in Français") {
			t.Errorf("SMS line = %q", text(doc, "#n-sms"))
		}
		if n, _ := registration.CountByStatus(t.Context(), db, e.ID); n.Seats[registration.StatusConfirmed] != 1 {
			t.Error("the preview wrote registrations")
		}

		// Confirm.
		loc := wantRedirect(t, c.confirmImport(doc), importPath("en", e.ID)+"?")
		q, _ := url.ParseQuery(strings.SplitN(loc, "?", 2)[1])
		if q.Get("created") != "8" || q.Get("confirmed") != "5" || q.Get("waitlisted") != "3" || q.Get("existing") != "0" {
			t.Errorf("result %s", loc)
		}
		done := c.page(loc, http.StatusOK)
		if got := text(done, ".import-done p"); got != "8 people imported." {
			t.Errorf("done page says %q", got)
		}
		if c, w := countRegs(t, db, e.ID, registration.StatusConfirmed), countRegs(t, db, e.ID, registration.StatusWaitlisted); c != 6 || w != 3 {
			t.Errorf("confirmed %d waitlisted %d, want 6 and 3", c, w)
		}
		var seats int
		db.Model(&event.Event{}).Where("id = ?", e.ID).Pluck("seats_taken", &seats)
		if seats != 6 {
			t.Errorf("seats_taken = %d, want 6 (capacity)", seats)
		}
		var r registration.Registration
		if err := db.Where("event_id = ? AND phone = ?", e.ID, importE164(1)).Take(&r).Error; err != nil {
			t.Fatal(err)
		}
		if r.Name != "Người Thứ 1" || r.Organisation != "Phường 1" || r.Role != "police" || r.Source != registration.SourceImport ||
			r.Lang != "fr" || r.CreatedByID == nil || *r.CreatedByID != org.ID || r.Status != registration.StatusConfirmed || r.NameFolded != "nguoi thu 1" {
			t.Errorf("imported registration = %+v", r)
		}
		var sms []message.Message
		db.Where("event_id = ?", e.ID).Find(&sms)
		kinds := map[string]int{}
		for _, m := range sms {
			kinds[m.Kind]++
			if m.Lang != "fr" {
				t.Errorf("SMS in %s, want fr", m.Lang)
			}
		}
		if kinds[registration.SMSConfirmation] != 5 || kinds[registration.SMSWaitlisted] != 3 {
			t.Errorf("SMS queued %v, want 5 tickets and 3 waiting-list messages", kinds)
		}
		var logs []audit.Entry
		db.Where("action = ? AND entity_id = ?", "registrations.import", itoa(int(e.ID))).Find(&logs)
		if len(logs) != 1 || logs[0].ActorID == nil || *logs[0].ActorID != org.ID {
			t.Fatalf("audit entries %+v", logs)
		}
		if a := logs[0].After; strings.Contains(a, "912") || strings.Contains(a, "Người") || !strings.Contains(a, `"Created":8`) {
			t.Errorf("audit entry %s: personal data or wrong counts", a)
		}

		// The same confirm again (double submit, back button): nobody twice, no second SMS.
		loc = wantRedirect(t, c.confirmImport(doc), importPath("en", e.ID)+"?")
		if q, _ := url.ParseQuery(strings.SplitN(loc, "?", 2)[1]); q.Get("created") != "0" || q.Get("existing") != "8" {
			t.Errorf("second confirm: %s", loc)
		}
		var total, smsAfter int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&total)
		db.Model(&message.Message{}).Where("event_id = ?", e.ID).Count(&smsAfter)
		if total != 9 || smsAfter != int64(len(sms)) {
			t.Errorf("after a second confirm: %d registrations, %d SMS; want 9 and %d", total, smsAfter, len(sms))
		}

		// Uploading the same list again: all of them are already there.
		doc = ta.parse(c.upload(importPath("vi", e.ID), nil, "invitees.csv", []byte(csv.String())), http.StatusOK, "upload again")
		if text(doc, "#n-new") != "0" || text(doc, "#n-existing") != "9" || doc.Find(`form[action$="/confirm"]`).Length() != 0 {
			t.Errorf("second upload: new %s existing %s", text(doc, "#n-new"), text(doc, "#n-existing"))
		}
		if got := text(doc, "#nothing"); got != "Không có gì để nhập: mọi dòng đều đã đăng ký hoặc có vấn đề." {
			t.Errorf("nothing to import: %q", got)
		}
	})
}

// Bad files come back to the upload page with a message in the person's
// language, their choice of SMS language kept, and nothing written.
func TestImportBadFiles(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 5})
		cases := []struct {
			what, lang, file, want string
			noFile                 bool
		}{
			{what: "invalid UTF-8", lang: "fr", file: "Nom,Téléphone\nL\xea Th\xd2,0912345678\n", want: "Le fichier n'est pas en UTF-8"},
			{what: "NUL bytes", lang: "vi", file: "An\x00,0912345678\n", want: "Đây không phải tệp CSV"},
			{what: "empty", lang: "en", file: "", want: "The file is empty."},
			{what: "no phone column", lang: "vi", file: "Họ tên;Đơn vị\nAn Bình;CTSE\n", want: "không có cột số điện thoại"},
			{what: "too many rows", lang: "fr", file: "Nom,Téléphone\n" + strings.Repeat("An Bình,0912345678\n", registration.ImportMaxRows+1), want: "plus de 2000 lignes"},
			{what: "too large", lang: "en", file: strings.Repeat("a", registration.ImportMaxBytes+10), want: "The file is too large (at most 512 KB)"},
			{what: "no file", lang: "vi", noFile: true, want: "Vui lòng chọn một tệp CSV để nhập."},
		}
		for _, cs := range cases {
			t.Run(cs.what, func(t *testing.T) {
				name := "list.csv"
				if cs.noFile {
					name = ""
				}
				resp := c.upload(importPath(cs.lang, e.ID), url.Values{"lang": {"en"}}, name, []byte(cs.file))
				doc := ta.parse(resp, http.StatusUnprocessableEntity, cs.what)
				if got := text(doc, ".import-error"); !strings.Contains(got, cs.want) {
					t.Errorf("message %q, want %q", got, cs.want)
				}
				if doc.Find(`select[name=lang] option[value=en][selected]`).Length() != 1 {
					t.Error("the SMS language chosen was lost")
				}
				if doc.Find(`input[type=file]`).Length() != 1 {
					t.Error("no upload form to try again")
				}
			})
		}
		var n int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations written from bad files", n)
		}
	})
}

// A confirm form whose rows were changed, lost or are not rows at all is
// refused with a message; nothing is written.
func TestImportConfirmChecksTheRowsAgain(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 5})
		path := importPath("en", e.ID) + "/confirm"
		cases := map[string]struct{ rows, want string }{
			"no rows":       {"", "did not come back whole"},
			"not JSON":      {"Nguyễn Văn Đức,0912345678", "did not come back whole"},
			"empty list":    {"[]", "did not come back whole"},
			"bad name":      {`[{"r":2,"n":"An Bình","p":"+84912345601"},{"r":3,"n":"<b>x</b>","p":"+84912345602"}]`, "Row 3 no longer passes"},
			"bad phone":     {`[{"r":4,"n":"An Bình","p":"12345"}]`, "Row 4 no longer passes"},
			"same number":   {`[{"r":2,"n":"An Bình","p":"+84912345601"},{"r":5,"n":"Lê Hoa","p":"0912345601"}]`, "Row 5 no longer passes"},
			"too many rows": {"[" + strings.Repeat(`{"r":2,"n":"An Bình","p":"+84912345601"},`, registration.ImportMaxRows) + `{"r":2,"n":"An Bình","p":"+84912345601"}]`, "did not come back whole"},
		}
		for what, cs := range cases {
			resp := c.upload(path, url.Values{"rows": {cs.rows}, "lang": {"vi"}}, "", nil)
			doc := ta.parse(resp, http.StatusUnprocessableEntity, what)
			if got := text(doc, ".import-error"); !strings.Contains(got, cs.want) {
				t.Errorf("%s: message %q, want %q", what, got, cs.want)
			}
		}
		var n int64
		db.Model(&registration.Registration{}).Where("event_id = ?", e.ID).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations written from changed forms", n)
		}
		// A valid row sent by hand goes through the same rules.
		wantRedirect(t, c.upload(path, url.Values{"rows": {`[{"r":2,"n":"  Nguye\u0302\u0303n  Văn Đức ","p":"0912 345 601","l":"teacher"}]`}}, "", nil), importPath("en", e.ID)+"?")
		var r registration.Registration
		if err := db.Where("event_id = ?", e.ID).Take(&r).Error; err != nil || r.Name != "Nguyễn Văn Đức" || *r.Phone != "+84912345601" || r.Role != "teacher" || r.Lang != "vi" {
			t.Errorf("registration %+v (%v)", r, err)
		}
	})
}

// An event that takes no registrations (deadline passed) says so on the
// upload page and refuses the confirm with the registration service's
// message; a cancelled event refuses the upload.
func TestImportClosedEvent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		past := staffNow.Add(-time.Hour)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 5, Deadline: &past})
		doc := c.page(importPath("fr", e.ID), http.StatusOK)
		if doc.Find(`input[type=file]`).Length() != 0 || !strings.Contains(doc.Find(".note").Text(), "ne prend pas d'inscriptions") {
			t.Error("the upload page of a closed event offers the form or does not say why")
		}
		resp := c.upload(importPath("fr", e.ID), nil, "l.csv", []byte("An Bình,0912345601\n"))
		doc = ta.parse(resp, http.StatusOK, "preview of a closed event")
		if doc.Find(`form[action$="/confirm"]`).Length() != 0 {
			t.Error("a confirm button for a closed event")
		}
		resp = c.upload(importPath("fr", e.ID)+"/confirm", url.Values{"rows": {`[{"r":1,"n":"An Bình","p":"+84912345601"}]`}}, "", nil)
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "confirm into a closed event")
		if got := text(doc, ".import-error"); got == "" || strings.HasPrefix(got, "error.") {
			t.Errorf("message %q", got)
		}

		cancelled := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Status: event.StatusCancelled})
		if resp := c.upload(importPath("en", cancelled.ID), nil, "l.csv", []byte("An Bình,0912345601\n")); resp.StatusCode != http.StatusConflict {
			t.Errorf("upload into a cancelled event: %d, want 409", resp.StatusCode)
		}
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations written into closed events", n)
		}
	})
}

// The template in each language is a file the parser reads as a header.
func TestImportTemplateInThreeLanguages(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	ta.setNow(staffNow)
	c, _ := ta.organiser(t)
	e := testutil.Event(t, ta.db, testutil.EventOpts{Now: staffNow})
	for _, lang := range []string{"vi", "fr", "en"} {
		resp := c.get(importPath(lang, e.ID) + "/template.csv")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s template: %d %s", lang, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sep := ";"
		if lang == "en" {
			sep = ","
		}
		row := strings.Join([]string{"Trần Thị Lan", "0912 345 678", "CTSE", "Giáo viên"}, sep)
		f, err := registration.ParseImport(bytes.NewReader(append(body, []byte(row+"\r\n")...)), ta.srv.importOptions("VN"))
		if err != nil {
			t.Fatalf("%s template: %v", lang, err)
		}
		if !f.Header || len(f.Rows) != 1 || f.Rows[0].Role != "teacher" || f.Rows[0].Organisation != "CTSE" {
			t.Errorf("%s template read as header %v rows %+v errors %+v", lang, f.Header, f.Rows, f.Errors)
		}
	}
}

// The import's routes refuse other roles and anonymous visitors (the role
// matrix walks them too), and a form without its CSRF token.
func TestImportAccess(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(staffNow)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		file := []byte("An Bình,0912345601\n")
		for _, role := range []user.Role{user.RoleTrainer, user.RoleCoach} {
			c := ta.client()
			c.login(testutil.Staff(t, db, role))
			if resp := c.get(importPath("en", e.ID)); resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET as %s: %d, want 403", role, resp.StatusCode)
			}
			if resp := c.upload(importPath("en", e.ID), nil, "l.csv", file); resp.StatusCode != http.StatusForbidden {
				t.Errorf("upload as %s: %d, want 403", role, resp.StatusCode)
			}
			if resp := c.upload(importPath("en", e.ID)+"/confirm", url.Values{"rows": {`[{"r":1,"n":"An Bình","p":"+84912345601"}]`}}, "", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("confirm as %s: %d, want 403", role, resp.StatusCode)
			}
		}
		anon := ta.client()
		resp := anon.get(importPath("vi", e.ID))
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/vi/login") {
			t.Errorf("anonymous GET: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		c, _ := ta.organiser(t)
		for _, p := range []string{importPath("en", e.ID), importPath("en", e.ID) + "/confirm"} {
			resp := c.upload(p, url.Values{"_csrf": {""}, "rows": {`[{"r":1,"n":"An Bình","p":"+84912345601"}]`}}, "l.csv", file)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s without CSRF token: %d, want 403", p, resp.StatusCode)
			}
		}
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations written by refused requests", n)
		}
	})
}

// A file over the server's body limit (1 MiB) is refused before any handler
// runs; the organiser is sent back to the upload form, which says the
// import's limit in the page's language.
func TestImportOverBodyLimit(t *testing.T) {
	db := testutil.New(t, "sqlite").DB
	ta, c, _ := organiserApp(t, db)
	e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 5})
	// app.Test does not return fasthttp's answer to an oversized body: a
	// real listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ta.app.Listener(ln)
	t.Cleanup(func() { _ = ta.app.Shutdown() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: lantern.test\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n--xyz\r\n",
		importPath("fr", e.ID), 3<<19)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := importPath("fr", e.ID) + "?too_large=1"; resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("a 1.5 MiB upload: status %d, location %q; want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	doc := c.page(resp.Header.Get("Location"), http.StatusOK)
	if got := text(doc, ".import-error"); !strings.Contains(got, "Le fichier est trop gros (512 Ko au plus)") || doc.Find(`input[type=file]`).Length() != 1 {
		t.Errorf("after a 1.5 MiB upload: message %q, want the French one, with the upload form", got)
	}
	// Other oversized posts keep the translated 413 page.
	conn2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	fmt.Fprintf(conn2, "POST %s/confirm HTTP/1.1\r\nHost: lantern.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nx=", importPath("fr", e.ID), 3<<19)
	_ = conn2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(conn2), nil); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized confirm: %v %v, want 413", resp, err)
	}
}
