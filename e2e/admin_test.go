package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zona/secure"
	"zona/store"
	"zona/store/storetest"
)

const (
	staffEmail    = "luis.ops@example.com"
	staffPassword = "consola-de-soporte-en-puebla-7"
	staffName     = "Luis Pérez"
	anaPIN        = "402917"
)

// serveConsole runs the app with Ana (whose PIN is anaPIN), another client, and a staff
// account, and returns its base URL.
func serveConsole(t *testing.T) string {
	t.Helper()
	st, kv := storetest.MustOpen(t)
	ana := storetest.MustCreateClient(t, st, anaEmail, "Ana", "López", anaPassword)
	storetest.MustCreateClient(t, st, "jose@example.com", "José", "Ramírez", anaPassword)
	pin, err := secure.Hash(context.Background(), anaPIN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetPIN(ana.ID, pin, store.Event{Actor: store.Actor{Kind: store.ActorOwner, ID: ana.ID, Name: anaName}, IP: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	pw, err := secure.Hash(context.Background(), staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateStaff(&store.Staff{Name: staffName, Email: staffEmail, PasswordHash: pw}); err != nil {
		t.Fatal(err)
	}
	return storetest.Serve(t, storetest.Config(), st, kv)
}

// TestConsoleSearchOpenCheckPIN: a staff member signs in to the console, searches a client
// by a name typed without accents, opens it, checks the PIN a caller gives and sees the
// answer beside the field and the check as the newest line of the client's history, at
// desktop and phone width.
func TestConsoleSearchOpenCheckPIN(t *testing.T) {
	browserCtx := StartBrowser(t)
	base := serveConsole(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browserCtx, vp)
			defer tab.AssertNoCSPViolations()

			tab.Navigate(base + "/admin/login")
			tab.Do(
				chromedp.SendKeys(chromedp.ID("email"), staffEmail, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.ID("password"), staffPassword, chromedp.NodeVisible))
			tab.ClickAndLoad(`button[data-testid="staff-login-submit"]`, 200)
			if p := tab.Path(); p != "/admin" {
				t.Fatalf("after sign-in the browser is at %s, want /admin", p)
			}
			if got := tab.Text(`[data-testid="user-name"]`); got != staffName {
				t.Errorf("top right reads %q, want %q", got, staffName)
			}
			if n := Eval[int](tab, `document.querySelectorAll('[data-testid="admin-client-row"]').length`); n != 2 {
				t.Fatalf("the list shows %d clients, want 2", n)
			}
			tab.AssertNoHorizontalOverflow()
			tab.Shot("console-list-" + vp.Name)

			tab.Do(chromedp.SendKeys(chromedp.ID("q"), "lopez", chromedp.NodeVisible))
			tab.ClickAndLoad(`[data-testid="admin-search-submit"]`, 200)
			if n := Eval[int](tab, `document.querySelectorAll('[data-testid="admin-client-row"]').length`); n != 1 {
				t.Fatalf("searching lopez shows %d clients, want 1", n)
			}
			if got := tab.Text(`[data-testid="admin-client-link"]`); got != anaName {
				t.Fatalf("searching lopez found %q", got)
			}
			tab.AssertNoHorizontalOverflow()

			tab.ClickAndLoad(`[data-testid="admin-client-link"]`, 200)
			if got := tab.Text(`[data-testid="admin-client-name"]`); got != anaName {
				t.Fatalf("the client page is of %q", got)
			}
			tab.AssertNoHorizontalOverflow()

			// The check swaps the section in place (htmx): the answer and the history line.
			Eval[bool](tab, `window.__zonaSamePage = true`)
			tab.Do(
				chromedp.SendKeys(chromedp.ID("pin"), anaPIN, chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="admin-pin-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the PIN answer", `(document.querySelector('[data-testid="admin-pin-result"]') || {}).textContent === "Coincide"`)
			if !Eval[bool](tab, `window.__zonaSamePage === true`) {
				t.Error("the PIN check reloaded the page instead of swapping the section")
			}
			if v := Eval[string](tab, `document.querySelector('#pin').value`); v != "" {
				t.Errorf("the PIN field still holds %q", v)
			}
			first := `[data-testid="admin-history"] [data-testid="activity-entry"]`
			if k := Eval[string](tab, `document.querySelector('`+first+`').dataset.kind`); k != store.KindPINMatched {
				t.Fatalf("the newest history line is %q, want %q", k, store.KindPINMatched)
			}
			if got := tab.Text(first); !strings.Contains(got, "Personal de soporte (Luis Pérez)") {
				t.Errorf("the history line reads %q", got)
			}
			tab.AssertReadable(`[data-testid="admin-pin-result"]`)
			tab.AssertNoHorizontalOverflow()
			tab.Shot("console-pin-" + vp.Name)

			// The menu top right: Clientes and Salir.
			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			tab.WaitTrue("the user menu to open", `document.querySelector('details[data-testid="user-menu"]').open`)
			if got := tab.Text(`[data-testid="menu-clients"]`); got != "Clientes" {
				t.Errorf("menu item reads %q, want Clientes", got)
			}
			assertInsideViewport(t, tab, `details[data-testid="user-menu"] > ul`)
			tab.ClickAndLoad(`[data-testid="logout"]`, 200)
			if p := tab.Path(); p != "/admin/login" {
				t.Fatalf("after Salir the browser is at %s, want /admin/login", p)
			}
		})
	}
}
