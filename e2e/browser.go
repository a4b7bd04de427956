// Package e2e holds Zona's browser tests: the whole app served on loopback, driven by a real
// headless Chromium through chromedp. They check what only a browser shows: layout at phone
// width, the Back button after sign-out, the CSP with htmx.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where the browser tests expect Debian's Chromium.
const ChromiumPath = "/usr/bin/chromium"

// Timeout bounds a whole browser test function, browser start included: a hang fails the
// test instead of blocking the run.
const Timeout = 60 * time.Second

// waitTimeout bounds one wait for something to appear on a page.
const waitTimeout = 10 * time.Second

// Viewport is the size of a tab's window in CSS pixels. Mobile turns on phone emulation:
// the page's viewport meta tag applies and touch events are on.
type Viewport struct {
	Name          string
	Width, Height int64
	Mobile        bool
}

// Desktop and Phone are the two screens every scenario runs on.
var (
	Desktop = Viewport{Name: "desktop", Width: 1280, Height: 800}
	Phone   = Viewport{Name: "phone", Width: 375, Height: 740, Mobile: true}
)

// StartBrowser starts a headless Chromium for t, which closes when t ends. Every tab of the
// test opens in it. Without Chromium at ChromiumPath the test fails, because a missing
// browser must not pass silently; ZONA_SKIP_BROWSER=1 skips browser tests instead.
func StartBrowser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("ZONA_SKIP_BROWSER") == "1" {
		t.Skip("ZONA_SKIP_BROWSER=1: browser tests skipped")
	}
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("Chromium not found at %s (%v): run `make test`, which installs it, or set ZONA_SKIP_BROWSER=1", ChromiumPath, err)
	}
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
	)
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// Tab is one browser tab with cookies of its own, a fixed viewport, and a record of what
// its pages wrote to the console.
type Tab struct {
	Ctx context.Context
	t   *testing.T
	vp  Viewport

	mu       sync.Mutex
	messages []string
	visited  []string // URLs the main frame committed, in order
}

// NewTab opens a tab in browser (from StartBrowser) sized to vp, asking for pages in Spanish
// (Mexico), the product's first language. The tab closes when t ends; if t failed, a
// screenshot of the tab is saved first and its path logged.
func NewTab(t *testing.T, browser context.Context, vp Viewport) *Tab {
	t.Helper()
	tab := &Tab{t: t, vp: vp}
	ctx, cancel := chromedp.NewContext(browser,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(tab.record))
	tab.Ctx = ctx
	t.Cleanup(func() {
		if t.Failed() {
			tab.saveScreenshot("FAIL-" + t.Name())
		}
		cancel()
	})
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if vp.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	spanish := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "es-MX,es;q=0.9"},
		})
		return err
	})
	tab.Do(chromedp.EmulateViewport(vp.Width, vp.Height, opts...), spanish)
	return tab
}

// record keeps console errors, uncaught exceptions, browser log entries of level error or
// warning, and the URLs the main frame commits. It runs in the tab's event loop, so it only
// appends.
func (tab *Tab) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *page.EventFrameNavigated:
		if ev.Frame.ParentID == "" {
			tab.mu.Lock()
			tab.visited = append(tab.visited, ev.Frame.URL)
			tab.mu.Unlock()
		}
		return
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning {
			return
		}
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, string(a.Value))
			}
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = "exception: " + d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level != log.EntryLevelError && e.Level != log.EntryLevelWarning {
			return
		}
		msg = fmt.Sprintf("log.%s (%s): %s [%s]", e.Level, e.Source, e.Text, e.URL)
	default:
		return
	}
	tab.mu.Lock()
	tab.messages = append(tab.messages, msg)
	tab.mu.Unlock()
}

// Messages returns what the tab's pages reported so far: console errors and warnings,
// uncaught exceptions, and browser log entries (CSP violations among them).
func (tab *Tab) Messages() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.messages...)
}

// Visited returns the URLs the tab's main frame has shown, in order: every page load,
// redirect target and back/forward restore. A page that was shown, even for a moment, is in
// it.
func (tab *Tab) Visited() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.visited...)
}

// isCSPViolation reports whether a console message is a Content Security Policy violation.
// Chromium words them "Refused to load …" or "Executing inline script violates the following
// Content Security Policy directive …", as an error of the browser log's security source.
func isCSPViolation(msg string) bool {
	return strings.Contains(msg, "Content Security Policy") || strings.Contains(msg, "Refused to")
}

// AssertNoCSPViolations fails the test if any page of the tab reported a CSP violation or
// threw an uncaught exception. Other messages are logged.
func (tab *Tab) AssertNoCSPViolations() {
	tab.t.Helper()
	for _, m := range tab.Messages() {
		switch {
		case isCSPViolation(m):
			tab.t.Errorf("CSP violation: %s", m)
		case strings.HasPrefix(m, "exception:"):
			tab.t.Errorf("uncaught exception: %s", m)
		default:
			tab.t.Logf("browser console: %s", m)
		}
	}
}

// Do runs steps in the tab and fails the test at the first error.
func (tab *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, steps...); err != nil {
		tab.t.Fatalf("browser (%s): %v", tab.vp.Name, err)
	}
}

// Navigate loads url and waits for it; it fails the test unless the answer is 200.
func (tab *Tab) Navigate(url string) {
	tab.t.Helper()
	resp, err := chromedp.Run(tab.Ctx, chromedp.NavigateResponse(url))
	if err != nil {
		tab.t.Fatalf("opening %s: %v", url, err)
	}
	if resp.Status != 200 {
		tab.t.Fatalf("opening %s: status %d", url, resp.Status)
	}
}

// ClickAndLoad clicks the element that css selects and waits for the page that the click
// loads (after any redirects); it fails the test unless that page answered with want.
func (tab *Tab) ClickAndLoad(css string, want int64) {
	tab.t.Helper()
	resp, err := chromedp.RunResponse(tab.Ctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		tab.t.Fatalf("clicking %s: %v", css, err)
	}
	if resp.Status != want {
		tab.t.Fatalf("clicking %s: the page answered %d, want %d", css, resp.Status, want)
	}
}

// Path returns the path of the tab's current URL.
func (tab *Tab) Path() string {
	tab.t.Helper()
	loc, err := chromedp.Run(tab.Ctx, chromedp.Location())
	if err != nil {
		tab.t.Fatalf("reading the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tab.t.Fatalf("parsing the location %q: %v", loc, err)
	}
	return u.Path
}

// Eval evaluates a JavaScript expression in the tab's page and decodes its value.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tab.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// WaitTrue polls the JavaScript expression until it is true, across page loads (an
// evaluation that fails while a page is replaced is retried), and fails the test after a
// while. what says in words what is awaited.
func (tab *Tab) WaitTrue(what, expr string) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, waitTimeout)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr == nil || errors.Is(lastErr, context.DeadlineExceeded) {
				lastErr = errors.New("it stayed false")
			}
			tab.t.Fatalf("waiting for %s: %v", what, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Rect is an element's bounding box in CSS pixels, relative to the viewport.
type Rect struct {
	Left   float64 `json:"left"`
	Top    float64 `json:"top"`
	Right  float64 `json:"right"`
	Bottom float64 `json:"bottom"`
}

// BoundingBox returns the bounding box of the first element that css selects.
func (tab *Tab) BoundingBox(css string) Rect {
	tab.t.Helper()
	return Eval[Rect](tab, fmt.Sprintf(`(() => {
		const r = document.querySelector(%q).getBoundingClientRect();
		return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
	})()`, css))
}

// IsVisible reports whether the first element that css selects is rendered and visible
// (not display:none, visibility:hidden, zero-sized, nor inside a closed <details>).
func (tab *Tab) IsVisible(css string) bool {
	tab.t.Helper()
	return Eval[bool](tab, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return false;
		const r = el.getBoundingClientRect();
		return r.width > 0 && r.height > 0 &&
			el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
	})()`, css))
}

// Contrast returns the WCAG contrast ratio (1 to 21) between the text colour of the first
// element that css selects and the first opaque background behind it, so a test can tell
// readable text from text painted in its background's colour. It is -1 when a colour
// cannot be read.
func (tab *Tab) Contrast(css string) float64 {
	tab.t.Helper()
	return Eval[float64](tab, fmt.Sprintf(`(() => {
		const rgba = s => {
			const m = s.match(/^rgba?\(([^)]*)\)$/);
			if (!m) return null;
			const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
			return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
		};
		const el = document.querySelector(%q);
		const fg = rgba(getComputedStyle(el).color);
		let bg = {r: 255, g: 255, b: 255, a: 1};
		for (let n = el; n; n = n.parentElement) {
			const c = rgba(getComputedStyle(n).backgroundColor);
			if (c === null) return -1;
			if (c.a > 0) { bg = c; break; }
		}
		if (fg === null) return -1;
		const over = (f, b) => ({r: f.r*f.a + b.r*(1-f.a), g: f.g*f.a + b.g*(1-f.a), b: f.b*f.a + b.b*(1-f.a)});
		const lum = c => {
			const ch = v => { v /= 255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); };
			return 0.2126*ch(c.r) + 0.7152*ch(c.g) + 0.0722*ch(c.b);
		};
		const white = {r: 255, g: 255, b: 255, a: 1};
		const b = over(bg, white), f = over(fg, b);
		const [hi, lo] = [lum(f), lum(b)].sort((x, y) => y - x);
		return (hi + 0.05) / (lo + 0.05);
	})()`, css))
}

// AssertReadable fails the test unless the first element that css selects is visible and
// its text contrasts with its background at least as WCAG AA asks of normal text (4.5:1).
func (tab *Tab) AssertReadable(css string) {
	tab.t.Helper()
	if !tab.IsVisible(css) {
		tab.t.Errorf("%s: %s is not visible", tab.vp.Name, css)
		return
	}
	if c := tab.Contrast(css); c < 4.5 {
		tab.t.Errorf("%s: %s text contrast is %.2f:1, want at least 4.5:1 (readable)", tab.vp.Name, css, c)
	}
}

// Text returns the visible text of the first element that css selects, trimmed.
func (tab *Tab) Text(css string) string {
	tab.t.Helper()
	return Eval[string](tab, fmt.Sprintf(`document.querySelector(%q).innerText.trim()`, css))
}

// AssertNoHorizontalOverflow fails the test if the page is wider than the viewport, so that
// a phone would scroll sideways.
func (tab *Tab) AssertNoHorizontalOverflow() {
	tab.t.Helper()
	type widths struct {
		Scroll int64 `json:"scroll"`
		Inner  int64 `json:"inner"`
		Client int64 `json:"client"`
	}
	w := Eval[widths](tab, `({scroll: document.documentElement.scrollWidth,
		inner: window.innerWidth, client: document.documentElement.clientWidth})`)
	if w.Scroll > w.Inner || w.Inner != tab.vp.Width {
		tab.t.Errorf("%s: page %d px wide in a %d px window (viewport %d px): it scrolls sideways",
			tab.vp.Name, w.Scroll, w.Inner, tab.vp.Width)
	}
}

// Screenshot saves a PNG of the visible part of the tab to path.
func (tab *Tab) Screenshot(path string) error {
	buf, err := chromedp.Run(tab.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// ShotDir is where screenshots go: $ZONA_E2E_SHOTS, else zona-e2e in the temporary
// directory.
func ShotDir() string {
	if d := os.Getenv("ZONA_E2E_SHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "zona-e2e")
}

// saveScreenshot saves the tab to ShotDir under name and logs where.
func (tab *Tab) saveScreenshot(name string) {
	dir := ShotDir()
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(name)+".png")
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = tab.Screenshot(path)
	}
	if err != nil {
		tab.t.Logf("no screenshot: %v", err)
		return
	}
	tab.t.Logf("screenshot: %s", path)
}

// FullShot is Shot of the whole page, below the window too.
func (tab *Tab) FullShot(name string) {
	tab.t.Helper()
	if os.Getenv("ZONA_E2E_SHOTS") == "" {
		return
	}
	path := filepath.Join(ShotDir(), strings.NewReplacer("/", "_", " ", "_").Replace(name)+".png")
	buf, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.MkdirAll(ShotDir(), 0o755)
	}
	if err == nil {
		err = os.WriteFile(path, buf, 0o644)
	}
	if err != nil {
		tab.t.Logf("no screenshot: %v", err)
	}
}

// Shot saves a screenshot of the tab under name when ZONA_E2E_SHOTS names a directory, for a
// person to look at; without it, it does nothing.
func (tab *Tab) Shot(name string) {
	tab.t.Helper()
	if os.Getenv("ZONA_E2E_SHOTS") == "" {
		return
	}
	tab.saveScreenshot(name)
}
