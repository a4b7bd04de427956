package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// typeAndLeave replaces the value of the input that css selects with text, as a person
// types it, and leaves the field with Tab (which fires its change event).
func typeAndLeave(tab *Tab, css, text string) {
	tab.t.Helper()
	Eval[bool](tab, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = ""; el.focus(); return true })()`, css))
	tab.Do(chromedp.SendKeys(chromedp.CSS(css), text+kb.Tab, chromedp.NodeVisible))
}

// assertBeside checks that the message that msgCSS selects is shown right under the input
// that inCSS selects, that the input names it, and that the input still holds want.
func assertBeside(t *testing.T, tab *Tab, inCSS, msgCSS, want string) {
	t.Helper()
	tab.WaitTrue("the message "+msgCSS, fmt.Sprintf(`document.querySelector(%q) !== null`, msgCSS))
	tab.AssertReadable(msgCSS)
	in, msg := tab.BoundingBox(inCSS), tab.BoundingBox(msgCSS)
	if msg.Top < in.Bottom-1 || msg.Top-in.Bottom > 40 || msg.Left > in.Right || msg.Right < in.Left {
		t.Errorf("%s (x %.0f–%.0f, y %.0f) is not beside %s (x %.0f–%.0f, bottom %.0f)", msgCSS, msg.Left, msg.Right, msg.Top, inCSS, in.Left, in.Right, in.Bottom)
	}
	if got := Eval[string](tab, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-describedby") + "|" + document.querySelector(%q).getAttribute("aria-invalid")`, inCSS, inCSS)); got != msgCSS[1:]+"|true" {
		t.Errorf("%s: aria-describedby|aria-invalid = %q", inCSS, got)
	}
	if got := Eval[string](tab, fmt.Sprintf(`document.querySelector(%q).value`, inCSS)); got != want {
		t.Errorf("%s holds %q, want what was typed, %q", inCSS, got, want)
	}
}

// TestAccountDetailsAndPIN opens "Editar detalles de la cuenta" from the name at top
// right, types a bad RFC and a bad phone (each checked as the field is left), fixes them,
// saves, and sets a security PIN, at desktop and phone width.
func TestAccountDetailsAndPIN(t *testing.T) {
	browser := StartBrowser(t)
	base := serveWithAna(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := NewTab(t, browser, vp)
			defer tab.AssertNoCSPViolations()
			signIn(tab, base, anaEmail, anaPassword, 200)
			assertNameTopRight(t, tab)
			tab.Do(chromedp.Click(chromedp.CSS(`details[data-testid="user-menu"] > summary`), chromedp.NodeVisible))
			if got := tab.Text(`[data-testid="menu-account"]`); got != "Editar detalles de la cuenta" {
				t.Errorf("menu item reads %q", got)
			}
			tab.ClickAndLoad(`[data-testid="menu-account"]`, 200)
			if p := tab.Path(); p != "/account" {
				t.Fatalf("the menu opened %s, want /account", p)
			}
			tab.WaitTrue("htmx to process the form", `document.querySelector("#rfc") !== null && htmx.process !== undefined`)
			tab.AssertNoHorizontalOverflow()

			typeAndLeave(tab, "#rfc", "XIQB891316QE4")
			assertBeside(t, tab, "#rfc", "#rfc-error", "XIQB891316QE4")
			typeAndLeave(tab, "#phone", "12345")
			assertBeside(t, tab, "#phone", "#phone-error", "12345")
			// Both messages stay while the other field is checked.
			if !tab.IsVisible("#rfc-error") {
				t.Error("the RFC message went away when the phone was checked")
			}
			tab.AssertNoHorizontalOverflow()
			tab.Shot("account-errors-" + vp.Name)

			typeAndLeave(tab, "#rfc", "XIQB891116QE4")
			tab.WaitTrue("the RFC message to go", `document.querySelector("#rfc-error") === null`)
			typeAndLeave(tab, "#phone", "55 1234 5678")
			tab.WaitTrue("the phone message to go", `document.querySelector("#phone-error") === null`)
			if got := Eval[string](tab, `document.querySelector("#phone").value`); got != "+52 55 1234 5678" {
				t.Errorf("phone reads %q after the check, want it normalised", got)
			}
			if got := tab.Text(`[data-testid="account-submit"]`); got != "Guardar Cambios" {
				t.Errorf("save button reads %q", got)
			}
			tab.Do(chromedp.Click(chromedp.CSS(`[data-testid="account-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the confirmation", `(() => { const n = document.querySelector('[data-testid="account-page"] [data-testid="notice"]');
				return n !== null && n.innerText.includes("Sus cambios se guardaron") })()`)
			if got := Eval[string](tab, `document.querySelector("#rfc").value`); got != "XIQB891116QE4" {
				t.Errorf("after saving the RFC reads %q", got)
			}
			tab.Shot("account-saved-" + vp.Name)

			// The security PIN: set, shown as set, never shown itself.
			const pin = "402917"
			tab.Do(
				chromedp.SendKeys(chromedp.CSS("#pin"), pin, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.CSS("#pin_confirm"), pin, chromedp.NodeVisible),
				chromedp.SendKeys(chromedp.CSS("#pin_current"), anaPassword, chromedp.NodeVisible),
				chromedp.Click(chromedp.CSS(`[data-testid="pin-submit"]`), chromedp.NodeVisible))
			tab.WaitTrue("the PIN to be saved", `(() => { const n = document.querySelector('[data-testid="pin-section"] [data-testid="notice"]');
				return n !== null && n.innerText.includes("Su PIN de seguridad se guardó") })()`)
			if got := tab.Text(`[data-testid="pin-status"]`); !strings.HasPrefix(got, "Tiene un PIN configurado. Último cambio:") {
				t.Errorf("PIN status reads %q", got)
			}
			if Eval[bool](tab, fmt.Sprintf(`document.body.innerText.includes(%q) ||
				[...document.querySelectorAll("input")].some(i => i.value === %q)`, pin, pin)) {
				t.Error("the PIN is on the page after saving")
			}
			tab.AssertReadable(`[data-testid="pin-status"] strong`)
			tab.AssertNoHorizontalOverflow()
			tab.Shot("account-pin-" + vp.Name)
		})
	}
}
