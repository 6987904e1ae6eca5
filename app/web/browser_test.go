package web

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Browser tests drive Debian's headless chromium with chromedp (v0.23: its
// actions are generic values run with chromedp.Do / chromedp.Run) against the
// real app served on a local port. Without chromium they skip with a clear
// line, except under CI=true where they fail.
//
// Use:
//
//	b := newBrowser(t, db)               // server + tab at 360×740
//	b.navigate(t, "/vi/events")
//	b.fill(t, "#phone", "0912 345 678")  // types into an input
//	b.click(t, "button[type=submit]")
//	b.waitVisible(t, ".ticket")
//	got := b.text(t, "h1")
//	n := evalAs[int](t, b, `document.querySelectorAll(".card").length`)
//	b.setOffline(t, true)                // cut the network (navigator.onLine too)
//	b.do(t, chromedp.Sleep(time.Second)) // any chromedp action

// findChromium returns the browser's path, or "".
func findChromium() string {
	if p := os.Getenv("LANTERN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserEnv is a running server and a browser tab at phone size.
type browserEnv struct {
	ta   *testApp
	base string // http://127.0.0.1:port
	ctx  context.Context
	opts []chromedp.ExecAllocatorOption // the browser's, its profile folder included
	stop func()                         // closes the browser
}

// phoneWidth is the width of a cheap Android phone's screen in CSS pixels.
const phoneWidth, phoneHeight = 360, 740

// newBrowser serves the app on db and opens a headless browser tab.
func newBrowser(t *testing.T, db *gorm.DB) *browserEnv {
	t.Helper()
	return newBrowserWith(t, db)
}

// newBrowserWith is newBrowser with more chromium flags (a fake camera…).
func newBrowserWith(t *testing.T, db *gorm.DB, extra ...chromedp.ExecAllocatorOption) *browserEnv {
	t.Helper()
	path := findChromium()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but no chromium is installed: the browser tests cannot be skipped in CI")
		}
		t.Skip("chromium not installed: browser test skipped (apt-get install chromium, or run bash .ci/run)")
	}
	ta := newTestApp(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ta.srv.cfg.BaseURL = base
	go ta.app.Listener(ln)
	t.Cleanup(func() { ta.app.ShutdownWithTimeout(5 * time.Second) })

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(phoneWidth, phoneHeight),
	)
	opts = append(opts, extra...)
	b := &browserEnv{ta: ta, base: base, opts: opts}
	b.start(t)
	t.Cleanup(func() { b.stop() })
	return b
}

// start starts the browser on its profile and opens a tab.
func (b *browserEnv) start(t *testing.T) {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), b.opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b.ctx, b.stop = ctx, func() { cancelCtx(); cancelAlloc() }
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
}

// restart closes the browser as its user would (Browser.close: what it
// keeps is written to its profile) and starts it again on the same
// profile, with a new tab on a blank page.
func (b *browserEnv) restart(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	if err := chromedp.Cancel(ctx); err != nil {
		t.Fatalf("close chromium: %v", err)
	}
	cancel()
	b.stop()
	b.start(t)
}

// step limits one browser step so that a missing element fails quickly.
func (b *browserEnv) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 20*time.Second)
}

// do runs chromedp actions and fails the test on error.
func (b *browserEnv) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// navigate opens a path of the test server and waits for the body.
// login signs a staff member in through the login form in lang, and waits
// for the staff navigation that signed-in pages show.
func (b *browserEnv) login(t *testing.T, lang string, u *user.User) {
	t.Helper()
	b.navigate(t, "/"+lang+"/login")
	b.fill(t, "#email", u.Email)
	b.fill(t, "#password", testutil.DefaultPassword)
	b.click(t, "form.form button[type=submit]")
	b.waitVisible(t, ".staffnav")
}

func (b *browserEnv) navigate(t *testing.T, path string) {
	t.Helper()
	b.do(t, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *browserEnv) click(t *testing.T, css string) {
	t.Helper()
	b.do(t, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// fill types text into an input (after what it holds).
func (b *browserEnv) fill(t *testing.T, css, text string) {
	t.Helper()
	b.do(t, chromedp.SendKeys(chromedp.CSS(css), text, chromedp.NodeVisible))
}

func (b *browserEnv) waitVisible(t *testing.T, css string) {
	t.Helper()
	b.do(t, chromedp.WaitVisible(chromedp.CSS(css)))
}

// text returns the visible text of the first element matching css.
func (b *browserEnv) text(t *testing.T, css string) string {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// location returns the tab's URL.
func (b *browserEnv) location(t *testing.T) string {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// evalAs evaluates a JavaScript expression in the page.
func evalAs[T any](t *testing.T, b *browserEnv, js string) T {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// setOffline cuts (or restores) the tab's network: requests fail and
// navigator.onLine turns false, firing the page's offline/online events.
func (b *browserEnv) setOffline(t *testing.T, offline bool) {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	cond := &network.Conditions{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{cond},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
	}); err != nil {
		t.Fatal(err)
	}
}

// noHorizontalScroll checks that the page fits the phone's width.
func (b *browserEnv) noHorizontalScroll(t *testing.T) {
	t.Helper()
	if w := evalAs[int](t, b, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("page is %d px wide on a %d px screen: it scrolls sideways", w, phoneWidth)
	}
}
