package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zona/locales"
	"zona/store/storetest"
)

const (
	anaEmail    = "ana@example.com"
	anaPassword = "cielo-nublado-en-tlaxcala-42"
	anaName     = "Ana López"
)

// serveWithAna runs the app with one client, Ana López, and returns its base URL.
func serveWithAna(t *testing.T) string {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	return storetest.Serve(t, storetest.Config(), st, kv)
}

// signIn fills the sign-in form at base+"/login" and submits it; the page it lands on must
// answer with want.
func signIn(tab *Tab, base, email, password string, want int64) {
	tab.t.Helper()
	tab.Navigate(base + "/login")
	tab.Do(
		chromedp.SendKeys(chromedp.ID("email"), email, chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("password"), password, chromedp.NodeVisible))
	tab.ClickAndLoad(`button[data-testid="login-submit"]`, want)
}

// TestSignInMenuSignOutBack signs in, finds the name top right, signs out from its menu, and
// presses Back: the account must not come back. It runs at desktop and phone width.
func TestSignInMenuSignOutBack(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithAna(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()

			signIn(tab, base, anaEmail, anaPassword, 200)
			if p := tab.Path(); p != "/zona" {
				t.Fatalf("after sign-in the browser is at %s, want /zona", p)
			}
			assertNameTopRight(t, tab)
			// htmx ran under the CSP, with the layout's configuration.
			if !Eval[bool](tab, `window.htmx !== undefined && htmx.version === "2.0.11" && htmx.config.includeIndicatorStyles === false`) {
				t.Error("htmx 2.0.11 did not load, or did not read the layout's htmx-config")
			}
			tab.Shot("signed-in-" + vp.Name)

			// Open the user menu by its name.
			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			tab.WaitTrue("the user menu to open", `document.querySelector('details[data-testid="user-menu"]').open`)
			tab.AssertReadable(`[data-testid="logout"]`)
			if got := tab.Text(`[data-testid="logout"]`); got != "Salir" {
				t.Errorf("logout button reads %q, want %q", got, "Salir")
			}
			assertInsideViewport(t, tab, `details[data-testid="user-menu"] > ul`)
			tab.Shot("menu-open-" + vp.Name)

			tab.ClickAndLoad(`[data-testid="logout"]`, 200)
			if p := tab.Path(); p != "/login" {
				t.Fatalf("after Salir the browser is at %s, want /login", p)
			}
			if !tab.IsVisible(`[data-testid="login"]`) {
				t.Fatal("after Salir the sign-in form is not visible")
			}

			// Mark this document, so the wait below cannot be satisfied by the page that
			// was showing before Back.
			Eval[bool](tab, `window.__zonaBeforeBack = true`)
			before := len(tab.Visited())
			tab.Do(chromedp.NavigateBack())
			tab.WaitTrue("the sign-in page after Back", fmt.Sprintf(`!window.__zonaBeforeBack &&
				document.readyState === "complete" &&
				document.querySelector('[data-testid="login"]') !== null &&
				!document.body.innerText.includes(%q)`, anaName))
			if p := tab.Path(); p != "/login" {
				t.Errorf("after Back the browser is at %s, want /login", p)
			}
			if Eval[bool](tab, fmt.Sprintf(`document.body.innerText.includes(%q)`, anaName)) {
				t.Errorf("after sign-out and Back, %q is still on the page", anaName)
			}
			if tab.IsVisible(`[data-testid="dashboard"]`) || tab.IsVisible(`[data-testid="user-menu"]`) {
				t.Error("after sign-out and Back, the dashboard or the user menu is shown")
			}
			// Not even for a moment: no page at /zona was shown after Back (a restore from
			// the back/forward cache would be one).
			for _, u := range tab.Visited()[before:] {
				if p, err := url.Parse(u); err != nil || p.Path != "/login" {
					t.Errorf("after sign-out, Back showed %s, want only the sign-in page", u)
				}
			}
		})
	}
}

// assertNameTopRight checks that the signed-in person's full name is visible at the top
// right of the page, and that the page fits the window.
func assertNameTopRight(t *testing.T, tab *Tab) {
	t.Helper()
	const name = `[data-testid="user-name"]`
	tab.WaitTrue("the user name", fmt.Sprintf(`document.querySelector(%q) !== null`, name))
	if got := tab.Text(name); got != anaName {
		t.Errorf("user name reads %q, want %q", got, anaName)
	}
	tab.AssertReadable(name)
	r := tab.BoundingBox(name)
	width := float64(tab.vp.Width)
	if r.Left < width/2 || r.Right > width {
		t.Errorf("user name spans x %.0f–%.0f, want it in the right half of %0.f px", r.Left, r.Right, width)
	}
	if r.Top < 0 || r.Top >= 120 {
		t.Errorf("user name is at y %.0f, want it near the top (y < 120)", r.Top)
	}
	tab.AssertNoHorizontalOverflow()
}

// assertInsideViewport checks that the element that css selects is wholly inside the window
// horizontally.
func assertInsideViewport(t *testing.T, tab *Tab, css string) {
	t.Helper()
	r := tab.BoundingBox(css)
	if r.Left < 0 || r.Right > float64(tab.vp.Width) {
		t.Errorf("%s spans x %.0f–%.0f, outside the %d px window", css, r.Left, r.Right, tab.vp.Width)
	}
}

// TestSignInWrongPassword signs in with a wrong password: the same page comes back with the
// message above the form and the email as typed, and no error page.
func TestSignInWrongPassword(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithAna(t)
	es := locales.For(locales.ES)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()

			const typed = "Ana@Example.com"
			signIn(tab, base, typed, "not-her-password", 200)
			if p := tab.Path(); p != "/login" {
				t.Fatalf("after a wrong password the browser is at %s, want /login", p)
			}
			if Eval[bool](tab, `document.querySelector('[data-testid="error-page"]') !== null`) {
				t.Fatal("a wrong password shows the error page")
			}
			const notice = `[data-testid="login"] [data-testid="notice"]`
			tab.AssertReadable(notice)
			if got, want := tab.Text(notice), es.T("page.login.wrong"); got != want {
				t.Errorf("message reads %q, want %q", got, want)
			}
			if n, f := tab.BoundingBox(notice), tab.BoundingBox(`[data-testid="login"] form`); n.Bottom > f.Top {
				t.Errorf("message (y %.0f–%.0f) is not above the form (from y %.0f)", n.Top, n.Bottom, f.Top)
			}
			if got := Eval[string](tab, `document.querySelector("#email").value`); got != typed {
				t.Errorf("email field holds %q, want what was typed, %q", got, typed)
			}
			if got := Eval[string](tab, `document.querySelector("#password").value`); got != "" {
				t.Errorf("password field was filled again with %q", got)
			}
			if strings.Contains(Eval[string](tab, `document.body.innerText`), anaName) {
				t.Errorf("the page names %q after a failed sign-in", anaName)
			}
			tab.AssertNoHorizontalOverflow()
			tab.Shot("wrong-password-" + vp.Name)
		})
	}
}
